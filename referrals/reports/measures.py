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
from functools import reduce
from operator import or_

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening import instruments
from screening.models import Infant, Pregnancy, Screening

from ..models import Alert, Concern, ConcernClosed, Referral, Status
from .base import Table, as_date, rate
from .models import ChildFact, DeliveryFact

SPEC = _("NCQA HEDIS measurement year 2023 (PDS-E, PND-E); CMS82 (eCQM)")
HEDIS = [i for i in instruments.all() if i.hedis_positive_from is not None]  # the questionnaires HEDIS counts
SCREENED = [i.code for i in HEDIS]
POSITIVE = reduce(or_, (Q(instrument_code=i.code, total__gte=i.hedis_positive_from) for i in HEDIS))
NEGATIVE_FULL_LENGTH = reduce(
    or_, (Q(instrument_code=i.code, total__lt=i.hedis_positive_from) for i in HEDIS if not i.brief)
)
BRIEF_POSITIVE = reduce(or_, (Q(instrument_code=i.code, total__gte=i.hedis_positive_from) for i in HEDIS if i.brief))
POSTPARTUM = (timedelta(days=7), timedelta(days=84))
PREGNANCY = timedelta(days=280)  # a pregnancy starts 280 days before its due date
FOLLOW_UP = timedelta(days=30)  # on or up to 30 days after the first positive screen
SIX_MONTHS = timedelta(days=183)
SIX_CALENDAR_MONTHS = relativedelta(months=6)  # a child turns 6 months old on the same day of the month


@dataclass
class Measure:
    slug: str
    title: str
    unit: str
    denominator: object
    numerator: object
    exclusions: list = field(default_factory=list)


def _screens(**window):
    return Screening.objects.filter(mother=OuterRef("mother"), instrument_code__in=SCREENED, **window)


def mother_died():
    """A closed concern says so: HEDIS's exclusion. Hospice is not recorded here."""
    return Exists(Concern.objects.filter(mother=OuterRef("mother"), closed_because=ConcernClosed.DIED))


def _deliveries(f):
    """Deliveries at the admin's clinics in the period, but for mothers who died."""
    return Pregnancy.objects.filter(
        clinic_id__in=f.clinic_ids, delivery_date__gte=f.start, delivery_date__lte=f.end
    ).exclude(mother_died())


def first_positive(window, prefix=""):
    """The day of the delivery's first positive screen in its window."""
    first = _screens(**window).filter(POSITIVE).order_by("taken_on")
    return {f"{prefix}first_positive_on": Subquery(first.values("taken_on")[:1])}


def screened(window):
    return Exists(_screens(**window))


def followed_up(rows):
    """Of `rows` (pk, mother, first positive day), the pks followed up on or up to 30 days after the
    first positive screen's day, as docs/clinical.md section 5 restates HEDIS. What counts:
    - a visit that took place: a referral's first session attended (recorded by staff or confirmed
      by the provider), whatever the referral's later status, unless entered in error;
    - a clinician's in-person assessment of a self-harm alert (an encounter);
    - on a day a brief screen (PHQ-2) was positive, a negative full-length screen (EPDS or PHQ-9)
      taken that same day, whichever was entered first (screens carry their day, not their hour).
    What does not: a decision alone, a referral requested, waiting, declined or failed with no
    session, a negative rescreen on a later day. Dispensed antidepressants are not recorded here.
    Decided from one read of each kind of event for these mothers (correlated subqueries per
    delivery took seconds at network scale)."""
    theirs = {mother for _pk, mother, _on in rows}
    visits = defaultdict(list)  # mother -> [day]
    sessions = Referral.objects.filter(mother__in=theirs, first_session_on__isnull=False)
    for mother, day in sessions.exclude(status=Status.ENTERED_IN_ERROR).values_list("mother_id", "first_session_on"):
        visits[mother].append(day)
    assessed = Alert.objects.filter(mother__in=theirs, action=Alert.Action.ASSESSED_IN_PERSON)
    for mother, at in assessed.exclude(acknowledged_at=None).values_list("mother_id", "acknowledged_at"):
        visits[mother].append(timezone.localdate(at))
    theirs_screens = Screening.objects.filter(mother__in=theirs)
    brief_positive = set(theirs_screens.filter(BRIEF_POSITIVE).values_list("mother_id", "taken_on"))
    full_negative = set(theirs_screens.filter(NEGATIVE_FULL_LENGTH).values_list("mother_id", "taken_on"))
    for mother, day in brief_positive & full_negative:
        visits[mother].append(day)

    def met(mother, first_on):
        return any(first_on <= day <= first_on + FOLLOW_UP for day in visits[mother])

    return {pk for pk, mother, on in rows if on is not None and met(mother, on)}


