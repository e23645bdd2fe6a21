import re

from django.urls import reverse

from screening.models import AuditEntry, Membership, Screening, ThresholdSet, User

from ..conftest import enter_epds, send_messages


def settings_post(**overrides):
    data = {"clinic-time_zone": "America/Chicago", "clinic-epds_online_permission": "on"}
    for context in ("antenatal", "postnatal"):
        data.update(
            {
                f"{context}-epds_possible": "10",
                f"{context}-epds_probable": "13",
                f"{context}-epds_high": "15",
                f"{context}-epds_anxiety": "6",
                f"{context}-phq9_probable": "10",
                f"{context}-phq9_high": "15",
                f"{context}-phq2_positive": "3",
                f"{context}-gad7_anxiety": "10",
            }
        )
    data.update(overrides)
    return data


def test_admin_changes_a_cut_off_which_applies_to_new_screenings_and_is_audited(
    login, clinic_admin, clinic_a, mother, front_desk
):
    page = login(clinic_admin).get(reverse("clinic_settings")).content.decode()
    assert "0.81 / 0.88 at 11 or more" in page
    response = login(clinic_admin).post(reverse("clinic_settings"), settings_post(**{"postnatal-epds_possible": "11"}))
    assert response.status_code == 302
    assert ThresholdSet.objects.get(clinic=clinic_a, context="postnatal").epds_possible == 11
    clinic_a.refresh_from_db()
    assert clinic_a.epds_online_permission is True
    assert AuditEntry.objects.filter(action="update", object_type="Clinic", actor=clinic_admin).exists()
    assert ThresholdSet.history.filter(epds_possible=11, history_user=clinic_admin).exists()
    screening = enter_epds(mother, [1, 1, 1, 1, 2, 2, 2, 1, 3, 3], front_desk)  # total 10
    assert (screening.risk_level, screening.thresholds["epds_possible"]) == ("low", 11)


