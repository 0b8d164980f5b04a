"""full-text search over articles and facts

SQLite, two FTS5 indexes per table, external content, kept current by triggers:
``<table>_fts`` (porter stemming, every row; made by sqlite-utils ``enable_fts``) for words, and
``<table>_cjk`` (trigram tokenizer, only rows with Chinese characters) so that a Chinese word is found
inside running text; each column is indexed with a trailing newline so that every two-character word
starts a trigram, and ``<table>_cjk_vocab`` lists the trigrams for two-character lookups.
PostgreSQL: a generated ``search_vector`` tsvector column with a GIN index on both tables; Chinese
characters are spaced out first so that a phrase query finds a word inside running text.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None

# (table, title-like column weighted A, body column weighted D)
INDEXED = (("articles", "title", "text"), ("facts", "subject", "sentence"))
CJK = "([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
SQLITE_CJK = "[\u3400-\u9fff\uf900-\ufaff]"  # GLOB class: CJK extension A, unified ideographs, compatibility
MAX_CHARS = 200000  # a tsvector holds at most 1 MB: longer texts are indexed on their first 200,000 characters


def _spaced(column: str) -> str:
    return f"regexp_replace(left(coalesce({column}, ''), {MAX_CHARS}), '{CJK}', ' \\1 ', 'g')"


def _sqlite_upgrade(bind) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(bind.connection.dbapi_connection)
    for table, head, body in INDEXED:
        db[table].enable_fts([head, body], create_triggers=True, tokenize="porter")
        # reindex only when the indexed text changes, not on every status or counter update
        op.execute(f"DROP TRIGGER [{table}_au]")
        op.execute(
            f"CREATE TRIGGER [{table}_au] AFTER UPDATE OF [{head}], [{body}] ON [{table}] BEGIN\n"
            f"  INSERT INTO [{table}_fts] ([{table}_fts], rowid, [{head}], [{body}]) "
            f"VALUES('delete', old.rowid, old.[{head}], old.[{body}]);\n"
            f"  INSERT INTO [{table}_fts] (rowid, [{head}], [{body}]) VALUES (new.rowid, new.[{head}], new.[{body}]);\n"
            f"END"
        )
        cjk = f"{table}_cjk"
        has = "(coalesce({row}.[%s], '') || coalesce({row}.[%s], '')) GLOB '*%s*'" % (head, body, SQLITE_CJK)
        values = "{row}.rowid, coalesce({row}.[%s], '') || char(10), coalesce({row}.[%s], '') || char(10)" % (head, body)
        delete = (f"INSERT INTO [{cjk}] ([{cjk}], rowid, [{head}], [{body}]) "
                  f"SELECT 'delete', {values.format(row='old')} WHERE {has.format(row='old')};")
        insert = (f"INSERT INTO [{cjk}] (rowid, [{head}], [{body}]) "
                  f"SELECT {values.format(row='new')} WHERE {has.format(row='new')};")
        op.execute(f"CREATE VIRTUAL TABLE [{cjk}] USING FTS5 ([{head}], [{body}], tokenize='trigram', "
                   f"content=[{table}])")
        op.execute(f"CREATE VIRTUAL TABLE [{cjk}_vocab] USING fts5vocab([{cjk}], 'row')")
        op.execute(f"INSERT INTO [{cjk}] (rowid, [{head}], [{body}]) SELECT {values.format(row=table)} "
                   f"FROM [{table}] WHERE {has.format(row=table)}")
        op.execute(f"CREATE TRIGGER [{cjk}_ai] AFTER INSERT ON [{table}] BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER [{cjk}_ad] AFTER DELETE ON [{table}] BEGIN {delete} END")
        op.execute(f"CREATE TRIGGER [{cjk}_au] AFTER UPDATE OF [{head}], [{body}] ON [{table}] "
                   f"BEGIN {delete} {insert} END")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_upgrade(bind)
        return
    for table, head, body in INDEXED:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector('english'::regconfig, {_spaced(head)}), 'A') || "
            f"setweight(to_tsvector('english'::regconfig, {_spaced(body)}), 'D')) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        import sqlite_utils

        db = sqlite_utils.Database(bind.connection.dbapi_connection)
        for table, _, _ in INDEXED:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS [{table}_cjk_{suffix}]")
            op.execute(f"DROP TABLE IF EXISTS [{table}_cjk_vocab]")
            op.execute(f"DROP TABLE IF EXISTS [{table}_cjk]")
            db[table].disable_fts()
        return
    for table, _, _ in INDEXED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
