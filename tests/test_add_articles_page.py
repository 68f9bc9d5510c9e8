"""Adding articles from the browser: preview first, store on confirm, refuse bad files on the server."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app import queries
from app.queries import ViewFilter
from tests.conftest import ROOT

NEW_ARTICLE = (b" date 2024-06-30 Jiading reported its half-year figures.\n\n"
               b"In the first half of 2024, Jiading set up 321 new foreign-invested enterprises, up 9.2 percent.\n")


def add_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    return at.switch_page("pages/add_articles.py").run()


def test_upload_previews_facts_then_saves_and_rebuilds(fresh_warehouse, app_on):
    app_on(fresh_warehouse)
    at = add_page()
    at.file_uploader[0].upload("jiading-h1.txt", NEW_ARTICLE, "text/plain").run()
    assert not at.exception
    assert any("1 facts would be added" in s.value for s in at.subheader)
    preview = at.dataframe[0].value
    assert list(preview["indicator"]) == ["fie_new_count"] and list(preview["value"]) == [321]
    stored = fresh_warehouse.parent / "articles" / "jiading-h1.txt"
    assert not stored.exists(), "nothing is stored before confirming"
    at.button[0].click().run()
    assert stored.read_bytes() == NEW_ARTICLE
    assert any("Saved as" in s.value for s in at.success)
    assert not at.error, "the saved file is not offered again (as an id that already exists)"
    assert not at.subheader, "the form starts afresh"
    rows = queries.facts(queries.open_warehouse(fresh_warehouse), ViewFilter("fie_new_count", places=("Jiading",)))
    assert list(rows["value"]) == [321] and list(rows["period_label"]) == ["2024 Jan–Jun"]


def test_a_saved_article_opens_on_by_source(fresh_warehouse, app_on):
    app_on(fresh_warehouse)
    at = add_page()
    at.file_uploader[0].upload("jiading-h1.txt", NEW_ARTICLE, "text/plain").run()
    at.button[0].click().run()
    [open_button] = [b for b in at.button if b.label == "Open it on By source"]
    open_button.click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["By source"]
    assert at.session_state["article"] == "jiading-h1"
    assert any("Facts (1)" in h.value for h in at.subheader)


def test_binary_upload_is_refused_with_a_clear_message_and_nothing_changes(fresh_warehouse, app_on):
    app_on(fresh_warehouse)
    before = sorted(p.name for p in (fresh_warehouse.parent / "articles").iterdir())
    at = add_page()
    at.file_uploader[0].upload("scan.txt", b"\x00\x01\x02PNG\x00" * 100, "text/plain").run()
    assert any("cannot be added: binary file" in e.value and "Nothing was saved" in e.value for e in at.error)
    assert not at.button, "no save button for a refused file"
    assert sorted(p.name for p in (fresh_warehouse.parent / "articles").iterdir()) == before


def test_oversized_upload_is_refused_on_the_server(fresh_warehouse, app_on):
    app_on(fresh_warehouse)
    at = add_page()
    at.file_uploader[0].upload("huge.txt", b"Shanghai set up 5 new firms. " * 100_000, "text/plain").run()
    assert any("over the 2,000,000-byte limit" in e.value for e in at.error)


def test_pasted_text_with_script_is_previewed_inert(fresh_warehouse, app_on):
    app_on(fresh_warehouse)
    at = add_page()
    at.text_area[0].input("<script>alert(1)</script> Pudong set up 88 new foreign-invested enterprises "
                          "in 2023. [click](javascript:alert(2))").run()
    body = at.get("html")[0].proto.body
    assert "&lt;script&gt;" in body and "<script>" not in body
    assert "[click](javascript:alert(" in body and "href" not in body
