"""Read-only FHIR R4 endpoints for a clinic's authorised API clients: read by id, and search by
patient and date, as `searchset` Bundles of at most 500 entries a page. Every query is scoped to
the client's clinic; another clinic's record is "not found"."""

import re
import uuid
from datetime import date

from django.http import JsonResponse, QueryDict
from django.urls import reverse

from referrals.models import Referral
from screening import instruments
from screening.models import Mother, Screening

from . import resources
from .auth import api_view, outcome

PAGE, MOST = 50, 500
DATE = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})$")
LOOKUPS = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}


class BadRequest(ValueError):
    pass


def _fhir(body, status=200):
    return JsonResponse(body, status=status, content_type="application/fhir+json")


def _patient_filter(value):
    code = value.removeprefix("Patient/")
    try:
        return uuid.UUID(code)
    except ValueError as error:
        raise BadRequest(f"patient must be a Patient id, not {value!r}") from error


def _dates(values, field):
    found = {}
    for value in values:
        match = DATE.match(value)
        if not match:
            raise BadRequest(f"date must look like ge2026-01-01, not {value!r}")
        prefix, day = match.group(1) or "eq", match.group(2)
        try:
            found[f"{field}{LOOKUPS[prefix]}"] = date.fromisoformat(day)
        except ValueError as error:
            raise BadRequest(f"no such date: {day}") from error
    return found


def _screenings(client, query):
    rows = Screening.objects.filter(clinic=client.clinic).select_related("mother").order_by("taken_on", "pk")
    if "patient" in query:
        rows = rows.filter(mother__code=_patient_filter(query["patient"]))
    return rows.filter(**_dates(query.getlist("date"), "taken_on"))


def _referrals(client, query):
    rows = Referral.objects.filter(clinic=client.clinic).select_related("mother", "provider", "screening")
    if "patient" in query:
        rows = rows.filter(mother__code=_patient_filter(query["patient"]))
    return rows.filter(**_dates(query.getlist("date"), "requested_at__date")).order_by("created_at", "pk")


def _mothers(client, query):
    rows = Mother.objects.filter(clinic=client.clinic).select_related("clinic").order_by("pk")
    if "_id" in query:
        rows = rows.filter(code=_patient_filter(query["_id"]))
    return rows


SEARCH = {  # type: (rows for the client and query, resources of one row)
    "Patient": (_mothers, lambda m: [resources.patient(m)]),
    "QuestionnaireResponse": (_screenings, lambda s: [resources.questionnaire_response(s)]),
    "Observation": (_screenings, resources.observations),
    "ServiceRequest": (_referrals, lambda r: [resources.service_request(r)]),
    "Task": (_referrals, lambda r: [resources.task(r)]),
}


def _bundle(request, kind, found, total, more, count):
    base = request.build_absolute_uri(reverse("fhir_search", args=[kind]))
    query = request.GET.copy()
    links = [{"relation": "self", "url": request.build_absolute_uri()}]
    if more:
        query["_page"] = str(int(query.get("_page", 1)) + 1)
        links.append({"relation": "next", "url": f"{base}?{query.urlencode()}"})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [{"fullUrl": f"{base}/{r['id']}", "resource": r, "search": {"mode": "match"}} for r in found],
    }


def _number(query, name, default, most):
    try:
        value = int(query.get(name, default))
    except ValueError as error:
        raise BadRequest(f"{name} must be a number") from error
    return max(1, min(value, most))


@api_view
def search(request, client, kind):
    if kind == "Questionnaire":
        found = [resources.questionnaire(i) for i in instruments.all() if i.code in resources.CODES]
        return _fhir(_bundle(request, kind, found, len(found), False, len(found)))
    if kind not in SEARCH:
        return outcome(404, "not-supported", f"{kind} is not served here.")
    rows_for, build = SEARCH[kind]
    try:
        rows = rows_for(client, request.GET)
        count = _number(request.GET, "_count", PAGE, MOST)
        page = _number(request.GET, "_page", 1, 10**6)
    except BadRequest as error:
        return outcome(400, "invalid", str(error))
    matched = rows.count()  # pages count rows: for Observation a screening is one or two resources
    total = matched
    if kind == "Observation":
        with_item = [i.code for i in instruments.all() if i.self_harm_item]
        total += rows.filter(instrument_code__in=with_item).count()
    found = [r for row in rows[(page - 1) * count : page * count] for r in build(row)]
    return _fhir(_bundle(request, kind, found, total, page * count < matched, count))


@api_view
def read(request, client, kind, pk):
    if kind == "Questionnaire":
        instrument = next((i for i in instruments.all() if i.code.lower() == pk and i.code in resources.CODES), None)
        if instrument is None:
            return outcome(404, "not-found", f"Questionnaire/{pk} is not here.")
        return _fhir(resources.questionnaire(instrument))
    if kind not in SEARCH:
        return outcome(404, "not-supported", f"{kind} is not served here.")
    try:
        code = uuid.UUID(pk[:36])  # an Observation's id is its screening's, then -total or -self-harm
    except ValueError:
        return outcome(404, "not-found", f"{kind}/{pk} is not here.")
    rows_for, build = SEARCH[kind]
    row = rows_for(client, QueryDict()).filter(code=code).first()
    found = [r for r in build(row) if r["id"] == pk] if row else []
    if not found:
        return outcome(404, "not-found", f"{kind}/{pk} is not here.")
    return _fhir(found[0])
