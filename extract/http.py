"""The one guarded HTTP client planwatch uses for every feed and page fetch.

Guards, in the order a fetch meets them:

* **Scheme** — only ``http`` and ``https``, checked on every hop.
* **Address** — every hop's host is resolved *by us* (``getaddrinfo``, or the
  policy's ``resolver``); if ANY of its addresses is loopback, private,
  link-local, CGNAT, multicast, reserved, unspecified or IPv4-mapped IPv6, the
  hop is refused (unless ``allow_private``, or the address is in
  ``allowed_networks``). The socket is then opened to one of
  those checked IP addresses, never to the host name, so DNS cannot answer
  differently between the check and the connect (no rebinding window). This is
  done in a custom httpcore network backend (``_GuardedBackend``) that every
  connection of the pool goes through; the request still carries the original
  ``Host`` header and TLS still uses the original host name for SNI and
  certificate verification. Environment proxies are ignored (``trust_env`` off),
  because with a proxy the address connected to would be the proxy's.
* **Redirects** — at most ``max_redirects``, followed by hand so that each hop
  passes the scheme and address guards again.
* **Time** — connect timeout, and a total deadline (``asyncio.timeout_at``) over
  the whole fetch: all hops, headers and the streamed body, so a server that
  accepts and stalls, or drips one byte a second, is cut at the deadline. The
  deadline starts when the fetch gets its first connection slot, so time spent
  queueing behind the concurrency limits is not counted against a feed.
* **Size** — the body is read raw and decompressed by us in bounded pieces
  (``zlib`` ``max_length``), counting *decompressed* bytes; past the cap the fetch
  stops, so a gzip bomb never inflates more than one 64 KiB piece past it.
* **TLS** — always verified.
* **Politeness** — a User-Agent naming planwatch and a contact URL; at most
  ``per_host`` concurrent requests per host and ``global_limit`` overall.

Plumbing, for speed at thousands of feeds: one small httpcore pool per origin
(``_PoolPerOrigin``; a single shared pool scans all its connections for every
request), plain asyncio sockets (``extract.netstream``) instead of anyio's, and
the httpx transport used directly (no ``AsyncClient``: no cookie jar, no proxy
lookup, no automatic redirects).

Fetch failures never raise: they come back as ``FetchResult.error`` (a
``FetchError`` whose text starts with ``"fetch: "``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import functools
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from extract.fetch_budget import FetchBudget
from extract.netstream import open_tcp
from extract.urls import redact
from extract.errors import BlockedURL, FetchError, FetchTimeout, HTTPStatusError, ResponseTooLarge, TooManyRedirects

MiB = 1024 * 1024
MAX_RETRY_AFTER = 24 * 3600
_PIECE = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)
_STATUS_TEXT = {
    400: "bad request",
    401: "unauthorized",
    402: "payment required",
    403: "access forbidden",
    404: "not found",
    405: "method not allowed",
    406: "not acceptable",
    408: "request timeout",
    410: "gone",
    429: "too many requests",
    451: "unavailable for legal reasons",
    500: "server error",
    501: "not implemented",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@dataclass(frozen=True)
class FetchPolicy:
    """Settings of the guarded client; the app maps PLANWATCH_* env vars onto it."""

    allow_private: bool = False
    user_agent: str = "planwatch/0.1"
    contact_url: str = "https://planwatch.invalid/contact"
    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    max_feed_bytes: int = 15 * MiB
    max_page_bytes: int = 20 * MiB
    max_redirects: int = 5
    per_host: int = 2
    global_limit: int = 64
    # CIDRs exempt from the address guard even without allow_private (an operator's own feed host)
    allowed_networks: tuple[str, ...] = ()
    # host -> IP addresses; None resolves with getaddrinfo. For tests and benchmarks.
    resolver: Callable[[str], Sequence[str]] | None = field(default=None, compare=False)

    @property
    def user_agent_header(self) -> str:
        return f"{self.user_agent} (+{self.contact_url})"


@dataclass
class FetchResult:
    """What one fetch produced; ``error`` is set instead of raising."""

    url: str
    final_url: str
    status: int | None = None
    content: bytes = b""
    content_type: str | None = None
    encoding: str | None = None  # charset from the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    retry_after_seconds: int | None = None
    permanent_redirect: str | None = None  # where an unbroken 301/308 chain from `url` led
    error: FetchError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304


# --- address guard -----------------------------------------------------------------

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_problem(ip: str) -> str | None:
    """Why connecting to ``ip`` is refused without allow_private, or None if it is public."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return "IPv4-mapped IPv6"
        embedded = addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is None and addr in _NAT64:
            embedded = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_problem(str(embedded))
            if inner:
                return f"embeds {embedded}, {inner}"
    checks = (
        ("unspecified", addr.is_unspecified),
        ("loopback", addr.is_loopback),
        ("link-local", addr.is_link_local),
        ("multicast", addr.is_multicast),
        ("CGNAT shared address space", isinstance(addr, ipaddress.IPv4Address) and addr in _CGNAT),
        ("reserved", addr.is_reserved),
        ("private", addr.is_private),
        ("not globally routable", not addr.is_global),
    )
    return next((name for name, hit in checks if hit), None)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses non-public addresses, connects to the checked IP."""

    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy
        self._allowed = tuple(ipaddress.ip_network(n, strict=False) for n in policy.allowed_networks)

    def _problem(self, ip: str) -> str | None:
        if self._policy.allow_private:
            return None
        problem = address_problem(ip)
        if problem and any(ipaddress.ip_address(ip.split("%", 1)[0]) in net for net in self._allowed):
            return None
        return problem

    async def _resolve(self, host: str, port: int) -> list[str]:
        if self._policy.resolver is not None:
            return list(self._policy.resolver(host))
        try:
            return [str(ipaddress.ip_address(host))]  # a literal address: nothing to resolve
        except ValueError:
            pass
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve host {host} ({exc.strerror})") from exc
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: object = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolve(host, port)
        if not addresses:
            raise FetchError(f"cannot resolve host {host} (no addresses)")
        for ip in addresses:
            problem = self._problem(ip)
            if problem:
                raise BlockedURL(f"blocked address {ip} of host {host} ({problem}); private networks are not allowed "
                                 "(fix: PLANWATCH_ALLOW_PRIVATE_NETWORKS=1, or the range in PLANWATCH_ALLOWED_NETWORKS)")
        last: Exception | None = None
        for ip in addresses:
            try:
                return await open_tcp(ip, port, timeout)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: object = None) -> httpcore.AsyncNetworkStream:
        raise BlockedURL("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _PoolPerOrigin:
    """Routes each request to a small connection pool of its own origin (scheme, host, port).

    One shared httpcore pool scans all its connections for every queued request
    (quadratic at hundreds of hosts); a pool per origin holds at most ``per_host``
    connections. ``close_origin`` drops a host's pool once nothing is queued for it,
    so idle keep-alive sockets do not pile up over thousands of hosts.
    """

    def __init__(self, policy: FetchPolicy, ssl_context: ssl.SSLContext) -> None:
        self._backend = _GuardedBackend(policy)
        self._ssl = ssl_context
        self._size = max(policy.per_host, 1)
        self._pools: dict[tuple[bytes, bytes, int | None], httpcore.AsyncConnectionPool] = {}

    def _pool(self, url: httpcore.URL) -> httpcore.AsyncConnectionPool:
        key = (url.scheme, url.host.lower(), url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl,
                max_connections=self._size,
                max_keepalive_connections=self._size,
                keepalive_expiry=30.0,
                network_backend=self._backend,
            )
        return pool

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def close_origin(self, host: str) -> None:
        name = host.lower().encode("idna") if not host.isascii() else host.lower().encode("ascii")
        closing = [self._pools.pop(k) for k in [k for k in self._pools if k[1] == name]]  # all popped before any await
        for pool in closing:
            await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> "_PoolPerOrigin":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """Verified TLS with the system/certifi roots, built once per process (loading the roots takes ~50 ms)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, its connection pool replaced by guarded per-origin pools."""

    def __init__(self, policy: FetchPolicy) -> None:
        context = _tls_context()
        super().__init__(verify=context, trust_env=False)
        self.pools = _PoolPerOrigin(policy, context)
        self._pool = self.pools  # type: ignore[assignment]  # httpx only calls handle_async_request / aclose / __aenter__ / __aexit__


# --- bounded decompression ------------------------------------------------------------


class _Decoder:
    """Content-Encoding decoder that inflates in pieces of at most 64 KiB."""

    def __init__(self, encoding: str | None) -> None:
        self.name = (encoding or "identity").strip().lower()
        if self.name in ("", "identity"):
            self._wbits = None
        elif self.name in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif self.name == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped; raw deflate is tried if that fails
        else:
            raise FetchError(f"unsupported content-encoding '{encoding}'")
        self._z = zlib.decompressobj(self._wbits) if self._wbits is not None else None
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield data
            return
        while data:
            try:
                out = self._z.decompress(data, _PIECE)
            except zlib.error as exc:
                if self.name == "deflate" and not self._started and self._wbits == zlib.MAX_WBITS:
                    self._wbits = -zlib.MAX_WBITS
                    self._z = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError(f"corrupt {self.name} body ({exc})") from exc
            self._started = True
            if out:
                yield out
            if self._z.eof:
                data = self._z.unused_data
                if data and self.name != "deflate":  # another gzip member
                    self._z = zlib.decompressobj(self._wbits)
                else:
                    return
            else:
                data = self._z.unconsumed_tail

    def flush(self) -> bytes:
        return self._z.flush() if self._z is not None else b""


# --- header helpers -------------------------------------------------------------------


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> int | None:
    """Retry-After in seconds (delta-seconds or HTTP-date), clamped to 0..24 h."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        seconds = int((when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds())
    return max(0, min(seconds, MAX_RETRY_AFTER))


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("'\"") or None
    return None


