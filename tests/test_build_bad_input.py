"""Bad input gets a clear one-line reason naming the file, and the rest of the build goes on.

Each test builds a small corpus of good articles plus one bad file through the
CLI (`etl.__main__.main`, in-process for speed; one test runs the real
subprocess), then checks the CLI's words and the `builds` table of the
warehouse it serves.
"""
from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from _helpers_faults import (GOOD_ARTICLES, last_build, run_cli, served, skip_reasons, snapshot,
                             write_articles)
from etl import build as build_module
from etl.__main__ import main


def build_cli(corpus: Path, db: Path, capsys) -> tuple[int, str, str]:
    code = main(["build", "--articles", str(corpus), "--db", str(db), "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def assert_skipped(corpus, db, capsys, name: str, *fragments: str) -> str:
    """Build; the file is skipped with a reason naming it, every good article is loaded."""
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0, err
    reason = skip_reasons(db)[name]
    assert reason.startswith(str(corpus / name) + ": "), reason
    for fragment in fragments:
        assert fragment in reason, reason
    lines = [line for line in err.splitlines() if name in line]
    assert lines == [f"skipped {reason}"], err  # one line, naming the file and the problem
    assert "succeeded with 1 file(s) skipped" in out
    summary = last_build(db)
    assert summary["articles_loaded"] == len(GOOD_ARTICLES)
    assert summary["articles_skipped"] == 1
    assert set(snapshot(db)["articles"]) == set(GOOD_ARTICLES)
    return reason


def test_empty_file_is_skipped_with_reason(corpus, db, capsys):
    (corpus / "blank.txt").write_bytes(b"")
    assert_skipped(corpus, db, capsys, "blank.txt", "empty file")


def test_whitespace_only_file_is_skipped_as_empty(corpus, db, capsys):
    (corpus / "spaces.txt").write_bytes(b" \n\n\t \r\n")
    assert_skipped(corpus, db, capsys, "spaces.txt", "empty file")


def test_binary_file_is_skipped_with_reason(corpus, db, capsys):
    rnd = random.Random(1)
    (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rnd.randbytes(4000))
    assert_skipped(corpus, db, capsys, "photo.txt", "binary file")


def test_binary_file_without_nul_bytes_is_skipped_with_reason(corpus, db, capsys):
    rnd = random.Random(2)
    (corpus / "noise.txt").write_bytes(bytes(rnd.randint(1, 255) for _ in range(4000)))
    assert_skipped(corpus, db, capsys, "noise.txt", "no other text encoding could be detected")


def test_control_characters_are_refused_as_binary(corpus, db, capsys):
    rnd = random.Random(3)
    (corpus / "dump.txt").write_bytes(bytes(rnd.choice(b"\x01\x02\x03\x1b\x7f abc") for _ in range(4000)))
    assert_skipped(corpus, db, capsys, "dump.txt", "binary file", "control characters")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_legacy_encoded_article_is_decoded_and_loaded(corpus, db, capsys, encoding):
    text = (" date 2023-05-10\n上海市商务委员会：今年前四个月新设外资企业1,900家。\n\n"
            "Shanghai set up 1,900 new foreign-invested enterprises in the first four months of this year, "
            "the commerce commission (上海市商务委员会) said.\n")
    (corpus / "zh_legacy.txt").write_bytes(text.encode(encoding))
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    con = served(db)
    stored, = con.execute("SELECT text FROM articles WHERE id = 'zh_legacy'").fetchall()[0]
    facts = con.execute("SELECT indicator, value FROM facts WHERE article = 'zh_legacy'").fetchall()
    con.close()
    assert "上海市商务委员会" in stored and "新设外资企业" in stored
    assert ("fie_new_count", 1900.0) in facts


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_western_legacy_encoded_article_is_decoded_with_its_accents(corpus, db, capsys, encoding):
    text = (" date 2023-06-02\nA caf\u00e9 chain from Lyon and the se\u00f1or's na\u00efve fa\u00e7ade studio "
            "were among 45 new foreign-invested enterprises set up in Xuhui District in May, officials said.\n")
    if encoding == "cp1252":
        text = text.replace("the se", "the \u201cse").replace("'s", "\u2019s\u201d")
    (corpus / "accents.txt").write_bytes(text.encode(encoding))
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    con = served(db)
    stored, = con.execute("SELECT text FROM articles WHERE id = 'accents'").fetchall()[0]
    con.close()
    assert stored == text[len(" date 2023-06-02"):]


def test_utf16_with_byte_order_mark_is_decoded(corpus, db, capsys):
    (corpus / "wide.txt").write_bytes(b"\xff\xfe" + " date 2023-03-03\nJiading District set up 12 new "
                                      "foreign-invested enterprises in February.\n".encode("utf-16-le"))
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    assert "wide" in snapshot(db)["articles"]


def test_oversized_file_is_skipped_without_being_read_into_memory(corpus, db, capsys):
    big = corpus / "huge.txt"
    line = b"Shanghai set up 12 new foreign-invested enterprises, officials said.\n"
    with open(big, "wb") as fh:
        fh.write(line * (50_000_000 // len(line) + 1))
    assert big.stat().st_size > 50_000_000
    tracemalloc.start()
    try:
        reason = assert_skipped(corpus, db, capsys, "huge.txt", "over the 2,000,000-byte limit")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "50,000," in reason  # says how big the file is
    assert peak < 20_000_000, f"peak {peak:,} bytes: the 50 MB file was read"


def test_extremely_long_line_is_skipped_with_reason(corpus, db, capsys):
    (corpus / "one_line.txt").write_text("Shanghai investment " * 10_000, encoding="utf-8")
    assert_skipped(corpus, db, capsys, "one_line.txt", "a line is over 100,000 characters")


def test_file_with_no_english_text_is_skipped_with_reason(corpus, db, capsys):
    (corpus / "numbers_only.txt").write_text("2023 12 45 67 -- 89\n", encoding="utf-8")
    assert_skipped(corpus, db, capsys, "numbers_only.txt", "no English text")


def test_unsupported_file_type_is_not_an_article(corpus, db, capsys):
    (corpus / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "table.csv" not in err
    assert last_build(db)["articles_seen"] == len(GOOD_ARTICLES)


@pytest.mark.parametrize("date_line, warning", [
    (" date 2023-13-45", "date line '2023-13-45' is not a YYYY-MM-DD date; year inferred from text"),
    (" date 23/05/2023", "date line '23/05/2023' is not a YYYY-MM-DD date; year inferred from text"),
    (" date 2999-01-01", "date line 2999-01-01 is outside 1900-2099; year inferred from text"),
])
def test_malformed_date_line_loads_article_with_inferred_year_and_warning(corpus, db, capsys, date_line, warning):
    (corpus / "bad_date.txt").write_text(
        f"{date_line}\nIn 2022, Minhang District set up 140 new foreign-invested enterprises, officials said.\n",
        encoding="utf-8")
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    assert f"warning {corpus / 'bad_date.txt'}: {warning}" in err.splitlines()
    con = served(db)
    row = con.execute("SELECT published, year, date_status, warnings FROM articles WHERE id = 'bad_date'").fetchall()[0]
    fact_years = con.execute("SELECT DISTINCT year FROM facts WHERE article = 'bad_date'").fetchall()
    con.close()
    assert row[:3] == (None, 2022, "inferred") and warning in row[3]
    assert fact_years == [(2022,)]
    assert any(warning in w for w in last_build(db)["warnings"])


def test_future_date_line_loads_article_with_inferred_year_and_warning(corpus, db, capsys):
    (corpus / "future.txt").write_text(
        " date 2098-06-01\nAt the 6th CIIE, Qingpu District signed 30 investment projects, officials said.\n",
        encoding="utf-8")
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    assert f"warning {corpus / 'future.txt'}: date line 2098-06-01 is in the future; year inferred from text" in err
    con = served(db)
    row = con.execute("SELECT published, year, date_status FROM articles WHERE id = 'future'").fetchall()[0]
    con.close()
    assert row == (None, 2023, "inferred")  # the 6th CIIE was held in 2023


def test_duplicate_of_another_article_is_skipped_naming_the_original(corpus, db, capsys):
    original = next(iter(GOOD_ARTICLES))
    (corpus / "zz_copy.txt").write_bytes((corpus / f"{original}.txt").read_bytes())
    reason = assert_skipped(corpus, db, capsys, "zz_copy.txt", f"duplicate of article {original}")
    assert reason == f"{corpus / 'zz_copy.txt'}: duplicate of article {original}"
    # Nothing changed: the served build is kept, and the copy is still reported as skipped.
    served_build = last_build(db)["build_id"]
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "nothing changed" in out, out
    assert err.splitlines() == [f"skipped {reason}"] and last_build(db)["build_id"] == served_build
    # A build with work to do (a new correction) reuses the original and still recognises the copy.
    from etl import corrections
    corrections.append(corpus.parent / "corrections.jsonl",
                       corrections.make("no-such-fact", "reject", "test", "tester"))
    assert_skipped(corpus, db, capsys, "zz_copy.txt", f"duplicate of article {original}")
    assert last_build(db)["articles_reused"] == len(GOOD_ARTICLES)


HOSTILE_PAGE = """<!DOCTYPE html><html><head><title>Investment news | Portal</title>
<script>var tracker = "SCRIPT_SECRET_1"; window.onload = function () { steal("SCRIPT_SECRET_2"); };</script>
<style>.nav { color: red } /* STYLE_TEXT */</style></head>
<body>
<nav><ul><li><a href="/">Home NAV_TEXT</a></li><li><a href="/economy">Economy</a></li>
<li><a href="/sport">Sport</a></li><li><a href="javascript:void(0)">Login</a></li></ul></nav>
<header><div class="menu">Subscribe MENU_TEXT | Newsletter | Contact</div></header>
<aside class="sidebar"><h3>Most read SIDEBAR_TEXT</h3><ul><li><a href="/a">Story one</a></li></ul></aside>
<main><article>
<h1>Songjiang draws foreign manufacturers</h1>
<p>Songjiang District set up 86 new foreign-invested enterprises in the first half of 2023, the district
government said on Tuesday, as manufacturers of robots and medical devices chose the G60 corridor.</p>
<p>Actual use of foreign capital in the district reached 620 million US dollars in the period, officials
told a briefing, adding that most of the money went into advanced manufacturing plants.</p>
<script>document.write("SCRIPT_SECRET_3");</script>
<p>The district plans further promotion events in Europe and Japan later this year to draw more investors
into its industrial parks, according to the commerce bureau.</p>
</article></main>
<footer><p>Copyright FOOTER_TEXT 2023. All rights reserved. <a href="/privacy">Privacy</a></p></footer>
<script src="https://cdn.example.invalid/analytics.js"></script>
</body></html>
"""


def test_html_page_keeps_main_text_without_scripts_or_navigation(corpus, db, capsys):
    (corpus / "songjiang.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 0 and "skipped" not in err, err
    con = served(db)
    stored, = con.execute("SELECT text FROM articles WHERE id = 'songjiang'").fetchall()[0]
    facts = con.execute("SELECT indicator, value, geo FROM facts WHERE article = 'songjiang'").fetchall()
    con.close()
    assert "Songjiang District set up 86 new foreign-invested enterprises" in stored
    assert "620 million US dollars" in stored
    for junk in ("SCRIPT_SECRET", "STYLE_TEXT", "NAV_TEXT", "MENU_TEXT", "FOOTER_TEXT", "document.write",
                 "<script", "<p>", "tracker", "javascript:"):
        assert junk not in stored, junk
    assert ("fie_new_count", 86.0, "Songjiang") in facts


def test_html_page_with_no_main_text_is_skipped_with_reason(corpus, db, capsys):
    (corpus / "empty_page.html").write_text(
        "<html><head><script>var x = 1;</script></head><body><nav><a href='/'>Home</a></nav></body></html>",
        encoding="utf-8")
    assert_skipped(corpus, db, capsys, "empty_page.html", "HTML page has no main text")


def test_file_that_disappears_mid_build_is_skipped_with_reason(corpus, db, capsys, monkeypatch):
    (corpus / "vanishing.txt").write_text(
        " date 2023-04-04\nHongkou District set up 40 new foreign-invested enterprises in March.\n",
        encoding="utf-8")
    listed = build_module.article_files

    def list_then_delete(directory):
        paths = listed(directory)
        (corpus / "vanishing.txt").unlink()  # gone after listing, before reading
        return paths

    monkeypatch.setattr(build_module, "article_files", list_then_delete)
    assert_skipped(corpus, db, capsys, "vanishing.txt", "file disappeared before it could be read")
    assert last_build(db)["articles_seen"] == len(GOOD_ARTICLES) + 1


def extract_failing_on(article_id: str, error: Exception, extract):
    """`extract`, but raising `error` (a stand-in for an extractor bug) on one article."""
    def failing(article):
        if article.id == article_id:
            raise error
        return extract(article)
    return failing


def test_article_the_extractor_fails_on_is_skipped_and_the_build_goes_on(corpus, db, capsys, monkeypatch):
    (corpus / "trips_a_bug.txt").write_text(
        " date 2023-04-04\nYangpu District set up 33 new foreign-invested enterprises in March.\n",
        encoding="utf-8")
    monkeypatch.setattr(build_module, "extract",
                        extract_failing_on("trips_a_bug", KeyError("bıllion"), build_module.extract))
    assert_skipped(corpus, db, capsys, "trips_a_bug.txt", "extraction failed", "KeyError")


def test_build_with_only_bad_files_fails_and_keeps_the_served_warehouse(corpus, db, capsys):
    assert build_cli(corpus, db, capsys)[0] == 0
    before = snapshot(db)
    for name in GOOD_ARTICLES:
        (corpus / f"{name}.txt").write_bytes(b"")
    (corpus / "noise.txt").write_bytes(b"\x00\x01\x02" * 100)
    code, out, err = build_cli(corpus, db, capsys)
    assert code == 1
    assert err.startswith(f"build failed: none of the {len(GOOD_ARTICLES) + 1} article files in {corpus} "
                          "could be loaded")
    assert "empty file" in err and f"the previous warehouse ({before['version']}) is still served" in err
    assert "succeeded" not in out
    assert snapshot(db) == before


def test_build_of_an_empty_directory_fails_without_serving_an_empty_warehouse(tmp_path, db, capsys):
    empty = tmp_path / "data" / "articles"
    empty.mkdir(parents=True)
    code, out, err = build_cli(empty, db, capsys)
    assert code == 1 and "no article files" in err and "no warehouse is served yet" in err
    assert not db.exists()


def test_missing_articles_directory_fails_with_message(tmp_path, db, capsys):
    code, out, err = build_cli(tmp_path / "nowhere", db, capsys)
    assert code == 1 and err.startswith(f"build failed: {tmp_path / 'nowhere'}: articles directory not found")


def test_mixed_corpus_build_exits_zero_names_every_skip_and_records_the_summary(corpus, db):
    """The real CLI in a subprocess: all the bad inputs at once, next to good articles."""
    original = next(iter(GOOD_ARTICLES))
    write_articles(corpus, {
        "empty": b"",
        "binary": b"\x00\x01\x02\x03" * 500,
        "copy": (corpus / f"{original}.txt").read_bytes(),
        "long_line": "word " * 30_000,
        "gb": " date 2023-05-10\n浦东新区 Pudong set up 77 new foreign-invested enterprises in April.\n".encode("gb18030"),
        "undated_bad": " date 2023-02-30\nIn 2021 Baoshan District set up 15 new foreign-invested enterprises.\n",
    })
    result = run_cli("build", "--articles", str(corpus), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "succeeded with 4 file(s) skipped" in result.stdout
    assert "failed" not in result.stdout + result.stderr
    expected = {
        "empty.txt": "empty file",
        "binary.txt": "binary file",
        "copy.txt": f"duplicate of article {original}",
        "long_line.txt": "a line is over 100,000 characters",
    }
    skipped_lines = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped_lines) == 4
    for name, problem in expected.items():
        assert any(line.startswith(f"skipped {corpus / name}: ") and problem in line for line in skipped_lines), name
    assert any("undated_bad.txt: date line '2023-02-30'" in line for line in result.stderr.splitlines())

    summary = last_build(db)
    assert summary["articles_seen"] == len(GOOD_ARTICLES) + 6
    assert summary["articles_loaded"] == len(GOOD_ARTICLES) + 2
    assert summary["articles_skipped"] == 4
    assert {Path(s["file"]).name: s["reason"] for s in summary["skipped"]}.keys() == expected.keys()
    for item in summary["skipped"]:
        assert item["reason"].startswith(item["file"] + ": ")
    assert len(summary["warnings"]) == 1
    assert f"read {summary['articles_seen']} article files" in result.stdout
    assert f"{summary['articles_loaded']} loaded" in result.stdout and "4 skipped" in result.stdout


def test_clean_build_says_succeeded_without_skips(corpus, db):
    result = run_cli("build", "--articles", str(corpus), "--db", str(db), "--quiet")
    assert result.returncode == 0
    assert "succeeded;" in result.stdout and "skipped" not in result.stderr
    summary = last_build(db)
    assert (summary["articles_loaded"], summary["articles_skipped"], summary["skipped"]) == (len(GOOD_ARTICLES), 0, [])


def test_extract_command_names_unreadable_files_and_goes_on(corpus, capsys):
    (corpus / "blank.txt").write_bytes(b"")
    good = corpus / f"{next(iter(GOOD_ARTICLES))}.txt"
    code = main(["extract", str(corpus / "blank.txt"), str(good), "--jsonl"])
    out, err = capsys.readouterr()
    assert code == 0
    assert f"skipped {corpus / 'blank.txt'}: empty file" in err.splitlines()
    assert len(out.splitlines()) == 2 and "1 articles read, 1 skipped" in err


def test_extract_command_survives_an_extractor_bug_on_one_file(corpus, capsys, monkeypatch):
    import etl.__main__ as cli

    monkeypatch.setattr(cli, "extract", extract_failing_on(
        "2024-02-01_pudong_hq", ValueError("day is out of range for month"), cli.extract))
    files = [str(corpus / f"{name}.txt") for name in GOOD_ARTICLES]
    assert main(["extract", *files, "--jsonl"]) == 0
    out, err = capsys.readouterr()
    assert f"skipped {corpus / '2024-02-01_pudong_hq.txt'}: extraction failed (ValueError: day is out of range" in err
    assert "2 articles read, 1 skipped" in err and len(out.splitlines()) == 3
