"""The schedule follows her current pregnancy or birth (issue 13): a new baby with an older sibling
gets its own infant-visit screens; a mother pregnant again gets prenatal screens again."""

from datetime import date, timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import FollowUp
from referrals.schedule import MotherFacts, plan

from ..conftest import clinic_today, make_mother, mother_form

SIBLING, NEW_BABY = date(2024, 3, 10), date(2026, 5, 1)


def due(facts, today):
    return {p.key: p.due_on for p in plan(facts, today) if not p.satisfied_by and not p.missed}


def test_a_new_baby_with_an_older_sibling_gets_its_own_infant_visit_screens():
    facts = MotherFacts(
        registered_on=SIBLING, delivery_date=NEW_BABY, infant_births=(NEW_BABY,), previous_births=(SIBLING,)
    )
    assert due(facts, NEW_BABY) == {
        "infant-1m-2": date(2026, 6, 1),
        "infant-2m-2": date(2026, 7, 1),
        "infant-4m-2": date(2026, 9, 1),
        "infant-6m-2": date(2026, 11, 1),
    }


def test_a_mother_pregnant_again_gets_her_prenatal_screens_again_from_when_it_was_recorded():
    recorded = date(2026, 8, 3)
    facts = MotherFacts(
        registered_on=SIBLING,
        due_date=date(2027, 3, 1),
        infant_births=(SIBLING,),
        previous_births=(SIBLING,),
        pregnancy_recorded_on=recorded,
    )
    assert due(facts, recorded) == {
        "prenatal-first-2": recorded,
        "prenatal-28w-2": date(2027, 3, 1) - timedelta(weeks=12),
    }


def test_a_screen_from_her_last_postpartum_period_does_not_count_as_her_first_prenatal_screen():
    from referrals.schedule import ScreeningFact

    recorded = date(2026, 8, 3)
    facts = MotherFacts(
        registered_on=SIBLING,
        due_date=date(2027, 3, 1),
        previous_births=(SIBLING,),
        pregnancy_recorded_on=recorded,
        screenings=(ScreeningFact("s1", recorded - timedelta(days=20), "low", False, "EPDS"),),
    )
    assert "prenatal-first-2" in due(facts, recorded)


def test_recording_a_new_pregnancy_schedules_prenatal_screens_through_the_form(login, clinic_a, front_desk):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=10)
        services.settle(mother)
    infant = mother.infants.get()
    data = mother_form(
        mother,
        infant,
        status="pregnant",
        delivery_date="",
        due_date=(clinic_today() + timedelta(weeks=30)).isoformat(),
    )
    assert login(front_desk).post(reverse("mother_edit", args=[mother.code]), data).status_code == 302
    pregnancies = list(mother.pregnancies.values_list("outcome", "recorded_on"))
    assert pregnancies[-1] == ("ongoing", clinic_today()) and pregnancies[0][0] == "live_birth"
    rows = dict(FollowUp.objects.filter(mother=mother, status="scheduled").values_list("key", "due_on"))
    assert rows["prenatal-first-2"] == clinic_today() and "prenatal-28w-2" in rows


def test_episodes_follow_her_dates_a_correction_stays_one_episode_a_new_birth_makes_another(clinic_a, front_desk):
    from screening import episodes

    mother = make_mother(clinic_a, front_desk, delivered_days_ago=300)
    first = episodes.record(mother)
    mother.delivery_date += timedelta(days=2)  # a typo corrected
    mother.save()
    assert episodes.record(mother) == first and mother.pregnancies.count() == 1
    mother.delivery_date, mother.due_date = None, clinic_today() + timedelta(weeks=20)
    mother.save()
    pregnant = episodes.record(mother)
    assert pregnant != first and pregnant.outcome == "ongoing"
    mother.delivery_date = clinic_today()
    mother.save()
    assert episodes.record(mother) == pregnant and mother.pregnancies.get(pk=pregnant.pk).outcome == "live_birth"
    assert [i.pregnancy for i in mother.infants.all()] == [first]  # the older sibling stays with her birth
