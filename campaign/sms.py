"""Pluggable SMS backends, chosen by settings.SMS_BACKEND.

- console: prints each text to the worker's log (the default: nothing to set up).
- file: one file per text in SMS_FILE_PATH, for a newcomer to open.
- twilio: Twilio's REST API over plain HTTPS (no SDK), with TWILIO_* settings.
- locmem: keeps texts in `outbox` (tests).

Every backend's `send(to=, body=)` returns a provider message id or raises
`campaign.errors.MessageError` (permanent or not).
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from campaign.errors import MessageError

logger = logging.getLogger(__name__)

# Texts sent by the locmem backend, for tests.
outbox: list[dict] = []

TWILIO_API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"


class ConsoleBackend:
    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        # print, not logging: the console backend is for reading in a terminal.
        print(f"--- SMS to {to} ({message_id}) ---\n{body}\n---", flush=True)
        return message_id


class FileBackend:
    def send(self, *, to: str, body: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = f"file-{uuid.uuid4().hex}"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{message_id}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return message_id


class LocmemBackend:
    def send(self, *, to: str, body: str) -> str:
        message_id = f"locmem-{len(outbox) + 1}"
        outbox.append({"to": to, "body": body, "id": message_id})
        return message_id


class TwilioBackend:
    timeout = 15

    def send(self, *, to: str, body: str) -> str:
        url = TWILIO_API.format(sid=urllib.parse.quote(settings.TWILIO_ACCOUNT_SID))
        data = urllib.parse.urlencode({"To": to, "From": settings.TWILIO_FROM, "Body": body})
        credentials = f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}"
        request = urllib.request.Request(
            url,
            data=data.encode(),
            method="POST",
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode("utf-8", "replace")
            # 429 (rate limited) and 5xx are worth retrying; other 4xx (bad
            # number, recipient opted out at the carrier) never succeed later.
            permanent = error.code < 500 and error.code != 429
            raise MessageError(f"Twilio HTTP {error.code}: {detail}", permanent=permanent) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            raise MessageError(f"Twilio unreachable: {error}", permanent=False) from None
        return str(payload.get("sid", ""))


_BACKENDS = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "locmem": LocmemBackend,
    "twilio": TwilioBackend,
}


def get_backend():
    return _BACKENDS[settings.SMS_BACKEND]()


def twilio_signature(*, url: str, params: dict[str, str], auth_token: str) -> str:
    """Twilio's X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted k+v))."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(*, url: str, params: dict[str, str], signature: str) -> bool:
    """False when no auth token is configured: an unsigned webhook is refused."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    expected = twilio_signature(url=url, params=params, auth_token=token)
    return hmac.compare_digest(expected, signature)
