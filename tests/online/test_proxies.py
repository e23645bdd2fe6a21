"""Behind a reverse proxy every request comes from the proxy's address: with TRUSTED_PROXY_COUNT
the lock-outs and link limits count each client apart (issue 14)."""

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ..conftest import PASSWORD

PROXY = "10.0.0.2"


def behind_proxy(client_address):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_an_attacker_behind_the_proxy_cannot_lock_out_a_colleague_behind_the_same_proxy(settings, clinician):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = behind_proxy("203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attacker.post(reverse("login"), {"username": clinician.username, "password": "wrong"})
    assert attacker.post(reverse("login"), {"username": clinician.username, "password": PASSWORD}).status_code == 429
    colleague = behind_proxy("198.51.100.7")
    response = colleague.post(reverse("login"), {"username": clinician.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in colleague.session


def test_a_client_cannot_choose_its_own_address_by_forging_the_header(settings, clinician):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT + 1):  # a new forged address each time; the proxy adds the real one
        behind_proxy(f"192.0.2.{n}, 203.0.113.9").post(
            reverse("login"), {"username": clinician.username, "password": "x"}
        )
    locked = behind_proxy("192.0.2.200, 203.0.113.9").post(
        reverse("login"), {"username": clinician.username, "password": PASSWORD}
    )
    assert locked.status_code == 429


def test_wrong_links_from_one_mother_behind_the_proxy_never_block_another(settings, invited):
    cache.clear()
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ONLINE_MISSES_PER_MINUTE = "5/m"
    _, token = invited
    guesser = behind_proxy("203.0.113.9")
    codes = [guesser.get(f"/q/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA{n:02d}/").status_code for n in range(21)]
    assert codes[-1] == 429
    assert behind_proxy("198.51.100.7").get("/q/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB00/").status_code == 404  # not limited
    assert behind_proxy("198.51.100.7").get(f"/q/{token}/").status_code == 200
    cache.clear()


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings, clinician):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            reverse("login"), {"username": clinician.username, "password": "x"}
        )
    locked = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99").post(
        reverse("login"), {"username": clinician.username, "password": PASSWORD}
    )
    assert locked.status_code == 429
