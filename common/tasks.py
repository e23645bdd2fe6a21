import logging
import time

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

BROKER_PAUSE = 30  # seconds after a failed publish during which this process does not try again
_broker = {"down_until": 0.0}


def enqueue_on_commit(task, *args, clinic, queue=None):
    """Queues a task, named by its dotted path ("referrals.tasks.settle_schedule"), once the
    transaction commits; it runs in `clinic`'s scope (config.celery.ClinicTask). The name is
    imported only when published, so no module imports the tasks module that imports it.

    If the broker is unreachable the row that asked for the work is already saved, and the periodic
    sweeps pick it up: never a 500. After one failed publish the process stops trying for
    BROKER_PAUSE seconds, so a request that queues several tasks (her alert and her schedule) waits
    for a silent broker once, not once per task. `queue` names another queue than the default
    (settings.CELERY_TASK_QUEUES: the dispatcher's messages have their own)."""

    def publish():
        if time.monotonic() < _broker["down_until"]:
            log.warning("broker unreachable moments ago; %s%s waits for the sweep", task, args)
            return
        try:
            import_string(task).apply_async(args, {"clinic_id": clinic}, retry=False, queue=queue)
        except Exception as error:  # noqa: BLE001 - kombu raises several kinds for a dead broker
            _broker["down_until"] = time.monotonic() + BROKER_PAUSE
            log.warning("broker unreachable; %s%s waits for the sweep: %s", task, args, error)

    transaction.on_commit(publish)


def broker_is_back():
    """Forget a failed publish: the next task is published at once (tests that restore the broker)."""
    _broker["down_until"] = 0.0
