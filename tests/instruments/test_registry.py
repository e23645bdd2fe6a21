"""Every registered questionnaire declares every fact the app needs (issue 31), and each one goes
through the whole app: staff entry, a brief screen's follow-on, the mother's link, the worklist,
the reports and FHIR. A new questionnaire that lacks a fact fails here, not in a clinic."""

import uuid
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from fhir_api import auth
from referrals import schedule
from screening import instruments, invitations
from screening.instruments.base import ANXIETY, DEPRESSION
from screening.models import Screening
from screening.risk import DEFAULT_THRESHOLDS, RiskLevel, assess

from ..conftest import clinic_today

REGISTERED = instruments.all()


def highest(instrument):
    """The printed position of the highest-scoring option of each item."""
    return [max(range(len(i.options)), key=lambda p: i.options[p].score) for i in instrument.items]


@pytest.mark.parametrize("instrument", REGISTERED, ids=lambda i: i.code)
def test_each_questionnaire_declares_every_fact(instrument):
    assert instrument.citation and instrument.licence and instrument.stem and instrument.recall
    assert instrument.measures in (DEPRESSION, ANXIETY)
    assert instrument.max_total == sum(max(o.score for o in item.options) for item in instrument.items)
    levels = [c.level for c in instrument.cut_offs]
    assert levels, "no cut-off: nothing would ever be positive"
    allowed = {ANXIETY} if instrument.measures == ANXIETY else {ANXIETY, *RiskLevel.values} - {"low", "urgent"}
    assert set(levels) <= allowed
    for cut_off in instrument.cut_offs:
        assert (cut_off.setting and hasattr(DEFAULT_THRESHOLDS, cut_off.setting)) or isinstance(cut_off.minimum, int)
        assert cut_off.of == "total" or cut_off.of in instrument.subscales
    for code in instrument.follow_with:
        full = instruments.get(code)
        assert not full.brief and full.measures == instrument.measures
    assert instrument.loinc.items == () or len(instrument.loinc.items) == len(instrument.items)
    assert instrument.loinc.answers == () or all(
        len(i.options) == len(instrument.loinc.answers) for i in instrument.items
    )
    datetime.fromisoformat(instrument.revised.replace("Z", "+00:00"))
    if instrument.remission_below is not None:
        assert instrument.full_length_depression
    assert instrument.code in schedule.DEPRESSION or instrument.measures == ANXIETY


@pytest.mark.parametrize("instrument", REGISTERED, ids=lambda i: i.code)
def test_the_highest_answers_grade_positive_and_none_grade_low(instrument):
    top = assess(instrument.score(highest(instrument)))
    assert top.is_positive and top.reasons
    lowest = [min(range(len(i.options)), key=lambda p: i.options[p].score) for i in instrument.items]
    bottom = assess(instrument.score(lowest))
    assert not bottom.is_positive and bottom.level == RiskLevel.LOW


@pytest.fixture
def fhir(client, clinic_a, clinic_admin):
    _client, token = auth.create(clinic_a, "County EHR", clinic_admin)
    return lambda path: client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("instrument", REGISTERED, ids=lambda i: i.code)
def test_each_questionnaire_goes_through_the_whole_app(
    instrument, login, clinician, clinic_admin, mother, clinic_a, fhir, after_commit
):
    clinic_a.epds_online_permission = True
    clinic_a.save()
    staff = login(clinician)
    form = staff.get(reverse("screening_create", args=[mother.code, instrument.code])).content.decode()
    boxes = max(len(item.options) for item in instrument.items)  # what staff may type: 1 to n, a to ...
    assert f"(1 to {boxes}), or its letter (a to {'abcd'[boxes - 1]})" in form
    data = {"taken_on": clinic_today().isoformat(), "method": "paper", "submission_token": str(uuid.uuid4())}
    data |= {f"item_{n}": str(p) for n, p in enumerate(highest(instrument), start=1)}
    if instrument.asks_difficulty:
        data["functional_difficulty"] = "1"
    with after_commit():
        response = staff.post(reverse("screening_create", args=[mother.code, instrument.code]), data)
    assert response.status_code == 302, response.content[:500]
    screening = Screening.objects.get(mother=mother, instrument_code=instrument.code)
    assert screening.is_positive
    if instrument.brief:  # straight on to the full questionnaire, her answers carried where they fit
        assert f"/{instrument.follow_with[0]}/" in response.url
        assert staff.get(response.url).status_code == 200
    else:
        reasons = assess(instrument.score(highest(instrument))).reasons
        assert escape(reasons[-1]) in staff.get(response.url).content.decode()
    assert staff.get(reverse("worklist")).status_code == 200
    assert login(clinic_admin).get(reverse("reports")).status_code == 200

    assert fhir(f"/fhir/Questionnaire/{instrument.code.lower()}").status_code == 200
    assert fhir(f"/fhir/QuestionnaireResponse/{screening.code}").status_code == 200
    observations = fhir(f"/fhir/Observation?patient={mother.code}").json()
    assert observations["total"] == 2 + len(instrument.items)
    codings = [c for entry in observations["entry"] for c in entry["resource"]["code"].get("coding", [])]
    assert all(c["system"] == "http://loinc.org" and c["code"] for c in codings)  # never a code left blank

    invitation = invitations.create_invitation(mother=mother, instrument=instrument)
    token = invitations.token_for(invitation)
    her = type(staff)()
    for number, position in enumerate(highest(instrument), start=1):
        assert her.post(f"/q/{token}/{number}/", {"answer": str(position)}).status_code == 302
    with after_commit():
        done = her.post(f"/q/{token}/submit/")
    assert done.status_code == 302
    if instrument.brief:
        full = invitations.follow_up_for(instrument, clinic_a)
        assert full.code in instrument.follow_with
        assert her.get(done.url).status_code == 200
