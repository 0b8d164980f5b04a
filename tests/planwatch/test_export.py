"""`planwatch export`, `facts` and `search` as a user runs them, on SQLite and PostgreSQL: every record read back."""

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import select

from extract.errors import PlanwatchError
from extract.records import Article, Detection, Figure
from planwatch import cli, settings
from planwatch.export import export
from store import migrate, session_scope
from extract.kinds import annotate
from store.articles import save_article
from store.export import iter_records
from store.models import Delivery, Fact, FactSource, Subscriber

AI = Figure(value=1e13, unit="CNY", phrase="more than 10 trillion yuan", qualifier="more_than", year=2030,
            subject="AI-related industry", technologies=("ai",),
            sentence="The AI-related industry will exceed 10 trillion yuan by 2030.")
AI_REVISED = Figure(value=1.2e13, unit="CNY", phrase="12 trillion yuan", qualifier="more_than", year=2030,
                    subject="AI-related industry", technologies=("ai",),
                    sentence="The AI-related industry will exceed 12 trillion yuan by 2030.")
COMPUTE = Figure(value=3e20, unit="FLOPS", phrase="超过300 EFLOPS", qualifier="more_than", year=2030,
                 subject="全国算力总规模", technologies=("computing",), sentence="到2030年，全国算力总规模超过300 EFLOPS。")
BUDGET = Figure(value=10, unit="percent", phrase="10%", subject="annual budget for science and technology",
                technologies=(), sentence="Beijing will raise the annual budget for science and technology by 10%.")


def store_sample(url):
    migrate(url)
    pages = [("https://cnn.example/a", "en", [AI, BUDGET]), ("https://scmp.example/b", "en", [AI]),
             ("https://xinhua.example/c", "zh", [COMPUTE]), ("https://ft.example/d", "en", [AI_REVISED])]
    with session_scope(url) as s:
        for page, lang, figures in pages:
            text = " ".join(f.sentence for f in figures)
            figures = annotate(figures, text, published=dt.date(2026, 3, 12))  # kinds and concepts, as detect() gives
            save_article(s, Article(url=page, canonical_url=page, title=f"story {page}", text=text,
                                    date=dt.date(2026, 3, 12), language=lang),
                         Detection(plans=["15th"], technologies=["ai"], mentions=[], figures=figures))
        sub = Subscriber(name="analyst", email="a@example.org")
        s.add(sub)
        s.flush()
        for fact in s.scalars(select(Fact)):
            s.add(Delivery(subscriber_id=sub.id, fact_id=fact.id, status="sent"))


