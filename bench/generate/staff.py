"""The clinics, and three staff per clinic (admin, clinician, front desk) plus a network admin."""

import uuid

from django.contrib.auth.hashers import make_password

from .copying import NOW, PASSWORD, ZONE, copy, next_id


def clinics_and_staff(clinics):
    """The clinic ids, and each clinic's clinician (who enters and reviews its records)."""
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
        ((cid, uuid.uuid4(), f"Bench clinic {n:03d}", ZONE.key, n % 2 == 0, False) for n, cid in enumerate(clinic_ids)),
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
    return clinic_ids, staff_of
