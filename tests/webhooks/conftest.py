"""Hooks and a real receiver: an http.server on 127.0.0.1 in a thread that
answers from a script of statuses and keeps what it was sent."""

import http.server
import threading
from dataclasses import dataclass, field

import pytest

from campaign.models import Webhook
from campaign.services.webhooks import webhooks_changed

SECRET = "s3cret-for-tests"


def hook_create(url="http://127.0.0.1:9/hook", events=(), active=True) -> Webhook:
    hook = Webhook.objects.create(url=url, secret=SECRET, events=list(events), active=active)
    webhooks_changed()
    return hook


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int


@dataclass
class Receiver:
    url: str
    statuses: list[int]
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver():
    """Answers 200 unless the test puts statuses in `receiver.statuses`
    (consumed one per request)."""
    state = Receiver(url="", statuses=[])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.statuses.pop(0) if state.statuses else 200
            state.received.append(Received(self.path, dict(self.headers), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
