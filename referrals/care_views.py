"""Follow-ups and concerns, seen and changed by staff: the list of follow-ups, rescheduling or
cancelling one, and a clinician's concern marked, decided or closed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from screening import audit
from screening.access import SEES_SCORES, get_mother, staff_view
from screening.models import AuditEntry

from . import clinician_concerns, concerns, followups, services
from .forms import (
    CancelFollowUpForm,
    CloseConcernForm,
    DecisionForm,
    MarkConcernForm,
    RescheduleForm,
)
from .models import Concern, FollowUp, FollowUpStatus


@require_GET
@staff_view()
def follow_up_list(request):
    """Upcoming and overdue follow-ups of the whole clinic."""
    rows = FollowUp.objects.visible_to(request.membership).select_related("mother", "invitation")
    show = request.GET.get("show", "upcoming")
    if show == "overdue":
        rows = rows.filter(status=FollowUpStatus.OVERDUE).order_by("due_on")
    elif show == "invited":
        rows = rows.filter(status=FollowUpStatus.INVITED).order_by("due_on")
    else:
        show = "upcoming"
        rows = rows.filter(status=FollowUpStatus.SCHEDULED).order_by("due_on")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    audit.record_shown(request.user, request.membership.clinic, [f.mother for f in page], "the follow-up list")
    return render(request, "referrals/follow_up_list.html", {"page": page, "show": show})


def _get_follow_up(request, code):
    return get_object_or_404(FollowUp.objects.visible_to(request.membership).select_related("mother"), code=code)


@require_POST
@staff_view()
def follow_up_reschedule(request, code):
    follow_up = _get_follow_up(request, code)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date and a reason to reschedule."))
        return redirect("mother_detail", code=follow_up.mother.code)
    due_on = form.cleaned_data["due_on"]
    try:
        followups.reschedule(
            follow_up,
            due_on,
            form.cleaned_data["note"],
            request.user,
            sees_scores=request.membership.sees_scores,
            deferral=form.cleaned_data["deferral"],
        )
    except followups.CannotReschedule as problem:
        messages.error(request, str(problem))
    else:
        audit.record(
            request.user,
            follow_up.clinic,
            AuditEntry.Action.UPDATE,
            follow_up.mother,
            f"follow-up rescheduled to {due_on}",
        )
        messages.success(request, _("Follow-up rescheduled."))
    return redirect("mother_detail", code=follow_up.mother.code)


@require_POST
@staff_view()
def follow_up_cancel(request, code):
    follow_up = _get_follow_up(request, code)
    if follow_up.is_clinical and not request.membership.sees_scores:
        raise PermissionDenied  # a rescreen a result called for is a clinician's to cancel
    form = CancelFollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to cancel."))
    elif followups.cancel(follow_up, actor=request.user, **form.cleaned_data):
        audit.record(request.user, follow_up.clinic, AuditEntry.Action.UPDATE, follow_up.mother, "follow-up cancelled")
        messages.success(request, _("Follow-up cancelled."))
    return redirect("mother_detail", code=follow_up.mother.code)


@require_POST
@staff_view(SEES_SCORES)
def concern_mark(request, code):
    mother = get_mother(request, code)
    form = MarkConcernForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            clinician_concerns.mark(mother, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Concern recorded: she is on the worklist until a clinician closes it."))
    else:
        messages.error(request, _("Say what concerns you."))
    return redirect("mother_detail", code=mother.code)


@require_POST
@staff_view(SEES_SCORES)
def concern_decide(request, code):
    mother = get_mother(request, code)
    form = DecisionForm(request.POST)
    if form.is_valid():
        services.record_decision(mother, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("mother_detail", code=mother.code)


@require_POST
@staff_view(SEES_SCORES)
def concern_close(request, code):
    mother = get_mother(request, code)
    concern = get_object_or_404(Concern.objects.visible_to(request.membership).open(), mother=mother)
    form = CloseConcernForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose why the concern is closed."))
        return redirect("mother_detail", code=mother.code)
    try:
        with transaction.atomic():
            concerns.close(concern, actor=request.user, **form.cleaned_data)
            services.settle(mother)
    except concerns.CannotClose as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Concern closed."))
    return redirect("mother_detail", code=mother.code)
