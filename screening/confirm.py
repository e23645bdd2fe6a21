"""Destructive actions ask first: a POST without `confirmed=yes` shows what is about to happen,
with a button that sends the same form again, confirmed. No script needed, and a replayed or
forged POST without the confirmation changes nothing. Views ask after finding the record, so a
record of another clinic is still "not found"."""

from django.shortcuts import render


def ask_first(request, question, back):
    """The confirmation page, or None once confirmed."""
    if request.POST.get("confirmed") == "yes":
        return None
    fields = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in request.POST.getlist(name)
    ]
    return render(
        request, "confirm.html", {"question": question, "action": request.path, "fields": fields, "back": back}
    )
