"""The stored worklist kept equal to the rule (issue 32; the rule itself: referrals.worklist).

A change to any row an entry is derived from marks the mother stale in its own transaction
(referrals.worklist_triggers). Time alone changes an entry only at the moments `recheck_at` keeps:
a referral passing its limit, her deadline passing, a follow-up's window closing, a sent form
waiting longer than its scoring may take. The page recomputes its clinic's stale and due entries
before it reads (usually none or a few), and beat's sweep does the same for every clinic, so the
worklist reads counts and a page of rows by index instead of recomputing the clinic.

`differences` compares the stored entries with the rule computed from scratch: `manage.py
care_gaps` reports any, and the care-gap state machine checks it after every step."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from screening import submissions
from screening.models import Clinic, Mother

from . import deadlines
from .models import (
    SECTION_FIELDS,
    Concern,
    FollowUp,
    FollowUpStatus,
    Referral,
    ReferralSettings,
    Status,
    WorklistEntry,
    WorklistStale,
)
from .worklist import Place, Row, compute, reasons

BATCH = 500


def _candidates(ids):
    """Those of `ids` time alone could bring onto the worklist: an open concern or an open referral."""
    return set(Concern.objects.open().filter(mother_id__in=ids).values_list("mother_id", flat=True)) | set(
        Referral.objects.open().filter(mother_id__in=ids).values_list("mother_id", flat=True)
    )


def _start_of_day_after(day, zone):
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def rechecks(clinic, limits, ids, now):
    """{mother id: the next moment after `now` at which time alone may change her entry}."""
    zone, overdue_days = clinic.zone(), limits.overdue_after_days
    moments = defaultdict(list)
    for pk, act_by in Concern.objects.open().filter(mother_id__in=ids).values_list("mother_id", "act_by"):
        moments[pk].append(_start_of_day_after(act_by, zone))
    pending = FollowUp.objects.filter(
        mother_id__in=ids, status__in=[FollowUpStatus.SCHEDULED, FollowUpStatus.INVITED]
    ).values_list("mother_id", "status", "due_on", "invited_at")
    for pk, status, due_on, invited_at in pending:
        if status == FollowUpStatus.SCHEDULED:
            moments[pk].append(_start_of_day_after(due_on, zone))
        elif invited_at is not None:
            moments[pk].append(invited_at + timedelta(days=overdue_days) + deadlines.SENDER_GRACE)
    under_way = Referral.objects.filter(mother_id__in=ids, status=Status.IN_PROGRESS, first_session_on__isnull=True)
    for pk, urgency, requested_at in under_way.values_list("mother_id", "urgency", "requested_at"):
        if requested_at is not None:
            moments[pk].append(requested_at + timedelta(days=limits.limits_for(urgency)[1]))
    for pk, submitted_at in submissions.waiting().filter(mother_id__in=ids).values_list("mother_id", "submitted_at"):
        moments[pk].append(submitted_at + submissions.PROCESS_WITHIN)
    return {pk: min((m for m in found if m > now), default=None) for pk, found in moments.items()}


NOT_LISTED = Place(frozenset(), "", "", 0, None)  # a mother time alone could bring onto the worklist
STORED = ["clinic", "listed", *SECTION_FIELDS, "risk", "language", "rank", "waiting_since", "lines", "recheck_at"]


def _entry(pk, clinic_id, place, lines, recheck_at):
    return WorklistEntry(
        mother_id=pk,
        clinic_id=clinic_id,
        listed=bool(place.sections),
        **{name: name in place.sections for name in SECTION_FIELDS},
        risk=place.risk,
        language=place.language,
        rank=place.rank,
        waiting_since=place.since,
        lines=lines,
        recheck_at=recheck_at,
    )


def _lines(clinic, limits, now, places):
    """{mother id: the lines shown beside her} for the mothers placed on the worklist."""
    in_gap = {pk for pk, place in places.items() if "gap" in place.sections}
    return reasons(list(places), clinic, limits, now, in_gap) if places else {}


def recompute(clinic, ids, now):
    """The clinic's entries of these mothers, from the rule: none for a mother who has left the
    clinic, or is neither on its worklist nor could come onto it with time."""
    limits = ReferralSettings.for_clinic(clinic)
    hers = set(Mother.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", flat=True))
    places = compute(clinic, limits, now, among=hers)
    keep = places.keys() | _candidates(hers)
    moments = rechecks(clinic, limits, keep, now)
    lines = _lines(clinic, limits, now, places)
    WorklistEntry.objects.filter(clinic=clinic, mother_id__in=set(ids) - keep).delete()
    WorklistEntry.objects.bulk_create(  # in one order, so two refreshes of the same mothers never deadlock
        sorted(
            (_entry(pk, clinic.pk, places.get(pk, NOT_LISTED), lines.get(pk, {}), moments.get(pk)) for pk in keep),
            key=lambda e: e.mother_id,
        ),
        update_conflicts=True,
        unique_fields=["mother"],
        update_fields=STORED,
    )
    return len(keep)


def _claim(rows, limit=BATCH):
    """The mothers of these rows, locked: rows a transaction still writing holds are skipped (its
    change is not visible yet; its commit leaves her marked)."""
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(skip_locked=True)
    rows = rows.values_list("pk", "mother_id")
    return list(rows[:limit] if limit else rows)


def _take_marks(clinic):
    """A batch of the clinic's marks and every other mark of the same mothers (marks repeat, one per
    changing statement: one recompute covers them all), deleted; returns (mothers, batch was full)."""
    marks = _claim(WorklistStale.objects.filter(clinic=clinic).order_by())
    mothers = {mother for _pk, mother in marks}
    theirs = _claim(WorklistStale.objects.filter(clinic=clinic, mother_id__in=mothers).order_by(), limit=None)
    WorklistStale.objects.filter(pk__in=[pk for pk, _mother in theirs]).delete()
    return mothers, len(marks) == BATCH


def refresh(clinic=None, now=None):
    """Recomputes the stale and due entries of one clinic, or of every clinic; returns how many."""
    if clinic is None:
        return sum(refresh(c, now) for c in Clinic.objects.all())
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            marked, more = _take_marks(clinic)
            due = _claim(WorklistEntry.objects.filter(clinic=clinic, recheck_at__lte=now).order_by())
            ids = marked | {mother for _pk, mother in due}
            if ids:
                recompute(clinic, ids, now)
        done += len(ids)
        if not more and len(due) < BATCH:
            return done


class Ordered(Sequence):
    """The worklist's rows in the order shown, read from the stored entries a page at a time: the
    page's entries, then their mothers; the lines beside each come with her entry."""

    def __init__(self, entries, length, limits, now):
        self.entries, self.length, self.limits, self.now = entries, length, limits, now

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        page = list(self.entries[index])  # no join with her row for the planner to get wrong
        mothers = Mother.objects.in_bulk([entry.mother_id for entry in page])
        shown = [entry for entry in page if entry.mother_id in mothers]  # not one deleted meanwhile
        for entry in shown:
            mothers[entry.mother_id].waiting_since = entry.waiting_since
        return [Row.stored(mothers[entry.mother_id], entry, self.limits, self.now) for entry in shown]


