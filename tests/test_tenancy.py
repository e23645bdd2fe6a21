"""Tenancy in one mechanism: every clinic-owned model is scoped, staff requests run in their
clinic's scope, and a request without a clinic cannot read one until its token names it."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import ScopeError

from screening.middleware import ClinicMiddleware
from screening.models import Clinic, Mother, Role
from screening.tenancy import clinic_scope, no_clinic_scope

from .conftest import make_mother, make_staff

HISTORY = "Historical"  # simple_history's copies: reached only through a scoped record's .history


def clinic_owned_models():
    for model in apps.get_models():
        owns = any(f.concrete and f.related_model is Clinic for f in model._meta.get_fields())
        if owns and not model.__name__.startswith(HISTORY):
            yield model


def test_every_clinic_owned_model_refuses_a_query_outside_a_clinic_scope(db):
    found = list(clinic_owned_models())
    assert len(found) >= 14
    for model in found:
        with no_clinic_scope(), pytest.raises(ScopeError):
            model.objects.exists()
        with clinic_scope(0):
            assert not model.objects.exists(), model


def _through_middleware(request, read):
    seen = {}

    def view(request):
        seen["value"] = read()
        return HttpResponse()

    ClinicMiddleware(view)(request)
    return seen["value"]


def _request(user=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    return request


def test_a_staff_request_that_forgets_its_filter_still_sees_only_her_clinic(clinic_a, clinic_b):
    staff = make_staff("fd_a", clinic_a, Role.FRONT_DESK)
    make_mother(clinic_a, staff, "A-1")
    make_mother(clinic_b, make_staff("fd_b", clinic_b, Role.FRONT_DESK), "B-1")

    names = _through_middleware(_request(staff), lambda: sorted(Mother.objects.values_list("record_number", flat=True)))

    assert names == ["A-1"]


def test_a_request_without_a_clinic_cannot_read_a_mother(clinic_a):
    make_mother(clinic_a, make_staff("fd_a", clinic_a, Role.FRONT_DESK), "A-1")

    with pytest.raises(ScopeError):
        _through_middleware(_request(), lambda: Mother.objects.count())


def test_one_clinic_s_task_runs_in_its_scope_and_only_beat_s_sweeps_act_for_every_clinic(clinic_a, clinic_b):
    from django.conf import settings

    import fhir_api.tasks  # noqa: F401 - registers the tasks, as a worker does
    import referrals.tasks  # noqa: F401
    import screening.tasks  # noqa: F401
    from config.celery import ClinicTask, EveryClinicTask, app
    from referrals.models import UnsettledSchedule

    sweeps = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    ours = {
        name: task for name, task in app.tasks.items() if name.split(".")[0] in ("screening", "referrals", "fhir_api")
    }
    assert sweeps <= set(ours)
    for name, task in ours.items():
        assert isinstance(task, EveryClinicTask if name in sweeps else ClinicTask), name

    theirs = make_mother(clinic_b, make_staff("zoe", clinic_b, Role.FRONT_DESK), record_number="B-9")
    UnsettledSchedule.objects.create(mother=theirs)
    settle = app.tasks["referrals.tasks.settle_schedule"]
    with pytest.raises(TypeError):
        settle.apply(args=(theirs.pk,), throw=True)  # no clinic named: refused, never run for all
    assert settle.apply(args=(theirs.pk,), kwargs={"clinic_id": clinic_a.pk}).get() is False
    with clinic_scope(clinic_b.pk):
        assert UnsettledSchedule.objects.filter(mother=theirs).exists()  # clinic A's task could not reach her
    assert settle.apply(args=(theirs.pk,), kwargs={"clinic_id": clinic_b.pk}).get() is not False
    with clinic_scope(clinic_b.pk):
        assert not UnsettledSchedule.objects.filter(mother=theirs).exists()
