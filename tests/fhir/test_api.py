"""The read-only FHIR R4 API (issue 16): every resource it returns validates against fhir.resources'
R4B models; search by patient and date; only the authorised clinic's data; 401 for anyone else."""

from datetime import date

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from fhir_api import auth
from fhir_api.models import ApiClient
from referrals import services
from referrals.models import Provider
from screening import instruments
from screening.models import AuditEntry, Method
from screening.services import record_screening

from ..conftest import make_mother

MODELS = {
    "Patient": Patient,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "ServiceRequest": ServiceRequest,
    "Task": Task,
}
SELF_HARM_EPDS = [1, 1, 1, 1, 2, 2, 2, 1, 3, 2]  # 11, item 10 scores 1


@pytest.fixture
def records(clinic_a, clinic_b, front_desk, clinician, outsider):
    return make_records(clinic_a, clinic_b, front_desk, clinician, outsider)


def make_records(clinic_a, clinic_b, front_desk, clinician, outsider):
    mine = make_mother(clinic_a, front_desk, record_number="A-1")
    theirs = make_mother(clinic_b, outsider, record_number="B-1")
    screen = lambda m, i, a, day, by: record_screening(  # noqa: E731
        mother=m, instrument=i, answers=a, taken_on=day, method=Method.PAPER, entered_by=by
    )
    epds = screen(mine, instruments.EPDS, SELF_HARM_EPDS, date(2026, 10, 1), front_desk)
    phq9 = screen(mine, instruments.PHQ9, [2, 2, 2, 2, 1, 1, 1, 0, 1], date(2026, 11, 2), front_desk)
    screen(theirs, instruments.PHQ9, [3] * 9, date(2026, 11, 2), outsider)
    provider = Provider.objects.create(clinic=clinic_a, name="Harbor Therapy", pathways=["cbt"], contact="x")
    referral = services.create_referral(
        mother=mine, pathway="cbt", actor=clinician, screening=epds, provider=provider, override_reason="chosen"
    )
    return {"mine": mine, "theirs": theirs, "epds": epds, "phq9": phq9, "referral": referral}


@pytest.fixture
def api(client, clinic_a, clinic_admin):
    _client, token = auth.create(clinic_a, "County EHR", clinic_admin)

    def get(path, **params):
        return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")

    return get


def valid(body):
    """The body as fhir.resources reads it: a Bundle and each entry by its own type, or one resource."""
    if body["resourceType"] == "Bundle":
        Bundle.model_validate(body)
        for entry in body.get("entry", []):
            MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
        return [e["resource"] for e in body.get("entry", [])]
    MODELS[body["resourceType"]].model_validate(body)
    return [body]


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_resource_type_validates_in_search_and_read(api, records, kind):
    response = api(f"/fhir/{kind}")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    found = valid(response.json())
    assert found, kind
    for resource in found:
        one = api(f"/fhir/{kind}/{resource['id']}")
        assert one.status_code == 200
        assert valid(one.json()) == [resource]


def test_search_returns_only_the_authorised_clinics_data(api, records):
    patients = valid(api("/fhir/Patient").json())
    assert [p["id"] for p in patients] == [str(records["mine"].code)]
    responses = valid(api("/fhir/QuestionnaireResponse").json())
    assert {r["id"] for r in responses} == {str(records["epds"].code), str(records["phq9"].code)}
    theirs = records["theirs"]
    assert api(f"/fhir/Patient/{theirs.code}").status_code == 404
    assert valid(api("/fhir/Observation", patient=f"Patient/{theirs.code}").json()) == []


