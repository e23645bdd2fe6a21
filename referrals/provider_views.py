"""The receiving provider's pages, reached through their private link (no account). Limited per
address like the mother's link: all requests loosely, wrong or dead links strictly. The link ends
with the referral: once it has ended it shows a plain "closed" page, with nothing about her."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from screening import audit
from screening.limits import limited
from screening.models import AuditEntry
from screening.tenancy import clinic_scope

from . import lifecycle, provider_links
from .forms import PROVIDER_FORMS


def with_link(view):
    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        if limited(request, "provider", settings.ONLINE_REQUESTS_PER_MINUTE):
            return render(request, "provider/limited.html", status=429)
        link = provider_links.find(token)
        if link is None:
            if limited(request, "provider-miss", settings.ONLINE_MISSES_PER_MINUTE):
                return render(request, "provider/limited.html", status=429)
            return render(request, "provider/unavailable.html", status=404)
        if link.referral.status in lifecycle.ENDED:  # declined, discharged, cancelled, failed, in error
            return render(request, "provider/closed.html", {"clinic": link.referral.clinic}, status=410)
        with clinic_scope(link.referral.clinic_id):
            return view(request, link, token, *args, **kwargs)

    return never_cache(wrapper)


def _page(request, link, token, forms=None, status=200):
    referral = link.referral
    steps = provider_links.actions(referral)
    forms = forms or {}
    for step in steps:
        form_class = PROVIDER_FORMS[step]
        if form_class and step not in forms:
            initial = {"on": referral.clinic.today()} if step == "attended" else {}
            forms[step] = form_class(prefix=step, initial=initial)
    screening = referral.screening
    answers = []  # her answers only where the clinic chose to share them: by default the totals alone
    if screening and referral.clinic.share_answers_with_providers:
        answers = [
            (item, item.options[a]) for item, a in zip(screening.instrument.items, screening.answers, strict=True)
        ]
    return render(
        request,
        "provider/referral.html",
        {
            "link": link,
            "token": token,
            "referral": referral,
            "mother": referral.mother,
            "screening": screening,
            "answers": answers,
            "steps": [(step, forms.get(step)) for step in steps],
            "clinic": referral.clinic,
        },
        status=status,
    )


@require_GET
@with_link
def referral_page(request, link, token):
    audit.record(None, link.referral.clinic, AuditEntry.Action.VIEW, link.referral, "opened (provider via link)")
    return _page(request, link, token)


@require_POST
@with_link
def referral_step(request, link, token, step):
    if step not in PROVIDER_FORMS:
        return render(request, "provider/unavailable.html", status=404)
    form_class = PROVIDER_FORMS[step]
    form = form_class(request.POST, prefix=step) if form_class else None
    if form is not None and not form.is_valid():
        return _page(request, link, token, forms={step: form}, status=400)
    data = form.cleaned_data if form else {}
    try:
        provider_links.act(link, step, reason=data.get("reason", ""), on=data.get("on"), note=data.get("note", ""))
    except lifecycle.InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: the referring clinic sees this now."))
    return redirect("provider_referral", token=token)
