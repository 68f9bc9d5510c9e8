"""The big base tables carry no PRIMARY KEY index (see warehouse.UNIQUE_KEYS): a write
checks the same guarantees itself, and fails as a violated constraint did."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa
import pytest

from etl import warehouse


def _record() -> warehouse.BuildRecord:
    now = datetime.now(timezone.utc)
    return warehouse.BuildRecord(build_id=warehouse.new_build_id(now), started_at=now, articles_dir="x",
                                 articles_seen=1, articles_loaded=1, articles_reused=0, skipped=[],
                                 warnings=[], extractor_version="test")


def _article(article_id: str) -> dict:
    return {"id": article_id, "title": "t", "published": None, "year": 2023, "date_status": "unknown",
            "date_inferred": False, "outlet": None, "path": None, "content_hash": article_id,
            "file_size": 1, "file_mtime_ns": 1, "warnings": None, "text": "Pudong 12 firms in 2023."}


def _fact(fact_id: str, article: str) -> dict:
    indicator = next(iter(warehouse.catalog()))
    return {"fact_id": fact_id, "article": article, "indicator": indicator, "value": 12.0, "unit": "count",
            "original_value": 12.0, "original_unit": "count", "geo": "Pudong", "area": None, "counterpart": None,
            "year": 2023, "period_start": None, "period_end": None, "qualifier": "exact", "yoy_pct": None,
            "sentence": "Pudong 12 firms in 2023.", "char_start": 7, "char_end": 9, "value_note": None,
            "figure_text": "12"}


def _write(db, articles, facts):
    def load(con):
        warehouse.insert_rows(con, pa.Table.from_pylist(articles, schema=warehouse.ARTICLE_ARROW),
                              pa.Table.from_pylist(facts, schema=warehouse.FACT_ARROW))
    return warehouse.write_with(db, _record(), load)


def test_a_write_with_unique_keys_is_served(db):
    summary = _write(db, [_article("a1"), _article("a2")], [_fact("f1", "a1"), _fact("f2", "a2")])
    assert summary["facts"] == 2 and warehouse.version(db) == summary["build_id"]


@pytest.mark.parametrize("articles, facts, message", [
    ([_article("a1"), _article("a1")], [], "articles.id: duplicate key 'a1'"),
    ([_article("a1")], [_fact("f1", "a1"), _fact("f1", "a1")], "facts.fact_id: duplicate key 'f1'"),
    ([_article("a1")], [_fact("f1", "nope")], "facts.article: 'nope' is not an article"),
])
def test_a_broken_key_fails_the_write_naming_the_id_and_keeps_the_served_build(db, articles, facts, message):
    served = _write(db, [_article("a0")], [_fact("f0", "a0")])
    with pytest.raises(duckdb.ConstraintException, match=message):
        _write(db, articles, facts)
    assert warehouse.version(db) == served["build_id"]
    assert len(list(warehouse.versions_dir(db).glob("*.duckdb"))) == 1
