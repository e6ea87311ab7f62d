"""Admin for the domain: campaigns, officials, supporters, actions. (Foundation issue.)

Every changelist names its `list_select_related`, so it runs the same number
of queries for 5 rows or 200. Writes that have a service go through it:
stances are added with `stance_record`, hearings saved with `hearing_save`,
supporters saved through the intake core at STAFF trust (`supporter_intake`,
`consent_record` / `consent_withdraw`, which keep the ConsentEvent ledger),
new actions recorded with `action_record`, and actions completed or cancelled
with `action_complete` / `action_cancel`.
"""

import dataclasses

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ImportForm

from campaign.admin.audit import AuditedReadsAdmin
from campaign.admin.broadcasts import hearing_broadcast_offer
from campaign.admin.privacy import SupporterPrivacyAdmin
from campaign.forms.imports import ImportUploadForm
from campaign.models import (
    Action,
    ActionKind,
    ActionSource,
    ActionStatus,
    AskScript,
    Campaign,
    Channel,
    ConsentEvent,
    CouncilMember,
    DecisionBody,
    District,
    DistrictZip,
    Hearing,
    ImportJob,
    MemberVote,
    SignupSubmission,
    Stance,
    Supporter,
    Tag,
    normalize_phone,
)
from campaign.resources import (
    ActionResource,
    BoundedCSV,
    BoundedXLSX,
    CouncilMemberResource,
    SupporterResource,
)
from campaign.selectors import supporter_name_q
from campaign.services.action_imports import KIND as ACTIONS_KIND
from campaign.services.action_imports import action_file_needs_job
from campaign.services.actions import action_cancel, action_complete
from campaign.services.call_list import PHONEBANK_PLACEHOLDERS, phonebank_placeholders_unknown
from campaign.services.hearings import hearing_save
from campaign.services.imports import ImportFileError, import_job_create
from campaign.services.intake import (
    OWN_MEMBER,
    PersonInput,
    Trust,
    action_check,
    action_record,
    consent_record,
    consent_withdraw,
    sms_consents_request,
    supporter_intake,
)
from campaign.services.legistar import LegistarError, legistar_import
from campaign.services.stances import stance_record
from campaign.services.supporters import supporter_unsubscribe
from campaign.tokens import supporter_action_links_active, supporter_links_revoke

# ---------------------------------------------------------------------------
# Import / export
# ---------------------------------------------------------------------------


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        # Checked before import-export reads the file (hole 1: a 52 MB CSV ran
        # 80 s in the request); supporters have the background import.
        if upload.size > settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _(
                    "This file is larger than %(size)s: split it, or import people "
                    "from the Import people page."
                )
                % {"size": filesizeformat(settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES)}
            )
        return upload


class ActionImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        # Past the in-request limits a file runs as a background job
        # (ActionAdmin.import_action), up to the background imports' cap.
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("This file is larger than %(size)s: split it.")
                % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}
            )
        return upload


class ImportExportAdmin(ImportMixin, ExportActionMixin, admin.ModelAdmin):
    """Import (CSV, XLSX) from the changelist; export of the filtered list or
    of a selection (admin action). Both need the model permissions, so a role
    without them gets 403 on the import and export URLs too."""

    # Read within ADMIN_IMPORT_MAX_ROWS, an .xlsx at its real size.
    formats = [BoundedCSV, BoundedXLSX]
    import_form_class = LimitedImportForm
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_import_data_kwargs(self, **kwargs):
        data_kwargs = super().get_import_data_kwargs(**kwargs)
        # All or nothing: a file with any invalid row imports none of them,
        # also at the confirm step (IMPORT_EXPORT_USE_TRANSACTIONS is on).
        data_kwargs["rollback_on_validation_errors"] = True
        return data_kwargs

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        # The data changed between the preview and the confirm, and the import
        # was rolled back: say so, with the rows, instead of "Import finished".
        form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "form": form,
            "result": result,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "import_error_display": self.import_error_display,
        }
        messages.error(request, _("Nothing was imported: fix the rows below and upload again."))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


# ---------------------------------------------------------------------------
# The decision body, its districts and members
# ---------------------------------------------------------------------------


class DistrictInline(admin.TabularInline):
    model = District
    fields = ("number", "name", "ocd_id")
    extra = 0


