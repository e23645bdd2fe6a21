"""Screenings, scored by the app's own instruments and risk grading, and the self-harm alerts they
raise (one in fifty left open)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from screening import instruments
from screening.risk import DEFAULT_THRESHOLDS, assess

from .copying import TODAY, copy, next_id, rng


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


def screenings(facts, count, staff_of):
    """The positive screens and the self-harm answers, as (screening, mother, clinic, created)."""
    mothers = len(facts)
    pool = answer_pool()
    thresholds = json.dumps(DEFAULT_THRESHOLDS.as_dict())
    screening_id = next_id("screening_screening")
    positive_ids, self_harm_ids = [], []

    def screening_rows():
        for n in range(count):
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
        count,
        "screenings",
    )
    return positive_ids, self_harm_ids


def alerts(self_harm_ids, staff_of):
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
