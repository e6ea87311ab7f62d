"""The broadcast composer: the text in both languages, the channel, the
hearing its merge fields read, and the segment's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    ActionKind,
    ActionStatus,
    Broadcast,
    Campaign,
    Channel,
    CouncilMember,
    District,
    Hearing,
    Language,
    Sector,
    Tag,
)
from campaign.services.broadcasts import MERGE_FIELDS, Segment, broadcast_check

ANY = [("", _("Any"))]


class BroadcastForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send by"), choices=Channel.choices, initial=Channel.EMAIL)
    subject = forms.CharField(label=_("Subject (English)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Message (English)"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    subject_es = forms.CharField(label=_("Subject (Spanish)"), max_length=200, required=False)
    body_es = forms.CharField(
        label=_("Message (Spanish)"),
        widget=forms.Textarea(attrs={"rows": 8, "lang": "es"}),
        required=False,
        help_text=_("Leave empty to send the English text to Spanish speakers."),
    )
    hearing = forms.ModelChoiceField(
        label=_("Hearing for {hearing_date} and {hearing_place}"),
        queryset=Hearing.objects.none(),
        required=False,
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=District.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=ANY + Language.choices, required=False
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=ANY + Sector.choices, required=False)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    pledge_kind = forms.ChoiceField(
        label=_("Has an action of this kind"), choices=ANY + ActionKind.choices, required=False
    )
    pledge_status = forms.ChoiceField(
        label=_("Action status"), choices=ANY + ActionStatus.choices, required=False
    )
    target = forms.ModelChoiceField(
        label=_("Contacted or pledged to contact"),
        queryset=CouncilMember.objects.none(),
        required=False,
    )
    segment_hearing = forms.ModelChoiceField(
        label=_("Pledged to testify at or attend"),
        queryset=Hearing.objects.none(),
        required=False,
    )
    undecided_constituents = forms.BooleanField(
        label=_("Only constituents of undecided or leaning members"), required=False
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        hearings = Hearing.objects.filter(campaign=campaign).order_by("starts_at")
        self.fields["hearing"].queryset = hearings
        self.fields["segment_hearing"].queryset = hearings
        self.fields["districts"].queryset = District.objects.filter(body=campaign.decision_body_id)
        self.fields["target"].queryset = CouncilMember.objects.filter(
            body=campaign.decision_body_id
        ).select_related("district")
        self.merge_fields = ", ".join(f"{{{name}}}" for name in MERGE_FIELDS)
        for name, bound in self.fields.items():
            widget = bound.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-control"
            if name in ("subject", "body", "subject_es", "body_es"):
                widget.attrs["aria-describedby"] = "merge-help"

    def clean(self):
        data = super().clean()
        for name, messages in broadcast_check(
            channel=data.get("channel") or Channel.EMAIL,
            subject=data.get("subject", ""),
            subject_es=data.get("subject_es", ""),
            body=data.get("body", ""),
            body_es=data.get("body_es", ""),
        ).items():
            for message in messages:
                self.add_error(name, message)
        return data

    def segment(self) -> Segment:
        data = self.cleaned_data
        return Segment(
            districts=tuple(sorted(d.pk for d in data.get("districts") or ())),
            language=data.get("language") or "",
            sector=data.get("sector") or "",
            tag=data["tag"].pk if data.get("tag") else None,
            pledge_kind=data.get("pledge_kind") or "",
            pledge_status=data.get("pledge_status") or "",
            target=data["target"].pk if data.get("target") else None,
            hearing=data["segment_hearing"].pk if data.get("segment_hearing") else None,
            undecided_constituents=bool(data.get("undecided_constituents")),
        )

    def fill(self, broadcast: Broadcast) -> Broadcast:
        data = self.cleaned_data
        for name in ("channel", "subject", "subject_es", "body", "body_es", "hearing"):
            setattr(broadcast, name, data.get(name) or (None if name == "hearing" else ""))
        broadcast.segment = self.segment().to_json()
        return broadcast

    @staticmethod
    def initial_from(broadcast: Broadcast | None = None, offer: dict | None = None) -> dict:
        """The form's values for a saved broadcast, or an offer
        (campaign.services.broadcasts.broadcast_hearing_offer)."""
        source = offer or {
            "channel": broadcast.channel,
            "subject": broadcast.subject,
            "subject_es": broadcast.subject_es,
            "body": broadcast.body,
            "body_es": broadcast.body_es,
            "hearing": broadcast.hearing_id,
            "segment": broadcast.segment,
        }
        segment = Segment.from_json(source.get("segment"))
        initial = {key: value for key, value in source.items() if key != "segment"}
        initial.update(
            districts=list(segment.districts),
            language=segment.language,
            sector=segment.sector,
            tag=segment.tag,
            pledge_kind=segment.pledge_kind,
            pledge_status=segment.pledge_status,
            target=segment.target,
            segment_hearing=segment.hearing,
            undecided_constituents=segment.undecided_constituents,
        )
        return initial


class ScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
