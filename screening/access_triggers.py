"""The database triggers that bump `User.access_version` whenever what a session keeps about her
access changes (screening.access_state): a membership of hers added, changed or removed (however:
a form, a bulk update, the Django admin, a shell), her clinic's settings changed, a second-factor
device of hers added, confirmed or removed. Row triggers: these tables change rarely. Written for
PostgreSQL and for SQLite (`make run`)."""

BUMP = "UPDATE screening_user SET access_version = access_version + 1 WHERE id IN ({users})"
MEMBERS = "SELECT user_id FROM screening_membership WHERE clinic_id = NEW.id"
DEVICE_CHANGED = "OLD.confirmed IS DISTINCT FROM NEW.confirmed OR OLD.user_id IS DISTINCT FROM NEW.user_id"

# (name, table, event, condition or "", users bumped)
TRIGGERS = [
    ("membership_insert", "screening_membership", "INSERT", "", "NEW.user_id"),
    ("membership_update", "screening_membership", "UPDATE", "", "OLD.user_id, NEW.user_id"),
    ("membership_delete", "screening_membership", "DELETE", "", "OLD.user_id"),
    ("clinic_update", "screening_clinic", "UPDATE", "", MEMBERS),
    *[
        (f"{kind}_{event.lower()}", table, event, condition, users)
        for kind, table in (("totp", "otp_totp_totpdevice"), ("static", "otp_static_staticdevice"))
        for event, condition, users in (
            ("INSERT", "", "NEW.user_id"),
            ("UPDATE", DEVICE_CHANGED, "OLD.user_id, NEW.user_id"),
            ("DELETE", "", "OLD.user_id"),
        )
    ],
]


def create(vendor):
    sql = []
    for name, table, event, condition, users in TRIGGERS:
        trigger = f"access_version_{name}"
        when = f"WHEN ({condition})" if condition else ""
        if vendor == "postgresql":
            returned = "OLD" if event == "DELETE" else "NEW"
            sql += [
                f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {BUMP.format(users=users)}; RETURN {returned}; END $$",
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {trigger}()",
            ]
        else:  # SQLite: IS DISTINCT FROM is spelled IS NOT
            when = when.replace("IS DISTINCT FROM", "IS NOT")
            sql += [
                f"DROP TRIGGER IF EXISTS {trigger}",
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW {when} "
                f"BEGIN {BUMP.format(users=users)}; END",
            ]
    return sql


def drop(vendor):
    sql = []
    for name, table, *_rest in TRIGGERS:
        trigger = f"access_version_{name}"
        if vendor == "postgresql":
            sql += [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION IF EXISTS {trigger}()"]
        else:
            sql.append(f"DROP TRIGGER IF EXISTS {trigger}")
    return sql