def _followed_up(positive):
    rows = list(positive.values_list("pk", "mother_id", "first_positive_on"))
    return positive.filter(pk__in=followed_up(rows))


def _closed_by(f, days):
    """Windows still open on the report's end date are left out of the denominator."""
    return f.end - timedelta(days=days)


def postpartum_window():
    return dict(
        taken_on__gte=as_date(OuterRef("delivery_date") + POSTPARTUM[0]),
        taken_on__lte=as_date(OuterRef("delivery_date") + POSTPARTUM[1]),
    )


def prenatal_window():
    return dict(taken_on__gte=as_date(OuterRef("due_date") - PREGNANCY), taken_on__lt=OuterRef("delivery_date"))


def screened_in_first_six_months():
    return Exists(
        _screens(
            taken_on__gte=OuterRef("date_of_birth"),
            taken_on__lte=as_date(OuterRef("date_of_birth") + SIX_MONTHS),
        )
    )


def died_before_six_months():
    return Q(died_on__lt=as_date(F("date_of_birth") + SIX_MONTHS))


DIED = _("mothers who died")
OPEN_POSTPARTUM = _("deliveries less than 84 days before the period's end")
OPEN_FOLLOW_UP = _("first positive screens less than 30 days before the period's end")
MEASURES = {  # slug: (title, unit, exclusions)
    "pds-e-screening": (_("PDS-E: screened 7-84 days after delivery"), "delivery", [DIED, OPEN_POSTPARTUM]),
    "pds-e-follow-up": (
        _("PDS-E: follow-up within 30 days of the first positive postpartum screen"),
        "delivery",
        [DIED, OPEN_POSTPARTUM, OPEN_FOLLOW_UP],
    ),
    "pnd-e-screening": (_("PND-E: screened during the pregnancy"), "delivery", [DIED]),
    "pnd-e-follow-up": (
        _("PND-E: follow-up within 30 days of the first positive prenatal screen"),
        "delivery",
        [DIED, OPEN_FOLLOW_UP],
    ),
    "cms82": (
        _("CMS82: mother screened in the child's first 6 months"),
        "child",
        [_("children who died before 6 months")],
    ),
}


def _measure(slug, denominator, numerator):
    title, unit, exclusions = MEASURES[slug]
    return Measure(slug, title, unit, denominator, numerator, exclusions)


def _two_rates(f, slug, deliveries, window):
    """HEDIS's two rates for deliveries: screened within `window`, and followed up after the first
    positive screen in it."""
    positive = deliveries.annotate(**first_positive(window)).filter(
        first_positive_on__isnull=False, first_positive_on__lte=_closed_by(f, FOLLOW_UP.days)
    )
    return [
        _measure(f"{slug}-screening", deliveries, deliveries.filter(screened(window))),
        _measure(f"{slug}-follow-up", positive, _followed_up(positive)),
    ]


def postpartum(f):
    deliveries = _deliveries(f).filter(delivery_date__lte=_closed_by(f, POSTPARTUM[1].days))
    return _two_rates(f, "pds-e", deliveries, postpartum_window())


def prenatal(f):
    return _two_rates(f, "pnd-e", _deliveries(f), prenatal_window())


def cms82(f):
    """Children who turned 6 months in the period (alive then), whose mother was screened at least
    once in their first 6 months. The visit CMS82 asks for is their registration here."""
    children = Infant.objects.filter(
        mother__clinic_id__in=f.clinic_ids,
        date_of_birth__gte=f.start - SIX_CALENDAR_MONTHS,
        date_of_birth__lte=f.end - SIX_CALENDAR_MONTHS,
    ).exclude(died_before_six_months())
    return [_measure("cms82", children, children.filter(screened_in_first_six_months()))]


def all_measures(f):
    return {m.slug: m for m in [*postpartum(f), *prenatal(f), *cms82(f)]}


