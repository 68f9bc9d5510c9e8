"""Hostile article text is data: stored verbatim, never executed, and the build still succeeds.

Every value reaches DuckDB through Arrow tables or bound parameters, so SQL
fragments in article text, file names (which become article ids) or
corrections cannot change a statement.
"""
from __future__ import annotations


import pytest

from _helpers_faults import GOOD_ARTICLES, last_build, served
from etl import corrections
from etl.__main__ import main

SQL = "'); DROP TABLE facts; --"
HOSTILE_TEXT = (
    " date 2023-08-01\n"
    "Jing'an District set up 64 new foreign-invested enterprises in July <script>alert('x')</script>, "
    f"officials said {SQL} and more.\n\n"
    "Details at [the portal](javascript:alert(document.cookie)) and <img src=x onerror=\"fetch('/steal')\">. "
    "Robert'); DELETE FROM articles WHERE ('1'='1 was quoted; \"; UPDATE builds SET facts = 0; --\n\n"
    "Unicode tricks: \u202eevil\u202c, zero\u200bwidth, NUL-free 'quotes' \"double\" `back` \\ backslash $1 %s {0}.\n"
)


def test_script_javascript_and_sql_in_article_text_are_stored_verbatim(corpus, tmp_path, capsys):
    (corpus / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    db = tmp_path / "data" / "warehouse.duckdb"
    assert main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "succeeded;" in out and "skipped" not in err

    con = served(db)
    stored, = con.execute("SELECT text FROM articles WHERE id = 'hostile'").fetchall()[0]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    facts = con.execute("SELECT indicator, value, sentence, char_start, char_end FROM facts "
                        "WHERE article = 'hostile'").fetchall()
    con.close()
    assert stored == HOSTILE_TEXT[len(" date 2023-08-01"):]  # byte for byte, nothing escaped or stripped
    assert {"facts", "articles", "builds", "corrections"} <= tables
    assert articles == len(GOOD_ARTICLES) + 1
    assert last_build(db)["facts"] > 0
    indicator, value, sentence, start, end = facts[0]
    assert (indicator, value) == ("fie_new_count", 64.0)
    assert "<script>alert('x')</script>" in sentence and SQL in sentence
    assert stored[start:end] == "64"


@pytest.mark.parametrize("name", ["x'); DROP TABLE facts; --", "quote'in\"name", "semi;colon -- dash"])
def test_hostile_file_names_become_article_ids_verbatim(corpus, tmp_path, capsys, name):
    (corpus / f"{name}.txt").write_text(
        " date 2023-08-01\nFengxian District set up 19 new foreign-invested enterprises in July.\n", encoding="utf-8")
    db = tmp_path / "data" / "warehouse.duckdb"
    assert main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"]) == 0
    capsys.readouterr()
    con = served(db)
    ids = {r[0] for r in con.execute("SELECT id FROM articles").fetchall()}
    facts = con.execute("SELECT value FROM facts WHERE article = ?", [name]).fetchall()
    con.close()
    assert name in ids and len(ids) == len(GOOD_ARTICLES) + 1
    assert facts == [(19.0,)]


def test_hostile_correction_text_is_stored_verbatim_and_applied(corpus, tmp_path, capsys):
    db = tmp_path / "data" / "warehouse.duckdb"
    assert main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"]) == 0
    con = served(db)
    fact_id, = con.execute("SELECT fact_id FROM facts WHERE indicator = 'fie_new_count'").fetchall()[0]
    con.close()
    reason = f"<script>alert(1)</script> {SQL} javascript:void(0)"
    corrections.append(corpus.parent / "corrections.jsonl",
                       corrections.make(fact_id, "update", reason, "O'Brien\"; --", {"value": 1}))
    assert main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"]) == 0
    capsys.readouterr()
    con = served(db)
    row = con.execute("SELECT reason, author, status FROM corrections").fetchall()
    current = con.execute("SELECT value, correction_reason FROM facts_current WHERE fact_id = ?", [fact_id]).fetchall()
    n_facts = con.execute("SELECT count(*) FROM facts").fetchall()[0][0]
    con.close()
    assert row == [(reason, "O'Brien\"; --", "applied")]
    assert current == [(1.0, reason)] and n_facts > 0
