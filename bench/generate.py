"""Fills PostgreSQL with a network of clinics at realistic scale, fast (COPY), with a progress bar.

    DATABASE_URL=postgres://ppd@127.0.0.1:5432/ppd_bench python -m bench.generate --mothers 100000 --screenings 1000000

Distributions: about 1 in 8 EPDS totals at 10 or more, about 3% of screenings with a self-harm
answer; referrals through every lifecycle stage; follow-ups in every state. Answers are real
answer vectors scored by the app's own instruments and risk grading, so results are consistent.
"""

import argparse
import io
import json
import os
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from screening import instruments  # noqa: E402
from screening.models import Mother  # noqa: E402
from screening.risk import DEFAULT_THRESHOLDS, assess  # noqa: E402

PASSWORD = "bench-pass-2026"
TODAY = date.today()
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
    from django.apps import apps
    from django.utils import timezone

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
            raise ValueError(f"{table}.{field.column} needs a value in bench/generate.py")
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


def answer_pool():
    """Scored EPDS and PHQ-9 answer vectors: roughly 1 in 8 EPDS at 10+, a few with self-harm."""
    pool = {"EPDS": [], "PHQ-9": []}
    weights = [0.62, 0.23, 0.1, 0.05]
    for code, size in (("EPDS", 6000), ("PHQ-9", 3000)):
        instrument = instruments.get(code)
        for n in range(size):
            scores = rng.choices(range(4), weights=weights, k=len(instrument.items))
            if n % 9 == 0:
                scores = [min(3, s + rng.choice([1, 2])) for s in scores]  # the depressed tail
            scores[-1] = rng.choice([1, 2]) if rng.random() < 0.03 else 0  # self-harm item
            positions = [
                next(i for i, o in enumerate(item.options) if o.score == s)
                for item, s in zip(instrument.items, scores, strict=True)
            ]
            result = instrument.score(positions)
            pool[code].append((positions, result, assess(result, DEFAULT_THRESHOLDS)))
    return pool


