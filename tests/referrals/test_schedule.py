"""Each rule of the default schedule (docs/clinical.md sections 1 and 4) and their combinations."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from referrals.schedule import (
    AcknowledgedAlert,
    Intervals,
    MotherFacts,
    ReferralFact,
    RescreenDecision,
    ScreeningFact,
    plan,
)

TODAY = date(2026, 6, 1)
BIRTH = date(2026, 5, 1)


def keys(items, include_satisfied=False):
    return {p.key: p.due_on for p in items if include_satisfied or not p.satisfied_by}


def screen(day, level="low", self_harm=False, code=None, instrument="EPDS"):
    return ScreeningFact(code or f"s-{day}", day, level, self_harm, instrument)


def test_a_pregnant_mother_is_screened_at_her_first_visit_and_at_about_28_weeks():
    facts = MotherFacts(registered_on=date(2026, 3, 1), due_date=date(2026, 9, 1))
    assert keys(plan(facts, date(2026, 3, 1))) == {
        "prenatal-first": date(2026, 3, 1),
        "prenatal-28w": date(2026, 9, 1) - timedelta(weeks=12),
    }


def test_registered_after_28_weeks_there_is_no_28_week_screen():
    facts = MotherFacts(registered_on=date(2026, 8, 1), due_date=date(2026, 9, 1))
    assert set(keys(plan(facts, date(2026, 8, 1)))) == {"prenatal-first"}


def test_after_delivery_the_infants_1_2_4_and_6_month_visits():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, infant_births=(BIRTH,))
    assert keys(plan(facts, BIRTH)) == {
        "infant-1m": date(2026, 6, 1),
        "infant-2m": date(2026, 7, 1),
        "infant-4m": date(2026, 9, 1),
        "infant-6m": date(2026, 11, 1),
    }


def test_no_prenatal_screens_once_she_has_delivered():
    facts = MotherFacts(registered_on=date(2026, 3, 1), due_date=date(2026, 5, 5), delivery_date=BIRTH)
    assert not [k for k in keys(plan(facts, TODAY)) if k.startswith("prenatal")]


@pytest.mark.parametrize("level,days", [("low", None), ("possible", 14), ("probable", 14), ("high", 7)])
def test_every_positive_score_is_rescreened_after_2_weeks_and_a_high_one_within_the_safety_week(level, days):
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, screenings=(screen(TODAY, level, code="s1"),))
    assert keys(plan(facts, TODAY)).get("rescreen-s1") == (TODAY + timedelta(days=days) if days else None)


def test_a_self_harm_answer_is_not_rescreened_it_is_acted_on():
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, screenings=(screen(TODAY, "possible", self_harm=True, code="s1"),)
    )
    assert "rescreen-s1" not in keys(plan(facts, TODAY))


def test_a_later_screening_satisfies_the_rescreen():
    later = TODAY + timedelta(days=15)
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "possible", code="s1"), screen(later, "low", code="s2")),
    )
    items = {p.key: p for p in plan(facts, later)}
    assert items["rescreen-s1"].satisfied_by == "s2"  # completed by it, not silently dropped


def test_an_mip_referral_that_completes_is_followed_at_completion_3_and_6_months():
    done = date(2026, 9, 15)
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, referrals=(ReferralFact("r1", "mip", False, done),))
    got = keys(plan(facts, done))
    assert {k: v for k, v in got.items() if k.startswith("after-")} == {
        "after-r1-0": done,
        "after-r1-90": done + timedelta(days=90),
        "after-r1-180": done + timedelta(days=180),
    }


@pytest.mark.parametrize(
    "pathway,is_open,completed",
    [("mip", True, None), ("psychoeducation", False, date(2026, 9, 1)), ("mip", False, None), ("cbt", True, None)],
)
def test_only_a_completed_psychotherapy_referral_schedules_post_therapy_rescreens(pathway, is_open, completed):
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, referrals=(ReferralFact("r1", pathway, is_open, completed),)
    )
    assert not [k for k in keys(plan(facts, TODAY)) if k.startswith("after-")]


@pytest.mark.parametrize("open_referral,expected", [(False, True), (True, True)])
def test_after_6_months_a_positive_score_is_still_rescreened(open_referral, expected):
    late = BIRTH + relativedelta(months=7)
    referrals = (ReferralFact("r1", "cbt", True),) if open_referral else ()
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, referrals=referrals, screenings=(screen(late, "possible", code="s1"),)
    )
    assert ("rescreen-s1" in keys(plan(facts, late))) is expected


def test_nothing_is_scheduled_while_an_urgent_alert_is_unacknowledged():
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, alert_open=True, screenings=(screen(TODAY, "possible", code="s1"),)
    )
    assert plan(facts, TODAY) == []


def test_nothing_is_scheduled_once_she_opts_out_or_is_discharged():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, in_care=False)
    assert plan(facts, TODAY) == []


def test_a_screening_near_a_visit_satisfies_it():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, screenings=(screen(date(2026, 5, 27), code="early"),))
    items = {p.key: p for p in plan(facts, TODAY)}
    assert items["infant-1m"].satisfied_by == "early"  # 5 days before the 1-month visit
    assert items["infant-2m"].satisfied_by is None  # the 2-month window opens a week before its date
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, screenings=(screen(date(2026, 5, 20), code="x"),))
    assert {p.key: p for p in plan(facts, TODAY)}["infant-1m"].satisfied_by is None  # 12 days early is too early


def test_visits_long_past_when_she_was_registered_are_not_scheduled_late():
    registered = BIRTH + relativedelta(months=5)
    facts = MotherFacts(registered_on=registered, delivery_date=BIRTH)
    items = {p.key: p for p in plan(facts, registered)}
    assert items["infant-1m"].missed and items["infant-4m"].missed and not items["infant-6m"].missed


def test_a_clinic_may_change_the_intervals():
    intervals = Intervals(infant_visit_months=(1, 3), rescreen_after_days=10, post_therapy_days=(30,), routine_months=3)
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "possible", code="s1"),),
        referrals=(ReferralFact("r1", "mip", False, TODAY),),
    )
    items = {p.key: p for p in plan(facts, TODAY, intervals)}
    assert items["infant-1m"].satisfied_by == "s1"  # screened on the day of the visit
    assert keys(plan(facts, TODAY, intervals)) == {
        "infant-3m": date(2026, 8, 1),
        "rescreen-s1": TODAY + timedelta(days=10),
        "after-r1-30": TODAY + timedelta(days=30),
    }


def test_the_instrument_is_the_one_the_clinic_may_use_online():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, instrument="EPDS")
    assert {p.instrument for p in plan(facts, TODAY)} == {"EPDS"}


def test_reasons_are_in_words_staff_understand():
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "probable", code="s1"),),
        referrals=(ReferralFact("r1", "mip", False, TODAY),),
    )
    reasons = {p.key: p.reason for p in plan(facts, TODAY)}
    assert reasons["infant-2m"] == "Infant's 2-month visit"
    assert reasons["rescreen-s1"] == "Rescreen 14 days after a probable depression score (EPDS on June 1, 2026)"
    assert reasons["after-r1-90"] == "Rescreen after mother-infant psychotherapy, 3 months after it ended"


@pytest.mark.parametrize("pathway", ["mip", "cbt", "ipt"])
def test_every_completed_psychotherapy_is_rescreened_at_its_end_and_3_and_6_months_later(pathway):
    ended = date(2026, 9, 1)
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, referrals=(ReferralFact("r1", pathway, False, ended),)
    )
    due = {k: d for k, d in keys(plan(facts, ended)).items() if k.startswith("after-")}
    assert due == {"after-r1-0": ended, "after-r1-90": date(2026, 11, 30), "after-r1-180": date(2027, 2, 28)}


# (screen that came in after a probable EPDS, does it close the rescreen?) Only a full-length
# depression questionnaire does: a negative PHQ-2 or any GAD-7 leaves it open (issue 13).
RESCREEN_SATISFIED = [("EPDS", True), ("PHQ-9", True), ("PHQ-2", False), ("GAD-7", False)]


@pytest.mark.parametrize("instrument,satisfies", RESCREEN_SATISFIED)
def test_only_a_full_length_depression_questionnaire_satisfies_a_rescreen(instrument, satisfies):
    later = TODAY + timedelta(days=14)
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "probable", code="s1"), screen(later, "low", code="s2", instrument=instrument)),
    )
    item = next(p for p in plan(facts, later) if p.key == "rescreen-s1")
    assert (item.satisfied_by == "s2") is satisfies


@pytest.mark.parametrize("instrument,satisfies", [("EPDS", True), ("PHQ-9", True), ("PHQ-2", True), ("GAD-7", False)])
def test_an_infant_visit_depression_screen_is_satisfied_only_by_a_depression_questionnaire(instrument, satisfies):
    visit = date(2026, 6, 1)  # the 1-month visit
    facts = MotherFacts(
        registered_on=BIRTH, delivery_date=BIRTH, screenings=(screen(visit, "low", code="s1", instrument=instrument),)
    )
    item = next(p for p in plan(facts, visit) if p.key == "infant-1m")
    assert (item.satisfied_by == "s1") is satisfies


@pytest.mark.parametrize(
    "birth,visit",
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2027, 12, 31), date(2028, 1, 31)),
        (date(2026, 5, 1), date(2026, 6, 1)),
    ],
)
def test_the_one_month_visit_falls_on_a_real_date(birth, visit):
    facts = MotherFacts(registered_on=birth, delivery_date=birth, screenings=())
    assert next(p for p in plan(facts, birth) if p.key == "infant-1m").due_on == visit


# (acknowledged on, today, expected safety rescreen due), written from docs/clinical.md section 4 and
# the clinic default of 7 days; a year postpartum, past every routine visit.
SAFETY = [
    (
        BIRTH + relativedelta(months=12),
        BIRTH + relativedelta(months=12),
        BIRTH + relativedelta(months=12) + timedelta(days=7),
    ),
    (TODAY, TODAY, TODAY + timedelta(days=7)),
]


@pytest.mark.parametrize("acknowledged,today,due", SAFETY)
def test_an_acknowledged_self_harm_alert_gets_a_safety_rescreen_whatever_the_infants_age(acknowledged, today, due):
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(acknowledged, "low", self_harm=True, code="s1"),),
        acknowledged_alerts=(AcknowledgedAlert("s1", acknowledged),),
    )
    assert keys(plan(facts, today))["safety-s1"] == due


def test_a_screen_after_the_alert_was_handled_satisfies_the_safety_rescreen():
    later = TODAY + timedelta(days=3)
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "low", self_harm=True, code="s1"), screen(later, "low", code="s2")),
        acknowledged_alerts=(AcknowledgedAlert("s1", TODAY),),
    )
    item = next(p for p in plan(facts, later) if p.key == "safety-s1")
    assert item.satisfied_by == "s2"


# (decided on, expected due): never before the decision, never sooner than 14 days after the screen.
DECIDED = [(TODAY, TODAY + timedelta(days=14)), (TODAY + timedelta(days=20), TODAY + timedelta(days=20))]


@pytest.mark.parametrize("decided,due", DECIDED)
def test_rescreen_before_deciding_schedules_a_rescreen_even_for_an_older_or_anxiety_only_screen(decided, due):
    facts = MotherFacts(
        registered_on=BIRTH,
        delivery_date=BIRTH,
        screenings=(screen(TODAY, "low", code="s1", instrument="GAD-7"), screen(TODAY, "low", code="s2")),
        rescreen_decisions=(RescreenDecision("s1", decided),),
    )
    assert keys(plan(facts, decided)).get("rescreen-s1") == due
