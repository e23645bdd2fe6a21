"""API clients: `Authorization: Bearer <client id>.<secret>`, one clinic each. A missing, wrong or
revoked credential gets 401 with nothing else; every answered request is audited."""

import hashlib
import hmac
import secrets
import uuid
from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from screening import audit
from screening.models import AuditEntry
from screening.tenancy import clinic_scope

from .models import ApiClient
from .smart import client_for_token


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create(clinic, name, actor, public_jwks=None):
    """The client and its token, which is shown once."""
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        clinic=clinic, name=name, secret_hash=_hash(secret), created_by=actor, public_jwks=public_jwks
    )
    audit.record(actor, clinic, AuditEntry.Action.CREATE, None, f"FHIR API client {name}")
    return client, f"{client.code}.{secret}"


def client_for(request):
    """The client behind the bearer token: a client's own `<id>.<secret>`, or an access token SMART
    Backend Services issued (fhir_api.smart)."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    code, _dot, secret = token.partition(".")
    if not secret:
        return client_for_token(token)
    try:
        code = uuid.UUID(code)
    except ValueError:
        return None
    by_token = ApiClient.objects.with_scopes_disabled()  # the token names the clinic: it is the lookup
    client = by_token.select_related("clinic").filter(code=code, revoked_at=None).first()
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(secret)):
        return None
    return client


def outcome(status, code, text):
    """A FHIR OperationOutcome as the response body."""
    body = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
    return JsonResponse(body, status=status, content_type="application/fhir+json")


def api_view(view=None, *, methods=("GET",)):
    """A view of the FHIR API: a bearer token of an authorised client (no session, so no CSRF
    token either), the methods given (read-only by default), the clinic's scope, an audit entry."""
    if view is None:
        return lambda inner: api_view(inner, methods=methods)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        client = client_for(request)
        if client is None:
            response = outcome(401, "login", "A valid bearer token of an authorised API client is required.")
            response["WWW-Authenticate"] = 'Bearer realm="fhir"'
            return response
        if request.method not in methods:
            return outcome(405, "not-supported", "This API is read-only.")
        with clinic_scope(client.clinic_id):
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
            audit.record(
                None, client.clinic, AuditEntry.Action.VIEW, None, f"FHIR {client.name}: {request.get_full_path()}"
            )
            return view(request, client, *args, **kwargs)

    return wrapper
