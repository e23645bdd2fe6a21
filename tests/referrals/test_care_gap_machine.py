"""No mother falls through, in time (design rules 11 and 15), proven over random sequences of
domain events.

The machine drives the real services on PostgreSQL: staff and online screens of every instrument
and every answer combination hypothesis picks (so every risk level, self-harm and severe anxiety),
forms left half answered (a self-harm answer saved and never sent), decisions of every kind,
referrals through every lifecycle transition, acknowledgements, concerns marked and closed, opt-out
and return, infants added, a new pregnancy, follow-ups cancelled and rescheduled by each role (with
and without a recorded reason), the clinic's intervals changed within their bounds, a transfer to
another clinic, mothers with and without a channel for her link and staff handing it over, and
time passing with the dispatcher and the alert sweep running, or with them stopped.

The invariant is temporal. After every step (and after a screen, also in the moment between its
commit and the settling of her schedule that the commit queues), every mother at risk either has a
path that acts before her deadline, read here in Python from her rows independently of the SQL in
referrals.care, or is on her clinic's worklist saying what to do; and `care.care_gaps()` agrees
with that reading. CARE_GAP_EXAMPLES sets how many sequences are tried (200 by default)."""

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

from referrals import (
    alerts,
    care,
    clinician_concerns,
    concerns,
    dispatch,
    followups,
    lifecycle,
    pathways,
    services,
    worklist,
    worklist_store,
)
from referrals.deadlines import BOUNDS
from referrals.models import (
    PENDING_FOLLOW_UP,
    Alert,
    ConcernClosed,
    DecisionKind,
    FollowUp,
    Referral,
    ReferralSettings,
    WorklistEntry,
)
from screening import instruments, invitations, submissions, transfers
from screening.models import Clinic, Infant, Method, Mother, Role
from screening.services import record_screening
from screening.signals import mother_changed

from ..conftest import clinic_today, enter_epds, make_mother, make_staff
from .reaching import reached_in_time

