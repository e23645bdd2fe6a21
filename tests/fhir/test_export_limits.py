"""Bulk export limits (issue 27): one running `$export` per client (a second kick-off gets 429 with
Retry-After), files deleted FHIR_EXPORT_KEEP_HOURS after the export finished, and DELETE on the
status URL cancels it and deletes its files."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fhir_api import auth, export
from fhir_api.models import BulkExport

from ..conftest import make_mother


@pytest.fixture
def api(clinic_a, clinic_admin, front_desk, settings, tmp_path):
    settings.FHIR_EXPORT_DIR = str(tmp_path)
    make_mother(clinic_a, front_desk)
    _client, token = auth.create(clinic_a, "Warehouse", clinic_admin)
    http = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def call(method, path, **extra):
        return getattr(http, method)(path, **header, **extra)

    return call


def kick_off(api):
    return api("get", "/fhir/$export", HTTP_PREFER="respond-async")


def status_path(response):
    return response["Content-Location"].removeprefix("http://testserver")


def test_a_second_export_while_one_runs_is_answered_429_with_retry_after(api):
    first = kick_off(api)
    assert first.status_code == 202
    second = kick_off(api)
    assert second.status_code == 429 and second["Retry-After"] == "60"
    assert second.json()["issue"][0]["code"] == "throttled"
    assert status_path(second) == status_path(first)  # where to look instead
    assert BulkExport.objects.count() == 1
    export.run(BulkExport.objects.get().pk)  # the worker finishes it
    assert kick_off(api).status_code == 202  # then another may start


def test_delete_on_the_status_url_cancels_the_export_and_deletes_its_files(api):
    path = status_path(kick_off(api))
    job = BulkExport.objects.get()
    export.run(job.pk)
    assert export.folder(job).exists() and api("get", path).status_code == 200
    deleted = api("delete", path)
    assert deleted.status_code == 202
    assert not export.folder(job).exists()
    assert api("get", path).status_code == 410  # gone, and says so
    assert kick_off(api).status_code == 202


def test_a_queued_export_deleted_before_the_worker_starts_writes_nothing(api):
    path = status_path(kick_off(api))
    job = BulkExport.objects.get()
    assert api("delete", path).status_code == 202
    export.run(job.pk)  # the worker picks it up afterwards
    job.refresh_from_db()
    assert job.state == "cancelled" and not export.folder(job).exists()


def test_files_are_deleted_a_stated_time_after_the_export_finished(api, settings):
    path = status_path(kick_off(api))
    job = BulkExport.objects.get()
    export.run(job.pk)
    manifest = api("get", path)
    job.refresh_from_db()
    assert manifest["Expires"]  # the stated time, in the manifest's headers
    keep = timedelta(hours=settings.FHIR_EXPORT_KEEP_HOURS)
    assert export.expires_at(job) == job.finished_at + keep
    assert export.delete_expired(timezone.now() + keep - timedelta(minutes=1)) == 0
    with time_machine.travel(timezone.now() + keep + timedelta(minutes=1)):
        assert export.delete_expired() == 1
    assert not export.folder(job).exists() and api("get", path).status_code == 410
