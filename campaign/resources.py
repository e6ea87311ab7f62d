"""Import and export (django-import-export) of supporters, council members and actions.

Supporters are only exported here: the admin's supporter import hands the
file to the background import job (campaign.services.imports), the same
pipeline as /imports/. Actions and council members are imported here, each
row validated by the model (`clean_model_instances`) so a bad value is
reported on its row; the admin runs an import in one transaction, so a file
with any bad row imports nothing.

An imported action goes through the intake core like any other: its
supporter is found by `supporter_match` (email, else phone), and it is
checked and built by `action_build` (a contact aimed at the supporter's own
member; testimony and attendance name one of the campaign's hearings) and
recorded by `action_record` (campaign membership, a pledge's reminders).
"""

import datetime as dt
import hashlib
import io

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from campaign.exports import FORMULA_PREFIXES
from campaign.models import (
    Action,
    ActionSource,
    ActionStatus,
    Campaign,
    CouncilMember,
    DecisionBody,
    District,
    Hearing,
    Language,
    Sector,
    Supporter,
    Tag,
    normalize_email,
    normalize_phone,
)
from campaign.services.imports import ImportFileError, restore_neutralised, xlsx_records
from campaign.services.intake import OWN_MEMBER, action_build, action_record, supporter_match

# The same cells the streamed exports defuse (CSV injection, CWE-1236).
FORMULA_TRIGGERS = FORMULA_PREFIXES
HEARING_FORMAT = "%Y-%m-%d %H:%M"


# ---------------------------------------------------------------------------
# Bounded reading (privacy hole 1): the admin imports actions and council
# members in the request, so a file is capped in size (the admin's import
# form), in rows and in width, and an .xlsx is streamed at its real size. A
# larger action file runs as a background job (services/action_imports.py).
# ---------------------------------------------------------------------------


def _too_many_rows() -> ImportFileError:
    limit = settings.ADMIN_IMPORT_MAX_ROWS
    return ImportFileError(
        gettext(
            "This file has more than %(limit)s rows: split it into files of at most %(limit)s rows."
        )
        % {"limit": f"{limit:,}"}
    )


class BoundedCSV(CSV):
    def create_dataset(self, in_stream):
        dataset = super().create_dataset(in_stream)
        if len(dataset) > settings.ADMIN_IMPORT_MAX_ROWS:
            raise _too_many_rows()
        return dataset


class BoundedXLSX(XLSX):
    def create_dataset(self, in_stream):
        limit = settings.ADMIN_IMPORT_MAX_ROWS
        records = xlsx_records(io.BytesIO(in_stream), max_rows=limit)
        dataset = tablib.Dataset()
        try:
            header = next(records, None)
            if header is None:
                return dataset
            while header and header[-1] is None:
                header.pop()
            dataset.headers = header
            for values in records:
                values = values[: len(header)]
                # Empty rows (also those between far-apart rows) say nothing.
                if any(value is not None for value in values):
                    dataset.append(values + [None] * (len(header) - len(values)))
        except ImportFileError as error:
            if str(error).startswith("This file has more than"):
                raise _too_many_rows() from None
            raise
        return dataset


def neutralise_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _text(value) -> str:
    """A cell as text. Spreadsheets turn phone numbers and ZIPs into numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class EmailWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return normalize_email(_text(value))


class PhoneWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return normalize_phone(_text(value))
        except ValidationError as error:
            # import-export reports a ValueError as an error on this field.
            raise ValueError(error.messages[0]) from None


class ChoiceWidget(widgets.Widget):
    """Accepts a choice's value or its label, in any case ("es", "Español")."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.lookup = {}
        for value, label in choices:
            self.lookup[str(value).lower()] = value
            self.lookup[str(label).lower()] = value

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        # An unknown value is kept so that model validation names it.
        return self.lookup.get(text.lower(), text)


