"""Poll 1,000 feeds twice against a local server with 100 ms latency per response.

The server runs in its own process (asyncio, so thousands of connections cost
nothing) and listens on 250 loopback addresses, 127.0.0.2 … 127.0.0.251 — four
feeds per site, as a news site has sections — so the per-host limit of 2 is the
realistic one, not a single-host bottleneck. It never listens on all interfaces.

Printed: wall time of a first poll (every feed 200 + parse) and of a second
poll (every feed 304), beside the network bound (feeds × latency ÷ concurrency)
and the parse bound (CPU time of parse_feed — feedparser plus our decoding — on
the same bodies), and peak memory (ru_maxrss of this process).

Targets: first ≤ 1.5 × max(bounds); second ≤ 10 % of first; peak ≤ 400 MB.

    uv run python benchmarks/poll.py [--feeds 1000] [--hosts 250] [--latency 0.1] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing as mp
import random
import resource
import socket
import sys
import time
from email.utils import format_datetime
from pathlib import Path
import datetime as dt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.feeds import parse_feed  # noqa: E402
from extract.http import FetchPolicy  # noqa: E402
from extract.poller import PollTarget, poll, summarize  # noqa: E402

WORDS = (
    "China plan five-year technology artificial intelligence robotics quantum computing chips semiconductors "
    "budget investment yuan trillion billion growth target research development industry clusters aerospace "
    "biomedicine energy policy Beijing congress ministry officials analysts markets exports data security"
).split()
ENTRIES = 20


def feed_body(i: int) -> bytes:
    """A realistic RSS 2.0 feed of 20 items (deterministic per feed)."""
    rng = random.Random(i)
    site = f"www.news-site-{i // 4}.example"
    base = dt.datetime(2026, 3, 5, 12, tzinfo=dt.timezone.utc)
    items = []
    for j in range(ENTRIES):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(7, 13))).capitalize()
        slug = "-".join(title.lower().split()[:6])
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(45, 80)))
        when = format_datetime(base - dt.timedelta(minutes=37 * j + i % 60))
        items.append(
            f"""  <item>
    <title>{title}</title>
    <link>https://{site}/2026/03/05/{slug}-{j}/?utm_source=rss&amp;utm_medium=feed</link>
    <guid isPermaLink="false">{site}-{i}-{j}</guid>
    <pubDate>{when}</pubDate>
    <dc:creator>Staff Reporter {j % 7}</dc:creator>
    <category>Technology</category><category>China</category>
    <description><![CDATA[<p>{text[:1].upper()}{text[1:]}.</p><p><a href="https://{site}/tag/china">More on China</a></p>]]></description>
  </item>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel>\n  <title>News site {i // 4} — section {i % 4}</title>\n  <link>https://{site}/</link>\n"
        f"  <description>Latest stories</description>\n  <language>en</language>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    ).encode("utf-8")


def host_of(i: int) -> str:
    return f"127.0.0.{2 + i // 4}"


# --- server (own process) -------------------------------------------------------------


def _serve(feeds: int, hosts: int, port: int, latency: float, ready: mp.Event) -> None:  # type: ignore[valid-type]
    bodies = [feed_body(i) for i in range(feeds)]
    etags = ['"' + hashlib.sha1(b).hexdigest()[:16] + '"' for b in bodies]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                await asyncio.sleep(latency)
                i = int(path.rsplit("/", 1)[1].split(".")[0])
                if headers.get("if-none-match") == etags[i]:
                    writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etags[i]}\r\nContent-Length: 0\r\n\r\n".encode())
                else:
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nETag: {etags[i]}\r\n"
                        f"Last-Modified: Thu, 05 Mar 2026 12:00:00 GMT\r\nContent-Length: {len(bodies[i])}\r\n\r\n".encode()
                        + bodies[i]
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, f"127.0.0.{2 + h}", port, backlog=1024) for h in range(hosts)]
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return s.getsockname()[1]


# --- client -----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=250)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--per-host", type=int, default=2)
    args = ap.parse_args()
    if args.feeds > 4 * args.hosts or args.hosts > 250:
        ap.error("at most 4 feeds per host and 250 hosts (127.0.0.2-251)")

    port = _free_port()
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    server = ctx.Process(target=_serve, args=(args.feeds, args.hosts, port, args.latency, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(60):
            print("server did not start", file=sys.stderr)
            return 2
        policy = FetchPolicy(allow_private=True, global_limit=args.concurrency, per_host=args.per_host, total_timeout=30)
        targets = [PollTarget(i, f"http://{host_of(i)}:{port}/feeds/{i}.xml") for i in range(args.feeds)]

        t0 = time.perf_counter()
        first = asyncio.run(poll(targets, policy))
        first_wall = time.perf_counter() - t0
        s1 = summarize(first)

        again = [PollTarget(o.feed_id, o.url, o.state) for o in first]
        t0 = time.perf_counter()
        second = asyncio.run(poll(again, policy))
        second_wall = time.perf_counter() - t0
        s2 = summarize(second)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        bodies = [(o.result.content, o.result.content_type, o.result.final_url) for o in first]
        t0 = time.process_time()
        for body, ctype, url in bodies:
            parse_feed(body, url=url, content_type=ctype)
        parse_bound = time.process_time() - t0
    finally:
        server.terminate()
        server.join(5)

    hosts_used = len({host_of(i) for i in range(args.feeds)})
    concurrency = min(args.concurrency, hosts_used * args.per_host)
    network_bound = args.feeds * args.latency / concurrency
    bound = max(network_bound, parse_bound)
    size = sum(len(b) for b, _, _ in bodies) / len(bodies) / 1024

    print(f"feeds: {args.feeds} on {hosts_used} hosts, {ENTRIES} entries each, {size:.1f} KiB per feed; latency {args.latency * 1000:.0f} ms")
    print(f"concurrency: global {args.concurrency}, per host {args.per_host} -> effective {concurrency}")
    print(f"network bound (feeds x latency / concurrency): {network_bound:6.2f} s")
    print(f"parse bound (parse_feed CPU time, all bodies):  {parse_bound:6.2f} s")
    print(f"first poll:  {first_wall:6.2f} s  = {first_wall / bound:.2f} x the larger bound (target <= 1.50)   [{s1}]")
    print(f"second poll: {second_wall:6.2f} s  = {100 * second_wall / first_wall:.1f} % of the first (target <= 10 %)   [{s2}]")
    print(f"peak memory: {peak_mb:6.0f} MB (target <= 400)")
    ok = first_wall <= 1.5 * bound and second_wall <= 0.1 * first_wall and peak_mb <= 400 and s1.ok == args.feeds and s2.not_modified == args.feeds
    print("targets:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
