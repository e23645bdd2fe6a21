"""SMART Backend Services (SMART App Launch 2.x): a system proves who it is with a JWT it signs with
its own private key (client credentials, `private_key_jwt`), checked against the public keys (JWKS)
the clinic admin registered for it, and gets a bearer token for five minutes. The JWT work is
joserfc's. Discovery is at /fhir/.well-known/smart-configuration; the token endpoint at
/auth/token answers OAuth's JSON errors."""

import hashlib
import json
import secrets
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from screening import audit
from screening.models import AuditEntry
from screening.tenancy import clinic_scope

from .models import AccessToken, ApiClient

ALGORITHMS = ["RS384", "ES384"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPES = {"system/*.read", "system/*.rs"}  # the API is read-only: every type the clinic's client reads
LIFETIME = timedelta(minutes=5)
LONGEST_ASSERTION = timedelta(minutes=5)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def public_keys(jwks):
    """The key set a clinic admin pasted, if it is one: public keys only, of a kind we verify."""
    try:
        keys = KeySet.import_key_set(jwks if isinstance(jwks, dict) else json.loads(jwks))
    except (ValueError, TypeError, KeyError, JoseError) as error:
        raise ValueError(f"not a JSON Web Key Set: {error}") from error
    if any(key.is_private for key in keys.keys):
        raise ValueError("it holds a private key: paste the public keys only")
    return keys


@require_GET
def discovery(request):
    token_url = request.build_absolute_uri(reverse("smart_token"))
    return JsonResponse(
        {
            "token_endpoint": token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": sorted(SCOPES),
            "capabilities": ["client-confidential-asymmetric"],
        }
    )


def _error(code, text, status=400):
    response = JsonResponse({"error": code, "error_description": text}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def token(request):
    if request.method != "POST":
        return _error("invalid_request", "POST the client credentials grant.", 405)
    form = request.POST
    if form.get("grant_type") != "client_credentials":
        return _error("unsupported_grant_type", "Only client_credentials is granted here.")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        return _error("invalid_request", f"Send a signed client_assertion of type {ASSERTION_TYPE}.")
    scope = form.get("scope", "").strip()
    if scope not in SCOPES:
        return _error("invalid_scope", f"Ask for one of: {', '.join(sorted(SCOPES))}.")
    try:
        client, claims = _verified(form["client_assertion"], request.build_absolute_uri(reverse("smart_token")))
    except ValueError as error:
        return _error("invalid_client", str(error), 401)
    issued = secrets.token_urlsafe(32)
    try:
        with clinic_scope(client.clinic_id), transaction.atomic():
            AccessToken.objects.create(
                client=client,
                token_hash=token_hash(issued),
                assertion_jti=str(claims["jti"])[:200],
                scope=scope,
                expires_at=timezone.now() + LIFETIME,
            )
    except IntegrityError:
        return _error("invalid_grant", "This assertion was used already: sign a new one (a new jti).")
    with clinic_scope(client.clinic_id):
        audit.record(None, client.clinic, AuditEntry.Action.CREATE, None, f"FHIR client {client.name}: access token")
    response = JsonResponse(
        {"access_token": issued, "token_type": "bearer", "expires_in": int(LIFETIME.total_seconds()), "scope": scope}
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _verified(assertion, audience):
    """The client and the claims of a valid assertion: signed by one of its registered keys, issued
    and subject its own id, for this token endpoint, not expired and not longer than 5 minutes."""
    try:
        unverified = json.loads(jws.extract_compact(assertion.encode()).payload)
        code = uuid.UUID(str(unverified.get("iss", "")))
    except (ValueError, TypeError, JoseError) as error:
        raise ValueError("The assertion is not a JWT issued by a client id.") from error
    by_id = ApiClient.objects.with_scopes_disabled()  # the assertion names the client: it is the lookup
    client = by_id.select_related("clinic").filter(code=code, revoked_at=None, public_jwks__isnull=False).first()
    if client is None:
        raise ValueError("No authorised client with registered public keys has this id.")
    try:
        verified = jwt.decode(assertion, public_keys(client.public_jwks), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": str(code)},
            sub={"essential": True, "value": str(code)},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(verified.claims)
    except (ValueError, JoseError) as error:
        raise ValueError(f"The assertion is not valid: {error}") from error
    if verified.claims["exp"] > (timezone.now() + LONGEST_ASSERTION).timestamp() + 60:
        raise ValueError("The assertion must expire within 5 minutes.")
    return client, verified.claims


def client_for_token(token):
    found = (
        AccessToken.objects.select_related("client__clinic")
        .filter(token_hash=token_hash(token), expires_at__gt=timezone.now(), client__revoked_at=None)
        .first()
    )
    return found.client if found else None