def test_search_by_patient_and_date_pages_through_every_match(api, records):
    mine = records["mine"]
    everything = api("/fhir/Observation", patient=str(mine.code), _count=100).json()
    # the EPDS: a panel, its total and 10 items = 12; the PHQ-9: a panel, its total and 9 items = 11
    assert everything["total"] == 23 == len(everything["entry"])
    pages, page = [], 1
    while True:
        body = api("/fhir/Observation", patient=str(mine.code), _count=5, _page=page).json()
        pages.append(len(body["entry"]))
        if not any(link["relation"] == "next" for link in body["link"]):
            break
        page += 1
    assert pages == [5, 5, 5, 5, 3]  # _count is entries, whatever a screening makes
    assert api("/fhir/Observation", patient=str(mine.code), _count=0).json() | {"link": None} == {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 23,
        "link": None,
        "entry": [],
    }
    october = valid(api("/fhir/Observation", patient=str(mine.code), date=["ge2026-10-01", "le2026-10-31"]).json())
    assert {o["id"] for o in october} == {
        f"{records['epds'].code}-{suffix}" for suffix in ["panel", "total", *(f"item-{n}" for n in range(1, 11))]
    }
    assert api("/fhir/Observation", date="yesterday").status_code == 400
    assert api("/fhir/Observation", date="ge2026-13-45").status_code == 400
    assert api("/fhir/Task", patient="not-a-patient").status_code == 400


def test_each_screening_is_a_coded_panel_with_its_total_and_items(api, records):
    epds, phq9 = records["epds"], records["phq9"]
    panel = api(f"/fhir/Observation/{epds.code}-panel").json()
    assert panel["code"]["coding"][0]["code"] == "71354-5" and "value" not in str(panel.keys())
    assert [m["reference"] for m in panel["hasMember"]] == [
        f"Observation/{epds.code}-{suffix}" for suffix in ["total", *(f"item-{n}" for n in range(1, 11))]
    ]
    assert panel["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{epds.code}"}]
    assert panel["category"][0]["coding"][0]["code"] == "survey"
    total = api(f"/fhir/Observation/{epds.code}-total").json()
    assert total["code"]["coding"][0]["code"] == "99046-5" and total["valueInteger"] == epds.total
    item10 = api(f"/fhir/Observation/{epds.code}-item-10").json()
    assert item10["valueInteger"] == 1 and "coding" not in item10["code"]  # no LOINC code guessed
    item9 = api(f"/fhir/Observation/{phq9.code}-item-9").json()
    assert item9["code"]["coding"][0]["code"] == "44260-8"
    assert item9["valueCodeableConcept"]["coding"][0]["code"] == "LA6569-3"  # "Several days"
    phq_total = api(f"/fhir/Observation/{phq9.code}-total").json()["code"]["coding"][0]
    assert phq_total == {
        "system": "http://loinc.org",
        "code": "44261-6",
        "display": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    }
    by_code = valid(api("/fhir/Observation", code="http://loinc.org|44260-8").json())
    assert [o["id"] for o in by_code] == [f"{phq9.code}-item-9"]  # only the Observations with that code


