"""The audit trail in the admin: every entry, filterable by user, person and
kind. Only users given `auditlog.view_logentry` (superusers by default) see
it; coordinators and viewers do not."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaign.audit import READ_EVENTS, supporter_entries_q


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
