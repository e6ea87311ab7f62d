"""Broadcast pages of the dashboard (coordinators only: they show supporters'
names in the previews). Each view: access check, form, service, redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaign.forms.broadcasts import BroadcastForm, ScheduleForm
from campaign.models import Broadcast, BroadcastStatus, Hearing, Language
from campaign.roles import PERSONAL_DATA_PERMISSION
from campaign.services import broadcasts as service
from campaign.views.dashboard import _campaign, dashboard_access


def _broadcast(campaign, pk) -> Broadcast:
    return get_object_or_404(
        Broadcast.objects.select_related("campaign", "hearing", "created_by"),
        pk=pk,
        campaign=campaign,
    )


def _previews(broadcast: Broadcast) -> list[dict]:
    """The message as a real recipient will read it, in each language: the
    first recipient speaking it (any recipient when none does). Personal
    links are shown, never minted, here."""
    previews = []
    recipients = service.broadcast_recipients(broadcast).select_related("district")
    for language, label in Language.choices:
        supporter = (
            recipients.filter(language=language).order_by("pk").first()
            or recipients.order_by("pk").first()
        )
        source = (
            service.supporter_merge_source(broadcast=broadcast, supporter=supporter, links=False)
            if supporter
            else service.MergeSource()
        )
        subject, body = service.broadcast_render(
            broadcast=broadcast, source=source, language=language
        )
        previews.append(
            {
                "language": language,
                "label": label,
                "supporter": supporter,
                "subject": subject,
                "body": body,
                "fallback": service.broadcast_language(broadcast, language) != language,
            }
        )
    return previews


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def broadcast_list(request, slug):
    campaign = _campaign(slug)
    rows = list(
        Broadcast.objects.filter(campaign=campaign)
        .select_related("created_by")
        .annotate(**service.progress_counts("messages__"))
    )
    for row in rows:
        row.progress = service.progress_from(row)
    return render(
        request, "dashboard/broadcasts/list.html", {"campaign": campaign, "broadcasts": rows}
    )


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_http_methods(["GET", "POST"])
def broadcast_compose(request, slug, pk=None):
    """New (pk None) or edit a draft. "Count recipients" and "Preview"
    re-render the form with the figures; "Save" saves and opens the
    broadcast's page, where it is tested, sent or scheduled."""
    campaign = _campaign(slug)
    broadcast = _broadcast(campaign, pk) if pk else Broadcast(campaign=campaign)
    if broadcast.pk and broadcast.status not in service.PENDING_STATUSES:
        messages.error(request, _("This broadcast was already sent or cancelled."))
        return redirect("dashboard:broadcast", slug=campaign.slug, pk=broadcast.pk)
    audience = previews = None
    if request.method == "POST":
        form = BroadcastForm(request.POST, campaign=campaign)
        if form.is_valid():
            form.fill(broadcast)
            if request.POST.get("step") == "save":
                broadcast.created_by = broadcast.created_by or request.user
                try:
                    service.broadcast_save(broadcast=broadcast)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request, _("Broadcast saved. Check it, then send or schedule it.")
                    )
                    return redirect("dashboard:broadcast", slug=campaign.slug, pk=broadcast.pk)
            audience = service.broadcast_audience(
                campaign=campaign, segment=form.segment(), channel=broadcast.channel
            )
            if request.POST.get("step") == "preview":
                previews = _previews(broadcast)
    else:
        offer = None
        hearing_id = request.GET.get("hearing")
        change = request.GET.get("change")
        if (
            not broadcast.pk
            and hearing_id
            and change in (service.HEARING_NEW, service.HEARING_MOVED)
        ):
            try:
                hearing = get_object_or_404(Hearing, pk=int(hearing_id), campaign=campaign)
            except ValueError:
                raise Http404 from None
            offer = service.broadcast_hearing_offer(hearing=hearing, change=change)
        initial = (
            BroadcastForm.initial_from(broadcast if broadcast.pk else None, offer)
            if broadcast.pk or offer
            else {}
        )
        form = BroadcastForm(initial=initial, campaign=campaign)
    return render(
        request,
        "dashboard/broadcasts/compose.html",
        {
            "campaign": campaign,
            "broadcast": broadcast,
            "form": form,
            "audience": audience,
            "previews": previews,
        },
    )


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_GET
def broadcast_detail(request, slug, pk):
    campaign = _campaign(slug)
    broadcast = _broadcast(campaign, pk)
    pending = broadcast.status in service.PENDING_STATUSES
    context = {
        "campaign": campaign,
        "broadcast": broadcast,
        "progress": service.broadcast_progress(broadcast),
        "pending": pending,
        "cancellable": broadcast.status != BroadcastStatus.CANCELLED,
        "schedule_form": ScheduleForm(
            initial={"send_at": timezone.localtime(broadcast.send_at).strftime("%Y-%m-%dT%H:%M")}
            if broadcast.send_at
            else None
        ),
    }
    if pending:
        context["audience"] = service.broadcast_audience(
            campaign=campaign,
            segment=service.broadcast_segment(broadcast),
            channel=broadcast.channel,
        )
        context["previews"] = _previews(broadcast)
    return render(request, "dashboard/broadcasts/detail.html", context)


@dashboard_access(PERSONAL_DATA_PERMISSION)
@require_POST
def broadcast_act(request, slug, pk, step):
    """send | schedule | cancel | test, then back to the broadcast's page."""
    campaign = _campaign(slug)
    broadcast = _broadcast(campaign, pk)
    try:
        if step == "send":
            written = service.broadcast_queue(broadcast=broadcast)
            if written is None:
                messages.error(request, _("This broadcast was already sent or cancelled."))
            else:
                messages.success(
                    request,
                    ngettext("Sending to %(n)d person.", "Sending to %(n)d people.", written)
                    % {"n": written},
                )
        elif step == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a date and time to send it."))
            elif service.broadcast_schedule(
                broadcast=broadcast, send_at=form.cleaned_data["send_at"]
            ):
                messages.success(
                    request,
                    _("Scheduled for %(when)s.")
                    % {"when": timezone.localtime(broadcast.send_at).strftime("%Y-%m-%d %H:%M")},
                )
        elif step == "cancel":
            service.broadcast_cancel(broadcast=broadcast)
            messages.success(request, _("Broadcast cancelled: nothing more of it will be sent."))
        elif step == "test":
            sent = service.broadcast_send_test(broadcast=broadcast, user=request.user)
            messages.success(
                request,
                ngettext(
                    "A test is on its way to %(email)s.",
                    "%(n)d tests (English and Spanish) are on their way to %(email)s.",
                    len(sent),
                )
                % {"n": len(sent), "email": request.user.email},
            )
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("dashboard:broadcast", slug=campaign.slug, pk=broadcast.pk)
