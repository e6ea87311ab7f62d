"""The public sign-up form and the "I did it" form."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format, time_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    HEARING_KINDS,
    ActionKind,
    Campaign,
    Hearing,
    Language,
    Sector,
    normalize_email,
    normalize_phone,
    normalize_zip,
)
from campaign.models.supporters import zip_validator
from campaign.services.hearing_night import speaker_slots
from campaign.tokens import token_shaped

# What each ask says on the public form ("I will…").
ASK_LABELS = {
    ActionKind.CALL: _("Call my commissioner"),
    ActionKind.LETTER: _("Write a letter"),
    ActionKind.EMAIL: _("Email my commissioner"),
    ActionKind.TESTIMONY_IN_PERSON: _("Testify at the hearing in person"),
    ActionKind.WRITTEN_TESTIMONY: _("Send written testimony"),
    ActionKind.MEETING: _("Meet with my commissioner"),
    ActionKind.PETITION: _("Sign the petition"),
    ActionKind.ATTEND_HEARING: _("Attend the hearing"),
    ActionKind.PHONE_BANK: _("Help phone-bank"),
    ActionKind.OTHER: _("Help in another way"),
}

EMAIL_CONSENT_LABEL = _("Email me updates about this campaign")
SMS_CONSENT_LABEL = _(
    "Text me reminders. I agree to receive up to 4 text messages a month about "
    "this campaign at the mobile number above. Message and data rates may apply. "
    "Reply STOP to stop, HELP for help."
)


class SignupForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    zip_code = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "numeric", "size": "10"}
        ),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    sector = forms.ChoiceField(
        label=_("Sector (optional)"),
        required=False,
        choices=[("", _("Choose if one fits you"))] + list(Sector.choices),
    )
    asks = forms.MultipleChoiceField(
        label=_("I will…"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Chosen among the hearings the page listed (no query to validate it).
    hearing = forms.ChoiceField(
        label=_("For testimony or attendance: which hearing?"),
        required=False,
        widget=forms.RadioSelect,
    )
    email_updates = forms.BooleanField(label=EMAIL_CONSENT_LABEL, required=False)
    sms_reminders = forms.BooleanField(label=SMS_CONSENT_LABEL, required=False, initial=False)
    # The share link the page was opened through (?r=), carried along.
    ref = forms.CharField(required=False, widget=forms.HiddenInput)
    # Honeypot: hidden from people (and from screen readers), filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, campaign: Campaign, hearings: list[Hearing], **kwargs):
        """`hearings`: the campaign's upcoming hearings, soonest first."""
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.hearings = hearings
        # Only what the campaign offers; testimony and attendance only when
        # there is a hearing to come to.
        asks = [
            kind
            for kind in (campaign.asks or [])
            if kind in ASK_LABELS and (hearings or kind not in HEARING_KINDS)
        ]
        if asks:
            self.fields["asks"].choices = [(kind, ASK_LABELS[kind]) for kind in asks]
        else:
            # A campaign may ask nothing: signing up joins its base.
            del self.fields["asks"]
        if hearings and any(kind in HEARING_KINDS for kind in asks):
            language = get_language() or "en"
            hearing_field = self.fields["hearing"]
            hearing_field.choices = [
                (str(hearing.pk), hearing_choice_label(hearing, language)) for hearing in hearings
            ]
            if len(hearings) == 1:
                hearing_field.initial = str(hearings[0].pk)
            if ActionKind.TESTIMONY_IN_PERSON in asks:
                # The page's hearing cards are these objects: _hearing.html
                # shows the speaking slots left.
                places = speaker_slots(hearings=hearings)
                for hearing in hearings:
                    hearing.speaker_places = places.get(hearing.pk)
        else:
            del self.fields["hearing"]

    @cached_property
    def helper(self) -> FormHelper:
        # Built only when the form is rendered: a valid POST redirects.
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Fieldset(
                _("About you"),
                "first_name",
                "last_name",
                "email",
                "phone",
                "zip_code",
                "language",
                "sector",
            ),
            *(["asks"] if "asks" in self.fields else []),
            *(["hearing"] if "hearing" in self.fields else []),
            Fieldset(_("Staying in touch"), "email_updates", "sms_reminders"),
        )
        return helper

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])

    def clean_ref(self) -> str:
        # A hidden field nobody can correct: anything but a token is dropped,
        # never an error.
        ref = self.cleaned_data["ref"]
        return ref if token_shaped(ref) else ""

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"]) or ""
        except ValidationError:
            raise ValidationError(
                _("Enter a valid mobile phone number, for example 612-555-0123."),
                code="invalid_phone",
            ) from None

    def clean_zip_code(self):
        value = normalize_zip(self.cleaned_data["zip_code"])
        try:
            zip_validator(value)
        except ValidationError:
            raise ValidationError(
                _("Enter a 5-digit ZIP code, for example 55063."), code="invalid_zip"
            ) from None
        return value

    def clean_hearing(self) -> Hearing | None:
        chosen = self.cleaned_data.get("hearing")
        hearing = next((h for h in self.hearings if str(h.pk) == chosen), None)
        if hearing is not None:
            # The pledge's reminders read it: no query for what we hold.
            hearing.campaign = self.campaign
        return hearing

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sms_reminders") and "phone" in cleaned and not cleaned["phone"]:
            self.add_error("phone", _("Give your mobile phone number to get text reminders."))
        wants_hearing = any(kind in HEARING_KINDS for kind in cleaned.get("asks", []))
        if not wants_hearing:
            cleaned["hearing"] = None
        elif not cleaned.get("hearing") and "hearing" not in self.errors:
            if len(self.hearings) == 1:
                cleaned["hearing"] = self.hearings[0]
                cleaned["hearing"].campaign = self.campaign
            else:
                self.add_error("hearing", _("Choose the hearing you will come to."))
        return cleaned


def hearing_choice_label(hearing: Hearing, language: str) -> str:
    starts = localtime(hearing.starts_at)
    when = f"{date_format(starts, 'DATE_FORMAT')}, {time_format(starts, 'TIME_FORMAT')}"
    return f"{hearing.localized_title(language)} — {when}"


class ActionDoneForm(forms.Form):
    note = forms.CharField(
        label=_("How did it go? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