def test_out_of_order_cut_offs_are_refused(login, clinic_admin, clinic_a):
    response = login(clinic_admin).post(
        reverse("clinic_settings"), settings_post(**{"postnatal-epds_probable": "16", "postnatal-gad7_anxiety": "40"})
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "at or above the one before it" in body and "The most this can be is 15" in body
    assert not ThresholdSet.objects.exists()


def test_admin_adds_a_colleague_changes_her_role_and_removes_her(login, clinic_admin, clinic_a):
    client = login(clinic_admin)
    client.post(
        reverse("staff_add"),
        {
            "first_name": "Dora",
            "last_name": "Diaz",
            "email": "",
            "role": "front_desk",
            "password": "another-strong-pass-1",
        },
    )
    membership = Membership.objects.get(user__first_name="Dora", clinic=clinic_a)
    assert re.fullmatch(r"dora\.diaz\.\d{4}", membership.user.username)
    assert membership.role == "front_desk"
    client.post(reverse("staff_role", args=[membership.pk]), {"role": "clinician"})
    membership.refresh_from_db()
    assert membership.role == "clinician"
    asked = client.post(reverse("staff_deactivate", args=[membership.pk]))
    assert f"Deactivate {membership.user.username}?" in asked.content.decode()  # asked first: nothing changed
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(reverse("staff_deactivate", args=[membership.pk]), {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()  # gone for sign-in and access
    assert Membership.all_objects.filter(pk=membership.pk, active=False).exists()  # kept, her name too
    assert login(membership.user).get(reverse("worklist")).status_code != 200
    client.post(reverse("staff_reactivate", args=[membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(summary__startswith=f"staff {membership.user.username}").count() == 4


def test_the_add_staff_form_never_tells_which_usernames_exist_elsewhere(login, clinic_admin, outsider):
    """The admin cannot type a username, so a taken one elsewhere can never be probed; a weak
    password is still refused."""
    client = login(clinic_admin)
    same_name = {"first_name": outsider.first_name or "Carl", "last_name": outsider.last_name or "Outsider"}
    weak = client.post(reverse("staff_add"), {"username": outsider.username, "role": "clinician", "password": "1"})
    body = weak.content.decode()
    assert "too short" in body and "already exists" not in body and 'name="username"' not in body
    strong = {"username": outsider.username, "role": "clinician", "password": "another-strong-pass-1", **same_name}
    client.post(reverse("staff_add"), strong)
    added = Membership.objects.get(clinic__name="Clinic A", role="clinician", user__first_name=same_name["first_name"])
    assert added.user != outsider and added.user.username != outsider.username
    assert not Membership.objects.filter(user=outsider, clinic__name="Clinic A").exists()


def test_admin_cannot_change_staff_of_another_clinic_or_themselves(login, clinic_admin, outsider):
    client = login(clinic_admin)
    assert (
        client.post(reverse("staff_role", args=[outsider.memberships.get().pk]), {"role": "front_desk"}).status_code
        == 404
    )
    own = clinic_admin.memberships.get()
    deactivate_self = client.post(reverse("staff_deactivate", args=[own.pk]), {"confirmed": "yes"})
    assert deactivate_self.status_code == 403
    assert User.objects.filter(pk=outsider.pk).exists() and Membership.objects.filter(pk=own.pk).exists()


def test_audit_log_shows_only_this_clinics_entries(login, clinic_admin, clinician, outsider, screening, clinic_b):
    from ..conftest import make_mother

    login(clinician).get(reverse("screening_detail", args=[screening.code]))
    other = make_mother(clinic_b, outsider, record_number="B-SECRET")
    login(outsider).get(reverse("mother_detail", args=[other.code]))
    page = login(clinic_admin).get(reverse("audit_log")).content.decode()
    assert "alice" in page and "viewed" in page and "B-SECRET" not in page


def test_audit_entries_cannot_be_changed_or_deleted(clinician, clinic_a, screening):
    import pytest
    from django.db import connection, transaction

    entry = AuditEntry.objects.first()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE screening_auditentry SET summary = 'rewritten'")
    assert Screening.objects.count() == 1


def test_a_colleague_picks_her_own_password_at_her_first_sign_in(login, clinic_admin, client):
    login(clinic_admin).post(
        reverse("staff_add"),
        {"first_name": "Ema", "last_name": "Ruiz", "role": "clinician", "password": "admin-chosen-pass-1"},
    )
    ema = User.objects.get(first_name="Ema")
    client.force_login(ema)
    assert client.get(reverse("worklist"))["Location"] == reverse("password_change")
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "her-own-pass-2026", "new_password2": "her-own-pass-2026"},
    )
    assert wrong.status_code == 200 and User.objects.get(pk=ema.pk).must_change_password
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": "admin-chosen-pass-1",
            "new_password1": "her-own-pass-2026",
            "new_password2": "her-own-pass-2026",
        },
    )
    assert changed.status_code == 302 and not User.objects.get(pk=ema.pk).must_change_password
    assert client.get(reverse("worklist")).status_code == 200
    assert User.objects.get(pk=ema.pk).check_password("her-own-pass-2026")


def test_an_admin_unlocks_a_locked_out_colleague(login, clinic_admin, clinician, client):
    from django.conf import settings

    from ..conftest import PASSWORD

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": clinician.username, "password": "wrong"})
    assert client.post(reverse("login"), {"username": clinician.username, "password": PASSWORD}).status_code == 429
    admin = login(clinic_admin)
    listing = admin.get(reverse("staff_list")).content.decode()
    assert "Locked out" in listing
    membership = clinician.memberships.get()
    admin.post(reverse("staff_unlock", args=[membership.pk]))
    assert "Locked out" not in admin.get(reverse("staff_list")).content.decode()
    assert client.post(reverse("login"), {"username": clinician.username, "password": PASSWORD}).status_code == 302
    assert AuditEntry.objects.filter(summary=f"staff {clinician.username}: unlocked").exists()


def test_an_admin_emails_a_one_time_reset_link(login, clinic_admin, clinician, client, outsider):
    import re

    from django.core import mail

    admin = login(clinic_admin)
    admin.post(reverse("staff_reset", args=[clinician.memberships.get().pk]))
    assert not mail.outbox  # written to the outbox; the token is made when it goes
    assert 'data-password-link="pending"' in admin.get(reverse("staff_list")).content.decode()
    assert send_messages(kind="password") == 1
    assert 'data-password-link="sent"' in admin.get(reverse("staff_list")).content.decode()
    (message,) = mail.outbox
    assert message.to == [clinician.email]
    path = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    new = {"new_password1": "a-fresh-secret-2026", "new_password2": "a-fresh-secret-2026"}
    client.post(form.redirect_chain[-1][0] if form.redirect_chain else path, new)
    assert User.objects.get(pk=clinician.pk).check_password("a-fresh-secret-2026")
    again = client.get(path, follow=True).content.decode()
    assert "has been used or has expired" in again
    assert admin.post(reverse("staff_reset", args=[outsider.memberships.get().pk])).status_code == 404


def test_a_password_set_through_a_reset_link_is_her_own_and_no_longer_must_change(client, clinician):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    User.objects.filter(pk=clinician.pk).update(must_change_password=True)  # an admin chose her first one
    uid = urlsafe_base64_encode(force_bytes(clinician.pk))
    opened = client.get(reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(clinician)]))
    assert opened.status_code == 302
    new = {"new_password1": "only-she-knows-2026", "new_password2": "only-she-knows-2026"}
    assert client.post(opened["Location"], new).status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password("only-she-knows-2026") and not clinician.must_change_password
