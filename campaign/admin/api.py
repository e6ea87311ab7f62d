"""API keys in the admin: the key is generated on save and shown once (only
its SHA-256 is kept); keys are revoked, never edited into another scope.
Webhooks: registered here; their deliveries are read-only, failed ones retried."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.api.keys import api_key_fill, api_keys_revoke
from campaign.models import ApiKey, Webhook, WebhookDelivery
from campaign.services.webhooks import (
    webhook_deliveries_retry,
    webhook_secret_new,
    webhooks_changed,
)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "scope",
        "viewer_only",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope", "viewer_only")
    list_select_related = ("created_by",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scope", "viewer_only")
        return (
            "name",
            "prefix",
            "scope",
            "viewer_only",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A key's power is fixed when it is handed out: make a new key instead.
        return (
            "prefix",
            "scope",
            "viewer_only",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = api_key_fill(api_key=obj)
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            _(
                "The API key is %(key)s. Copy it now: it is shown only this once "
                "(send it in the OSDI-API-Token header)."
            )
            % {"key": key},
        )

    @admin.action(description=gettext_lazy("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        count = api_keys_revoke(ids=queryset.values_list("pk", flat=True))
        messages.success(request, _("%(count)d API keys revoked.") % {"count": count})


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[
            ("person", gettext_lazy("New people")),
            ("outreach", gettext_lazy("Outreaches (calls, letters, emails, meetings)")),
            ("attendance", gettext_lazy("Attendances (pledges to attend or testify)")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("None ticked: every event."),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Left blank: one is generated."),
    )

    class Meta:
        model = Webhook
        fields = ("url", "events", "active", "secret")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """A hook is deactivated, never deleted: the cached list of active hooks
    other processes hold for a moment may still name it (its delivery rows
    need it to exist)."""

    form = WebhookForm
    list_display = ("url", "events", "active", "masked_secret", "created_by", "created_at")
    list_filter = ("active",)
    list_select_related = ("created_by",)

    @admin.display(description=gettext_lazy("signing secret"))
    def masked_secret(self, obj):
        return f"{obj.secret[:4]}…" if obj.secret else ""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        generated = not obj.secret
        if generated:
            obj.secret = webhook_secret_new()
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        webhooks_changed()
        if generated:
            messages.warning(
                request,
                _("The signing secret is %(secret)s. Verify the X-Groundswell-Signature with it.")
                % {"secret": obj.secret},
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "webhook",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("status", "event")
    list_select_related = ("webhook",)
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("Retry the selected failed deliveries"), permissions=["view"]
    )
    def retry(self, request, queryset):
        count = webhook_deliveries_retry(ids=queryset.values_list("pk", flat=True))
        messages.success(
            request, _("%(count)d failed deliveries will be sent again.") % {"count": count}
        )
