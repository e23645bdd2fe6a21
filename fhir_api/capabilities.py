"""What the FHIR API serves, in one table (SERVED): each resource type's rows for a client, the
resources one row makes, and the search parameters it honours. The views search and read with it,
and GET /fhir/metadata is generated from it, so the CapabilityStatement cannot claim a parameter
the server does not apply. A parameter not in the table is refused (400), unless the client asks
`Prefer: handling=lenient`."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Q
from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from referrals.models import Referral, Status
from screening import instruments
from screening.models import Mother, Screening

from . import resources

DATE = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$")
LOOKUPS = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}
PAGE, MOST = 50, 200  # _count's default and its stated maximum
RESULT = {"_count", "_page", "_format"}  # result parameters every search takes


class BadRequest(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    type: str  # FHIR search parameter type
    documentation: str
    apply: Callable  # (rows, [values], client) -> rows


@dataclass(frozen=True)
class Served:
    rows: Callable  # (client) -> the client's rows, in a stable order
    build: Callable  # (row) -> [resources]
    params: dict = field(default_factory=dict)
    profile: str = ""


def _uuid(value, what):
    try:
        return uuid.UUID(value.strip())
    except ValueError as error:
        raise BadRequest(f"{what} must be an id, not {value!r}") from error


def _patient(path):
    def apply(rows, values, client):
        for value in values:
            kind, _slash, code = value.rpartition("/")
            if kind not in ("", "Patient"):
                raise BadRequest(f"{value!r} is not a Patient reference")
            rows = rows.filter(**{path: _uuid(code, "patient")})
        return rows

    return apply


def _ids(rows, values, client):
    codes = [_uuid(part[:36], "_id") for value in values for part in value.split(",")]
    return rows.filter(code__in=codes)


def _dates(path, with_time=False):
    """Day (or instant) comparisons; each value narrows the rows further."""

    def apply(rows, values, client):
        for value in values:
            match = DATE.match(value)
            if not match:
                raise BadRequest(f"a date must look like ge2026-01-01, not {value!r}")
            prefix, day = match.group(1) or "eq", match.group(2)
            try:
                moment = date.fromisoformat(day)
            except ValueError as error:
                raise BadRequest(f"no such date: {day}") from error
            if with_time:
                start = timezone.make_aware(datetime.combine(moment, time.min))
                end = timezone.make_aware(datetime.combine(moment, time.max))
                bound = {"eq": None, "ge": start, "gt": end, "le": end, "lt": start}[prefix]
                rows = (
                    rows.filter(**{f"{path}__range": (start, end)})
                    if bound is None
                    else rows.filter(**{f"{path}{LOOKUPS[prefix]}": bound})
                )
            else:
                rows = rows.filter(**{f"{path}{LOOKUPS[prefix]}": moment})
        return rows

    return apply


def _identifier(rows, values, client):
    """Her record number, `system|value` (the system is the clinic's: urn:uuid:<clinic code>) or a
    bare value."""
    for value in values:
        system, bar, number = value.rpartition("|")
        if bar and system and system != resources.identifier_system(client.clinic):
            return rows.none()
        rows = rows.filter(record_number=number if bar else value)
    return rows


def _tokens(choices):
    """A token parameter over a fixed set of codes: `code`, `system|code`, comma for or."""

    def apply(rows, values, client):
        for value in values:
            wanted = {part.rpartition("|")[2] for part in value.split(",")}
            rows = rows.filter(choices(wanted))
        return rows

    return apply


def _observation_code(wanted):
    return Q(instrument_code__in=[i.code for i in instruments.all() if wanted & resources.all_codes(i)])


def _referral_status(wanted):
    unknown = wanted - set(Status.values)
    if unknown:
        raise BadRequest(f"no such Task status: {', '.join(sorted(unknown))}")
    return Q(status__in=wanted)


def _request_status(wanted):
    return Q(status__in=[s for s, fhir in resources.TASK_TO_REQUEST.items() if fhir in wanted])


def _final(wanted):
    return Q() if wanted & {"final", "completed"} else Q(pk__in=[])


def _survey(wanted):
    return Q() if "survey" in wanted else Q(pk__in=[])


ID = Param("token", "The resource's id (comma for several).", _ids)
UPDATED = Param("date", "When the resource last changed (meta.lastUpdated).", _dates("updated_at", with_time=True))


def _subject(path):
    return {
        "patient": Param("reference", "The mother: <id> or Patient/<id>.", _patient(path)),
        "subject": Param("reference", "The same as patient.", _patient(path)),
    }


def _screenings(client):
    return Screening.objects.filter(clinic=client.clinic).select_related("mother").order_by("taken_on", "pk")


def _referrals(client):
    return (
        Referral.objects.filter(clinic=client.clinic)
        .select_related("mother", "provider", "screening")
        .annotate(status_reason=resources.status_reason())
        .order_by("created_at", "pk")
    )


SERVED = {
    "Patient": Served(
        rows=lambda client: Mother.objects.filter(clinic=client.clinic).select_related("clinic").order_by("pk"),
        build=lambda mother: [resources.patient(mother)],
        params={
            "_id": ID,
            "_lastUpdated": UPDATED,
            "identifier": Param(
                "token", "Her record number: <clinic system>|<number>, or the number alone.", _identifier
            ),
        },
    ),
    "QuestionnaireResponse": Served(
        rows=_screenings,
        build=lambda screening: [resources.questionnaire_response(screening)],
        params={
            "_id": ID,
            "_lastUpdated": UPDATED,
            **_subject("mother__code"),
            "authored": Param("date", "The day the screen was taken (authored).", _dates("taken_on")),
            "date": Param("date", "The same as authored.", _dates("taken_on")),
            "status": Param("token", "Always completed.", _tokens(_final)),
        },
    ),
    "Observation": Served(
        rows=_screenings,
        build=resources.observations,
        params={
            "_id": ID,
            "_lastUpdated": UPDATED,
            **_subject("mother__code"),
            "date": Param("date", "The day the screen was taken (effectiveDateTime).", _dates("taken_on")),
            "code": Param(
                "token", "A LOINC panel, total or item code: the screens that carry it.", _tokens(_observation_code)
            ),
            "category": Param("token", "Always survey.", _tokens(_survey)),
            "status": Param("token", "Always final.", _tokens(_final)),
        },
        profile=resources.SCREENING_PROFILE,
    ),
    "ServiceRequest": Served(
        rows=_referrals,
        build=lambda referral: [resources.service_request(referral)],
        params={
            "_id": ID,
            "_lastUpdated": UPDATED,
            **_subject("mother__code"),
            "authored": Param("date", "The day the referral was requested.", _dates("requested_at__date")),
            "date": Param("date", "The same as authored.", _dates("requested_at__date")),
            "status": Param(
                "token", "draft, active, on-hold, completed, revoked, entered-in-error.", _tokens(_request_status)
            ),
        },
    ),
    "Task": Served(
        rows=_referrals,
        build=lambda referral: [resources.task(referral)],
        params={
            "_id": ID,
            "_lastUpdated": UPDATED,
            **_subject("mother__code"),
            "authored-on": Param("date", "The day the referral was made.", _dates("created_at__date")),
            "status": Param("token", "The referral's status (FHIR Task's).", _tokens(_referral_status)),
        },
    ),
}


def capability_statement(request):
    """What this server does, from SERVED: types, interactions, search parameters, formats,
    $export and how clients authenticate."""

    base = request.build_absolute_uri("/fhir/").rstrip("/")
    common = [
        {
            "name": "_count",
            "type": "number",
            "documentation": f"Entries a page: {PAGE} unless asked, at most {MOST}; 0 gives the total only.",
        },
        {"name": "_page", "type": "number", "documentation": "The page to return, from 1 (the Bundle's next link)."},
    ]
    kinds = [
        {
            "type": kind,
            **({"supportedProfile": [served.profile]} if served.profile else {}),
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "versioning": "no-version",
            "readHistory": False,
            "searchParam": [
                {"name": name, "type": param.type, "documentation": param.documentation}
                for name, param in served.params.items()
            ]
            + common,
        }
        for kind, served in SERVED.items()
    ]
    kinds.append({"type": "Questionnaire", "interaction": [{"code": "read"}, {"code": "search-type"}]})
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "PPD screening and referral",
        "kind": "instance",
        "software": {"name": "PPD screening and referral"},
        "implementation": {"description": "The clinic's records, read-only", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read-only. Unknown search parameters are refused (400) unless the request says "
                "Prefer: handling=lenient. Reads carry an ETag and answer If-None-Match.",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "Authorization: Bearer <token>. Either the <client id>.<secret> a clinic admin "
                    "issues for one clinic (Settings, FHIR API clients), or a five-minute token from SMART Backend "
                    "Services (client credentials with a signed JWT assertion, RS384 or ES384; discovery at "
                    "/fhir/.well-known/smart-configuration).",
                },
                "resource": kinds,
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                        "documentation": "Kick-off with Prefer: respond-async at /fhir/$export (every type, "
                        "Questionnaire included), /fhir/Patient/$export or /fhir/Group/<clinic id>/$export (the "
                        "clinic's mothers); _type, _since and _outputFormat (NDJSON only) are honoured, anything "
                        "else is refused. One export runs at a time per client.",
                    }
                ],
            }
        ],
    }
    return CapabilityStatement.model_validate(statement).model_dump(mode="json", exclude_none=True)
