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
