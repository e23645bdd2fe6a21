"""Follow-ups in every state at the infant's 1, 2, 4 and 6-month visits, the invited ones with their
invitation."""

import json
import uuid
from datetime import timedelta

from screening import instruments

from .copying import NOW, TODAY, copy, next_id, rng


def follow_ups(facts):
    states = ["scheduled", "scheduled", "completed", "overdue", "cancelled", "completed", "invited"]
    followup_rows, followup_id = [], next_id("referrals_followup")
    invitation_rows, invitation_id = [], next_id("screening_invitation")
    for n, (mid, cid, delivered) in enumerate(facts):
        for visit, months in enumerate((1, 2, 4, 6)):
            due = (delivered or TODAY) + timedelta(days=30 * months)
            # every other state, so each mother has a scheduled visit (the two "scheduled" sit side by
            # side; steps of one left two mothers in seven with none, and the dispatcher run, one
            # follow-up per mother, found too few)
            status = states[(n + 2 * visit) % len(states)]
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
