"""Issue 29, as an integrator meets the API: a truthful CapabilityStatement, strict search (an
unknown parameter is refused, never ignored into the wrong patient), _count, lastUpdated and ETags,
FHIR errors for everything under /fhir/, Bulk Data parameters, and an audit entry per mother."""

import json

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from fhir_api import auth
from fhir_api.capabilities import SERVED
from fhir_api.models import BulkExport
from screening.models import AuditEntry

from .test_api import make_records, valid

UNKNOWN_PATIENT = "Patient/00000000-0000-4000-8000-000000000000"


@pytest.fixture
def records(clinic_a, clinic_b, front_desk, clinician, outsider):
    return make_records(clinic_a, clinic_b, front_desk, clinician, outsider)


@pytest.fixture
def token(clinic_a, clinic_admin):
    return auth.create(clinic_a, "County EHR", clinic_admin)[1]


@pytest.fixture
def api(client, token):
    def get(path, headers=None, **params):
        return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}", headers=headers or {})

    return get


def example(name, records, clinic):
    """A value a client would send for each declared parameter."""
    mine = records["mine"]
    return {
        "_id": str(mine.code),
        "_lastUpdated": "ge2026-01-01",
        "identifier": f"urn:uuid:{clinic.code}|A-1",
        "patient": str(mine.code),
        "subject": f"Patient/{mine.code}",
        "date": "ge2026-01-01",
        "authored": "ge2026-01-01",
        "authored-on": "ge2026-01-01",
        "code": "http://loinc.org|44261-6",
        "category": "survey",
        "status": "requested",
    }[name]


def test_the_capability_statement_is_public_and_every_declared_parameter_is_applied(client, api, records, clinic_a):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    declared = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(declared) == {*SERVED, "Questionnaire"}
    assert statement["rest"][0]["operation"][0]["name"] == "export"
    for kind, resource in declared.items():
        for param in resource.get("searchParam", []):
            if param["name"] in ("_count", "_page"):
                continue
            value = example(param["name"], records, clinic_a)
            if param["name"] == "status" and kind != "Task":
                value = {"ServiceRequest": "active"}.get(kind, "final")
            answer = api(f"/fhir/{kind}", **{param["name"]: value})
            assert answer.status_code == 200, (kind, param["name"], answer.content)
        refused = api(f"/fhir/{kind}", **{"_has:Nope": "x"})
        assert refused.status_code == 400 and "_has:Nope" in refused.json()["issue"][0]["diagnostics"]


def test_an_unknown_parameter_is_refused_never_ignored_into_another_mother(api, records, clinic_a):
    refused = api("/fhir/Patient", family="Lopez")
    assert refused.status_code == 400 and "family" in refused.json()["issue"][0]["diagnostics"]
    assert valid(api("/fhir/Patient", identifier="NO-SUCH").json()) == []
    mine = valid(api("/fhir/Patient", identifier=f"urn:uuid:{clinic_a.code}|A-1").json())
    assert [p["id"] for p in mine] == [str(records["mine"].code)]
    assert valid(api("/fhir/Patient", identifier="urn:uuid:another-system|A-1").json()) == []
    assert valid(api("/fhir/Observation", subject=UNKNOWN_PATIENT).json()) == []
    assert api("/fhir/Observation", subject="Practitioner/1").status_code == 400


def test_lenient_handling_ignores_the_unknown_and_says_so(api, records):
    body = api("/fhir/Patient", headers={"Prefer": "handling=lenient"}, family="Lopez", _count=5).json()
    assert body["link"][0]["url"].endswith("/fhir/Patient?_count=5")  # the ignored parameter is not echoed
    outcome = [e for e in body["entry"] if e["search"]["mode"] == "outcome"]
    assert "family" in outcome[0]["resource"]["issue"][0]["diagnostics"]


def test_count_last_updated_and_etags(api, records):
    assert len(api("/fhir/Observation", _count=5).json()["entry"]) == 5
    assert api("/fhir/Observation", _count=0).json()["entry"] == []
    assert api("/fhir/Observation", _count=-1).status_code == 400
    for kind in SERVED:
        for resource in valid(api(f"/fhir/{kind}").json()):
            assert resource["meta"]["lastUpdated"], kind
    path = f"/fhir/Patient/{records['mine'].code}"
    first = api(path)
    assert first["ETag"].startswith('W/"') and first["Last-Modified"]
    assert api(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    records["mine"].phone = "+15555550199"
    records["mine"].save()
    changed = api(path, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["meta"]["lastUpdated"] > first.json()["meta"]["lastUpdated"]


def test_the_response_says_the_day_she_was_screened(api, records):
    response = api(f"/fhir/QuestionnaireResponse/{records['epds'].code}").json()
    assert response["authored"] == "2026-10-01"  # the day taken, not the day typed in
    assert response["extension"][0]["valueDateTime"].startswith(records["epds"].created_at.date().isoformat())


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/fhir/", 404),
        ("get", "/fhir/Patient/x/y/z", 404),
        ("post", "/fhir/metadata", 405),
        ("post", "/fhir/Patient", 405),
        ("delete", "/fhir/Patient/1", 405),
        ("get", "/fhir/Patient?_format=xml", 406),
        ("get", "/fhir/Nope", 404),
    ],
)
def test_every_answer_under_fhir_is_fhir_and_never_stored(client, token, method, path, status):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/fhir+json" and response["Cache-Control"] == "no-store"
    assert response.json()["resourceType"] == "OperationOutcome"


