from .models import AuditEntry


def record(actor, clinic, action, obj=None, summary=""):
    AuditEntry.objects.create(
        actor=actor,
        clinic=clinic,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_code=getattr(obj, "code", None),
        summary=summary[:300],
    )


def record_shown(actor, clinic, mothers, page):
    """A list page showed these mothers (names with clinical status): one entry each, written in
    one insert, so each mother's access history is complete and a page still costs one query."""
    seen, entries = set(), []
    for mother in mothers:
        if mother.pk not in seen:
            seen.add(mother.pk)
            entries.append(
                AuditEntry(
                    actor=actor,
                    clinic=clinic,
                    action=AuditEntry.Action.VIEW,
                    object_type="Mother",
                    object_code=mother.code,
                    summary=f"shown on {page}"[:300],
                )
            )
    if entries:
        AuditEntry.objects.bulk_create(entries)


def record_read(clinic, mother_codes, summary, actor=None):
    """A system read these mothers' records (the FHIR API): one entry each, in one insert."""
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            clinic=clinic,
            action=AuditEntry.Action.VIEW,
            object_type="Mother",
            object_code=code,
            summary=summary[:300],
        )
        for code in sorted(mother_codes)
    )
