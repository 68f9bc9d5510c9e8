"""The Arrow tables build workers hand back hold what the extractor's rows say."""
from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa

from etl import warehouse
from etl.articles import read_article
from etl.build import _EXTRACTED_FACT_ARROW, Chunk, _table, load_chunk
from etl.extract import extract

ARTICLES = sorted((Path(__file__).parent.parent / "data" / "articles").glob("*.txt"))


def _rows(items: list, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([item.to_dict() for item in items], schema=schema)


def test_tables_hold_every_field_of_every_fact_and_figure():
    results = [extract(read_article(path)) for path in ARTICLES]
    facts = [f for r in results for f in r.facts]
    figures = [u for r in results for u in r.unclassified]
    assert facts and figures
    # Nulls in every nullable column, and a value that only a double holds exactly.
    facts.append(replace(facts[0], value=None, area=None, counterpart=None, year=None, period_start=None,
                         period_end=None, yoy_pct=None, value_note=None, original_value=0.1 + 0.2))
    assert _table(facts, _EXTRACTED_FACT_ARROW).equals(_rows(facts, _EXTRACTED_FACT_ARROW))
    assert _table(figures, warehouse.FIGURE_ARROW).equals(_rows(figures, warehouse.FIGURE_ARROW))


def test_a_workers_facts_carry_the_figure_as_the_article_writes_it():
    chunk = load_chunk([str(path) for path in ARTICLES[:3]], date.today())
    texts = dict(zip(chunk.articles["id"].to_pylist(), chunk.articles["text"].to_pylist()))
    facts = chunk.facts.to_pylist()
    assert facts and chunk.facts.schema == warehouse.FACT_ARROW
    assert [f["figure_text"] for f in facts] == [texts[f["article"]][f["char_start"]:f["char_end"]] for f in facts]
    assert all(any(c.isdigit() for c in f["figure_text"]) for f in facts)


def test_no_rows_make_an_empty_table_of_the_same_types():
    for schema in (warehouse.FACT_ARROW, warehouse.FIGURE_ARROW):
        table = _table([], schema)
        assert table.num_rows == 0 and table.schema == schema


def test_a_chunk_comes_back_from_a_worker_as_it_left(tmp_path):
    chunk = load_chunk([str(path) for path in ARTICLES[:3]] + [str(tmp_path / "missing.txt")], date.today())
    assert chunk.facts.num_rows and chunk.figures.num_rows
    back = pickle.loads(pickle.dumps(chunk))
    assert back.outcomes == chunk.outcomes
    for name in ("articles", "facts", "figures"):
        assert getattr(back, name).equals(getattr(chunk, name))
        assert getattr(back, name).schema == getattr(chunk, name).schema
    # A chunk of unreadable files has no tables; a table with no rows keeps its types.
    empty = Chunk(chunk.outcomes[-1:], facts=_table([], warehouse.FACT_ARROW))
    back = pickle.loads(pickle.dumps(empty))
    assert back.articles is None and back.figures is None
    assert back.facts.num_rows == 0 and back.facts.schema == warehouse.FACT_ARROW
