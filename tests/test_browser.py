"""The dashboard in a real browser: `streamlit run` on a free localhost port, driven by headless Chromium.

What only a browser shows: a shared link restores the sidebar widgets, Plotly
draws the charts and the district map, clicking a point opens its article,
"Download CSV" hands over a file with the rows of the view, an uploaded article appears on the other pages without
a restart, and a bad link value is named in a warning. A full-page screenshot
of every page is saved on the way (to docs/screenshots/ with
SAVE_SCREENSHOTS=1, otherwise to the test's temp directory).

The browser is Debian's /usr/bin/chromium (never a Playwright download).
Without it the test is skipped, except under CI=true, where it fails.
"""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the sync_api fixture (skip, or fail on CI)
    expect = None

from tests.live_server import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer

ON_CI = os.environ.get("CI", "").lower() == "true"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 30_000
PAGES = {  # screenshot name -> URL path (the default page lives at "/": "/overview" is not its URL)
    "overview": "/", "by-year": "/by-year?indicator=fdi_actual_usd&places=Shanghai",
    "by-district": "/by-district?indicator=projects_signed_count",
    "by-source": "/by-source?article=2023-08-31_west-hongqiao-investment-summit",
    "data-quality": "/data-quality", "add-articles": "/add-articles", "downloads": "/downloads",
}
NEW_ARTICLE_ID = "2024-02-01_jiading-new-enterprises"
NEW_ARTICLE = (" date 2024-02-01 Jiading district report on foreign investment.\n\n"
               "In 2023, Jiading set up 321 new foreign-invested enterprises.\n")


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs Debian's chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_api():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium); the browser test drives Debian's "
                     "chromium, never a Playwright browser download")
    try:
        from playwright import sync_api
    except ImportError as error:
        _unavailable(f"the playwright package is not installed: {error}")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    return sync_api


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with its own copy of the articles and no warehouse yet: the first visit builds it."""
    with LiveServer(tmp_path_factory.mktemp("live")) as live:
        yield live


@pytest.fixture(scope="module")
def browser(sync_api, server):
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # Warm-up: the first visit builds the warehouse, and a server's first session
            # opened on a non-default page shows a spurious "Page not found" dialog
            # (streamlit/streamlit#9992); later sessions do not.
            page = chromium.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            page.goto(server.url("/"))
            page.get_by_role("heading", name="Overview", level=1).wait_for()
            settle(page)
            page.close()
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        directory = ROOT / "docs" / "screenshots"
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    return tmp_path_factory.mktemp("screenshots")


def settle(page) -> None:
    """Wait until the script run is over and nothing on screen is stale or an exception."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)  # components still loading
    expect(page.locator('[data-stale="true"]')).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def open_page(page, server, path: str, title: str) -> None:
    page.goto(server.url(path))
    page.get_by_role("heading", name=title, level=1).wait_for()
    settle(page)


def plotted(page, index: int = 0) -> list[dict]:
    """The traces Plotly drew in the index-th chart: name, x and y of each."""
    chart = page.locator(".js-plotly-plot").nth(index)
    chart.locator("svg.main-svg").first.wait_for()
    # _fullData: the traces as drawn, with plotly.py's base64 arrays ("bdata") decoded.
    return chart.evaluate("el => el._fullData.map(t => ({name: t.name, x: Array.from(t.x || []), "
                          "y: Array.from(t.y || []), text: Array.from(t.text || [])}))")


def download_csv(page) -> list[dict]:
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main container, not the window: grow the viewport to the
    content's height (until it stops growing) so the picture holds the whole page, then put it back."""
    height = VIEWPORT["height"]
    try:
        for _ in range(4):
            settle(page)
            wanted = page.evaluate("() => Math.max(...['stMain', 'stSidebarContent'].map(id => "
                                   "document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))")
            wanted = max(VIEWPORT["height"], min(wanted, 6000))
            if wanted == height:
                break
            height = wanted
            page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                               ".every(chart => chart.querySelector('svg.main-svg'))")
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)


