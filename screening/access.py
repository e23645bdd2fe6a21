"""Who may do what: every view goes through one of these, and every record through a scoped get."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode

from .models import Mother, Role, Screening

EVERY_ROLE = tuple(Role.values)
SEES_SCORES = (Role.CLINICIAN, Role.CLINIC_ADMIN)
ADMINS = (Role.CLINIC_ADMIN,)


def staff_view(roles=EVERY_ROLE):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.membership is None:
                return redirect(f"{reverse('choose_clinic')}?{urlencode({'next': request.get_full_path()})}")
            if request.membership.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def get_mother(request, code):
    mother = get_object_or_404(Mother.objects.visible_to(request.membership), code=code)
    mother.clinic = request.membership.clinic  # hers by the filter: the session's copy, not a query
    return mother


def get_screening(request, code):
    screening = get_object_or_404(
        Screening.objects.visible_to(request.membership).select_related("mother", "entered_by"),
        code=code,
    )
    screening.clinic = screening.mother.clinic = request.membership.clinic  # as in get_mother
    return screening
