"""Whom a clinic refers to, and the time limits it sets per urgency."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from screening.models import Clinic
from screening.tenancy import clinic_manager

from .. import pathways
from ..deadlines import BOUNDS
from ..schedule import Intervals


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent (within a week)")
    SAME_DAY = "same_day", _("Same day")


URGENCY_ORDER = [Urgency.ROUTINE, Urgency.URGENT, Urgency.SAME_DAY]


def _bounded(name, label):
    """A clinic's interval, kept within its bounds (referrals.deadlines) by the form, the admin and
    the database alike."""
    bound = BOUNDS[name]
    return models.PositiveSmallIntegerField(label, default=bound.default, validators=bound.validators())


class ReferralSettings(models.Model):
    """A clinic's alert routing and referral time limits; absent means the defaults."""

    clinic = models.OneToOneField(Clinic, models.CASCADE, related_name="referral_settings")
    on_call_email = models.EmailField(_("on-call email for urgent alerts"), blank=True)
    escalate_after_minutes = _bounded(
        "escalate_after_minutes",
        _("escalate an unacknowledged alert to clinic admins after (minutes), and again each time"),
    )
    accept_within_days = _bounded("accept_within_days", _("routine referral: provider accepts within (days)"))
    first_session_within_days = _bounded(
        "first_session_within_days", _("routine referral: first session within (days)")
    )
    urgent_accept_within_days = _bounded(
        "urgent_accept_within_days", _("urgent referral: provider accepts within (days)")
    )
    urgent_first_session_within_days = _bounded(
        "urgent_first_session_within_days", _("urgent referral: first session within (days)")
    )
    same_day_accept_within_days = _bounded(
        "same_day_accept_within_days", _("same-day referral: provider accepts within (days)")
    )
    same_day_first_session_within_days = _bounded(
        "same_day_first_session_within_days", _("same-day referral: first contact within (days)")
    )
    safety_follow_up_days = _bounded(
        "safety_follow_up_days",
        _("safety rescreen within (days) of a self-harm alert being handled, or of a high score"),
    )
    follow_up_within_days = _bounded("follow_up_within_days", _("follow-up of a positive screen within (days)"))
    infant_visit_months = models.CharField(
        _("screen at the infant's visits (months, comma-separated)"), max_length=40, default="1,2,4,6"
    )
    prenatal_weeks = models.CharField(_("screen in pregnancy at (weeks, comma-separated)"), max_length=40, default="28")
    rescreen_after_days = _bounded("rescreen_after_days", _("rescreen after a possible or probable score (days)"))
    post_therapy_days = models.CharField(
        _("rescreen after psychotherapy (CBT, IPT, MIP) ends (days, comma-separated)"),
        max_length=40,
        default="0,90,180",
    )
    routine_months = _bounded("routine_months", _("routine screening ends after (months postpartum)"))
    reminder_days = models.CharField(_("remind after (days, comma-separated)"), max_length=20, default="3,7")
    overdue_after_days = _bounded("overdue_after_days", _("unanswered invitation is overdue after (days)"))
    routine_window_days = _bounded(
        "routine_window_days", _("a routine screen is missed, and may be moved at most, this many days after its date")
    )
    send_from_hour = models.PositiveSmallIntegerField(_("send messages from (hour, clinic time)"), default=9)
    send_until_hour = models.PositiveSmallIntegerField(_("send messages until (hour, clinic time)"), default=19)
    history = HistoricalRecords()

    objects = clinic_manager()

    class Meta:
        constraints = [
            *[
                models.CheckConstraint(condition=bound.condition(name), name=f"settings_{name}_bounded")
                for name, bound in BOUNDS.items()
            ],
            models.CheckConstraint(
                condition=Q(send_from_hour__lt=models.F("send_until_hour")) & Q(send_until_hour__lte=24),
                name="settings_sending_hours_ordered",
            ),
        ]

    def __str__(self):
        return f"Referral settings of {self.clinic}"

    @classmethod
    def for_clinic(cls, clinic):
        return cls.objects.filter(clinic=clinic).first() or cls(clinic=clinic)

    def intervals(self):
        return Intervals(
            prenatal_weeks=_numbers(self.prenatal_weeks),
            infant_visit_months=_numbers(self.infant_visit_months),
            rescreen_after_days=self.rescreen_after_days,
            safety_follow_up_days=self.safety_follow_up_days,
            post_therapy_days=_numbers(self.post_therapy_days),
            routine_months=self.routine_months,
            missed_after_days=self.routine_window_days,
        )

    def limits_for(self, urgency):
        """(accept within, first session within), in days, for a referral of this urgency."""
        return {
            Urgency.SAME_DAY: (self.same_day_accept_within_days, self.same_day_first_session_within_days),
            Urgency.URGENT: (self.urgent_accept_within_days, self.urgent_first_session_within_days),
        }.get(urgency, (self.accept_within_days, self.first_session_within_days))

    def reminder_delays(self):
        return _numbers(self.reminder_days)

    def sending_now(self, now=None):
        """Messages go out only in the clinic's local daytime hours."""
        local = (now or timezone.now()).astimezone(self.clinic.zone())
        return self.send_from_hour <= local.hour < self.send_until_hour


def _numbers(text):
    return tuple(sorted(int(part) for part in str(text).replace(" ", "").split(",") if part))


class Provider(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="providers")
    name = models.CharField(_("name"), max_length=200)
    pathways = models.JSONField(_("pathways offered"), default=list)
    contact = models.CharField(_("contact"), max_length=300)
    languages = models.JSONField(_("languages"), default=list)
    accepting = models.BooleanField(_("accepting new clients"), default=True)
    typical_wait_weeks = models.PositiveSmallIntegerField(_("typical wait (weeks)"), default=2)
    referral_email = models.EmailField(
        _("referral email"), blank=True, help_text=_("Where a private link to each referral is sent.")
    )
    history = HistoricalRecords()

    objects = clinic_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def pathway_names(self):
        return [pathways.CATALOGUE[c].name for c in self.pathways if c in pathways.CATALOGUE]
