"""A dead man's switch for the machinery (design rule 15). Beat's sweeps and the follow-up dispatcher
record a heartbeat at the end of every run; a part silent for longer than it may be is shown to
staff on every clinician and admin page, fails `manage.py care_gaps` and answers 503 at /healthz/.
Beat hands each run to a worker, so a stopped beat and stopped workers both fall silent.

A part may be silent for three of its periods (from CELERY_BEAT_SCHEDULE), and never less than
ten minutes. A part that has never run counts its silence from when beat last started (beat runs a
task first one period after it starts); with no beat ever started, every part is silent."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from celery.signals import beat_init
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat

PARTS = {
    "dispatch-follow-ups": _("The follow-up dispatcher (invitations, reminders, overdue marks)"),
    "send-messages": _("The outbox's retry sweep (messages waiting or failed once)"),
    "sweep-alerts": _("The self-harm alert sweep (escalation)"),
    "settle-schedules": _("The sweep that scores sent forms and settles follow-up schedules"),
    "escalate-stalled-referrals": _("The escalation of stalled referrals"),
}
LEAST_SILENCE = timedelta(minutes=10)
BEAT_STARTED = "beat-started"
CACHE_FELL_BACK = "cache-fell-back"  # when a rate limit last had to count per process
FAULT_SHOWN_FOR = timedelta(minutes=15)


def allowed_silence(part):
    period = settings.CELERY_BEAT_SCHEDULE[part]["schedule"]
    return max(LEAST_SILENCE, timedelta(seconds=3 * float(period)))


def beat(part, now=None):
    Heartbeat.objects.update_or_create(part=part, defaults={"beat_at": now or timezone.now()})


@beat_init.connect
def beat_started(**kwargs):
    beat(BEAT_STARTED)


def beats(part):
    """Records the part's heartbeat after each run of the wrapped task that returns."""

    def wrap(function):
        @wraps(function)
        def run(*args, **kwargs):
            result = function(*args, **kwargs)
            beat(part)
            return result

        return run

    return wrap


@dataclass(frozen=True)
class Silence:
    part: str
    label: str
    last: datetime | None
    allowed: timedelta

    def __str__(self):
        if self.last is None:
            return f"{self.label}: has never run"
        return f"{self.label}: silent since {self.last:%Y-%m-%d %H:%M} UTC (allowed {self.allowed})"


def status(now=None):
    """(the silent parts, the parts that failed lately but fell back safely), from one query."""
    now = now or timezone.now()
    names = [*PARTS, BEAT_STARTED, CACHE_FELL_BACK]
    last = dict(Heartbeat.objects.filter(part__in=names).values_list("part", "beat_at"))
    started = last.get(BEAT_STARTED)
    silent = []
    for part, label in PARTS.items():
        allowed = allowed_silence(part)
        when = last.get(part)
        since = when or started
        if since is None or now - since > allowed:
            silent.append(Silence(part, str(label), when, allowed))
    fell_back = last.get(CACHE_FELL_BACK)
    degraded = [("cache", fell_back)] if fell_back and now - fell_back <= FAULT_SHOWN_FOR else []
    return silent, degraded


def silent(now=None):
    """The parts silent for longer than they may be."""
    return status(now)[0]


def cache_fell_back(sender=None, **kwargs):
    """screening.limits could not reach the shared cache (the limiter_fell_back signal)."""
    beat(CACHE_FELL_BACK)