def test_a_referral_is_a_service_request_and_a_task_in_its_lifecycle(api, records):
    referral = records["referral"]
    request = api(f"/fhir/ServiceRequest/{referral.code}").json()
    assert request["status"] == "active" and request["code"]["coding"][0]["code"] == "306343005"
    task = api(f"/fhir/Task/{referral.code}").json()
    assert task["status"] == "requested" and task["focus"]["reference"] == f"ServiceRequest/{referral.code}"


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer 00000000-0000-0000-0000-000000000000.guess"],
)
def test_without_a_valid_token_the_answer_is_401_and_nothing_else(client, records, header):
    response = client.get("/fhir/Patient", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and records["mine"].family_name not in response.content.decode()


def test_a_revoked_client_gets_401_and_every_request_is_audited(client, clinic_a, clinic_admin, records):
    api_client, token = auth.create(clinic_a, "Old system", clinic_admin)
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert AuditEntry.objects.filter(summary="FHIR Old system: /fhir/Patient").count() == 1
    ApiClient.objects.filter(pk=api_client.pk).update(revoked_at=api_client.created_at)
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.post("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_api_is_read_only(api, client, clinic_a, clinic_admin):
    _c, token = auth.create(clinic_a, "Writer", clinic_admin)
    assert client.post("/fhir/Patient", {}, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_a_clinic_admin_authorises_a_system_and_sees_its_token_once(login, clinic_admin, clinician):
    admin = login(clinic_admin)
    page = admin.post(reverse("api_clients"), {"name": "County EHR"}).content.decode()
    api_client = ApiClient.objects.get()
    assert str(api_client.code) in page and "shown this once" in page
    assert api_client.secret_hash not in page
    again = admin.get(reverse("api_clients")).content.decode()
    assert "shown this once" not in again
    assert login(clinician).get(reverse("api_clients")).status_code == 403
    admin.post(reverse("api_client_revoke", args=[api_client.code]))
    assert ApiClient.objects.get().revoked_at is not None


def test_a_real_client_id_with_a_wrong_secret_gets_401(client, clinic_a, clinic_admin, records):
    api_client, token = auth.create(clinic_a, "County EHR", clinic_admin)
    wrong = f"{api_client.code}.{token.split('.', 1)[1][:-2]}xx"
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {wrong}").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_bulk_export_with_a_real_worker_returns_only_the_clinics_records_as_valid_ndjson(
    broker, clinic_a, clinic_b, front_desk, clinician, outsider, clinic_admin, tmp_path, settings
):
    import json

    from ..workers import celery_workers, wait_for

    records_for_export = make_records(clinic_a, clinic_b, front_desk, clinician, outsider)
    _api_client, token = auth.create(clinic_a, "Warehouse", clinic_admin)
    _other, other_token = auth.create(clinic_b, "Their warehouse", outsider)
    from django.test import Client

    http = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert http.get("/fhir/$export", **header).status_code == 400  # asynchronous only
    with celery_workers(tmp_path, names=("w1",)):
        started = http.get("/fhir/$export", HTTP_PREFER="respond-async", **header)
        assert started.status_code == 202
        status_url = started["Content-Location"].removeprefix("http://testserver")
        assert wait_for(lambda: http.get(status_url, **header).status_code == 200, seconds=60)
    manifest = http.get(status_url, **header).json()
    assert http.get(status_url, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
    counts = {}
    for part in manifest["output"]:
        path = part["url"].removeprefix("http://testserver")
        assert http.get(path, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404
        response = http.get(path, **header)
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(response.streaming_content).decode().splitlines()
        resources = [json.loads(line) for line in lines]
        assert all(valid(r) for r in resources) and len(resources) == part["count"]
        counts[part["type"]] = resources
    assert [p["id"] for p in counts["Patient"]] == [str(records_for_export["mine"].code)]
    assert len(counts["Observation"]) == 23 and len(counts["Task"]) == 1
    assert [q["id"] for q in counts["Questionnaire"]] == ["epds", "phq-9", "phq-2", "gad-7", "whooley", "gad-2"]
    assert manifest["request"] == "http://testserver/fhir/$export"
    theirs = str(records_for_export["theirs"].code)
    assert not any(theirs in json.dumps(r) for rs in counts.values() for r in rs)


def test_a_rejected_referral_is_a_revoked_request_and_a_rejected_task_never_completed(api, records, clinician):
    from referrals.models import Status

    referral = services.transition(records["referral"], Status.REJECTED, actor=clinician, reason="No capacity")
    request = api(f"/fhir/ServiceRequest/{referral.code}").json()
    task = api(f"/fhir/Task/{referral.code}").json()
    assert (request["status"], task["status"]) == ("revoked", "rejected")
    assert "end" in task["executionPeriod"]
    assert task["statusReason"] == {"text": "No capacity"}  # why it was refused, as FHIR's Task says it


def test_a_task_on_hold_says_why_and_loses_the_reason_when_it_goes_on(api, records, clinician):
    from referrals.models import Status

    referral = services.transition(records["referral"], Status.ON_HOLD, actor=clinician, reason="She is in hospital")
    assert api(f"/fhir/Task/{referral.code}").json()["statusReason"] == {"text": "She is in hospital"}
    referral = services.transition(referral, Status.REQUESTED, actor=clinician, reason="Home again")
    task = api(f"/fhir/Task?_id={referral.code}").json()["entry"][0]["resource"]
    assert task["status"] == "requested" and "statusReason" not in task
