"""The full-text index on SQLite and PostgreSQL: kept by the database as the ingest writes, queried in both languages."""

import datetime as dt

import pytest
from sqlalchemy import select

from extract.records import Article, Detection, Figure, Mention
from store import migrate, session_scope
from store.articles import save_article
from store.models import Article as ArticleRow
from store.search import Filters, QueryError, find_fact_ids, fact_ids, parse_query, search_articles, snippet

ZH_TEXT = ("规划纲要提出，“十五五”时期要推动人工智能与经济社会各行业各领域广泛深度融合，发展AI芯片。到2030年，我国人工智能核心产业规模"
           "将超过1万亿元，全国算力总规模超过300 EFLOPS，量子科技取得突破。")
EN_TEXT = ("China will raise its annual budget for science and technology by 10% and expects the AI-related industry "
           "to exceed 10 trillion yuan by 2030, officials said. Quantum computing labs will get new funding.")


def article(url, title, text, *, date=dt.date(2026, 3, 12), language="en", status="ok"):
    return Article(url=url, canonical_url=url, title=title, text=text, date=date, language=language, status=status)


def detection(technologies=("ai",), figures=()):
    return Detection(plans=["15th"], technologies=list(technologies), mentions=[Mention("plan", "15th", "plan", 1)],
                     figures=list(figures))


ZH_FIGURE = Figure(value=3e20, unit="FLOPS", phrase="超过300 EFLOPS", qualifier="more_than", year=2030,
                   subject="全国算力总规模", technologies=("computing",),
                   sentence="到2030年，全国算力总规模超过300 EFLOPS。")
EN_FIGURE = Figure(value=1e13, unit="CNY", phrase="10 trillion yuan", qualifier="more_than", year=2030,
                   subject="AI-related industry", technologies=("ai",),
                   sentence="The AI-related industry will exceed 10 trillion yuan by 2030.")


