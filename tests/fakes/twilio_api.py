"""A stand-in for Twilio's REST API (and for a team's alert webhook) on a local port.

Twilio's servers cannot be reached from here, so this is the one thing faked, at the HTTP
edge: the real twilio client talks HTTP to it and it records what was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    form: dict[str, str]
    json_body: object


@dataclass
class FakeTwilio:
    """What was sent, and the status code the next requests get."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 201


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """Run the fake on a free local port for the duration of the block."""
    state = FakeTwilio(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            is_json = self.headers.get("Content-Type", "").startswith("application/json")
            form = {} if is_json else {k: v[0] for k, v in parse_qs(body).items()}
            state.requests.append(Recorded(self.path, form, json.loads(body) if is_json else None))
            payload = {"sid": "SM" + "f" * 32, "status": "queued"}
            if state.status >= 400:
                payload = {"code": 21211, "message": "refused", "status": state.status}
            encoded = json.dumps(payload).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
