from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from screening.forms import RECENT, DateInput, between
from screening.models import CrisisResource, Language

from . import alerts, lifecycle, pathways
from .models import URGENCY_ORDER, Alert, ConcernClosed, DecisionKind, Provider, ReferralSettings, Status, Urgency
from .services import least_urgency


class ProviderChoice(forms.RadioSelect):
    """Each provider carries the pathways it offers, so the list can narrow to the chosen one."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        provider = getattr(value, "instance", None)
        if provider is not None:
            option["attrs"]["data-pathways"] = " ".join(provider.pathways)
        return option


def provider_label(provider):
    languages = dict(Language.choices)
    facts = [
        ", ".join(str(languages.get(code, code)) for code in provider.languages) or None,
        _("accepting new clients") if provider.accepting else _("not accepting new clients"),
        _("typical wait %(n)s weeks") % {"n": provider.typical_wait_weeks},
    ]
    return f"{provider.name} · " + " · ".join(str(f) for f in facts if f)


class ReferForm(forms.Form):
    pathway = forms.ChoiceField(label=_("Pathway"), widget=forms.RadioSelect)
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        required=False,
        widget=ProviderChoice,
        empty_label=_("No provider yet"),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("From the pathway and risk")), *Urgency.choices],
        required=False,
        help_text=_("A same-day assessment is same-day; after a high score or a self-harm answer, at least urgent."),
    )
    note = forms.CharField(
        label=_("Note for the provider"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    override_reason = forms.CharField(
        label=_("Reason, if you choose a pathway that was not recommended"), required=False, max_length=500
    )

    def __init__(self, *args, clinic, recommended, screening=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.screening = screening
        self.recommended = set(recommended)

        def label(code, name, recommended=False):
            urgency = Urgency(least_urgency(code, screening)).label
            return " · ".join(str(part) for part in (name, recommended and _("recommended"), urgency) if part)

        first = [(c, label(c, pathways.get(c).name, recommended=True)) for c in recommended]
        rest = [(c, label(c, name)) for c, name in pathways.choices() if c not in self.recommended]
        self.fields["pathway"].choices = first + rest
        if recommended and recommended[0] == pathways.SAME_DAY:  # never a psychotherapy: they are equal options
            self.fields["pathway"].initial = recommended[0]
        self.fields["provider"].queryset = Provider.objects.filter(clinic=clinic).order_by("-accepting", "name")
        self.fields["provider"].label_from_instance = provider_label

    def clean(self):
        data = super().clean()
        pathway, provider = data.get("pathway"), data.get("provider")
        if pathway and pathway not in self.recommended and not data.get("override_reason", "").strip():
            self.add_error("override_reason", _("This pathway was not recommended: say why you chose it."))
        if pathway and provider and pathway not in provider.pathways:
            self.add_error("provider", _("This provider does not offer that pathway."))
        urgency = data.get("urgency") or None
        data["urgency"] = urgency
        if pathway and urgency:
            least = least_urgency(pathway, self.screening)
            if URGENCY_ORDER.index(urgency) < URGENCY_ORDER.index(least):
                self.add_error("urgency", _("This referral is at least %(u)s.") % {"u": Urgency(least).label.lower()})
        return data


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision without a referral"),
        choices=[(k.value, k.label) for k in DecisionKind if k not in (DecisionKind.REFERRED, DecisionKind.DEFERRED)],
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class TransitionForm(forms.Form):
    target = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Needed to reject, cancel, hold, fail or mark in error."),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    first_session_on = forms.DateField(
        label=_("Date of the first session"), required=False, widget=DateInput(), validators=[between(days_back=RECENT)]
    )
    sessions_attended = forms.IntegerField(label=_("Sessions attended"), required=False, min_value=0, max_value=200)
    closing_note = forms.CharField(
        label=_("Closing note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["target"].choices = [(s.value, s.label) for s in lifecycle.next_statuses(referral.status)]

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target:
            try:
                lifecycle.check(self.referral.status, target, data.get("reason"))
            except lifecycle.InvalidTransition as error:
                self.add_error("reason" if target in lifecycle.NEEDS_REASON else "target", str(error))
        if target == Status.COMPLETED and data.get("sessions_attended") is None:
            self.add_error("sessions_attended", _("Record how many sessions she attended."))
        return data


class AcknowledgeForm(forms.Form):
    action = forms.ChoiceField(label=_("What was done"), choices=Alert.Action.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") == Alert.Action.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Say what was done."))
        return data


class ProviderForm(forms.ModelForm):
    pathways = forms.MultipleChoiceField(
        label=_("Pathways offered"), choices=pathways.choices(), widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Provider
        fields = ["name", "pathways", "contact", "referral_email", "languages", "accepting", "typical_wait_weeks"]


class ReferralSettingsForm(forms.ModelForm):
    class Meta:
        model = ReferralSettings
        fields = [
            "on_call_email",
            "escalate_after_minutes",
            "accept_within_days",
            "first_session_within_days",
            "urgent_accept_within_days",
            "urgent_first_session_within_days",
            "same_day_accept_within_days",
            "same_day_first_session_within_days",
            "follow_up_within_days",
            "safety_follow_up_days",
            "prenatal_weeks",
            "infant_visit_months",
            "rescreen_after_days",
            "post_therapy_days",
            "routine_months",
            "reminder_days",
            "overdue_after_days",
            "routine_window_days",
            "send_from_hour",
            "send_until_hour",
        ]

    def _numbers(self, name, most):
        text = self.cleaned_data[name]
        try:
            numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
        except ValueError:
            raise forms.ValidationError(_("Whole numbers separated by commas, for example 1,2,4,6.")) from None
        if not numbers or any(n < 0 or n > most for n in numbers):
            raise forms.ValidationError(_("Between 0 and %(n)s.") % {"n": most})
        return ",".join(str(n) for n in sorted(set(numbers)))

    def clean_prenatal_weeks(self):
        return self._numbers("prenatal_weeks", 42)

    def clean_infant_visit_months(self):
        return self._numbers("infant_visit_months", 24)

    def clean_post_therapy_days(self):
        return self._numbers("post_therapy_days", 730)

    def clean_reminder_days(self):
        return self._numbers("reminder_days", 30)

    def clean(self):
        data = super().clean()
        start, end = data.get("send_from_hour"), data.get("send_until_hour")
        if start is not None and end is not None and not 0 <= start < end <= 24:
            self.add_error("send_until_hour", _("The sending hours must run forwards within one day (0 to 24)."))
        months, window = data.get("infant_visit_months"), data.get("routine_months")
        if months and window is not None:
            beyond = [m for m in months.split(",") if int(m) > window]
            if beyond:  # they used to be dropped without a word
                self.add_error(
                    "infant_visit_months",
                    _(
                        "%(months)s is after the routine window of %(window)s months: those visits would not be "
                        "scheduled. Lengthen the window or remove them."
                    )
                    % {"months": ", ".join(beyond), "window": window},
                )
        if "on_call_email" in data and not alerts.clinic_recipients(self.instance.clinic, data["on_call_email"]):
            self.add_error(
                "on_call_email",
                _(
                    "Self-harm alerts would reach no one: give an on-call address, or first give a clinician "
                    "of this clinic an email address."
                ),
            )
        return data


CrisisResourceFormSet = modelformset_factory(
    CrisisResource,
    fields=["language", "name", "contact", "call", "text", "always_open", "description", "position"],
    extra=1,
    can_delete=True,
)


class RescheduleForm(forms.Form):
    due_on = forms.DateField(label=_("New date"), widget=DateInput(), validators=[between(RECENT, days_ahead=366)])
    note = forms.CharField(label=_("Reason"), max_length=300)
    deferral = forms.CharField(
        label=_("If after her deadline: why her next check can wait (kept as a clinical decision)"),
        max_length=2000,
        required=False,
    )


class CancelFollowUpForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=300)


class CloseConcernForm(forms.Form):
    because = forms.ChoiceField(label=_("Close because"), choices=ConcernClosed.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class MarkConcernForm(forms.Form):
    note = forms.CharField(
        label=_("What concerns you"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("For example symptoms the questionnaires do not ask about, or a safety concern."),
    )
    urgent = forms.BooleanField(
        label=_(
            "Urgent, like a self-harm answer: psychosis or mania symptoms, or a safety concern. Raises an alert that "
            "a clinician must acknowledge today."
        ),
        required=False,
    )


# The receiving provider's steps (provider_links) ------------------------------------------------


class ProviderDeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you cannot take this referral"), max_length=300)


class ProviderAppointmentForm(forms.Form):
    on = forms.DateField(
        label=_("First appointment on"), widget=DateInput(), validators=[between(days_back=30, days_ahead=366)]
    )


class ProviderAttendedForm(forms.Form):
    on = forms.DateField(label=_("She came on"), widget=DateInput(), validators=[between(days_back=366)])


class ProviderDischargeForm(forms.Form):
    on = forms.DateField(label=_("Treatment ended on"), widget=DateInput(), validators=[between(days_back=366)])
    note = forms.CharField(label=_("Closing note for the referring clinic"), max_length=2000, widget=forms.Textarea)


PROVIDER_FORMS = {
    "accept": None,
    "decline": ProviderDeclineForm,
    "appointment": ProviderAppointmentForm,
    "attended": ProviderAttendedForm,
    "missed": None,
    "discharge": ProviderDischargeForm,
}
