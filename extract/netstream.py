"""A plain-asyncio httpcore network stream: what the guarded client's sockets are.

httpcore's default (anyio) streams wrap every read and write in cancel scopes;
at thousands of feeds per poll that bookkeeping is a large share of the CPU.
This stream does the same job with asyncio streams and ``asyncio.timeout`` and
maps failures onto httpcore's exceptions, which httpx maps onto its own.
"""

from __future__ import annotations

import asyncio
import ssl
import typing

import httpcore
from httpcore._utils import is_socket_readable

_READ_LIMIT = 256 * 1024


class AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream over an asyncio (reader, writer) pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(f"no data within {timeout}s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(f"could not send within {timeout}s") from exc
        except (OSError, ssl.SSLError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname, ssl_handshake_timeout=timeout)
        except TimeoutError as exc:
            self._writer.close()
            raise httpcore.ConnectTimeout(f"TLS handshake took more than {timeout}s") from exc
        except (OSError, ssl.SSLError) as exc:
            self._writer.close()
            raise httpcore.ConnectError(f"TLS with {server_hostname} failed: {exc}") from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            if self._reader.at_eof() or self._reader._buffer:  # type: ignore[attr-defined]
                return True
            return is_socket_readable(self._writer.get_extra_info("socket"))
        names = {"server_addr": "peername", "client_addr": "sockname", "ssl_object": "ssl_object", "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None


async def open_tcp(ip: str, port: int, timeout: float | None) -> AsyncioStream:
    """Connect to an IP address (already checked by the caller), mapping failures to httpcore's."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(ip, port, limit=_READ_LIMIT)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"connect to {ip}:{port} took more than {timeout}s") from exc
    except OSError as exc:
        raise httpcore.ConnectError(f"{exc.strerror or exc} ({ip}:{port})") from exc
    return AsyncioStream(reader, writer)
