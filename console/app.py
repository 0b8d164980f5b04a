"""The console's routes: HTML pages for people, the same data as JSON under /api for scripts.

Nothing happens at import time: the store is opened (and migrated) on the first request.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import charts
from console.auth import Reader, Writer
from store import console as queries
from store.console import FactFilter

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")
PLANWATCH_DAGS = ("planwatch_ingest", "planwatch_alerts", "planwatch_digest")


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _marked(sentence: str, phrase: str) -> Markup:
    """The sentence with the figure as written in <mark>, everything escaped."""
    at = sentence.find(phrase) if phrase else -1
    if at < 0:
        return escape(sentence)
    return escape(sentence[:at]) + Markup("<mark>") + escape(phrase) + Markup("</mark>") + escape(
        sentence[at + len(phrase):])


def _figure(row) -> str:
    from alerts.render import figure_text

    return figure_text(row)


def _query_with(request: Request, **changes) -> str:
    """This page's query string with ``changes`` applied (for pager and sort links)."""
    from urllib.parse import urlencode

    return "?" + urlencode({**request.query_params, **{k: v for k, v in changes.items()}})


TEMPLATES.env.filters.update(when=_when, figure=_figure)
TEMPLATES.env.globals.update(marked=_marked, query_with=_query_with)


class Store:
    """The planwatch store this app reads, opened and migrated on first use."""

    def __init__(self, database_url: str | None):
        self._url = database_url
        self._ready = False

    def session(self):
        from store import migrate, session_scope

        if self._url is None:
            from planwatch.settings import load

            self._url = load().database_url
        if not self._ready:
            migrate(self._url)
            self._ready = True
        return session_scope(self._url)


def fact_filter(
    technology: str | None = None, plan: str | None = None, language: str | None = None,
    kind: Literal["new", "revised"] | None = None, since: dt.date | None = None, until: dt.date | None = None,
    min_sources: Annotated[int | None, Query(ge=1)] = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0, q: Annotated[str | None, Query(max_length=200)] = None,
) -> FactFilter:
    """The facts filters, from query parameters (the same for the page and the API)."""
    return FactFilter(technology=technology or None, plan=plan or None, language=language or None, kind=kind,
                      since=since, until=until, min_sources=min_sources, q=(q or "").strip() or None,
                      limit=limit, offset=offset)


