"""The console inside Airflow's API server: JSON on a store filled by the real pipeline, behind Airflow's auth."""

import httpx
from sqlalchemy import select, update

from store import session_scope
from store.models import Delivery, Feed

TEN_TRILLION = "more than 10 trillion yuan ($1.45 trillion)"


def test_the_plugin_loads_in_the_api_server(as_user):
    admin = as_user("admin")
    assert admin.get("/api/v2/plugins/importErrors").json()["import_errors"] == []
    plugins = {p["name"]: p for p in admin.get("/api/v2/plugins").json()["plugins"]}
    plugin = plugins["planwatch"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/planwatch"]
    views = {v["destination"]: v for v in plugin["external_views"]}
    assert views["nav"]["href"] == "/planwatch/facts" and views["nav"]["url_route"] == "planwatch"
    assert "{DAG_ID}" in views["dag"]["href"]


def test_without_a_login_scripts_get_401_and_browsers_the_login_page(api_server):
    for path in ("/planwatch/api/facts", "/planwatch/api/facts/1", "/planwatch/api/feeds", "/planwatch/api/deliveries",
                 "/planwatch/api/trends"):
        assert httpx.get(api_server.url + path).status_code == 401, path
    assert httpx.post(api_server.url + "/planwatch/api/feeds/poll-now").status_code == 401
    bad = httpx.get(api_server.url + "/planwatch/api/facts", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code in (401, 403)
    for path in ("/planwatch/facts", "/planwatch/feeds", "/planwatch/static/console.css"):
        page = httpx.get(api_server.url + path, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"].startswith("/auth/login?next=")
        assert "planwatch" in page.headers["location"]


def test_facts_of_the_sample_bundle_with_filters(as_user):
    viewer = as_user("viewer")
    facts = viewer.get("/planwatch/api/facts", params={"limit": 500}).json()["facts"]
    by_phrase = {f["phrase"]: f for f in facts}
    seed = by_phrase[TEN_TRILLION]
    assert (seed["value"], seed["unit"], seed["year"], seed["kind"]) == (1e13, "CNY", 2030, "new")
    assert "ai" in seed["technologies"] and seed["sources"] == 1
    stamps = [f["first_seen_at"] for f in facts]
    assert stamps == sorted(stamps, reverse=True)

    chips = viewer.get("/planwatch/api/facts", params={"technology": "semiconductors", "limit": 500}).json()["facts"]
    assert chips and all("semiconductors" in f["technologies"] for f in chips)
    assert len(chips) < len(facts)

    # sources count outlets: the syndicated copy is served from the same host, so it is a second sighting
    # of the same fact from the same outlet
    copied = next(f for f in facts if "344 billion yuan" in f["phrase"])
    assert copied["sources"] == 1
    assert len(viewer.get(f"/planwatch/api/facts/{copied['id']}").json()["sightings"]) == 2
    assert viewer.get("/planwatch/api/facts", params={"min_sources": 2}).json()["facts"] == []

    revised = viewer.get("/planwatch/api/facts", params={"kind": "revised"}).json()["facts"]
    assert [f["phrase"] for f in revised] == ["more than 12 trillion yuan ($1.74 trillion)"]
    assert revised[0]["revises_id"] == seed["id"]

    zh = next(f["language"] for f in facts if "万亿" in f["phrase"])
    chinese = viewer.get("/planwatch/api/facts", params={"language": zh}).json()["facts"]
    assert zh.startswith("zh") and chinese and all(f["language"] == zh for f in chinese) and len(chinese) < len(facts)

    searched = viewer.get("/planwatch/api/facts", params={"q": "AI-related industry", "limit": 500}).json()["facts"]
    assert TEN_TRILLION in [f["phrase"] for f in searched] and len(searched) < len(facts)
    assert viewer.get("/planwatch/api/facts", params={"q": "zeppelin"}).json()["facts"] == []

    nothing = viewer.get("/planwatch/api/facts", params={"since": "2099-01-01"}).json()
    assert nothing == {"facts": [], "has_more": False, "limit": 50, "offset": 0}
    first_page = viewer.get("/planwatch/api/facts", params={"limit": 2}).json()
    assert first_page["has_more"] and [f["id"] for f in first_page["facts"]] == [f["id"] for f in facts[:2]]

    bad = viewer.get("/planwatch/api/facts", params={"since": "last tuesday"})
    assert bad.status_code == 400 and "since" in bad.json()["detail"]


def test_a_fact_with_its_sightings_and_revision_history(as_user):
    viewer = as_user("viewer")
    revised = viewer.get("/planwatch/api/facts", params={"kind": "revised"}).json()["facts"][0]
    detail = viewer.get(f"/planwatch/api/facts/{revised['id']}").json()
    assert [h["value"] for h in detail["history"]] == [1e13, 1.2e13]
    sighting = detail["sightings"][0]
    assert sighting["url"].endswith("/revision/revision.html") and sighting["outlet"] == "127.0.0.1"
    assert sighting["phrase"] in sighting["sentence"] and sighting["title"].startswith("China raises")

    facts = viewer.get("/planwatch/api/facts", params={"limit": 500}).json()["facts"]
    fund = next(f for f in facts if "344 billion yuan" in f["phrase"])
    sightings = viewer.get(f"/planwatch/api/facts/{fund['id']}").json()["sightings"]
    assert len(sightings) == 2 and fund["sources"] == 1  # the syndicated copy: two articles, one outlet
    assert viewer.get("/planwatch/api/facts/999999").status_code == 404


def test_feeds_failing_first(as_user):
    feeds = as_user("viewer").get("/planwatch/api/feeds").json()["feeds"]
    assert feeds[0]["name"] == "Broken feed" and feeds[0]["status"] == "failing"
    assert feeds[0]["failures"] >= 1 and "404" in feeds[0]["last_error"] and feeds[0]["next_poll_at"]
    healthy = {f["name"]: f for f in feeds[1:]}
    assert healthy["Sample wire"]["status"] == "ok" and healthy["Sample wire"]["entries"] > 0
    by_name = as_user("viewer").get("/planwatch/api/feeds", params={"sort": "name"}).json()["feeds"]
    assert [f["name"] for f in by_name] == sorted(f["name"] for f in feeds)


def test_deliveries_by_state_and_subscriber(as_user):
    board = as_user("viewer").get("/planwatch/api/deliveries").json()
    assert set(board["by_subscriber"]) == {"everything", "newsroom"}
    total = sum(board["by_state"].values())
    assert total == len(board["deliveries"]) > 0
    assert board["by_state"]["sent"] == sum(s["sent"] for s in board["by_subscriber"].values())
    only = as_user("viewer").get("/planwatch/api/deliveries", params={"subscriber": "newsroom"}).json()["deliveries"]
    assert only and {d["subscriber"] for d in only} == {"newsroom"}


def test_a_viewer_cannot_poll_or_retry_an_operator_can(as_user, sample_store):
    url = sample_store["PLANWATCH_DATABASE_URL"]
    with session_scope(url) as s:
        delivery_id = s.scalar(select(Delivery.id).order_by(Delivery.id).limit(1))
        s.execute(update(Delivery).where(Delivery.id == delivery_id).values(status="failed", attempts=8,
                                                                              last_error="smtp: refused (550)"))
    viewer, operator = as_user("viewer"), as_user("operator")
    assert viewer.post("/planwatch/api/feeds/poll-now", params={"name": "Broken feed"}).status_code == 403
    assert viewer.post(f"/planwatch/api/deliveries/{delivery_id}/retry").status_code == 403
    with session_scope(url) as s:
        assert s.scalar(select(Feed.next_poll_at).where(Feed.name == "Broken feed")) is not None
        assert s.get(Delivery, delivery_id).status == "failed"

    answer = operator.post("/planwatch/api/feeds/poll-now", params={"name": "Broken feed"})
    assert answer.status_code == 200 and answer.json() == {"poll_next_run": ["Broken feed"]}
    with session_scope(url) as s:
        feed = s.scalars(select(Feed).where(Feed.name == "Broken feed")).one()
        assert feed.next_poll_at is None and feed.failures >= 1  # the next poll decides the count
    missing = operator.post("/planwatch/api/feeds/poll-now", params={"name": "No such feed"})
    assert missing.status_code == 404 and "No such feed" in missing.json()["detail"]

    assert operator.post(f"/planwatch/api/deliveries/{delivery_id}/retry").status_code == 200
    with session_scope(url) as s:
        d = s.get(Delivery, delivery_id)
        assert (d.status, d.attempts, d.next_attempt_at) == ("pending", 0, None)
    assert operator.post(f"/planwatch/api/deliveries/{delivery_id}/retry").status_code == 409  # not failed now
    assert as_user("admin").post("/planwatch/api/feeds/poll-now").status_code == 200


def test_pages_render_for_a_logged_in_user(api_server, as_user):
    from conftest import token

    cookies = {"_token": token(api_server, "viewer")}
    with httpx.Client(base_url=api_server.url, cookies=cookies, timeout=30) as browser:
        facts = browser.get("/planwatch/facts")
        assert facts.status_code == 200 and "10 trillion yuan" in facts.text and 'href="/planwatch/facts/' in facts.text
        fact_id = as_user("viewer").get("/planwatch/api/facts", params={"kind": "revised"}).json()["facts"][0]["id"]
        page = browser.get(f"/planwatch/facts/{fact_id}").text
        assert "<mark>more than 12 trillion yuan ($1.74 trillion)</mark>" in page and "Revision history" in page
        assert "<svg" in browser.get("/planwatch/trends").text
        assert "<svg" in browser.get("/planwatch/trends", params={"bucket": "week"}).text
        feeds = browser.get("/planwatch/feeds").text
        assert feeds.index("Broken feed") < feeds.index("Sample wire") and "poll now" in feeds
        assert "By subscriber" in browser.get("/planwatch/deliveries").text
        assert "feeds:" in browser.get("/planwatch/dag/planwatch_ingest").text
        assert browser.get("/planwatch/static/console.css").headers["content-type"].startswith("text/css")
        forged = browser.post("/planwatch/feeds/poll-now", headers={"Origin": "http://evil.example"},
                              follow_redirects=False)
        assert forged.status_code == 403
