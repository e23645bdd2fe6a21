import functools
import logging
import operator
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Now
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import instruments
from .risk import CEILINGS, DEFAULT_THRESHOLDS, POSITIVE_LEVELS, Context, RiskLevel, Thresholds, assess
from .tenancy import ClinicScopedQuerySet, clinic_manager


class User(AbstractUser):
    # set when a clinic admin chose the password: she picks her own at her first sign-in
    must_change_password = models.BooleanField(default=False)

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


class Membership(models.Model):
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


class ThresholdSet(models.Model):
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


class MotherQuerySet(ClinicScopedQuerySet):
    def refresh_latest_risk(self):
        """Sets each mother's latest_risk from her screenings (latest taken, then latest entered)."""
        latest = Screening.objects.filter(mother=OuterRef("pk")).order_by("-taken_on", "-created_at")
        return self.update(latest_risk=Coalesce(Subquery(latest.values("risk_level")[:1]), Value("")))

    def lock(self, pk):
        """Every write about one mother takes her row first, then her invitations, then her
        follow-ups: one lock order everywhere, so two of her forms sent at once queue, never
        deadlock."""
        return self.select_for_update(of=("self",)).get(pk=pk)

    def search(self, term):
        term = (term or "").strip()
        if not term:
            return self
        q = Q(record_number__iexact=term)
        for word in term.split():
            q |= Q(given_name__icontains=word) | Q(family_name__icontains=word)
        return self.filter(q)


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class RiskFactor(models.TextChoices):
    """Factors that move a possible-depression screen towards counselling (USPSTF 2019)."""

    HISTORY_OF_DEPRESSION = "history_of_depression", _("History of depression")
    SUBTHRESHOLD_SYMPTOMS = "subthreshold_symptoms", _("Subthreshold depressive symptoms")
    LOW_INCOME = "low_income", _("Low income")
    ADOLESCENT_PARENT = "adolescent_parent", _("Adolescent parent")
    SINGLE_PARENT = "single_parent", _("Single parent")
    PARTNER_VIOLENCE = "partner_violence", _("Recent intimate partner violence")
    ELEVATED_ANXIETY = "elevated_anxiety", _("Elevated anxiety")
    NEGATIVE_LIFE_EVENTS = "negative_life_events", _("Major negative life events")
    RELATIONSHIP_CONCERNS = "relationship_concerns", _("Concerns about the mother-infant relationship")


class LeftCare(models.TextChoices):
    OPTED_OUT = "opted_out", _("Opted out of screening")
    DISCHARGED = "discharged", _("Discharged")


RECORD_NUMBER_TAKEN = _("Another mother at this clinic has this record number.")
RECORD_NUMBER_TAKEN_CODE = "record_number_taken"


