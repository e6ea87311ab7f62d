"""The supporter import form: the same questions on /imports/ and in the admin."""

import zipfile

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign, Channel
from campaign.services.import_presets import PRESETS
from campaign.services.imports import (
    COLUMNS,
    CONSENT_SOURCE_PREFIX,
    ImportFileError,
    consent_source,
    file_header_read,
    file_mapping_choose,
)

# The note is recorded after "import: " in a 100-character source.
CONSENT_NOTE_MAX = len(consent_source("x" * 200)) - len(CONSENT_SOURCE_PREFIX)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("A header row naming the columns: %(columns)s.")
        % {"columns": ", ".join(COLUMNS)},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    source = forms.ChoiceField(
        choices=[
            ("", _("Recognise it from the header row")),
            ("groundswell", _("Groundswell's own columns")),
            *((preset.key, preset.label) for preset in PRESETS.values()),
        ],
        required=False,
        label=_("Exported from"),
        help_text=_(
            "Files exported from Action Network, NationBuilder, Mobilize or EveryAction/VAN "
            "are recognised by their columns; pick the tool if yours is not."
        ),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        empty_label=_("No campaign"),
        label=_("Which campaign is this list for?"),
        help_text=_(
            "Everyone in the file joins that campaign's base (and its call list). "
            "Choose “No campaign” for a general contact list."
        ),
    )
    consents = forms.MultipleChoiceField(
        choices=[
            (Channel.EMAIL, _("These people agreed to receive emails")),
            (Channel.SMS, _("These people agreed to receive text messages")),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("What did these people agree to?"),
        help_text=_(
            "Tick only what the people themselves agreed to. Someone who unsubscribed "
            "stays unsubscribed. Text messages start only after each phone replies YES "
            "to a first text naming the campaign."
        ),
    )
    consent_note = forms.CharField(
        required=False,
        max_length=CONSENT_NOTE_MAX,
        label=_("Where did they agree?"),
        help_text=_("For example: paper sign-up sheet, Oct 3 town hall."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                _("Upload a .csv or .xlsx file (save the spreadsheet as CSV UTF-8 or Excel).")
            )
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s; split it.")
                % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}
            )
        if name.endswith(".xlsx") and not zipfile.is_zipfile(upload):
            raise forms.ValidationError(_("This is not a readable Excel (.xlsx) file."))
        upload.seek(0)
        return upload

    def clean(self):
        data = super().clean()
        consents = data.get("consents") or []
        self.source, self.column_map = "", {}
        if data.get("file") is not None:
            self._mapping_choose(data["file"], data.get("source") or "")
        if consents and self.source not in ("", "groundswell"):
            self.add_error(
                "consents",
                _(
                    "This file says who agreed, person by person, in its opt-in columns: "
                    "leave these unticked."
                ),
            )
        if consents and not (data.get("consent_note") or "").strip():
            self.add_error(
                "consent_note",
                _("Say where they agreed, e.g. “paper sign-up sheet, Oct 3 town hall”."),
            )
        if Channel.SMS in consents and not data.get("campaign") and "campaign" not in self.errors:
            self.add_error(
                "campaign",
                _(
                    "Text consent is confirmed by each phone replying YES to a text naming "
                    "the campaign: choose the campaign."
                ),
            )
        return data

    def _mapping_choose(self, upload, picked: str) -> None:
        """The tool the file came from and its column mapping (import_presets)."""
        try:
            header = file_header_read(handle=upload, excel=upload.name.lower().endswith(".xlsx"))
            self.source, self.column_map = file_mapping_choose(header, picked)
        except ImportFileError as error:
            self.add_error("source" if picked else "file", str(error))
        finally:
            upload.seek(0)

    def job_kwargs(self) -> dict:
        """The arguments of `import_job_create` this form gives."""
        data = self.cleaned_data
        return {
            "file": data["file"],
            "campaign": data["campaign"],
            "consents": data["consents"],
            "consent_note": data["consent_note"],
            "source": self.source,
            "column_map": self.column_map,
        }
