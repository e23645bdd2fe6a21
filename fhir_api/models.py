import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels
from screening.models import Clinic
from screening.tenancy import clinic_manager


class ApiClient(models.Model):
    """A system a clinic admin authorised to read the clinic's records over FHIR: its id is public,
    its secret is shown once and only its SHA-256 hash kept."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="api_clients")
    name = models.CharField(_("name of the system"), max_length=200)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # SMART Backend Services: the public keys its signed assertions are checked with (a JWKS)
    public_jwks = models.JSONField(null=True, blank=True)

    objects = clinic_manager()

    def __str__(self):
        return f"{self.name} ({self.clinic})"


class AccessToken(models.Model):
    """A short-lived token SMART Backend Services issued for one signed assertion: only its hash is
    kept, and the assertion's jti once, so an assertion is never used twice."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    assertion_jti = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "assertion_jti"], name="access_token_one_per_assertion")
        ]

    def __str__(self):
        return f"Access token of {self.client} until {self.expires_at:%Y-%m-%d %H:%M}"


class BulkExport(ChoiceLabels, models.Model):
    """A client's `$export` of its clinic's records as NDJSON files, written by a Celery task."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"  # the client sent DELETE to its status URL
        EXPIRED = "expired"  # its files were deleted FHIR_EXPORT_KEEP_HOURS after it finished

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="exports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    output = models.JSONField(default=list)  # [{"type": ..., "count": ...}]
    request_url = models.CharField(max_length=2000, blank=True)  # the kick-off, echoed in the manifest
    types = models.JSONField(default=list)  # the resource types asked for (_type), in order
    since = models.DateTimeField(null=True, blank=True)  # _since: only resources changed after
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # one export at a time per client (a second kick-off is answered 429)
            models.UniqueConstraint(
                fields=["client"], condition=Q(state__in=["queued", "running"]), name="export_one_running_per_client"
            ),
        ]

    def __str__(self):
        return f"Export {self.code} ({self.state})"