@pytest.fixture
def store(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        save_article(s, article("https://cnn.example/plan", "China's plan bets on AI", EN_TEXT),
                     detection(("ai", "quantum"), [EN_FIGURE]))
        save_article(s, article("https://xinhua.example/zh", "十五五规划纲要发布", ZH_TEXT, language="zh-CN",
                                date=dt.date(2026, 3, 18)), detection(("ai", "computing"), [ZH_FIGURE]))
        save_article(s, article("https://wire.example/robots", "Robot makers expand", "Factories add robots.",
                                date=dt.date(2026, 2, 1)), detection(("robotics",)))
    return db_url


def urls(hits):
    return [h.url for h in hits]


def test_an_english_query_finds_the_article_with_a_snippet_and_its_facts(store):
    with session_scope(store) as s:
        hits = search_articles(s, "quantum funding")
        assert urls(hits) == ["https://cnn.example/plan"]
        marked = hits[0].snippet.marked("[", "]")
        assert "[Quantum]" in marked and "[funding]" in marked
        assert hits[0].host == "cnn.example" and hits[0].published == dt.date(2026, 3, 12)
        assert len(hits[0].fact_ids) == 1
        assert search_articles(s, "quantum teleportation") == []


@pytest.mark.parametrize("word", ["人工智能", "算力", "核心产业", "量子科技"])
def test_a_chinese_word_is_found_inside_running_text(store, word):
    with session_scope(store) as s:
        hits = search_articles(s, word)
        assert urls(hits) == ["https://xinhua.example/zh"]
        assert f"<mark>{word}</mark>" in hits[0].snippet.marked()


def test_english_words_and_numbers_inside_chinese_text_are_found(store):
    with session_scope(store) as s:
        assert urls(search_articles(s, "EFLOPS", Filters(language="zh"))) == ["https://xinhua.example/zh"]
        assert urls(search_articles(s, "AI芯片")) == ["https://xinhua.example/zh"]
        assert urls(search_articles(s, "AI 核心产业")) == ["https://xinhua.example/zh"]


def test_a_chinese_word_that_is_not_there_finds_nothing(store):
    with session_scope(store) as s:
        assert search_articles(s, "卫星") == [] and search_articles(s, "航天产业") == []


def test_a_short_latin_word_matches_whole_words_only(store):
    with session_scope(store) as s:
        # not "said" in English text; inside Chinese text (发展AI芯片) it is found
        assert sorted(urls(search_articles(s, "AI"))) == ["https://cnn.example/plan", "https://xinhua.example/zh"]
        assert urls(search_articles(s, "AI", Filters(language="en"))) == ["https://cnn.example/plan"]
        assert search_articles(s, "ro") == []


def test_filters_narrow_the_hits(store):
    with session_scope(store) as s:
        both = ["https://xinhua.example/zh", "https://cnn.example/plan"]
        assert sorted(urls(search_articles(s, "2030"))) == sorted(both)
        assert urls(search_articles(s, "2030", Filters(language="zh"))) == [both[0]]
        assert urls(search_articles(s, "2030", Filters(outlet="cnn.example"))) == [both[1]]
        assert urls(search_articles(s, "2030", Filters(since=dt.date(2026, 3, 15)))) == [both[0]]
        assert urls(search_articles(s, "2030", Filters(until=dt.date(2026, 3, 15)))) == [both[1]]
        assert urls(search_articles(s, "2030", Filters(technology="computing"))) == [both[0]]
        assert sorted(urls(search_articles(s, "2030", Filters(plan="15th")))) == sorted(both)
        assert search_articles(s, "2030", Filters(plan="14th")) == []
        assert search_articles(s, "2030", Filters(outlet="nn.example")) == []  # a host suffix is whole labels


def test_a_title_hit_ranks_above_a_body_hit(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        save_article(s, article("https://a.example/body", "Budget news",
                                "Quantum labs, quantum sensors and quantum networks get money; quantum again."), None)
        save_article(s, article("https://b.example/title", "Quantum push", "Labs get money this year."), None)
        save_article(s, article("https://c.example/none", "Other", "Nothing relevant here."), None)
    with session_scope(db_url) as s:
        assert urls(search_articles(s, "quantum")) == ["https://b.example/title", "https://a.example/body"]
        assert urls(search_articles(s, "quantum money")) == ["https://b.example/title", "https://a.example/body"]


def test_a_rerun_indexes_nothing_twice(store):
    with session_scope(store) as s:
        save_article(s, article("https://cnn.example/plan", "China's plan bets on AI", EN_TEXT),
                     detection(("ai", "quantum"), [EN_FIGURE]))
    with session_scope(store) as s:
        assert urls(search_articles(s, "quantum")) == ["https://cnn.example/plan"]
        assert len(find_fact_ids(s, "trillion yuan")) == 1
        if s.get_bind().dialect.name == "sqlite":
            rows = s.connection().exec_driver_sql("SELECT count(*) FROM articles_fts_docsize").scalar()
            assert rows == 3


def test_an_article_updated_in_place_is_reindexed(db_url):
    migrate(db_url)
    url = "https://a.example/retry"
    with session_scope(db_url) as s:
        save_article(s, article(url, "", "", status="error"), None)
    with session_scope(db_url) as s:
        assert search_articles(s, "semiconductor") == []
        save_article(s, article(url, "Chip fund", "A semiconductor fund of 344 billion yuan."), None)  # the retry
    with session_scope(db_url) as s:
        assert urls(search_articles(s, "semiconductor")) == [url]
        s.scalar(select(ArticleRow).where(ArticleRow.canonical_url == url)).text = "A lithography push in 集成电路."
    with session_scope(db_url) as s:
        assert search_articles(s, "semiconductor") == []
        assert urls(search_articles(s, "lithography")) == [url] and urls(search_articles(s, "集成电路")) == [url]


def test_facts_are_searched_by_subject_and_sentence_with_filters(store):
    with session_scope(store) as s:
        zh = find_fact_ids(s, "算力")
        en = fact_ids(s, "trillion")
        assert len(zh) == 1 and len(en) == 1 and zh != en
        assert find_fact_ids(s, "2030", Filters(language="zh")) == zh
        assert find_fact_ids(s, None, Filters(technology="computing")) == zh
        assert find_fact_ids(s, None, Filters(outlet="cnn.example")) == en
        assert find_fact_ids(s, None, Filters(min_sources=2)) == []
        assert find_fact_ids(s, None, Filters(kind="revised")) == []
        assert sorted(find_fact_ids(s, None, Filters(kind="new"))) == sorted(zh + en)


def test_rows_stored_before_the_index_existed_are_indexed_by_the_migration(db_url):
    import sqlalchemy as sa
    from alembic import command

    from store.db import alembic_config

    command.upgrade(alembic_config(db_url), "0001")
    old_columns = ("canonical_url", "url", "host", "title", "text", "status", "plans", "technologies", "fetched_at")
    row = ArticleRow(canonical_url="https://old.example/1", url="https://old.example/1", host="old.example",
                     title="Old story", text="An older text about 量子计算 and photonics.", status="ok", plans=[],
                     technologies=[], fetched_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    with session_scope(db_url) as s:  # only the columns of 0001: the model has columns later migrations add
        old = sa.table("articles", *(sa.column(c, ArticleRow.__table__.c[c].type) for c in old_columns))
        s.execute(old.insert().values({c: getattr(row, c) for c in old_columns}))
    migrate(db_url)
    with session_scope(db_url) as s:
        assert urls(search_articles(s, "photonics")) == ["https://old.example/1"]
        assert urls(search_articles(s, "量子计算")) == ["https://old.example/1"]


def test_bad_queries_and_filters_say_what_is_wrong():
    with pytest.raises(QueryError, match="empty"):
        parse_query('  "" ')
    with pytest.raises(QueryError, match="--kind"):
        Filters(kind="old")
    with pytest.raises(QueryError, match="after"):
        Filters(since=dt.date(2026, 5, 1), until=dt.date(2026, 4, 1))
    assert parse_query('"computing power" 算力 AI') == ["computing power", "算力", "AI"]


def test_query_syntax_in_the_words_is_taken_literally(store):
    with session_scope(store) as s:
        assert search_articles(s, 'quantum" OR "robots') == []
        assert urls(search_articles(s, "NEAR(quantum")) == []


def test_snippet_is_a_window_around_the_first_hit():
    text = "word " * 100 + "the quantum budget " + "tail " * 100
    snip = snippet(text, ["quantum"], width=80)
    assert snip.text.startswith("…") and snip.text.endswith("…") and len(snip.text) <= 82
    assert snip.marked("[", "]").count("[quantum]") == 1
