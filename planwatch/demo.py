"""`planwatch demo`: the whole flow on loopback, with no account and no internet.

A local HTTP server serves the bundled sample feeds and pages (planwatch/sample/),
a local SMTP server (aiosmtpd) and a Slack stand-in receive the alerts, and the
messages they received are printed.
"""

from __future__ import annotations

import email.message
import hashlib
import json
import os
import tempfile
from pathlib import Path

from planwatch.standins import HTTPServer, Reply, Request, SlackStandIn, SMTPServer

SAMPLE = Path(__file__).parent / "sample"
_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8"}


def _static(body: bytes, ctype: str):
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": "Thu, 12 Mar 2026 08:00:00 GMT"}

    def reply(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        return Reply(200, body, headers)

    return reply


def mount_sample(server: HTTPServer, root: Path = SAMPLE, prefix: str = "") -> None:
    """Serve every file under ``root`` at ``prefix`` + its relative path, with ``{base}`` set to the server's URL.

    Responses carry an ETag and answer a matching If-None-Match with 304, like a well-behaved feed host.
    """
    base = server.url("").rstrip("/")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in _TYPES:
            rel = "/" + path.relative_to(root).as_posix()
            body = path.read_text(encoding="utf-8").replace("{base}", base).encode("utf-8")
            ctype = "application/atom+xml; charset=utf-8" if path.name.startswith("atom") else _TYPES[path.suffix]
            server.routes[prefix + rel] = _static(body, ctype)


def write_config(folder: Path, feeds: list[tuple[str, str]], subscribers: list[dict]) -> dict[str, str]:
    """Write feeds.yaml and subscribers.yaml into ``folder``; return the PLANWATCH_* variables that point at them."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feeds.yaml").write_text(
        yaml.safe_dump({"feeds": [{"name": n, "url": u, "language": "en"} for n, u in feeds]}, allow_unicode=True))
    (folder / "subscribers.yaml").write_text(yaml.safe_dump(subscribers, allow_unicode=True))
    return {"PLANWATCH_FEEDS": str(folder / "feeds.yaml"), "PLANWATCH_SUBSCRIBERS": str(folder / "subscribers.yaml")}


def connection_env(smtp: SMTPServer, slack: SlackStandIn, slack_conn_id: str = "slack_demo") -> dict[str, str]:
    """Airflow connections, as AIRFLOW_CONN_* variables, for the local SMTP server and Slack stand-in."""
    return {
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port, "login": "", "password": "",
            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "planwatch@localhost", "timeout": 10},
        }),
        f"AIRFLOW_CONN_{slack_conn_id.upper()}": json.dumps({"conn_type": "slackwebhook", "password": slack.webhook_url}),
    }


def _text_part(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def run_demo() -> int:
    from planwatch import settings
    from planwatch.runner import run_once

    http, smtp, slack = HTTPServer().start(), SMTPServer().start(), SlackStandIn().start()
    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory(prefix="planwatch-demo-") as tmp:
            mount_sample(http)
            env = write_config(
                Path(tmp) / "config",
                [("Sample wire (RSS)", http.url("/rss.xml")), ("Sample tech desk (Atom)", http.url("/atom.xml"))],
                [{"name": "research-desk", "email": "analyst@example.com"},
                 {"name": "newsroom", "slack_connection": "slack_demo", "technologies": ["ai", "semiconductors"]}],
            )
            os.environ.update(env)
            os.environ.update(connection_env(smtp, slack))
            os.environ.update({"PLANWATCH_HOME": tmp, "PLANWATCH_ALLOW_PRIVATE_NETWORKS": "1",
                               "PLANWATCH_DATABASE_URL": f"sqlite:///{tmp}/planwatch.db"})
            os.environ.pop("PLANWATCH_TAXONOMY", None)
            cfg = settings.load()
            print(f"planwatch demo: sample feeds at {http.url('/rss.xml')} and {http.url('/atom.xml')}, "
                  f"SMTP on 127.0.0.1:{smtp.port}, Slack stand-in at {slack.webhook_url}\n")
            run_once(cfg)
            print(f"\n=== the SMTP server received {len(smtp.messages)} email(s) ===")
            for msg in smtp.messages:
                print(f"\nTo: {msg['To']}\nSubject: {msg['Subject']}\n")
                print(_text_part(msg).strip())
            print(f"\n=== the Slack stand-in received {len(slack.posts)} post(s) ===")
            for post in slack.posts:
                print()
                for block in post.get("blocks", []):
                    text = block.get("text", {})
                    if isinstance(text, dict) and text.get("text"):
                        print(text["text"])
                    for element in block.get("elements", []) or []:
                        if isinstance(element, dict) and element.get("text"):
                            print(element["text"])
            print("\n=== half an hour later, a second run: feeds answer 304, nothing is sent twice ===")
            from sqlalchemy import update

            from store import session_scope
            from store.models import Feed

            with session_scope(cfg.database_url) as session:
                session.execute(update(Feed).values(next_poll_at=None))
            before = (len(smtp.messages), len(slack.posts))
            run_once(cfg)
            after = (len(smtp.messages), len(slack.posts))
            print(f"emails {before[0]} → {after[0]}, Slack posts {before[1]} → {after[1]}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        http.stop(), smtp.stop(), slack.stop()
    return 0
