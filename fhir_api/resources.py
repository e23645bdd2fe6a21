"""The clinic's records as FHIR R4 resources, each built (and so validated) with fhir.resources'
R4B models: a mother as Patient, an instrument as Questionnaire, a screening as
QuestionnaireResponse and Observations in the US Core screening pattern (a panel whose hasMember
are its total and each item), a referral as ServiceRequest and Task. Every resource carries
meta.lastUpdated.

Codes (LOINC) are those of the project's clinical facts (docs/clinical.md section 6). A display
is sent only where LOINC's own display was found in public FHIR content (DISPLAY; docs/fhir.md says
where); LOINC's database itself is not reachable here. An item with no LOINC code known here (the
EPDS's items) is sent as text only, never with a guessed code."""

from django.db.models import Case, OuterRef, Subquery, Value, When
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from referrals import pathways
from referrals.lifecycle import NEEDS_REASON
from referrals.models import ReferralEvent, Status, Urgency
from screening import instruments

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
SCREENING_PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ENTERED_AT = "urn:ppd:fhir:StructureDefinition:entered-at"  # when staff or she entered the screen
DISPLAY = {  # LOINC's own display, where docs/fhir.md says it was found
    "44249-1": "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    "44261-6": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    "44260-8": "Thoughts that you would be better off dead, or of hurting yourself in some way",
    "55757-9": "Patient Health Questionnaire 2 item (PHQ-2)",
    "55758-7": "Patient Health Questionnaire 2 item (PHQ-2) total score [Reported]",
    "70274-6": "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
}
THERAPY = {"cbt", "ipt", "mip"}  # SNOMED CT 306343005 "referral to psychotherapist"
TASK_TO_REQUEST = {
    Status.DRAFT: "draft",
    Status.REQUESTED: "active",
    Status.ACCEPTED: "active",
    Status.ON_HOLD: "on-hold",
    Status.IN_PROGRESS: "active",
    Status.COMPLETED: "completed",
    Status.REJECTED: "revoked",
    Status.CANCELLED: "revoked",
    Status.FAILED: "revoked",
    Status.ENTERED_IN_ERROR: "entered-in-error",
}
PRIORITY = {Urgency.ROUTINE: "routine", Urgency.URGENT: "urgent", Urgency.SAME_DAY: "asap"}


def _json(model, data, updated=None):
    if updated is not None:
        data["meta"] = {**data.get("meta", {}), "lastUpdated": updated.isoformat()}
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def identifier_system(clinic):
    """Her record number's system: the clinic's (record numbers are unique within a clinic)."""
    return f"urn:uuid:{clinic.code}"


def all_codes(instrument):
    return {code for code in (instrument.loinc.panel, instrument.loinc.total, *instrument.loinc.items) if code}


def _item_code(instrument, number):
    return instrument.loinc.items[number - 1] if instrument.loinc.items else None


def _ref(kind, code):
    return {"reference": f"{kind}/{code}"}


def _loinc(code, text):
    """LOINC's code, with LOINC's display where it was found; `text` is what the app shows (alone
    where no code is known)."""
    if code is None:
        return {"text": text}
    return {"coding": [{"system": LOINC, "code": code, "display": DISPLAY.get(code)}], "text": text}


def patient(mother):
    telecom = [{"system": "phone", "value": mother.phone}] if mother.phone else []
    telecom += [{"system": "email", "value": mother.email}] if mother.email else []
    return _json(
        Patient,
        {
            "resourceType": "Patient",
            "id": str(mother.code),
            "identifier": [{"system": identifier_system(mother.clinic), "value": mother.record_number}],
            "name": [{"family": mother.family_name, "given": [mother.given_name]}],
            "birthDate": mother.date_of_birth.isoformat(),
            "gender": "female",
            "telecom": telecom or None,
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": mother.preferred_language}]}}
            ],
        },
        mother.updated_at,
    )


def questionnaire(instrument):
    panel = instrument.loinc.panel
    resource = _json(
        Questionnaire,
        {
            "resourceType": "Questionnaire",
            "id": instrument.code.lower(),
            "url": f"urn:ppd:questionnaire:{instrument.code}",
            "version": instrument.version,
            "name": instrument.code.replace("-", ""),
            "title": instrument.name,
            "status": "active",
            "subjectType": ["Patient"],
            "code": [{"system": LOINC, "code": panel, "display": DISPLAY.get(panel)}] if panel else None,
            "copyright": instrument.licence,
            "item": [
                {
                    "linkId": str(item.number),
                    "text": item.text,
                    "type": "choice",
                    "code": [{"system": LOINC, "code": code, "display": DISPLAY.get(code)}]
                    if (code := _item_code(instrument, item.number))
                    else None,
                    "answerOption": [
                        {"valueCoding": {"code": str(position), "display": option.text}}
                        for position, option in enumerate(item.options)
                    ],
                }
                for item in instrument.items
            ],
        },
    )
    resource["meta"] = {"lastUpdated": instrument.revised}
    return resource


