"""Quality measures as their stewards define them, each a denominator and a numerator queryset of
its own unit, so the lists behind every number come from the same query as the number.

- PDS-E and PND-E (NCQA HEDIS, measurement year 2023 wording): the unit is the delivery (a
  Pregnancy row with a delivery date), with two rates each: Depression Screening, and Follow-Up on
  Positive Screen within 30 days of the first positive screen.
- CMS82 (Maternal Depression Screening): the unit is the child who turned 6 months in the period.

Positive is HEDIS's cut-off whatever the clinic's own: EPDS 10+, PHQ-9 10+, PHQ-2 3+."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.models import Infant, Pregnancy, Screening

from ..models import Alert, Concern, ConcernClosed, Referral, Status
from ..schedule import add_months
from .base import DEPRESSION, Table, as_date, rate

SPEC = _("NCQA HEDIS measurement year 2023 (PDS-E, PND-E); CMS82 (eCQM)")
POSITIVE = (
    Q(instrument_code="EPDS", total__gte=10)
    | Q(instrument_code="PHQ-9", total__gte=10)
    | Q(instrument_code="PHQ-2", total__gte=3)
)
NEGATIVE_FULL_LENGTH = Q(instrument_code="EPDS", total__lt=10) | Q(instrument_code="PHQ-9", total__lt=10)
POSTPARTUM = (timedelta(days=7), timedelta(days=84))
PREGNANCY = timedelta(days=280)  # a pregnancy starts 280 days before its due date
FOLLOW_UP = timedelta(days=30)  # on or up to 30 days after the first positive screen
NOT_FOLLOW_UP = [Status.DRAFT, Status.REJECTED, Status.CANCELLED, Status.ENTERED_IN_ERROR]


@dataclass
class Measure:
    slug: str
    title: str
    unit: str
    denominator: object
    numerator: object
    exclusions: list = field(default_factory=list)


def _screens(**window):
    return Screening.objects.filter(mother=OuterRef("mother"), instrument_code__in=DEPRESSION, **window)


def _deliveries(f):
    """Deliveries at the admin's clinics in the period, but for mothers who died (a closed concern
    says so): HEDIS's exclusion. Hospice is not recorded here."""
    died = Concern.objects.filter(mother=OuterRef("mother"), closed_because=ConcernClosed.DIED)
    return Pregnancy.objects.filter(
        clinic_id__in=f.clinic_ids, delivery_date__gte=f.start, delivery_date__lte=f.end
    ).exclude(Exists(died))


def _first_positive(screens):
    """The delivery's first positive screen in its window: its date, and when it was entered (a
    negative PHQ-9 the same day after a positive PHQ-2 is entered after it)."""
    first = screens.filter(POSITIVE).order_by("taken_on", "created_at")
    return {
        "first_positive_on": Subquery(first.values("taken_on")[:1]),
        "first_positive_at": Subquery(first.values("created_at")[:1]),
    }


def _followed_up(positive):
    """The positive deliveries followed up on or up to 30 days after the first positive screen's
    date (not its entry): a referral not rejected, cancelled or in error, requested or first
    attended in that time; a clinician's in-person assessment of a self-harm alert; or a negative
    full-length rescreen that day or later. A decision recorded without any of these does not
    count; dispensed antidepressants are not recorded here. Decided here from one read of each kind
    of event for these mothers (correlated subqueries per delivery took seconds at network scale)."""
    rows = list(positive.values_list("pk", "mother_id", "first_positive_on", "first_positive_at"))
    theirs = {mother for _pk, mother, _on, _at in rows}
    events = defaultdict(list)  # mother -> [(day, entered or None)]
    referred = Referral.objects.filter(mother__in=theirs).exclude(status__in=NOT_FOLLOW_UP)
    for mother, requested_at, session_on in referred.values_list("mother_id", "requested_at", "first_session_on"):
        events[mother].append((timezone.localdate(requested_at), None))
        if session_on:
            events[mother].append((session_on, None))
    assessed = Alert.objects.filter(mother__in=theirs, action=Alert.Action.ASSESSED_IN_PERSON)
    for mother, at in assessed.exclude(acknowledged_at=None).values_list("mother_id", "acknowledged_at"):
        events[mother].append((timezone.localdate(at), None))
    rescreens = Screening.objects.filter(NEGATIVE_FULL_LENGTH, mother__in=theirs)
    for mother, day, entered in rescreens.values_list("mother_id", "taken_on", "created_at"):
        events[mother].append((day, entered))

    def met(mother, first_on, first_at):
        return any(
            first_on <= day <= first_on + FOLLOW_UP and (entered is None or day > first_on or entered > first_at)
            for day, entered in events[mother]
        )

    return positive.filter(pk__in=[pk for pk, mother, on, at in rows if met(mother, on, at)])


