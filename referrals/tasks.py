import logging

from celery import shared_task

from . import alerts, dispatch

log = logging.getLogger(__name__)


@shared_task
def deliver_alert(alert_id):
    return alerts.deliver(alert_id)


@shared_task
def sweep_alerts():
    return alerts.sweep()


@shared_task
def dispatch_follow_ups():
    return dispatch.dispatch()


def enqueue_delivery(alert_id):
    """Called after commit. If the broker is down the alert is already saved: the sweep sends it."""
    try:
        deliver_alert.apply_async((alert_id,), retry=False)
    except Exception as error:  # noqa: BLE001 - kombu raises several kinds for a dead broker
        log.warning("broker unreachable; alert %s waits for the sweep: %s", alert_id, error)