@admin.register(DecisionBody)
class DecisionBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "jurisdiction", "seats")
    search_fields = ("name", "jurisdiction")
    inlines = [DistrictInline]
    actions = ["import_from_legistar"]

    @admin.action(description=_("Import from Legistar"), permissions=["change"])
    def import_from_legistar(self, request, queryset):
        for body in queryset:
            try:
                report = legistar_import(body=body)
            except LegistarError as error:
                self.message_user(
                    request,
                    _("%(body)s: Legistar could not be read (%(error)s).")
                    % {"body": body, "error": error},
                    messages.ERROR,
                )
                continue
            kinds = {
                "members": _("members"),
                "hearings": _("hearings"),
                "votes": _("votes"),
                "campaigns": _("campaigns"),
            }
            counts = "; ".join(
                _("%(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {"kind": kinds[kind], **dataclasses.asdict(tally)}
                for kind, tally in report.kinds().items()
            )
            self.message_user(request, f"{body}: {counts}", messages.SUCCESS)
            for problem in report.problems:
                self.message_user(
                    request, _("Not imported: %(problem)s") % {"problem": problem}, messages.WARNING
                )


class DistrictZipInline(admin.TabularInline):
    model = DistrictZip
    fields = ("zip_code",)
    extra = 1


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "number", "body", "ocd_id")
    list_filter = ("body",)
    list_select_related = ("body",)
    search_fields = ("name", "zips__zip_code")
    autocomplete_fields = ("body",)
    inlines = [DistrictZipInline]


class StanceHistoryInline(admin.TabularInline):
    """A member's stance history. Entries are only added (through
    `stance_record`), never changed or deleted."""

    model = Stance
    fields = ("campaign", "position", "note", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")
    autocomplete_fields = ("campaign",)
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "recorded_by")


def save_stance_formset(request, formset) -> None:
    """New stance rows are recorded by the service; existing ones stay as they were."""
    for form in formset.extra_forms:
        if not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        data = form.cleaned_data
        form.instance = stance_record(
            campaign=data.get("campaign") or form.instance.campaign,
            member=data.get("member") or form.instance.member,
            position=data["position"],
            note=data.get("note", ""),
            by=request.user,
        )
    formset.new_objects = []
    formset.changed_objects = []
    formset.deleted_objects = []


@admin.register(CouncilMember)
class CouncilMemberAdmin(ImportExportAdmin):
    resource_classes = [CouncilMemberResource]
    list_display = ("name", "title", "title_es", "body", "district", "email", "phone", "active")
    list_filter = ("active", "body", "district")
    list_select_related = ("body", "district")
    search_fields = ("name", "email", "phone")
    autocomplete_fields = ("body", "district")
    inlines = [StanceHistoryInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is Stance:
            save_stance_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)


# ---------------------------------------------------------------------------
# Campaigns, hearings, stances and votes
# ---------------------------------------------------------------------------


class HearingInline(admin.StackedInline):
    model = Hearing
    fields = (
        ("title", "title_es"),
        ("starts_at", "ends_at"),
        "location_name",
        "address",
        "online_url",
        ("testimony_deadline", "testimony_address"),
        "speaker_slots",
        "cancelled_at",
    )
    extra = 0
    # Cancel a hearing (cancelled at) so its reminders are rescheduled; delete
    # it from the hearing's own page only.
    can_delete = False


class AskScriptInline(admin.StackedInline):
    """The campaign's own call scripts and letters per member stance and
    supporter relation; where none is written, services.asks's texts apply."""

    model = AskScript
    fields = (
        ("kind", "stance_group", "relation"),
        ("subject", "subject_es"),
        ("text", "text_es"),
    )
    extra = 0
    verbose_name = _("call script or letter for a stance")
    verbose_name_plural = _(
        "Call scripts and letters by the member's stance (placeholders: {supporter_name}, "
        "{member_name}, {member_title}, {county}, {jurisdiction}, {campaign})"
    )


