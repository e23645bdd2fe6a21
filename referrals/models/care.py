"""What keeps a mother from falling through: self-harm alerts, follow-ups, concerns, the schedule's
unsettled marks and the machinery's heartbeats."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import ChoiceLabels
from common.links import LinkedByCode
from screening.models import Clinic, Invitation, Mother, Screening
from screening.tenancy import ClinicScopedQuerySet, clinic_manager


class AlertQuerySet(ClinicScopedQuerySet):
    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(LinkedByCode, ChoiceLabels, models.Model):
    """A self-harm answer. Raised when the answer is saved, before she sends her form (from the
    draft, `invitation` set) or with a screening entered by staff; the screening joins a draft's
    alert when she sends it. Open until a clinician acknowledges it; never withdrawn."""

    url_name = "alert_detail"

    class Action(models.TextChoices):
        ASSESSED_IN_PERSON = "assessed", _("Assessed in person")
        CALLED_MOTHER = "called", _("Called the mother")
        EMERGENCY_SERVICES = "emergency", _("Emergency services contacted")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="alerts")
    screening = models.OneToOneField(Screening, models.PROTECT, null=True, blank=True, related_name="alert")
    invitation = models.OneToOneField(Invitation, models.PROTECT, null=True, blank=True, related_name="alert")
    # a clinician's urgent concern the questionnaires cannot detect (psychosis, mania, safety)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="alerts")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)  # when its first message was sent
    escalations = models.PositiveSmallIntegerField(default=0)
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices, blank=True)
    note = models.TextField(blank=True)

    objects = clinic_manager(AlertQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(action=""), name="alert_acknowledgement_has_action"
            ),
            models.CheckConstraint(
                condition=Q(screening__isnull=False) | Q(invitation__isnull=False) | Q(raised_by__isnull=False),
                name="alert_from_an_answer_or_a_clinician",
            ),
        ]
        indexes = [
            # used by referrals.alerts.sweep: alerts still open
            models.Index(fields=["created_at"], name="alert_open", condition=Q(acknowledged_at__isnull=True)),
            # every staff page's banner and the worklist: one clinic's open alerts, newest first, without
            # walking the other clinics' (the banner read 24,000 of them for its 5)
            models.Index(
                fields=["clinic", "-created_at"], name="alert_open_in_clinic", condition=Q(acknowledged_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"Alert for {self.mother}"

    @property
    def from_draft(self):
        """Raised from answers she had not sent (yet)."""
        return self.screening_id is None and self.invitation_id is not None

    @property
    def instrument_code(self):
        if self.screening_id:
            return self.screening.instrument_code
        return self.invitation.instrument_code if self.invitation_id else _("Clinician's concern")

    @property
    def answered_on(self):
        return self.screening.taken_on if self.screening_id else timezone.localdate(self.created_at)

    def self_harm_answer(self):
        """What the clinician calling her needs first: the self-harm question, her answer, and the
        total if she sent the whole form. None for a clinician's concern."""
        if self.screening_id:
            source, answers = self.screening, dict(enumerate(self.screening.answers, start=1))
        elif self.invitation_id:
            source, answers = self.invitation, self.invitation.answers_so_far()
        else:
            return None
        instrument = source.instrument
        item = instrument.items[instrument.self_harm_item - 1]
        chosen = answers.get(item.number)
        return {
            "question": item.text,
            "answer": item.options[chosen].text if chosen is not None else None,
            "total": self.screening.total if self.screening_id else None,
            "risk": self.screening.get_risk_level_display() if self.screening_id else None,
        }


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    INVITED = "invited", _("Invited")
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")
    PAUSED = "paused", _("Paused while she is out of care")
    FAILED = "failed", _("Could not be sent: see the error")


OPEN_FOLLOW_UP = [FollowUpStatus.SCHEDULED, FollowUpStatus.INVITED]
PENDING_FOLLOW_UP = [*OPEN_FOLLOW_UP, FollowUpStatus.OVERDUE, FollowUpStatus.FAILED]  # still waiting for her screen
NEEDS_STAFF = [FollowUpStatus.OVERDUE, FollowUpStatus.FAILED]  # on the worklist