def rows(clinic, limits, now, filters):
    """The worklist's rows in the order shown (alerts, then at risk with nothing reaching her,
    then by risk; within each, whoever has waited longest) and the exact count of mothers in each
    section under the same filters: the clinic's stale entries recomputed, then counts and a page
    read from the stored entries by index."""
    refresh(clinic, now)
    entries = WorklistEntry.objects.filter(clinic=clinic, listed=True)
    if filters.risk:
        entries = entries.filter(risk=filters.risk)
    if filters.language:
        entries = entries.filter(language=filters.language)
    counts = entries.aggregate(
        total=Count("pk"), **{name: Count("pk", filter=Q(**{name: True})) for name in SECTION_FIELDS}
    )
    shown = entries.filter(**{filters.section: True}) if filters.section else entries
    ordered = shown.order_by("rank", F("waiting_since").asc(nulls_last=True), "mother_id")
    length = counts[filters.section] if filters.section else counts["total"]
    return Ordered(ordered, length, limits, now), counts


def differences(clinic, now=None):
    """[(mother id, stored Place or None, computed Place or None)] where the stored worklist and the
    rule computed from scratch disagree, after the refresh a page would make."""
    now = now or timezone.now()
    limits = ReferralSettings.for_clinic(clinic)
    refresh(clinic, now)
    computed = compute(clinic, limits, now)
    lines = _lines(clinic, limits, now, computed)
    computed = {pk: replace(place, lines=lines[pk]) for pk, place in computed.items()}
    stored = {
        e.mother_id: Place(e.sections, e.risk, e.language, e.rank, e.waiting_since, e.lines)
        for e in WorklistEntry.objects.filter(clinic=clinic, listed=True)
    }
    return [
        (pk, stored.get(pk), computed.get(pk))
        for pk in stored.keys() | computed.keys()
        if stored.get(pk) != computed.get(pk)
    ]
