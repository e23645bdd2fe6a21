import pytest
from django.test import TestCase

from screening import instruments, invitations


@pytest.fixture
def epds_permission(clinic_a):
    clinic_a.epds_online_permission = True
    clinic_a.save()
    return clinic_a


@pytest.fixture
def invited(mother, clinician, epds_permission):
    """An EPDS invitation and the token of its link."""
    invitation = invitations.create_invitation(
        mother=mother, instrument=instruments.EPDS, created_by=clinician, channels=["email", "link"]
    )
    return invitation, invitations.token_for(invitation)


def answer_all(client, token, answers, scored=True):
    """Answers every item and sends the form; then, unless `scored` is False, the worker scores it
    as it would once the request commits (a test's own transaction never commits)."""
    for number, position in enumerate(answers, start=1):
        response = client.post(f"/q/{token}/{number}/", {"answer": str(position)})
        assert response.status_code == 302, response.content[:300]
    with TestCase.captureOnCommitCallbacks(execute=scored):
        return client.post(f"/q/{token}/submit/")
