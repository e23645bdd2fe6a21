"""Bulk export (`$export`, FHIR Bulk Data style): a client asks, a Celery task writes one NDJSON
file per resource type of the client's clinic under FHIR_EXPORT_DIR/<export>/, and the client
polls a status URL, then downloads the files with the same token."""

import json
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from screening import audit
from screening.tenancy import clinic_scope

from . import resources
from .capabilities import SERVED
from .models import BulkExport
from .views import QUESTIONNAIRES, mothers_in

PATIENT_TYPES = ["Patient", "QuestionnaireResponse", "Observation", "ServiceRequest", "Task"]
TYPES = [*PATIENT_TYPES, "Questionnaire"]  # a system-level export's; Patient- and Group-level: PATIENT_TYPES
FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
CHUNK = 2000
UNDER_WAY = [BulkExport.State.QUEUED, BulkExport.State.RUNNING]
GONE = [BulkExport.State.CANCELLED, BulkExport.State.EXPIRED]


def folder(export):
    return Path(settings.FHIR_EXPORT_DIR) / str(export.code)


def file_for(export, kind):
    return folder(export) / f"{kind}.ndjson"


def expires_at(export):
    return (export.finished_at or export.requested_at) + timedelta(hours=settings.FHIR_EXPORT_KEEP_HOURS)


def cancel(export):
    """DELETE on its status URL: a running export stops at its next file, and its files go."""
    BulkExport.objects.filter(pk=export.pk).update(state=BulkExport.State.CANCELLED, finished_at=timezone.now())
    shutil.rmtree(folder(export), ignore_errors=True)


def delete_expired(now=None):
    """Beat's hourly sweep: the files of exports finished FHIR_EXPORT_KEEP_HOURS ago are deleted."""
    now = now or timezone.now()
    old = BulkExport.objects.filter(
        state__in=[BulkExport.State.DONE, BulkExport.State.FAILED],
        finished_at__lt=now - timedelta(hours=settings.FHIR_EXPORT_KEEP_HOURS),
    )
    done = 0
    for export in old:
        shutil.rmtree(folder(export), ignore_errors=True)
        done += BulkExport.objects.filter(pk=export.pk).update(state=BulkExport.State.EXPIRED)
    return done


def _cancelled(export):
    return BulkExport.objects.filter(pk=export.pk, state=BulkExport.State.CANCELLED).exists()


def run(export_id):
    """Writes every file; the export row says how far it got, and what went wrong if it failed."""
    export = BulkExport.objects.select_related("client__clinic").get(pk=export_id)
    if not BulkExport.objects.filter(pk=export.pk, state=BulkExport.State.QUEUED).update(
        state=BulkExport.State.RUNNING
    ):
        return  # cancelled before it started
    folder(export).mkdir(parents=True, exist_ok=True)
    output, mothers = [], set()
    try:
        for kind in export.types or PATIENT_TYPES:
            if _cancelled(export):
                shutil.rmtree(folder(export), ignore_errors=True)
                return
            count = 0
            with file_for(export, kind).open("w") as out:
                for resource in _resources(export, kind):
                    out.write(json.dumps(resource, separators=(",", ":")) + "\n")
                    mothers.update(mothers_in(kind, [resource]))
                    count += 1
                    if count % CHUNK == 0:
                        BulkExport.objects.filter(pk=export.pk).update(progress=f"{kind}: {count:,}")
            output.append({"type": kind, "count": count})
    except Exception as error:
        BulkExport.objects.filter(pk=export.pk).update(
            state=BulkExport.State.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    with clinic_scope(export.client.clinic_id):
        audit.record_read(export.client.clinic, mothers, f"FHIR client {export.client.name} exported her records")
    BulkExport.objects.filter(pk=export.pk).update(
        state=BulkExport.State.DONE, output=output, progress="", finished_at=timezone.now()
    )


def _resources(export, kind):
    """The resources of one type in the export: every one, or (with _since) those changed since."""
    if kind == "Questionnaire":
        if export.since is None:
            yield from (resources.questionnaire(i) for i in QUESTIONNAIRES.values())
        return
    served = SERVED[kind]
    rows = served.rows(export.client)
    if export.since is not None:
        rows = rows.filter(updated_at__gt=export.since)
    for row in rows.iterator(chunk_size=CHUNK):
        yield from served.build(row)
