from django.urls import reverse
from django.utils import timezone

from . import access_state
from .tenancy import clinic_scope, every_clinic, no_clinic_scope


class ClinicMiddleware:
    """Sets request.membership (the user's role in the clinic she chose to work in) and runs the
    request in that clinic's scope; a request with no clinic runs in an empty scope, and the
    Django admin (superusers only) across every clinic."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = access_state.membership(request)
        if request.path.startswith(reverse("admin:index")):
            with every_clinic():
                return self.get_response(request)
        if request.membership is None:
            with no_clinic_scope():
                return self.get_response(request)
        with clinic_scope(request.membership.clinic_id), timezone.override(request.membership.clinic.zone()):
            return self.get_response(request)
