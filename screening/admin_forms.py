"""The clinic admin's forms: cut-offs, clinic settings, staff and roles, the audit filter."""

import secrets
from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .forms import DateInput
from .models import (
    AuditEntry,
    Clinic,
    Membership,
    Mother,
    Role,
    ThresholdSet,
    User,
)
from .risk import PUBLISHED_HIGHEST


class ThresholdForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for cut-offs above the published ones"),
        required=False,
        max_length=300,
        help_text=_("Needed only when a cut-off is above every published one: fewer mothers will be flagged."),
    )

    class Meta:
        model = ThresholdSet
        fields = [
            "epds_possible",
            "epds_probable",
            "epds_high",
            "epds_anxiety",
            "phq9_probable",
            "phq9_high",
            "phq2_positive",
            "gad7_anxiety",
        ]

    def clean(self):
        data = super().clean()  # ranges and order: the model's validators and clean()
        if self.above_published() and not data.get("reason", "").strip():
            self.add_error(
                "reason",
                _("%(names)s: above every published cut-off, so fewer mothers will be flagged. Say why.")
                % {"names": ", ".join(str(self.fields[name].label) for name in self.above_published())},
            )
        return data

    def above_published(self):
        data = getattr(self, "cleaned_data", {})
        published = PUBLISHED_HIGHEST.as_dict()
        return [name for name, most in published.items() if data.get(name) is not None and data[name] > most]


class ClinicSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in sorted(available_timezones())]

    class Meta:
        model = Clinic
        fields = [
            "time_zone",
            "epds_online_permission",
            "show_scores_to_mother",
            "share_answers_with_providers",
            "require_two_factor",
            "auto_advance",
        ]


class StaffForm(forms.ModelForm):
    """A new colleague at this clinic. Her username is made here (her name and four random
    digits), never typed by the admin: a typed one that was taken would tell a clinic admin which
    usernames exist at other clinics. Colleagues from other clinics are linked by a superuser."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = self.fields["last_name"].required = True

    def clean_password(self):
        from django.contrib.auth.password_validation import validate_password

        validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]

    def _username(self):
        names = (slugify(self.cleaned_data[field]) for field in ("first_name", "last_name"))
        base = ".".join(name for name in names if name)[:30]
        users = get_user_model().objects
        while True:
            candidate = f"{base or 'staff'}.{secrets.randbelow(9000) + 1000}"
            if not users.filter(username__iexact=candidate).exists():
                return candidate

    def save(self, clinic):
        user = super().save(commit=False)
        user.username = self._username()
        user.set_password(self.cleaned_data["password"])
        user.must_change_password = True
        user.save()
        return Membership.objects.create(user=user, clinic=clinic, role=self.cleaned_data["role"])


class RoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class AuditFilterForm(forms.Form):
    """What a security officer asks of the log: who, about which mother, what, and when."""

    actor = forms.ModelChoiceField(label=_("Who"), queryset=User.objects.none(), required=False)
    mother = forms.CharField(label=_("Mother's record number"), max_length=40, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["actor"].queryset = User.objects.filter(memberships__clinic=clinic).distinct().order_by("username")
        self.fields["action"].choices = [("", _("Any")), *AuditEntry.Action.choices]

    def clean_mother(self):
        number = self.cleaned_data["mother"].strip()
        if not number:
            return None
        mother = Mother.objects.filter(clinic=self.clinic, record_number__iexact=number).first()
        if mother is None:
            raise ValidationError(_("No mother at this clinic has this record number."))
        return mother

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("This date is before the first one."))
        return data

    def entries(self, entries):
        """The entries that match; none while the filter itself is wrong."""
        if not self.is_valid():
            return entries.none()
        data = self.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor=data["actor"])
        if data["mother"]:
            entries = entries.filter(object_code__in=data["mother"].record_codes())
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["start"]:
            entries = entries.filter(at__date__gte=data["start"])
        if data["end"]:
            entries = entries.filter(at__date__lte=data["end"])
        return entries
