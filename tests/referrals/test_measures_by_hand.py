"""Issue 28: the quality measures against a hand count. Twenty-one mothers, each with one delivery in
2026 and a story written beside her; the expected numbers below are counted by hand from those
stories and the wording of HEDIS PDS-E/PND-E (docs/clinical.md section 5), never computed by the code
under test. The period is 2026; the report's end is 31 December 2026.

Windows for a delivery on 1 March 2026 (due the same day): postpartum screening 8 March to 24 May;
prenatal 25 May 2025 (280 days before the due date) to 28 February 2026; follow-up on or up to 30
days after the first positive screen (for a screen on 20 March: 20 March to 19 April)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from referrals import services
from referrals.models import Alert
from referrals.reports import measures, tables
from referrals.reports.base import Filters, stored_in_use
from screening import episodes, instruments
from screening.models import Infant, Method, Mother, Pregnancy
from screening.services import record_screening

from ..conftest import make_mother, mother_form

D = date(2026, 3, 1)  # most deliveries
S = date(2026, 3, 20)  # most first positive screens, day 19 after delivery
POSITIVE_EPDS = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # 10
NEGATIVE_EPDS = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]  # 0
SELF_HARM_EPDS = [1, 1, 1, 1, 2, 2, 2, 1, 3, 2]  # 11, item 10 scores 1
POSITIVE_PHQ2 = [2, 2]  # 4
NEGATIVE_PHQ9 = [0] * 9
GAD7 = [3] * 7


def at(day, hour=12):
    return time_machine.travel(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour), tick=False)


@pytest.fixture
def story(clinic_a, front_desk, clinician):
    def deliver(n, on=D, due=None):
        with at(on):
            mother = make_mother(
                clinic_a,
                front_desk,
                record_number=f"H-{n:02d}",
                family_name=f"Hand{n:02d}",
                delivery_date=on,
                due_date=due or on,
                delivered_days_ago=None,
            )
            Infant.objects.create(mother=mother, date_of_birth=on)
            episodes.record(mother, today=on)
        return mother

    def screen(mother, on, answers=POSITIVE_EPDS, instrument=instruments.EPDS, hour=12):
        with at(on, hour):
            return record_screening(
                mother=mother,
                instrument=instrument,
                answers=answers,
                taken_on=on,
                method=Method.PAPER,
                entered_by=clinician,
            )

    def refer(mother, on, screening=None):
        with at(on, 13):
            return services.create_referral(
                mother=mother, pathway="cbt", actor=clinician, screening=screening, override_reason="chosen"
            )

    def seen(referral, on):
        with at(on, 14):
            services.transition(referral, "accepted", actor=clinician)
            services.transition(referral, "in-progress", actor=clinician, first_session_on=on)

    return deliver, screen, refer, seen


@pytest.fixture
def twenty_one(story, clinician, login):
    deliver, screen, refer, seen = story
    m = {n: deliver(n) for n in range(1, 20)}
    seen(refer(m[1], S + timedelta(days=1), screen(m[1], S)), S + timedelta(days=10))  # 1: session day 10: met
    refer(m[2], S + timedelta(days=1), screen(m[2], S))  # 2: referral still waiting, never seen: not met
    failed = refer(m[3], S + timedelta(days=1), screen(m[3], S))
    with at(S + timedelta(days=20)):
        services.transition(failed, "failed", actor=clinician, reason="no answer")  # 3: failed, no session: not met
    screen(m[4], S)
    screen(m[4], S + timedelta(days=14), NEGATIVE_EPDS)  # 4: a later negative rescreen: not met
    screen(m[5], S, NEGATIVE_PHQ9, instruments.PHQ9, hour=10)  # 5: the PHQ-9 entered first ...
    screen(m[5], S, POSITIVE_PHQ2, instruments.PHQ2, hour=15)  # ... the positive PHQ-2 after: met
    screen(m[6], S, POSITIVE_PHQ2, instruments.PHQ2, hour=10)
    screen(m[6], S, NEGATIVE_PHQ9, instruments.PHQ9, hour=15)  # 6: the usual order: met
    decided = screen(m[7], S)
    services.record_decision(m[7], kind="no_action", note="fine", actor=clinician, screening=decided)  # 7: not met
    screen(m[8], S, SELF_HARM_EPDS)
    with at(S, 16):  # 8: assessed in person the same day: met
        services.acknowledge(Alert.objects.get(mother=m[8]), actor=clinician, action="assessed", note="seen")
    late = refer(m[9], S + timedelta(days=1), screen(m[9], S))
    seen(late, S + timedelta(days=31))  # 9: first session on day 31: not met
    on_time = refer(m[10], S + timedelta(days=1), screen(m[10], S))
    seen(on_time, S + timedelta(days=30))  # 10: first session on day 30: met
    screen(m[11], S, NEGATIVE_EPDS)  # 11: screened, negative
    # 12: never screened
    screen(m[13], D + timedelta(days=6))  # 13: positive on day 6, before the window: not screened
    screen(m[14], D + timedelta(days=84), NEGATIVE_EPDS)  # 14: day 84, the window's last: screened
    screen(m[15], S, GAD7, instruments.GAD7)  # 15: anxiety only: not a depression screen
    before = refer(m[16], S - timedelta(days=10))
    seen(before, S - timedelta(days=5))
    screen(m[16], S)  # 16: her only session came before her positive screen: not met
    screen(m[17], date(2025, 12, 31), NEGATIVE_EPDS)  # 17: pregnant, negative: PND screened
    prenatal = screen(m[18], date(2025, 11, 21))  # 18: pregnant, positive, seen 10 days later: PND met
    seen(refer(m[18], date(2025, 11, 22), prenatal), date(2025, 12, 1))
    screen(m[19], date(2026, 1, 10))  # 19: pregnant, positive, nothing within 30 days: PND not met

    # 20: a first birth on 1 December 2024 (due that day), positive 40 days later; her second birth
    # is recorded by changing only the delivery date, as another birth (no due date given).
    m[20] = deliver(20, on=date(2024, 12, 1))
    screen(m[20], date(2025, 1, 10))  # postpartum for her first birth, never prenatal for her second
    staff = login(clinician)
    form = mother_form(m[20], delivery_date="2026-03-01", another_birth="on")
    assert staff.post(reverse("mother_edit", args=[m[20].code]), form).status_code == 302
    screen(m[20], S, NEGATIVE_EPDS)  # postpartum for her second: screened
    # 21: delivered on 5 January 2026 as first entered, corrected to 1 August 2026 (208 days later):
    # one delivery, not two.
    m[21] = deliver(21, on=date(2026, 1, 5))
    form = mother_form(m[21], delivery_date="2026-08-01")
    assert staff.post(reverse("mother_edit", args=[m[21].code]), form).status_code == 302
    screen(m[21], date(2026, 8, 20), NEGATIVE_EPDS)  # day 19 of the corrected delivery: screened
    return m


def test_the_episodes_are_what_staff_recorded(twenty_one):
    second = Pregnancy.objects.filter(mother=twenty_one[20]).order_by("recorded_on", "pk")
    assert [(p.delivery_date, p.due_date, p.due_date_derived) for p in second] == [
        (date(2024, 12, 1), date(2024, 12, 1), False),
        (D, D, True),  # her own due date, taken from the delivery date and marked so
    ]
    assert Mother.objects.get(pk=twenty_one[20].pk).due_date == D
    corrected = Pregnancy.objects.filter(mother=twenty_one[21])
    assert [(p.delivery_date, p.due_date) for p in corrected] == [(date(2026, 8, 1), date(2026, 1, 5))]


@pytest.mark.parametrize(
    "slug, expected, met",
    [
        # Deliveries 1 January to 8 October (84 days before the end): all 21, one each.
        # Screened 7-84 days after: 1-11, 14, 16, 20 (her second), 21 (corrected) = 15.
        ("pds-e-screening", (15, 21), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 16, 20, 21]),
        # First positive postpartum screen by 1 December: 1-10 and 16 = 11 (13's was on day 6).
        # Followed up: 1 (session day 10), 5 and 6 (same-day negative PHQ-9 after a positive PHQ-2,
        # in either order of entry), 8 (assessed in person), 10 (session day 30) = 5.
        ("pds-e-follow-up", (5, 11), [1, 5, 6, 8, 10]),
        # Deliveries in 2026: 21. Screened while pregnant: 17, 18, 19 = 3 (20's screen of January
        # 2025 was 40 days after her first birth, before her second pregnancy's 280 days).
        ("pnd-e-screening", (3, 21), [17, 18, 19]),
        # First positive prenatal screen by 1 December: 18, 19 = 2; followed up: 18 = 1.
        ("pnd-e-follow-up", (1, 2), [18]),
    ],
)
def test_each_measure_matches_the_hand_count(twenty_one, clinic_a, slug, expected, met):
    period = Filters([clinic_a.pk], date(2026, 1, 1), date(2026, 12, 31))
    measure = measures.all_measures(period)[slug]
    assert (measure.numerator.count(), measure.denominator.count()) == expected
    assert sorted(measure.numerator.values_list("mother__record_number", flat=True)) == [f"H-{n:02d}" for n in met]
    if stored_in_use():  # the reports page reads the facts kept by triggers: the same numbers
        stored = tables.prepare(Filters([clinic_a.pk], date(2026, 1, 1), date(2026, 12, 31)))
        assert stored.facts and measures.counts(stored)[slug] == expected


def test_another_birth_must_come_after_the_last_one_and_a_correction_needs_no_box(clinician, login, story):
    deliver, *_ = story
    mother = deliver(30, on=date(2026, 6, 1))
    staff = login(clinician)
    form = mother_form(mother, delivery_date="2026-05-01", another_birth="on")
    page = staff.post(reverse("mother_edit", args=[mother.code]), form).content.decode()
    assert "Another birth comes after her last one" in page
    assert Pregnancy.objects.filter(mother=mother).count() == 1
    assert 'name="another_birth"' in staff.get(reverse("mother_edit", args=[mother.code])).content.decode()
