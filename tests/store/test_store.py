"""The store on SQLite and PostgreSQL: migrations, upserts that make reruns harmless, facts."""

import datetime as dt
import threading

from sqlalchemy import event, func, select

from extract.kinds import annotate
from extract.records import Alt, Article, Detection, FeedEntry, FeedSource, Figure, Mention
from store import migrate, session_scope
from store.articles import save_article
from store.entries import add_entries, pending_entries
from store.feeds import due_feed_ids, sync_feeds
from store.models import Entry, Fact, FactSource, Feed
from store.models import Figure as FigureRow

NOW = dt.datetime(2026, 3, 12, 12, tzinfo=dt.timezone.utc)

AI_INDUSTRY = Figure(value=1e13, unit="CNY", phrase="more than 10 trillion yuan", qualifier="more_than", year=2030,
                     subject="AI-related industry", technologies=("ai",), alt=Alt(1.45e12, "USD"),
                     sentence="Together, the initiatives aim to expand China's AI-related industry to more than 10 "
                              "trillion yuan ($1.45 trillion) in value by the end of 2030.")
BUDGET = Figure(value=10, unit="percent", phrase="10%", subject="annual budget for science and technology",
                sentence="Beijing has committed to a 10% increase in annual budget for science and technology.")


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def article(url, text="text", date=dt.date(2026, 3, 12)):
    return Article(url=url, canonical_url=url, title="t", text=text, date=date, language="en")


def detection(*figures):
    """A detection of ``figures`` with the kinds and concepts detection gives them."""
    figures = annotate(list(figures), " ".join(f.sentence for f in figures))
    return Detection(plans=["15th"], technologies=["ai"], mentions=[Mention("plan", "15th", "Five-Year Plan", 2)],
                     figures=figures)


def test_migrate_twice_is_harmless(db_url):
    migrate(db_url)
    migrate(db_url)
    with session_scope(db_url) as s:
        assert count(s, Feed) == 0


def test_feeds_sync_from_config_and_removed_feeds_are_disabled_not_deleted(db_url):
    migrate(db_url)
    a, b = FeedSource("A", "https://a.example/rss"), FeedSource("B", "https://b.example/rss", "zh", 60)
    with session_scope(db_url) as s:
        sync_feeds(s, [a, b])
        sync_feeds(s, [a, b])
        assert count(s, Feed) == 2
        assert len(due_feed_ids(s, NOW)) == 2
    with session_scope(db_url) as s:
        sync_feeds(s, [a])
        feeds = {f.name: f for f in s.scalars(select(Feed))}
        assert feeds["B"].enabled is False and feeds["A"].enabled is True
        assert due_feed_ids(s, NOW) == [feeds["A"].id]


def test_two_runs_syncing_one_new_feed_at_once_both_succeed(db_url):
    """The other run adds the feed between this run's read of the feeds table and its insert (found by the fault
    trials: one of two `planwatch run` on a fresh store died with "UNIQUE constraint failed: feeds.config_url")."""
    migrate(db_url)
    a = FeedSource("A", "https://a.example/rss")
    with session_scope(db_url) as s:
        engine = s.get_bind()
        fired = []

        def other_run_first(_conn, _cursor, statement, *_rest):
            if statement.lstrip().upper().startswith("INSERT INTO FEEDS") and not fired:
                fired.append(True)
                other = threading.Thread(target=lambda: _sync_alone(db_url, a))
                other.start()
                other.join()

        event.listen(engine, "before_cursor_execute", other_run_first)
        try:
            sync_feeds(s, [a])
        finally:
            event.remove(engine, "before_cursor_execute", other_run_first)
    assert fired
    with session_scope(db_url) as s:
        assert [(f.name, f.enabled) for f in s.scalars(select(Feed))] == [("A", True)]


def _sync_alone(db_url, source):
    with session_scope(db_url) as s:
        sync_feeds(s, [source])


