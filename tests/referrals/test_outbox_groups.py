"""Her links and reminders are marked sent a group to a transaction (outbox.BULK_TOGETHER, issue 32):
one message the server refuses waits alone for its retry while the rest of its group is marked
sent, and a worker killed mid-group sends the group's messages at most once more, never loses one."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
from django.utils import timezone

from referrals import tasks
from referrals.models import ReferralSettings
from screening import instruments, invitations, outbox
from screening import tasks as screening_tasks
from screening.models import Delivery, Invitation

from ..conftest import make_mother
from ..workers import celery_workers, wait_for


class RefusesOne(EmailBackend):
    """Takes every message but those to refused@example.org."""

    def send_messages(self, messages):
        if any("refused@example.org" in m.to for m in messages):
            raise ConnectionRefusedError("the server refused this recipient")
        return super().send_messages(messages)


def links(clinic, staff, emails):
    made = []
    for n, email in enumerate(emails):
        mother = make_mother(clinic, staff, record_number=f"G-{n}", email=email)
        made.append(
            invitations.create_invitation(
                mother=mother, instrument=instruments.PHQ9, created_by=staff, channels=["email", "link"]
            )
        )
    return made


def test_a_refused_message_waits_alone_while_the_rest_of_its_group_is_marked_sent(clinic_a, front_desk):
    emails = [f"mother{n}@example.org" for n in range(4)]
    made = links(clinic_a, front_desk, emails[:2] + ["refused@example.org"] + emails[2:])
    ids = list(Delivery.objects.filter(invitation__in=made).order_by("pk").values_list("pk", flat=True))
    with override_settings(EMAIL_BACKEND="tests.referrals.test_outbox_groups.RefusesOne"):
        assert outbox.send(ids, together=outbox.BULK_TOGETHER) == 4
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(emails)
    refused = Delivery.objects.get(invitation__mother__email="refused@example.org")
    assert (refused.status, refused.attempts) == ("pending", 1) and "refused" in refused.last_error
    assert set(Delivery.objects.exclude(pk=refused.pk).values_list("status", "attempts")) == {("sent", 1)}
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 4  # her link is "sent" once it went
    assert Invitation.objects.get(pk=refused.invitation_id).sent_at is None

    later = refused.next_try_at + timedelta(seconds=1)
    assert outbox.send(ids, later, together=outbox.BULK_TOGETHER) == 1  # the retry sends only hers
    assert len(mail.outbox) == 5 and mail.outbox[-1].to == ["refused@example.org"]
    assert not Delivery.objects.exclude(status="sent").exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_group_sends_its_group_at_most_once_more(broker, clinic_a, front_desk, tmp_path):
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)  # the sweep sends now
    made = links(clinic_a, front_desk, [f"mother{n}@example.org" for n in range(6)])
    Delivery.objects.update(created_at=timezone.now() - timedelta(minutes=3))  # old enough for the sweep
    marks = [invitations.link_for(i) for i in made]
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    with celery_workers(tmp_path, names=("w1",), slow_email=1.0, accepted_first=True) as workers:
        screening_tasks.send_deliveries.apply_async(
            (ids, outbox.BULK_TOGETHER), {"clinic_id": clinic_a.pk}, queue=outbox.BULK_QUEUE
        )
        assert wait_for(lambda: workers.sends_started() >= 3, seconds=30)
        workers.kill(workers.processes[0])  # three emails written, none of the group marked sent yet
        assert not Delivery.objects.filter(status="sent").exists()
        workers.start("w2")
        tasks.send_waiting_messages.delay()  # beat's next run
        assert wait_for(lambda: not Delivery.objects.exclude(status="sent").exists(), seconds=60)
    sent = workers.sent()
    copies = sorted(sent.count(mark) // 2 for mark in marks)  # an email carries her link twice: text and HTML
    assert copies == [1, 1, 1, 2, 2, 2]  # the three in flight when the worker died went twice, no more
