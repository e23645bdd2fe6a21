"""Perinatal loss (issue 13): an infant who died is recorded; infant-visit screens stop, her own
depression screens go on under a name that fits, and mother-infant psychotherapy is not offered,
with the reason shown."""

from datetime import date

from django.urls import reverse

from referrals import pathways as p
from referrals.models import FollowUp
from referrals.recommend import Context, recommend
from referrals.schedule import MotherFacts, plan
from screening.risk import Risk, RiskLevel

from ..conftest import enter_epds, make_mother, mother_form

BIRTH = date(2026, 5, 1)


def keys(facts, today=BIRTH):
    return sorted(item.key for item in plan(facts, today) if not item.satisfied_by)


def test_after_a_loss_her_own_postnatal_checks_replace_the_infant_visits():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, losses=(BIRTH,))
    assert keys(facts) == ["postnatal-1m", "postnatal-2m", "postnatal-4m", "postnatal-6m"]
    reasons = {item.reason for item in plan(facts, BIRTH)}
    assert "Her postnatal check, 2 months after the birth" in reasons and not any("Infant" in r for r in reasons)


def test_when_one_twin_dies_the_living_infants_visits_go_on():
    facts = MotherFacts(registered_on=BIRTH, delivery_date=BIRTH, infant_births=(BIRTH,), losses=(BIRTH,))
    assert keys(facts) == ["infant-1m", "infant-2m", "infant-4m", "infant-6m"]


def test_mip_is_not_offered_after_a_loss_and_the_list_says_why():
    risk = Risk(level=RiskLevel.PROBABLE, anxiety_flag=False, reasons=("t",), score_level=RiskLevel.PROBABLE)
    recommendations = recommend(risk, Context(postnatal=True, infant_months=None, infant_loss=True))
    assert [r.code for r in recommendations] == [p.CBT, p.IPT]
    assert "not offered: her infant died" in " ".join(recommendations[0].reasons)


def test_recording_a_loss_stops_the_infant_visits_and_schedules_her_own_checks(login, clinic_a, clinician, front_desk):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=20)
    infant = mother.infants.get()
    from referrals import services

    services.settle(mother)
    assert FollowUp.objects.filter(mother=mother, kind="infant_visit", status="scheduled").exists()
    data = mother_form(mother, infant, infant_died_on=mother.delivery_date.isoformat())
    assert login(clinician).post(reverse("mother_edit", args=[mother.code]), data).status_code == 302
    assert not FollowUp.objects.filter(mother=mother, kind="infant_visit", status="scheduled").exists()
    assert FollowUp.objects.filter(mother=mother, kind="postnatal", status="scheduled").count() == 4
    screening = enter_epds(mother, [3, 3, 0, 3, 2, 3, 3, 3, 3, 3], front_desk)  # 13, probable
    page = login(clinician).get(reverse("screening_detail", args=[screening.code])).content.decode()
    assert "not offered: her infant died" in page
    assert "<strong>Mother-infant psychotherapy</strong>" not in page


def test_a_death_before_the_birth_is_refused_with_a_message(login, clinic_a, clinician, front_desk):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=20)
    infant = mother.infants.get()
    data = mother_form(mother, infant, infant_died_on="2020-01-01")
    page = login(clinician).post(reverse("mother_edit", args=[mother.code]), data).content.decode()
    assert "before the infant&#x27;s date of birth" in page or "before the infant's date of birth" in page