class MemberVoteInline(admin.TabularInline):
    model = MemberVote
    fields = ("member", "vote")
    autocomplete_fields = ("member",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")


class CampaignAdminForm(forms.ModelForm):
    asks = forms.MultipleChoiceField(
        label=_("Asks on the public form"),
        choices=ActionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        # A declared field does not take the model's default: without this a
        # new campaign's boxes were all unticked and it was saved asking nothing.
        initial=Campaign._meta.get_field("asks").default,
        help_text=_("Action kinds a volunteer can pledge on the public page."),
    )

    class Meta:
        model = Campaign
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose the fields

    def _phonebank_script_checked(self, name: str) -> str:
        text = self.cleaned_data.get(name, "")
        unknown = phonebank_placeholders_unknown(text)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(unknown)s. Use only %(known)s.")
                % {
                    "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PHONEBANK_PLACEHOLDERS),
                }
            )
        return text

    def clean_phonebank_script(self):
        return self._phonebank_script_checked("phonebank_script")

    def clean_phonebank_script_es(self):
        return self._phonebank_script_checked("phonebank_script_es")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ("name", "slug", "decision_body", "status", "is_public", "vote_expected_on")
    list_filter = ("status", "is_public", "approach", "change_type", "decision_body")
    list_select_related = ("decision_body",)
    search_fields = ("name", "name_es", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("decision_body",)
    date_hierarchy = "created_at"
    inlines = [HearingInline, AskScriptInline, MemberVoteInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("name", "slug"),
                    "decision_body",
                    ("status", "is_public", "public_counts_from"),
                    ("change_type", "approach", "strategy"),
                    "votes_needed",
                    "asks",
                )
            },
        ),
        (
            _("Texts in English"),
            {
                "fields": (
                    "goal",
                    "why_it_matters",
                    "ask",
                    "call_script",
                    "phonebank_script",
                    "letter_subject",
                    "letter_template",
                    "testimony_guidance",
                )
            },
        ),
        (
            _("Texts in Spanish"),
            {
                "description": _("Leave a text empty to show the English one to Spanish readers."),
                "classes": ("collapse",),
                "fields": (
                    "name_es",
                    "goal_es",
                    "why_it_matters_es",
                    "ask_es",
                    "call_script_es",
                    "phonebank_script_es",
                    "letter_subject_es",
                    "letter_template_es",
                    "testimony_guidance_es",
                ),
            },
        ),
        (_("Key dates"), {"fields": (("starts_on", "vote_expected_on", "ends_on"),)}),
        (
            _("Outcome: the vote and the community change"),
            {
                "fields": (
                    ("vote_held_on", "vote_result"),
                    "change_adopted",
                    ("change_adopted_type", "change_adopted_on"),
                    "ordinance_url",
                )
            },
        ),
    )

    def save_formset(self, request, form, formset, change):
        if formset.model is Hearing:
            for hearing in save_hearing_formset(formset):
                hearing_broadcast_offer(request, hearing)
        else:
            super().save_formset(request, form, formset, change)


def save_hearing_formset(formset) -> list[Hearing]:
    saved = [hearing_save(hearing=hearing) for hearing in formset.save(commit=False)]
    for hearing in formset.deleted_objects:
        hearing.delete()
    return saved


@admin.register(Hearing)
class HearingAdmin(admin.ModelAdmin):
    list_display = ("title", "campaign", "starts_at", "location_name", "cancelled_at")
    list_filter = ("campaign", ("cancelled_at", admin.EmptyFieldListFilter))
    list_select_related = ("campaign",)
    search_fields = ("title", "title_es", "location_name", "campaign__name")
    autocomplete_fields = ("campaign",)
    date_hierarchy = "starts_at"

    def save_model(self, request, obj, form, change):
        hearing_save(hearing=obj)
        hearing_broadcast_offer(request, obj)


