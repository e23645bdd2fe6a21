"""The error page. It reads nothing from the database (which may be what failed) and, on a
mother's link, carries the national crisis lines, so a failing part never keeps her from them
(design rule 16)."""

from django.http import HttpResponseServerError
from django.template import loader

from screening.crisis import NATIONAL

MOTHERS_PATHS = ("/q/", "/help/")


def server_error(request):
    lines = NATIONAL["en"][:2] + NATIONAL["es"][:1] if request.path.startswith(MOTHERS_PATHS) else ()
    return HttpResponseServerError(loader.get_template("500.html").render({"lines": lines}))
