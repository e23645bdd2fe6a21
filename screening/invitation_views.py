"""Inviting a mother to a questionnaire: by message, by link or QR code, on the clinic's device; and
failed messages someone dealt with."""

from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.tasks import enqueue_on_commit

from . import audit, instruments, invitations, outbox
from .access import get_mother, staff_view
from .confirm import ask_first
from .forms import (
    InviteForm,
)
from .instruments.translations import text_for
from .models import (
    OPEN_INVITATION,
    AuditEntry,
    Delivery,
    Invitation,
    InvitationStatus,
)

Action = AuditEntry.Action
SHOW_LINK_KEY = "show_invitation_link"  # the link of the invitation just made: shown once


@require_POST
@staff_view()
def message_dealt_with(request, pk):
    """A failed message someone dealt with another way (called her, handed her the link): it leaves
    the worklist, and the page it was on says who and when."""
    row = get_object_or_404(
        Delivery.objects.select_related("clinic", "mother"), pk=pk, clinic=request.membership.clinic
    )
    if outbox.dealt_with(row, request.user):
        messages.success(request, _("Marked as dealt with."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("mother_detail", args=[row.mother.code]) if row.mother else reverse("worklist")
    return redirect(target)


@require_http_methods(["GET", "POST"])
@staff_view()
def invite(request, code):
    mother = get_mother(request, code)
    form = InviteForm(request.POST or None, mother=mother)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("channels", [])
        channels = [*chosen, invitations.Channel.LINK]
        try:
            with transaction.atomic():
                invitation = invitations.create_invitation(
                    mother=mother,
                    instrument=instruments.get(form.cleaned_data["instrument"]),
                    created_by=request.user,
                    channels=channels,
                )
                if chosen:
                    enqueue_on_commit("screening.tasks.send_invitation", invitation.pk, clinic=invitation.clinic_id)
        except invitations.AlreadyOpen as held:
            messages.info(request, _("She already has an open link to this questionnaire: here it is."))
            return redirect("invitation_detail", code=held.invitation.code)
        messages.success(request, _("Invitation created."))
        request.session[SHOW_LINK_KEY] = str(invitation.code)
        return redirect("invitation_detail", code=invitation.code)
    return render(
        request,
        "screening/invite.html",
        {
            "mother": mother,
            "form": form,
            "epds_allowed": mother.clinic.epds_online_permission,
            "untranslated": _untranslated(mother),
        },
    )


def _untranslated(mother):
    """The questionnaires she would answer in English although she prefers another language."""
    language = mother.preferred_language
    if language == "en":
        return []
    return [i.code for i in invitations.online_instruments(mother.clinic) if not text_for(i, language).is_translation]


@require_POST
@staff_view()
def tablet_start(request, code):
    """Hands the device to the mother: staff are logged out and the device shows only her form."""
    mother = get_mother(request, code)
    try:
        instrument = instruments.get(request.POST.get("instrument", ""))
        invitation = invitations.create_invitation(
            mother=mother,
            instrument=instrument,
            created_by=request.user,
            tablet=True,
            lifetime=timedelta(hours=2),
        )
    except (LookupError, ValueError):
        messages.error(request, _("Choose a questionnaire that may be used online."))
        return redirect("invite", code=mother.code)
    token = invitations.token_for(invitation)
    logout(request)
    request.session["online_language"] = mother.preferred_language
    return redirect("online_start", token=token)


@require_GET
@staff_view()
def invitation_detail(request, code):
    invitation = get_object_or_404(
        Invitation.objects.visible_to(request.membership).select_related("mother"), code=code
    )
    state = invitation.state()
    is_open = state in (InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)
    deliveries = invitation.deliveries.select_related("invitation")
    context = {
        "invitation": invitation,
        "state": state,
        "mother": invitation.mother,
        "open": is_open,
        "deliveries": deliveries,
        "problems": invitation.deliveries.problems(),
        "link_only": [invitations.Channel.LINK],
    }
    audit.record(request.user, invitation.clinic, Action.VIEW, invitation.mother, "invitation page")
    if is_open and request.session.pop(SHOW_LINK_KEY, None) == str(invitation.code):
        link = invitations.link_for(invitation)
        context.update(link=link, qr=segno.make(link, error="m").svg_data_uri(scale=5))
        invitations.hand_over(invitation, request.user)
    return render(request, "screening/invitation_detail.html", context)


@require_POST
@staff_view()
def invitation_hand_over(request, code):
    """A link the dispatcher made for a mother with no email or text consent reaches her only when
    staff hand it over: it is shown once, then, like a link staff make."""
    invitation = get_object_or_404(Invitation.objects.visible_to(request.membership), code=code)
    if invitation.handed_over_at is None and invitation.state() in OPEN_INVITATION:
        request.session[SHOW_LINK_KEY] = str(invitation.code)
    return redirect("invitation_detail", code=invitation.code)


@require_POST
@staff_view()
def invitation_cancel(request, code):
    invitation = get_object_or_404(Invitation.objects.visible_to(request.membership), code=code)
    question = _("Cancel this invitation? Its link stops working at once, in every message that carried it.")
    asked = ask_first(request, question, reverse("invitation_detail", args=[code]))
    if asked:
        return asked
    if invitations.cancel(invitation, request.user):
        messages.success(request, _("Invitation cancelled: the link no longer works."))
    return redirect("invitation_detail", code=invitation.code)
