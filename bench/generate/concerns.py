"""Concerns and decisions as the app leaves them: without them a mother's page and the worklist
were measured on their empty paths. A mother whose latest screen is positive and who has no open
referral has the open concern that screen opened; for one in four a clinician has recorded a
decision since, which her page lists. Both through the app's own code (referrals.concerns and
services.record_decision), one mother at a time: some thousands of mothers, not worth a COPY that
would repeat the deadline rules."""

import time

from django.db.models import Exists, OuterRef, Subquery

from referrals import concerns as care
from referrals import services
from referrals.models import DecisionKind, Referral
from screening.models import Mother, Screening, User
from screening.risk import POSITIVE_LEVELS

from .copying import progress

DECIDED = 4  # one waiting mother in this many has a decision
KINDS = [DecisionKind.RESCREEN, DecisionKind.COULD_NOT_CONTACT, DecisionKind.NO_ACTION_NEEDED]


def concerns(staff_of):
    latest = Screening.objects.filter(mother=OuterRef("pk")).order_by("-taken_on", "-created_at")
    waiting = list(
        Mother.objects.filter(latest_risk__in=POSITIVE_LEVELS)
        .exclude(Exists(Referral.objects.open().filter(mother=OuterRef("pk"))))
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .select_related("clinic")
        .order_by("pk")
    )
    screenings = Screening.objects.in_bulk([m.latest_id for m in waiting])
    clinicians = User.objects.in_bulk(set(staff_of.values()))
    started = time.monotonic()
    for n, mother in enumerate(waiting, start=1):
        screening = screenings[mother.latest_id]
        screening.mother = mother
        care.on_screening(screening)
        if n % DECIDED == 0:
            kind = KINDS[n // DECIDED % len(KINDS)]
            actor = clinicians[staff_of[mother.clinic_id]]
            services.record_decision(mother, kind=kind, note="", actor=actor, screening=screening)
        if n % 500 == 0 or n == len(waiting):
            progress("concerns", n, len(waiting), started)
