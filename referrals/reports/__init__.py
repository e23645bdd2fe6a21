"""Referral and quality reports for clinic admins (`/reports/`). Every figure is a database
aggregate over the admin's clinics and the chosen period, but the cascade, which counts one row per
mother read once per report. The tables are listed once, here, in the order admins see them."""

from functools import partial

from . import activity, cascade, measures
from .base import Filters, Table  # noqa: F401 - the package's interface

TABLES = {
    "cascade": cascade.cascade,
    "cascade-by-group": cascade.cascade_by_group,
    "coverage": activity.coverage,
    "positive-rate": activity.positive_rate,
    "risk-levels": activity.risk_levels,
    "funnel": activity.funnel,
    "drop-off": activity.drop_off_reasons,
    "funnel-by-pathway": partial(activity.funnel_by, dimension="pathway"),
    "funnel-by-provider": partial(activity.funnel_by, dimension="provider"),
    "funnel-by-clinic": partial(activity.funnel_by, dimension="clinic"),
    "funnel-by-language": partial(activity.funnel_by, dimension="language"),
    "funnel-by-age": partial(activity.funnel_by, dimension="age"),
    "timeliness": activity.timeliness,
    "breaches": activity.breaches,
    "alerts": activity.alerts,
    "outcomes": activity.outcomes,
    "quality": measures.quality,
}


def all_tables(f):
    return [table(f) for table in TABLES.values()]