def questionnaire_response(screening):
    """`authored` is the day the screen was taken (a paper form has no hour); when it was typed in
    is meta.lastUpdated's first value and the entered-at extension."""
    instrument = screening.instrument
    return _json(
        QuestionnaireResponse,
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(screening.code),
            "questionnaire": f"urn:ppd:questionnaire:{instrument.code}|{screening.instrument_version}",
            "status": "completed",
            "subject": _ref("Patient", screening.mother.code),
            "authored": screening.taken_on.isoformat(),
            "extension": [{"url": ENTERED_AT, "valueDateTime": screening.created_at.isoformat()}],
            "item": [
                {
                    "linkId": str(item.number),
                    "text": item.text,
                    "answer": [{"valueCoding": {"code": str(answer), "display": item.options[answer].text}}],
                }
                for item, answer in zip(instrument.items, screening.answers, strict=True)
            ],
        },
        screening.updated_at,
    )


def observation_plan(instrument_code):
    """The Observations one screening of this instrument makes, in order: [(id suffix, LOINC code or
    None)]: its panel, its total, each item."""
    instrument = instruments.get(instrument_code)
    items = [(f"item-{item.number}", _item_code(instrument, item.number)) for item in instrument.items]
    return [("panel", instrument.loinc.panel), ("total", instrument.loinc.total), *items]


def _observation(screening, suffix, code, **value):
    return _json(
        Observation,
        {
            "resourceType": "Observation",
            "id": f"{screening.code}-{suffix}",
            "meta": {"profile": [SCREENING_PROFILE]},
            "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}],
            "code": code,
            "subject": _ref("Patient", screening.mother.code),
            "effectiveDateTime": screening.taken_on.isoformat(),
            "derivedFrom": [_ref("QuestionnaireResponse", screening.code)],
            **value,
        },
        screening.updated_at,
    )


def observations(screening, keep=None):
    """The screening's panel (hasMember: its total and each item), its total and each item's answer;
    `keep`: only the id suffixes given."""
    instrument = screening.instrument
    plan = observation_plan(instrument.code)
    keep = keep if keep is not None else {suffix for suffix, _code in plan}
    found = []
    for suffix, code in plan:
        if suffix not in keep:
            continue
        if suffix == "panel":
            members = [_ref("Observation", f"{screening.code}-{s}") for s, _c in plan if s != "panel"]
            found.append(_observation(screening, suffix, _loinc(code, instrument.name), hasMember=members))
        elif suffix == "total":
            found.append(
                _observation(
                    screening, suffix, _loinc(code, f"{instrument.code} total score"), valueInteger=screening.total
                )
            )
        else:
            found.append(_item(screening, suffix, code))
    return found


def _item(screening, suffix, code):
    instrument = screening.instrument
    number = int(suffix.removeprefix("item-"))
    item = instrument.items[number - 1]
    position = screening.answers[number - 1]
    text = f"{instrument.code} item {number}: {item.text}"
    concept = _loinc(code, text) if code else {"text": text}
    answers = instrument.loinc.answers
    if answers:
        value = {
            "valueCodeableConcept": {
                "coding": [{"system": LOINC, "code": answers[position]}],
                "text": item.options[position].text,
            }
        }
    else:
        value = {"valueInteger": item.options[position].score}
    return _observation(screening, suffix, concept, **value)


def service_request(referral):
    pathway = pathways.CATALOGUE[referral.pathway]
    code = {"text": str(pathway.name)}
    if referral.pathway in THERAPY:
        code["coding"] = [{"system": SNOMED, "code": "306343005", "display": "Referral to psychotherapist"}]
    return _json(
        ServiceRequest,
        {
            "resourceType": "ServiceRequest",
            "id": str(referral.code),
            "status": TASK_TO_REQUEST[Status(referral.status)],
            "intent": "order",
            "priority": PRIORITY.get(referral.urgency, "routine"),
            "code": code,
            "subject": _ref("Patient", referral.mother.code),
            "authoredOn": referral.requested_at.isoformat() if referral.requested_at else None,
            "performer": [{"display": referral.provider.name}] if referral.provider else None,
            "reasonReference": [_ref("Observation", f"{referral.screening.code}-total")]
            if referral.screening
            else None,
            "note": [{"text": referral.note}] if referral.note else None,
        },
        referral.updated_at,
    )


def status_reason():
    """For the referrals' query: Task.statusReason ("why this task is held, failed, was refused"),
    the reason staff gave when the referral entered its current status, if that status needs one."""
    entered = ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=OuterRef("status")).exclude(reason="")
    reason = Subquery(entered.order_by("-at", "-pk").values("reason")[:1])
    return Case(When(status__in=NEEDS_REASON, then=reason), default=Value(""))


def task(referral):
    period = {}
    if referral.first_session_on:
        period["start"] = referral.first_session_on.isoformat()
    if referral.ended_at:
        period["end"] = referral.ended_at.isoformat()
    return _json(
        Task,
        {
            "resourceType": "Task",
            "id": str(referral.code),
            "status": referral.status,  # the lifecycle is FHIR Task's
            "intent": "order",
            "focus": _ref("ServiceRequest", referral.code),
            "for": _ref("Patient", referral.mother.code),
            "authoredOn": referral.created_at.isoformat(),
            "statusReason": {"text": referral.status_reason} if referral.status_reason else None,
            "owner": {"display": referral.provider.name} if referral.provider else None,
            "executionPeriod": period or None,
        },
        referral.updated_at,
    )
