import logging

from django.db import transaction

log = logging.getLogger(__name__)


def enqueue_on_commit(task, *args):
    """Queues a task once the transaction commits. If the broker is unreachable the row that
    asked for the work is already saved, and the periodic sweeps pick it up: never a 500."""

    def publish():
        try:
            task.apply_async(args, retry=False)
        except Exception as error:  # noqa: BLE001 - kombu raises several kinds for a dead broker
            log.warning("broker unreachable; %s%s waits for the sweep: %s", task.name, args, error)

    transaction.on_commit(publish)
