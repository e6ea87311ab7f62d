"""Forms of the coordinator dashboard."""

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    ActionKind,
    ActionStatus,
    Campaign,
    CouncilMember,
    Hearing,
    Language,
    Position,
    Sector,
    normalize_phone,
)
from campaign.selectors import DateRange
from campaign.services.call_list import CallResult
from campaign.services.intake import action_check

# A sign-in sheet is a few hundred lines; 5,000 is a large phone bank.
BULK_MAX_LINES = 10_000
BULK_MAX_FILE_BYTES = 2 * 1024 * 1024


# Far enough for any campaign; outside it `to=9999-12-31` would overflow when
# the inclusive end gets its extra day.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def parse_date_range(params) -> tuple[DateRange, str]:
    """The `from`/`to` filter of a dashboard page. Malformed, out-of-range or
    reversed dates give an error message and no filter, so the page still
    shows numbers."""
    values = {}
    for name in ("from", "to"):
        raw = (params.get(name) or "").strip()
        if not raw:
            values[name] = None
            continue
        try:
            values[name] = dt.date.fromisoformat(raw)
        except ValueError:
            return DateRange(), _(
                "The date “%(value)s” was not understood (use YYYY-MM-DD). "
                "The numbers below are for all dates."
            ) % {"value": raw[:40]}
        if not EARLIEST_DATE <= values[name] <= LATEST_DATE:
            return DateRange(), _(
                "Dates must fall between %(earliest)s and %(latest)s. "
                "The numbers below are for all dates."
            ) % {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
    if values["from"] and values["to"] and values["from"] > values["to"]:
        return DateRange(), _(
            "The start date is after the end date. The numbers below are for all dates."
        )
    return DateRange(start=values["from"], end=values["to"]), ""


class StanceForm(forms.Form):
    # Any member: a member of another body is refused by stance_record with a
    # clear message rather than a bare "invalid choice".
    member = forms.ModelChoiceField(queryset=CouncilMember.objects.all(), label=_("Member"))
    position = forms.ChoiceField(choices=Position.choices, label=_("Stance"))
    note = forms.CharField(label=_("Note (why)"), required=False, max_length=2000)


class QuickLogForm(forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices, label=_("What they did"))
    target = forms.ModelChoiceField(
        queryset=CouncilMember.objects.none(), required=False, label=_("Target member")
    )
    # Unticked by default: "Save and next" then gives the next person their
    # own commissioner. Carrying a target silently credited a whole phone
    # bank to one office.
    keep_target = forms.BooleanField(
        required=False,
        label=_("Keep calling into the chosen member's office for the next person"),
        help_text=_(
            "Keeps the member chosen above when you save. Unticked, the next person's "
            "target is their own commissioner."
        ),
    )
    status = forms.ChoiceField(
        choices=[
            (ActionStatus.COMPLETED, _("Done")),
            (ActionStatus.PLEDGED, _("Pledged (will do)")),
        ],
        label=_("Status"),
        initial=ActionStatus.COMPLETED,
    )
    hearing = forms.ModelChoiceField(
        queryset=Hearing.objects.none(), required=False, label=_("Hearing")
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # One token per rendered form: a double click or a resubmitted POST logs once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = CouncilMember.objects.active().filter(
            body_id=campaign.decision_body_id
        )
        self.fields["hearing"].queryset = campaign.hearings.scheduled()
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class NewSupporterForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    zip_code = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    language = forms.ChoiceField(choices=Language.choices, label=_("Language"))
    sector = forms.ChoiceField(
        choices=[("", "—"), *Sector.choices], label=_("Sector"), required=False
    )
    # Set when the coordinator was shown likely duplicates of these details
    # and chose to add a new person anyway (see the quick_log view).
    confirm = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def clean_phone(self):
        # Normalised here so a bad number is reported next to its field.
        return normalize_phone(self.cleaned_data.get("phone")) or ""

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "phone" not in self.errors:
            raise ValidationError(_("Give an email address or a mobile phone number."))
        return data


class BulkLogForm(forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices, label=_("What they did"))
    status = forms.ChoiceField(
        choices=[
            (ActionStatus.COMPLETED, _("Done")),
            (ActionStatus.PLEDGED, _("Pledged (will do)")),
        ],
        label=_("Status"),
        initial=ActionStatus.COMPLETED,
    )
    hearing = forms.ModelChoiceField(
        queryset=Hearing.objects.none(), required=False, label=_("Hearing")
    )
    lines = forms.CharField(
        label=_("Paste the list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "One email or phone per line, or a sign-in sheet as CSV "
            "(a header row naming email, phone, first_name, last_name, zip)."
        ),
    )
    file = forms.FileField(label=_("…or upload a CSV file"), required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["hearing"].queryset = campaign.hearings.all()

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return ""
        if upload.size > BULK_MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 2 MB; split it into parts."))
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ValidationError(_("The file is not a text (CSV) file."))

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("status"):
            try:
                # The intake core's rule for any action (e.g. attendance needs
                # a hearing that has started), shown next to its field.
                action_check(
                    campaign=self.campaign,
                    kind=data["kind"],
                    status=data["status"],
                    hearing=data.get("hearing"),
                )
            except ValidationError as error:
                self.add_error(None, error)
        text = data.get("file") or data.get("lines") or ""
        if not text.strip() and not self.errors:
            raise ValidationError(_("Paste a list or choose a file."))
        if text.count("\n") + 1 > BULK_MAX_LINES:
            raise ValidationError(
                _("At most %(n)s lines at a time; split the list.") % {"n": BULK_MAX_LINES}
            )
        data["text"] = text
        return data


class CallResultForm(forms.Form):
    supporter = forms.IntegerField(widget=forms.HiddenInput)
    # No default: a stray Save must not drop anyone from the list.
    result = forms.ChoiceField(
        choices=[("", _("— choose —")), *CallResult.CHOICES],
        label=_("Result"),
        error_messages={"required": _("Choose a result for this call.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    # The row below this one on the caller's page: where the page goes back
    # to after the save, so a long list keeps its place.
    next_row = forms.IntegerField(required=False, widget=forms.HiddenInput)