def status_error(status: int, url: str | None = None) -> HTTPStatusError:
    """The HTTPStatusError for a non-2xx/304 status: 'fetch: access forbidden (403)'."""
    text = _STATUS_TEXT.get(status) or ("server error" if status >= 500 else "client error" if status >= 400 else "unexpected status")
    return HTTPStatusError(f"{text} ({status})", status=status, url=url)


# --- the client --------------------------------------------------------------------------


class GuardedClient:
    """Async HTTP client with all guards; use ``async with GuardedClient(policy) as c``."""

    def __init__(self, policy: FetchPolicy | None = None, budget: FetchBudget | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.budget = budget
        p = self.policy
        # The transport is used directly (no httpx.AsyncClient): no cookie jar, no auth or
        # redirect machinery, no environment proxies — and a third less CPU per request.
        self._transport = _GuardedTransport(p)
        self._timeouts = httpx.Timeout(p.total_timeout, connect=p.connect_timeout).as_dict()
        self._headers = {"User-Agent": p.user_agent_header, "Accept-Encoding": "gzip, deflate"}
        self._global = asyncio.Semaphore(max(p.global_limit, 1))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._queued: dict[str, int] = {}  # hops waiting for or holding a host's slot

    async def __aenter__(self) -> "GuardedClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(max(self.policy.per_host, 1))
        return sem

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` with every guard; conditional when validators are given. Never raises FetchError."""
        result = FetchResult(url=url, final_url=url)
        cap = max_bytes if max_bytes is not None else self.policy.max_feed_bytes
        headers = {"Accept": accept or "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            await self._follow(result, headers, cap)
        except FetchError as exc:
            result.error = exc
        except TimeoutError:
            host = (urlsplit(result.final_url).hostname or "").lower()
            if self.budget is not None and self.budget.spent(host):
                result.error = self.budget.deferred(host)
            else:
                result.error = FetchTimeout(f"no complete answer within the {self.policy.total_timeout:g}s deadline", url=result.final_url)
        except httpx.ConnectTimeout:
            result.error = FetchTimeout(f"connect timeout after {self.policy.connect_timeout:g}s to {_host(result.final_url)}", url=result.final_url)
        except httpx.TimeoutException:
            result.error = FetchTimeout(f"read timeout from {_host(result.final_url)}", url=result.final_url)
        except httpx.ConnectError as exc:
            result.error = FetchError(f"cannot connect to {_host(result.final_url)} ({exc or type(exc).__name__})", url=result.final_url)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            result.error = FetchError(f"{type(exc).__name__} from {_host(result.final_url)}: {exc}", url=result.final_url)
        except Exception as exc:  # noqa: BLE001 — a fetch never raises; an unforeseen failure is this feed's error
            result.error = FetchError(f"unexpected {type(exc).__name__} from {_host(result.final_url)}: {exc}", url=result.final_url)
        if result.error is not None:
            if result.error.url is None:
                result.error.url = result.final_url
            result.content = b""
        return result

    async def _follow(self, result: FetchResult, headers: dict[str, str], cap: int) -> None:
        current, unbroken = result.url, True
        deadline_box: list[float] = []  # the deadline starts once the first hop got its slots: queueing is not counted
        for _hop in range(self.policy.max_redirects + 1):
            result.final_url = current
            parts = urlsplit(current)
            if parts.scheme.lower() not in ("http", "https"):
                raise BlockedURL(f"scheme '{parts.scheme or '(none)'}' not allowed in {current} (only http and https)", url=current)
            if not parts.hostname:
                raise BlockedURL(f"no host in {current}", url=current)
            host = parts.hostname.lower()
            self._queued[host] = self._queued.get(host, 0) + 1
            try:
                redirect = await self._hop(result, current, host, headers, cap, deadline_box)
            finally:
                self._queued[host] -= 1
                if not self._queued[host]:
                    del self._queued[host]
                    self._hosts.pop(host, None)
                    await self._transport.pools.close_origin(host)
            if redirect is None:
                return
            current, unbroken = self._next_hop(result, current, redirect, unbroken)
        raise TooManyRedirects(f"more than {self.policy.max_redirects} redirects from {result.url}", url=current)

    def _next_hop(self, result: FetchResult, current: str, status_location: tuple[int, str], unbroken: bool) -> tuple[str, bool]:
        status, location = status_location
        nxt = urljoin(current, location.strip())
        if unbroken and status in _PERMANENT:
            result.permanent_redirect = nxt
        else:
            unbroken = False
        return nxt, unbroken

    async def _hop(
        self, result: FetchResult, current: str, host: str, headers: dict[str, str], cap: int, deadline_box: list[float]
    ) -> tuple[int, str] | None:
        """One request: returns (status, Location) for a redirect, None when ``result`` is complete."""
        async with self._host_slot(host), self._global:
            loop_now = asyncio.get_running_loop().time()
            if not deadline_box:
                deadline_box.append(loop_now + self.policy.total_timeout)
            stop = deadline_box[0]
            end = self.budget.begin(host) if self.budget is not None else None
            if end is not None:
                stop = min(stop, loop_now + end - time.monotonic())
            async with asyncio.timeout_at(stop):
                request = httpx.Request("GET", current, headers={**self._headers, **headers}, extensions={"timeout": self._timeouts})
                response = await self._transport.handle_async_request(request)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        await _drain(response)
                        return response.status_code, location
                    await self._finish(result, response, cap)
                    return None
                finally:
                    await response.aclose()

    async def _finish(self, result: FetchResult, response: httpx.Response, cap: int) -> None:
        h = response.headers
        result.status = response.status_code
        result.content_type = h.get("content-type")
        result.encoding = _charset(result.content_type)
        result.etag = h.get("etag")
        result.last_modified = h.get("last-modified")
        result.retry_after_seconds = parse_retry_after(h.get("retry-after"))
        if response.status_code == 304:
            await _drain(response)
            return
        if not 200 <= response.status_code < 300:
            await _drain(response)
            raise status_error(response.status_code, result.final_url)
        length = h.get("content-length")
        if length and length.isdigit() and int(length) > cap and not h.get("content-encoding"):
            raise ResponseTooLarge(f"body of {int(length)} bytes passes the {cap}-byte cap", url=result.final_url)
        result.content = await _read_capped(response.aiter_raw(), _Decoder(h.get("content-encoding")), cap, result.final_url)


async def _drain(response: httpx.Response, limit: int = _PIECE) -> None:
    """Read a small unwanted body to its end so the connection can be reused; a large one is dropped with it."""
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen > limit:
            return


async def _read_capped(raw: AsyncIterator[bytes], decoder: _Decoder, cap: int, url: str) -> bytes:
    """Decompress the raw stream in pieces, stopping as soon as the total passes ``cap``."""
    parts: list[bytes] = []
    total = 0
    async for chunk in raw:
        for piece in decoder.feed(chunk):
            total += len(piece)
            if total > cap:
                raise ResponseTooLarge(f"body passed the {cap}-byte cap (decompressed)", url=url)
            parts.append(piece)
    tail = decoder.flush()
    if total + len(tail) > cap:
        raise ResponseTooLarge(f"body passed the {cap}-byte cap (decompressed)", url=url)
    parts.append(tail)
    return b"".join(parts)


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.rsplit("@", 1)[-1] or redact(url)
    except ValueError:
        return redact(url)


def fetch_sync(url: str, policy: FetchPolicy | None = None, **kwargs: object) -> FetchResult:
    """Fetch one URL from synchronous code (runs its own event loop)."""

    async def run() -> FetchResult:
        async with GuardedClient(policy) as client:
            return await client.fetch(url, **kwargs)  # type: ignore[arg-type]

    return asyncio.run(run())
