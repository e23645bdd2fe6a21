"""`$export`, its status and its files, for the client that asked. One export runs at a time per
client (a second kick-off is answered 429 with Retry-After); its files are deleted
FHIR_EXPORT_KEEP_HOURS after it finished (the manifest's Expires header says when); DELETE on the
status URL cancels it and deletes its files."""

from django.db import IntegrityError, transaction
from django.http import FileResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from common.tasks import enqueue_on_commit

from . import export
from .auth import api_view, outcome
from .models import BulkExport
from .views import _fhir

RETRY_AFTER = 60


KICK_OFF = {"_type", "_since", "_outputFormat"}


def _asked(request, level):
    """The kick-off's parameters as the Bulk Data Access IG names them: the types (each one served
    at this level), the instant since when, the format (NDJSON only). Anything else is refused."""
    unknown = sorted(set(request.GET) - KICK_OFF)
    if unknown:
        raise ValueError(f"Unsupported export parameter: {', '.join(unknown)}.")
    served = export.TYPES if level == "system" else export.PATIENT_TYPES
    types = [t.strip() for value in request.GET.getlist("_type") for t in value.split(",") if t.strip()]
    wrong = [t for t in types if t not in served]
    if wrong:
        raise ValueError(f"Not exported at this level: {', '.join(wrong)}. Exported: {', '.join(served)}.")
    fmt = request.GET.get("_outputFormat", "application/fhir+ndjson")
    if fmt not in export.FORMATS:
        raise ValueError(f"Only NDJSON is written (application/fhir+ndjson), not {fmt!r}.")
    since = None
    if "_since" in request.GET:
        since = parse_datetime(request.GET["_since"].replace(" ", "+"))
        if since is None or since.tzinfo is None:
            raise ValueError("_since must be a FHIR instant with its time zone, like 2026-11-01T00:00:00Z.")
    return [t for t in served if t in types] if types else served, since


@api_view
def kick_off(request, client, level="system", group=None):
    if request.headers.get("Prefer", "").strip() != "respond-async":
        return outcome(400, "invalid", "Send the header Prefer: respond-async.")
    if level == "group" and group != client.clinic.code:
        return outcome(404, "not-found", "No such Group: the group is your clinic's list, its id the clinic's.")
    try:
        types, since = _asked(request, level)
    except ValueError as error:
        return outcome(400, "not-supported", str(error))
    try:
        with transaction.atomic():
            job = BulkExport.objects.create(
                client=client, request_url=request.build_absolute_uri(), types=types, since=since
            )
    except IntegrityError:
        running = BulkExport.objects.filter(client=client, state__in=export.UNDER_WAY).first()
        response = outcome(429, "throttled", "An export of yours is still running: poll its status, or DELETE it.")
        response["Retry-After"] = str(RETRY_AFTER)
        if running:
            response["Content-Location"] = request.build_absolute_uri(
                reverse("fhir_export_status", args=[running.code])
            )
        return response
    enqueue_on_commit("fhir_api.tasks.bulk_export", job.pk, clinic=client.clinic_id)  # a dead broker never answers 500
    response = _fhir(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": "informational", "diagnostics": "Export started."}],
        },
        status=202,
    )
    response["Content-Location"] = request.build_absolute_uri(reverse("fhir_export_status", args=[job.code]))
    return response


def _job(client, code):
    """The client's export, or the answer to give: 404 if it never was, 410 once cancelled or
    expired (its files are deleted)."""
    job = BulkExport.objects.filter(code=code, client=client).first()
    if job is None:
        return None, outcome(404, "not-found", "No such export.")
    if job.state in export.GONE:
        return None, outcome(410, "deleted", f"This export was {job.state} and its files deleted: ask for a new one.")
    return job, None


@api_view(methods=("GET", "DELETE"))
def status(request, client, code):
    job, refused = _job(client, code)
    if refused:
        return refused
    if request.method == "DELETE":
        export.cancel(job)
        return _fhir(
            {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "information", "code": "informational", "diagnostics": "Export deleted."}],
            },
            status=202,
        )
    if job.state in (BulkExport.State.QUEUED, BulkExport.State.RUNNING):
        response = _fhir({}, status=202)
        response["X-Progress"] = job.progress or job.state
        response["Retry-After"] = "5"
        return response
    if job.state == BulkExport.State.FAILED:
        return outcome(500, "exception", "The export failed; ask for a new one.")
    response = _fhir(
        {
            "transactionTime": job.requested_at.isoformat(),
            "request": job.request_url or request.build_absolute_uri(reverse("fhir_export")),
            "requiresAccessToken": True,
            "output": [
                {
                    "type": part["type"],
                    "url": request.build_absolute_uri(reverse("fhir_export_file", args=[job.code, part["type"]])),
                    "count": part["count"],
                }
                for part in job.output
            ],
            "error": [],
        }
    )
    response["Expires"] = http_date(export.expires_at(job).timestamp())
    return response


@api_view
def download(request, client, code, kind):
    job, refused = _job(client, code)
    if refused:
        return refused
    if job.state != BulkExport.State.DONE or kind not in export.TYPES:
        return outcome(404, "not-found", "No such file.")
    path = export.file_for(job, kind)
    if not path.exists():
        return outcome(404, "not-found", "The file is gone; ask for a new export.")
    return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")
