"""A Legistar Web API stand-in: recorded JSON (real field names and shapes, a
Pine County-like board) served by a local HTTP server on 127.0.0.1, so the
import runs its real HTTP client and no test touches the network."""

import copy
import json
import pathlib
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
CLIENT = "pinecounty"
BODY_ID = 138


def _load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text())


class LegistarData:
    """What the server answers; tests change it between runs."""

    def __init__(self):
        self.bodies = _load("bodies")
        self.office_records = _load("office_records_138")
        self.persons = _load("persons")
        self.events = _load("events")
        self.eventitems = _load("eventitems")
        self.votes = _load("votes")
        self.matters = _load("matters")
        # (path, query) of every request, in order.
        self.requests: list[tuple[str, dict[str, str]]] = []

    def event(self, event_id):
        return next(e for e in self.events if e["EventId"] == event_id)

    def answer(self, path: str, query: dict[str, str]):
        """(status, JSON) for a path under /v1/<client>/."""
        parts = path.strip("/").split("/")
        if parts[:2] != ["v1", CLIENT]:
            return 404, {"Message": "Client not found"}
        parts = parts[2:]
        match parts:
            case ["bodies"]:
                return self._page(self.bodies, query)
            case ["bodies", body_id]:
                found = [b for b in self.bodies if str(b["BodyId"]) == body_id]
                return (200, found[0]) if found else (404, {"Message": "No body"})
            case ["bodies", "138", "OfficeRecords"]:
                return self._page(self.office_records, query)
            case ["persons", person_id] if person_id in self.persons:
                return 200, self.persons[person_id]
            case ["matters", matter_id] if matter_id in self.matters:
                return 200, self.matters[matter_id]
            case ["events"]:
                events = self.events
                body = re.search(r"EventBodyId eq (\d+)", query.get("$filter", ""))
                if body:
                    events = [e for e in events if str(e["EventBodyId"]) == body.group(1)]
                return self._page(events, query)
            case ["events", event_id, "eventitems"]:
                return self._page(self.eventitems.get(event_id, []), query)
            case ["eventitems", item_id, "votes"]:
                return self._page(self.votes.get(item_id, []), query)
        return 404, {"Message": "No HTTP resource was found that matches the request URI."}

    @staticmethod
    def _page(rows, query):
        skip = int(query.get("$skip", 0))
        top = int(query.get("$top", 1000))
        return 200, copy.deepcopy(rows[skip : skip + min(top, 1000)])


@pytest.fixture
def legistar(settings):
    """The running stand-in; the client's base URL points at it."""
    data = LegistarData()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            data.requests.append((url.path, query))
            status, body = data.answer(url.path, query)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LEGISTAR_API_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.LEGISTAR_TOKEN = ""
    settings.LEGISTAR_PAGE_SIZE = 3
    settings.TIME_ZONE = "America/Chicago"
    yield data
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def board(db):
    """Pine County's board with its seven districts, set to read Legistar;
    "Dist. 4" is how Legistar names District 4's seat."""
    body = factories.DecisionBodyFactory(
        name="Pine County Board of Commissioners",
        legistar_client=CLIENT,
        legistar_body_id=BODY_ID,
        legistar_config={"seats": {"Dist. 4": "District 4"}},
    )
    for number in range(1, 8):
        factories.DistrictFactory(body=body, number=number, name=f"District {number}")
    return body


@pytest.fixture
def campaign(board):
    return factories.CampaignFactory(
        decision_body=board, slug="parks-alcohol-ordinance", legistar_matter_id=4821
    )