FOLLOW_UP_KINDS = {
    "prenatal": _("Pregnancy screen"),
    "infant_visit": _("Infant visit screen"),
    "postnatal": _("Postnatal check"),
    "rescreen": _("Rescreen"),
    "safety": _("Safety check after a self-harm answer"),
    "post_therapy": _("Rescreen after therapy"),
}
# Follow-ups a clinician asked for because of a result: only clinicians cancel them, and roles that
# see no scores see them under a neutral name.
CLINICAL_KINDS = {"rescreen", "safety", "post_therapy"}


class FollowUpQuerySet(ClinicScopedQuerySet):
    def pending(self):
        return self.filter(status__in=PENDING_FOLLOW_UP)


class FollowUp(ChoiceLabels, models.Model):
    """A screen the schedule asks for (design rule 4): a row with a due date and a status."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # found by follow_up_hers_by_status, whose first column she is: no index of her own
    mother = models.ForeignKey(Mother, models.CASCADE, related_name="follow_ups", db_index=False)
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="follow_ups")
    key = models.CharField(max_length=80)  # which rule, for which event: recomputing never duplicates
    kind = models.CharField(max_length=16)
    reason = models.CharField(_("reason"), max_length=200)
    instrument_code = models.CharField(_("questionnaire"), max_length=16)
    due_on = models.DateField(_("due on"))
    planned_on = models.DateField(null=True)  # the schedule's own date, whatever staff moved due_on to
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED)
    invitation = models.OneToOneField(Invitation, models.SET_NULL, null=True, blank=True, related_name="follow_up")
    invited_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    screening = models.ForeignKey(Screening, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("reason for the change"), max_length=300, blank=True)
    rescheduled = models.BooleanField(default=False)  # staff set the date: recomputing leaves it
    attempts = models.PositiveSmallIntegerField(default=0)  # dispatcher steps that failed on this row
    last_error = models.CharField(max_length=300, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)  # after a failure, not before this
    created_at = models.DateTimeField(auto_now_add=True)

    objects = clinic_manager(FollowUpQuerySet)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["mother", "key"], name="follow_up_once_per_rule"),
            models.CheckConstraint(condition=Q(status__in=FollowUpStatus.values), name="follow_up_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=FollowUpStatus.INVITED) | Q(invited_at__isnull=False),
                name="follow_up_invited_has_time",
            ),
        ]
        indexes = [
            # used by referrals.reports: mothers due in a period
            # (and mothers due, counted from the index alone: 92 -> 20 ms for a network's month)
            models.Index(fields=["clinic", "due_on"], include=["mother", "status"], name="follow_up_clinic_due"),
            # used by referrals.dispatch: scheduled rows coming due, invited rows awaiting reminders
            models.Index(
                fields=["status", "due_on"], name="follow_up_dispatch", condition=Q(status__in=["scheduled", "invited"])
            ),
            # used by the worklist: a clinic's overdue follow-ups, newest first, and their count
            models.Index(fields=["clinic", "-due_on"], name="follow_up_overdue", condition=Q(status="overdue")),
            # the worklist's section: who has one, and since when, without visiting the clinic's rows
            models.Index(
                fields=["clinic", "mother", "closed_at"],
                name="follow_up_needs_staff",
                condition=Q(status__in=NEEDS_STAFF),
            ),
            # used by referrals.care: does one of her follow-ups reach her before her deadline, asked
            # of each open concern. Without it PostgreSQL combined her rows with the dispatcher's
            # index of every scheduled row due before her deadline: 3 s for a network's 6,000 concerns
            models.Index(fields=["mother", "status", "due_on"], name="follow_up_hers_by_status"),
        ]

    def __str__(self):
        return f"{self.reason} for {self.mother}, due {self.due_on}"

    @property
    def is_open(self):
        return self.status in OPEN_FOLLOW_UP

    @property
    def is_clinical(self):
        return self.kind in CLINICAL_KINDS

    def get_kind_label(self):
        """The reason in words that reveal nothing clinical, for roles that see no scores."""
        if self.is_clinical:
            return _("Questionnaire due")
        return FOLLOW_UP_KINDS.get(self.kind, "")

    def reason_for(self, membership):
        return self.reason if membership and membership.sees_scores else self.get_kind_label()


class ConcernOpened(models.TextChoices):
    POSITIVE_SCREEN = "positive_screen", _("Positive screen")
    SELF_HARM = "self_harm", _("Self-harm answer")
    CLINICIAN = "clinician", _("Clinician's concern")
    SEVERE_ANXIETY = "severe_anxiety", _("Severe anxiety")


class ConcernClosed(models.TextChoices):
    REMISSION = "remission", _("Remission on a negative full-length rescreen")
    IN_CARE_ELSEWHERE = "in_care", _("In care elsewhere")
    DECLINED_AFTER_OUTREACH = "declined", _("Declined after outreach")
    MOVED_AWAY = "moved", _("Moved away")
    DIED = "died", _("Died")


class Attention(models.TextChoices):
    """Why an open concern is on the worklist waiting for a clinician's decision."""

    NO_PLAN = "no_plan", _("At risk with nothing planned")
    NEW_CONCERN = "new_concern", _("Clinician's concern: plan the next step")
    REFERRAL_ENDED = "referral_ended", _("Referral ended without completion")
    TREATMENT_ENDED = "treatment_ended", _("Referral completed: decide what comes next")
    NO_CONTACT = "no_contact", _("Could not contact her: try again or close")
    DECLINED = "declined", _("She declined: follow up or close")
    NEGATIVE_RESCREEN = "negative_rescreen", _("Negative rescreen: close as remission or plan next step")
    LEFT_CARE = "left_care", _("Left care while at risk")
    FOLLOW_UP_CANCELLED = "follow_up_cancelled", _("Follow-up cancelled while at risk")
    NOT_IN_TIME = "not_in_time", _("Nothing reaches her before her deadline")