@transaction.atomic
def generate(clinics, mothers, screenings, referrals):
    from screening.models import Clinic

    if Clinic.objects.filter(name__startswith="Bench clinic").exists():
        print("bench data already loaded")
        return None
    t0 = time.monotonic()
    password = make_password(PASSWORD)
    user_id, clinic_id, membership_id = (
        next_id("screening_user"),
        next_id("screening_clinic"),
        next_id("screening_membership"),
    )
    clinic_ids = list(range(clinic_id, clinic_id + clinics))
    copy(
        "screening_clinic",
        ["id", "code", "name", "time_zone", "epds_online_permission", "show_scores_to_mother"],
        (
            (cid, uuid.uuid4(), f"Bench clinic {n:03d}", "America/New_York", n % 2 == 0, False)
            for n, cid in enumerate(clinic_ids)
        ),
        clinics,
        "clinics",
    )
    roles = ["clinic_admin", "clinician", "front_desk"]
    users, memberships = [], []
    for n, cid in enumerate(clinic_ids):
        for role in roles:
            uid = user_id + len(users)
            users.append(
                (uid, password, False, f"bench-{role}-{n:03d}", "", "", f"{role}{n}@bench.example", False, True, NOW)
            )
            memberships.append((membership_id + len(memberships), uid, cid, role))
    network_admin = user_id + len(users)
    users.append(
        (network_admin, password, False, "bench-network-admin", "", "", "network@bench.example", False, True, NOW)
    )
    memberships += [
        (membership_id + len(memberships) + i, network_admin, cid, "clinic_admin") for i, cid in enumerate(clinic_ids)
    ]
    copy(
        "screening_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        users,
        len(users),
        "staff",
    )
    copy("screening_membership", ["id", "user_id", "clinic_id", "role"], memberships, len(memberships), "memberships")
    staff_of = {cid: user_id + 3 * n + 1 for n, cid in enumerate(clinic_ids)}

    mother_id, infant_id = next_id("screening_mother"), next_id("screening_infant")
    pregnancy_id = next_id("screening_pregnancy")
    mother_rows, infant_rows, pregnancy_rows, facts = [], [], [], []
    for n in range(mothers):
        cid = clinic_ids[n % clinics]
        pregnant = rng.random() < 0.2  # not n % 5: with 50 clinics that made clinic 000 all pregnant
        delivered = TODAY - timedelta(days=rng.randint(1, 700))
        mid = mother_id + n
        mother_rows.append(
            (
                mid,
                uuid.uuid4(),
                cid,
                f"Given{n}",
                f"Family{n % 997}",
                TODAY - timedelta(days=365 * rng.randint(17, 44)),
                f"R{n:07d}",
                "es" if n % 4 == 1 else "en",
                f"m{n}@bench.example",
                n % 3 != 0,
                "",
                False,
                TODAY + timedelta(days=rng.randint(5, 200)) if pregnant else delivered,
                None if pregnant else delivered,
                "[]",
                None,
                "",
                NOW - timedelta(days=rng.randint(0, 700)),
                staff_of[cid],
            )
        )
        due = TODAY + timedelta(days=rng.randint(5, 200)) if pregnant else delivered
        pregnancy_rows.append(
            (
                pregnancy_id + n,
                uuid.uuid4(),
                mid,
                cid,
                due,
                None if pregnant else delivered,
                due - timedelta(days=200),
                "ongoing" if pregnant else "live_birth",
            )
        )
        if not pregnant:
            infant_rows.append((infant_id + len(infant_rows), uuid.uuid4(), mid, "", delivered, pregnancy_id + n))
        facts.append((mid, cid, None if pregnant else delivered))
    copy(
        "screening_mother",
        [
            "id",
            "code",
            "clinic_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "record_number",
            "preferred_language",
            "email",
            "email_consent",
            "phone",
            "sms_consent",
            "due_date",
            "delivery_date",
            "risk_factors",
            "left_care_on",
            "left_care_reason",
            "created_at",
            "created_by_id",
        ],
        mother_rows,
        mothers,
        "mothers",
    )
    copy(
        "screening_pregnancy",
        ["id", "code", "mother_id", "clinic_id", "due_date", "delivery_date", "recorded_on", "outcome"],
        pregnancy_rows,
        len(pregnancy_rows),
        "pregnancies",
    )
    copy(
        "screening_infant",
        ["id", "code", "mother_id", "given_name", "date_of_birth", "pregnancy_id"],
        infant_rows,
        len(infant_rows),
        "infants",
    )

    pool = answer_pool()
    thresholds = json.dumps(DEFAULT_THRESHOLDS.as_dict())
    screening_id = next_id("screening_screening")
    positive_ids, self_harm_ids = [], []

    def screening_rows():
        for n in range(screenings):
            mid, cid, delivered = facts[n % mothers]
            code = "EPDS" if n % 4 else "PHQ-9"
            answers, result, risk = rng.choice(pool[code])
            taken = TODAY - timedelta(days=rng.randint(0, 720))
            sid = screening_id + n
            created = datetime.combine(taken, datetime.min.time(), UTC) + timedelta(hours=rng.randint(8, 18))
            if risk.is_positive:
                positive_ids.append((sid, mid, cid, created))
            if result.self_harm:
                self_harm_ids.append((sid, mid, cid, created))
            reviewed = created + timedelta(days=rng.randint(0, 40)) if risk.is_positive and rng.random() < 0.8 else None
            yield (
                sid,
                uuid.uuid4(),
                mid,
                cid,
                code,
                instruments.get(code).version,
                "en",
                json.dumps(answers),
                None,
                result.total,
                json.dumps(result.subscales),
                result.self_harm,
                result.band,
                risk.level,
                risk.anxiety_flag,
                "postnatal" if delivered and taken >= delivered else "antenatal",
                thresholds,
                taken,
                "paper" if n % 3 else "online",
                staff_of[cid],
                created,
                reviewed,
            )

    copy(
        "screening_screening",
        [
            "id",
            "code",
            "mother_id",
            "clinic_id",
            "instrument_code",
            "instrument_version",
            "language",
            "answers",
            "functional_difficulty",
            "total",
            "subscales",
            "self_harm",
            "band",
            "risk_level",
            "anxiety_flag",
            "context",
            "thresholds",
            "taken_on",
            "method",
            "entered_by_id",
            "created_at",
            "reviewed_at",
        ],
        screening_rows(),
        screenings,
        "screenings",
    )

    referral_id, event_id = next_id("referrals_referral"), next_id("referrals_referralevent")
    stages = [
        ("requested", 0),
        ("accepted", 1),
        ("in-progress", 2),
        ("completed", 3),
        ("rejected", 1),
        ("cancelled", 1),
        ("on-hold", 1),
        ("failed", 2),
        ("completed", 3),
        ("completed", 3),
    ]
    paths = ["mip", "cbt", "ipt", "psychiatric_evaluation", "psychoeducation", "anxiety_assessment"]
    referral_rows, event_rows = [], []
    for n in range(referrals):
        sid, mid, cid, created = positive_ids[n % len(positive_ids)]
        status, depth = stages[n % len(stages)]
        requested = created + timedelta(days=rng.randint(0, 20))
        accepted = requested + timedelta(days=rng.randint(0, 7)) if depth >= 1 and status != "rejected" else None
        first = (accepted + timedelta(days=rng.randint(1, 21))).date() if depth >= 2 and accepted else None
        ended = (
            requested + timedelta(days=rng.randint(30, 120))
            if status in ("completed", "rejected", "cancelled", "failed")
            else None
        )
        rid = referral_id + n
        referral_rows.append(
            (
                rid,
                uuid.uuid4(),
                mid,
                cid,
                sid,
                paths[n % len(paths)],
                None,
                "routine",
                status,
                True,
                "",
                "",
                requested,
                accepted,
                first,
                ended,
                8 if status == "completed" else None,
                "",
                staff_of[cid],
                requested,
            )
        )
        event_rows.append((event_id + len(event_rows), rid, requested, staff_of[cid], "", "requested", "", ""))
        if status != "requested":
            event_rows.append(
                (
                    event_id + len(event_rows),
                    rid,
                    ended or accepted or requested,
                    staff_of[cid],
                    "requested",
                    status,
                    "bench" if status in ("rejected", "cancelled", "failed", "on-hold") else "",
                    "",
                )
            )
    copy(
        "referrals_referral",
        [
            "id",
            "code",
            "mother_id",
            "clinic_id",
            "screening_id",
            "pathway",
            "provider_id",
            "urgency",
            "status",
            "was_recommended",
            "override_reason",
            "note",
            "requested_at",
            "accepted_at",
            "first_session_on",
            "ended_at",
            "sessions_attended",
            "closing_note",
            "created_by_id",
            "created_at",
        ],
        referral_rows,
        len(referral_rows),
        "referrals",
    )
    copy(
        "referrals_referralevent",
        ["id", "referral_id", "at", "actor_id", "from_status", "to_status", "reason", "note"],
        event_rows,
        len(event_rows),
        "events",
    )

    alert_id = next_id("referrals_alert")
    alert_rows = [
        (
            alert_id + n,
            uuid.uuid4(),
            sid,
            mid,
            cid,
            created,
            created + timedelta(minutes=1),
            0,
            None,
            created + timedelta(minutes=rng.randint(3, 180)) if n % 50 else None,
            staff_of[cid] if n % 50 else None,
            "called" if n % 50 else "",
            "",
        )
        for n, (sid, mid, cid, created) in enumerate(self_harm_ids)
    ]
    copy(
        "referrals_alert",
        [
            "id",
            "code",
            "screening_id",
            "mother_id",
            "clinic_id",
            "created_at",
            "delivered_at",
            "escalations",
            "last_escalated_at",
            "acknowledged_at",
            "acknowledged_by_id",
            "action",
            "note",
        ],
        alert_rows,
        len(alert_rows),
        "alerts",
    )

    states = ["scheduled", "scheduled", "completed", "overdue", "cancelled", "completed", "invited"]
    followup_rows, followup_id = [], next_id("referrals_followup")
    invitation_rows, invitation_id = [], next_id("screening_invitation")
    for n, (mid, cid, delivered) in enumerate(facts):
        for visit, months in enumerate((1, 2, 4, 6)):
            due = (delivered or TODAY) + timedelta(days=30 * months)
            status = states[(n + visit) % len(states)]
            invitation, invited_at, reminders, reminded_at = None, None, 0, None
            if status == "invited":  # sent up to 13 days ago, with the reminders already due sent
                age = rng.randrange(14)
                invited_at = NOW - timedelta(days=age, hours=rng.randrange(24))
                due = invited_at.date()
                reminders = (age >= 3) + (age >= 7)
                reminded_at = invited_at + timedelta(days=(3, 7)[reminders - 1]) if reminders else None
                invitation = invitation_id + len(invitation_rows)
                invitation_rows.append(
                    (
                        invitation,
                        uuid.uuid4(),
                        mid,
                        cid,
                        "PHQ-9",
                        instruments.PHQ9.version,
                        uuid.uuid4().hex + uuid.uuid4().hex,
                        uuid.uuid4().hex,
                        "sent",
                        json.dumps(["email"]),
                        False,
                        "{}",
                        invited_at,
                        invited_at + timedelta(days=14),
                        invited_at,
                    )
                )
            followup_rows.append(
                (
                    followup_id + len(followup_rows),
                    uuid.uuid4(),
                    mid,
                    cid,
                    f"infant-{months}m",
                    "infant_visit",
                    f"Infant's {months}-month visit",
                    "PHQ-9",
                    due,
                    status,
                    invitation,
                    invited_at,
                    reminders,
                    reminded_at,
                    None,
                    None,
                    "",
                    False,
                    NOW,
                )
            )
    copy(
        "screening_invitation",
        [
            "id",
            "code",
            "mother_id",
            "clinic_id",
            "instrument_code",
            "instrument_version",
            "token_hash",
            "nonce",
            "status",
            "channels",
            "tablet",
            "draft",
            "created_at",
            "expires_at",
            "sent_at",
        ],
        invitation_rows,
        len(invitation_rows),
        "invitations",
    )
    copy(
        "referrals_followup",
        [
            "id",
            "code",
            "mother_id",
            "clinic_id",
            "key",
            "kind",
            "reason",
            "instrument_code",
            "due_on",
            "status",
            "invitation_id",
            "invited_at",
            "reminders_sent",
            "last_reminder_at",
            "screening_id",
            "closed_at",
            "note",
            "rescheduled",
            "created_at",
        ],
        followup_rows,
        len(followup_rows),
        "follow-ups",
    )
    Mother.objects.refresh_latest_risk()  # what record_screening keeps for each screening it stores
    reset_sequences()
    return t0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinics", type=int, default=50)
    parser.add_argument("--mothers", type=int, default=100_000)
    parser.add_argument("--screenings", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=200_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench data goes into PostgreSQL: set DATABASE_URL")
    started = generate(args.clinics, args.mothers, args.screenings, args.referrals)
    if started is not None:  # committed: the state autovacuum keeps a live database in
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"loaded in {time.monotonic() - started:.0f} s")
        # what beat does in a running install within minutes: without it the first bench's reports
        # compute every figure directly, which is not the page a clinic admin waits for
        from referrals.tasks import refresh_report_facts

        computed = time.monotonic()
        refresh_report_facts()
        print(f"report facts computed in {time.monotonic() - computed:.0f} s")


if __name__ == "__main__":
    from django_scopes import scopes_disabled

    with scopes_disabled():  # a script acts for every clinic
        main()
