"""Each report figure on hand-built data whose right answer is worked out here."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from referrals import services
from referrals.models import Alert, Decision, FollowUp, Referral
from referrals.reports import activity, funnel, tables, timeliness
from referrals.reports.base import Filters
from screening.models import Infant, Membership, Screening

from ..conftest import enter_epds, make_mother

NOW = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)
PERIOD = (date(2026, 1, 1), date(2026, 8, 31))
LOW = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]  # 0
POSSIBLE = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # 10
PROBABLE = [1, 1, 1, 2, 1, 1, 2, 2, 2, 3]  # 13
HIGH = [2, 2, 0, 2, 1, 1, 1, 1, 2, 3]  # 18
SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # 1, item 10 above zero


def at(day, hour=12):
    return time_machine.travel(datetime.combine(day, datetime.min.time()).replace(hour=hour, tzinfo=UTC), tick=False)


@pytest.fixture
def data(clinic_a, clinic_b, clinic_admin, clinician, front_desk, outsider):
    """Clinic A: five mothers. Clinic B: one, which no clinic A figure may count."""
    m = {}
    with at(date(2026, 1, 10)):
        m["ana"] = make_mother(
            clinic_a,
            front_desk,
            record_number="A1",
            delivery_date=date(2026, 2, 1),
            due_date=date(2026, 2, 1),
            delivered_days_ago=None,
            preferred_language="es",
            date_of_birth=date(2004, 3, 1),
        )
        m["bea"] = make_mother(
            clinic_a,
            front_desk,
            record_number="A2",
            delivery_date=date(2026, 3, 1),
            due_date=date(2026, 3, 1),
            delivered_days_ago=None,
            date_of_birth=date(1990, 3, 1),
        )
        m["cat"] = make_mother(
            clinic_a,
            front_desk,
            record_number="A3",
            delivered_days_ago=None,
            due_date=date(2026, 7, 1),
            date_of_birth=date(1996, 3, 1),
        )
        m["dee"] = make_mother(
            clinic_a,
            front_desk,
            record_number="A4",
            delivery_date=date(2025, 12, 20),
            due_date=date(2025, 12, 20),
            delivered_days_ago=None,
            date_of_birth=date(1985, 3, 1),
        )
        other = make_mother(
            clinic_b,
            outsider,
            record_number="B1",
            delivery_date=date(2026, 2, 1),
            due_date=date(2026, 2, 1),
            delivered_days_ago=None,
        )
    Infant.objects.create(mother=m["ana"], date_of_birth=date(2026, 2, 1))
    Infant.objects.create(mother=m["bea"], date_of_birth=date(2026, 3, 1))
    Infant.objects.create(mother=m["dee"], date_of_birth=date(2025, 12, 20))
    s = {}
    with at(date(2026, 2, 20)):  # ana, 19 days postpartum: probable -> MIP, completed
        s["ana1"] = enter_epds(m["ana"], PROBABLE, front_desk)
        ref = services.create_referral(mother=m["ana"], screening=s["ana1"], pathway="mip", actor=clinician)
    with at(date(2026, 2, 22)):
        services.transition(ref, "accepted", actor=clinician)
    with at(date(2026, 3, 2)):
        services.transition(ref, "in-progress", actor=clinician)
    with at(date(2026, 5, 1)):
        services.transition(ref, "completed", actor=clinician, sessions_attended=8)
    with at(date(2026, 5, 20)):
        s["ana2"] = enter_epds(m["ana"], POSSIBLE, front_desk)  # short term: 10 - 13 = -3
        services.record_decision(s["ana2"].mother, screening=s["ana2"], kind="in_care", note="", actor=clinician)
    with at(date(2026, 8, 15)):
        s["ana3"] = enter_epds(m["ana"], LOW, front_desk)  # later: 0 - 13 = -13
    with at(date(2026, 3, 20)):  # bea, 19 days postpartum: high -> psychiatric, rejected
        s["bea1"] = enter_epds(m["bea"], HIGH, front_desk)
    with at(date(2026, 3, 24)):
        ref_b = services.create_referral(
            mother=m["bea"], screening=s["bea1"], pathway="psychiatric_evaluation", actor=clinician
        )
        services.transition(ref_b, "rejected", actor=clinician, reason="No capacity")
    with at(date(2026, 4, 1)):  # cat, pregnant: possible, declined
        s["cat1"] = enter_epds(m["cat"], POSSIBLE, front_desk)
        services.record_decision(s["cat1"].mother, screening=s["cat1"], kind="declined", note="", actor=clinician)
    with at(date(2026, 4, 10)):  # dee: self-harm alert acknowledged after 30 minutes; no decision
        s["dee1"] = enter_epds(m["dee"], SELF_HARM, front_desk)
    with at(date(2026, 4, 10), hour=12) as traveller:
        traveller.shift(timedelta(minutes=30))
        services.acknowledge(s["dee1"].alert, actor=clinician, action="called", note="")
    with at(date(2026, 4, 12)):
        enter_epds(other, HIGH, outsider)
    return m, s, ref


def run(table_fn, clinic, **extra):
    with time_machine.travel(NOW, tick=False):
        return table_fn(tables.prepare(Filters([clinic.pk], *PERIOD, **extra)))


def test_positive_rate_and_risk_levels(data, clinic_a):
    # six screenings in clinic A: ana1 13, ana2 10, ana3 0, bea1 18, cat1 10, dee1 self-harm; five positive
    assert run(activity.positive_rate, clinic_a).rows == [("EPDS", 6, 5, 83.3)]
    levels = dict(run(activity.risk_levels, clinic_a).rows)  # ana2 and cat1 are both possible
    assert (
        levels["Low"],
        levels["Possible depression"],
        levels["Probable depression"],
        levels["High"],
        levels["Urgent: self-harm answer"],
    ) == (1, 2, 1, 1, 1)


def test_the_funnel_counts_each_step_once_and_its_drop_off(data, clinic_a):
    rows = run(funnel.funnel, clinic_a).rows
    # positives: ana1 (referred, completed), ana2 (in care), bea1 (referred, rejected), cat1 (declined), dee1
    assert [r[1] for r in rows] == [5, 4, 2, 1, 1, 1]
    assert [r[2] for r in rows] == [None, 1, 2, 1, 0, 0]
    assert rows[-1][3] == 20.0
    reasons = dict(run(funnel.drop_off_reasons, clinic_a).rows)
    assert reasons == {"Already in care elsewhere": 1, "Mother declined": 1, "Rejected by provider": 1}


def test_the_funnel_by_pathway_language_and_age(data, clinic_a):
    by_pathway = {r[0]: r[1:] for r in run(lambda f: funnel.funnel_by(f, "pathway"), clinic_a).rows}
    assert by_pathway == {"Mother-infant psychotherapy": (1, 1, 1, 1), "Psychiatric evaluation": (1, 0, 0, 0)}
    by_language = {r[0]: r[1:] for r in run(lambda f: funnel.funnel_by(f, "language"), clinic_a).rows}
    assert by_language == {"Spanish": (2, 2, 1, 1, 1, 1), "English": (3, 2, 1, 0, 0, 0)}  # names, not codes
    by_age = [(r[0], r[1]) for r in run(lambda f: funnel.funnel_by(f, "age"), clinic_a).rows]
    assert by_age == [("20-24", 2), ("30-34", 1), ("35-39", 1), ("40 and over", 1)]  # by age
    only_mip = run(funnel.funnel, clinic_a, pathway="mip").rows
    assert [r[1] for r in only_mip] == [5, 4, 1, 1, 1, 1]


def test_timeliness_alerts_and_breaches(data, clinic_a):
    rows = {r[0]: r[1:] for r in run(timeliness.timeliness, clinic_a).rows}
    # to referral: ana 0 days, bea 4 days -> median 2, p90 3.6; to first session: ana 10 days
    assert rows["Days from positive screen to referral"] == (2, 2.0, 3.6)
    assert rows["Days from positive screen to first session"] == (1, 10.0, 10.0)
    assert dict(run(activity.alerts, clinic_a).rows) == {
        "Self-harm alerts": 1,
        "Minutes to acknowledgement, median": 30.0,
        "Minutes to acknowledgement, maximum": 30.0,
        "Still open": 0,
    }
    breaches = dict(run(timeliness.breaches, clinic_a).rows)
    # dee1 was acknowledged but never decided: not followed up within 30 days
    assert list(breaches.values()) == [0, 0, 1]


def test_outcomes_split_short_and_long_term(data, clinic_a):
    assert run(activity.outcomes, clinic_a).rows == [("Mother-infant psychotherapy", -3.0, 1, -13.0, 1)]


def test_coverage_counts_mothers_due_and_screened_by_month(data, clinic_a):
    rows = {r[0]: r[1:] for r in run(activity.coverage, clinic_a).rows}
    screened = {month: n for month, (_, n) in rows.items() if n}
    assert screened == {"2026-02": 1, "2026-03": 1, "2026-04": 2, "2026-05": 1, "2026-08": 1}
    due = {}
    for follow_up in FollowUp.objects.filter(clinic=clinic_a, due_on__range=PERIOD).exclude(status="cancelled"):
        due.setdefault(follow_up.due_on.strftime("%Y-%m"), set()).add(follow_up.mother_id)
    assert {month: d for month, (d, _) in rows.items() if d} == {month: len(m) for month, m in due.items()}


def test_reports_are_for_clinic_admins_only_and_csv_downloads(
    data, login, clinic_admin, clinician, front_desk, outsider
):
    url = reverse("reports")
    assert login(None).get(url).status_code == 302
    for user in (front_desk, clinician, outsider):
        assert login(user).get(url).status_code == 403
    with time_machine.travel(NOW, tick=False):
        client = login(clinic_admin)
        page = client.get(url, {"start": "2026-01-01", "end": "2026-08-31"}).content.decode()
        assert "Referral funnel" in page and "report-charts" in page
        csv_text = client.get(reverse("report_csv", args=["funnel"]), {"start": "2026-01-01", "end": "2026-08-31"})
    assert csv_text["Content-Type"].startswith("text/csv")
    assert csv_text.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    lines = csv_text.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Step,Screens,Lost since the step before,Of positive screens (%)"
    assert lines[1] == "Positive screens,5,,100.0"
    assert login(clinic_admin).get(reverse("report_csv", args=["nope"])).status_code == 404
    assert login(clinic_admin).get(reverse("measure_mothers", args=["cms82", "nope"])).status_code == 404


def test_an_admin_of_two_clinics_sees_both_or_one(data, login, clinic_admin, clinic_b):
    Membership.objects.create(user=clinic_admin, clinic=clinic_b, role="clinic_admin")
    with time_machine.travel(NOW, tick=False):
        both = run(activity.positive_rate, clinic_b)
        client = login(clinic_admin)
        client.post(reverse("choose_clinic"), {"clinic": str(clinic_b.code)})
        page = client.get(
            reverse("report_csv", args=["positive-rate"]), {"start": "2026-01-01", "end": "2026-08-31", "clinic": "all"}
        ).content.decode()
        in_use = client.get(
            reverse("report_csv", args=["positive-rate"]), {"start": "2026-01-01", "end": "2026-08-31"}
        ).content.decode()
        only_b = client.get(
            reverse("report_csv", args=["positive-rate"]),
            {"start": "2026-01-01", "end": "2026-08-31", "clinic": str(clinic_b.code)},
        ).content.decode()
    assert both.rows == [("EPDS", 1, 1, 100.0)]
    assert "EPDS,7,6,85.7" in page and "EPDS,1,1,100.0" in only_b
    assert "EPDS,1,1,100.0" in in_use  # by default, the clinic the admin is working in


def test_a_clinic_b_admin_never_counts_clinic_a(data, clinic_b):
    assert run(activity.positive_rate, clinic_b).rows == [("EPDS", 1, 1, 100.0)]
    assert Screening.objects.count() == 7 and Referral.objects.count() == 2
    assert Alert.objects.count() == 1 and Decision.objects.count() == 4


def test_the_funnel_by_age_runs_from_the_youngest(clinic_b, outsider):
    for n, born in enumerate((date(1990, 1, 1), date(2008, 6, 1), date(1979, 1, 1))):  # 36, 18, 47 in 2026
        mother = make_mother(clinic_b, outsider, record_number=f"Y-{n}", date_of_birth=born)
        enter_epds(mother, [2, 2, 1, 1, 1, 1, 2, 1, 2, 3], outsider, taken_on=PERIOD[0] + timedelta(days=30))
    groups = [r[0] for r in run(lambda f: funnel.funnel_by(f, "age"), clinic_b).rows]
    assert groups == ["under 20", "35-39", "40 and over"]


def test_no_report_table_has_two_columns_of_one_name(data, clinic_a):
    """A spreadsheet addresses columns by their heading: each CSV's headings are distinct."""
    for slug, table in tables.TABLES.items():
        columns = [str(c) for c in run(table, clinic_a).columns]
        assert len(set(columns)) == len(columns), f"{slug}: {columns}"
