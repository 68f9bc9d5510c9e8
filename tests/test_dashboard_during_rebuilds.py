"""A dashboard left open while the warehouse is rebuilt again and again.

Each build writes a new file and switches the warehouse link atomically
(etl/warehouse.py); the app notices the new build on its next rerun. These
tests pin that from a reader's side: every rerun during and between rebuilds
answers without an exception (no lock or "file in use" error, no half-built
warehouse), and the dashboard ends up showing the newest figures without a
restart.
"""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import format as fmt
from etl.build import build
from tests.conftest import ROOT, copy_corpus

REBUILDS = 20
OTHER_PAGES = ["pages/overview.py", "pages/by_district.py", "pages/by_source.py", "pages/data_quality.py",
               "pages/downloads.py"]


def new_article(articles: Path, i: int, base: int = 1000) -> int:
    """Write the i-th extra article: Jiading's new foreign-invested enterprises in 2023, a distinct
    figure, published a day after the previous one. Returns the figure."""
    value = base + 37 * i
    published = date(2024, 2, 1) + timedelta(days=i)
    (articles / f"rebuild-{base}-{i:02d}.txt").write_text(
        f" date {published.isoformat()} Jiading district update number {i} ({base}).\n\n"
        f"In 2023, Jiading set up {value} new foreign-invested enterprises.\n", encoding="utf-8")
    return value


@pytest.fixture
def warehouse(tmp_path, app_on) -> tuple[Path, Path]:
    """A warehouse of the sample corpus in tmp, with the dashboard pointed at it."""
    articles = copy_corpus(tmp_path)
    db = tmp_path / "warehouse.duckdb"
    build(articles, db)
    app_on(db)
    return articles, db


def open_by_year(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/by_year.py").run()


def no_exception(at: AppTest, when: str) -> None:
    assert not at.exception, f"{when}: {[e.value for e in at.exception]}"


def shown_figures(at: AppTest) -> list[str]:
    """The 'Figure' column of the By year table (empty when the page shows no figures)."""
    if not at.dataframe:
        return []
    table = at.dataframe[0].value
    return list(table.loc[table["Place"] == "Jiading", "Figure"])


def test_dashboard_open_during_20_rebuilds_answers_every_rerun_and_shows_the_newest_data(warehouse):
    articles, db = warehouse
    at = open_by_year(indicator="fie_new_count", places="Jiading")
    no_exception(at, "before any rebuild")
    assert shown_figures(at) == [] and any("No figures" in i.value for i in at.info)

    expected: list[str] = []
    for i in range(REBUILDS):
        value = new_article(articles, i)
        summary = build(articles, db)
        expected.append(fmt.figure(value, "count", "exact"))

        at.run()
        no_exception(at, f"By year after rebuild {i + 1}")
        assert sorted(shown_figures(at)) == sorted(expected), f"rebuild {i + 1} is shown at once"

        # Another page in the same session, then back: also answers, on the same new build.
        other = OTHER_PAGES[i % len(OTHER_PAGES)]
        at.switch_page(other).run()
        no_exception(at, f"{other} after rebuild {i + 1}")
        if other == "pages/downloads.py":
            assert any(summary["build_id"] in c.value for c in at.caption), "Downloads names the newest build"
        at.switch_page("pages/by_year.py").run()

    assert len(expected) == len(set(expected)) == REBUILDS
    assert sorted(shown_figures(at)) == sorted(expected)
    assert summary["articles_loaded"] == 10 + REBUILDS and summary["articles_reused"] == 10 + REBUILDS - 1

    # The Overview, for Jiading, leads with the newest article's figure (the latest published).
    at.switch_page("pages/overview.py").run()
    no_exception(at, "Overview at the end")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New foreign-invested enterprises"] == expected[-1]


def test_rebuilds_in_a_background_thread_while_the_dashboard_reruns(warehouse):
    """Builds and reruns at the same time, in one process as in the app (Add articles rebuilds
    in the server): no rerun sees an error, and no build fails because a reader has the file open."""
    articles, db = warehouse
    at = open_by_year(indicator="fie_new_count", places="Jiading")
    builds, build_errors, values = 6, [], []

    def rebuild() -> None:
        for i in range(builds):
            values.append(new_article(articles, i, base=5000))
            try:
                build(articles, db)
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                build_errors.append(f"build {i + 1}: {type(error).__name__}: {error}")

    builder = threading.Thread(target=rebuild, name="rebuilder")
    builder.start()
    reruns, seen, deadline = 0, set(), time.monotonic() + 120
    try:
        while builder.is_alive() and time.monotonic() < deadline and reruns < 500:
            at.run()
            reruns += 1
            no_exception(at, f"rerun {reruns} during rebuilds")
            seen.add(len(shown_figures(at)))
    finally:
        builder.join(timeout=120)
    assert not builder.is_alive(), "the builds finished"
    assert build_errors == []
    assert reruns >= 2, "reruns overlapped the builds"

    at.run()
    no_exception(at, "after the builds")
    assert sorted(shown_figures(at)) == sorted(fmt.figure(v, "count", "exact") for v in values)
    assert max(seen) <= builds and seen <= set(range(builds + 1)), "only whole builds were ever seen"



def test_a_session_keeps_reading_the_build_it_opened_when_another_session_notices_a_new_one(warehouse):
    """Two sessions in one server process, in the order a rebuild can interleave them.

    Session A's run opens the served build (dashboard.py, line 13) and goes on querying it
    (the sidebar, then the page); meanwhile a build switches the link and session B's rerun
    opens the new build. A's run must still be able to finish on the build it opened (that
    file stays on disk: KEEP_VERSIONS), and its next rerun moves to the new one.
    """
    from app import queries
    from app.queries import ViewFilter

    articles, db = warehouse
    view = ViewFilter("fie_new_count", 2019, 2024, ("Jiading",))
    session_a = queries.open_warehouse(db)
    assert queries.count_facts(session_a, view) == 0

    new_article(articles, 0, base=7000)
    build(articles, db)
    session_b = queries.open_warehouse(db)
    assert session_b.version != session_a.version
    assert queries.count_facts(session_b, view) == 1

    assert len(queries.facts(session_a, view)) == 0, "session A finishes its run on its build"
    assert queries.count_facts(queries.open_warehouse(db), view) == 1, "and its next rerun sees the new one"
