"""Real local stand-ins for outside services, used by `planwatch demo` and the tests: HTTP and SMTP.

Routes are plain data: a ``Reply`` (status, headers, body, optional delay) or a
callable ``(request) -> Reply`` for replies that depend on the request or on a
counter. A handler may also write to the socket itself (``Reply.stream``) to
model servers that stall or drip bytes.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream: Iterable[bytes] | None = None  # chunks written one by one, no Content-Length
    drop: bool = False  # close the connection without answering (the request was read)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = Reply | Callable[[Request], Reply]


class HTTPServer:
    """A threaded HTTP server on 127.0.0.1 with a route table; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # as web servers do: with Nagle on, a kept-alive connection's headers-then-body writes wait for the
            # client's delayed ACK (~40 ms a reply at 16 pages in flight: 19 ms a page instead of 0.8)
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(req)
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                reply = Reply(404, b"not found") if route is None else (route(req) if callable(route) else route)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.stream is not None:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for chunk in reply.stream:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(data)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            do_GET = do_POST = do_HEAD = do_PUT = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "HTTPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == path]


class SlackStandIn(HTTPServer):
    """Receives Slack incoming-webhook posts at /hook; ``responses`` queues replies (default 200 ok)."""

    def __init__(self) -> None:
        super().__init__()
        self.responses: list[Reply] = []
        self.accepted: list[dict] = []  # posts answered 200, also when the answer came too late or was dropped
        self.routes["/hook"] = self._reply

    def _reply(self, req: Request) -> Reply:
        import json

        reply = self.responses.pop(0) if self.responses else Reply(200, b"ok", {"Content-Type": "text/plain"})
        if reply.status == 200 and req.method == "POST":
            with self._lock:
                self.accepted.append(json.loads(req.body))
        return reply

    @property
    def webhook_url(self) -> str:
        return self.url("/hook")

    @property
    def posts(self) -> list[dict]:
        import json

        return [json.loads(r.body) for r in self.hits("/hook") if r.method == "POST"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; ``codes`` queues replies to DATA (e.g. '451 try later')."""

    def __init__(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.codes: list[str] = []
        self.rcpt_codes: dict[str, str] = {}
        outer = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                code = outer.rcpt_codes.get(address)
                if code:
                    return code
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if outer.codes:
                    return outer.codes.pop(0)
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                outer.messages.append(msg)
                outer.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted"

        self.port = _free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> "SMTPServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