class Mother(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="mothers")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    record_number = models.CharField(_("record number"), max_length=40)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    email = models.EmailField(_("email"), blank=True)
    email_consent = models.BooleanField(_("consents to contact by email"), default=False)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    sms_consent = models.BooleanField(_("consents to contact by text message"), default=False)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    left_care_on = models.DateField(_("left care on"), null=True, blank=True)
    left_care_reason = models.CharField(_("why"), max_length=12, choices=LeftCare.choices, blank=True)
    left_care_note = models.CharField(_("what she said, or why"), max_length=300, blank=True)
    left_care_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())  # FHIR meta.lastUpdated
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # The risk of her latest screen (by date taken, then entry), kept by record_screening in the
    # screening's transaction: the worklist ranks a clinic's mothers by it without reading their
    # screenings. Derived, so not part of her edit history.
    latest_risk = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["latest_risk"])

    objects = clinic_manager(MotherQuerySet)

    class Meta:
        constraints = [
            # case-insensitively: "a-100" and "A-100" are one chart (forms and the admin validate
            # it; the index holds when two registrations race)
            models.UniqueConstraint(
                models.F("clinic"),
                Lower("record_number"),
                name="mother_record_number_unique_in_clinic",
                violation_error_message=RECORD_NUMBER_TAKEN,
                violation_error_code=RECORD_NUMBER_TAKEN_CODE,
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=False) | Q(delivery_date__isnull=False),
                name="mother_pregnant_or_delivered",
            ),
            models.CheckConstraint(
                condition=Q(left_care_on__isnull=True, left_care_reason="")
                | Q(left_care_on__isnull=False, left_care_reason__in=LeftCare.values),
                name="mother_left_care_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "-created_at"], name="mother_recent_in_clinic"),
            # the worklist ranks the mothers on it by these without visiting her row
            models.Index(fields=["clinic", "id"], include=["latest_risk", "preferred_language"], name="mother_rank"),
        ]

    def __str__(self):
        return self.full_name

    def record_codes(self):
        """The codes the audit log knows her by: her own and her records'."""
        codes = [self.code]
        for records in (self.screenings, self.invitations, self.referrals, self.alerts):
            codes += records.values_list("code", flat=True)
        return codes

    def validate_constraints(self, exclude=None):
        """Django reports a constraint on expressions for the whole record: the record number's is
        about one field, so it is reported there."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            for_record = [e for e in error.error_dict.get(NON_FIELD_ERRORS, []) if e.code == RECORD_NUMBER_TAKEN_CODE]
            if for_record:
                error.error_dict[NON_FIELD_ERRORS] = [
                    e for e in error.error_dict[NON_FIELD_ERRORS] if e not in for_record
                ]
                error.error_dict.setdefault("record_number", []).extend(for_record)
            raise

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def in_care(self):
        return self.left_care_on is None

    @property
    def is_pregnant(self):
        return self.delivery_date is None

    def context_on(self, day):
        if self.delivery_date and day >= self.delivery_date:
            return Context.POSTNATAL
        return Context.ANTENATAL

    def youngest_infant_months(self, day):
        """The youngest living infant's age: a dyad ends with the infant's death."""
        ages = [months_between(i.date_of_birth, day) for i in self.infants.all() if i.alive_on(day)]
        return min(ages) if ages else None

    def lost_an_infant(self, day):
        return any(i.died_on is not None and i.died_on <= day for i in self.infants.all())

    def risk_factor_labels(self):
        return [RiskFactor(code).label for code in self.risk_factors if code in RiskFactor.values]

    def header_facts(self):
        """Her age, weeks postpartum (or of pregnancy) and each infant's age, today at her clinic:
        what staff look for first on her page."""
        day = self.clinic.today()
        years = (
            day.year
            - self.date_of_birth.year
            - ((day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))
        )
        facts = [_("%(n)s years old") % {"n": years}]
        postpartum, pregnant = self.weeks_since_delivery(day), self.weeks_pregnant(day)
        if postpartum is not None:
            facts.append(_("%(n)s weeks postpartum") % {"n": postpartum})
        elif pregnant is not None:
            facts.append(_("%(n)s weeks pregnant") % {"n": pregnant})
        for infant in self.infants.all():
            age = infant.age_on(day)
            if age:
                facts.append(f"{infant}: {age}")
        return facts

    def weeks_since_delivery(self, day):
        if self.delivery_date and day >= self.delivery_date:
            return (day - self.delivery_date).days // 7
        return None

    def weeks_pregnant(self, day):
        """Gestational age from the due date (40 weeks), while still pregnant on that day."""
        if self.due_date and not (self.delivery_date and day >= self.delivery_date):
            weeks = 40 - (self.due_date - day).days / 7
            return int(weeks) if weeks >= 0 else None
        return None


class Outcome(models.TextChoices):
    ONGOING = "ongoing", _("Pregnant")
    LIVE_BIRTH = "live_birth", _("Live birth")
    LOSS = "loss", _("Perinatal loss")


class Pregnancy(models.Model):
    """One pregnancy and its birth: an episode of a mother's care (see screening.episodes). The
    schedule anchors on her current one."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.CASCADE, related_name="pregnancies")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="+")  # her clinic's, for reports by period
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_date_derived = models.BooleanField(_("due date taken from the delivery date"), default=False, db_default=False)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    recorded_on = models.DateField(_("recorded on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.ONGOING)

    objects = clinic_manager()

    class Meta:
        ordering = ["recorded_on", "pk"]
        indexes = [models.Index(fields=["clinic", "delivery_date"], name="pregnancy_clinic_delivery")]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="pregnancy_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.ONGOING, delivery_date__isnull=True)
                | (~Q(outcome=Outcome.ONGOING) & Q(delivery_date__isnull=False)),
                name="pregnancy_delivered_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.delivery_date or self.due_date})"


class Infant(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.CASCADE, related_name="infants")
    pregnancy = models.ForeignKey(Pregnancy, models.SET_NULL, null=True, blank=True, related_name="infants")
    given_name = models.CharField(_("infant's name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("infant's date of birth"))
    died_on = models.DateField(_("died on (a perinatal loss)"), null=True, blank=True)
    history = HistoricalRecords()

    objects = clinic_manager(clinic="mother__clinic")

    class Meta:
        ordering = ["date_of_birth"]
        constraints = [
            models.CheckConstraint(
                condition=Q(died_on__isnull=True) | Q(died_on__gte=models.F("date_of_birth")),
                name="infant_died_after_birth",
            )
        ]

    def __str__(self):
        return self.given_name or f"Infant born {self.date_of_birth}"

    def alive_on(self, day):
        return self.date_of_birth <= day and (self.died_on is None or self.died_on > day)

    def age_on(self, day):
        if self.died_on and self.died_on <= day:
            return _("died on %(day)s") % {"day": date_format(self.died_on)}
        return age_label(self.date_of_birth, day)


def age_label(born, day):
    days = (day - born).days
    if days < 0:
        return None
    if days < 7 * 9:
        return _("%(n)s weeks") % {"n": days // 7}
    return _("%(n)s months") % {"n": months_between(born, day)}


def months_between(start, end):
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


class CrisisResource(models.Model):
    """A clinic's own line, per language, shown after the national ones (screening.crisis)."""

    clinic = models.ForeignKey(Clinic, models.CASCADE, related_name="crisis_resources")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    name = models.CharField(_("name"), max_length=120)
    contact = models.CharField(_("how to reach it"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    call = models.CharField(_("number to call"), max_length=20, blank=True)
    text = models.CharField(_("number to text"), max_length=20, blank=True)
    always_open = models.BooleanField(_("answers at any hour"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = clinic_manager()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.language})"


class Method(models.TextChoices):
    IN_PERSON = "in_person", _("In person, entered by staff")
    PAPER = "paper", _("Transcribed from paper")
    ONLINE = "online", _("Completed online by the mother")


class TranslationPack(models.Model):
    """A validated translation of a questionnaire, installed by `manage.py install_translation` from
    a file the clinic holds a licence for (screening.instruments.translations). The newest pack of an
    instrument and language is the one mothers see; older ones stay for the screenings taken in them."""

    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    citation = models.TextField()
    licence = models.TextField()
    installed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code", "instrument_version", "language", "sha256"], name="translation_pack_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["instrument_code", "instrument_version", "language", "-installed_at"],
                name="translation_pack_newest",
            )
        ]

    def __str__(self):
        return f"{self.instrument_code}/{self.instrument_version} {self.language} ({self.sha256[:12]})"


class ScreeningQuerySet(ClinicScopedQuerySet):
    def positive(self):
        return self.filter(Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True))

    def self_harm(self):
        return self.filter(self_harm=True)

    def awaiting_review(self):
        return self.filter(reviewed_at__isnull=True)


class Screening(models.Model):
    """One completed questionnaire with its raw answers and the results computed from them."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="screenings")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="screenings")
    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8, default="en")  # the language of the questions she answered
    translation = models.ForeignKey(TranslationPack, models.PROTECT, null=True, blank=True, related_name="+")
    answers = models.JSONField()
    functional_difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField()
    subscales = models.JSONField(default=dict, blank=True)
    self_harm = models.BooleanField()
    band = models.CharField(max_length=64)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    anxiety_flag = models.BooleanField(default=False)
    context = models.CharField(max_length=10, choices=Context.choices)
    thresholds = models.JSONField()
    taken_on = models.DateField(_("date taken"))
    method = models.CharField(_("how it was taken"), max_length=10, choices=Method.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())  # FHIR meta.lastUpdated
    reviewed_at = models.DateTimeField(null=True, blank=True)  # a clinician decided what to do
    # The one-time token of the staff form that entered it: a double click or a replayed post finds
    # the screening already stored instead of storing it (and its alert) twice.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = clinic_manager(ScreeningQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(total__lte=30), name="screening_total_in_range"),
            models.CheckConstraint(condition=Q(risk_level__in=RiskLevel.values), name="screening_risk_level_valid"),
            models.CheckConstraint(condition=Q(context__in=Context.values), name="screening_context_valid"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="screening_method_valid"),
            models.CheckConstraint(
                condition=Q(functional_difficulty__isnull=True) | Q(functional_difficulty__lte=3),
                name="screening_difficulty_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["mother", "taken_on"], name="screening_mother_timeline"),
            # her latest screen's risk, read from the index alone when a screening copies it to her row
            models.Index(
                fields=["mother", "-taken_on", "-created_at"],
                include=["risk_level", "clinic"],
                name="screening_mother_latest",
            ),
            models.Index(fields=["clinic", "-created_at"], name="screening_recent_in_clinic"),
            # used by referrals.reports: the period filter, and the score after a referral
            # (covering on PostgreSQL: the counts by instrument, level and mother read the index alone)
            models.Index(
                fields=["clinic", "taken_on"],
                name="screening_clinic_period",
                include=["mother", "instrument_code", "risk_level", "anxiety_flag"],
            ),
            # used by the worklist and home page: positive screens nobody has decided on yet, newest
            # first; negative screens are never reviewed, so they stay out of the index
            models.Index(
                fields=["clinic", "-created_at"],
                name="screening_awaiting_review",
                condition=Q(reviewed_at__isnull=True) & (Q(risk_level__in=POSITIVE_LEVELS) | Q(anxiety_flag=True)),
            ),
            models.Index(fields=["mother", "instrument_code", "created_at"], name="screening_mother_instrument"),
        ]

    def __str__(self):
        return f"{self.instrument_code} on {self.taken_on}"

    @property
    def language_name(self):
        return dict(Language.choices).get(self.language, self.language)

    @property
    def instrument(self):
        return instruments.get(self.instrument_code, self.instrument_version)

    def rescore(self):
        result = self.instrument.score(self.answers)
        return result, assess(result, Thresholds.from_dict(self.thresholds))

    @property
    def risk(self):
        return self.rescore()[1]

    @property
    def score_level(self):
        """The level the total alone grades. Only a self-harm answer (urgent whatever the total) makes
        it differ from the stored risk level, so only then is the screening graded again."""
        return self.risk.score_level if self.self_harm else self.risk_level

    @property
    def is_positive(self):
        return self.risk_level in POSITIVE_LEVELS or self.anxiety_flag

    def weeks_since_delivery(self):
        return self.mother.weeks_since_delivery(self.taken_on)

    def weeks_pregnant(self):
        return self.mother.weeks_pregnant(self.taken_on)

    def infant_ages(self):
        return [
            (infant, infant.age_on(self.taken_on))
            for infant in self.mother.infants.all()
            if infant.date_of_birth <= self.taken_on
        ]


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_INVITATION = [InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS]


class InvitationQuerySet(ClinicScopedQuerySet):
    def usable(self, now):
        return self.filter(status__in=OPEN_INVITATION, expires_at__gt=now)


class Invitation(models.Model):
    """A mother's private link to one questionnaire (design rule 6). The token is never stored:
    only its hash, and the nonce from which the server re-derives it with its secret key."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mother = models.ForeignKey(Mother, models.PROTECT, related_name="invitations")
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="invitations")
    instrument_code = models.CharField(max_length=16)
    instrument_version = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=32)
    status = models.CharField(max_length=12, choices=InvitationStatus.choices, default=InvitationStatus.SENT)
    channels = models.JSONField(default=list)
    tablet = models.BooleanField(default=False)
    draft = models.JSONField(default=dict)  # item number (as text) -> option position
    draft_history = models.JSONField(default=list)  # every change to a saved answer: item, from, to, at
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    # a link-only invitation reaches her only once staff have handed it over (shown it to copy or scan)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    screening = models.OneToOneField(Screening, models.PROTECT, null=True, blank=True, related_name="invitation")

    objects = clinic_manager(InvitationQuerySet)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitation_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=InvitationStatus.COMPLETED) | Q(screening__isnull=False),
                name="invitation_completed_has_screening",
            ),
            # Tablet hand-overs are short-lived and made in the room, beside any link she was sent.
            models.UniqueConstraint(
                fields=["mother", "instrument_code"],
                condition=Q(status__in=OPEN_INVITATION, tablet=False),
                name="invitation_one_open_per_instrument",
            ),
        ]

    def __str__(self):
        return f"{self.instrument_code} invitation for {self.mother}"

    @property
    def instrument(self):
        return instruments.get(self.instrument_code, self.instrument_version)

    def state(self, now=None):
        """The status staff see: an open invitation past its expiry is expired."""
        if self.status in OPEN_INVITATION and self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus(self.status)

    def answers_so_far(self):
        return {int(k): v for k, v in self.draft.items()}

    @property
    def alert_raised(self):
        """Whether a clinician has been alerted to this form's self-harm answer (the referrals app
        adds the `alert` relation)."""
        return hasattr(self, "alert")

    def self_harm_answered(self):
        """Whether the saved answers so far include a self-harm answer above zero."""
        number = self.instrument.self_harm_item
        position = self.answers_so_far().get(number) if number else None
        return position is not None and self.instrument.items[number - 1].options[position].score > 0


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not needed")


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Her link")
    ALERT = "alert", _("Self-harm alert")
    ESCALATION = "escalation", _("Alert escalation")
    STALLED = "stalled", _("Stalled referral")
    PROVIDER_LINK = "provider", _("Provider's link")
    PASSWORD_RESET = "password", _("Password link")


