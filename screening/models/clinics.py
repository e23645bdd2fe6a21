"""Clinics, their staff (users and memberships with a role) and each clinic's cut-offs."""

import logging
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import ChoiceLabels

from ..risk import CEILINGS, DEFAULT_THRESHOLDS, Context, Thresholds
from ..tenancy import clinic_manager


class User(AbstractUser):
    # set when a clinic admin chose the password: she picks her own at her first sign-in
    must_change_password = models.BooleanField(default=False)
    # bumped by database triggers whenever her memberships, their clinics or her second-factor
    # devices change: a session's copy of them (screening.access_state) is current while it matches
    access_version = models.PositiveIntegerField(default=0, db_default=0)

    def own_memberships(self):
        """Her places at every clinic: a person's own memberships cross clinics by nature."""
        return Membership.objects.with_scopes_disabled().filter(user=self).select_related("clinic")

    def memberships_list(self):
        return list(self.own_memberships().order_by("clinic__name"))


def validate_time_zone(name):
    """Only real IANA zones: "Eastern Time" or "America/NewYork" once stopped every clinic's sends."""
    if name not in available_timezones():
        raise ValidationError(_("%(name)s is not a time zone. Choose one from the list.") % {"name": name})


class Clinic(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    epds_online_permission = models.BooleanField(
        _("holds the Royal College of Psychiatrists' written permission to use the EPDS online"),
        default=False,
    )
    show_scores_to_mother = models.BooleanField(_("show mothers their total after they answer online"), default=False)
    require_two_factor = models.BooleanField(
        _("require two-factor sign-in (an authenticator app) for everyone at this clinic"), default=False
    )
    share_answers_with_providers = models.BooleanField(
        _("show the receiving provider her answers, not only the totals"), default=False
    )
    auto_advance = models.BooleanField(
        _("on mothers' phones, go to the next question as soon as an answer is tapped"), default=False
    )
    history = HistoricalRecords()

    def __str__(self):
        return self.name

    def zone(self):
        """The clinic's time zone; a value saved before zones were validated falls back to the
        server's, logged, rather than stopping anything."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            logging.getLogger(__name__).error("clinic %s has an invalid time zone %r", self.pk, self.time_zone)
            return timezone.get_default_timezone()

    def today(self, now=None):
        """The date in the clinic: what staff and mothers there call today."""
        return timezone.localdate(now or timezone.now(), self.zone())

    def thresholds(self, context):
        row = self.threshold_sets.filter(context=context).first()
        return row.as_thresholds() if row else DEFAULT_THRESHOLDS


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    CLINICIAN = "clinician", _("Clinician")
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")


class ActiveMemberships(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(active=True)


class Membership(ChoiceLabels, models.Model):
    """A colleague's place at a clinic. Deactivated, not deleted (her name stays on what she
    did): a deactivated membership does not exist for signing in, choosing a clinic, reports or
    alerts, since every one of those reads memberships through the default manager."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)

    objects = clinic_manager(manager=ActiveMemberships)
    all_objects = clinic_manager()  # noqa: DJ012 - managers together; the staff page sees the inactive

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="membership_one_role_per_clinic"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} - {self.get_role_display()} at {self.clinic}"

    @property
    def sees_scores(self):
        return self.role in (Role.CLINICIAN, Role.CLINIC_ADMIN)

    @property
    def is_admin(self):
        return self.role == Role.CLINIC_ADMIN


def _threshold_field(name, label):
    return models.PositiveSmallIntegerField(
        label,
        default=getattr(DEFAULT_THRESHOLDS, name),
        validators=[MaxValueValidator(getattr(CEILINGS, name), _("The most this can be is %(limit_value)s."))],
    )


ORDERED_CUT_OFFS = [("epds_possible", "epds_probable", "epds_high"), ("phq9_probable", "phq9_high")]


class ThresholdSet(ChoiceLabels, models.Model):
    """A clinic's cut-offs for one context; rows absent means the published defaults."""

    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="threshold_sets")
    context = models.CharField(_("context"), max_length=10, choices=Context.choices)
    epds_possible = _threshold_field("epds_possible", _("EPDS possible depression from"))
    epds_probable = _threshold_field("epds_probable", _("EPDS probable depression from"))
    epds_high = _threshold_field("epds_high", _("EPDS high from"))
    epds_anxiety = _threshold_field("epds_anxiety", _("EPDS-3A anxiety flag from"))
    phq9_probable = _threshold_field("phq9_probable", _("PHQ-9 probable depression from"))
    phq9_high = _threshold_field("phq9_high", _("PHQ-9 high from"))
    phq2_positive = _threshold_field("phq2_positive", _("PHQ-2 positive from"))
    gad7_anxiety = _threshold_field("gad7_anxiety", _("GAD-7 anxiety flag from"))
    history = HistoricalRecords()

    objects = clinic_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "context"], name="thresholds_one_per_context"),
            models.CheckConstraint(condition=Q(context__in=Context.values), name="thresholds_context_valid"),
            models.CheckConstraint(
                condition=Q(epds_possible__lte=models.F("epds_probable"))
                & Q(epds_probable__lte=models.F("epds_high"))
                & Q(phq9_probable__lte=models.F("phq9_high"))
                & Q(**{f"{name}__lte": most for name, most in CEILINGS.as_dict().items()}),
                name="thresholds_ordered_and_under_ceilings",
            ),
        ]

    def __str__(self):
        return f"{self.clinic} {self.context} cut-offs"

    def clean(self):
        errors = {}
        for chain in ORDERED_CUT_OFFS:
            values = [getattr(self, name) for name in chain]
            if None not in values and values != sorted(values):
                errors[chain[-1]] = _("Each cut-off must be at or above the one before it.")
        if errors:
            raise ValidationError(errors)

    def as_thresholds(self):
        return Thresholds.from_dict({f.name: getattr(self, f.name) for f in self._meta.fields})