@pytest.fixture
def cfg(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PLANWATCH_DATABASE_URL", db_url)
    store_sample(db_url)
    return settings.load()


def expected_facts(url):
    with session_scope(url) as s:
        out = {}
        for fact in s.scalars(select(Fact)):
            hosts = sorted(s.scalars(select(FactSource.host).where(FactSource.fact_id == fact.id)))
            out[fact.id] = (fact.subject, fact.phrase, fact.value, hosts)
        return out


def check_facts(records, url):
    expected = expected_facts(url)
    assert len(expected) == 4
    got = {}
    for r in records:
        sources = json.loads(r["sources"]) if isinstance(r["sources"], str) else r["sources"]
        figures = json.loads(r["figures"]) if isinstance(r["figures"], str) else r["figures"]
        assert figures and all(f["unit"] == r["unit"] for f in figures)
        assert {f["url"] for f in figures} == {s["url"] for s in sources}
        got[int(r["id"])] = (r["subject"], r["phrase"], float(r["value"]), sorted(s["host"] for s in sources))
    assert got == expected
    ai = next(r for r in records if r["subject"] == "AI-related industry" and float(r["value"]) == 1e13)
    assert str(ai["source_count"]) == "2"
    revised = next(r for r in records if float(r["value"]) == 1.2e13)
    assert revised["kind"] == "revised" and int(revised["revises_id"]) == int(ai["id"])


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_export_facts_round_trips_every_fact_with_figures_sources_and_subject(cfg, tmp_path, fmt):
    out = tmp_path / f"facts.{fmt}"
    assert export(cfg, "facts", fmt, str(out), progress=False) == 4
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        records = list(csv.DictReader(io.StringIO(text, newline="")))
    elif fmt == "json":
        records = json.loads(text)
    else:
        records = [json.loads(line) for line in text.splitlines()]
    check_facts(records, cfg.database_url)
    assert "全国算力总规模" in text


def test_export_articles_and_deliveries(cfg, tmp_path):
    out = tmp_path / "articles.jsonl"
    assert export(cfg, "articles", "jsonl", str(out), progress=False) == 4
    articles = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {a["canonical_url"] for a in articles} == {"https://cnn.example/a", "https://scmp.example/b",
                                                      "https://xinhua.example/c", "https://ft.example/d"}
    assert all(a["text"] and a["published"] == "2026-03-12" for a in articles)
    out = tmp_path / "deliveries.csv"
    assert export(cfg, "deliveries", "csv", str(out), progress=False) == 4
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert {r["subscriber"] for r in rows} == {"analyst"} and {r["status"] for r in rows} == {"sent"}


def test_export_reads_in_batches_and_misses_nothing(cfg):
    with session_scope(cfg.database_url) as s:
        one_by_one = [r["id"] for r in iter_records(s, "facts", batch=1)]
        at_once = [r["id"] for r in iter_records(s, "facts", batch=1000)]
        articles = [r["id"] for r in iter_records(s, "articles", batch=1)]
    assert one_by_one == at_once == sorted(at_once) and len(at_once) == 4
    assert len(articles) == 4 == len(set(articles))


def test_export_to_a_missing_directory_fails_clearly_and_writes_nothing(cfg, tmp_path):
    with pytest.raises(PlanwatchError, match="no such directory"):
        export(cfg, "facts", "csv", str(tmp_path / "nope" / "facts.csv"), progress=False)
    assert not (tmp_path / "nope").exists()


def test_export_cli_to_stdout(cfg, capsys):
    assert cli.main(["export", "facts", "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    check_facts(records, cfg.database_url)


def test_facts_command_filters_and_formats(cfg, capsys):
    assert cli.main(["facts", "--format", "json", "--min-sources", "2"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert [(f["subject"], f["source_count"]) for f in facts] == [("AI-related industry", 2)]
    assert cli.main(["facts", "--format", "csv", "--kind", "revised"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["phrase"] for r in rows] == ["12 trillion yuan"]
    assert cli.main(["facts", "--format", "json", "--technology", "computing", "--language", "zh"]) == 0
    assert [f["phrase"] for f in json.loads(capsys.readouterr().out)] == ["超过300 EFLOPS"]
    assert cli.main(["facts", "--format", "json", "-q", "算力"]) == 0
    assert [f["phrase"] for f in json.loads(capsys.readouterr().out)] == ["超过300 EFLOPS"]
    assert cli.main(["facts", "--format", "json", "--outlet", "scmp.example"]) == 0
    assert [f["phrase"] for f in json.loads(capsys.readouterr().out)] == ["more than 10 trillion yuan"]
    assert cli.main(["facts"]) == 0
    table = capsys.readouterr().out
    assert "12 trillion yuan" in table and "(revises #" in table and "https://ft.example/d" in table


def test_search_command_json_and_table(cfg, capsys):
    assert cli.main(["search", "算力", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["url"] for h in hits] == ["https://xinhua.example/c"]
    assert "<mark>算力</mark>" in hits[0]["snippet"] and hits[0]["outlet"] == "xinhua.example"
    assert [f["phrase"] for f in hits[0]["facts"]] == ["超过300 EFLOPS"] and hits[0]["published"] == "2026-03-12"
    assert cli.main(["search", "trillion", "--outlet", "ft.example"]) == 0
    table = capsys.readouterr().out
    assert "ft.example, 2026-03-12" in table and "12 trillion yuan" in table and "cnn.example" not in table


def test_bad_filters_are_refused_with_the_fix(cfg, capsys):
    assert cli.main(["search", "chips", "--technology", "quantm"]) == 2
    assert "unknown technology 'quantm'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["facts", "--since", "March"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert cli.main(["search", '""']) == 2
    assert "query is empty" in capsys.readouterr().err


def test_export_to_a_file_shows_progress_on_a_terminal_only(cfg, tmp_path):
    from rich.console import Console

    terminal, pipe = io.StringIO(), io.StringIO()
    export(cfg, "facts", "json", str(tmp_path / "a.json"), console=Console(file=terminal, force_terminal=True))
    export(cfg, "facts", "json", str(tmp_path / "b.json"), console=Console(file=pipe, force_terminal=False))
    assert "export facts" in terminal.getvalue() and "4/4" in terminal.getvalue()
    assert "export facts" not in pipe.getvalue() and "exported 4 facts" in pipe.getvalue()
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads((tmp_path / "b.json").read_text())
