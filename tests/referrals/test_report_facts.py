"""The report facts (issue 15, network scale) give exactly the figures of the direct computation,
after random changes made every way the app and an operator make them: through the services, by
bulk `update()` and `delete()` that no signal sees, and by changing a mother's own row."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from referrals import services
from referrals.models import Concern, ConcernClosed, FollowUp, FollowUpStatus, Provider, Referral, Status
from referrals.reports import activity, cascade, facts, funnel, measures, tables, timeliness
from referrals.reports.base import POSITIVE_SCREEN, Filters
from referrals.reports.models import JourneyFact, SharedMonth, StaleMonth, StaleMother
from referrals.tasks import refresh_report_facts
from screening import episodes, instruments
from screening.models import Infant, Method, Mother, Pregnancy, Screening
from screening.services import record_screening

from ..conftest import make_mother

EPDS = {  # option positions (items 3 and 5-10 score in reverse) -> total
    0: [0, 0, 3, 0, 3, 3, 3, 3, 3, 3],
    8: [1, 1, 2, 1, 2, 2, 2, 2, 3, 3],
    10: [1, 1, 1, 1, 2, 2, 2, 1, 3, 3],
    14: [2, 2, 1, 1, 1, 1, 2, 1, 2, 3],
}
PHQ9 = {0: [0] * 9, 3: [1, 1, 1, 0, 0, 0, 0, 0, 0], 12: [2, 2, 2, 2, 2, 1, 1, 0, 0]}
PHQ2 = {0: [0, 0], 4: [2, 2]}
FIRST = date(2025, 6, 1)
LAST = date(2026, 11, 20)
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def figures(filters, use_facts):
    with override_settings(REPORT_FACTS=use_facts):
        f = tables.prepare(Filters(*filters))
        shown = [cascade.cascade(f), cascade.cascade_by_group(f), measures.quality(f), funnel.funnel(f)]
        shown += [funnel.funnel_by(f, d) for d in ("clinic", "language", "age")] + [timeliness.breaches(f, NOW)]
        shown += [timeliness.timeliness(f), activity.outcomes(f), activity.coverage(f)]
        shown += [activity.positive_rate(f), activity.risk_levels(f), funnel.drop_off_reasons(f)]
        shown += [funnel.funnel_by(f, "pathway"), funnel.funnel_by(f, "provider")]
        cbt = tables.prepare(Filters(*filters, pathway="cbt"))
        shown += [timeliness.timeliness(cbt), activity.outcomes(cbt), funnel.funnel(cbt), timeliness.breaches(cbt, NOW)]
        shown += [funnel.funnel_by(cbt, "provider"), funnel.drop_off_reasons(cbt)]
        units = [
            sorted(rows.values_list("pk", flat=True))
            for slug in measures.MEASURES
            for m in [measures.measure(f, slug)]
            for rows in (m.denominator, m.numerator)
        ]
    return [[tuple(str(cell) for cell in row) for row in t.rows] for t in shown] + units


def at(day, hour=12):
    return time_machine.travel(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour), tick=False)


@pytest.mark.django_db
def test_the_facts_give_the_direct_figures_after_random_changes(clinic_a, clinic_b, front_desk, clinician):
    rng = random.Random(15)

    def pick(rows):
        """One row at random, the same one on every run (the seed, not the database, decides)."""
        pks = sorted(rows.values_list("pk", flat=True))
        return rows.model.objects.get(pk=rng.choice(pks)) if pks else None

    day = lambda: FIRST + timedelta(days=rng.randrange((LAST - FIRST).days))  # noqa: E731
    mothers = []
    for n in range(24):
        delivered = day()
        with at(delivered):
            mother = make_mother(
                rng.choice([clinic_a, clinic_b]),
                front_desk,
                record_number=f"R-{n}",
                delivered_days_ago=None,
                delivery_date=delivered,
                due_date=delivered + timedelta(days=rng.randrange(-10, 10)),
                preferred_language=rng.choice(["en", "es"]),
                date_of_birth=date(rng.randrange(1984, 2007), 3, 1),
            )
            for _twin in range(rng.choice([1, 1, 2])):
                Infant.objects.create(mother=mother, date_of_birth=delivered)
            episodes.record(mother, today=delivered)
        mothers.append(mother)

    def screen():
        mother = rng.choice(mothers)
        instrument, totals = rng.choice([(instruments.EPDS, EPDS), (instruments.PHQ9, PHQ9), (instruments.PHQ2, PHQ2)])
        taken = day()
        with at(taken, rng.randrange(8, 18)):
            record_screening(
                mother=mother,
                instrument=instrument,
                answers=rng.choice(list(totals.values())),
                taken_on=taken,
                method=Method.PAPER,
                entered_by=front_desk,
            )

    providers = {  # the same name at both clinics: the table counts them as one, as the direct query
        clinic.pk: [
            Provider.objects.create(clinic=clinic, name=name, pathways=["cbt", "ipt", "mip"], contact="x")
            for name in ("Talk Well", f"Clinic {clinic.pk} therapists")
        ]
        for clinic in (clinic_a, clinic_b)
    }

    def refer():
        positive = pick(Screening.objects.filter(total__gte=10))
        if positive:
            with at(positive.taken_on + timedelta(days=rng.randrange(0, 40)), 15):
                services.create_referral(
                    mother=positive.mother,
                    pathway=rng.choice(["cbt", "ipt", "mip"]),
                    actor=clinician,
                    screening=positive,
                    provider=rng.choice([None, *providers[positive.mother.clinic_id]]),
                    override_reason="x",
                )

    def move_referral():
        referral = pick(Referral.objects.all())
        if referral:
            seen = referral.requested_at.date() + timedelta(days=rng.randrange(1, 60))
            Referral.objects.filter(pk=referral.pk).update(
                status=rng.choice([Status.ACCEPTED, Status.COMPLETED, Status.REJECTED, Status.ENTERED_IN_ERROR]),
                first_session_on=rng.choice([None, seen]),
                contact_confirmed_by_provider=rng.random() < 0.5,
                ended_at=datetime.combine(seen + timedelta(days=90), datetime.min.time(), UTC),
            )

    def redate_screening():
        Screening.objects.filter(pk=pick(Screening.objects.all()).pk).update(taken_on=day())

    def delete_screening():
        deletable = Screening.objects.filter(referrals=None, decisions=None, alert=None)
        pk = getattr(pick(deletable), "pk", None)
        if pk:
            Concern.objects.filter(screening_id=pk).update(screening=None)
            Screening.objects.filter(pk=pk).delete()

    def change_mother():
        mother = rng.choice(mothers)
        Mother.objects.filter(pk=mother.pk).update(
            preferred_language=rng.choice(["en", "es"]),
            date_of_birth=date(rng.randrange(1984, 2007), 7, 1),
            clinic=rng.choice([clinic_a, clinic_b]),
        )

    def follow_up():
        """A follow-up due, sometimes at the other clinic in the month of one she has already."""
        mother, due_on, clinic = rng.choice(mothers), day(), rng.choice([clinic_a, clinic_b])
        earlier = pick(FollowUp.objects.exclude(status=FollowUpStatus.CANCELLED))
        if earlier and rng.random() < 0.5:
            mother, due_on = earlier.mother, earlier.due_on
            clinic = clinic_b if earlier.clinic_id == clinic_a.pk else clinic_a
        FollowUp.objects.create(
            mother=mother,
            clinic=clinic,
            key=f"test-{rng.random()}",
            kind="scheduled",
            reason="test",
            instrument_code="EPDS",
            due_on=due_on,
            status=rng.choice([FollowUpStatus.SCHEDULED, FollowUpStatus.CANCELLED, FollowUpStatus.COMPLETED]),
        )

    def move_follow_up():
        FollowUp.objects.filter(pk=getattr(pick(FollowUp.objects.all()), "pk", None)).update(
            due_on=day(), status=rng.choice([FollowUpStatus.SCHEDULED, FollowUpStatus.CANCELLED])
        )

    def screened_elsewhere():
        """An operator moves one of her screenings to the other clinic, on the day of another: she
        is then seen at two clinics in a month."""
        mother = rng.choice(mothers)
        first, second = pick(mother.screenings.all()), pick(mother.screenings.all())
        if second and second != first:
            other = clinic_b if first.clinic_id == clinic_a.pk else clinic_a
            Screening.objects.filter(pk=second.pk).update(clinic=other, taken_on=first.taken_on)

    def redate_delivery():
        Pregnancy.objects.filter(pk=pick(Pregnancy.objects.all()).pk).update(delivery_date=day())

    def lose_child():
        infant = pick(Infant.objects.all())
        Infant.objects.filter(pk=infant.pk).update(died_on=infant.date_of_birth + timedelta(days=rng.randrange(200)))

    def mother_died():
        concern = pick(Concern.objects.filter(closed_at=None))
        if concern:
            Concern.objects.filter(pk=concern.pk).update(
                closed_at=datetime(2026, 11, 21, tzinfo=UTC), closed_by=clinician, closed_because=ConcernClosed.DIED
            )

    changes = (
        [screen] * 10
        + [refer] * 4
        + [
            move_referral,
            redate_screening,
            delete_screening,
            change_mother,
            redate_delivery,
            lose_child,
            mother_died,
            follow_up,
            follow_up,
            move_follow_up,
        ]
        + [screened_elsewhere] * 2
    )
    periods = [
        (date(2025, 1, 1), date(2026, 11, 26)),
        (date(2026, 1, 1), date(2026, 6, 30)),  # whole months only
        (FIRST, LAST),
        (date(2026, 3, 10), date(2026, 3, 25)),  # inside one month
        (date(2025, 9, 15), date(2026, 4, 1)),  # part-months at both ends
    ]
    compared, shared, several, provider_confirmed = 0, set(), False, False

    def seen_at_both_clinics():
        """The last round's extra: one mother due and screened at both clinics in one month, so
        the rule that counts her once across clinics is always compared."""
        mother = mothers[0]
        for clinic in (clinic_a, clinic_b):
            with at(date(2026, 2, 12)):
                taken = record_screening(
                    mother=mother,
                    instrument=instruments.EPDS,
                    answers=EPDS[14],  # positive at both: her first is found by sorting
                    taken_on=date(2026, 2, 12),
                    method=Method.PAPER,
                    entered_by=front_desk,
                )
            Screening.objects.filter(pk=taken.pk).update(clinic=clinic)
        for day_ in (date(2026, 3, 10), date(2026, 3, 20)):  # her first on a period's first day
            with at(day_):
                record_screening(
                    mother=mothers[1],
                    instrument=instruments.EPDS,
                    answers=EPDS[14],
                    taken_on=day_,
                    method=Method.PAPER,
                    entered_by=front_desk,
                )
        for clinic in (clinic_a, clinic_b):  # after her screens, which would complete them
            FollowUp.objects.create(
                mother=mother,
                clinic=clinic,
                key=f"both-{clinic.pk}",
                kind="scheduled",
                reason="test",
                instrument_code="EPDS",
                due_on=date(2026, 2, 10),
            )

    for round_ in range(9):
        for _change in range(12):
            rng.choice(changes)()
        if round_ == 8:
            seen_at_both_clinics()
        assert StaleMother.objects.exists()  # the changes marked her; the next report recomputes
        for clinics in ([clinic_a.pk], [clinic_b.pk], [clinic_a.pk, clinic_b.pk]):
            for start, end in periods:
                assert figures((clinics, start, end), True) == figures((clinics, start, end), False)
                compared += 1
        assert not StaleMother.objects.exists()
        # the months the reports read as whole months were recomputed; November 2026 (a part-month
        # in every period, read from the records) and the months of future follow-ups are left for beat
        assert not StaleMonth.objects.filter(month__gte=date(2025, 1, 1), month__lt=date(2026, 11, 1)).exists()
        shared |= set(SharedMonth.objects.values_list("screened", flat=True))
        several |= JourneyFact.objects.filter(depression=True, one_clinic=False).exists()
        provider_confirmed |= JourneyFact.objects.exclude(provider_contact_on=None).exists()
    assert compared == 135
    refresh_report_facts()
    assert not StaleMonth.objects.exists()
    assert several  # a mother screened positive at both clinics: her first is found by sorting
    assert provider_confirmed  # a first contact the provider confirmed was counted both ways
    assert shared == {True, False}  # mothers screened, and due, at both clinics in a month were compared
    assert JourneyFact.objects.filter(depression=True).count() == cascade.positive_screens(Screening.objects).count()
    assert JourneyFact.objects.count() == Screening.objects.filter(POSITIVE_SCREEN).count() > 10


@pytest.mark.django_db
def test_a_report_recomputes_a_mother_changed_since_the_last(clinic_a, front_desk):
    """Without the refresh before reading, the cascade would miss the screen entered after the
    first report (the facts would hold the earlier figure)."""
    mother = make_mother(clinic_a, front_desk)
    f = ([clinic_a.pk], date(2026, 1, 1), date(2026, 12, 31))
    assert figures(f, True)[0][0][1] == "0"
    record_screening(
        mother=mother,
        instrument=instruments.EPDS,
        answers=EPDS[14],
        taken_on=date(2026, 11, 2),
        method=Method.PAPER,
        entered_by=front_desk,
    )
    assert figures(f, True)[0][0][1] == "1"
    facts.refresh()
    assert JourneyFact.objects.get().mother_id == mother.pk


@pytest.mark.django_db
def test_after_a_bulk_change_the_report_computes_directly_and_beat_catches_up(clinic_a, front_desk, monkeypatch):
    mother = make_mother(clinic_a, front_desk)
    record_screening(
        mother=mother,
        instrument=instruments.EPDS,
        answers=EPDS[14],
        taken_on=date(2026, 11, 2),
        method=Method.PAPER,
        entered_by=front_desk,
    )
    monkeypatch.setattr(facts, "INLINE_LIMIT", 0)  # one stale mother is "too many" to wait for
    f = ([clinic_a.pk], date(2026, 1, 1), date(2026, 12, 31))
    assert figures(f, True)[0][0][1] == "1"  # still right: computed from the records
    assert StaleMother.objects.filter(mother_id=mother.pk).exists() and not JourneyFact.objects.exists()
    refresh_report_facts()  # what beat runs every minute
    assert JourneyFact.objects.get().mother_id == mother.pk and not StaleMother.objects.exists()
