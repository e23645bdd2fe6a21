from django.utils import timezone

from .models import Membership


class ClinicMiddleware:
    """Sets request.membership: the user's role in the clinic they chose to work in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = current_membership(request)
        if request.membership is None:
            return self.get_response(request)
        with timezone.override(request.membership.clinic.zone()):  # dates and times in clinic time
            return self.get_response(request)


def current_membership(request):
    if not request.user.is_authenticated:
        return None
    memberships = Membership.objects.select_related("clinic").filter(user=request.user)
    chosen = request.session.get("clinic_id")
    if chosen is not None:
        return memberships.filter(clinic_id=chosen).first()
    only = list(memberships[:2])
    return only[0] if len(only) == 1 else None
