"""Broadcasts in the admin: read only (they are written, sent and cancelled
from the dashboard's broadcast pages, through campaign.services.broadcasts),
and the offer to tell people about a hearing just added or moved."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from campaign.models import Broadcast, Hearing
from campaign.services.broadcasts import HEARING_MOVED, HEARING_NEW


def hearing_broadcast_offer(request, hearing: Hearing) -> None:
    """After hearing_save: a link to the composer, prefilled for this hearing
    (campaign.services.broadcasts.broadcast_hearing_offer), when it is new or
    its time or place changed."""
    change = getattr(hearing, "saved_change", "")
    if change not in (HEARING_NEW, HEARING_MOVED):
        return
    url = reverse("dashboard:broadcast_new", args=[hearing.campaign.slug])
    text = (
        _("Tell the campaign's supporters about this new hearing?")
        if change == HEARING_NEW
        else _("The hearing moved: tell the people who pledged to come?")
    )
    messages.info(
        request,
        format_html(
            '{} <a href="{}?hearing={}&amp;change={}">{}</a>',
            text,
            url,
            hearing.pk,
            change,
            _("Write a broadcast (prefilled)"),
        ),
    )


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ("__str__", "campaign", "channel", "status", "send_at", "queued_at")
    list_filter = ("campaign", "channel", "status")
    list_select_related = ("campaign",)
    search_fields = ("subject", "body")
    readonly_fields = [field.name for field in Broadcast._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
