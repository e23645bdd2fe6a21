"""The treatment cascade, as published programmes report it: of the mothers who screened positive
in the period, how many were referred, seen (first contact confirmed), completed treatment, and
were in remission at 3 and at 6 months; with the median days from the positive screen to first
contact, for everyone and by language and age group (the gaps between groups are the point).

Remission is a negative full-length rescreen (EPDS under 10, PHQ-9 under 5) 60-120 days (3 months)
or 150-210 days (6 months) after the positive screen; it is counted among the mothers whose window
has closed by the period's end."""

from datetime import timedelta
from statistics import median

from django.conf import settings
from django.db.models import Case, Count, DateField, ExpressionWrapper, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from screening.models import Mother, Screening
from screening.risk import POSITIVE_LEVELS

from ..models import Referral, Status
from .activity import AGE_GROUPS
from .base import Table, rate, round_or_none

DEPRESSION = ["EPDS", "PHQ-9", "PHQ-2"]
REMISSION = Q(instrument_code="EPDS", total__lt=10) | Q(instrument_code="PHQ-9", total__lt=5)
WINDOWS = {"3": (60, 120), "6": (150, 210)}
STEPS = [
    ("positive", _("Screened positive")),
    ("referred", _("Referred")),
    ("contacted", _("First contact confirmed")),
    ("completed", _("Treatment completed")),
]


def _day(expression):
    return ExpressionWrapper(expression, output_field=DateField())


def mothers(f):
    """Each mother with a positive depression screen in the period, once, from her first one."""
    first = Screening.objects.filter(
        mother=OuterRef("pk"),
        instrument_code__in=DEPRESSION,
        risk_level__in=POSITIVE_LEVELS,
        taken_on__gte=f.start,
        taken_on__lte=f.end,
    ).order_by("taken_on", "created_at")
    positive = Mother.objects.filter(clinic_id__in=f.clinic_ids).annotate(
        positive_on=Subquery(first.values("taken_on")[:1])
    )
    positive = positive.filter(positive_on__isnull=False)
    referrals = Referral.objects.filter(mother=OuterRef("pk"), requested_at__date__gte=OuterRef("positive_on"))
    referrals = referrals.exclude(status__in=[Status.DRAFT, Status.ENTERED_IN_ERROR])
    seen = referrals.filter(first_session_on__isnull=False).order_by("first_session_on")
    # Each step as "the first date it happened" (null if never): one portable form on every database.
    annotations = {
        "referred_at": Subquery(referrals.order_by("requested_at").values("requested_at")[:1]),
        "contact_on": Subquery(seen.values("first_session_on")[:1]),
        "completed_at": Subquery(referrals.filter(status=Status.COMPLETED).values("ended_at")[:1]),
        "age": ExtractYear("positive_on") - ExtractYear("date_of_birth"),
    }
    for months, (low, high) in WINDOWS.items():
        window = Screening.objects.filter(
            REMISSION,
            mother=OuterRef("pk"),
            taken_on__gte=_day(OuterRef("positive_on") + timedelta(days=low)),
            taken_on__lte=_day(OuterRef("positive_on") + timedelta(days=high)),
        )
        annotations[f"remission_{months}"] = Subquery(window.order_by("taken_on").values("taken_on")[:1])
    return positive.annotate(**annotations)


def _steps(f):
    steps = {
        "positive": Count("pk"),
        "referred": Count("referred_at"),
        "contacted": Count("contact_on"),
        "completed": Count("completed_at"),
    }
    for months, (_low, high) in WINDOWS.items():
        closed = Q(positive_on__lte=f.end - timedelta(days=high))
        steps[f"followed_{months}"] = Count("pk", filter=closed)
        steps[f"remission_{months}"] = Count(f"remission_{months}", filter=closed)
    return steps


def _counts(f, rows):
    return _named(rows.aggregate(**{f"n_{k}": v for k, v in _steps(f).items()}))


def _named(row):
    return {k.removeprefix("n_"): v for k, v in row.items()}


def cascade(f):
    c = _counts(f, mothers(f))
    rows = [(label, c[step], rate(c[step], c["positive"])) for step, label in STEPS]
    for months in WINDOWS:
        label = _("In remission at %(n)s months (of %(of)s followed that long)") % {
            "n": months,
            "of": c[f"followed_{months}"],
        }
        rows.append((label, c[f"remission_{months}"], rate(c[f"remission_{months}"], c[f"followed_{months}"])))
    return Table(
        "cascade",
        _("Treatment cascade"),
        [_("Step"), _("Mothers"), _("Of those screened positive (%)")],
        rows,
        {"type": "bar", "label": 0, "values": [1]},
        note=_(
            "Mothers with a positive depression screen in the period, counted once from their first. First "
            "contact is a first session the provider confirmed. Remission is a negative full-length rescreen "
            "(EPDS under 10, PHQ-9 under 5) 60-120 days or 150-210 days after the positive screen."
        ),
    )


def _age_group():
    return Case(
        *[When(age__gte=low, age__lte=high, then=Value(label)) for low, high, label in AGE_GROUPS],
        default=Value("unknown"),
    )


def _by(f, rows, group):
    """Each group's counts in one grouped aggregate, and its median days to first contact."""
    steps = {f"n_{k}": v for k, v in _steps(f).items()}
    counts = {row.pop(group): _named(row) for row in rows.values(group).annotate(**steps).order_by(group)}
    days = {}
    seen = rows.filter(contact_on__isnull=False).values_list(group, "positive_on", "contact_on")
    for key, positive_on, contact_on in seen:
        days.setdefault(key, []).append((contact_on - positive_on).days)
    return [(key, c, median(days[key]) if key in days else None) for key, c in counts.items()]


def cascade_by_group(f):
    everyone = mothers(f).annotate(everyone=Value("everyone"), age_group=_age_group())
    languages = dict(settings.LANGUAGES)
    groups = [
        (_("All"), "everyone", lambda key: _("everyone")),
        (_("Language"), "preferred_language", lambda key: languages.get(key, key)),
        (_("Age"), "age_group", lambda key: key),
    ]
    rows = []
    for kind, group, label in groups:
        for key, c, days in _by(f, everyone, group):
            rows.append(
                (
                    kind,
                    str(label(key)),
                    c["positive"],
                    rate(c["referred"], c["positive"]),
                    rate(c["contacted"], c["positive"]),
                    rate(c["completed"], c["positive"]),
                    rate(c["remission_3"], c["followed_3"]),
                    rate(c["remission_6"], c["followed_6"]),
                    round_or_none(days),
                )
            )
    return Table(
        "cascade-by-group",
        _("Treatment cascade by language and age"),
        [
            _("Group"),
            _("Value"),
            _("Screened positive"),
            _("Referred (%)"),
            _("First contact (%)"),
            _("Completed (%)"),
            _("Remission at 3 months (%)"),
            _("Remission at 6 months (%)"),
            _("Median days to first contact"),
        ],
        rows,
    )
