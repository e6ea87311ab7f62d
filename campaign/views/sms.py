"""The SMS provider's inbound webhook (Twilio's format and signature)."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaign.services.sms_inbound import sms_inbound
from campaign.sms import twilio_signature_valid


def _twiml(reply: str = "") -> HttpResponse:
    body = f"<Message>{escape(reply)}</Message>" if reply else ""
    return HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
        content_type="text/xml",
    )


# The provider posts without a session or CSRF token; its HMAC signature over
# the public URL and the parameters is what proves the request is genuine.
@csrf_exempt
@require_POST
def inbound(request):
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_signature_valid(url=url, params=params, signature=signature):
        return HttpResponseForbidden("Invalid signature.", content_type="text/plain")
    provider_message_id = params.get("MessageSid", "")
    if not provider_message_id:
        # Every text the provider delivers has an id; without one, a replay
        # could not be told apart.
        return HttpResponseBadRequest("MessageSid missing.", content_type="text/plain")
    result = sms_inbound(
        phone=params.get("From", ""),
        body=params.get("Body", ""),
        provider_message_id=provider_message_id,
    )
    return _twiml(result.reply_inline)