def measure(f, slug):
    """One measure, its denominator and numerator as querysets of its units (None if no such
    measure): from the report facts where they are kept, else computed for this measure only."""
    if slug not in MEASURES:
        return None
    if f.facts:
        return _measure(slug, *stored_units(f, slug))
    family = {"pds": postpartum, "pnd": prenatal, "cms82": cms82}[slug.split("-")[0]]
    return {m.slug: m for m in family(f)}[slug]


def counts(f):
    """{slug: (numerator, denominator)}: from the report facts where they are kept (PostgreSQL),
    else from the measures' own querysets."""
    if f.facts:
        return stored_counts(f)
    return {m.slug: (m.numerator.count(), m.denominator.count()) for m in all_measures(f).values()}


def quality(f):
    rows = [(slug, title, n, d, rate(n, d)) for slug, (n, d) in counts(f).items() for title in [MEASURES[slug][0]]]
    exclusions = "; ".join(f"{slug}: {', '.join(str(e) for e in m[2])}" for slug, m in MEASURES.items())
    return Table(
        "quality",
        _("Quality measures"),
        [_("Measure"), _("Title"), _("Numerator"), _("Denominator"), _("Rate (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [4]},
        note=_(
            "Specification: %(spec)s. Units: deliveries (PDS-E, PND-E), children (CMS82). Follow-up counts a first "
            "session attended, an in-person assessment, or a negative PHQ-9 or EPDS the same day as a positive PHQ-2, "
            "within 30 days of the first positive screen; a referral or a decision alone does not. Excluded: "
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


# The stored facts (PostgreSQL) -------------------------------------------------------------------


def _stored(f):
    """Each measure's facts, its denominator and its numerator's extra condition, as
    `all_measures(f)` defines them."""
    closed_84 = _closed_by(f, POSTPARTUM[1].days)
    closed_30 = _closed_by(f, FOLLOW_UP.days)
    deliveries = DeliveryFact.objects.filter(
        clinic_id__in=f.clinic_ids, delivery_date__gte=f.start, delivery_date__lte=f.end, mother_died=False
    )
    children = ChildFact.objects.filter(
        clinic_id__in=f.clinic_ids,
        date_of_birth__gte=f.start - SIX_CALENDAR_MONTHS,
        date_of_birth__lte=f.end - SIX_CALENDAR_MONTHS,
        died_before_six_months=False,
    )
    postpartum = Q(delivery_date__lte=closed_84)
    everyone = Q(pk__isnull=False)
    return {
        "pds-e-screening": (deliveries, postpartum, Q(pds_screened=True)),
        "pds-e-follow-up": (deliveries, postpartum & Q(pds_first_positive_on__lte=closed_30), Q(pds_followed_up=True)),
        "pnd-e-screening": (deliveries, everyone, Q(pnd_screened=True)),
        "pnd-e-follow-up": (deliveries, Q(pnd_first_positive_on__lte=closed_30), Q(pnd_followed_up=True)),
        "cms82": (children, everyone, Q(mother_screened=True)),
    }


def stored_counts(f):
    """{slug: (numerator, denominator)}: one aggregate over the delivery facts, one over the
    children's."""
    found = {}
    for model in (DeliveryFact, ChildFact):
        theirs = {slug: m for slug, m in _stored(f).items() if m[0].model is model}
        rows = next(iter(theirs.values()))[0]
        counts = rows.aggregate(
            **{f"d{i}": Count("pk", filter=den) for i, (_rows, den, _num) in enumerate(theirs.values())},
            **{f"n{i}": Count("pk", filter=den & num) for i, (_rows, den, num) in enumerate(theirs.values())},
        )
        found |= {slug: (counts[f"n{i}"], counts[f"d{i}"]) for i, slug in enumerate(theirs)}
    return {slug: found[slug] for slug in MEASURES}


def stored_units(f, slug):
    """The measure's units (deliveries or children) as querysets: its denominator and numerator."""
    rows, denominator, numerator = _stored(f)[slug]
    model, key = (Pregnancy, "pregnancy_id") if rows.model is DeliveryFact else (Infant, "infant_id")
    counted = rows.filter(denominator)
    return (
        model.objects.filter(pk__in=counted.values(key)),
        model.objects.filter(pk__in=counted.filter(numerator).values(key)),
    )