@admin.register(Stance)
class StanceAdmin(admin.ModelAdmin):
    """The whip-count history. An entry is added, never edited: a new position
    is a new entry."""

    list_display = ("member", "campaign", "position", "recorded_at", "recorded_by")
    list_filter = (
        "campaign",
        "position",
        "member__district",
        ("recorded_at", admin.DateFieldListFilter),
    )
    list_select_related = ("member", "campaign", "recorded_by")
    search_fields = ("member__name", "campaign__name", "note")
    autocomplete_fields = ("campaign", "member")
    date_hierarchy = "recorded_at"
    fields = ("campaign", "member", "position", "note", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = stance_record(
            campaign=obj.campaign,
            member=obj.member,
            position=obj.position,
            note=obj.note,
            by=request.user,
        )
        obj.pk, obj.recorded_at, obj.recorded_by = saved.pk, saved.recorded_at, saved.recorded_by


# ---------------------------------------------------------------------------
# Supporters and their actions
# ---------------------------------------------------------------------------


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class ActionAdminForm(forms.ModelForm):
    """Allowed status changes: a pledge may be completed or cancelled (through
    the services); a completed or cancelled action stays so. A new action
    meets the intake core's action rules (`action_check`)."""

    class Meta:
        model = Action
        fields = "__all__"  # noqa: DJ007 - the admin and inline choose the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "target" in self.fields and not self.instance.pk:
            self.fields["target"].help_text = _(
                "Empty: the supporter's own member, for calls, letters, emails, "
                "testimony and meetings."
            )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        before = self.instance.status if self.instance.pk else None
        if before and before != status and before != ActionStatus.PLEDGED:
            raise ValidationError(
                {
                    "status": _("A %(status)s action cannot be changed back.")
                    % {"status": self.instance.get_status_display().lower()}
                }
            )
        if status == ActionStatus.COMPLETED and not data.get("completed_at"):
            # Marking done "now" is the common case; spare the coordinator the field.
            data["completed_at"] = timezone.now()
            self.instance.completed_at = data["completed_at"]
        if not self.instance.pk and data.get("campaign") and data.get("kind") and status:
            try:
                action_check(
                    campaign=data["campaign"],
                    kind=data["kind"],
                    status=status,
                    hearing=data.get("hearing"),
                    completed_at=data.get("completed_at"),
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


def save_action(*, action: Action, form, user) -> Action:
    """Save an action from an admin form through the services: a new one is
    recorded by the intake core (`action_record`: the supporter joins the
    base, a contact with no target goes to their own member, a pledge gets its
    reminders); an edit completes or cancels a pledge through its service."""
    if action.pk is None:
        saved, _created = action_record(
            supporter=action.supporter,
            campaign=action.campaign,
            kind=action.kind,
            status=action.status,
            source=action.source or ActionSource.ADMIN,
            by=user,
            target=action.target if action.target_id else OWN_MEMBER,
            hearing=action.hearing,
            note=action.outcome_note,
            completed_at=action.completed_at,
            due_date=action.due_date,
        )
        action.pk, action._state.adding = saved.pk, False
        return saved
    before = form.initial.get("status", action.status)
    if before == action.status or before != ActionStatus.PLEDGED:
        action.save()
        return action
    status, completed_at = action.status, action.completed_at
    action.status, action.completed_at = before, None
    action.save()
    if status == ActionStatus.COMPLETED:
        saved = action_complete(action=action, completed_at=completed_at, by=user)
    else:
        saved = action_cancel(action=action)
    action.status, action.completed_at = saved.status, saved.completed_at
    return saved


class SupporterActionInline(admin.TabularInline):
    model = Action
    form = ActionAdminForm
    fk_name = "supporter"
    fields = (
        "campaign",
        "kind",
        "status",
        "target",
        "hearing",
        "due_date",
        "completed_at",
        "source",
        "outcome_note",
    )
    autocomplete_fields = ("campaign", "target", "hearing")
    extra = 0
    # A logged action is never lost: cancel it instead.
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign", "target", "hearing")


class ConsentEventInline(admin.TabularInline):
    """The consent ledger, read-only: it is written by the consent services."""

    model = ConsentEvent
    fields = ("occurred_at", "channel", "kind", "source", "campaign", "wording")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("campaign")


class SupporterAdminForm(forms.ModelForm):
    email_consent = forms.BooleanField(
        label=_("Agrees to email"),
        required=False,
        help_text=_(
            "Tick only with the supporter's explicit agreement; it is logged. "
            "Ticking it for someone who unsubscribed subscribes them again."
        ),
    )
    sms_consent = forms.BooleanField(
        label=_("Agrees to text messages"),
        required=False,
        help_text=_("Ticking it texts them to reply YES; their consent is recorded when they do."),
    )

    class Meta:
        model = Supporter
        # Consent is changed only through the consent services (see save_model).
        exclude = (  # noqa: DJ006
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "unsubscribed_at",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email_consent"].initial = bool(self.instance.email_consent_at)
        self.fields["sms_consent"].initial = bool(self.instance.sms_consent_at)

    def clean(self):
        data = super().clean()
        if data.get("email_consent") and not (data.get("email") or self.instance.email):
            self.add_error("email_consent", _("Email consent needs an email address."))
        if data.get("sms_consent") and not (data.get("phone") or self.instance.phone):
            self.add_error("sms_consent", _("SMS consent needs a phone number."))
        return data


# What the intake core applies from the supporter form (a given value
# replaces the stored one; a blank never erases): what it knows of a person.
_INTAKE_FIELDS = tuple(field.name for field in dataclasses.fields(PersonInput))
# What a coordinator may set beyond the intake core when the field changed on
# the form: a district chosen by hand, a corrected email or phone, a cleared
# value.
_CORRECTABLE_FIELDS = (*_INTAKE_FIELDS, "district")


@admin.register(Supporter)
class SupporterAdmin(AuditedReadsAdmin, SupporterPrivacyAdmin, ImportExportAdmin):
    form = SupporterAdminForm
    resource_classes = [SupporterResource]
    list_display = (
        "last_name",
        "first_name",
        "email",
        "phone",
        "zip_code",
        "district",
        "language",
        "sector",
        "created_at",
    )
    list_display_links = ("last_name", "first_name")
    list_filter = (
        "language",
        "sector",
        "is_youth",
        "district",
        ("unsubscribed_at", admin.EmptyFieldListFilter),
        ("email_consent_at", admin.EmptyFieldListFilter),
        ("sms_consent_at", admin.EmptyFieldListFilter),
        # In a campaign's base: signed up, imported or acted (one definition).
        "memberships__campaign",
        "tags",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("district",)
    search_fields = ("first_name", "last_name", "email", "phone", "zip_code")
    autocomplete_fields = ("district", "tags")
    # No date_hierarchy: its SELECT DISTINCT date_trunc(...) reads every
    # supporter on each page; the created_at filter above covers the need.
    # A full COUNT(*) on every filtered page costs seconds on a large list.
    show_full_result_count = False
    readonly_fields = (
        "email_consent_at",
        "email_consent_source",
        "sms_consent_at",
        "sms_consent_source",
        "unsubscribed_at",
        "email_bounced_at",
        "created_at",
        "updated_at",
        "personal_links",
    )
    fieldsets = (
        (None, {"fields": (("first_name", "last_name"), ("email", "phone"))}),
        (
            _("Where"),
            {"fields": ("street_address", ("zip_code", "district"))},
        ),
        (_("About"), {"fields": (("language", "sector", "is_youth"), "tags", "notes")}),
        (
            _("Consent"),
            {
                "fields": (
                    ("email_consent", "email_consent_at", "email_consent_source"),
                    ("sms_consent", "sms_consent_at", "sms_consent_source"),
                    "unsubscribed_at",
                    "email_bounced_at",
                )
            },
        ),
        (_("Record"), {"fields": (("created_at", "updated_at"), "personal_links")}),
    )
    inlines = [SupporterActionInline, ConsentEventInline]
    actions = [
        "unsubscribe_selected",
        "revoke_links_selected",
        "access_export_selected",
        "erase_selected",
    ]

    def import_action(self, request, **kwargs):
        """Supporters are imported by the same background job as /imports/: the
        same questions (campaign, attested consents), good rows land and bad
        ones are reported per row on the job's progress page. The resource
        stays for exports."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            job = import_job_create(**form.job_kwargs(), user=request.user)
            return redirect("imports:detail", pk=job.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import supporters"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/campaign/supporter/import_job.html", context)

    def process_import(self, request, **kwargs):
        # The preview-and-confirm import is gone: the job imports the file.
        if not self.has_import_permission(request):
            raise PermissionDenied
        return redirect("admin:campaign_supporter_import")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if "@" in term and not any(ch.isspace() for ch in term):
            # An email: a prefix match on the stored (lower-case) address is
            # served by its index; "%term%" over five columns reads every row.
            return queryset.filter(email__startswith=term.lower()), False
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Names as the quick log finds them: "ramirez" finds "Lucía Ramírez".
        names = supporter_name_q(search_term)
        if names is not None:
            results = results | queryset.filter(names)
        # Phones are stored as +16125550123: "(612) 555-0123" finds them too.
        try:
            phone = normalize_phone(search_term) if search_term else None
        except ValidationError:
            phone = None
        if phone:
            results = results | queryset.filter(phone=phone)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        """Save through the intake core at STAFF trust, so the district follows
        the one place rule. Then what a coordinator editing a known record may
        do beyond it: a district chosen by hand wins (when that field changed),
        an email or phone is corrected, a field is cleared.
        Consents go through `consent_record` (the explicit tick lifts an
        unsubscribe: the person asked) and `consent_withdraw`."""
        # `obj` holds the form's values, normalised by the model's clean_fields.
        stored = Supporter.objects.select_for_update().get(pk=obj.pk) if change else None
        supporter = supporter_intake(
            person=PersonInput(**{name: getattr(obj, name) for name in _INTAKE_FIELDS}),
            trust=Trust.STAFF,
            supporter=stored,
        ).supporter
        corrected = [
            field.attname
            for field in (Supporter._meta.get_field(name) for name in _CORRECTABLE_FIELDS)
            if field.name in form.changed_data
            and getattr(supporter, field.attname) != getattr(obj, field.attname)
        ]
        for attname in corrected:
            setattr(supporter, attname, getattr(obj, attname))
        if corrected:
            supporter.save(update_fields=[*corrected, "updated_at"])
        source = f"admin: {request.user.get_username()}"
        for channel, field_name, given in (
            (Channel.EMAIL, "email_consent", supporter.email_consent_at),
            (Channel.SMS, "sms_consent", supporter.sms_consent_at),
        ):
            wanted = form.cleaned_data.get(field_name)
            if wanted and not given and channel == Channel.SMS:
                # Text consent is confirmed by the phone, whoever asks.
                if sms_consents_request(
                    supporters=[supporter], campaign=None, wording=f"{source}: agreed to texts"
                ):
                    self.message_user(
                        request,
                        _("A text asks them to reply YES; texts start when they do."),
                        messages.INFO,
                    )
            elif wanted and not given:
                consent_record(
                    supporter=supporter, channel=channel, source=source, lift_unsubscribe=True
                )
            elif given and not wanted:
                consent_withdraw(supporter=supporter, channel=channel, source=source)
        # The admin goes on with `obj` (tags, inlines, the log entry, the redirect).
        for field in Supporter._meta.concrete_fields:
            setattr(obj, field.attname, getattr(supporter, field.attname))
        obj._state.adding, obj._state.db = False, supporter._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not Action:
            return super().save_formset(request, form, formset, change)
        changed = [action_form for action_form in formset.forms if action_form.has_changed()]
        # Joining a campaign's base by a new action is an intake into that
        # campaign, as on the quick log: the supporter is placed within its
        # body (and tagged non-constituent outside it) before their actions
        # are aimed at their own member.
        supporter = form.instance
        joined = {
            f.cleaned_data["campaign"].pk: f.cleaned_data["campaign"]
            for f in changed
            if f.instance.pk is None and f.cleaned_data.get("campaign")
        }
        for campaign in joined.values():
            supporter_intake(
                person=PersonInput(**{name: getattr(supporter, name) for name in _INTAKE_FIELDS}),
                trust=Trust.STAFF,
                supporter=supporter,
                campaign=campaign,
                source=ActionSource.ADMIN,
            )
        for action_form in changed:
            action = action_form.save(commit=False)
            action.supporter = supporter
            save_action(action=action, form=action_form, user=request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Unsubscribe the selected supporters from every channel"))
    def unsubscribe_selected(self, request, queryset):
        source = f"admin: {request.user.get_username()}"
        count = sum(
            supporter_unsubscribe(supporter=supporter, source=source) for supporter in queryset
        )
        self.message_user(
            request,
            ngettext("%d supporter unsubscribed.", "%d supporters unsubscribed.", count) % count,
            messages.SUCCESS,
        )

    @admin.display(description=_("Live personal action-page links"))
    def personal_links(self, obj):
        # One COUNT, served by the (supporter, revoked_at) index.
        return supporter_action_links_active(supporter=obj).count() if obj.pk else "-"

    @admin.action(
        description=_("Revoke the selected supporters' personal links"), permissions=["change"]
    )
    def revoke_links_selected(self, request, queryset):
        count = sum(supporter_links_revoke(supporter=supporter) for supporter in queryset)
        revoked = ngettext(
            "%d personal action-page link revoked.", "%d personal action-page links revoked.", count
        )
        kept = _("Unsubscribe links in emails already sent keep working.")
        self.message_user(request, f"{revoked % count} {kept}", messages.SUCCESS)


@admin.register(Action)
class ActionAdmin(AuditedReadsAdmin, ImportExportAdmin):
    form = ActionAdminForm
    resource_classes = [ActionResource]
    list_display = (
        "supporter",
        "campaign",
        "kind",
        "status",
        "target",
        "due_date",
        "completed_at",
        "source",
        "created_at",
    )
    list_filter = (
        "campaign",
        "status",
        "kind",
        "source",
        "supporter__district",
        "supporter__language",
        "supporter__sector",
        ("due_date", admin.DateFieldListFilter),
        ("completed_at", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("supporter", "campaign", "target")
    search_fields = (
        "supporter__first_name",
        "supporter__last_name",
        "supporter__email",
        "supporter__phone",
        "outcome_note",
    )
    autocomplete_fields = ("supporter", "campaign", "target", "hearing")
    # Coordinators drill down by month here. Its SELECT DISTINCT date_trunc(...)
    # reads the year's actions on every page (~0.5 s at 1,000,000 actions); the
    # list itself is read from the newest-first index.
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = ("logged_by", "idempotency_key", "created_at", "updated_at")
    actions = ["mark_completed"]
    import_form_class = ActionImportForm

    def import_action(self, request, **kwargs):
        """A file over the in-request limits (ADMIN_IMPORT_MAX_UPLOAD_BYTES,
        ADMIN_IMPORT_MAX_ROWS) is imported by a background job and followed
        on its progress page; a smaller one keeps the preview and confirm."""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                file_format = self.get_import_formats()[int(form.cleaned_data["format"])]
                excel = issubclass(file_format, BoundedXLSX)
                if upload.size > settings.ADMIN_IMPORT_MAX_UPLOAD_BYTES or action_file_needs_job(
                    handle=upload, excel=excel
                ):
                    # The job reads the file by its extension: keep the format picked.
                    extension = ".xlsx" if excel else ".csv"
                    if not upload.name.lower().endswith(extension):
                        upload.name = f"{upload.name}{extension}"
                    job = import_job_create(file=upload, user=request.user, kind=ACTIONS_KIND)
                    return redirect("imports:detail", pk=job.pk)
        return super().import_action(request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("source", ActionSource.ADMIN)
        return initial

    def save_model(self, request, obj, form, change):
        save_action(action=obj, form=form, user=request.user)

    @admin.action(description=_("Mark the selected pledges completed"))
    def mark_completed(self, request, queryset):
        selected = queryset.count()
        done = 0
        for action in queryset.filter(status=ActionStatus.PLEDGED):
            action_complete(action=action, by=request.user)
            done += 1
        skipped = selected - done
        self.message_user(
            request,
            ngettext("%d pledge marked completed.", "%d pledges marked completed.", done) % done,
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d action was not a pledge and was left as it was.",
                    "%d actions were not pledges and were left as they were.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Background imports: progress and per-row errors, read-only."""

    list_display = (
        "__str__",
        "campaign",
        "status",
        "progress",
        "created_rows",
        "updated_rows",
        "started_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("started_by", "campaign")
    readonly_fields = (
        "kind",
        "file",
        "campaign",
        "attested_consents",
        "consent_note",
        "status",
        "total_rows",
        "processed_rows",
        "created_rows",
        "updated_rows",
        "errors",
        "started_by",
        "created_at",
        "finished_at",
    )
    fields = readonly_fields

    @admin.display(description=_("progress"))
    def progress(self, job):
        return f"{job.progress_percent}%"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignupSubmission)
class SignupSubmissionAdmin(admin.ModelAdmin):
    """Public sign-ups received and not applied yet: for a moment after the
    answer, or, with their error, when applying them keeps failing."""

    list_display = ("__str__", "campaign", "received_at", "attempts")
    list_filter = ("campaign",)
    list_select_related = ("campaign",)
    readonly_fields = (
        "campaign",
        "payload",
        "received_at",
        "attempts",
        "last_error",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
