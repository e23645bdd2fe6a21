"""Her form accepted at once, scored after commit (issue 32; design rules 14 and 16).

Her answers are already on the server, saved item by item. Sending the form only spends the link:
one short transaction under her row's lock marks the invitation SUBMITTED, with the language,
translation and difficulty she answered in, and cancels her other open links to the same
questionnaire. A worker then scores and grades the answers into her screening, completes the
invitation and settles her schedule (screening.services.record_screening). The SUBMITTED status
is the durable mark: beat's sweep scores any whose task was lost, and a form it cannot score keeps
the sweep from beating, which staff, `care_gaps` and /healthz/ are shown (design rule 15). Until
then, and for PROCESS_WITHIN, her sent form is itself a live path (referrals.care).

The self-harm alert does not wait for any of this: it was raised when that answer was saved."""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from common.tasks import enqueue_on_commit

from .models import OPEN_INVITATION, Invitation, InvitationStatus, Method, Mother
from .services import record_screening

log = logging.getLogger(__name__)

PROCESS_WITHIN = timedelta(minutes=10)  # the sweep's allowed silence (referrals.heartbeat)
SCORED_OR_WAITING = (InvitationStatus.SUBMITTED, InvitationStatus.COMPLETED)


class Closed(ValueError):
    """The link was cancelled or expired before her form arrived: it stays so, never also completed."""


class Unscored(RuntimeError):
    """Forms the sweep could not score: the sweep fails, so its silence is seen."""


# Hers spent and her other open links to the same questionnaire closed, by one statement that
# changes nothing unless hers is still open. One statement, not the ORM's two: her form is the hot
# path (issue 32); plain SQL, so that SQLite (make run) runs it too.
SPEND = """
UPDATE {table} SET
    status = CASE WHEN id = %(pk)s THEN %(submitted)s ELSE %(cancelled)s END,
    cancelled_at = CASE WHEN id = %(pk)s THEN cancelled_at ELSE %(now)s END,
    submitted_at = CASE WHEN id = %(pk)s THEN %(now)s ELSE submitted_at END,
    answered_language = CASE WHEN id = %(pk)s THEN %(language)s ELSE answered_language END,
    answered_translation_id = CASE WHEN id = %(pk)s THEN %(translation)s ELSE answered_translation_id END,
    functional_difficulty = CASE WHEN id = %(pk)s THEN %(difficulty)s ELSE functional_difficulty END
WHERE mother_id = %(mother)s AND instrument_code = %(instrument)s AND status IN {open}
    AND EXISTS (SELECT 1 FROM {table} WHERE id = %(pk)s AND status IN {open} AND expires_at > %(now)s)
""".format(  # noqa: UP032 - the statement reads better with its two names than with their code
    table=Invitation._meta.db_table, open="({})".format(", ".join(f"'{status}'" for status in OPEN_INVITATION))
)


@transaction.atomic
def accept(invitation, language, *, functional_difficulty=None, translation=None, now=None):
    """Spends her link for the answers it holds; True the first time, False for a second send
    (double click, second tab). A link staff cancelled a moment earlier raises Closed: her row's
    lock orders the two, so they never both happen. Answered once is answered: her other open
    links to the same questionnaire stop working."""
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    Mother.objects.hold(invitation.mother_id)
    with connection.cursor() as cursor:
        cursor.execute(
            SPEND,
            {
                "pk": invitation.pk,
                "mother": invitation.mother_id,
                "instrument": invitation.instrument_code,
                "now": now,
                "submitted": InvitationStatus.SUBMITTED.value,
                "cancelled": InvitationStatus.CANCELLED.value,
                "language": language,
                "translation": translation and translation.pk,
                "difficulty": functional_difficulty if invitation.instrument.asks_difficulty else None,
            },
        )
        accepted = cursor.rowcount
    if not accepted:
        status = Invitation.objects.filter(pk=invitation.pk).values_list("status", flat=True).first()
        if status in SCORED_OR_WAITING:
            return False
        raise Closed(status)
    enqueue_on_commit("screening.tasks.score_submission", invitation.pk, clinic=invitation.clinic_id)
    return True


def score(invitation_id):
    """Her screening from an accepted form, made once: a task and the sweep racing, or a retry, find
    the screening already made and return it. None for an invitation that was never sent."""
    with transaction.atomic():
        mother_id = Invitation.objects.filter(pk=invitation_id).values_list("mother_id", flat=True).first()
        if mother_id is None:
            return None
        Mother.objects.lock(mother_id)
        row = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("mother__clinic", "clinic", "answered_translation", "screening")
            .get(pk=invitation_id)
        )
        if row.status != InvitationStatus.SUBMITTED:
            return row.screening
        return record_screening(
            mother=row.mother,
            instrument=row.instrument,
            answers=row.answers_in_order(),
            taken_on=row.clinic.today(row.submitted_at),  # her clinic's date when she sent it
            method=Method.ONLINE,
            entered_by=None,
            language=row.answered_language or "en",
            translation=row.answered_translation,
            invitation=row,
            functional_difficulty=row.functional_difficulty,
        )


def waiting():
    return Invitation.objects.filter(status=InvitationStatus.SUBMITTED)


def score_waiting(limit=500):
    """Beat's sweep: every accepted form not yet scored, oldest first, each in its own transaction.
    One that fails is logged and the others go on; then the sweep raises Unscored, so it does not
    beat and its silence is shown (one failed run is within the silence allowed)."""
    scored, failed = 0, []
    for pk in waiting().order_by("submitted_at").values_list("pk", flat=True)[:limit]:
        try:
            scored += score(pk) is not None
        except Exception:  # noqa: BLE001 - one form's failure must not stop the others
            log.exception("could not score the form sent with invitation %s", pk)
            failed.append(pk)
    if failed:
        raise Unscored(f"{len(failed)} sent forms could not be scored: invitations {failed[:20]}")
    return scored
