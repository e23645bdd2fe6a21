"""common.snapshots: a row kept as JSON shows as it was stored, reading nothing."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.snapshots import freeze, thaw
from referrals.models import Alert
from screening.models import Screening

from .conftest import enter_epds

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]


def test_a_frozen_alert_thaws_with_its_screening_and_reads_nothing(mother, front_desk):
    enter_epds(mother, SELF_HARM, front_desk)
    alert = Alert.objects.select_related("screening").get()
    data = json.loads(json.dumps(freeze(alert, ["code", "screening_id", "created_at"], {"screening": ["taken_on"]})))
    with CaptureQueriesContext(connection) as captured:
        shown = thaw(Alert, data)
        seen = (shown.code, shown.created_at, shown.screening_id, shown.screening.taken_on, shown.answered_on)
    assert seen == (alert.code, alert.created_at, alert.screening_id, alert.screening.taken_on, alert.answered_on)
    assert shown.get_absolute_url() == alert.get_absolute_url() and len(captured) == 0


def test_a_missing_related_row_thaws_as_none(mother, front_desk):
    screening = enter_epds(mother, SELF_HARM, front_desk)
    concern = Alert(mother=mother, clinic=mother.clinic)  # a clinician's: no screening, no invitation
    shown = thaw(Alert, freeze(concern, ["screening_id", "invitation_id"], {"screening": ["taken_on"]}))
    assert shown.screening is None and shown.from_draft is False
    assert thaw(Screening, freeze(screening, ["total", "taken_on"])).total == screening.total
