"""The allowed referral transitions: the one place they are written down."""

from django.utils.translation import gettext as _

from .models import Status as S

ALLOWED = {
    S.DRAFT: {S.REQUESTED, S.CANCELLED, S.ENTERED_IN_ERROR},
    S.REQUESTED: {S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED, S.ENTERED_IN_ERROR},
    S.ACCEPTED: {S.IN_PROGRESS, S.ON_HOLD, S.CANCELLED, S.FAILED, S.ENTERED_IN_ERROR},
    S.ON_HOLD: {S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.CANCELLED, S.FAILED, S.ENTERED_IN_ERROR},
    S.IN_PROGRESS: {S.COMPLETED, S.ON_HOLD, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR},
    S.REJECTED: {S.ENTERED_IN_ERROR},
    S.CANCELLED: {S.ENTERED_IN_ERROR},
    S.FAILED: {S.ENTERED_IN_ERROR},
    S.COMPLETED: {S.ENTERED_IN_ERROR},
    S.ENTERED_IN_ERROR: set(),
}
NEEDS_REASON = {S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED, S.ENTERED_IN_ERROR}
ENDED = {S.REJECTED, S.CANCELLED, S.FAILED, S.COMPLETED, S.ENTERED_IN_ERROR}


class InvalidTransition(ValueError):
    pass


def next_statuses(status):
    order = list(S)
    return sorted(ALLOWED[S(status)], key=order.index)


def check(current, target, reason):
    current, target = S(current), S(target)
    if target not in ALLOWED[current]:
        raise InvalidTransition(
            _("A referral that is %(current)s cannot become %(target)s.")
            % {"current": current.label.lower(), "target": target.label.lower()}
        )
    if target in NEEDS_REASON and not (reason or "").strip():
        raise InvalidTransition(_("Give a reason for %(target)s.") % {"target": target.label.lower()})
