"""SMART Backend Services (issue 29): a system signs a JWT with its private key, the server checks it
against the public keys the clinic admin registered, and answers with a five-minute bearer token.
The system's side is written with joserfc, as any client library would sign."""

import json
import time
import uuid

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from fhir_api import auth
from fhir_api.models import AccessToken

from .test_api import make_records

TOKEN_URL = "http://testserver/auth/token"


@pytest.fixture
def key():
    return RSAKey.generate_key(2048, parameters={"kid": "ehr-2026"})


@pytest.fixture
def system(clinic_a, clinic_admin, key):
    client, _token = auth.create(
        clinic_a, "County EHR", clinic_admin, public_jwks={"keys": [key.as_dict(private=False)]}
    )
    return client


def assertion(client, key, alg="RS384", **changes):
    now = int(time.time())
    claims = {
        "iss": str(client.code),
        "sub": str(client.code),
        "aud": TOKEN_URL,
        "exp": now + 240,
        "jti": str(uuid.uuid4()),
    } | changes
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[alg])


def ask(http, signed, scope="system/*.read", **form):
    data = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": signed,
    } | form
    return http.post(reverse("smart_token"), data)


def test_discovery_says_how_to_ask(client):
    found = client.get("/fhir/.well-known/smart-configuration").json()
    assert found["token_endpoint"] == TOKEN_URL
    assert found["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "client-confidential-asymmetric" in found["capabilities"]
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_a_signed_assertion_buys_a_five_minute_token_that_reads_the_clinic(
    client, system, key, clinic_a, clinic_b, front_desk, clinician, outsider
):
    records = make_records(clinic_a, clinic_b, front_desk, clinician, outsider)
    answer = ask(client, assertion(system, key))
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 300, "system/*.read")
    token = body["access_token"]
    assert token not in json.dumps(list(AccessToken.objects.values()), default=str)  # only its hash is kept
    patients = client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [e["resource"]["id"] for e in patients["entry"]] == [str(records["mine"].code)]
    AccessToken.objects.update(expires_at=AccessToken.objects.get().issued_at)
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_an_elliptic_curve_key_works_too(client, clinic_a, clinic_admin):
    ec = ECKey.generate_key("P-384", parameters={"kid": "ec-1"})
    system, _t = auth.create(clinic_a, "EC system", clinic_admin, public_jwks={"keys": [ec.as_dict(private=False)]})
    assert ask(client, assertion(system, ec, alg="ES384")).status_code == 200


@pytest.mark.parametrize(
    "case, expected",
    [
        ("replayed", ("invalid_grant", 400)),
        ("wrong audience", ("invalid_client", 401)),
        ("expired", ("invalid_client", 401)),
        ("an hour long", ("invalid_client", 401)),
        ("another key", ("invalid_client", 401)),
        ("unknown client", ("invalid_client", 401)),
        ("revoked client", ("invalid_client", 401)),
        ("write scope", ("invalid_scope", 400)),
        ("password grant", ("unsupported_grant_type", 400)),
        ("not a jwt", ("invalid_client", 401)),
    ],
)
def test_what_is_refused(client, system, key, case, expected):
    signed = assertion(system, key)
    if case == "replayed":
        assert ask(client, signed).status_code == 200
        answer = ask(client, signed)
    elif case == "wrong audience":
        answer = ask(client, assertion(system, key, aud="https://elsewhere.example/token"))
    elif case == "expired":
        answer = ask(client, assertion(system, key, exp=int(time.time()) - 120))
    elif case == "an hour long":
        answer = ask(client, assertion(system, key, exp=int(time.time()) + 3600))
    elif case == "another key":
        answer = ask(client, assertion(system, RSAKey.generate_key(2048, parameters={"kid": "ehr-2026"})))
    elif case == "unknown client":
        answer = ask(client, assertion(system, key, iss=str(uuid.uuid4()), sub=str(uuid.uuid4())))
    elif case == "revoked client":
        type(system).objects.filter(pk=system.pk).update(revoked_at=system.created_at)
        answer = ask(client, signed)
    elif case == "write scope":
        answer = ask(client, signed, scope="system/*.write")
    elif case == "password grant":
        answer = ask(client, signed, grant_type="password")
    else:
        answer = ask(client, "not.a.jwt")
    assert (answer.json()["error"], answer.status_code) == expected
    assert not AccessToken.objects.exclude(assertion_jti="").count() or case == "replayed"


def test_an_admin_registers_public_keys_never_private_ones(login, clinic_admin, key):
    admin = login(clinic_admin)
    page = admin.post(
        reverse("api_clients"), {"name": "Leaky", "public_jwks": json.dumps({"keys": [key.as_dict(private=True)]})}
    ).content.decode()
    assert "private key" in page
    careful = {"name": "Careful", "public_jwks": json.dumps({"keys": [key.as_dict(private=False)]})}
    admin.post(reverse("api_clients"), careful)
    assert "SMART keys" not in page
    assert "SMART keys" in admin.get(reverse("api_clients")).content.decode()
