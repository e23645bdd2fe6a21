import os

from celery import Celery, Task
from django_scopes import scopes_disabled

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class EveryClinicTask(Task):
    """Schedules, deliveries, escalations and exports act for every clinic by design."""

    def __call__(self, *args, **kwargs):
        with scopes_disabled():
            return super().__call__(*args, **kwargs)


app = Celery("ppd", task_cls=EveryClinicTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
