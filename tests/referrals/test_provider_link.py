"""The receiving provider closes the loop through a private link (issue 16): what they see, each
step through the referral's lifecycle, the audit, and the link as a capability under attack."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from referrals import provider_links, services
from referrals.models import Provider, ProviderLink, Referral, ReferralEvent, Status
from referrals.reports import cascade
from referrals.reports.base import Filters
from screening.models import AuditEntry

from ..conftest import clinic_today, enter_epds, send_messages

POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]  # 14, no self-harm answer


@pytest.fixture
def referral(mother, clinician, front_desk, clinic_a):
    mother.phone, mother.preferred_language = "+15555550123", "es"
    mother.save()
    provider = Provider.objects.create(
        clinic=clinic_a, name="Harbor Therapy", pathways=["cbt"], contact="front desk", referral_email="in@harbor.test"
    )
    screening = enter_epds(mother, POSITIVE, front_desk)
    return services.create_referral(
        mother=mother, pathway="cbt", actor=clinician, screening=screening, provider=provider, note="Low mood, sleep"
    )


@pytest.fixture
def staff(login, clinician):
    return login(clinician)


def make_link(staff, referral, send=None):
    data = {"send": send} if send else {}
    response = staff.post(reverse("provider_link_make", args=[referral.code]), data)
    assert response.status_code == 302
    link = ProviderLink.objects.filter(referral=referral).latest("pk")
    return link, provider_links.token_for(link)


def page(client, token):
    return client.get(reverse("provider_referral", args=[token]))


def step(client, token, name, **data):
    return client.post(reverse("provider_step", args=[token, name]), {f"{name}-{k}": v for k, v in data.items()})


def test_the_email_carries_the_link_and_no_health_data(staff, referral, mother):
    link, token = make_link(staff, referral, send="email")
    assert not mail.outbox and ProviderLink.objects.get(pk=link.pk).sent_at is None  # sent after commit
    assert send_messages(kind="provider") == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    body = message.body + message.alternatives[0][0]
    assert message.to == ["in@harbor.test"] and token in body
    for private in (mother.given_name, mother.family_name, "EPDS", str(referral.screening.total), "cbt", "Low mood"):
        assert private not in message.subject + re.sub(r"https?://\S+", "", body)
    assert ProviderLink.objects.get(pk=link.pk).sent_to == "in@harbor.test"


def test_the_token_is_192_bits_and_only_its_hash_is_stored(staff, referral):
    link, token = make_link(staff, referral)
    assert len(token) == 32  # 24 bytes, base64
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ProviderLink.objects.filter(pk=link.pk).values().get())


def test_the_provider_sees_the_minimum_necessary(client, staff, referral, mother):
    _link, token = make_link(staff, referral)
    response = page(client, token)
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    total = f"EPDS total {referral.screening.total}"
    for shown in (mother.full_name, "+15555550123", "maria@example.org", "Spanish", total, "Low mood, sleep"):
        assert shown in text
    assert mother.record_number not in text
    first_item = referral.screening.instrument.items[0].text
    assert first_item not in text  # her answers only if the clinic shares them
    assert "Accept the referral" in text and "Decline" in text
    referral.clinic.share_answers_with_providers = True
    referral.clinic.save()
    assert first_item in page(client, token).content.decode()


def test_accept_book_attend_and_discharge_each_move_the_referral_and_are_audited(client, staff, referral):
    _link, token = make_link(staff, referral)
    assert step(client, token, "accept").status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED
    day = clinic_today() + timedelta(days=3)
    step(client, token, "appointment", on=day.isoformat())
    assert Referral.objects.get(pk=referral.pk).appointment_on == day
    step(client, token, "attended", on=clinic_today().isoformat())
    seen = Referral.objects.get(pk=referral.pk)
    assert seen.status == Status.IN_PROGRESS and seen.first_session_on == clinic_today()
    assert seen.contact_confirmed_by_provider
    today = clinic_today()
    cascade_rows = {str(r[0]): r[1] for r in cascade.cascade(Filters([referral.clinic_id], today, today)).rows}
    assert cascade_rows["First contact confirmed"] == 1
    assert cascade_rows["of which confirmed by the provider through their link"] == 1
    step(client, token, "discharge", on=clinic_today().isoformat(), note="Eight sessions; much better")
    done = Referral.objects.get(pk=referral.pk)
    assert done.status == Status.COMPLETED and done.closing_note == "Eight sessions; much better"
    events = ReferralEvent.objects.filter(referral=referral, by_provider=True)
    assert [e.to_status for e in events] == [Status.ACCEPTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED]
    audited = AuditEntry.objects.filter(object_code=referral.code, actor=None).order_by("pk")
    assert [a.summary.split(" (")[0] for a in audited] == [
        "requested -> accepted",
        f"First appointment booked for {date_format(day)}",
        "accepted -> in-progress",
        "in-progress -> completed",
    ]
    assert all(a.summary.endswith("(provider via link)") for a in audited)
    # the clinic sees it at once, with who did it
    detail = staff.get(reverse("referral_detail", args=[referral.code])).content.decode()
    assert "provider via link" in detail and "confirmed by the provider" in detail
    closed = page(client, token)
    assert closed.status_code == 410 and "This referral is closed" in closed.content.decode()


@pytest.mark.parametrize(
    "ending", [Status.REJECTED, Status.COMPLETED, Status.CANCELLED, Status.FAILED, Status.ENTERED_IN_ERROR]
)
def test_the_link_ends_with_the_referral_showing_nothing_about_her_and_doing_nothing(
    client, staff, referral, mother, clinician, ending
):
    _link, token = make_link(staff, referral)
    assert mother.family_name in page(client, token).content.decode()
    Referral.objects.filter(pk=referral.pk).update(status=ending)
    shown = page(client, token)
    body = shown.content.decode()
    assert shown.status_code == 410 and "This referral is closed" in body
    for private in (mother.family_name, mother.given_name, str(mother.date_of_birth.year), mother.phone, "Low mood"):
        assert private not in body
    events = ReferralEvent.objects.filter(referral=referral).count()
    assert step(client, token, "accept").status_code == 410
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    assert Referral.objects.get(pk=referral.pk).status == ending


def test_declining_needs_a_reason_and_keeps_what_was_typed(client, staff, referral):
    _link, token = make_link(staff, referral)
    response = step(client, token, "decline", reason="")
    assert response.status_code == 400 and Referral.objects.get(pk=referral.pk).status == Status.REQUESTED
    step(client, token, "decline", reason="No openings until March")
    event = ReferralEvent.objects.filter(referral=referral).latest("pk")
    assert event.to_status == Status.REJECTED and event.reason == "No openings until March" and event.by_provider


def test_a_missed_appointment_is_written_down_and_frees_the_booking(client, staff, referral):
    _link, token = make_link(staff, referral)
    step(client, token, "accept")
    step(client, token, "appointment", on=(clinic_today() + timedelta(days=1)).isoformat())
    step(client, token, "missed")
    referral.refresh_from_db()
    assert referral.appointment_on is None and referral.status == Status.ACCEPTED
    assert "did not come" in ReferralEvent.objects.filter(referral=referral).latest("pk").note


@pytest.mark.parametrize(
    "name,data",
    [
        ("appointment", {"on": "0001-01-01"}),
        ("appointment", {"on": "not a date"}),
        ("attended", {"on": "2999-01-01"}),
        ("discharge", {"on": "2026-01-01", "note": "x" * 5000}),
        ("accept\x00", {}),
        ("../admin", {}),
    ],
)
def test_hostile_input_gets_a_message_never_a_server_error(client, staff, referral, name, data):
    _link, token = make_link(staff, referral)
    step(client, token, "accept")
    response = client.post(f"/p/{token}/{name}/", {f"{name}-{k}": v for k, v in data.items()})
    assert response.status_code in (400, 404)
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


def test_a_step_out_of_order_changes_nothing(client, staff, referral):
    _link, token = make_link(staff, referral)
    response = step(client, token, "discharge", on=clinic_today().isoformat(), note="done")
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == Status.REQUESTED
    assert "no longer open" in client.get(response["Location"]).content.decode()


def test_a_new_link_replaces_the_old_and_a_withdrawn_or_expired_link_opens_nothing(client, staff, referral):
    _first, old = make_link(staff, referral)
    link, token = make_link(staff, referral)
    assert page(client, old).status_code == 404 and page(client, token).status_code == 200
    staff.post(reverse("provider_link_revoke", args=[referral.code]))
    assert page(client, token).status_code == 404
    _link, fresh = make_link(staff, referral)
    ProviderLink.objects.filter(token_hash=hashlib.sha256(fresh.encode()).hexdigest()).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert page(client, fresh).status_code == 404


@override_settings(ONLINE_MISSES_PER_MINUTE="5/m")
def test_guessing_links_is_limited(client, db):
    codes = [page(client, f"guess-{n}-aaaaaaaaaaaaaaaaaaaaaa").status_code for n in range(8)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429] * 3


def test_another_clinics_staff_cannot_make_or_read_links(login, outsider, staff, referral):
    other = login(outsider)
    assert other.post(reverse("provider_link_make", args=[referral.code])).status_code == 404
    assert other.get(reverse("referral_letter", args=[referral.code])).status_code == 404
    assert not ProviderLink.objects.exists()


def test_the_letter_holds_the_link_and_what_the_provider_needs(staff, referral, mother):
    make_link(staff, referral)
    letter = staff.get(reverse("referral_letter", args=[referral.code])).content.decode()
    link = ProviderLink.objects.get(referral=referral)
    assert provider_links.url_for(link) in letter
    assert mother.full_name in letter and f"EPDS total {referral.screening.total}" in letter
    assert "Harbor Therapy" in letter
    assert "self-harm answers not yet acknowledged" not in letter
