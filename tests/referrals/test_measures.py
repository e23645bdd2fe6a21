"""PDS-E, PND-E and CMS82 as defined (issue 15), one rule per test, on hand-built data whose
expected numbers are worked out here. The period is 2026; the report's end is 31 December."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from referrals import services
from referrals.models import Alert
from referrals.reports import cascade, measures, tables
from referrals.reports.base import Filters
from screening import episodes, instruments
from screening.models import Infant, Method, Pregnancy
from screening.services import record_screening

from ..conftest import make_mother

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
NEGATIVE_EPDS = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]  # 0 (items 3 and 5-10 score in reverse)
POSITIVE_EPDS = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # 10, no self-harm
SELF_HARM_EPDS = [1, 1, 1, 1, 2, 2, 2, 1, 3, 2]  # 11, item 10 scores 1
POSITIVE_PHQ2 = [2, 2]
NEGATIVE_PHQ9 = [0] * 9
GAD7 = [3] * 7


@pytest.fixture
def world(clinic_a, front_desk, clinician):
    made = {"n": 0}

    def delivered(on, **fields):
        made["n"] += 1
        with time_machine.travel(datetime.combine(on, datetime.min.time(), UTC), tick=False):
            mother = make_mother(
                clinic_a,
                front_desk,
                record_number=f"M-{made['n']}",
                delivery_date=on,
                due_date=on,
                delivered_days_ago=None,
                family_name=f"Family{made['n']:02d}",
                **fields,
            )
            Infant.objects.create(mother=mother, date_of_birth=on)
            episodes.record(mother, today=on)
        return mother

    def screen(mother, on, answers=POSITIVE_EPDS, instrument=instruments.EPDS, entered=None):
        moment = datetime.combine(entered or on, datetime.min.time(), UTC) + timedelta(hours=12)
        with time_machine.travel(moment, tick=False):
            return record_screening(
                mother=mother,
                instrument=instrument,
                answers=answers,
                taken_on=on,
                method=Method.PAPER,
                entered_by=front_desk,
            )

    def refer(mother, on, screening=None, seen=False):
        """A referral requested on `on`; `seen`: her first session that day too (a visit that took
        place: a referral alone is not a follow-up)."""
        with time_machine.travel(datetime.combine(on, datetime.min.time(), UTC) + timedelta(hours=13), tick=False):
            referral = services.create_referral(
                mother=mother, pathway="cbt", actor=clinician, screening=screening, override_reason="chosen"
            )
            if seen:
                services.transition(referral, "accepted", actor=clinician)
                services.transition(referral, "in-progress", actor=clinician, first_session_on=on)
            return referral

    return delivered, screen, refer


def run(rule, **f):
    measure = measures.all_measures(Filters(f.get("clinics"), *YEAR))[rule]
    return measure.numerator.count(), measure.denominator.count()


def test_pds_e_screening_counts_deliveries_screened_7_to_84_days_after_and_leaves_open_windows_out(world, clinic_a):
    delivered, screen, _ = world
    day = date(2026, 3, 1)
    screen(delivered(day), day + timedelta(days=6))  # too early: not met
    screen(delivered(day), day + timedelta(days=7), NEGATIVE_EPDS)  # met (a negative screen is a screen)
    screen(delivered(day), day + timedelta(days=84))  # met
    screen(delivered(day), day + timedelta(days=85))  # too late: not met
    screen(delivered(day), day + timedelta(days=30), GAD7, instruments.GAD7)  # not a depression screen
    delivered(date(2026, 12, 1))  # her window is still open on 31 December: left out
    twice = delivered(date(2026, 1, 10))
    screen(twice, date(2026, 1, 20))
    Pregnancy.objects.create(
        mother=twice,
        clinic=clinic_a,
        due_date=date(2026, 9, 1),
        delivery_date=date(2026, 9, 1),
        recorded_on=date(2026, 9, 1),
        outcome="live_birth",
    )  # her second delivery, unscreened
    # The unit is the delivery: 5 March deliveries + her two = 7; met: day 7, day 84, her first = 3.
    assert run("pds-e-screening", clinics=[clinic_a.pk]) == (3, 7)


def test_pds_e_follow_up_counts_from_the_first_positive_screen_date_and_only_real_follow_ups(
    world, clinic_a, clinician
):
    delivered, screen, refer = world
    day, screened_on = date(2026, 3, 1), date(2026, 3, 20)
    entered_late = date(2026, 4, 5)
    a = delivered(day)
    refer(a, date(2026, 4, 15), screen(a, screened_on, entered=entered_late), seen=True)  # seen 26 days after: met
    b = delivered(day)
    refer(b, date(2026, 4, 25), screen(b, screened_on, entered=entered_late), seen=True)  # 36 days after: not met
    c = delivered(day)
    positive = screen(c, screened_on)
    services.record_decision(c, kind="no_action", note="fine", actor=clinician, screening=positive)  # decision only
    d = delivered(day)
    rejected = refer(d, date(2026, 3, 25), screen(d, screened_on))
    services.transition(rejected, "rejected", actor=clinician, reason="no capacity")  # not a follow-up
    e = delivered(day)
    screen(e, screened_on, POSITIVE_PHQ2, instruments.PHQ2)
    later_that_day = datetime.combine(screened_on, datetime.min.time(), UTC) + timedelta(hours=15)
    with time_machine.travel(later_that_day, tick=False):
        record_screening(
            mother=e,
            instrument=instruments.PHQ9,
            answers=NEGATIVE_PHQ9,
            taken_on=screened_on,
            method=Method.PAPER,
            entered_by=clinician,
        )  # same-day negative PHQ-9: met
    f = delivered(day)
    screen(f, screened_on)
    refer(f, date(2026, 4, 25), screen(f, date(2026, 4, 20)))  # within 30 days of her second, not her first
    h = delivered(day)
    screen(h, screened_on, SELF_HARM_EPDS)
    with time_machine.travel(datetime(2026, 3, 20, 14, tzinfo=UTC), tick=False):
        services.acknowledge(Alert.objects.get(mother=h), actor=clinician, action="assessed", note="seen")  # met
    i = delivered(day)
    earlier = refer(i, date(2026, 3, 10))  # requested before her positive screen: not by itself
    screen(i, screened_on)
    services.transition(earlier, "accepted", actor=clinician)
    services.transition(earlier, "in-progress", actor=clinician, first_session_on=date(2026, 3, 30))  # met
    g = delivered(date(2026, 9, 25))
    screen(g, date(2026, 12, 15))  # her 30 days end after 31 December: left out
    # Positive and followed long enough: a, b, c, d, e, f, h, i = 8; met: a, e, h, i = 4.
    assert run("pds-e-follow-up", clinics=[clinic_a.pk]) == (4, 8)


def test_pnd_e_uses_screens_during_the_pregnancy_and_has_its_follow_up_rate(world, clinic_a):
    delivered, screen, refer = world
    birth = date(2026, 6, 1)
    screen(delivered(birth), date(2026, 2, 1), NEGATIVE_EPDS)  # pregnant: met
    screen(delivered(birth), date(2026, 6, 5), NEGATIVE_EPDS)  # after the birth: not met
    followed = delivered(birth)
    refer(followed, date(2026, 3, 10), screen(followed, date(2026, 3, 1)), seen=True)  # positive, seen in 9 days
    unfollowed = delivered(birth)
    screen(unfollowed, date(2026, 4, 1))  # positive, nothing within 30 days
    screen(delivered(date(2025, 12, 20)), date(2025, 10, 1))  # delivered before the period: not counted
    assert run("pnd-e-screening", clinics=[clinic_a.pk]) == (3, 4)
    assert run("pnd-e-follow-up", clinics=[clinic_a.pk]) == (1, 2)


def test_cms82_counts_children_who_turned_six_months_whose_mother_was_screened_in_those_months(world, clinic_a):
    delivered, screen, _ = world
    twins_born = date(2026, 1, 15)  # six months old in July
    twins = delivered(twins_born)
    Infant.objects.create(mother=twins, date_of_birth=twins_born, given_name="Second twin")
    screen(twins, date(2026, 3, 1), NEGATIVE_EPDS)  # both children met
    late = delivered(date(2026, 2, 1))
    screen(late, date(2026, 9, 1), NEGATIVE_EPDS)  # after her child's first 6 months: not met
    lost = delivered(date(2026, 2, 10))
    Infant.objects.filter(mother=lost).update(died_on=date(2026, 3, 10))  # died before 6 months: left out
    delivered(date(2025, 3, 1))  # six months old in 2025: not in the period
    assert run("cms82", clinics=[clinic_a.pk]) == (2, 3)


def test_the_met_and_not_met_lists_are_pages_and_csv_downloads(world, login, clinic_a, clinic_admin):
    delivered, screen, _ = world
    met, missed = delivered(date(2026, 3, 1)), delivered(date(2026, 3, 1))
    screen(met, date(2026, 3, 20), NEGATIVE_EPDS)
    client = login(clinic_admin)
    period = {"start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(reverse("measure_mothers", args=["pds-e-screening", "gap"]), period).content.decode()
    page = page.split("<table")[1]
    assert missed.family_name in page and met.family_name not in page
    download = client.get(
        reverse("measure_mothers", args=["pds-e-screening", "numerator"]), {**period, "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert download["Content-Type"].startswith("text/csv")
    assert rows[1][:2] == [met.full_name, met.record_number] and len(rows) == 2
    report = client.get(reverse("reports"), period).content.decode()
    assert "NCQA HEDIS measurement year 2023" in report and "mothers who died" in report


def test_the_cascade_follows_each_positive_mother_to_remission_by_language(world, clinic_a, clinician):

    delivered, screen, refer = world
    day = date(2026, 1, 5)
    treated = delivered(day, preferred_language="es")
    referral = refer(treated, date(2026, 2, 3), screen(treated, date(2026, 2, 1)))
    services.transition(referral, "accepted", actor=clinician)
    services.transition(referral, "in-progress", actor=clinician, first_session_on=date(2026, 2, 11))  # 10 days
    services.transition(referral, "completed", actor=clinician, sessions_attended=8, closing_note="done")
    screen(treated, date(2026, 5, 1), NEGATIVE_EPDS)  # 89 days on: remission at 3 months
    waiting = delivered(day)
    refer(waiting, date(2026, 2, 10), screen(waiting, date(2026, 2, 8)))  # referred, never seen
    alone = delivered(day)
    screen(alone, date(2026, 2, 8))  # positive, nothing more
    screen(alone, date(2026, 3, 1))  # a second positive: she is counted once
    screen(delivered(day), date(2026, 2, 1), NEGATIVE_EPDS)  # negative: not in the cascade
    f = Filters([clinic_a.pk], *YEAR)
    steps = [row[1] for row in cascade.cascade(f).rows]
    # positive, referred, seen, of which the provider confirmed (staff entered this one), completed,
    # remission at 3 and at 6 months
    assert steps == [3, 2, 1, 0, 1, 1, 0]
    groups = {(str(r[0]), r[1]): r for r in cascade.cascade_by_group(f).rows}
    assert groups[("Language", "Spanish")][2:] == (1, 100.0, 100.0, 100.0, 100.0, 0.0, 10.0)
    assert groups[("Language", "English")][2:5] == (2, 50.0, 0.0)


def test_the_cascade_median_counts_each_mother_when_two_waited_equally_long(world, clinic_a):
    delivered, screen, refer = world
    for seen_on in (date(2026, 2, 3), date(2026, 2, 3), date(2026, 2, 10)):  # first contact after 2, 2 and 9 days
        mother = delivered(date(2026, 1, 5))
        refer(mother, seen_on, screen(mother, date(2026, 2, 1)), seen=True)
    for use_facts in (True, False):
        with override_settings(REPORT_FACTS=use_facts):
            everyone = cascade.cascade_by_group(tables.prepare(Filters([clinic_a.pk], *YEAR))).rows[0]
            assert (everyone[2], everyone[-1]) == (3, 2.0), use_facts


def test_the_follow_up_window_holds_its_thirtieth_day_and_not_its_thirty_first(world, clinic_a):
    """HEDIS: on or up to 30 days after the first positive screen."""
    delivered, screen, refer = world
    positive_on = date(2026, 3, 1)
    on_day_30, on_day_31 = delivered(date(2026, 2, 1)), delivered(date(2026, 2, 1))
    screen(on_day_30, positive_on)
    refer(on_day_30, positive_on + timedelta(days=30), seen=True)
    screen(on_day_31, positive_on)
    refer(on_day_31, positive_on + timedelta(days=31), seen=True)
    assert run("pds-e-follow-up", clinics=[clinic_a.pk]) == (1, 2)
    assert measures.counts(Filters([clinic_a.pk], *YEAR))["pds-e-follow-up"] == (1, 2)  # the report's facts too
    met = measures.all_measures(Filters([clinic_a.pk], *YEAR))["pds-e-follow-up"].numerator
    assert list(met.values_list("mother__record_number", flat=True)) == [on_day_30.record_number]


def test_cms82_counts_a_screen_on_the_183rd_day_and_not_the_184th(world, clinic_a):
    delivered, screen, _refer = world
    born = date(2026, 1, 10)
    last_day, day_after = delivered(born), delivered(born)
    screen(last_day, born + timedelta(days=183), NEGATIVE_EPDS)
    screen(day_after, born + timedelta(days=184), NEGATIVE_EPDS)
    assert run("cms82", clinics=[clinic_a.pk]) == (1, 2)
    assert measures.counts(Filters([clinic_a.pk], *YEAR))["cms82"] == (1, 2)  # the report's facts too