class YesNoWidget(widgets.Widget):
    TRUE = {"1", "true", "yes", "y", "si", "sí", "x"}
    FALSE = {"0", "false", "no", "n", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("Enter yes or no."))

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class TagsWidget(widgets.ManyToManyWidget):
    """Tag names separated by commas (export only)."""

    def __init__(self, **kwargs):
        super().__init__(Tag, separator=",", field="name", **kwargs)


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a natural field; an unknown value is an error on the row's field."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(_text(value), row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("No %(model)s with %(field)s “%(value)s”.")
                % {"model": self.model._meta.verbose_name, "field": self.field, "value": value}
            ) from None


class SafeExportResource(resources.ModelResource):
    """Shared behaviour: formula-safe export, tidy cells on import."""

    def export_field(self, field, instance, **kwargs):
        return neutralise_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = restore_neutralised(value.strip())


class SupporterResource(SafeExportResource):
    """Export only: supporters are imported by the background import job
    (campaign.services.imports), which takes these columns back."""

    district = fields.Field(column_name="district", readonly=True)
    language = fields.Field(
        attribute="language", column_name="language", widget=ChoiceWidget(Language.choices)
    )
    sector = fields.Field(
        attribute="sector", column_name="sector", widget=ChoiceWidget(Sector.choices)
    )
    is_youth = fields.Field(attribute="is_youth", column_name="is_youth", widget=YesNoWidget())
    tags = fields.Field(attribute="tags", column_name="tags", widget=TagsWidget())
    email_consent_at = fields.Field(
        attribute="email_consent_at",
        column_name="email_consent_at",
        widget=widgets.DateTimeWidget(),
    )
    sms_consent_at = fields.Field(
        attribute="sms_consent_at", column_name="sms_consent_at", widget=widgets.DateTimeWidget()
    )
    unsubscribed_at = fields.Field(
        attribute="unsubscribed_at", column_name="unsubscribed_at", widget=widgets.DateTimeWidget()
    )
    created_at = fields.Field(
        attribute="created_at", column_name="created_at", widget=widgets.DateTimeWidget()
    )

    class Meta:
        model = Supporter
        # Tags are prefetched per page of this many rows: two queries per
        # 2,000 supporters instead of one per supporter.
        chunk_size = 2000
        fields = (
            "first_name",
            "last_name",
            "email",
            "phone",
            "zip_code",
            "street_address",
            "district",
            "language",
            "sector",
            "is_youth",
            "tags",
            "notes",
            "email_consent_at",
            "sms_consent_at",
            "unsubscribed_at",
            "created_at",
        )

    def dehydrate_district(self, supporter):
        return supporter.district.name if supporter.district_id else ""

    def filter_export(self, queryset, **kwargs):
        # One query for the rows and one for all their tags, whatever the count.
        return queryset.select_related("district").prefetch_related("tags")