def expect_sidebar(page, indicator: str, years: tuple[str, str] | None = None,
                   places: list[str] | None = None) -> None:
    """The sidebar widgets show these filters (auto-waiting until they do)."""
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Indicator")).to_have_value(indicator)
    if years is not None:
        thumbs = sidebar.get_by_test_id("stSlider").locator("input[type=range]")
        expect(thumbs).to_have_count(2)
        expect(thumbs.nth(0)).to_have_value(years[0])
        expect(thumbs.nth(1)).to_have_value(years[1])
    if places is not None:
        tags = sidebar.get_by_test_id("stMultiSelect").locator("[data-tag] span[title]")
        expect(tags).to_have_count(len(places))
        if places:
            expect(tags).to_have_text(places)


def test_shared_link_restores_the_sidebar_filters(page, server):
    open_page(page, server, "/by-year?indicator=fie_new_count&places=Shanghai&places=China"
                            "&years=2020&years=2024", "By year")
    expect_sidebar(page, "New foreign-invested enterprises", ("2020", "2024"), ["Shanghai", "China"])
    page.get_by_role("heading", name="New foreign-invested enterprises", level=3).wait_for()
    traces = plotted(page)
    points = {(t["name"], x, y) for t in traces for x, y in zip(t["x"], t["y"])}
    assert ("Shanghai", 2023, 6017) in points, traces
    assert any(name.startswith("China") and (x, y) == (2024, 7160) for name, x, y in points), traces


@pytest.mark.xfail(reason="app/filters.py: a link with a catalog key (indicator=fie_new_count) selects the "
                          "indicator, but Streamlit drops the key from the address bar and the label is never "
                          "written back, so the page's own URL no longer carries the indicator: copying it "
                          "shares the default indicator instead. Remove this mark once fixed.",
                   raises=AssertionError, strict=True)
def test_link_with_a_catalog_key_stays_shareable_from_the_address_bar(page, server):
    open_page(page, server, "/by-year?indicator=fie_new_count&places=Shanghai", "By year")
    expect_sidebar(page, "New foreign-invested enterprises", places=["Shanghai"])
    expect(page).to_have_url(re.compile(r"[?&]indicator=New(\+|%20)foreign-invested(\+|%20)enterprises(&|$)"),
                             timeout=5_000)


def test_overview_opens_at_the_root_without_a_page_not_found_dialog(page, server):
    open_page(page, server, "/", "Overview")
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=3_000)


def test_by_year_chart_and_csv_download_hold_the_rows_of_the_view(page, server):
    open_page(page, server, "/by-year?indicator=Foreign+capital+actually+used&places=Shanghai", "By year")
    points = page.locator(".js-plotly-plot").first.locator("svg .scatterlayer path.point")
    expect(points).to_have_count(5)  # one marker per year 2019-2023
    traces = plotted(page)
    assert [t["name"] for t in traces] == ["Shanghai"]
    assert traces[0]["x"] == [2019, 2020, 2021, 2022, 2023]

    rows = download_csv(page)
    assert len(rows) == 6, "five years, 2023 reported by two articles"
    assert {r["place"] for r in rows} == {"Shanghai"}
    assert {r["indicator"] for r in rows} == {"fdi_actual_usd"}
    assert {r["unit"] for r in rows} == {"USD"}
    assert sorted({r["year"] for r in rows}) == ["2019", "2020", "2021", "2022", "2023"]
    by_year = {r["year"]: float(r["value"]) for r in rows}
    assert by_year["2019"] == pytest.approx(19.048e9) and by_year["2023"] == pytest.approx(24.087e9)
    assert {r["article_id"] for r in rows if r["year"] == "2023"} == {
        "2024-01-29_shanghai-foreign-investment-2023", "2024-03-27_global-investment-promotion-conference"}


def test_clicking_a_chart_point_opens_its_article(page, server):
    open_page(page, server, "/by-year?indicator=Foreign+capital+actually+used&places=Shanghai", "By year")
    [article_2019] = {r["article_id"] for r in download_csv(page) if r["year"] == "2019"}
    # Plotly takes clicks on a layer above the markers and picks the nearest point.
    box = page.locator(".js-plotly-plot").first.locator("svg .scatterlayer path.point").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_role("heading", name="By source", level=1).wait_for()
    settle(page)
    expect(page).to_have_url(re.compile(rf"[?&]article={re.escape(article_2019)}(&|$)"))
    page.get_by_test_id("stMain").locator("code", has_text=article_2019).wait_for()
    # The article is now the sidebar's source filter; the other filters are kept.
    expect_sidebar(page, "Foreign capital actually used", places=["Shanghai"])


