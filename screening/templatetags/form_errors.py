from django import template
from django.forms import CheckboxSelectMultiple, RadioSelect

register = template.Library()


@register.filter
def error_target(field):
    """The id a summary link should focus: the field itself, or the first choice of a group."""
    if isinstance(field.field.widget, RadioSelect | CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms, message=""):
    """One list of what to fix, each linked to its field and naming it; it takes focus on load."""
    fields, general = [], []
    for form in _each(forms):
        if form is None or not form.is_bound:
            continue
        for each in getattr(form, "forms", [form]):  # a formset: its forms' fields
            fields += [f for f in each if f.errors and not f.is_hidden]
            general += list(each.non_field_errors())
        if hasattr(form, "non_form_errors"):
            general += list(form.non_form_errors())
    return {"fields": fields, "general": general, "message": message}


def _each(forms):
    for form in forms:
        if isinstance(form, dict):
            yield from form.values()
        else:
            yield form
