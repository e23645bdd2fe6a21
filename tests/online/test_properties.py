"""Malformed answers, unknown fields, huge bodies and wrong methods at the public endpoints:
never a 500, never a screening from invalid data, never a lost answer."""

import string

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.models import Invitation, Screening

fields = st.dictionaries(
    st.sampled_from(["answer", "answers", "item_1", "language", "next", "csrfmiddlewaretoken", "total", "x" * 50]),
    st.one_of(
        st.text(max_size=40),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(["0", "3", "4", "-1", "", " 1", "1e2"]),
    ),
    max_size=5,
)
paths = st.sampled_from(["", "1/", "10/", "11/", "0/", "99/", "review/", "submit/", "language/"])
methods = st.sampled_from(["get", "post", "put", "patch", "delete", "head", "options"])

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved_first_answer(invited):
    invitation, token = invited
    Client().post(f"/q/{token}/1/", {"answer": "2"})
    return invitation, token


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=methods, path=paths, data=fields)
def test_public_endpoints_never_fail_and_never_lose_or_invent_answers(saved_first_answer, method, path, data):
    invitation, token = saved_first_answer
    cache.clear()  # the limiter, per example: each one reaches the view
    client = Client(enforce_csrf_checks=False)
    response = getattr(client, method)(f"/q/{token}/{path}", data=data if method != "get" else None)
    assert response.status_code < 500 and response.status_code != 429
    invitation.refresh_from_db()
    assert invitation.draft.get("1") is not None
    assert Screening.objects.count() == 0  # one answer of ten can never become a screening
    for number, position in invitation.answers_so_far().items():
        assert 1 <= number <= 10 and 0 <= position <= 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(alphabet=string.printable, max_size=80), method=methods)
def test_any_token_in_the_address_never_fails(db, token, method):
    """Each example starts with the wrong-link limiter empty: otherwise after 20 examples every
    answer is 429 and the view itself is never exercised."""
    from urllib.parse import quote

    cache.clear()
    response = getattr(Client(), method)(f"/q/{quote(token, safe='')}/")
    assert response.status_code in (301, 302, 404, 405)


def test_a_huge_body_is_refused_without_losing_saved_answers(saved_first_answer):
    invitation, token = saved_first_answer
    response = Client().post(
        f"/q/{token}/2/", data="a=" + "x" * (3 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 413)
    response = Client().post(f"/q/{token}/2/", {f"f{n}": "1" for n in range(2000)})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.draft == {"1": 2}
    assert Invitation.objects.count() == 1
