"""API keys in the admin: the key is generated on save and shown once (only
its SHA-256 is kept); keys are revoked, never edited into another scope."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.api.keys import api_key_fill, api_keys_revoke
from campaign.models import ApiKey


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
