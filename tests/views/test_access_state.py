"""Her membership, its clinic and her second factor are kept in her session (issue 32: three
queries off every staff page) and read again at her next request once any of them changes, however
it changed: a form, a bulk update, the Django admin, a shell."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from screening.models import Clinic, Membership, Role

from ..conftest import second_factor


def test_a_page_after_the_first_reads_neither_her_membership_nor_her_devices(login, clinician):
    client = login(clinician)
    assert client.get(reverse("home")).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    asked = " ".join(q["sql"] for q in captured)
    assert "screening_membership" not in asked and "otp_totp_totpdevice" not in asked
    assert "UPDATE" not in asked  # nor writes her session


def test_a_colleague_deactivated_by_a_bulk_update_is_out_at_her_next_request(login, clinician):
    client = login(clinician)
    assert client.get(reverse("worklist")).status_code == 200
    Membership.all_objects.filter(user=clinician).update(active=False)
    assert client.get(reverse("worklist"))["Location"].startswith(reverse("choose_clinic"))


def test_a_role_changed_behind_the_forms_back_takes_effect_at_her_next_request(login, clinician):
    client = login(clinician)
    assert client.get(reverse("staff_list")).status_code == 403
    Membership.objects.filter(user=clinician).update(role=Role.CLINIC_ADMIN)
    assert client.get(reverse("staff_list")).status_code == 200
    Membership.objects.filter(user=clinician).update(role=Role.FRONT_DESK)
    assert client.get(reverse("worklist")).status_code == 403


def test_a_clinic_that_starts_requiring_two_factor_stops_her_at_her_next_request(login, clinician, clinic_a):
    client = login(clinician)
    assert client.get(reverse("worklist")).status_code == 200
    Clinic.objects.filter(pk=clinic_a.pk).update(require_two_factor=True)
    assert client.get(reverse("worklist"))["Location"].startswith(reverse("two_factor_setup"))


def test_a_device_removed_in_another_session_unverifies_hers(client, clinician, clinic_a):
    Clinic.objects.filter(pk=clinic_a.pk).update(require_two_factor=True)
    second_factor(client, clinician)
    assert client.get(reverse("worklist")).status_code == 200
    TOTPDevice.objects.filter(user=clinician).delete()
    assert client.get(reverse("worklist"))["Location"].startswith(reverse("two_factor_setup"))


def test_her_clinic_renamed_elsewhere_shows_at_her_next_request(login, clinician, clinic_a):
    client = login(clinician)
    assert clinic_a.name in client.get(reverse("home")).content.decode()
    Clinic.objects.filter(pk=clinic_a.pk).update(name="Lakeside Family Clinic")
    assert "Lakeside Family Clinic" in client.get(reverse("home")).content.decode()


def test_a_copy_kept_before_a_deploy_changed_the_clinics_fields_is_read_again(login, clinician):
    client = login(clinician)
    session = client.session
    session["_access"]["asked"][-1] = 0  # the fields a copy of an older release held
    session["_access"]["clinic"].pop("auto_advance")
    session.save()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    assert "screening_membership" in " ".join(q["sql"] for q in captured)
    assert "auto_advance" in client.session["_access"]["clinic"]
