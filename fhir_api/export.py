"""Bulk export (`$export`, FHIR Bulk Data style): a client asks, a Celery task writes one NDJSON
file per resource type of the client's clinic under FHIR_EXPORT_DIR/<export>/, and the client
polls a status URL, then downloads the files with the same token."""

import json
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from .models import BulkExport
from .views import SEARCH

TYPES = ["Patient", "QuestionnaireResponse", "Observation", "ServiceRequest", "Task"]
CHUNK = 2000


def folder(export):
    return Path(settings.FHIR_EXPORT_DIR) / str(export.code)


def file_for(export, kind):
    return folder(export) / f"{kind}.ndjson"


def run(export_id):
    """Writes every file; the export row says how far it got, and what went wrong if it failed."""
    export = BulkExport.objects.select_related("client__clinic").get(pk=export_id)
    BulkExport.objects.filter(pk=export.pk).update(state=BulkExport.State.RUNNING)
    folder(export).mkdir(parents=True, exist_ok=True)
    output = []
    try:
        for kind in TYPES:
            rows_for, build = SEARCH[kind]
            rows = rows_for(export.client, QueryDict())
            count = 0
            with file_for(export, kind).open("w") as out:
                for row in rows.iterator(chunk_size=CHUNK):
                    for resource in build(row):
                        out.write(json.dumps(resource, separators=(",", ":")) + "\n")
                        count += 1
                    if count % CHUNK == 0:
                        BulkExport.objects.filter(pk=export.pk).update(progress=f"{kind}: {count:,}")
            output.append({"type": kind, "count": count})
    except Exception as error:
        BulkExport.objects.filter(pk=export.pk).update(
            state=BulkExport.State.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    BulkExport.objects.filter(pk=export.pk).update(
        state=BulkExport.State.DONE, output=output, progress="", finished_at=timezone.now()
    )
