"""One test per hole through which a mother at risk used to drop off every list (issue 11): her link
and the staff form, each answered once however it reaches her."""

import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from referrals import dispatch, services
from referrals.models import Alert, FollowUp, ReferralSettings
from screening import invitations
from screening.models import Invitation, Screening

from ..conftest import clinic_today, make_mother, send_form

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # 1, item 10 "Hardly ever"


@pytest.fixture
def epds_online(clinic_a):
    clinic_a.epds_online_permission = True
    clinic_a.save()


def test_staff_cannot_send_the_same_questionnaire_twice(login, mother, front_desk, epds_online):
    client = login(front_desk)
    first = client.post(reverse("invite", args=[mother.code]), {"instrument": "EPDS"})
    second = client.post(reverse("invite", args=[mother.code]), {"instrument": "EPDS"})
    assert Invitation.objects.filter(mother=mother).count() == 1
    assert first.url == second.url  # both lead to the one open invitation


def test_the_dispatcher_uses_the_link_staff_already_sent_and_her_answer_completes_the_follow_up(
    mother, front_desk, clinic_a
):
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)
    services.settle(mother)
    due = FollowUp.objects.filter(mother=mother, status="scheduled").order_by("due_on").first()
    staff_link = invitations.create_invitation(
        mother=mother, instrument=invitations.default_instrument(clinic_a), created_by=front_desk
    )
    with time_machine.travel(
        timezone.make_aware(timezone.datetime.combine(due.due_on, timezone.datetime.min.time().replace(hour=16)))
    ):
        dispatch.dispatch()
    due.refresh_from_db()
    assert due.status == "invited" and due.invitation == staff_link
    assert Invitation.objects.filter(mother=mother).count() == 1
    for number in range(1, len(staff_link.instrument.items) + 1):
        invitations.save_answer(staff_link, number, 0)
    send_form(staff_link)
    due.refresh_from_db()
    assert due.status == "completed"


def test_a_screening_completes_the_follow_up_whichever_invitation_carried_it(
    mother, front_desk, clinic_a, after_commit
):
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)
    services.settle(mother)
    due = FollowUp.objects.filter(mother=mother, status="scheduled").order_by("due_on").first()
    with time_machine.travel(
        timezone.make_aware(timezone.datetime.combine(due.due_on, timezone.datetime.min.time().replace(hour=16)))
    ):
        dispatch.dispatch()
    due.refresh_from_db()
    emailed = due.invitation
    tablet = invitations.create_invitation(mother=mother, instrument=emailed.instrument, tablet=True)
    for number in range(1, len(tablet.instrument.items) + 1):
        invitations.save_answer(tablet, number, 0)
    with after_commit():
        send_form(tablet)
    due.refresh_from_db()
    emailed.refresh_from_db()
    assert due.status == "completed" and emailed.status == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_screening_form_store_one_screening_and_one_alert(clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk)
    url = reverse("screening_create", args=[mother.code, "EPDS"])
    form = {"taken_on": clinic_today().isoformat(), "method": "paper", "submission_token": str(mother.code)}
    form.update({f"item_{n}": str(a) for n, a in enumerate(SELF_HARM, start=1)})
    barrier, statuses = threading.Barrier(2), []

    def post():
        client = Client()
        client.force_login(front_desk)
        barrier.wait()
        statuses.append(client.post(url, form).status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Screening.objects.filter(mother=mother).count() == 1
    assert Alert.objects.filter(screening__mother=mother).count() == 1
    replay = Client()
    replay.force_login(front_desk)
    assert replay.post(url, form).status_code == 302
    assert Screening.objects.filter(mother=mother).count() == 1
