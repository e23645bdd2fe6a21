import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ppd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args):
    """Queues a task once the transaction commits. If the broker is unreachable the row that
    asked for the work is already saved, and the periodic sweeps pick it up: never a 500."""
    import logging

    from django.db import transaction

    def publish():
        try:
            task.apply_async(args, retry=False)
        except Exception as error:  # noqa: BLE001 - kombu raises several kinds for a dead broker
            logging.getLogger(__name__).warning(
                "broker unreachable; %s%s waits for the sweep: %s", task.name, args, error
            )

    transaction.on_commit(publish)
