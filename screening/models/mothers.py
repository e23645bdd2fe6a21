"""Mothers and their dyads: pregnancies (deliveries) and infants."""

import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Now
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import ChoiceLabels
from common.links import LinkedByCode

from ..risk import Context, RiskLevel
from ..tenancy import ClinicScopedQuerySet, clinic_manager
from .clinics import Clinic


class MotherQuerySet(ClinicScopedQuerySet):
    def refresh_latest_risk(self):
        """Sets each mother's latest_risk from her screenings (latest taken, then latest entered)."""
        screenings = self.model.screenings.rel.related_model.objects  # Screening, defined after her
        latest = screenings.filter(mother=OuterRef("pk")).order_by("-taken_on", "-created_at")
        return self.update(latest_risk=Coalesce(Subquery(latest.values("risk_level")[:1]), Value("")))

    def lock(self, pk):
        """Every write about one mother takes her row first, then her invitations, then her
        follow-ups: one lock order everywhere, so two of her forms sent at once queue, never
        deadlock."""
        return self.select_for_update(of=("self",)).get(pk=pk)

    def hold(self, pk):
        """Her row's lock, as lock() takes it, for a writer that does not read her row. Plain SQL:
        her send takes it (issue 32), and composing it with the ORM cost more than running it. A
        database without row locks (SQLite) serialises every writer anyway."""
        connection = connections[self.db]
        if not connection.features.has_select_for_update:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {self.model._meta.db_table} WHERE id = %s FOR UPDATE", [pk])

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


class Mother(LinkedByCode, ChoiceLabels, models.Model):
    url_name = "mother_detail"
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


class Pregnancy(ChoiceLabels, models.Model):
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
