"""The audit trail in the admin: every entry, filterable by user, person and
kind. Only users given `auditlog.view_logentry` (superusers by default) see
it; coordinators and viewers do not."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaign.audit import READ_EVENTS, audit_read, supporter_entries_q
from campaign.models import Supporter


class PersonFilter(admin.SimpleListFilter):
    """?supporter=<id>: entries about one person (the supporter's own page
    links here). Offered only with a value: the list of people is not a menu."""

    title = _("person")
    parameter_name = "supporter"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name, "")
        return [(value, _("Person #%s") % value)] if value.isdigit() else []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(supporter_entries_q(int(value)))
        return queryset


class ReadEventFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return list(READ_EVENTS.items())

    def queryset(self, request, queryset):
        if self.value() in READ_EVENTS:
            return queryset.filter(additional_data__event=self.value())
        return queryset


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditTrailAdmin(LogEntryAdmin):
    list_filter = [
        "action",
        ReadEventFilter,
        "content_type",
        ("actor", admin.RelatedOnlyFieldListFilter),
        PersonFilter,
    ]

    # The trail is read, never edited or pruned from here.
    def has_delete_permission(self, request, obj=None):
        return False


class AuditedReadsAdmin(admin.ModelAdmin):
    """Records the reads of personal data the admin serves: a person's page,
    a search of the list, an export (campaign.audit)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and isinstance(obj, Supporter) and response.status_code == 200:
            audit_read(request, "supporter_page", about=obj)
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        query = request.GET.get("q", "")
        if query and response.status_code == 200:
            audit_read(request, "search", where=self.model._meta.model_name, length=len(query))
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_read(request, "admin_export", what=self.model._meta.model_name)
        return data
