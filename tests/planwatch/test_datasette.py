"""The SQLite store opened in Datasette with planwatch's metadata: tables named, search enabled, canned queries run."""

import asyncio
from pathlib import Path

import pytest
import yaml

from extract.errors import ConfigError
from planwatch import cli
from planwatch.datasette import METADATA, load_metadata
from test_export import store_sample

datasette_app = pytest.importorskip("datasette.app")


async def _get(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


def test_datasette_loads_the_metadata_and_runs_every_canned_query(sqlite_url):
    store_sample(sqlite_url)
    db = Path(sqlite_url.split("///", 1)[1])
    metadata = load_metadata(db.stem)
    ds = datasette_app.Datasette([str(db)], metadata=metadata)

    async def run():
        await ds.invoke_startup()
        queries = metadata["databases"][db.stem]["queries"]
        assert set(queries) == {"facts_by_technology", "most_corroborated", "revisions",
                                "articles_with_chinese_word", "facts_with_chinese_word"}
        by_tech = await _get(ds, f"/{db.stem}/facts_by_technology.json?technology=computing&_shape=array")
        assert [r["phrase"] for r in by_tech] == ["超过300 EFLOPS"]
        top = await _get(ds, f"/{db.stem}/most_corroborated.json?_shape=array")
        assert top[0]["source_count"] == 2 and set(top[0]["outlets"].split(",")) == {"cnn.example", "scmp.example"}
        revisions = await _get(ds, f"/{db.stem}/revisions.json?_shape=array")
        assert [(r["earlier_figure"], r["revised_figure"]) for r in revisions] == [
            ("more than 10 trillion yuan", "12 trillion yuan")]
        facts = await _get(ds, f"/{db.stem}/facts.json?_search=budgets&_shape=array")
        assert [f["phrase"] for f in facts] == ["10%"]
        articles = await _get(ds, f"/{db.stem}/articles.json?_search=trillion&_shape=array")
        assert {a["canonical_url"] for a in articles} == {"https://cnn.example/a", "https://scmp.example/b",
                                                         "https://ft.example/d"}
        # a two-character Chinese word inside running text, which the search box cannot find
        zh_articles = await _get(ds, f"/{db.stem}/articles_with_chinese_word.json?word=算力&_shape=array")
        assert [a["canonical_url"] for a in zh_articles] == ["https://xinhua.example/c"]
        assert "全国算力总规模" in zh_articles[0]["context"]
        zh_facts = await _get(ds, f"/{db.stem}/facts_with_chinese_word.json?word=算力总规模&_shape=array")
        assert [f["phrase"] for f in zh_facts] == ["超过300 EFLOPS"]
        assert await _get(ds, f"/{db.stem}/facts_with_chinese_word.json?word=量子&_shape=array") == []
        table = await _get(ds, f"/{db.stem}/facts.json?_size=1")
        assert table["human_description_en"] and ds.table_metadata(db.stem, "facts")["title"] == "Facts"
        described = ds.table_metadata(db.stem, "facts")["columns"]
        assert "source_count" in described

    asyncio.run(run())


def test_metadata_naming_a_missing_column_is_refused(tmp_path):
    data = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    data["tables"]["facts"]["columns"]["colour"] = "no such column"
    bad = tmp_path / "datasette.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="tables.facts.columns.colour"):
        load_metadata("planwatch", bad)


def test_datasette_command_writes_metadata_beside_the_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    monkeypatch.delenv("PLANWATCH_DATABASE_URL", raising=False)
    assert cli.main(["datasette", "--write-only"]) == 0
    written = yaml.safe_load((tmp_path / "metadata.yaml").read_text(encoding="utf-8"))
    assert written["databases"]["planwatch"]["tables"]["articles"]["fts_table"] == "articles_fts"
    assert "datasette serve" in capsys.readouterr().out
