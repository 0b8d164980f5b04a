"""Test servers: the same local stand-ins that `planwatch demo` uses (planwatch/standins.py)."""

from planwatch.standins import HTTPServer, Reply, Request, SlackStandIn, SMTPServer  # noqa: F401


class SilentServer:
    """A TCP listener on 127.0.0.1 that completes the handshake (kernel backlog) but never reads or answers."""

    def __init__(self) -> None:
        import socket

        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._sock.close()


class HoldingSMTPServer(SMTPServer):
    """An SMTPServer that can sit on the reply to DATA: a slow server, for crash tests.

    ``hold_after = N``: once N messages are accepted, the next DATA gets no reply (``held`` is set)
    until ``hold_after`` goes back to None; the held message is then answered 451 — not accepted.
    """

    def __init__(self) -> None:
        import asyncio
        import threading

        super().__init__()
        self.hold_after: int | None = None
        self.held = threading.Event()
        inner = self._controller.handler
        outer = self

        class Holding:
            async def handle_RCPT(self, *args):
                return await inner.handle_RCPT(*args)

            async def handle_DATA(self, server, session, envelope):
                if outer.hold_after is not None and len(outer.messages) >= outer.hold_after:
                    outer.held.set()
                    while outer.hold_after is not None:
                        await asyncio.sleep(0.02)
                    return "451 4.3.0 message was held and is dropped"
                return await inner.handle_DATA(server, session, envelope)

        self._controller.handler = Holding()
