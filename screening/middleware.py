from django.urls import reverse
from django.utils import timezone

from .tenancy import clinic_scope, every_clinic, no_clinic_scope


class ClinicMiddleware:
    """Sets request.membership (the user's role in the clinic she chose to work in) and runs the
    request in that clinic's scope; a request with no clinic runs in an empty scope, and the
    Django admin (superusers only) across every clinic."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = current_membership(request)
        if request.path.startswith(reverse("admin:index")):
            with every_clinic():
                return self.get_response(request)
        if request.membership is None:
            with no_clinic_scope():
                return self.get_response(request)
        with clinic_scope(request.membership.clinic_id), timezone.override(request.membership.clinic.zone()):
            return self.get_response(request)


def current_membership(request):
    if not request.user.is_authenticated:
        return None
    memberships = request.user.own_memberships()
    chosen = request.session.get("clinic_id")
    if chosen is not None:
        return memberships.filter(clinic_id=chosen).first()
    only = list(memberships[:2])
    return only[0] if len(only) == 1 else None
