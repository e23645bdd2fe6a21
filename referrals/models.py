import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from screening.models import Clinic, Invitation, Mother, Screening
from screening.risk import RiskLevel
from screening.tenancy import ClinicScopedQuerySet, clinic_manager

from . import pathways
from .deadlines import BOUNDS
from .recommend import evidence_for
from .schedule import Intervals


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


class Status(models.TextChoices):
    """FHIR Task status, as profiled for closed-loop referrals."""

    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected by provider")
    CANCELLED = "cancelled", _("Cancelled")
    ON_HOLD = "on-hold", _("On hold")
    IN_PROGRESS = "in-progress", _("In progress")
    FAILED = "failed", _("Failed")
    COMPLETED = "completed", _("Completed")
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


OPEN_STATUSES = [Status.DRAFT, Status.REQUESTED, Status.ACCEPTED, Status.ON_HOLD, Status.IN_PROGRESS]


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent (within a week)")
    SAME_DAY = "same_day", _("Same day")


URGENCY_ORDER = [Urgency.ROUTINE, Urgency.URGENT, Urgency.SAME_DAY]


class ReferralQuerySet(ClinicScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Referral(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="referrals")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="referrals")
    screening = models.ForeignKey(Screening, models.PROTECT, null=True, blank=True, related_name="referrals")
    pathway = models.CharField(_("pathway"), max_length=32, choices=pathways.choices())
    provider = models.ForeignKey(Provider, models.PROTECT, null=True, blank=True, related_name="referrals")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    was_recommended = models.BooleanField(default=True)
    override_reason = models.CharField(_("reason for choosing another pathway"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_session_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    appointment_on = models.DateField(_("first appointment"), null=True, blank=True)  # proposed or booked
    contact_confirmed_by_provider = models.BooleanField(default=False)  # the provider marked it attended
    # a stalled referral is escalated to the clinician who made it, once per limit it passes
    escalated_accept_at = models.DateTimeField(null=True, blank=True)
    escalated_session_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())  # FHIR meta.lastUpdated

    objects = clinic_manager(ReferralQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="referral_status_valid"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="referral_urgency_valid"),
            models.CheckConstraint(condition=Q(pathway__in=list(pathways.CATALOGUE)), name="referral_pathway_valid"),
            models.CheckConstraint(
                condition=Q(was_recommended=True) | ~Q(override_reason=""), name="referral_override_has_reason"
            ),
        ]
        indexes = [
            # used by the worklist: open referrals of a clinic
            models.Index(
                fields=["clinic", "status"], name="referral_open_by_clinic", condition=Q(status__in=OPEN_STATUSES)
            ),
            # used by the worklist: the newest open referrals, read in index order
            models.Index(
                fields=["clinic", "-requested_at"], name="referral_open_newest", condition=Q(status__in=OPEN_STATUSES)
            ),
            # used by referrals.reports: the period filter
            models.Index(fields=["clinic", "requested_at"], name="referral_clinic_period"),
        ]

    def __str__(self):
        return f"{self.get_pathway_display()} for {self.mother}"

    @property
    def pathway_info(self):
        return pathways.get(self.pathway)

    @property
    def evidence(self):
        """Prevention evidence for counselling after a possible score, treatment evidence otherwise."""
        prevention = self.screening is not None and self.screening.score_level == RiskLevel.POSSIBLE
        return evidence_for(self.pathway_info, prevention)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def limits_passed(self, limits, now=None):
        """The clinic's limits for its urgency this referral has passed while still waiting:
        [("accept", days)] and/or [("session", days)]."""
        now = now or timezone.now()
        accept_days, first_session_days = limits.limits_for(self.urgency)
        passed = []
        if self.requested_at and self.status in OPEN_STATUSES:
            if not self.accepted_at and now > self.requested_at + timedelta(days=accept_days):
                passed.append(("accept", accept_days))
            if not self.first_session_on and now > self.requested_at + timedelta(days=first_session_days):
                passed.append(("session", first_session_days))
        return passed

    def breaches(self, limits, now=None):
        """Time limits this referral has passed while still waiting, in words."""
        words = {
            "accept": lambda n: ngettext("Not accepted within %(n)s day", "Not accepted within %(n)s days", n),
            "session": lambda n: ngettext("No first session within %(n)s day", "No first session within %(n)s days", n),
        }
        return [words[kind](days) % {"n": days} for kind, days in self.limits_passed(limits, now)]

    def next_screening(self):
        """The mother's first screen taken after the day the referral ended (or was requested), never
        the screen it was made from."""
        since = self.ended_at or self.requested_at
        if since is None:
            return None
        day = timezone.localtime(since, self.clinic.zone()).date()
        later = self.mother.screenings.filter(taken_on__gt=day).exclude(pk=self.screening_id)
        return later.order_by("taken_on", "created_at").first()


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    by_provider = models.BooleanField(default=False)  # through the provider's private link

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["to_status", "at"], name="referral_event_status_time")]

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class ProviderLink(models.Model):
    """The receiving provider's private link to one referral: a capability like the mother's (a
    192-bit token derived from the nonce and SECRET_KEY, only its hash stored), expiring and
    revocable. The message that carries it holds no health data."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, models.CASCADE, related_name="provider_links")
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Provider link for referral {self.referral_id}"

    def is_open(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class DecisionKind(models.TextChoices):
    REFERRED = "referred", _("Referred")
    NO_ACTION_NEEDED = "no_action", _("No referral needed, clinical judgement")
    ALREADY_IN_CARE = "in_care", _("Already in care elsewhere")
    DECLINED = "declined", _("Mother declined")
    COULD_NOT_CONTACT = "no_contact", _("Could not contact the mother")
    RESCREEN = "rescreen", _("Rescreen before deciding")
    DEFERRED = "deferred", _("Next check later than her deadline, clinical judgement")


class Decision(models.Model):
    """What a clinician decided about a mother at risk or one of her screens. Decisions are history:
    a new one is added beside the earlier ones, never written over them."""

    mother = models.ForeignKey(Mother, models.PROTECT, related_name="decisions")
    screening = models.ForeignKey(Screening, models.PROTECT, null=True, blank=True, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=12, choices=DecisionKind.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    objects = clinic_manager(clinic="mother__clinic")

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="decision_kind_valid")]
        indexes = [models.Index(fields=["mother", "decided_at"], name="decision_mother_history")]

    def __str__(self):
        return self.get_kind_display()


class AlertQuerySet(ClinicScopedQuerySet):
    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)


class Alert(models.Model):
    """A self-harm answer. Raised when the answer is saved, before she sends her form (from the
    draft, `invitation` set) or with a screening entered by staff; the screening joins a draft's
    alert when she sends it. Open until a clinician acknowledges it; never withdrawn."""

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


class FollowUp(models.Model):
    """A screen the schedule asks for (design rule 4): a row with a due date and a status."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.CASCADE, related_name="follow_ups")
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
            models.Index(fields=["clinic", "due_on"], name="follow_up_clinic_due"),
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


