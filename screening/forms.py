import uuid
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from . import invitations
from .instruments.phq import DIFFICULTY_OPTIONS, DIFFICULTY_QUESTION
from .models import (
    Infant,
    LeftCare,
    Method,
    Mother,
    RiskFactor,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def not_in_future(day):
    if day and day > timezone.localdate():
        raise ValidationError(_("This date is in the future."))


def between(days_back, days_ahead=0):
    """A date a person could mean: a typo such as year 1 gets a message, never a server error. With
    no days ahead, a future date is said to be one (one message, not two); the range is written in
    the clinic's date format."""

    def check(day):
        today = timezone.localdate()
        first, last = today - timedelta(days=days_back), today + timedelta(days=days_ahead)
        if day and day > last and not days_ahead:
            raise ValidationError(_("This date is in the future."))
        if day and not first <= day <= last:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s."),
                params={"first": formats.date_format(first), "last": formats.date_format(last)},
            )

    return check


RECENT = 3 * 366  # deliveries, infants and due dates of mothers still in postnatal care


class MotherForm(forms.ModelForm):
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"),
        choices=RiskFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Used to recommend counselling after a possible-depression screen."),
    )
    status = forms.ChoiceField(
        label=_("Pregnancy"),
        choices=[("pregnant", _("Pregnant")), ("delivered", _("Has delivered"))],
        widget=forms.RadioSelect,
    )
    different_mother = forms.BooleanField(label=_("This is a different mother: register her"), required=False)
    another_birth = forms.BooleanField(
        label=_("This delivery date is another birth, not a correction of the last one"),
        required=False,
        help_text=_(
            "Leave unticked to correct the date of her last birth. Ticked, a new pregnancy is recorded: give its "
            "due date above, or it is taken from the delivery date (and marked as such)."
        ),
    )

    class Meta:
        model = Mother
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "record_number",
            "preferred_language",
            "email",
            "email_consent",
            "phone",
            "sms_consent",
            "status",
            "due_date",
            "delivery_date",
            "risk_factors",
        ]
        widgets = {f: DateInput() for f in ("date_of_birth", "due_date", "delivery_date")}

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = self.instance.clinic = clinic
        if self.instance.pk:
            self.initial["status"] = "pregnant" if self.instance.is_pregnant else "delivered"
        self.fields["date_of_birth"].validators += [between(days_back=100 * 366)]
        self.fields["delivery_date"].validators += [between(days_back=RECENT)]
        self.fields["due_date"].validators.append(between(days_back=RECENT, days_ahead=300))
        self.fields["phone"].help_text = _("Mobile number for text messages, with country code.")
        self.last_birth = self.instance.delivery_date if self.instance.pk else None
        if self.last_birth is None:
            del self.fields["another_birth"]

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.discard("clinic")  # it is the user's: the model checks the record number within it
        return exclude

    def clean(self):
        data = super().clean()
        self.likely_duplicates = self._likely_duplicates(data)
        if self.likely_duplicates:
            self.add_error(
                "different_mother",
                _(
                    "A mother with this name and date of birth is already registered here: open her record, "
                    "or tick this box."
                ),
            )
        if data.get("email_consent") and not data.get("email"):
            self.add_error("email", _("Enter an email address, or untick the consent to email."))
        if data.get("sms_consent") and not data.get("phone"):
            self.add_error("phone", _("Enter a phone number, or untick the consent to text."))
        status = data.get("status")
        if status == "pregnant":
            data["delivery_date"] = None
            if not data.get("due_date"):
                self.add_error("due_date", _("Enter the due date of a pregnant mother."))
        elif status == "delivered" and not data.get("delivery_date"):
            self.add_error("delivery_date", _("Enter the delivery date."))
        if data.get("another_birth") and data.get("delivery_date") and data["delivery_date"] <= self.last_birth:
            self.add_error(
                "another_birth",
                _("Another birth comes after her last one (%(date)s): correct that date instead, or untick this.")
                % {"date": formats.date_format(self.last_birth)},
            )
        return data

    def _likely_duplicates(self, data):
        """Same name and date of birth at this clinic: asked about once, before a second chart."""
        if self.instance.pk or data.get("different_mother"):
            return []
        if not all(data.get(f) for f in ("given_name", "family_name", "date_of_birth")):
            return []
        same = Mother.objects.filter(
            clinic=self.clinic,
            given_name__iexact=data["given_name"].strip(),
            family_name__iexact=data["family_name"].strip(),
            date_of_birth=data["date_of_birth"],
        )
        return list(same[:5])

    def save(self, commit=True):
        self.instance.clinic = self.clinic
        self.instance.delivery_date = self.cleaned_data.get("delivery_date")
        return super().save(commit)