class CouncilMemberResource(SafeExportResource):
    body = fields.Field(
        attribute="body",
        column_name="body",
        widget=LookupWidget(DecisionBody, field="name"),
    )
    district = fields.Field(attribute="district", column_name="district")
    email = fields.Field(attribute="email", column_name="email", widget=EmailWidget())
    phone = fields.Field(attribute="phone", column_name="phone", widget=PhoneWidget())
    active = fields.Field(attribute="active", column_name="active", widget=YesNoWidget())

    class Meta:
        model = CouncilMember
        fields = (
            "body",
            "district",
            "name",
            "title",
            "email",
            "phone",
            "office_address",
            "photo_url",
            "term_start",
            "term_end",
            "active",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def dehydrate_district(self, member):
        return member.district.name if member.district_id else ""

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("body", "district")

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if instance.pk and field.column_name in row and _text(row[field.column_name]) == "":
            return  # a blank cell never erases what is known
        if field.attribute == "district":
            # A district name is only unique within its body.
            name = _text(row.get("district"))
            if not name:
                instance.district = None
                return
            if not instance.body_id:
                return  # the body's own error is reported
            try:
                instance.district = District.objects.get(body_id=instance.body_id, name=name)
            except District.DoesNotExist:
                raise ValueError(_("No district of this name on this body.")) from None
            return
        if field.attribute in ("email", "phone") and (
            field.column_name in row and row[field.column_name] in (None, "")
        ):
            setattr(instance, field.attribute, "")
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def get_instance(self, instance_loader, row):
        """The member with the row's email, else its phone, else its name on that body."""
        members = CouncilMember.objects.all()
        email = normalize_email(_text(row.get("email")))
        if email:
            found = members.filter(email__iexact=email).first()
            if found:
                return found
        try:
            phone = normalize_phone(_text(row.get("phone")))
        except ValidationError:
            phone = None
        if phone:
            found = members.filter(phone=phone).first()
            if found:
                return found
        name, body = _text(row.get("name")), _text(row.get("body"))
        if name and body:
            return members.filter(name=name, body__name=body).first()
        return None


class ActionResource(SafeExportResource):
    supporter_email = fields.Field(column_name="supporter_email")
    supporter_phone = fields.Field(column_name="supporter_phone")
    supporter_name = fields.Field(column_name="supporter_name", readonly=True)
    campaign = fields.Field(
        attribute="campaign",
        column_name="campaign",
        widget=LookupWidget(Campaign, field="slug"),
    )
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(Action._meta.get_field("kind").choices),
    )
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(ActionStatus.choices),
        default=ActionStatus.PLEDGED,
    )
    # The hearing's start, local ("2026-11-10 18:30"); the day alone will do
    # when the campaign has one hearing that day.
    hearing = fields.Field(column_name="hearing", readonly=True)
    target = fields.Field(column_name="target", readonly=True)
    completed_at = fields.Field(
        attribute="completed_at", column_name="completed_at", widget=widgets.DateTimeWidget()
    )
    due_date = fields.Field(
        attribute="due_date", column_name="due_date", widget=widgets.DateWidget()
    )
    source = fields.Field(attribute="source", column_name="source", readonly=True)
    created_at = fields.Field(
        attribute="created_at",
        column_name="created_at",
        readonly=True,
        widget=widgets.DateTimeWidget(),
    )

    class Meta:
        model = Action
        fields = (
            "supporter_email",
            "supporter_phone",
            "supporter_name",
            "campaign",
            "kind",
            "status",
            "hearing",
            "target",
            "due_date",
            "completed_at",
            "outcome_note",
            "source",
            "created_at",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def dehydrate_supporter_email(self, action):
        return action.supporter.email or ""

    def dehydrate_supporter_phone(self, action):
        return action.supporter.phone or ""

    def dehydrate_supporter_name(self, action):
        return action.supporter.full_name

    def dehydrate_target(self, action):
        return str(action.target) if action.target_id else ""

    def dehydrate_hearing(self, action):
        if not action.hearing_id:
            return ""
        return timezone.localtime(action.hearing.starts_at).strftime(HEARING_FORMAT)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("supporter", "campaign", "target", "hearing")

    def _supporter_for_row(self, row) -> Supporter | None:
        try:
            return supporter_match(
                email=_text(row.get("supporter_email")), phone=_text(row.get("supporter_phone"))
            )
        except ValidationError:
            return None  # reported on the row: no supporter

    @staticmethod
    def _hearing_for_row(row, campaign: Campaign) -> Hearing | None:
        """The campaign's hearing the row names by its start, or by its day."""
        text = _text(row.get("hearing"))
        if not text:
            return None
        for pattern in (HEARING_FORMAT, "%Y-%m-%d"):
            try:
                dt.datetime.strptime(text, pattern)
            except ValueError:
                continue
            found = [
                hearing
                for hearing in campaign.hearings.all()
                if timezone.localtime(hearing.starts_at).strftime(pattern) == text
            ]
            if len(found) == 1:
                return found[0]
            if not found:
                message = _("No hearing of this campaign on %(value)s.")
            else:
                message = _("The campaign has several hearings on %(value)s: give the time too.")
            raise ValidationError({"hearing": message % {"value": text}})
        raise ValidationError(
            {"hearing": _("Give the hearing's start as YYYY-MM-DD HH:MM (or its day).")}
        )

    @staticmethod
    def _row_key(row) -> str:
        """The same row imported twice gives the same key: re-importing a file
        adds nothing."""
        parts = [
            normalize_email(_text(row.get("supporter_email"))) or "",
            _text(row.get("supporter_phone")),
            _text(row.get("campaign")),
            _text(row.get("kind")).lower(),
            _text(row.get("status")).lower(),
            _text(row.get("completed_at")),
            _text(row.get("due_date")),
        ]
        if _text(row.get("hearing")):
            # Files without a hearing column keep the keys they always had.
            parts.append(_text(row.get("hearing")))
        return "import:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]

    def get_instance(self, instance_loader, row):
        existing = Action.objects.filter(idempotency_key=self._row_key(row)).first()
        if existing:
            return existing
        supporter = self._supporter_for_row(row)
        campaign = Campaign.objects.filter(slug=_text(row.get("campaign"))).first()
        kind = self.fields["kind"].widget.clean(row.get("kind"))
        if supporter and campaign:
            # Completing an open pledge completes that pledge, not a copy of it.
            return campaign.actions.pledged().filter(supporter=supporter, kind=kind).first()
        return None

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._imported_status_before = None if new else instance.status

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        if not instance.supporter_id:
            supporter = self._supporter_for_row(row)
            if supporter is None:
                errors["supporter"] = ValidationError(
                    _("No supporter with this email or phone."), code="invalid"
                )
            else:
                instance.supporter = supporter
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        instance._imported_row_key = self._row_key(row)
        instance._imported_by = kwargs.get("user")
        if instance._state.adding:
            self._build(instance, row)

    def _build(self, instance: Action, row) -> None:
        """Check and fill a new action as the intake core would build it.
        Raises ValidationError keyed by field (reported on the row)."""
        if instance.status == ActionStatus.COMPLETED and not instance.completed_at:
            # An import is a record of the past: it says when.
            raise ValidationError(
                {"completed_at": _("A completed action needs its completion time.")}
            )
        built = action_build(
            supporter=instance.supporter,
            campaign=instance.campaign,
            kind=instance.kind,
            status=instance.status,
            source=ActionSource.IMPORT,
            by=instance._imported_by,
            hearing=self._hearing_for_row(row, instance.campaign),
            note=instance.outcome_note,
            completed_at=instance.completed_at,
            due_date=instance.due_date,
            idempotency_key=instance._imported_row_key,
        )
        for model_field in Action._meta.concrete_fields:
            if not model_field.primary_key:
                setattr(instance, model_field.attname, getattr(built, model_field.attname))

    def do_instance_save(self, instance, is_create):
        from campaign.services.actions import action_cancel, action_complete

        if is_create:
            # Recorded as any new action is: membership, a pledge's reminders.
            action, _created = action_record(
                supporter=instance.supporter,
                campaign=instance.campaign,
                kind=instance.kind,
                status=instance.status,
                source=instance.source,
                by=instance.logged_by,
                target=OWN_MEMBER,
                hearing=instance.hearing,
                note=instance.outcome_note,
                completed_at=instance.completed_at,
                due_date=instance.due_date,
                idempotency_key=instance.idempotency_key,
            )
            instance.pk, instance.created_at = action.pk, action.created_at
            instance._state.adding = False
            return
        before = getattr(instance, "_imported_status_before", None)
        if before == instance.status:
            instance.save()
            return
        # A pledge closed by an import goes through the services, which also
        # cancel its pending follow-up reminders.
        target_status, completed_at = instance.status, instance.completed_at
        if instance.idempotency_key is None:
            # Re-importing the file then finds this action instead of adding one.
            instance.idempotency_key = instance._imported_row_key
        instance.status, instance.completed_at = before, None
        instance.save()
        if target_status == ActionStatus.COMPLETED:
            action_complete(action=instance, completed_at=completed_at, by=instance._imported_by)
        elif target_status == ActionStatus.CANCELLED:
            action_cancel(action=instance)
        instance.refresh_from_db()