class Concern(models.Model):
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


# Report facts -----------------------------------------------------------------------------------
# What the cascade and the quality measures need, one row per unit, recomputed per mother whenever
# her records change (PostgreSQL triggers mark her stale; see referrals/reports/facts.py). On
# PostgreSQL the reports read these instead of re-deriving every unit at network scale; SQLite
# computes directly. Plain ids, not foreign keys: facts are rebuilt, never edited.


class StaleMother(models.Model):
    """A mother whose report facts must be recomputed before the next report reads them."""

    mother_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"StaleMother {self.mother_id}"


class JourneyFact(models.Model):
    """A positive screen: the funnel's steps through the referrals made from it, and for a
    depression screen the cascade's steps after it (each step's first date)."""

    screening_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    taken_on = models.DateField()
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True)
    depression = models.BooleanField()  # a positive depression screen: the cascade counts these
    # for the cascade's "first in the period": her previous positive depression screen's date, and
    # whether all of hers are at one clinic (then that date alone decides; else the report sorts)
    earlier_on = models.DateField(null=True)
    one_clinic = models.BooleanField(default=True)
    referred = models.BooleanField()
    accepted = models.BooleanField()
    first_session = models.BooleanField()
    completed = models.BooleanField()
    preferred_language = models.CharField(max_length=10)
    age = models.IntegerField(null=True)
    referred_at = models.DateTimeField(null=True)
    contact_on = models.DateField(null=True)
    provider_contact_on = models.DateField(null=True)  # a first session the provider confirmed by link
    completed_at = models.DateTimeField(null=True)
    remission_3 = models.DateField(null=True)
    remission_6 = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "taken_on"], name="journeyfact_period")]

    def __str__(self):
        return f"JourneyFact {self.screening_id}"


