"""Each clinic's own time (issue 14): staff pages, the mother's online date and the dispatcher use
the clinic's date, not the server's UTC one."""

from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse

from referrals import dispatch, services
from referrals.models import FollowUp, ReferralSettings
from screening import instruments, invitations
from screening.models import Clinic, Screening

from ..conftest import make_mother, make_staff, second_factor

# 20:00 UTC on 1 June is already 2 June, 08:00 in Auckland, and still 1 June, 16:00 in New York.
EVENING_UTC = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)


def test_staff_of_a_clinic_ahead_of_utc_can_enter_todays_date(login, clinic_a, front_desk):
    Clinic.objects.filter(pk=clinic_a.pk).update(time_zone="Pacific/Auckland")
    mother = make_mother(clinic_a, front_desk)
    data = {"taken_on": "2026-06-02", "method": "paper", "submission_token": str(mother.code)}
    data.update({f"item_{n}": "0" for n in range(1, 10)})
    with time_machine.travel(EVENING_UTC, tick=False):
        client = login(front_desk)
        form = client.get(reverse("screening_create", args=[mother.code, "PHQ-9"])).content.decode()
        assert 'value="2026-06-02"' in form  # today, in Auckland
        response = client.post(reverse("screening_create", args=[mother.code, "PHQ-9"]), data)
    assert response.status_code == 302 and Screening.objects.get().taken_on == date(2026, 6, 2)


def test_an_online_screening_in_a_us_evening_is_dated_that_evening_not_tomorrow(client, mother):
    invitation = invitations.create_invitation(mother=mother, instrument=instruments.PHQ2)
    token = invitations.token_for(invitation)
    late_evening_ny = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)  # 22:00 on 1 June in New York
    with time_machine.travel(late_evening_ny, tick=False):
        for number in (1, 2):
            client.post(f"/q/{token}/{number}/", {"answer": "0"})
        client.post(f"/q/{token}/submit/")
    assert Screening.objects.get().taken_on == date(2026, 6, 1)


def test_the_dispatcher_invites_by_each_clinics_own_date(clinic_a, front_desk):
    auckland = Clinic.objects.create(name="Clinic NZ", time_zone="Pacific/Auckland")
    desk_nz = make_staff("nz", auckland, "front_desk")
    for clinic in (clinic_a, auckland):
        ReferralSettings.objects.create(clinic=clinic, send_from_hour=0, send_until_hour=24)
    rows = {}
    for clinic, staff, record in ((clinic_a, front_desk, "NY-1"), (auckland, desk_nz, "NZ-1")):
        mother = make_mother(clinic, staff, record_number=record)
        services.settle(mother)
        row = FollowUp.objects.filter(mother=mother, status="scheduled").first()
        FollowUp.objects.filter(pk=row.pk).update(due_on=date(2026, 6, 2))
        rows[record] = row.pk
    with time_machine.travel(EVENING_UTC, tick=False):
        dispatch.dispatch()
    assert FollowUp.objects.get(pk=rows["NZ-1"]).status == "invited"  # already 2 June there
    assert FollowUp.objects.get(pk=rows["NY-1"]).status == "scheduled"  # still 1 June there


def test_her_invitation_email_gives_the_expiry_date_in_her_clinics_time(mother, clinic_a):
    from django.core import mail

    Clinic.objects.filter(pk=clinic_a.pk).update(time_zone="Pacific/Auckland")
    with time_machine.travel(datetime(2026, 6, 1, 16, 0, tzinfo=UTC), tick=False):  # 04:00 on 2 June there
        invitation = invitations.create_invitation(
            mother=mother, instrument=instruments.PHQ9, channels=["email", "link"]
        )
        mail.outbox.clear()
        invitations.send_invitation(invitation.pk)
    (message,) = mail.outbox
    assert "works until June 16, 2026" in message.body  # 14 days on, in Auckland; 15 June in UTC


def test_the_audit_log_shows_clinic_time_on_the_page_and_in_the_admin_site(login, clinic_a, clinic_admin, client):
    from django.contrib.auth import get_user_model

    from screening import audit
    from screening.models import AuditEntry

    Clinic.objects.filter(pk=clinic_a.pk).update(time_zone="America/New_York")
    clinic_a.refresh_from_db()
    with time_machine.travel(datetime(2026, 6, 2, 2, 30, tzinfo=UTC), tick=False):  # 22:30 on 1 June there
        audit.record(clinic_admin, clinic_a, AuditEntry.Action.VIEW, clinic_a, "looked")
    page = login(clinic_admin).get(reverse("audit_log")).content.decode()
    assert "2026-06-01 22:30 EDT" in page and "America/New_York" in page
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-for-the-admin-2026")
    second_factor(client, root)
    admin_page = client.get(reverse("admin:screening_auditentry_changelist")).content.decode()
    assert "2026-06-01 22:30 EDT" in admin_page
