"""No mother falls through (design rule 11), proven over random sequences of domain events.

The machine drives the real services on PostgreSQL: staff and online screens of every instrument
and every answer combination hypothesis picks (so every risk level and self-harm), forms left half
answered (a self-harm answer saved and never sent), decisions of
every kind, referrals through every lifecycle transition, acknowledgements, concerns marked and
closed, opt-out and return, infants added, a new pregnancy, follow-ups cancelled, and time passing
with the dispatcher and the alert sweep running. After every step, `care.care_gaps()` (the query
the worklist and `manage.py care_gaps` use) must be empty; after a screen, also in the moment
between its commit and the settling of her schedule that the commit queues. CARE_GAP_EXAMPLES sets how many
sequences are tried (200 by default)."""

import os
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from referrals import alerts, care, concerns, dispatch, followups, lifecycle, pathways, services
from referrals.models import PENDING_FOLLOW_UP, Alert, ConcernClosed, DecisionKind, FollowUp, Referral
from screening import instruments, invitations
from screening.models import Clinic, Infant, Method, Mother, Role
from screening.services import record_screening
from screening.signals import mother_changed

from ..conftest import make_mother, make_staff

EXAMPLES = int(os.environ.get("CARE_GAP_EXAMPLES", "200"))
START = timezone.make_aware(timezone.datetime(2026, 6, 1, 15, 0))
INSTRUMENTS = [instruments.EPDS, instruments.PHQ9, instruments.PHQ2, instruments.GAD7]


def answers_for(instrument):
    return st.lists(
        st.integers(0, len(instrument.items[0].options) - 1),
        min_size=len(instrument.items),
        max_size=len(instrument.items),
    )


screens = st.sampled_from(INSTRUMENTS).flatmap(lambda i: st.tuples(st.just(i), answers_for(i)))