def test_an_unauthenticated_answer_is_fhir_too(client):
    response = client.get("/fhir/Patient")
    assert response.status_code == 401 and response["Cache-Control"] == "no-store"
    assert response.json()["issue"][0]["code"] == "login"


def test_each_mother_read_is_on_her_audit_trail(api, records):
    api("/fhir/Observation", patient=str(records["mine"].code))
    entries = AuditEntry.objects.filter(
        object_code=records["mine"].code, summary="FHIR client County EHR read Observation"
    )
    assert entries.count() == 1
    assert not AuditEntry.objects.filter(object_code=records["theirs"].code).exists()


def test_bulk_kick_offs_take_the_bulk_data_parameters(client, token, records, clinic_a):
    async_ = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_PREFER": "respond-async"}

    def kick(path, **params):
        return client.get(path, params, **async_)

    assert kick("/fhir/$export", _outputFormat="application/fhir+xml").status_code == 400
    assert kick("/fhir/$export", _typeFilter="Patient?x=y").status_code == 400
    assert kick("/fhir/$export", _type="Patient,Nope").status_code == 400
    assert kick("/fhir/$export", _since="yesterday").status_code == 400
    assert kick("/fhir/Group/00000000-0000-4000-8000-000000000000/$export").status_code == 404
    started = kick("/fhir/$export", _type="Observation,Patient", _since="2026-01-01T00:00:00Z")
    assert started.status_code == 202
    job = BulkExport.objects.get()
    assert (job.types, job.since.year) == (["Patient", "Observation"], 2026)
    assert job.request_url.endswith("_type=Observation%2CPatient&_since=2026-01-01T00%3A00%3A00Z")
    BulkExport.objects.update(state=BulkExport.State.DONE)
    group = kick(f"/fhir/Group/{clinic_a.code}/$export")
    assert group.status_code == 202
    assert BulkExport.objects.latest("pk").types == [
        "Patient",
        "QuestionnaireResponse",
        "Observation",
        "ServiceRequest",
        "Task",
    ]
    BulkExport.objects.update(state=BulkExport.State.DONE)
    assert kick("/fhir/Patient/$export", _type="Questionnaire").status_code == 400  # not a patient's
    assert json.loads(kick("/fhir/Patient/$export").content)["resourceType"] == "OperationOutcome"


def test_each_mother_exported_is_on_her_audit_trail(client, token, records):
    from fhir_api import export

    client.get("/fhir/Patient/$export", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_PREFER="respond-async")
    export.run(BulkExport.objects.get().pk)
    summary = "FHIR client County EHR exported her records"
    assert AuditEntry.objects.filter(object_code=records["mine"].code, summary=summary).count() == 1
    assert not AuditEntry.objects.filter(object_code=records["theirs"].code, summary=summary).exists()


# Each questionnaire's `revised` date and a digest of the Questionnaire this server sends for it.
REVISED = {
    "EPDS": ("2026-12-04T00:00:00Z", "ddb1e4bc769f8933"),
    "PHQ-9": ("2026-12-04T00:00:00Z", "08fe9caa252c2eb4"),
    "PHQ-2": ("2026-12-04T00:00:00Z", "a886e5a7a9221c0c"),
    "GAD-7": ("2026-12-04T00:00:00Z", "c7edd097dfd4814e"),
    "Whooley": ("2026-12-05T00:00:00Z", "c418e074c6ce32b1"),
    "GAD-2": ("2026-12-05T00:00:00Z", "49c439463a9196f0"),
}


def test_a_questionnaire_changed_without_its_revision_date_fails_here():
    """Questionnaire's meta.lastUpdated is the instrument's `revised`: change a definition (its text,
    options, codes) and this test asks for the date (and the digest here) to be brought up to date."""
    import hashlib

    from fhir_api import resources
    from fhir_api.views import QUESTIONNAIRES

    assert set(REVISED) == {i.code for i in QUESTIONNAIRES.values()}
    for instrument in QUESTIONNAIRES.values():
        body = resources.questionnaire(instrument)
        assert body["meta"]["lastUpdated"] == REVISED[instrument.code][0] == instrument.revised
        body.pop("meta")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        assert digest == REVISED[instrument.code][1], f"{instrument.code} changed: update its `revised`"
