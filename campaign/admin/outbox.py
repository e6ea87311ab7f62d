"""The outbox in the admin: every email and text, its state and its history.

Rows are written only by the reminder services, so the admin cannot add or
edit them; coordinators act on them through the actions below, each a
service call. "In doubt" rows (a send started, its result never recorded)
are never resent automatically: check the mail or SMS provider's log, then
"resend" (it did not arrive) or "mark sent" (it did).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from campaign.models import Message
from campaign.services.outbox import (
    message_cancel,
    message_mark_sent,
    message_resend,
    message_retry,
)


class InDoubtFilter(admin.SimpleListFilter):
    title = _("in doubt")
    parameter_name = "in_doubt"

    def lookups(self, request, model_admin):
        return [("yes", _("In doubt (send started, result unknown)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.in_doubt()
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "channel",
        "recipient",
        "campaign",
        "status",
        "in_doubt",
        "scheduled_for",
        "attempts",
        "sent_at",
    )
    list_filter = (InDoubtFilter, "status", "kind", "channel", "campaign", "language")
    list_select_related = ("supporter", "user", "campaign")
    search_fields = ("dedupe_key", "supporter__email", "supporter__phone", "provider_message_id")
    date_hierarchy = "scheduled_for"
    show_full_result_count = False
    raw_id_fields = ("supporter", "user", "campaign", "action", "hearing")
    actions = ["retry_selected", "cancel_selected", "resend_selected", "mark_sent_selected"]
    fields = (
        "kind",
        "channel",
        "supporter",
        "user",
        "campaign",
        "action",
        "hearing",
        "language",
        "scheduled_for",
        "status",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "provider_message_id",
        "dedupe_key",
        "context",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        return obj.supporter or obj.user

    @admin.display(description=_("in doubt"), boolean=True)
    def in_doubt(self, obj):
        return obj.is_in_doubt

    def _apply(self, request, queryset, service, done_text, skipped_text):
        done = sum(service(message=message) for message in queryset)
        skipped = len(queryset) - done
        self.message_user(request, done_text % done, messages.SUCCESS)
        if skipped:
            self.message_user(request, skipped_text % skipped, messages.WARNING)

    @admin.action(description=_("Retry the selected failed messages"), permissions=["change"])
    def retry_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            message_retry,
            _("%d message(s) will be retried."),
            _("%d message(s) skipped: only failed messages can be retried."),
        )

    @admin.action(description=_("Cancel the selected messages"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            message_cancel,
            _("%d message(s) cancelled."),
            _("%d message(s) skipped: already sent, cancelled or suppressed."),
        )

    @admin.action(
        description=_("Resend the selected messages in doubt (they did not arrive)"),
        permissions=["change"],
    )
    def resend_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            message_resend,
            _("%d message(s) will be sent again."),
            _("%d message(s) skipped: only messages in doubt can be resent."),
        )

    @admin.action(
        description=_("Mark the selected messages in doubt as sent (they arrived)"),
        permissions=["change"],
    )
    def mark_sent_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            message_mark_sent,
            _("%d message(s) marked sent."),
            _("%d message(s) skipped: only messages in doubt can be marked sent."),
        )
