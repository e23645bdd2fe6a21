"""Mothers with their pregnancies and infants: about one in five still pregnant."""

import uuid
from datetime import timedelta

from .copying import NOW, TODAY, copy, next_id, rng


def mothers_and_infants(clinic_ids, mothers, staff_of):
    """Each mother as (id, clinic id, delivery date or None while pregnant)."""
    clinics = len(clinic_ids)
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
    return facts