# each kind of message names what it is about, and only that
SUBJECT = {
    MessageKind.INVITATION: "invitation",
    MessageKind.ALERT: "alert",
    MessageKind.ESCALATION: "alert",
    MessageKind.STALLED: "referral",
    MessageKind.PROVIDER_LINK: "provider_link",
    MessageKind.PASSWORD_RESET: "user",
}


class DeliveryQuerySet(ClinicScopedQuerySet):
    def due(self, now):
        """Pending sends that may go now: new ones, and failed tries whose back-off has passed."""
        return self.filter(status=DeliveryStatus.PENDING).filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))

    def problems(self):
        """Messages staff should know about: failed for good, or failing and being retried."""
        waiting = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
        return self.filter(status__in=waiting).exclude(last_error="").select_related("invitation", "handled_by")

    def call_her(self):
        """Messages to or about a mother that failed for good and that no one has dealt with: she is
        on the worklist until someone calls her (or what the message was for has ended)."""
        live = Q(invitation__isnull=True) | Q(invitation__status__in=OPEN_INVITATION)
        return self.filter(live, status=DeliveryStatus.FAILED, mother__isnull=False, handled_at__isnull=True)


class Delivery(models.Model):
    """One outbound message (design rule 16's outbox): written in the transaction of the event that
    causes it, sent after commit by screening.outbox, retried alone with back-off, and marked sent
    only once the server took it. For her link: the first message (reminder 0) or reminder N, by
    email or by text; for an alert: the first message (0) or escalation N."""

    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.INVITATION)
    clinic = models.ForeignKey(Clinic, models.PROTECT, related_name="deliveries")
    mother = models.ForeignKey(Mother, models.CASCADE, null=True, blank=True, related_name="deliveries")
    invitation = models.ForeignKey(Invitation, models.CASCADE, null=True, blank=True, related_name="deliveries")
    alert = models.ForeignKey("referrals.Alert", models.CASCADE, null=True, blank=True, related_name="deliveries")
    referral = models.ForeignKey("referrals.Referral", models.CASCADE, null=True, blank=True, related_name="deliveries")
    provider_link = models.ForeignKey(
        "referrals.ProviderLink", models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=8, default="email")
    reminder = models.PositiveSmallIntegerField(default=0)  # 0 is the first message; N is reminder or escalation N
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=300, blank=True)  # staff and providers only; never her address
    handled_at = models.DateTimeField(null=True, blank=True)  # a failed message someone dealt with
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    objects = clinic_manager(DeliveryQuerySet)

    class Meta:
        ordering = ["reminder", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "reminder", "channel"], name="delivery_once_per_message"),
            models.UniqueConstraint(
                fields=["alert", "kind", "reminder"], condition=Q(alert__isnull=False), name="delivery_once_per_alert"
            ),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"),
            models.CheckConstraint(
                condition=functools.reduce(
                    operator.or_,
                    (Q(kind=kind, **{f"{field}__isnull": False}) for kind, field in SUBJECT.items()),
                ),
                name="delivery_names_its_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["next_try_at"], condition=Q(status="pending"), name="delivery_pending"),
            models.Index(
                fields=["clinic"], condition=Q(status="failed", handled_at__isnull=True), name="delivery_failed"
            ),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.get_channel_display()} {self.describe()}"

    def get_channel_display(self):
        return {"email": _("Email"), "sms": _("Text message")}.get(self.channel, self.channel)

    def describe(self):
        if self.kind == MessageKind.ESCALATION:
            return _("escalation %(number)s") % {"number": self.reminder}
        if self.kind != MessageKind.INVITATION:
            return self.get_kind_display().lower()
        if self.reminder:
            return _("reminder %(number)s") % {"number": self.reminder}
        return _("invitation")


class AuditQuerySet(ClinicScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only.")

    def delete(self):
        raise PermissionError("Audit entries are append-only.")


class AuditEntry(models.Model):
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
