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
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeTwilio:
    """What was sent, and the status code the next requests get."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 201
    # Files a message carries, by path, as Twilio serves them: (content type, bytes).
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    fetched: list[Recorded] = field(default_factory=list)

    def add_media(self, path: str, content_type: str, data: bytes) -> str:
        """Serve a file at `path`; returns its URL, as a MediaUrlN field gives it."""
        self.media[path] = (content_type, data)
        return self.url + path


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

        def do_GET(self) -> None:
            state.fetched.append(Recorded(self.path, {}, None, dict(self.headers.items())))
            if self.path not in state.media:
                self.send_error(404)
                return
            content_type, data = state.media[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
