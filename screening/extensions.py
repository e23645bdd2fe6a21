"""Panels that the later steps of the flow (referrals) add to screening's pages, so that
screening never imports them. A panel is render(request, obj) -> HTML."""

from django.utils.safestring import mark_safe

_PANELS = {"home": [], "mother": [], "screening_result": []}


def add_panel(page, render):
    if render not in _PANELS[page]:
        _PANELS[page].append(render)


def render_panels(page, request, obj=None):
    return [mark_safe(render(request, obj)) for render in _PANELS[page]]
