"""The database triggers that mark a mother's worklist entry stale (referrals.worklist_store) in the
transaction of any change to a row it is derived from, however the change is made (a service, a
bulk update, the Django admin, a shell). Each mark carries her clinic, so a page recomputes only its
own. Marks are only added, never upserted, so a writer never waits for another's mark: an upsert
made her submit wait on the dispatcher's batch marking the same mother, and the two deadlocked
(three answers of 500 with the dispatcher beside the load, issue 32). PostgreSQL: one trigger per
statement, over its transition table, so bulk writes stay fast; SQLite (`make run`): row triggers."""

from .reports.triggers import statement_triggers

STALE = "referrals_workliststale"

# table: the column naming the mother. Every table an entry is derived from, besides her own row.
SOURCES = {
    "screening_screening": "mother_id",
    "screening_invitation": "mother_id",
    "screening_delivery": "mother_id",
    "referrals_alert": "mother_id",
    "referrals_concern": "mother_id",
    "referrals_referral": "mother_id",
    "referrals_followup": "mother_id",
}
# Her own row marks her in the clinic it names, before and after: a move marks both clinics.
OWN_ROW = "screening_mother"
# Rows every entry of a clinic may be derived from (its settings; its providers, whose names her
# referral lines show): a change marks all of the clinic's entries.
CLINIC_SOURCES = {
    "referrals_referralsettings": "clinic_id",
    "screening_clinic": "id",
    "referrals_provider": "clinic_id",
}
EVENTS = ("INSERT", "UPDATE", "DELETE")
# Every mother stale, once: for the first fill, and after a bulk load whose statements marked each many times.
MARK_EVERY_MOTHER = (
    f"INSERT INTO {STALE} (mother_id, clinic_id, marked_at) SELECT id, clinic_id, CURRENT_TIMESTAMP FROM {OWN_ROW}"
)


def _postgresql(table, select):
    return statement_triggers(table, f"INSERT INTO {STALE} (mother_id, clinic_id, marked_at) {select}", tag="worklist")


def _sqlite(table, select):
    sql = []
    for event in EVENTS:
        name = f"{table}_worklist_{event.lower()}"
        rows = {"INSERT": ["NEW"], "UPDATE": ["OLD", "NEW"], "DELETE": ["OLD"]}[event]
        marks = "; ".join(
            f"INSERT INTO {STALE} (mother_id, clinic_id, marked_at) {select.format(rows=r)}" for r in rows
        )
        sql += [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {marks}; END"]
    return sql


def _selects(vendor):
    """(table, the SELECT of marks from its changed rows, as `rows`): her current clinic, read from her
    row; for her own row, the clinic it names."""
    now = "now()" if vendor == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    mothers, entries = "screening_mother m", "referrals_worklistentry e"
    if vendor == "postgresql":
        changed = f"SELECT DISTINCT m.id, m.clinic_id, {now} FROM {{rows}} r JOIN {mothers} ON m.id = r.{{column}}"
        every = f"SELECT DISTINCT e.mother_id, e.clinic_id, {now} FROM {{rows}} r JOIN {entries} "
        every += "ON e.clinic_id = r.{column}"
    else:
        changed = f"SELECT m.id, m.clinic_id, {now} FROM {mothers} WHERE m.id = {{rows}}.{{column}}"
        every = f"SELECT e.mother_id, e.clinic_id, {now} FROM {entries} WHERE e.clinic_id = {{rows}}.{{column}}"
    if vendor == "postgresql":
        own = f"SELECT DISTINCT r.id, r.clinic_id, {now} FROM {{rows}} r"
    else:
        own = f"SELECT {{rows}}.id, {{rows}}.clinic_id, {now} WHERE true"
    return [
        *[(t, changed.replace("{column}", c)) for t, c in SOURCES.items()],
        (OWN_ROW, own),
        *[(t, every.replace("{column}", c)) for t, c in CLINIC_SOURCES.items()],
    ]


def create(vendor):
    build = _postgresql if vendor == "postgresql" else _sqlite
    return [sql for table, select in _selects(vendor) for sql in build(table, select)]


def drop(vendor):
    sql = []
    for table in [*SOURCES, OWN_ROW, *CLINIC_SOURCES]:
        for event in EVENTS:
            name = f"{table}_worklist_{event.lower()}"
            if vendor == "postgresql":
                sql += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
            else:
                sql.append(f"DROP TRIGGER IF EXISTS {name}")
    return sql
