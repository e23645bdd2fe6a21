"""Who saw or changed which record, when: one row per access."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels

from ..tenancy import ClinicScopedQuerySet, clinic_manager
from .clinics import Clinic


class AuditQuerySet(ClinicScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only.")

    def delete(self):
        raise PermissionError("Audit entries are append-only.")


class AuditEntry(ChoiceLabels, models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        SEARCH = "search", _("searched")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="audit_entries")
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_code = models.UUIDField(null=True)
    summary = models.CharField(max_length=300, blank=True)

    objects = clinic_manager(AuditQuerySet)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "-at"], name="audit_clinic_recent")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only.")