def test_entries_rerun_adds_nothing_and_same_story_in_two_feeds_is_fetched_once(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        sync_feeds(s, [FeedSource("A", "https://a.example/rss"), FeedSource("B", "https://b.example/rss")])
        ids = [f.id for f in s.scalars(select(Feed).order_by(Feed.id))]
        entries = [FeedEntry("g1", "https://n.example/1?utm_source=x", "One"), FeedEntry("g2", None, "No link")]
        canon = {"https://n.example/1?utm_source=x": "https://n.example/1"}
        assert add_entries(s, ids[0], entries, canon) == 2
        assert add_entries(s, ids[0], entries, canon) == 0
        assert add_entries(s, ids[1], [FeedEntry("other-guid", "https://n.example/1?utm_source=x", "One")], canon) == 1
        todo = pending_entries(s, 10)
        assert [e.canonical_url for e in todo] == ["https://n.example/1"]
        skipped = s.scalar(select(Entry).where(Entry.key == "g2"))
        assert skipped.status == "skipped"


def test_first_sighting_is_new_later_ones_corroborate(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        row, changes = save_article(s, article("https://cnn.example/a"), detection(AI_INDUSTRY, BUDGET))
        assert len(changes.new) == 2 and not changes.revisions
        again, changes2 = save_article(s, article("https://cnn.example/a"), detection(AI_INDUSTRY, BUDGET))
        assert again.id == row.id and changes2.new == [] and count(s, FigureRow) == 2
        other = Figure(value=1e13, unit="CNY", phrase="10 trillion yuan", qualifier="more_than", year=2030,
                       subject="the artificial intelligence industry", sentence="...")
        _, changes3 = save_article(s, article("https://scmp.example/b"), detection(other))
        assert changes3.new == [] and len(changes3.corroborated) == 1
        fact = s.get(Fact, changes3.corroborated[0])
        assert fact.source_count == 2 and fact.alt_value == 1.45e12 and fact.subject == "AI-related industry"


def test_same_subject_with_another_value_is_a_revision(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        _, first = save_article(s, article("https://a.example/1"), detection(AI_INDUSTRY))
        revised = Figure(value=1.2e13, unit="CNY", phrase="more than 12 trillion yuan", qualifier="more_than",
                         year=2030, subject="AI-related industry", sentence="...")
        _, changes = save_article(s, article("https://b.example/2"), detection(revised))
        assert changes.new == [] and len(changes.revisions) == 1
        fact = s.get(Fact, changes.revisions[0])
        assert fact.revises_id == first.new[0]


def test_different_subjects_with_the_same_value_stay_apart(db_url):
    migrate(db_url)
    growth = Figure(value=5, unit="percent", phrase="5%", subject="economic growth in 2025", sentence="...")
    jobs = Figure(value=5, unit="percent", phrase="5%", subject="urban unemployment rate", sentence="...")
    with session_scope(db_url) as s:
        _, changes = save_article(s, article("https://a.example/1"), detection(growth, jobs))
        assert len(changes.new) == 2


def test_a_syndicated_copy_corroborates_and_never_creates_a_fact_for_the_same_figure(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        first, _ = save_article(s, article("https://a.example/1"), detection(AI_INDUSTRY))
        reworded = Figure(value=1e13, unit="CNY", phrase="10 trillion yuan", qualifier="more_than", year=2030,
                          subject="value of the sector by the end of the decade", sentence="...")
        copy, changes = save_article(s, article("https://wire.example/x"), detection(reworded), copy_of=first)
        assert copy.duplicate_of_id == first.id
        assert changes.new == [] and len(changes.corroborated) == 1
        assert count(s, Fact) == 1 and count(s, FactSource) == 2


def test_a_follow_up_that_reuses_a_story_still_reports_its_new_figure(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        first, _ = save_article(s, article("https://a.example/1"), detection(AI_INDUSTRY))
        extra = Figure(value=3, unit="percent", phrase="3%", subject="chip output growth", sentence="...")
        _, changes = save_article(s, article("https://wire.example/x"), detection(AI_INDUSTRY, extra), copy_of=first)
        assert len(changes.new) == 1 and len(changes.corroborated) == 1


def test_a_page_without_text_is_stored_with_its_status(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        empty = Article(url="https://a.example/e", canonical_url="https://a.example/e", status="no_text")
        row, changes = save_article(s, empty, None)
        assert row.status == "no_text" and changes.new == []


def test_a_different_measure_of_the_same_thing_is_not_a_revision(db_url):
    migrate(db_url)
    core = Figure(value=1e12, unit="CNY", phrase="超过1万亿元", qualifier="more_than", year=2030,
                  subject="人工智能核心产业规模", sentence="...")
    with session_scope(db_url) as s:
        save_article(s, article("https://a.example/1"), detection(AI_INDUSTRY))
        _, changes = save_article(s, article("https://b.example/zh"), detection(core))
        assert len(changes.new) == 1 and changes.revisions == []


def test_the_same_figure_in_chinese_corroborates_the_english_one(db_url):
    migrate(db_url)
    en = Figure(value=7, unit="percent", phrase="at least 7%", qualifier="at_least",
                subject="annual research and development investment", sentence="...")
    zh = Figure(value=7, unit="percent", phrase="7%以上", qualifier="at_least", subject="研发经费投入年均增长",
                sentence="...")
    with session_scope(db_url) as s:
        save_article(s, article("https://a.example/1"), detection(en))
        _, changes = save_article(s, article("https://b.example/zh"), detection(zh))
        assert changes.new == [] and len(changes.corroborated) == 1


def test_the_migrations_build_exactly_the_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from store.db import engine_for
    from store.models import Base
    from store.search import include_name

    migrate(db_url)
    with engine_for(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
    assert [d for d in diff if d[0] not in ("modify_type",)] == []


def test_dropping_the_unused_band_columns_keeps_the_stored_articles_and_their_search(db_url):
    import sqlalchemy as sa
    from alembic import command

    from store.db import alembic_config, engine_for
    from store.models import Article as ArticleRow
    from store.search import search_articles

    migrate(db_url)
    cfg = alembic_config(db_url)
    command.downgrade(cfg, "0006")
    with engine_for(db_url).begin() as conn:
        assert {"band4", "band7"} <= {c["name"] for c in sa.inspect(conn).get_columns("articles")}
    with session_scope(db_url) as s:
        save_article(s, article("https://a.example/quantum", "Quantum sensors for the grid"), None,
                     fingerprint=42, bands=(1, 2, 3, 4))
    command.upgrade(cfg, "head")
    with engine_for(db_url).begin() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("articles")}
    assert {"band0", "band3"} <= columns and not columns & {"band4", "band5", "band6", "band7"}
    with session_scope(db_url) as s:
        stored = s.scalars(select(ArticleRow)).one()
        assert (stored.fingerprint, stored.band0, stored.band3) == (42, 1, 4)
        save_article(s, article("https://a.example/grid", "Sensors again"), None)
    with session_scope(db_url) as s:
        assert [hit.url for hit in search_articles(s, "quantum")] == ["https://a.example/quantum"]


def test_a_fact_shows_its_sightings_with_offsets_language_and_concept(db_url):
    from extract.detect import detect
    from planwatch.factview import sightings_text

    migrate(db_url)
    en = "China's 15th Five-Year Plan aims to expand the AI-related industry to more than 10 trillion yuan by 2030."
    zh = "“十五五”规划提出，到2030年人工智能相关产业规模超过10万亿元。"
    with session_scope(db_url) as s:
        a, _ = save_article(s, article("https://a.example/en", en), detect(en, published=dt.date(2026, 3, 12)))
        b, changes = save_article(s, Article(url="https://b.example/zh", canonical_url="https://b.example/zh",
                                             title="t", text=zh, date=dt.date(2026, 3, 13), language="zh"),
                                  detect(zh, published=dt.date(2026, 3, 13)))
        assert changes.new == [] and len(changes.corroborated) == 1  # one fact across languages
        fact = s.get(Fact, changes.corroborated[0])
        assert fact.concept_key == "industry_scale+ai" and fact.source_count == 2
        fig = b.figures[0]
        assert zh[fig.start_offset:fig.end_offset] == fig.phrase and fig.language == "zh"
        text = sightings_text(s, fact.id)
        assert "https://a.example/en" in text and "https://b.example/zh" in text and "industry_scale+ai" in text


def test_an_article_cut_at_the_text_cap_is_stored_as_truncated(db_url):
    from store.models import Article as ArticleRow

    migrate(db_url)
    cut = Article(url="https://a.example/long", canonical_url="https://a.example/long", title="t", text="x " * 10,
                  date=dt.date(2026, 3, 12), language="en", truncated=True)
    with session_scope(db_url) as s:
        long_row, _ = save_article(s, cut, None)
        short_row, _ = save_article(s, article("https://a.example/short"), None)
        ids = long_row.id, short_row.id
    with session_scope(db_url) as s:
        assert s.get(ArticleRow, ids[0]).truncated is True and s.get(ArticleRow, ids[1]).truncated is False


def _detected(text: str, date=dt.date(2026, 6, 1)) -> Detection:
    from extract.detect import detect

    return detect("China's 15th Five-Year Plan sets the course. " + text, published=date)


def test_the_same_amount_joins_across_wordings_and_languages_but_not_across_concepts(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        _, first = save_article(s, article("https://a.example/1"), _detected(
            "China's installed capacity of new-type energy storage reached 110 gigawatts at the end of 2025."))
        _, zh = save_article(s, article("https://b.example/2"), _detected("截至2025年底，全国新型储能装机规模达到1.1亿千瓦。"))
        _, other = save_article(s, article("https://c.example/3"), _detected(
            "The country's installed new-type storage capacity reached 110 GW at the end of 2025."))
        assert len(first.new) == 1 and zh.new == [] and other.new == [] and zh.corroborated == first.new
        _, rate = save_article(s, article("https://d.example/4"), _detected(
            "The surveyed urban unemployment rate averaged 5.2% in 2025."))
        _, income = save_article(s, article("https://e.example/5"), _detected(
            "Per capita disposable income grew 5.2% in real terms in 2025."))
        assert len(rate.new) == 1 and len(income.new) == 1 and rate.new != income.new


def test_a_revision_whose_old_value_was_first_worded_otherwise_is_caught(db_url):
    migrate(db_url)
    with session_scope(db_url) as s:
        _, old = save_article(s, article("https://a.example/1"), _detected(
            "The draft aims to raise the number of 5G base stations to 50 per 10,000 people by 2030."))
        _, new = save_article(s, article("https://b.example/2"), _detected(
            "中國下修5G基地台目標 2030年每萬人45座 工業和信息化部表示，將2030年每萬人擁有5G基地台數目標由50座下修為45座。"))
        assert len(old.new) == 1 and new.new == [] and len(new.revisions) == 1
        assert s.get(Fact, new.revisions[0]).revises_id == old.new[0]
