import logging
import time

from django.db import transaction

log = logging.getLogger(__name__)

BROKER_PAUSE = 30  # seconds after a failed publish during which this process does not try again
_broker = {"down_until": 0.0}


def enqueue_on_commit(task, *args):
    """Queues a task once the transaction commits. If the broker is unreachable the row that
    asked for the work is already saved, and the periodic sweeps pick it up: never a 500. After one
    failed publish the process stops trying for BROKER_PAUSE seconds, so a request that queues
    several tasks (her alert and her schedule) waits for a silent broker once, not once per task."""

    def publish():
        if time.monotonic() < _broker["down_until"]:
            log.warning("broker unreachable moments ago; %s%s waits for the sweep", task.name, args)
            return
        try:
            task.apply_async(args, retry=False)
        except Exception as error:  # noqa: BLE001 - kombu raises several kinds for a dead broker
            _broker["down_until"] = time.monotonic() + BROKER_PAUSE
            log.warning("broker unreachable; %s%s waits for the sweep: %s", task.name, args, error)

    transaction.on_commit(publish)


def broker_is_back():
    """Forget a failed publish: the next task is published at once (tests that restore the broker)."""
    _broker["down_until"] = 0.0