class ReferralFact(models.Model):
    """A referral and its timings: from the screen that led to it to the referral and to the first
    session, and the change in score after it ended."""

    referral_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=20)
    pathway = models.CharField(max_length=40)
    provider_id = models.BigIntegerField(null=True)
    accepted_at = models.DateTimeField(null=True)
    first_session_on = models.DateField(null=True)
    days_to_referral = models.FloatField(null=True)  # from the screen's entry
    days_to_session = models.FloatField(null=True)  # from the screen's date
    ended_from_screen = models.BooleanField()  # led to by a screen, and ended: the outcomes count these
    change_short = models.IntegerField(null=True)  # first same-instrument screen within 3 months of the end
    change_later = models.IntegerField(null=True)  # last one 3 months or more after

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "requested_at"], name="referralfact_period")]

    def __str__(self):
        return f"ReferralFact {self.referral_id}"


class DeliveryFact(models.Model):
    """A delivery and what HEDIS PDS-E and PND-E ask of it."""

    pregnancy_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()
    delivery_date = models.DateField()
    mother_died = models.BooleanField()
    pds_screened = models.BooleanField()
    pds_first_positive_on = models.DateField(null=True)
    pds_followed_up = models.BooleanField()
    pnd_screened = models.BooleanField()
    pnd_first_positive_on = models.DateField(null=True)
    pnd_followed_up = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "delivery_date"], name="deliveryfact_period")]

    def __str__(self):
        return f"DeliveryFact {self.pregnancy_id}"


class ChildFact(models.Model):
    """A child and what CMS82 asks: was the mother screened in the child's first 6 months."""

    infant_id = models.BigIntegerField(primary_key=True)
    mother_id = models.BigIntegerField(db_index=True)
    clinic_id = models.BigIntegerField()  # the mother's clinic
    date_of_birth = models.DateField()
    died_before_six_months = models.BooleanField()
    mother_screened = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "date_of_birth"], name="childfact_period")]

    def __str__(self):
        return f"ChildFact {self.infant_id}"


# Monthly rollups: each clinic's screenings and coverage by calendar month, recomputed for the
# (clinic, month) pairs triggers mark stale (referrals/reports/rollups.py).


class StaleMonth(models.Model):
    """A clinic's month whose rollups must be recomputed before the next report reads them."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()  # its first day
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic_id", "month"], name="stalemonth_once")]

    def __str__(self):
        return f"StaleMonth {self.clinic_id} {self.month}"


class ScreeningMonth(models.Model):
    """How many screenings a clinic took in a month, per instrument, risk level and anxiety flag."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()
    instrument_code = models.CharField(max_length=16)
    risk_level = models.CharField(max_length=20)
    anxiety_flag = models.BooleanField()
    screenings = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "month"], name="screeningmonth_period")]

    def __str__(self):
        return f"ScreeningMonth {self.clinic_id} {self.month}"


class CoverageMonth(models.Model):
    """How many mothers a clinic had due and screened in a month (each mother once per clinic)."""

    clinic_id = models.BigIntegerField()
    month = models.DateField()
    mothers_due = models.IntegerField()
    mothers_screened = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic_id", "month"], name="coveragemonth_once")]

    def __str__(self):
        return f"CoverageMonth {self.clinic_id} {self.month}"


class SharedMonth(models.Model):
    """A mother due, or screened, at more than one clinic in the same month: counted once across
    those clinics, so the per-clinic counts above can be summed for any set of clinics exactly."""

    month = models.DateField(db_index=True)
    mother_id = models.BigIntegerField()
    screened = models.BooleanField()  # else due
    clinic_ids = models.JSONField()

    def __str__(self):
        return f"SharedMonth {self.mother_id} {self.month}"
