"""Writing rows fast: COPY in chunks with a progress bar, the model's defaults for columns a part
does not name, ids after the highest, and the sequences set after."""

import io
import json
import random
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.utils import timezone

PASSWORD = "bench-pass-2026"
ZONE = ZoneInfo("America/New_York")  # every bench clinic's (staff.py)
TODAY = datetime.now(ZONE).date()  # theirs: the machine's UTC date is a day ahead of it every evening
NOW = datetime.now(UTC)
rng = random.Random(7)


def progress(label, done, total, started):
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stdout.write(f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} {rate:,.0f}/s")
    sys.stdout.flush()
    if done >= total:
        sys.stdout.write("\n")


def _defaults(table, columns):
    """Columns the generator does not name, filled as the model would: its default, the time for
    auto_now fields, blank text. New model fields then need no change here."""
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra = {}
    for field in model._meta.concrete_fields:
        if field.column in columns or field.null:
            continue
        if field.has_default():
            value = field.get_default()
            extra[field.column] = json.dumps(value) if isinstance(value, list | dict) else value
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            extra[field.column] = timezone.now()
        elif field.get_internal_type() in ("CharField", "TextField"):
            extra[field.column] = ""
        else:
            raise ValueError(f"{table}.{field.column} needs a value in bench/generate/")
    return extra


def copy(table, columns, rows, total, label):
    """Streams rows into a table with COPY, in chunks."""
    extra = _defaults(table, columns)
    columns, tail = [*columns, *extra], [_cell(v) for v in extra.values()]
    started, done, buffer = time.monotonic(), 0, io.StringIO()
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join([*(_cell(v) for v in row), *tail]) + "\n")
            done += 1
            if done % 50_000 == 0 or done == total:
                buffer.seek(0)
                cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
                buffer = io.StringIO()
                progress(label, done, total, started)
        if buffer.tell():
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
            progress(label, total, total, started)


def _cell(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def next_id(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


TABLES = (
    "screening_user",
    "screening_clinic",
    "screening_membership",
    "screening_mother",
    "screening_pregnancy",
    "screening_infant",
    "screening_screening",
    "referrals_referral",
    "referrals_referralevent",
    "referrals_decision",
    "referrals_alert",
    "referrals_followup",
    "referrals_provider",
    "screening_invitation",
)


def reset_sequences():
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")
