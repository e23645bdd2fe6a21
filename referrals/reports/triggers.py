"""The PostgreSQL triggers that keep the stored report tables exact: a change to any table a fact
or a rollup is derived from marks the mother (facts) or the clinic's month (rollups) stale in the
change's own transaction; the next refresh recomputes what is marked. Installed by migrations."""

from django.db import connection

from .models import StaleMother

# An UPDATE's rows before and after, read as one: marked in one statement, in one order.
CHANGED = "(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)"


def statement_triggers(table, mark, tag="stale"):
    """One trigger per event (PostgreSQL allows transition tables on single-event triggers), each
    running `mark` (an insert of stale marks, formatted with the changed rows as `rows`) once per
    statement, so bulk loads stay fast. A mother's report mark is an upsert, which locks an existing
    mark so a recompute in flight cannot take it before this transaction commits; it is written in
    key order, an UPDATE's rows before and after together, so two transactions marking the same
    mothers wait for each other instead of each holding one the other needs. A clinic's month (see
    StaleMonth) and a mother's worklist mark are plain inserts: a writer never waits on them."""
    sql = []
    for event, rows in (("INSERT", "new_rows"), ("UPDATE", CHANGED), ("DELETE", "old_rows")):
        name = f"{table}_{tag}_{event.lower()}"
        referencing = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}.get(
            event, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
        )
        sql.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {mark.format(rows=rows)}; RETURN NULL; END $$;"
            f"DROP TRIGGER IF EXISTS {name} ON {table};"
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        )
    return sql


def drop_statement_triggers(table, tag="stale"):
    return [
        f"DROP TRIGGER IF EXISTS {table}_{tag}_{event} ON {table}; DROP FUNCTION IF EXISTS {table}_{tag}_{event}();"
        for event in ("insert", "update", "delete")
    ]


# Mothers (facts) ------------------------------------------------------------------------------

# table: the column holding the mother's id. Every table a fact is derived from.
SOURCES = {
    "screening_screening": "mother_id",
    "screening_pregnancy": "mother_id",
    "screening_infant": "mother_id",
    "referrals_referral": "mother_id",
    "referrals_alert": "mother_id",
    "referrals_concern": "mother_id",
}
MOTHER_COLUMNS = ["clinic_id", "preferred_language", "date_of_birth"]  # what facts read from her row

_MARK = (
    "INSERT INTO referrals_stalemother (mother_id, marked_at) SELECT DISTINCT {column}, now() FROM {rows} r "
    "ORDER BY 1 ON CONFLICT (mother_id) DO UPDATE SET marked_at = EXCLUDED.marked_at"
)


def _mother_trigger():
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in MOTHER_COLUMNS)
    return [
        "CREATE OR REPLACE FUNCTION screening_mother_stale() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO referrals_stalemother (mother_id, marked_at) VALUES (NEW.id, now()) "
        "ON CONFLICT (mother_id) DO UPDATE SET marked_at = EXCLUDED.marked_at; RETURN NULL; END $$;"
        "DROP TRIGGER IF EXISTS screening_mother_stale ON screening_mother;"
        "CREATE TRIGGER screening_mother_stale AFTER UPDATE ON screening_mother FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION screening_mother_stale();"
    ]


FACTS = [
    sql for table, column in SOURCES.items() for sql in statement_triggers(table, _MARK.replace("{column}", column))
] + _mother_trigger()
DROP_FACTS = [sql for table in SOURCES for sql in drop_statement_triggers(table)] + [
    "DROP TRIGGER IF EXISTS screening_mother_stale ON screening_mother",
    "DROP FUNCTION IF EXISTS screening_mother_stale()",
]


def mark_stale(schema_editor, source="screening_mother", column="id"):
    """Every mother of `source` stale, so the next refresh (beat, or the first report) computes her
    facts: for the migrations that add facts or fact columns. PostgreSQL only."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"INSERT INTO {StaleMother._meta.db_table} (mother_id, marked_at) SELECT DISTINCT {column}, now() "
            f"FROM {source} ON CONFLICT (mother_id) DO NOTHING"
        )


# Clinic months (rollups) ----------------------------------------------------------------------

MONTH_SOURCES = {"screening_screening": "taken_on", "referrals_followup": "due_on"}  # table: the date it counts by
_MARK_MONTH = (
    "INSERT INTO referrals_stalemonth (clinic_id, month, marked_at) "
    "SELECT DISTINCT clinic_id, date_trunc('month', {column})::date, now() FROM {{rows}} r"
)
MONTHS = [
    sql
    for table, column in MONTH_SOURCES.items()
    for sql in statement_triggers(table, _MARK_MONTH.format(column=column), tag="months")
]
DROP_MONTHS = [sql for table in MONTH_SOURCES for sql in drop_statement_triggers(table, tag="months")]


def mark_every_month_stale():
    """Every (clinic, month) with records, for the first fill."""
    with connection.cursor() as cursor:
        for table, column in MONTH_SOURCES.items():
            cursor.execute(
                f"INSERT INTO referrals_stalemonth (clinic_id, month, marked_at) "
                f"SELECT DISTINCT clinic_id, date_trunc('month', {column})::date, now() FROM {table}"
            )