EXAMPLES = int(os.environ.get("CARE_GAP_EXAMPLES", "200"))
START = timezone.make_aware(timezone.datetime(2026, 6, 1, 15, 0))
INSTRUMENTS = [instruments.EPDS, instruments.PHQ9, instruments.PHQ2, instruments.GAD7]
AT_RISK = {  # EPDS answers, as positions
    "possible": [3, 3, 0, 3, 3, 3, 3, 3, 3, 3],
    "high": [3, 3, 0, 3, 0, 0, 0, 0, 0, 3],
    "self_harm": [0, 0, 3, 0, 3, 3, 3, 3, 3, 2],
}


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
        self.other_clinic = Clinic.objects.create(
            name=f"Other {id(self)}-{timezone.now().timestamp()}", epds_online_permission=True
        )
        suffix = f"{id(self)}{Clinic.objects.count()}"
        self.clinician = make_staff(f"clin{suffix}", self.clinic, Role.CLINICIAN)
        self.front_desk = make_staff(f"desk{suffix}", self.clinic, Role.FRONT_DESK)
        self.events = []
        self.clinics_she_was_in = {self.clinic}

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def at_now(self):
        return time_machine.travel(self.now, tick=False)

    @initialize(
        # past the routine visits as often as not: then nothing but her risk keeps a screen coming
        delivered_days_ago=st.one_of(st.none(), st.integers(0, 400), st.integers(220, 400)),
        consent=st.booleans(),
        first=st.sampled_from([None, *AT_RISK]),
    )
    def register(self, delivered_days_ago, consent, first):
        """Half the mothers start at risk, so that most sequences test what keeps her on a path."""
        with self.at_now():
            self.mother = make_mother(
                self.clinic, self.front_desk, delivered_days_ago=delivered_days_ago, email_consent=consent
            )
            mother_changed.send(sender=Mother, mother=self.mother)
            if first:
                with self.committed():
                    record_screening(
                        mother=self.fresh(),
                        instrument=instruments.EPDS,
                        answers=AT_RISK[first],
                        taken_on=clinic_today(),
                        method=Method.PAPER,
                        entered_by=self.front_desk,
                    )

    @contextmanager
    def committed(self):
        """The step's commit, then each moment before what was queued runs (her form not yet scored,
        her schedule unsettled), then what was queued, as the worker would run it, until nothing is."""
        with TestCase.captureOnCommitCallbacks() as queued:
            yield
        while queued:
            self.every_mother_at_risk_is_reached_in_time_or_on_the_worklist_saying_what_to_do()
            with TestCase.captureOnCommitCallbacks() as more:
                for callback in queued:
                    callback()
            queued = more

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
                taken_on=clinic_today(),
                method=method,
                entered_by=self.front_desk,
            )

    def answered_link(self, instrument, answers, tablet=False):
        try:
            invitation = invitations.create_invitation(mother=self.fresh(), instrument=instrument, tablet=tablet)
        except invitations.AlreadyOpen as held:
            invitation = held.invitation
        for number, position in enumerate(answers, start=1):
            invitation = invitations.save_answer(invitation, number, position)
        return invitation

    @rule(screen=screens, tablet=st.booleans())
    def mother_answers_online(self, screen, tablet):
        with self.at_now(), self.committed():
            submissions.accept(self.answered_link(*screen, tablet=tablet), "en")

    @rule(screen=screens)
    def mother_sends_a_form_whose_scoring_task_is_lost(self, screen):
        """A broker outage or a killed worker: only the sweep will score it."""
        with self.at_now(), TestCase.captureOnCommitCallbacks():  # what it queued is dropped
            submissions.accept(self.answered_link(*screen), "en")

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
            try:
                services.record_decision(mother, screening=screening, kind=kind, note="", actor=self.clinician)
            except services.CannotDecide:
                pass

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
            clinician_concerns.mark(self.fresh(), note="Seems withdrawn", actor=self.clinician, urgent=urgent)

    @rule(reason=st.sampled_from(["opted_out", "discharged", "return"]))
    def she_leaves_or_returns(self, reason):
        mother = self.fresh()
        if (reason == "return") == mother.in_care:
            return
        with self.at_now():
            mother.left_care_on = None if reason == "return" else clinic_today()
            mother.left_care_reason = "" if reason == "return" else reason
            mother.save()
            mother_changed.send(sender=Mother, mother=mother)

    @rule(days_ago=st.integers(0, 30))
    def an_infant_is_added(self, days_ago):
        mother = self.fresh()
        with self.at_now():
            born = clinic_today() - timedelta(days=days_ago)
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
                infant.died_on = max(infant.date_of_birth, clinic_today())
                infant.save()
                mother_changed.send(sender=Mother, mother=self.fresh())

    @rule(weeks_to_go=st.integers(2, 38))
    def a_new_pregnancy(self, weeks_to_go):
        mother = self.fresh()
        with self.at_now():
            mother.due_date = clinic_today() + timedelta(weeks=weeks_to_go)
            mother.delivery_date = None
            mother.save()
            mother_changed.send(sender=Mother, mother=mother)

    @rule()
    def clinician_cancels_a_follow_up(self):
        row = FollowUp.objects.filter(mother=self.mother, status__in=PENDING_FOLLOW_UP).first()
        if row:
            with self.at_now():
                followups.cancel(row, note="test", actor=self.clinician)

    @rule(days=st.sampled_from([0, 1, 3, 7, 15, 40, 100]), hours=st.integers(0, 23), sender_runs=st.booleans())
    def time_passes(self, days, hours, sender_runs):
        """With the dispatcher and the alert sweep running, or stopped (beat or the workers down)."""
        self.now += timedelta(days=days, hours=hours)
        if sender_runs:
            with self.at_now():
                with self.committed():
                    submissions.score_waiting()
                dispatch.dispatch(self.now)
                alerts.sweep(self.now)

    @rule(
        role=st.sampled_from(["front_desk", "clinician"]),
        days_ahead=st.sampled_from([0, 3, 10, 20, 60, 5 * 365]),
        reason=st.booleans(),
    )
    def someone_reschedules_a_follow_up(self, role, days_ahead, reason):
        row = FollowUp.objects.filter(mother=self.mother, status="scheduled").order_by("?").first()
        if row:
            with self.at_now():
                try:
                    followups.reschedule(
                        row,
                        clinic_today() + timedelta(days=days_ahead),
                        "test",
                        getattr(self, role),
                        sees_scores=role == "clinician",
                        deferral="Seen weekly at home" if reason else "",
                    )
                except followups.CannotReschedule:
                    pass

    @rule(
        safety=st.integers(BOUNDS["safety_follow_up_days"].least, BOUNDS["safety_follow_up_days"].most),
        rescreen=st.integers(BOUNDS["rescreen_after_days"].least, BOUNDS["rescreen_after_days"].most),
        overdue=st.integers(BOUNDS["overdue_after_days"].least, BOUNDS["overdue_after_days"].most),
    )
    def the_clinic_changes_its_intervals(self, safety, rescreen, overdue):
        ReferralSettings.objects.update_or_create(
            clinic=self.mother.clinic,
            defaults={"safety_follow_up_days": safety, "rescreen_after_days": rescreen, "overdue_after_days": overdue},
        )

    @rule()
    def she_moves_to_the_other_clinic(self):
        mother = self.fresh()
        target = self.other_clinic if mother.clinic_id == self.clinic.pk else self.clinic
        with self.at_now():
            transfers.transfer(mother, target, actor=self.clinician)
        self.clinics_she_was_in.add(target)

    @rule(consent=st.booleans())
    def she_changes_her_email_consent(self, consent):
        Mother.objects.filter(pk=self.mother.pk).update(email_consent=consent)

    @rule()
    def staff_hand_over_her_link(self):
        row = FollowUp.objects.filter(mother=self.mother, status="invited", invitation__isnull=False).first()
        if row:
            with self.at_now():
                invitations.hand_over(row.invitation, self.front_desk)

    @invariant()
    def every_mother_at_risk_is_reached_in_time_or_on_the_worklist_saying_what_to_do(self):
        if not hasattr(self, "mother"):
            return
        mother = self.fresh()
        reached = reached_in_time(mother, self.now)
        in_gap = care.care_gaps(mother.clinic, self.now).filter(pk=mother.pk).exists()
        assert in_gap == (reached is False), (
            f"the SQL rule and her rows disagree: {reached}; {care.describe_gap(mother)}"
        )
        if reached is False:
            limits = ReferralSettings.for_clinic(mother.clinic)
            worklist_store.refresh(mother.clinic, self.now)  # as the page does before it reads
            entry = WorklistEntry.objects.filter(mother=mother, clinic=mother.clinic, listed=True).first()
            assert entry is not None, (
                f"at risk, reached by nothing, and not on the worklist: {care.describe_gap(mother)}"
            )
            row = worklist.Row.stored(mother, entry, limits, self.now)  # as the page shows her
            assert row.gap and row.gap.what_to_do, "on the worklist without saying what to do"

    @invariant()
    def the_stored_worklist_is_the_rule_computed_from_scratch(self):
        if not hasattr(self, "mother"):
            return
        for clinic in self.clinics_she_was_in:  # the others have never held a row of hers
            assert worklist_store.differences(clinic, self.now) == [], "the stored worklist differs from the rule"


@pytest.mark.django_db
def test_no_sequence_of_events_leaves_a_mother_at_risk_on_no_live_path():
    run_state_machine_as_test(
        CareGapMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=16,
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
        enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk)  # positive, no self-harm
    assert not care.care_gaps(clinic_a).exists()
    mother.screenings.update(reviewed_at=timezone.now())
    FollowUp.objects.filter(mother=mother).delete()
    assert list(care.care_gaps(clinic_a)) == [mother]
    assert "at risk since" in care.describe_gap(mother)