def _closed_by(f, days):
    """Windows still open on the report's end date are left out of the denominator."""
    return f.end - timedelta(days=days)


def _two_rates(f, slug, titles, deliveries, window, exclusions):
    """HEDIS's two rates for deliveries: screened within `window`, and followed up after the first
    positive screen in it."""
    screened = deliveries.filter(Exists(_screens(**window)))
    positive = deliveries.annotate(**_first_positive(_screens(**window))).filter(
        first_positive_on__isnull=False, first_positive_on__lte=_closed_by(f, FOLLOW_UP.days)
    )
    too_recent = _("first positive screens less than 30 days before the period's end")
    return [
        Measure(f"{slug}-screening", titles[0], "delivery", deliveries, screened, exclusions),
        Measure(
            f"{slug}-follow-up",
            titles[1],
            "delivery",
            positive,
            _followed_up(positive),
            [*exclusions, too_recent],
        ),
    ]


def postpartum(f):
    return _two_rates(
        f,
        "pds-e",
        (
            _("PDS-E: screened 7-84 days after delivery"),
            _("PDS-E: follow-up within 30 days of the first positive postpartum screen"),
        ),
        _deliveries(f).filter(delivery_date__lte=_closed_by(f, POSTPARTUM[1].days)),
        dict(
            taken_on__gte=as_date(OuterRef("delivery_date") + POSTPARTUM[0]),
            taken_on__lte=as_date(OuterRef("delivery_date") + POSTPARTUM[1]),
        ),
        [_("mothers who died"), _("deliveries less than 84 days before the period's end")],
    )


def prenatal(f):
    return _two_rates(
        f,
        "pnd-e",
        (
            _("PND-E: screened during the pregnancy"),
            _("PND-E: follow-up within 30 days of the first positive prenatal screen"),
        ),
        _deliveries(f),
        dict(taken_on__gte=as_date(OuterRef("due_date") - PREGNANCY), taken_on__lt=OuterRef("delivery_date")),
        [_("mothers who died")],
    )


def cms82(f):
    """Children who turned 6 months in the period (alive then), whose mother was screened at least
    once in their first 6 months. The visit CMS82 asks for is their registration here."""
    children = Infant.objects.filter(
        mother__clinic_id__in=f.clinic_ids,
        date_of_birth__gte=add_months(f.start, -6),
        date_of_birth__lte=add_months(f.end, -6),
    ).exclude(died_on__lt=as_date(F("date_of_birth") + timedelta(days=183)))
    first_six_months = _screens(
        taken_on__gte=OuterRef("date_of_birth"), taken_on__lte=as_date(OuterRef("date_of_birth") + timedelta(days=183))
    )
    return [
        Measure(
            "cms82",
            _("CMS82: mother screened in the child's first 6 months"),
            "child",
            children,
            children.filter(Exists(first_six_months)),
            [_("children who died before 6 months")],
        ),
    ]


def all_measures(f):
    return {m.slug: m for m in [*postpartum(f), *prenatal(f), *cms82(f)]}


def quality(f):
    measures = all_measures(f).values()
    rows = []
    for m in measures:
        d, n = m.denominator.count(), m.numerator.count()
        rows.append((m.slug, m.title, n, d, rate(n, d)))
    exclusions = "; ".join(f"{m.slug}: {', '.join(str(e) for e in m.exclusions)}" for m in measures if m.exclusions)
    return Table(
        "quality",
        _("Quality measures"),
        [_("Measure"), _("Title"), _("Numerator"), _("Denominator"), _("Rate (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [4]},
        note=_(
            "Specification: %(spec)s. Units: deliveries (PDS-E, PND-E), children (CMS82). Excluded: "
            "%(exclusions)s. Check the current specification before certifying."
        )
        % {"spec": SPEC, "exclusions": exclusions},
    )


def unit_rows(measure, part):
    """The units behind a number, for outreach: met (numerator) or not met (the rest)."""
    units = (
        measure.numerator if part == "numerator" else measure.denominator.exclude(pk__in=measure.numerator.values("pk"))
    )
    return units.select_related("mother__clinic").order_by("mother__family_name", "mother__given_name", "pk")
