"""The screening app's models, one module per part of the domain: clinics and their staff, mothers
and their dyads, screenings, invitations, the outbox's deliveries, the audit trail."""

from .audit import AuditEntry, AuditQuerySet
from .clinics import (
    ORDERED_CUT_OFFS,
    ActiveMemberships,
    Clinic,
    Membership,
    Role,
    ThresholdSet,
    User,
    validate_time_zone,
)
from .deliveries import SUBJECT, Delivery, DeliveryQuerySet, DeliveryStatus, MessageKind
from .invitations import OPEN_INVITATION, Invitation, InvitationQuerySet, InvitationStatus
from .mothers import (
    RECORD_NUMBER_TAKEN,
    RECORD_NUMBER_TAKEN_CODE,
    Infant,
    Language,
    LeftCare,
    Mother,
    MotherQuerySet,
    Outcome,
    Pregnancy,
    RiskFactor,
    age_label,
    months_between,
)
from .screenings import CrisisResource, Method, Screening, ScreeningQuerySet, TranslationPack

__all__ = [
    "User",
    "validate_time_zone",
    "Clinic",
    "Role",
    "ActiveMemberships",
    "Membership",
    "ORDERED_CUT_OFFS",
    "ThresholdSet",
    "MotherQuerySet",
    "Language",
    "RiskFactor",
    "LeftCare",
    "RECORD_NUMBER_TAKEN",
    "RECORD_NUMBER_TAKEN_CODE",
    "Mother",
    "Outcome",
    "Pregnancy",
    "Infant",
    "age_label",
    "months_between",
    "CrisisResource",
    "Method",
    "TranslationPack",
    "ScreeningQuerySet",
    "Screening",
    "InvitationStatus",
    "OPEN_INVITATION",
    "InvitationQuerySet",
    "Invitation",
    "DeliveryStatus",
    "MessageKind",
    "SUBJECT",
    "DeliveryQuerySet",
    "Delivery",
    "AuditQuerySet",
    "AuditEntry",
]
