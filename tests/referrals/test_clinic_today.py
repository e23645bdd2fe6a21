"""Issue 31: "today" is the clinic's date whoever asks. Inside Celery (and management commands) the
active zone is UTC; at 23:30 in Honolulu it is already tomorrow there."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from referrals import followups, services
from referrals.models import FollowUp, Status
from referrals.schedule import Intervals
from screening import episodes
from screening.models import Infant

from ..conftest import make_mother

LATE_IN_HONOLULU = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)  # 23:30 on 4 December, ten hours behind UTC
HONOLULU_TODAY = date(2026, 12, 4)
pytestmark = pytest.mark.django_db


@pytest.fixture
def far_clinic(clinic_a):
    clinic_a.time_zone = "Pacific/Honolulu"
    clinic_a.save()
    return clinic_a


def test_the_worker_s_schedule_at_half_past_eleven_at_night_uses_the_clinic_s_date(far_clinic, front_desk):
    last_day = HONOLULU_TODAY - timedelta(days=Intervals().missed_after_days)  # still open in Honolulu today
    birth = last_day - relativedelta(months=1)
    with time_machine.travel(LATE_IN_HONOLULU, tick=False):
        mother = make_mother(far_clinic, front_desk, delivered_days_ago=None, delivery_date=birth, due_date=birth)
        Infant.objects.create(mother=mother, date_of_birth=birth)
        assert timezone.localdate() == HONOLULU_TODAY + timedelta(days=1)  # what UTC calls today
        followups.recompute(mother)  # as the worker runs it, no clinic zone active
    visit = FollowUp.objects.get(mother=mother, key__startswith="infant-1m")
    assert visit.due_on == last_day and visit.status != "missed"


def test_a_new_episode_and_a_first_session_recorded_outside_a_request_carry_the_clinic_s_date(
    far_clinic, front_desk, clinician
):
    with time_machine.travel(LATE_IN_HONOLULU, tick=False):
        mother = make_mother(far_clinic, front_desk, delivered_days_ago=30)
        mother.due_date, mother.delivery_date = HONOLULU_TODAY + timedelta(days=200), None  # pregnant again
        mother.save()
        assert episodes.record(mother).recorded_on == HONOLULU_TODAY
        referral = services.create_referral(mother=mother, pathway="cbt", actor=clinician, override_reason="chosen")
        services.transition(referral, Status.ACCEPTED, actor=clinician)
        seen = services.transition(referral, Status.IN_PROGRESS, actor=clinician)
    assert seen.first_session_on == HONOLULU_TODAY
