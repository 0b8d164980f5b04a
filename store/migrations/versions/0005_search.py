"""full-text search over articles and facts

SQLite: FTS5 tables ``articles_fts`` (title, text) and ``facts_fts`` (subject, sentence) with the
trigram tokenizer, external content, kept current by triggers (sqlite-utils ``enable_fts``).
PostgreSQL: a generated ``search_vector`` tsvector column with a GIN index on both tables; Chinese
characters are spaced out first so that a phrase query finds a word inside running text.

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op

revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

# (table, title-like column weighted A, body column weighted D)
INDEXED = (("articles", "title", "text"), ("facts", "subject", "sentence"))
CJK = "([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
MAX_CHARS = 200000  # a tsvector holds at most 1 MB: longer texts are indexed on their first 200,000 characters


def _spaced(column: str) -> str:
    return f"regexp_replace(left(coalesce({column}, ''), {MAX_CHARS}), '{CJK}', ' \\1 ', 'g')"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        import sqlite_utils

        db = sqlite_utils.Database(bind.connection.dbapi_connection)
        for table, head, body in INDEXED:
            db[table].enable_fts([head, body], create_triggers=True, tokenize="trigram")
            # reindex only when the indexed text changes, not on every status or counter update
            op.execute(f"DROP TRIGGER [{table}_au]")
            op.execute(
                f"CREATE TRIGGER [{table}_au] AFTER UPDATE OF [{head}], [{body}] ON [{table}] BEGIN\n"
                f"  INSERT INTO [{table}_fts] ([{table}_fts], rowid, [{head}], [{body}]) "
                f"VALUES('delete', old.rowid, old.[{head}], old.[{body}]);\n"
                f"  INSERT INTO [{table}_fts] (rowid, [{head}], [{body}]) VALUES (new.rowid, new.[{head}], new.[{body}]);\n"
                f"END"
            )
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
            db[table].disable_fts()
        return
    for table, _, _ in INDEXED:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
