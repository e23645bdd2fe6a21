"""Two-factor sign-in (issue 17): a clinic may require it, superusers always need it; enrolment
with an authenticator app, one-time recovery codes, and the code at every later sign-in."""

import re
import time

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from screening.models import AuditEntry, User


def code_for(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def forget_failures():
    """django-otp slows guessing (each failure doubles a wait from one second): a test that typed
    a wrong code on purpose clears the wait rather than sleep."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)


def test_where_the_clinic_requires_it_staff_enrol_before_anything_else(login, clinician, clinic_a):
    clinic_a.require_two_factor = True
    clinic_a.save()
    client = login(clinician)
    assert client.get(reverse("worklist"))["Location"] == reverse("two_factor_setup") + "?next=%2Fworklist%2F"
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "data:image/svg+xml" in page and re.search(r'id="otp-secret">[A-Z2-7]+<', page)
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "not the one your app shows" in wrong.content.decode()
    forget_failures()
    done = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("worklist")).status_code == 200
    assert AuditEntry.objects.filter(actor=clinician, summary="two-factor: set up").exists()


def test_once_set_up_every_sign_in_asks_for_the_code_or_a_recovery_code(login, clinician, client):
    enrolled = login(clinician)
    enrolled.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=clinician)
    codes = re.findall(
        r"<li>([a-z0-9]{8})</li>",
        enrolled.post(reverse("two_factor_setup"), {"code": code_for(device)}).content.decode(),
    )
    client.force_login(clinician)  # a new sign-in: password given, second factor not yet
    asked = client.get(reverse("worklist"))
    assert asked["Location"].startswith(reverse("two_factor_verify"))
    assert client.post(reverse("two_factor_verify"), {"code": "12345678"}).status_code == 200
    forget_failures()
    signed_in = client.post(f"{reverse('two_factor_verify')}?next=/worklist/", {"code": codes[0]})
    assert signed_in["Location"] == "/worklist/"
    other = login(clinician)
    assert other.post(reverse("two_factor_verify"), {"code": codes[0]}).status_code == 200  # used once
    forget_failures()
    device.refresh_from_db()
    assert other.post(reverse("two_factor_verify"), {"code": code_for(device, 1)}).status_code == 302


def test_superusers_always_need_it_and_others_only_where_required(login, clinician, client, db):
    root = User.objects.create_superuser("root", "root@example.org", "a-long-root-password-2026")
    client.force_login(root)
    assert client.get("/admin/")["Location"] == reverse("two_factor_setup") + "?next=%2Fadmin%2F"
    assert login(clinician).get(reverse("worklist")).status_code == 200


def test_account_pages_wait_for_the_second_factor(login, clinician):
    """Her password page (and everything under /accounts/ but the code and log-out) is behind the code."""
    TOTPDevice.objects.create(user=clinician, name="app", confirmed=True)
    client = login(clinician)  # the password given, not yet the code
    for page in (reverse("password_change"), reverse("home")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_verify")), page
    assert client.get(reverse("two_factor_verify")).status_code == 200


def test_no_sign_in_step_sends_her_to_another_site(client, clinician):
    from ..conftest import PASSWORD

    for evil in ("https://evil.example/", "//evil.example/", "https:evil.example"):
        signed_in = client.post(f"{reverse('login')}?next={evil}", {"username": "alice", "password": PASSWORD})
        assert signed_in.status_code == 302 and signed_in["Location"] == "/", evil
        client.logout()
    device = TOTPDevice.objects.create(user=clinician, name="app", confirmed=True)
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    verified = client.post(f"{reverse('two_factor_verify')}?next=https://evil.example/", {"code": code_for(device)})
    assert verified.status_code == 302 and verified["Location"] == reverse("home")
