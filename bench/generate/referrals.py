"""Referrals from positive screens through every stage of their lifecycle, with their events."""

import uuid
from datetime import timedelta

from .copying import copy, next_id, rng


def referrals(positive_ids, count, staff_of):
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
    for n in range(count):
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