def create_app(database_url: str | None = None) -> FastAPI:
    """The console app; ``database_url`` defaults to PLANWATCH_DATABASE_URL (read on the first request)."""
    app = FastAPI(title="planwatch console", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    store = Store(database_url)
    _add_errors(app)
    _add_pages(app, store)
    _add_api(app, store)
    return app


def _is_api(request: Request) -> bool:
    root = request.scope.get("root_path", "")
    path = request.url.path[len(root):] if request.url.path.startswith(root) else request.url.path
    return path.startswith("/api/")


def _add_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 401:
            from airflow.api_fastapi.app import get_auth_manager

            return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
        return TEMPLATES.TemplateResponse(request, "error.html", {"status": exc.status_code, "detail": exc.detail},
                                          status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_query(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        detail = "console: bad request: " + "; ".join(problems)
        if _is_api(request):
            return JSONResponse({"detail": detail}, status_code=400)
        return TEMPLATES.TemplateResponse(request, "error.html", {"status": 400, "detail": detail}, status_code=400)


def _page(request: Request, name: str, **context):
    return TEMPLATES.TemplateResponse(request, name, {"base": request.scope.get("root_path", ""), **context})


def _back(request: Request, path: str, note: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"{request.scope.get('root_path', '')}{path}?note={quote(note)}", status_code=303)


def _add_pages(app: FastAPI, store: Store) -> None:
    @app.get("/", include_in_schema=False)
    @app.get("/facts", include_in_schema=False)
    def facts_page(request: Request, flt: Annotated[FactFilter, Depends(fact_filter)], user=Reader):
        with store.session() as session:
            page = queries.list_facts(session, flt)
        return _page(request, "facts.html", page=page, flt=flt, kinds=queries.FACT_KINDS)

    @app.get("/facts/{fact_id}", include_in_schema=False)
    def fact_page(request: Request, fact_id: int, user=Reader):
        with store.session() as session:
            detail = queries.fact_detail(session, fact_id)
        if detail is None:
            raise HTTPException(404, f"console: no fact #{fact_id}")
        return _page(request, "fact.html", detail=detail)

    @app.get("/trends", include_in_schema=False)
    def trends_page(request: Request, bucket: Literal["day", "week"] = "day",
                    days: Annotated[int, Query(ge=7, le=366)] = 30, user=Reader):
        with store.session() as session:
            data = queries.trends(session, bucket=bucket, days=days)
        return _page(request, "trends.html", data=data, bucket=bucket, days=days,
                     facts_chart=charts.line_chart("new facts per technology", data.buckets,
                                                   charts.top_series(data.facts)),
                     mentions_chart=charts.line_chart("technology mentions", data.buckets,
                                                      charts.top_series(data.mentions)))

    @app.get("/feeds", include_in_schema=False)
    def feeds_page(request: Request, sort: Literal[queries.FEED_SORTS] = "health", desc: bool = False,
                   note: str | None = None, user=Reader):
        with store.session() as session:
            feeds = queries.list_feeds(session, sort, desc)
        return _page(request, "feeds.html", feeds=feeds, sort=sort, desc=desc, note=note)

    @app.post("/feeds/poll-now", include_in_schema=False, dependencies=Writer)
    def feeds_poll_now(request: Request, name: Annotated[str | None, Form()] = None):
        names = poll_now(store, None if name is None else [name])
        return _back(request, "/feeds", f"the next ingest run polls {len(names)} feed(s)")

    @app.get("/deliveries", include_in_schema=False)
    def deliveries_page(request: Request, status: Literal[queries.DELIVERY_STATES] | None = None,
                        subscriber: str | None = None, note: str | None = None, user=Reader):
        with store.session() as session:
            board = queries.delivery_board(session, status, subscriber or None)
        return _page(request, "deliveries.html", board=board, status=status, subscriber=subscriber, note=note)

    @app.post("/deliveries/{delivery_id}/retry", include_in_schema=False, dependencies=Writer)
    def delivery_retry(request: Request, delivery_id: int):
        retry(store, delivery_id)
        return _back(request, "/deliveries", f"delivery #{delivery_id} is pending again")

    @app.get("/dag/{dag_id}", include_in_schema=False)
    def dag_tab(request: Request, dag_id: str, user=Reader):
        with store.session() as session:
            feeds = queries.list_feeds(session) if dag_id == "planwatch_ingest" else []
            board = queries.delivery_board(session, limit=20) if dag_id in PLANWATCH_DAGS[1:] else None
        return _page(request, "dag.html", dag_id=dag_id, known=dag_id in PLANWATCH_DAGS, feeds=feeds, board=board)

    @app.get("/static/console.css", include_in_schema=False)
    def stylesheet(user=Reader):
        return FileResponse(HERE / "static" / "console.css", media_type="text/css")


def poll_now(store: Store, names: list[str] | None) -> list[str]:
    from extract.errors import ConfigError
    from store.feeds import poll_now as reset_backoff

    with store.session() as session:
        try:
            return reset_backoff(session, names)
        except ConfigError as exc:
            raise HTTPException(404, f"poll now: {exc}") from None


def retry(store: Store, delivery_id: int) -> None:
    with store.session() as session:
        if not queries.retry_delivery(session, delivery_id):
            raise HTTPException(409, f"console: delivery #{delivery_id} is not a failed delivery")


def _add_api(app: FastAPI, store: Store) -> None:
    @app.get("/api/facts")
    def api_facts(flt: Annotated[FactFilter, Depends(fact_filter)], user=Reader) -> dict:
        """Facts, newest first; the filters of the Facts page as query parameters."""
        with store.session() as session:
            page = queries.list_facts(session, flt)
        return {"facts": [f.as_json() for f in page.facts], "has_more": page.has_more,
                "limit": flt.limit, "offset": flt.offset}

    @app.get("/api/facts/{fact_id}")
    def api_fact(fact_id: int, user=Reader) -> dict:
        """One fact with its sightings and revision history."""
        with store.session() as session:
            detail = queries.fact_detail(session, fact_id)
        if detail is None:
            raise HTTPException(404, f"console: no fact #{fact_id}")
        return detail.as_json()

    @app.get("/api/trends")
    def api_trends(bucket: Literal["day", "week"] = "day", days: Annotated[int, Query(ge=7, le=366)] = 30,
                   user=Reader) -> dict:
        with store.session() as session:
            return queries.trends(session, bucket=bucket, days=days).as_json()

    @app.get("/api/feeds")
    def api_feeds(sort: Literal[queries.FEED_SORTS] = "health", desc: bool = False, user=Reader) -> dict:
        with store.session() as session:
            return {"feeds": [f.as_json() for f in queries.list_feeds(session, sort, desc)]}

    @app.post("/api/feeds/poll-now", dependencies=Writer)
    def api_poll_now(name: Annotated[list[str] | None, Query()] = None) -> dict:
        """Reset the backoff of the named feeds (``?name=A&name=B``), or of every enabled feed without names."""
        return {"poll_next_run": poll_now(store, name)}

    @app.get("/api/deliveries")
    def api_deliveries(status: Literal[queries.DELIVERY_STATES] | None = None, subscriber: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100, user=Reader) -> dict:
        with store.session() as session:
            return queries.delivery_board(session, status, subscriber, limit).as_json()

    @app.post("/api/deliveries/{delivery_id}/retry", dependencies=Writer)
    def api_retry(delivery_id: int) -> dict:
        retry(store, delivery_id)
        return {"id": delivery_id, "status": "pending"}