class ConcernQuerySet(ClinicScopedQuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class Concern(ChoiceLabels, models.Model):
    """The time a mother is at risk (design rule 11): opened by a positive screen, a self-harm
    answer or a clinician, and closed only by a clinician with a reason. While it is open she must
    always have a live path (see referrals.care)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="concerns")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="concerns")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_because = models.CharField(max_length=16, choices=ConcernOpened.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    screening = models.ForeignKey(Screening, models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    act_by = models.DateField(_("something must reach her by"))  # design rule 15: see referrals.deadlines
    deadline_kind = models.CharField(max_length=10, default="rescreen")  # "safety" once any reason asked for it
    attention_since = models.DateTimeField(null=True, blank=True)
    attention = models.CharField(max_length=20, choices=Attention.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    closed_because = models.CharField(_("why"), max_length=12, choices=ConcernClosed.choices, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)

    objects = clinic_manager(ConcernQuerySet)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mother"], condition=Q(closed_at__isnull=True), name="concern_one_open_per_mother"
            ),
            models.CheckConstraint(condition=Q(opened_because__in=ConcernOpened.values), name="concern_opened_valid"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_because="")
                | Q(closed_at__isnull=False, closed_by__isnull=False, closed_because__in=ConcernClosed.values),
                name="concern_closed_by_clinician_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(attention_since__isnull=True, attention="")
                | Q(attention_since__isnull=False, attention__in=Attention.values),
                name="concern_attention_with_reason",
            ),
        ]
        indexes = [
            # used by referrals.care: open concerns of a clinic
            models.Index(fields=["clinic", "mother"], name="concern_open", condition=Q(closed_at__isnull=True)),
        ]

    def __str__(self):
        return f"Concern for {self.mother} since {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.closed_at is None


class UnsettledSchedule(models.Model):
    """A mother whose follow-up schedule must be brought up to date after a screening. Marked in the
    screening's transaction; settled by a task queued after commit, or by beat's sweep when that
    task is lost (a broker outage, a worker killed mid-task). A failure is kept here, for staff."""

    mother = models.OneToOneField(Mother, primary_key=True, on_delete=models.CASCADE, related_name="unsettled_schedule")
    marked_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"UnsettledSchedule {self.mother_id}"


class Heartbeat(models.Model):
    """When a part of the machinery last ran (design rule 15): silence is the signal. The parts and
    how long each may be silent: referrals.heartbeat."""

    part = models.CharField(max_length=40, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.part} at {self.beat_at:%Y-%m-%d %H:%M}"