class InfantForm(forms.ModelForm):
    class Meta:
        model = Infant
        fields = ["given_name", "date_of_birth", "died_on"]
        widgets = {"date_of_birth": DateInput(), "died_on": DateInput()}
        labels = {"given_name": _("Infant's name (optional)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].validators += [between(days_back=RECENT)]
        self.fields["died_on"].validators.append(not_in_future)

    def clean(self):
        data = super().clean()
        born, died = data.get("date_of_birth"), data.get("died_on")
        if born and died and died < born:
            self.add_error("died_on", _("This date is before the infant's date of birth."))
        return data


InfantFormSet = inlineformset_factory(
    Mother, Infant, form=InfantForm, extra=1, can_delete=True, max_num=8, validate_max=True
)


class ScreeningForm(forms.Form):
    """Every item of one instrument as radio buttons; nothing is scored until all are answered."""

    taken_on = forms.DateField(label=_("Date taken"), widget=DateInput(), validators=[not_in_future])
    method = forms.ChoiceField(
        label=_("How it was taken"),
        choices=[(Method.IN_PERSON, Method.IN_PERSON.label), (Method.PAPER, Method.PAPER.label)],
        widget=forms.RadioSelect,
    )

    # One-time token: a second post of the same form (double click, replay) is the same screening,
    # and a post without one (a script replaying the fields) is refused (issue 27).
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instrument, mother, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument, self.mother = instrument, mother
        self.initial.setdefault("taken_on", timezone.localdate())
        self.initial.setdefault("submission_token", uuid.uuid4())
        key = self.add_prefix("submission_token")
        self.token_missing = self.is_bound and not self.data.get(key)
        if self.token_missing:  # refused below; the page shown again carries a fresh one
            self.data = self.data.copy()
            self.data[key] = str(uuid.uuid4())
        for item in instrument.items:
            self.fields[self.item_field(item)] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=[(pos, opt.text) for pos, opt in enumerate(item.options)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer item %(n)s.") % {"n": item.number}},
            )
        if instrument.asks_difficulty:
            self.fields["functional_difficulty"] = forms.TypedChoiceField(
                label=DIFFICULTY_QUESTION,
                choices=list(enumerate(DIFFICULTY_OPTIONS)),
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                help_text=_("Not scored; leave blank if the mother did not answer."),
            )

    @staticmethod
    def item_field(item):
        return f"item_{item.number}"

    def clean(self):
        data = super().clean()
        if self.token_missing:
            raise ValidationError(
                _("This form was not sent from its page, so nothing was saved. Check the answers and save again.")
            )
        return data

    def clean_taken_on(self):
        day = self.cleaned_data["taken_on"]
        if day < self.mother.date_of_birth:
            raise ValidationError(_("This date is before the mother's date of birth."))
        return day

    def answers(self):
        return [self.cleaned_data[self.item_field(item)] for item in self.instrument.items]


class InviteForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"))
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only the ways the mother consented to. The link can also be shown as a QR code."),
    )

    def __init__(self, *args, mother, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (i.code, f"{i.code}: {i.name}") for i in invitations.online_instruments(mother.clinic)
        ]
        self.fields["instrument"].initial = invitations.default_instrument(mother.clinic).code
        labels = {"email": _("Email"), "sms": _("Text message")}
        allowed = [c for c in invitations.allowed_channels(mother) if c != "link"]
        if allowed:
            self.fields["channels"].choices = [(c, labels[c]) for c in allowed]
            self.fields["channels"].initial = allowed
        else:
            del self.fields["channels"]  # no consent to be contacted: the link is handed over


class LeftCareForm(forms.Form):
    RETURN = "return"

    reason = forms.ChoiceField(
        label=_("She leaves screening"), choices=[*LeftCare.choices, (RETURN, _("She is back in care"))]
    )
    note = forms.CharField(label=_("What she said, or why"), max_length=300, required=False)
    confirm = forms.BooleanField(
        label=_("I understand that her follow-up screens stop until she comes back"), required=False
    )

    def __init__(self, *args, mother, **kwargs):
        super().__init__(*args, **kwargs)
        self.mother = mother

    def clean(self):
        data = super().clean()
        reason = data.get("reason")
        if reason == self.RETURN and self.mother.in_care:
            self.add_error("reason", _("She is already in care."))
        elif reason in LeftCare.values and not self.mother.in_care:
            self.add_error("reason", _("She has already left care."))
        elif reason in LeftCare.values and not data.get("note", "").strip():
            self.add_error("note", _("Say what she said, or why she leaves."))
        elif reason in LeftCare.values and not data.get("confirm"):
            self.add_error("confirm", _("Tick the box to confirm that her follow-up screens stop."))
        return data