def test_by_district_draws_the_map_and_the_bars(page, server):
    open_page(page, server, "/by-district?indicator=projects_signed_count", "By district")
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    district_map, bars = plotted(page, 0), plotted(page, 1)
    no_figure, with_figure = district_map
    untagged = lambda texts: [re.sub(r"<[^>]+>", " ", t).split() for t in texts]  # noqa: E731
    assert untagged(with_figure["text"]) == [["Qingpu", "30"]], with_figure
    grey = [words[0] for words in untagged(no_figure["text"])]
    assert len(grey) == 15 and "Qingpu" not in grey and {"Pudong", "Huangpu", "Jing'an"} <= set(grey), grey
    expect(page.locator(".js-plotly-plot").first.locator("svg .scatterlayer path.point")).to_have_count(16)
    assert bars[0]["y"] == ["Qingpu"] and bars[0]["x"] == [30]


def test_invalid_link_value_is_named_in_a_warning(page, server):
    open_page(page, server, "/by-year?indicator=gdp_per_capita&places=Atlantis&years=1800&years=1900", "By year")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Ignored from the link: indicator 'gdp_per_capita' is not in the catalog.").wait_for()
    sidebar.get_by_text("Ignored from the link: place 'Atlantis' is not China, Shanghai or a district.").wait_for()
    sidebar.get_by_text("Ignored from the link: years '1800–1900' is not a range within").wait_for()
    expect_sidebar(page, "Foreign capital actually used", places=[])  # the defaults instead
    page.locator(".js-plotly-plot").first.wait_for()


def test_screenshot_of_every_page(page, server, shots):
    titles = {"overview": "Overview", "by-year": "By year", "by-district": "By district",
              "by-source": "By source", "data-quality": "Data quality", "add-articles": "Add articles",
              "downloads": "Downloads"}
    for name, path in PAGES.items():
        open_page(page, server, path, titles[name])
        if name in ("by-year", "by-district"):
            page.locator(".js-plotly-plot svg.main-svg").first.wait_for()
        full_page_screenshot(page, shots / f"{name}.png")
        assert (shots / f"{name}.png").stat().st_size > 20_000, f"{name}.png looks empty"


def test_uploaded_article_appears_on_other_pages_without_restart(page, server, tmp_path):
    upload = tmp_path / f"{NEW_ARTICLE_ID}.txt"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    open_page(page, server, "/add-articles", "Add articles")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    page.get_by_role("heading", name="Preview: 1 facts would be added").wait_for()
    settle(page)
    page.get_by_role("button", name="Save article and rebuild").click()
    page.get_by_text("its facts now appear on every page").wait_for(timeout=60_000)
    settle(page)
    assert (server.articles / f"{NEW_ARTICLE_ID}.txt").read_text(encoding="utf-8") == NEW_ARTICLE
    page.get_by_role("button", name="Open it on By source").click()
    page.get_by_role("heading", name="By source", level=1).wait_for()
    settle(page)
    page.get_by_test_id("stMain").get_by_role("heading", name="Facts (1)").wait_for()

    # The same server process, a new visit: By year has the new point...
    open_page(page, server, "/by-year?indicator=fie_new_count&places=Jiading", "By year")
    traces = plotted(page)
    assert [(t["name"], t["x"], t["y"]) for t in traces] == [("Jiading", [2023], [321])], traces
    rows = download_csv(page)
    assert [(r["place"], r["year"], float(r["value"]), r["article_id"]) for r in rows] == [
        ("Jiading", "2023", 321.0, NEW_ARTICLE_ID)]

    # ...and By source shows the article with its figure marked in the text.
    open_page(page, server, f"/by-source?article={NEW_ARTICLE_ID}", "By source")
    main = page.get_by_test_id("stMain")
    main.get_by_role("heading", name="Jiading district report on foreign investment.").wait_for()
    main.get_by_role("heading", name="Facts (1)").wait_for()
    main.locator("mark", has_text="321").first.wait_for()
