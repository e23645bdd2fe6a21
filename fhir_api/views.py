"""Read-only FHIR R4 endpoints for a clinic's authorised API clients: read by id (with ETag and
If-None-Match), and search as `searchset` Bundles. What each type serves is capabilities.SERVED;
a parameter it does not list is refused (400) unless the client asks for lenient handling. Every
query is scoped to the client's clinic; another clinic's record is "not found"."""

import hashlib
import json
import uuid

from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import reverse

from screening import audit, instruments

from . import resources
from .auth import api_view, outcome
from .capabilities import MOST, PAGE, RESULT, SERVED, BadRequest, capability_statement

QUESTIONNAIRES = {i.code.lower(): i for i in instruments.all()}


def _fhir(body, status=200):
    return JsonResponse(body, status=status, content_type="application/fhir+json")


def _number(query, name, default, least, most):
    try:
        value = int(query.get(name, default))
    except ValueError as error:
        raise BadRequest(f"{name} must be a whole number") from error
    if value < least:
        raise BadRequest(f"{name} must be at least {least}")
    return min(value, most)


def _lenient(request):
    prefer = request.headers.get("Prefer", "").replace(" ", "").lower()
    return "handling=lenient" in prefer.split(";") or "handling=lenient" in prefer.split(",")


def _refuse(unknown):
    return outcome(
        400, "not-supported", f"Unknown or unsupported search parameter: {', '.join(unknown)}. See /fhir/metadata."
    )


def _honoured(kind, query):
    """The query's parameters split into those the type serves (and the result parameters) and
    those it does not."""
    served = SERVED[kind].params
    known = QueryDict(mutable=True)
    unknown = []
    for name in query:
        if name in served or name in RESULT:
            known.setlist(name, query.getlist(name))
        else:
            unknown.append(name)
    return known, unknown


def _bundle(request, kind, query, found, total, more, ignored):
    base = request.build_absolute_uri(reverse("fhir_search", args=[kind]))
    links = [{"relation": "self", "url": f"{base}?{query.urlencode()}" if query else base}]
    if more:
        following = query.copy()
        following["_page"] = str(int(query.get("_page", 1)) + 1)
        links.append({"relation": "next", "url": f"{base}?{following.urlencode()}"})
    entries = [{"fullUrl": f"{base}/{r['id']}", "resource": r, "search": {"mode": "match"}} for r in found]
    if ignored:
        entries.append(
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "warning",
                            "code": "not-supported",
                            "diagnostics": f"Ignored, as asked (handling=lenient): {', '.join(ignored)}.",
                        }
                    ],
                },
                "search": {"mode": "outcome"},
            }
        )
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def _rows(client, kind, query):
    served = SERVED[kind]
    rows = served.rows(client)
    for name, param in served.params.items():
        if name in query:
            rows = param.apply(rows, query.getlist(name), client)
    return rows


def _observation_keep(query):
    """Of each screening's Observations, the id suffixes a `code` or `_id` parameter asks for."""
    codes = {part.rpartition("|")[2] for value in query.getlist("code") for part in value.split(",")}
    ids = {part.strip() for value in query.getlist("_id") for part in value.split(",")}

    def keep(screening_code, instrument_code):
        return {
            suffix
            for suffix, code in resources.observation_plan(instrument_code)
            if (not codes or code in codes) and (not ids or f"{screening_code}-{suffix}" in ids)
        }

    return keep


def _page_of_observations(rows, query, count, page):
    """Observations page by resource, not by screening: each screening's share is known from its
    instrument without building it, so only the page's screenings are built."""
    keep = _observation_keep(query)
    shares = [(code, keep(str(code), instrument)) for code, instrument in rows.values_list("code", "instrument_code")]
    total = sum(len(kept) for _code, kept in shares)
    start, end = (page - 1) * count, page * count
    on_page, position, first = [], 0, None
    for code, kept in shares:
        if position >= end:
            break
        if position + len(kept) > start:
            first = start - position if first is None else first
            on_page.append((code, kept))
        position += len(kept)
    by_code = {s.code: s for s in rows.filter(code__in=[code for code, _kept in on_page])}
    found = [r for code, kept in on_page for r in resources.observations(by_code[code], kept)]
    return found[first or 0 : (first or 0) + count], total


@api_view
def search(request, client, kind):
    if kind == "Questionnaire":
        unknown = sorted(set(request.GET) - RESULT)
        if unknown and not _lenient(request):
            return _refuse(unknown)
        found = [resources.questionnaire(i) for i in QUESTIONNAIRES.values()]
        return _fhir(_bundle(request, kind, QueryDict(), found, len(found), False, unknown))
    if kind not in SERVED:
        return outcome(404, "not-supported", f"{kind} is not served here.")
    query, unknown = _honoured(kind, request.GET)
    if unknown and not _lenient(request):
        return _refuse(unknown)
    try:
        rows = _rows(client, kind, query)
        count = _number(query, "_count", PAGE, 0, MOST)
        page = _number(query, "_page", 1, 1, 10**6)
        if kind == "Observation":
            found, total = _page_of_observations(rows, query, count, page)
        else:
            total = rows.count()
            found = [r for row in rows[(page - 1) * count : page * count] for r in SERVED[kind].build(row)]
    except BadRequest as error:
        return outcome(400, "invalid", str(error))
    _audit(client, kind, found)
    return _fhir(_bundle(request, kind, query, found, total, 0 < page * count < total, unknown))


def _audit(client, kind, found):
    """One entry per mother whose records the client was sent, written in one insert."""
    audit.record_read(client.clinic, set(mothers_in(kind, found)), f"FHIR client {client.name} read {kind}")


def mothers_in(kind, found):
    """The ids of the mothers these resources are about."""
    for resource in found:
        if kind == "Patient":
            yield resource["id"]
        reference = (resource.get("subject") or resource.get("for") or {}).get("reference", "")
        if reference.startswith("Patient/"):
            yield reference.removeprefix("Patient/")


def _etag(body):
    return 'W/"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'


@api_view
def read(request, client, kind, pk):
    if kind == "Questionnaire":
        if pk not in QUESTIONNAIRES:
            return outcome(404, "not-found", f"Questionnaire/{pk} is not here.")
        return _read(request, resources.questionnaire(QUESTIONNAIRES[pk]))
    if kind not in SERVED:
        return outcome(404, "not-supported", f"{kind} is not served here.")
    try:
        code = uuid.UUID(pk[:36])  # an Observation's id is its screening's, then -panel, -total or -item-N
    except ValueError:
        return outcome(404, "not-found", f"{kind}/{pk} is not here.")
    row = SERVED[kind].rows(client).filter(code=code).first()
    found = [r for r in SERVED[kind].build(row) if r["id"] == pk] if row else []
    if not found:
        return outcome(404, "not-found", f"{kind}/{pk} is not here.")
    _audit(client, kind, found)
    return _read(request, found[0])


def _read(request, body):
    etag = _etag(body)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = _fhir(body)
    response["ETag"] = etag
    if "lastUpdated" in body.get("meta", {}):
        response["Last-Modified"] = body["meta"]["lastUpdated"]
    return response


def metadata(request):
    """The CapabilityStatement, public as FHIR expects, generated from what the views serve."""
    if request.method not in ("GET", "HEAD"):
        return outcome(405, "not-supported", "This API is read-only.")
    return _fhir(capability_statement(request))
