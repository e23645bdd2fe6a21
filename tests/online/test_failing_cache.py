"""With the cache refused or silent, the mother's and the provider's links still work (issue 27,
design rule 16): her self-harm answer is saved, the alert raised and the crisis page shown in under
2 seconds; the rate limit falls back to a per-process count, is logged, and admins see it. Each
case runs against a real Redis client pointed at a loopback port that refuses, or never answers."""

import time

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from referrals import heartbeat, services
from referrals.models import Alert, Heartbeat, Provider
from screening import limits
from screening.models import Screening

from ..conftest import enter_epds
from ..referrals.test_provider_link import make_link
from .conftest import answer_all

SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 1]  # item 10 "Sometimes"
POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]


@pytest.fixture(params=["refused", "silent"])
def failing_cache(request):
    port = request.getfixturevalue(f"{request.param}_port")
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": settings.REDIS_CACHE_OPTIONS,
    }
    limits.resume()
    with override_settings(CACHES={"default": redis}):
        yield request.param
    limits.resume()


def test_her_self_harm_answer_is_saved_alerted_and_met_with_crisis_lines_in_under_2_seconds(
    client, invited, mother, failing_cache, login, clinic_admin
):
    _invitation, token = invited
    started = time.monotonic()
    done = client.get(answer_all(client, token, SELF_HARM).url)
    took = time.monotonic() - started
    assert done.status_code == 200 and "You do not have to go through this alone" in done.content.decode()
    assert took < 2, f"{took:.2f} s with the cache {failing_cache}"
    screening = Screening.objects.get(mother=mother)
    assert screening.self_harm and Alert.objects.get(mother=mother).screening == screening
    assert Heartbeat.objects.filter(part=heartbeat.CACHE_FELL_BACK).exists()
    assert "The shared cache did not answer" in login(clinic_admin).get(reverse("worklist")).content.decode()
    health = client.get("/healthz/").json()
    assert health.get("degraded") == ["cache"]


def test_the_providers_link_works_with_the_cache_down(login, clinician, mother, front_desk, clinic_a, failing_cache):
    provider = Provider.objects.create(clinic=clinic_a, name="Harbor", pathways=["cbt"], contact="x")
    screening = enter_epds(mother, POSITIVE, front_desk)
    referral = services.create_referral(
        mother=mother, pathway="cbt", actor=clinician, screening=screening, provider=provider
    )
    _link, token = make_link(login(clinician), referral)
    started = time.monotonic()
    response = login(None).get(reverse("provider_referral", args=[token]))
    assert response.status_code == 200 and time.monotonic() - started < 2


@override_settings(ONLINE_MISSES_PER_MINUTE="3/m")
def test_wrong_links_are_still_limited_per_process_while_the_cache_is_down(db, client, failing_cache):
    statuses = [client.get(f"/q/not-a-token-{n}/").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_staff_log_in_keeps_its_lock_out_with_the_cache_down(client, clinician, failing_cache):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": clinician.username, "password": "wrong"})
    page = client.post(reverse("login"), {"username": clinician.username, "password": "a-long-test-password-2026"})
    assert page.status_code in (403, 429) or "locked" in page.content.decode().lower()
    assert "_auth_user_id" not in client.session
