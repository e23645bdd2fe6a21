"""Beat's sweeps act for every clinic and say so (base=EveryClinicTask); every other task is one
clinic's work and runs in its scope (config.celery.ClinicTask)."""

from celery import shared_task
from django.utils import timezone

from config.celery import EveryClinicTask
from screening import outbox, submissions

from . import alerts, dispatch, services, stalled, worklist_store
from .heartbeat import beats
from .reports import facts, rollups
from .reports.base import stored_in_use


@shared_task(base=EveryClinicTask)
@beats("send-messages")
def send_waiting_messages():
    """The outbox's one retry sweep: messages a broker outage lost, and failed tries whose back-off
    has passed (her link only within her clinic's sending hours)."""
    return outbox.sweep(dispatch.clinics_sending(timezone.now()), fan_out=True)


@shared_task(base=EveryClinicTask)
@beats("sweep-alerts")
def sweep_alerts():
    return alerts.sweep()


@shared_task
def settle_schedule(mother_id):
    return services.settle_marked(mother_id)


@shared_task(base=EveryClinicTask)
@beats("settle-schedules")
def settle_unsettled_schedules():
    """Forms whose scoring task was lost, then schedules whose settling task was. A form that
    cannot be scored fails the run after the schedules are settled: no beat, so it is seen."""
    try:
        scored = submissions.score_waiting()
    finally:
        settled = services.settle_unsettled()
    return scored + settled


@shared_task(base=EveryClinicTask)
@beats("dispatch-follow-ups")
def dispatch_follow_ups():
    return dispatch.dispatch(fan_out=True)


@shared_task
def invite_batch(pks):
    return dispatch.invite_batch(pks, timezone.now())


@shared_task(base=EveryClinicTask)
def refresh_worklists():
    """Every clinic's stale and due worklist entries, so a clinic's first page after a quiet spell
    finds little to recompute (the page recomputes its own clinic's in any case)."""
    return worklist_store.refresh()


@shared_task(base=EveryClinicTask)
def refresh_report_facts():
    """Recompute the report facts of mothers whose records changed, and the monthly rollups of
    the clinics' months that changed (a no-op on SQLite)."""
    if stored_in_use():
        return facts.refresh() + rollups.refresh()
    return 0


@shared_task(base=EveryClinicTask)
@beats("escalate-stalled-referrals")
def escalate_stalled_referrals():
    """Emails the referring clinician about referrals past their limits (once per limit)."""
    return stalled.escalate()
