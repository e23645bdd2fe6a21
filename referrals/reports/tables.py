"""The report tables, listed once in the order admins see them. Every figure is a database
aggregate over the admin's clinics and the chosen period (but the cascade, which counts one row per
mother read once per report)."""

from functools import partial

from . import activity, cascade, facts, funnel, measures, rollups, timeliness
from .base import room_to_sort

TABLES = {
    "cascade": cascade.cascade,
    "cascade-by-group": cascade.cascade_by_group,
    "coverage": activity.coverage,
    "positive-rate": activity.positive_rate,
    "risk-levels": activity.risk_levels,
    "funnel": funnel.funnel,
    "drop-off": funnel.drop_off_reasons,
    "funnel-by-pathway": partial(funnel.funnel_by, dimension="pathway"),
    "funnel-by-provider": partial(funnel.funnel_by, dimension="provider"),
    "funnel-by-clinic": partial(funnel.funnel_by, dimension="clinic"),
    "funnel-by-language": partial(funnel.funnel_by, dimension="language"),
    "funnel-by-age": partial(funnel.funnel_by, dimension="age"),
    "timeliness": timeliness.timeliness,
    "breaches": timeliness.breaches,
    "alerts": activity.alerts,
    "outcomes": activity.outcomes,
    "quality": measures.quality,
}


def prepare(f):
    """Bring the stored facts and rollups up to date before a report reads them (or leave
    `f.facts`, `f.rollups` false, and the tables compute from the records): the first thing every
    report does (`report_views`)."""
    f.facts, f.rollups = facts.fresh(), rollups.fresh(f)
    return f


def all_tables(f):
    with room_to_sort():
        return [table(f) for table in TABLES.values()]
