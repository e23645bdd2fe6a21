import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .conftest import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_repeated_failed_logins_lock_the_account_from_that_address(client, clinician):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_login_works_and_lands_on_home(client, clinician):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.url == reverse("home")


def test_sessions_expire_after_15_idle_minutes(client, clinician):
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=14)):
        assert client.get(reverse("home")).status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(minutes=14 + 16)):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_session_is_written_at_most_once_a_minute_to_renew_it(client, clinician):
    client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    start = timezone.now()

    def session_writes():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return [q for q in captured if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]]

    with time_machine.travel(start + timedelta(seconds=30)):
        assert session_writes() == []
    with time_machine.travel(start + timedelta(seconds=90)):
        assert len(session_writes()) == 1


def test_every_page_forbids_other_origins(login, clinician):
    response = login(clinician).get(reverse("home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


@pytest.mark.parametrize("page", ["home", "worklist", "mother_list", "follow_up_list", "reports"])
def test_signed_in_pages_are_never_kept_by_a_browser_or_proxy(login, clinic_admin, page):
    response = login(clinic_admin).get(reverse(page))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def run_manage(*args, **env):
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in test_only}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        SECRET_KEY="k" * 20 + "-production-secret-from-the-environment-0123456789",
        ALLOWED_HOSTS="screening.example.org",
        SITE_URL="https://screening.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_its_public_address_refuses_to_start():
    production = dict(
        DJANGO_DEBUG="false",
        SECRET_KEY="k" * 20 + "-production-secret-from-the-environment-0123456789",
        ALLOWED_HOSTS="screening.example.org",
    )
    for site_url in ("", "http://127.0.0.1:8000", "http://screening.example.org"):
        result = run_manage("check", **production, SITE_URL=site_url)
        assert result.returncode != 0 and "ppd.E001" in result.stderr, site_url


def test_production_without_a_secret_key_refuses_to_start():
    env = {"DJANGO_DEBUG": "false"}
    result = run_manage("check", **env, SECRET_KEY="")
    assert result.returncode != 0 and "Set SECRET_KEY in the environment" in result.stderr


def test_a_malformed_boolean_setting_fails_loudly():
    result = run_manage("check", DJANGO_DEBUG="yes please")
    assert result.returncode != 0 and "DJANGO_DEBUG must be true or false" in result.stderr


def test_no_production_setting_routes_the_benchmark_floor(client, db, settings):
    """Only bench.settings (its own URLs) has the floor views: the app's URLs do not, whatever a
    setting says (they once appeared with BENCH_ENDPOINTS=true)."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.BENCH_ENDPOINTS = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert client.get("/bench/trivial/").status_code == 404
        assert client.post("/bench/insert/").status_code in (403, 404)
    finally:
        del settings.BENCH_ENDPOINTS
        importlib.reload(config.urls)
        clear_url_caches()
