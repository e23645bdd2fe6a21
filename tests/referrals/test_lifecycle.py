from itertools import product

import pytest

from referrals import lifecycle, services
from referrals.models import Referral, ReferralEvent, Status

from ..conftest import enter_epds

PROBABLE_EPDS = [1, 1, 1, 2, 1, 1, 2, 2, 2, 3]  # total 13


# The FHIR Task state machine as the referral lifecycle profiles it, written out here on its own:
# the test below holds services.transition (and lifecycle.ALLOWED) to it, not to itself.
SPEC = """
draft        -> requested cancelled entered-in-error
requested    -> accepted rejected cancelled on-hold failed entered-in-error
accepted     -> in-progress on-hold cancelled failed entered-in-error
on-hold      -> requested accepted in-progress cancelled failed entered-in-error
in-progress  -> completed on-hold failed cancelled entered-in-error
rejected     -> entered-in-error
cancelled    -> entered-in-error
failed       -> entered-in-error
completed    -> entered-in-error
"""
ALLOWED_BY_THE_SPEC = {
    (line.split("->")[0].strip(), target)
    for line in SPEC.strip().splitlines()
    for target in line.split("->")[1].split()
}


@pytest.fixture
def referral(mother, clinician):
    screening = enter_epds(mother, PROBABLE_EPDS, clinician)
    return services.create_referral(mother=mother, screening=screening, pathway="mip", actor=clinician)


def put_in(referral, status):
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


@pytest.mark.parametrize("current,target", list(product(Status.values, Status.values)))
def test_every_transition_is_allowed_or_refused_by_the_one_table(referral, clinician, current, target):
    put_in(referral, current)
    events = ReferralEvent.objects.count()
    allowed = (current, target) in ALLOWED_BY_THE_SPEC
    if allowed:
        services.transition(referral, target, actor=clinician, reason="test reason", sessions_attended=4)
        referral.refresh_from_db()
        assert referral.status == target
        event = ReferralEvent.objects.latest("pk")
        assert (event.from_status, event.to_status, event.actor, event.reason) == (
            current,
            target,
            clinician,
            "test reason",
        )
    else:
        with pytest.raises(lifecycle.InvalidTransition, match="cannot become"):
            services.transition(referral, target, actor=clinician, reason="test reason")
        referral.refresh_from_db()
        assert referral.status == current
        assert ReferralEvent.objects.count() == events


@pytest.mark.parametrize("target", sorted(lifecycle.NEEDS_REASON))
def test_ending_or_holding_needs_a_reason(referral, clinician, target):
    with pytest.raises(lifecycle.InvalidTransition, match="Give a reason"):
        services.transition(referral, target, actor=clinician, reason="  ")
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_the_dates_that_matter_are_recorded(referral, clinician):
    assert referral.requested_at is not None
    services.transition(referral, Status.ACCEPTED, actor=clinician)
    services.transition(referral, Status.IN_PROGRESS, actor=clinician)
    services.transition(referral, Status.COMPLETED, actor=clinician, sessions_attended=8, closing_note="Improved")
    referral.refresh_from_db()
    assert referral.accepted_at and referral.first_session_on and referral.ended_at
    assert (referral.sessions_attended, referral.closing_note) == (8, "Improved")
    assert [e.to_status for e in referral.events.all()] == ["requested", "accepted", "in-progress", "completed"]


def test_a_pathway_that_was_not_recommended_needs_a_reason_and_is_recorded(mother, clinician):
    screening = enter_epds(mother, PROBABLE_EPDS, clinician)
    with pytest.raises(lifecycle.InvalidTransition):
        services.create_referral(mother=mother, screening=screening, pathway="psychiatric_evaluation", actor=clinician)
    assert not Referral.objects.exists()
    referral = services.create_referral(
        mother=mother,
        screening=screening,
        pathway="psychiatric_evaluation",
        actor=clinician,
        override_reason="Previous bipolar diagnosis",
    )
    assert referral.was_recommended is False and referral.override_reason == "Previous bipolar diagnosis"
    assert "override" in referral.events.get().reason
    screening.refresh_from_db()
    assert screening.reviewed_at is not None and [d.kind for d in screening.decisions.all()] == ["referred"]
