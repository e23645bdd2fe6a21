"""The clinic's records as FHIR R4 resources, each built (and so validated) with fhir.resources'
R4B models: a mother as Patient, an instrument as Questionnaire, a screening as
QuestionnaireResponse and Observations (its total and its self-harm item), a referral as
ServiceRequest and Task.

Codes (LOINC) are those of the project's clinical facts (`shared/clinical.md` section 6). Each was
cross-checked against public FHIR content carrying LOINC's own display name (docs/fhir.md says
where); LOINC's database itself is not reachable here. An item with no LOINC code known here (the
EPDS's self-harm item) is sent as text only, never with a guessed code."""

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from referrals import pathways
from referrals.models import Status, Urgency

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
SCREENING_PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"
CODES = {  # instrument: (panel, total, {item number: code})
    "EPDS": ("71354-5", "99046-5", {}),
    "PHQ-9": ("44249-1", "44261-6", {9: "44260-8"}),
    "PHQ-2": ("55757-9", "55758-7", {}),
    "GAD-7": ("69737-5", "70274-6", {}),
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


def _json(model, data):
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def _ref(kind, code):
    return {"reference": f"{kind}/{code}"}


def _loinc(code, display):
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


def patient(mother):
    telecom = [{"system": "phone", "value": mother.phone}] if mother.phone else []
    telecom += [{"system": "email", "value": mother.email}] if mother.email else []
    return _json(
        Patient,
        {
            "resourceType": "Patient",
            "id": str(mother.code),
            "identifier": [{"system": f"urn:uuid:{mother.clinic.code}", "value": mother.record_number}],
            "name": [{"family": mother.family_name, "given": [mother.given_name]}],
            "birthDate": mother.date_of_birth.isoformat(),
            "gender": "female",
            "telecom": telecom or None,
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": mother.preferred_language}]}}
            ],
        },
    )


def questionnaire(instrument):
    panel, _total, items = CODES[instrument.code]
    return _json(
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
            "code": [{"system": LOINC, "code": panel}],
            "copyright": instrument.licence,
            "item": [
                {
                    "linkId": str(item.number),
                    "text": item.text,
                    "type": "choice",
                    "code": [{"system": LOINC, "code": items[item.number]}] if item.number in items else None,
                    "answerOption": [
                        {"valueCoding": {"code": str(position), "display": option.text}}
                        for position, option in enumerate(item.options)
                    ],
                }
                for item in instrument.items
            ],
        },
    )


def questionnaire_response(screening):
    instrument = screening.instrument
    return _json(
        QuestionnaireResponse,
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(screening.code),
            "questionnaire": f"urn:ppd:questionnaire:{instrument.code}|{screening.instrument_version}",
            "status": "completed",
            "subject": _ref("Patient", screening.mother.code),
            "authored": screening.created_at.isoformat(),
            "item": [
                {
                    "linkId": str(item.number),
                    "text": item.text,
                    "answer": [{"valueCoding": {"code": str(answer), "display": item.options[answer].text}}],
                }
                for item, answer in zip(instrument.items, screening.answers, strict=True)
            ],
        },
    )


def _observation(screening, suffix, code, value):
    return _json(
        Observation,
        {
            "resourceType": "Observation",
            "id": f"{screening.code}-{suffix}",
            "meta": {"profile": [SCREENING_PROFILE]},
            "status": "final",
            "category": [
                {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}
            ],
            "code": code,
            "subject": _ref("Patient", screening.mother.code),
            "effectiveDateTime": screening.taken_on.isoformat(),
            "valueInteger": value,
            "derivedFrom": [_ref("QuestionnaireResponse", screening.code)],
        },
    )


def observations(screening):
    """Its total, and its self-harm item where the instrument has one."""
    instrument = screening.instrument
    _panel, total, items = CODES[instrument.code]
    found = [_observation(screening, "total", _loinc(total, f"{instrument.code} total score"), screening.total)]
    number = instrument.self_harm_item
    if number:
        item = instrument.items[number - 1]
        score = item.options[screening.answers[number - 1]].score
        code = (
            _loinc(items[number], item.text)
            if number in items
            else {"text": f"{instrument.code} item {number}: {item.text}"}
        )
        found.append(_observation(screening, "self-harm", code, score))
    return found


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
    )


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
            "owner": {"display": referral.provider.name} if referral.provider else None,
            "executionPeriod": period or None,
        },
    )
