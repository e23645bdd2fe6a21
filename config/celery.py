import os

from celery import Celery, Task
from django_scopes import scope, scopes_disabled

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class ClinicTask(Task):
    """Work for one clinic (one mother's schedule, one chunk of messages, one export) runs in that
    clinic's scope, as a staff request does: a query that strays to another clinic's rows sees
    nothing. The clinic is named when the task is queued (common.tasks.enqueue_on_commit)."""

    typing = False  # clinic_id is this class's argument, not the task function's

    def __call__(self, *args, clinic_id, **kwargs):
        with scope(clinic=clinic_id):
            return super().__call__(*args, **kwargs)


class EveryClinicTask(Task):
    """A sweep that acts for every clinic by design; each says so with base=EveryClinicTask."""

    def __call__(self, *args, **kwargs):
        with scopes_disabled():
            return super().__call__(*args, **kwargs)


app = Celery("ppd", task_cls=ClinicTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
