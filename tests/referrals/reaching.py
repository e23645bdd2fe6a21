"""Design rule 15 read from a mother's rows one by one, in Python, independently of the SQL in
referrals.care: the oracle the care-gap state machine checks every step against."""

from datetime import timedelta

from referrals.deadlines import SENDER_GRACE
from referrals.models import NEEDS_STAFF, Alert, Concern, FollowUp, Referral, ReferralSettings
from screening.models import Invitation, Screening
from screening.submissions import PROCESS_WITHIN


def reached_in_time(mother, now):
    """None if she is not at risk; True if something reaches her before her deadline; else False.
    Read from her rows one by one, in Python: an independent statement of design rule 15."""
    concern = Concern.objects.filter(mother=mother, closed_at__isnull=True).first()
    if concern is None:
        return None
    if Alert.objects.filter(mother=mother, acknowledged_at__isnull=True).exists():
        return True
    for screening in Screening.objects.filter(mother=mother, clinic=mother.clinic, reviewed_at__isnull=True):
        if screening.is_positive:
            return True
    if concern.attention_since is not None:
        return True
    for sent in Invitation.objects.filter(mother=mother, status="submitted"):
        if sent.submitted_at >= now - PROCESS_WITHIN:
            return True
    if any(r.is_open for r in Referral.objects.filter(mother=mother, clinic=mother.clinic)):
        return True
    follow_ups = list(FollowUp.objects.filter(mother=mother))
    if any(f.status in NEEDS_STAFF and f.clinic_id == mother.clinic_id for f in follow_ups):
        return True
    today = mother.clinic.today(now)
    overdue_days = ReferralSettings.for_clinic(mother.clinic).overdue_after_days
    for f in follow_ups:
        if f.status == "scheduled" and today <= f.due_on <= concern.act_by:
            return True
        if f.status == "invited" and today <= concern.act_by:
            link = f.invitation
            carried = link.deliveries.filter(status__in=["pending", "sent"]).exists()
            handed = carried or link.handed_over_at or link.opened_at or link.tablet
            watched = f.invited_at >= now - timedelta(days=overdue_days) - SENDER_GRACE
            if handed and watched:
                return True
    return False
