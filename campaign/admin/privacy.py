"""The supporter admin's answers to access and erasure requests (issue 12).

Access: "Download everything we hold" on the change page, and an action for
the selected people; anyone who may see supporters (`view_supporter`).
Erasure: "Erase this person" on the change page, and an action; both show a
confirmation page counting what goes and what stays. Erasing takes the
supporter delete permission (`campaign.delete_supporter`: the Coordinator
group and superusers), which no longer deletes: a deletion is refused by an
action's PROTECT or a message's permission, and would leave no suppression
and the admin log's copies of the name.
"""

import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaign.audit import audit_read
from campaign.models import Supporter
from campaign.services.privacy import (
    ERASED_REFUSAL,
    access_filename,
    supporter_access_export,
    supporter_erase,
    supporter_erasure_plan,
    suppressed_among,
)

ERASE_PERMISSION = "campaign.delete_supporter"


def _zip_response(payload: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(payload, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class SupporterPrivacyAdmin(admin.ModelAdmin):
    """Mixed into SupporterAdmin (campaign.admin.core)."""

    # import-export's change form (its Export button), with the two buttons.
    change_form_template = "admin/campaign/supporter/change_form.html"

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm(ERASE_PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # An erased row is kept only to be counted: nothing on it to edit.
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class RefusingErasedAddresses(form):
            def clean(self):
                # The intake core refuses them too; here the coordinator sees
                # why next to the field instead of an error page.
                data = super().clean()
                given = {
                    name: data.get(name)
                    for name in ("email", "phone")
                    if name in self.changed_data and data.get(name)
                }
                erased = suppressed_among(emails=[given.get("email")], phones=[given.get("phone")])
                for name, value in given.items():
                    if value in erased:
                        self.add_error(name, ERASED_REFUSAL)
                return data

        return RefusingErasedAddresses

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/access/",
                self.admin_site.admin_view(self.access_view),
                name="campaign_supporter_access",
            ),
            path(
                "<int:object_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="campaign_supporter_erase",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_access": self.has_view_permission(request),
            "can_erase": self.has_erase_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def access_view(self, request, object_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        supporter = get_object_or_404(Supporter, pk=object_id)
        audit_read(request, "access_download", about=supporter)
        return _zip_response(supporter_access_export(supporter), access_filename(supporter))

    def _erase(self, request, supporters) -> None:
        for supporter in supporters:
            supporter_erase(supporter=supporter, by=request.user)
            supporter.refresh_from_db()
            self.log_change(request, supporter, [{"changed": {"fields": ["Erased on request"]}}])
        count = len(supporters)
        self.message_user(
            request,
            ngettext("%d person erased.", "%d people erased.", count) % count,
            messages.SUCCESS,
        )

    def _confirmation(self, request, supporters, *, action: str = ""):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase these people?") if action else _("Erase this person?"),
            "opts": self.model._meta,
            "people": [(s, supporter_erasure_plan(s)) for s in supporters],
            "action": action,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/campaign/supporter/erase_confirmation.html", context
        )

    def erase_view(self, request, object_id: int):
        if not self.has_erase_permission(request):
            raise PermissionDenied
        supporter = get_object_or_404(Supporter, pk=object_id)
        if request.method == "POST":
            self._erase(request, [supporter])
            return redirect(reverse("admin:campaign_supporter_change", args=[supporter.pk]))
        return self._confirmation(request, [supporter])

    @admin.action(
        description=gettext_lazy("Download everything we hold (access request)"),
        permissions=["view"],
    )
    def access_export_selected(self, request, queryset):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
            for supporter in queryset.select_related("district"):
                audit_read(request, "access_download", about=supporter)
                zipped.writestr(
                    f"access-request-{supporter.pk}.zip", supporter_access_export(supporter)
                )
        return _zip_response(archive.getvalue(), "access-requests.zip")

    @admin.action(description=gettext_lazy("Erase the selected people"), permissions=["erase"])
    def erase_selected(self, request, queryset):
        supporters = list(queryset.filter(erased_at__isnull=True))
        if request.POST.get("post") == "yes" and supporters:
            self._erase(request, supporters)
            return None
        return self._confirmation(request, supporters, action="erase_selected")