class CareGapMachine(RuleBasedStateMachine):
    """One clinic and one mother per example, inside a savepoint rolled back at the end."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.now = START
        self.clinic = Clinic.objects.create(name=f"Clinic {id(self)}-{timezone.now().timestamp()}")
        self.clinic.epds_online_permission = True
        self.clinic.save()
        suffix = f"{id(self)}{Clinic.objects.count()}"
        self.clinician = make_staff(f"clin{suffix}", self.clinic, Role.CLINICIAN)
        self.front_desk = make_staff(f"desk{suffix}", self.clinic, Role.FRONT_DESK)
        self.events = []

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def at_now(self):
        return time_machine.travel(self.now, tick=False)

    @initialize(delivered_days_ago=st.one_of(st.none(), st.integers(0, 400)))
    def register(self, delivered_days_ago):
        with self.at_now():
            self.mother = make_mother(self.clinic, self.front_desk, delivered_days_ago=delivered_days_ago)
            mother_changed.send(sender=Mother, mother=self.mother)

    @contextmanager
    def committed(self):
        """The step's commit, then the moment before what it queued runs (her schedule unsettled),
        then what it queued, as the worker would run it."""
        with TestCase.captureOnCommitCallbacks() as queued:
            yield
        self.no_mother_at_risk_is_on_no_live_path()
        for callback in queued:
            callback()

    def fresh(self):
        self.mother = Mother.objects.get(pk=self.mother.pk)
        return self.mother

    @rule(screen=screens, method=st.sampled_from([Method.PAPER, Method.IN_PERSON]))
    def staff_enters_a_screen(self, screen, method):
        instrument, answers = screen
        with self.at_now(), self.committed():
            record_screening(
                mother=self.fresh(),
                instrument=instrument,
                answers=answers,
                taken_on=timezone.localdate(),
                method=method,
                entered_by=self.front_desk,
            )

    @rule(screen=screens, tablet=st.booleans())
    def mother_answers_online(self, screen, tablet):
        instrument, answers = screen
        with self.at_now(), self.committed():
            try:
                invitation = invitations.create_invitation(mother=self.fresh(), instrument=instrument, tablet=tablet)
            except invitations.AlreadyOpen as held:
                invitation = held.invitation
            for number, position in enumerate(answers, start=1):
                invitation = invitations.save_answer(invitation, number, position)
            invitations.submit(invitation, "en")

    @rule(screen=screens, answered=st.integers(1, 10))
    def mother_answers_part_of_a_form_and_closes_the_page(self, screen, answered):
        instrument, answers = screen
        with self.at_now():
            try:
                invitation = invitations.create_invitation(mother=self.fresh(), instrument=instrument)
            except invitations.AlreadyOpen as held:
                invitation = held.invitation
            for number, position in list(enumerate(answers, start=1))[-answered:]:  # the last item first
                invitation = invitations.save_answer(invitation, number, position)

    @rule()
    def clinician_acknowledges_an_alert(self):
        alert = Alert.objects.unacknowledged().filter(mother=self.mother).first()
        if alert:
            with self.at_now():
                services.acknowledge(alert, actor=self.clinician, action="called", note="")

    @rule(kind=st.sampled_from([k for k in DecisionKind if k != DecisionKind.REFERRED]), on_screen=st.booleans())
    def clinician_decides(self, kind, on_screen):
        mother = self.fresh()
        screening = mother.screenings.awaiting_review().positive().first() if on_screen else None
        with self.at_now():
            services.record_decision(mother, screening=screening, kind=kind, note="", actor=self.clinician)

    @rule(pathway=st.sampled_from(list(pathways.CATALOGUE)))
    def clinician_refers(self, pathway):
        mother = self.fresh()
        screening = mother.screenings.order_by("-created_at").first()
        with self.at_now():
            try:
                services.create_referral(
                    mother=mother, screening=screening, pathway=pathway, actor=self.clinician, override_reason="test"
                )
            except lifecycle.InvalidTransition:
                pass

    @rule(choice=st.integers(0, 20))
    def referral_moves_on(self, choice):
        referral = Referral.objects.filter(mother=self.mother).order_by("-created_at").first()
        targets = lifecycle.next_statuses(referral.status) if referral else []
        if targets:
            with self.at_now():
                services.transition(
                    referral, targets[choice % len(targets)], actor=self.clinician, reason="test", sessions_attended=4
                )

    @rule(because=st.sampled_from(ConcernClosed.values))
    def clinician_closes_the_concern(self, because):
        concern = concerns.current(self.mother)
        if concern:
            with self.at_now():
                try:
                    with transaction.atomic():
                        concerns.close(concern, because=because, note="", actor=self.clinician)
                        services.settle(self.fresh())
                except concerns.CannotClose:
                    pass

    @rule(urgent=st.booleans())
    def clinician_marks_a_concern(self, urgent):
        with self.at_now(), transaction.atomic():
            concerns.mark(self.fresh(), note="Seems withdrawn", actor=self.clinician, urgent=urgent)

    @rule(reason=st.sampled_from(["opted_out", "discharged", "return"]))
    def she_leaves_or_returns(self, reason):
        mother = self.fresh()
        if (reason == "return") == mother.in_care:
            return
        with self.at_now():
            mother.left_care_on = None if reason == "return" else timezone.localdate()
            mother.left_care_reason = "" if reason == "return" else reason
            mother.save()
            mother_changed.send(sender=Mother, mother=mother)

    @rule(days_ago=st.integers(0, 30))
    def an_infant_is_added(self, days_ago):
        mother = self.fresh()
        with self.at_now():
            born = timezone.localdate() - timedelta(days=days_ago)
            if mother.delivery_date is None or mother.delivery_date < born - timedelta(days=270):
                mother.delivery_date = born
                mother.save()
            Infant.objects.create(mother=mother, date_of_birth=born)
            mother_changed.send(sender=Mother, mother=mother)

    @rule()
    def an_infant_dies(self):
        infant = Infant.objects.filter(mother=self.mother, died_on__isnull=True).first()
        if infant:
            with self.at_now():
                infant.died_on = max(infant.date_of_birth, timezone.localdate())
                infant.save()
                mother_changed.send(sender=Mother, mother=self.fresh())

    @rule(weeks_to_go=st.integers(2, 38))
    def a_new_pregnancy(self, weeks_to_go):
        mother = self.fresh()
        with self.at_now():
            mother.due_date = timezone.localdate() + timedelta(weeks=weeks_to_go)
            mother.delivery_date = None
            mother.save()
            mother_changed.send(sender=Mother, mother=mother)

    @rule()
    def clinician_cancels_a_follow_up(self):
        row = FollowUp.objects.filter(mother=self.mother, status__in=PENDING_FOLLOW_UP).first()
        if row:
            with self.at_now():
                followups.cancel(row, note="test", actor=self.clinician)

    @rule(days=st.sampled_from([0, 1, 3, 7, 15, 40, 100]), hours=st.integers(0, 23))
    def time_passes_and_the_dispatcher_runs(self, days, hours):
        self.now += timedelta(days=days, hours=hours)
        with self.at_now():
            dispatch.dispatch(self.now)
            alerts.sweep(self.now)

    @invariant()
    def no_mother_at_risk_is_on_no_live_path(self):
        if not hasattr(self, "mother"):
            return
        gaps = care.care_gaps(self.clinic)
        assert not gaps.exists(), care.describe_gap(gaps.get())


@pytest.mark.django_db
def test_no_sequence_of_events_leaves_a_mother_at_risk_on_no_live_path():
    run_state_machine_as_test(
        CareGapMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_the_machine_can_see_a_gap(db, clinic_a, clinician, front_desk):
    """The invariant is not empty: a mother at risk whose only path is removed behind the services'
    back is found, with why."""
    mother = make_mother(clinic_a, front_desk)
    with time_machine.travel(date(2026, 6, 1)):
        from ..conftest import enter_epds

        enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk)  # positive, no self-harm
    assert not care.care_gaps(clinic_a).exists()
    mother.screenings.update(reviewed_at=timezone.now())
    FollowUp.objects.filter(mother=mother).delete()
    assert list(care.care_gaps(clinic_a)) == [mother]
    assert "at risk since" in care.describe_gap(mother)
