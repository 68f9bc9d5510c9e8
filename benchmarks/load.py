"""Load test: many browser sessions on one dashboard server at once.

    python -m benchmarks.load [--sessions 20] [--seconds 60] [--think 6] [--link-every 6]
                              [--rebuilds 0] [--seed 7] [--json FILE]

Starts `streamlit run dashboard.py` on a free localhost port with its own
warehouse in a temp directory (data/ is never touched), then opens --sessions
headless Chromium sessions (one browser, one context each: a cold browser
profile, as a new visitor), each on a shared link, --open-at-once at a time.
When all are open, it holds them all together for --seconds: each session
acts like a reader of the dashboard, switching pages with the sidebar links
and changing the indicator in the sidebar, and every --link-every actions
opening another shared link (a page path with filters in the query string),
with a random "think time" between actions (uniform between 0.5 and 1.5
times --think seconds; --think 0 hammers the server without pauses).

Every action is timed from the click or navigation to a rendered chart (a
.js-plotly-plot with drawn points, or the page's "no figures" note when the
filters leave nothing to draw), or to the page's heading on pages without a
chart. An error is a page showing a Streamlit exception
(data-testid="stException"), a JavaScript error in the page, a shared link
that should draw a chart and does not, or an action that does not finish
within --timeout seconds. With --rebuilds N, N builds of the warehouse (each
adding one article; `python -m etl build` in another process) run during the
hold, while the sessions read.

Prints sessions, duration, page loads, errors, p50/p95 time to a rendered
chart, the peak RSS of the streamlit process (VmHWM from /proc) and the CPU
time of the server and of the browser, which shares the machine (on a small
machine the browser, not the server, saturates first: opening a link costs
the browser several times the CPU it costs the server). Exit code 1 when any
error was seen. Bounded: the loop stops at the deadline, each wait has a
timeout, the server is stopped at the end. Only localhost. The browser is
Debian's /usr/bin/chromium, never a downloaded one.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

# Shared links: (URL path, draws a chart). Every chart link has figures in the sample corpus.
ROUTES = [
    ("/by-year?indicator=fdi_actual_usd&places=Shanghai", True),
    ("/by-district?indicator=projects_signed_count", True),
    ("/by-year?indicator=Regional+headquarters+of+multinationals", True),
    ("/", False),
    ("/by-year?indicator=fie_new_count&places=Shanghai&places=China", True),
    ("/by-district?indicator=partners_signed_count&years=2022&years=2024", True),
    ("/by-year?indicator=rd_centers_count&years=2020&years=2023", True),
    ("/by-source?article=2023-08-31_west-hongqiao-investment-summit", False),
    ("/by-year?indicator=fdi_actual_usd&years=2021&years=2023", True),
    ("/by-district?indicator=consultants_appointed_count", True),
    ("/data-quality", False),
    ("/by-year?indicator=event_attendees_count", True),
    ("/downloads", False),
    ("/by-year?indicator=fdi_cumulative_usd&article=2023-10-16_hong-kong-investment-partners", True),
]
TITLES = {"/": "Overview", "/by-year": "By year", "/by-district": "By district", "/by-source": "By source",
          "/data-quality": "Data quality", "/add-articles": "Add articles", "/downloads": "Downloads"}
CHART_PAGES = {"By year", "By district"}
SWITCH_TO = ["By year", "By district", "Overview", "By year", "By district", "Data quality", "By source"]
INDICATORS = {  # labels a session picks in the sidebar on a chart page (all have figures somewhere)
    "By year": ["Foreign capital actually used", "Regional headquarters of multinationals",
                "Foreign-funded R&D centres", "New foreign-invested enterprises", "Event attendance"],
    "By district": ["Projects signed", "Investment partners signed up", "Advisers appointed",
                    "Floor area of signed projects"],
}
MAX_ACTIONS_PER_SESSION = 20_000
MAIN = '[data-testid="stMain"] [data-stale="false"]'
CHART_OR_EMPTY = f"{MAIN} .js-plotly-plot .point, {MAIN} [data-testid=stAlert]"
SCRIPT_DONE = ("() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"
               " === 'notRunning'")


@dataclass
class Stats:
    loads: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    chart_seconds: dict[str, list[float]] = field(default_factory=dict)
    page_seconds: list[float] = field(default_factory=list)
    empty_state: int = 0
    errors: list[dict] = field(default_factory=list)
    builds: list[dict] = field(default_factory=list)
    loadavg: list[float] = field(default_factory=list)
    opening: "Stats | None" = None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile by the nearest-rank method."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


def proc_status(pid: int, key: str) -> float | None:
    """A /proc/<pid>/status memory field (VmHWM, VmRSS) in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (its own, not its children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def client_cpu_seconds(exclude: int | None) -> float:
    """CPU time so far of every process this one started except the server (`exclude`) and its
    children: the Playwright driver, the browser and its renderers. Reaped processes (closed
    contexts) count through their parent's cutime/cstime."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, times = {}, {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(proc.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(f) for f in fields[11:15]) / tick
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        if pid == exclude:
            continue
        total += times.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def title_of(path: str) -> str:
    return TITLES[path.split("?", 1)[0]]


async def timed(page, kind: str, what: str, action, ready, chart_required: bool, timeout_ms: float,
                stats: Stats, js_errors: list[str]) -> None:
    """Run one action, time it until `ready` (the new page's heading or subheader is there) and,
    on chart pages, a chart (or the empty-state note) is drawn; then wait for the end of the
    script run and look for exceptions."""
    started = time.perf_counter()
    failure, charted, elapsed = None, False, None
    try:
        await action()
        chart_page = await ready()
        if chart_page:
            await page.locator(CHART_OR_EMPTY).first.wait_for(state="visible", timeout=timeout_ms)
            charted = await page.locator(f"{MAIN} .js-plotly-plot .point").count() > 0
        elapsed = time.perf_counter() - started
        await page.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)
        exceptions = page.get_by_test_id("stException")
        if await exceptions.count():
            failure = ("exception", (await exceptions.first.inner_text())[:300])
        elif chart_required and not charted:
            failure = ("no chart", "the link should draw a chart and did not")
    except Exception as error:  # noqa: BLE001 - a timeout or a closed page is a counted error
        failure = (type(error).__name__, str(error).splitlines()[0][:300])
    if js_errors:
        failure = failure or ("javascript", js_errors[0][:300])
        js_errors.clear()
    stats.loads += 1
    stats.by_kind[kind] = stats.by_kind.get(kind, 0) + 1
    if failure:
        stats.errors.append({"what": what, "kind": failure[0], "detail": failure[1]})
    elif charted:
        stats.chart_seconds.setdefault(kind, []).append(elapsed)
    else:
        stats.empty_state += bool(chart_page)
        stats.page_seconds.append(elapsed)


def heading(page, title: str, timeout_ms: float):
    async def ready() -> bool:
        await page.get_by_role("heading", name=title, level=1, exact=True).wait_for(timeout=timeout_ms)
        return title in CHART_PAGES
    return ready


async def open_link(page, base: str, path: str, chart: bool, timeout_ms: float, stats: Stats,
                    js_errors: list[str]) -> str:
    title = title_of(path)
    await timed(page, "link", f"open {path}", lambda: page.goto(base + path, timeout=timeout_ms),
                heading(page, title, timeout_ms), chart, timeout_ms, stats, js_errors)
    return title


async def switch_page(page, title: str, timeout_ms: float, stats: Stats, js_errors: list[str]) -> str:
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)
    await timed(page, "switch", f"switch to {title} (from {page.url.split('/', 3)[-1]})",
                lambda: link.click(timeout=timeout_ms), heading(page, title, timeout_ms), False, timeout_ms,
                stats, js_errors)
    return title


async def change_indicator(page, label: str, timeout_ms: float, stats: Stats, js_errors: list[str]) -> None:
    box = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Indicator")

    async def pick() -> None:
        await box.click(timeout=timeout_ms)
        await box.fill(label, timeout=timeout_ms)
        await page.get_by_role("option", name=label, exact=True).click(timeout=timeout_ms)

    async def ready() -> bool:  # the page's subheader names the indicator (By district adds the years)
        await page.locator(MAIN).get_by_role("heading", name=label, level=3).first.wait_for(timeout=timeout_ms)
        return True

    await timed(page, "filter", f"indicator {label!r} (on {page.url.split('/', 3)[-1]})", pick, ready, False,
                timeout_ms, stats, js_errors)


async def think(rng: random.Random, mean: float, deadline: float) -> None:
    if mean > 0:
        await asyncio.sleep(max(0.0, min(rng.uniform(0.5, 1.5) * mean, deadline - time.monotonic())))


@dataclass
class Hold:
    """Sessions report when they are open; the hold starts (`go`) when all of them are."""
    sessions: int
    opened: int = 0
    all_open: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = 0.0

    def one_open(self) -> None:
        self.opened += 1
        if self.opened == self.sessions:
            self.all_open.set()


async def session(browser, base: str, k: int, opening: asyncio.Semaphore, hold: Hold, args,
                  stats: Stats) -> None:
    """Open a shared link in a new context; when every session is open, read the dashboard until the
    deadline: page switches and indicator changes in the app, a new shared link now and then."""
    rng = random.Random(args.seed * 1000 + k)
    timeout_ms = args.timeout * 1000
    js_errors: list[str] = []
    context, opened = None, False
    try:
        async with opening:
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            page = await context.new_page()
            page.on("pageerror", lambda error: js_errors.append(str(error)))
            path, chart = ROUTES[k % len(ROUTES)]
            current = await open_link(page, base, path, chart, timeout_ms, stats.opening, js_errors)
            opened = True
    except Exception as error:  # noqa: BLE001 - counted; the other sessions go on
        stats.opening.errors.append({"what": f"open session {k}", "kind": type(error).__name__,
                                     "detail": str(error).splitlines()[0][:300]})
    hold.one_open()
    try:
        await hold.go.wait()
        deadline = hold.deadline
        if not opened:
            return
        rng_link = k + 1
        for action in range(1, MAX_ACTIONS_PER_SESSION + 1):
            await think(rng, args.think, deadline)
            if time.monotonic() >= deadline:
                break
            if action % args.link_every == 0:
                path, chart = ROUTES[(k + rng_link) % len(ROUTES)]
                rng_link += 1
                current = await open_link(page, base, path, chart, timeout_ms, stats, js_errors)
            elif current in CHART_PAGES and rng.random() < 0.5:
                shown = await page.get_by_test_id("stSidebar").get_by_role("combobox", name="Indicator").input_value()
                await change_indicator(page, rng.choice([x for x in INDICATORS[current] if x != shown]),
                                       timeout_ms, stats, js_errors)
            else:
                current = await switch_page(page, rng.choice([t for t in SWITCH_TO if t != current]),
                                            timeout_ms, stats, js_errors)
    finally:
        if context is not None:
            await context.close()


async def rebuilds(server: LiveServer, count: int, start: float, seconds: float, stats: Stats) -> None:
    """`count` builds spread over the run, each adding one article, in a separate process."""
    for i in range(count):
        await asyncio.sleep(max(0.0, start + seconds * (i + 1) / (count + 1) - time.monotonic()))
        (server.articles / f"load-{i:03d}.txt").write_text(
            f" date 2024-02-{1 + i % 28:02d} Load test article {i}.\n\n"
            f"In 2023, Jiading set up {2000 + i} new foreign-invested enterprises.\n", encoding="utf-8")
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "etl", "build", "--articles", str(server.articles), "--db", str(server.db),
            "--quiet", cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, stderr = await process.communicate()
        stats.builds.append({"seconds": round(time.perf_counter() - started, 2), "returncode": process.returncode,
                             "stderr": stderr.decode(errors="replace")[-300:] if process.returncode else ""})


async def sample_loadavg(deadline: float, stats: Stats) -> None:
    """The machine's 1-minute load average every 5 s: other work on the machine skews the numbers."""
    while time.monotonic() < deadline:
        stats.loadavg.append(loadavg())
        await asyncio.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
    stats.loadavg.append(loadavg())


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    stats = Stats()
    load_before = loadavg()
    with tempfile.TemporaryDirectory(prefix="dashboard-load-") as tmp:
        server = LiveServer(Path(tmp), prebuild=True)
        server.start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    # Warm-up, not measured: each shared link once, so the server's first session
                    # (streamlit/streamlit#9992) and cold imports and caches are out of the numbers.
                    warm = Stats()
                    context = await browser.new_context()
                    page = await context.new_page()
                    for path, chart in ROUTES:
                        await open_link(page, server.base, path, chart, args.timeout * 1000, warm, [])
                    await context.close()
                    if warm.errors:
                        raise RuntimeError(f"warm-up failed: {warm.errors}")

                    stats.opening = Stats()
                    opened_at = time.monotonic()
                    opening, hold = asyncio.Semaphore(args.open_at_once), Hold(args.sessions)
                    tasks = [asyncio.create_task(session(browser, server.base, k, opening, hold, args, stats))
                             for k in range(args.sessions)]
                    # Every session is open (each opening is bounded by its timeouts): the hold starts now.
                    await hold.all_open.wait()
                    opening_s = time.monotonic() - opened_at
                    cpu_before, client_before = cpu_seconds(server.pid), client_cpu_seconds(server.pid)
                    started = time.monotonic()
                    hold.deadline = started + args.seconds
                    hold.go.set()
                    others = [sample_loadavg(hold.deadline, stats)]
                    if args.rebuilds:
                        others.append(rebuilds(server, args.rebuilds, started, args.seconds, stats))
                    await asyncio.gather(*tasks, *others)
                    duration = time.monotonic() - started
                    cpu_after, client_after = cpu_seconds(server.pid), client_cpu_seconds(server.pid)
                finally:
                    await browser.close()
            peak_rss, rss_end = proc_status(server.pid, "VmHWM"), proc_status(server.pid, "VmRSS")
            log_errors = [line for line in server.log().splitlines() if "Traceback" in line or "Error" in line]
        finally:
            server.stop()

    charts = [s for values in stats.chart_seconds.values() for s in values]
    failed_builds = [b for b in stats.builds if b["returncode"] != 0]
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sessions": args.sessions, "held_s": args.seconds, "think_s": args.think, "link_every": args.link_every,
        "seed": args.seed, "duration_s": round(duration, 1),
        "opening": {"seconds": round(opening_s, 1), "at_once": args.open_at_once, "loads": stats.opening.loads,
                    "errors": len(stats.opening.errors), "error_samples": stats.opening.errors[:5],
                    "p50_s": _round(percentile(_all_times(stats.opening), 50)),
                    "p95_s": _round(percentile(_all_times(stats.opening), 95))},
        "page_loads": stats.loads, "page_loads_by_kind": stats.by_kind,
        "loads_per_s": round(stats.loads / duration, 2) if duration else None,
        "errors": len(stats.errors) + len(stats.opening.errors), "error_samples": stats.errors[:10],
        "chart_loads": len(charts), "empty_state_loads": stats.empty_state,
        "chart_p50_s": _round(percentile(charts, 50)), "chart_p95_s": _round(percentile(charts, 95)),
        "chart_max_s": _round(max(charts, default=None)),
        "chart_by_kind": {kind: {"n": len(v), "p50_s": _round(percentile(v, 50)), "p95_s": _round(percentile(v, 95))}
                          for kind, v in sorted(stats.chart_seconds.items())},
        "other_p50_s": _round(percentile(stats.page_seconds, 50)),
        "other_p95_s": _round(percentile(stats.page_seconds, 95)),
        "server_peak_rss_mb": _round(peak_rss, 1), "server_rss_end_mb": _round(rss_end, 1),
        "server_cpu_s": _delta(cpu_after, cpu_before), "browser_cpu_s": _delta(client_after, client_before),
        "server_log_error_lines": log_errors[:10],
        "rebuilds": len(stats.builds), "rebuild_failures": len(failed_builds),
        "rebuild_seconds": [b["seconds"] for b in stats.builds], "rebuild_failure_samples": failed_builds[:3],
        "loadavg_before": load_before, "loadavg_max_during": max(stats.loadavg, default=None),
        "loadavg_during": stats.loadavg, "cpus": os.cpu_count(), "python": platform.python_version(),
    }


def _all_times(stats: Stats) -> list[float]:
    return [s for values in stats.chart_seconds.values() for s in values] + stats.page_seconds


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 1)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def report(result: dict) -> list[tuple[str, str]]:
    kinds = result["page_loads_by_kind"]
    words = {"link": "after opening a shared link", "switch": "after a page switch",
             "filter": "after an indicator change"}
    opening = result["opening"]
    rows = [("sessions", f"{result['sessions']}, all open together for {result['duration_s']} s "
                         f"(asked {result['held_s']:g} s; think time {result['think_s']:g} s, "
                         f"a new shared link every {result['link_every']} actions)"),
            ("opening them", f"{opening['seconds']} s, {opening['at_once']} at a time: first link in a new "
                             f"context p50 {opening['p50_s']} s, p95 {opening['p95_s']} s; "
                             f"{opening['errors']} errors"),
            ("page loads", f"{result['page_loads']} ({kinds.get('link', 0)} links opened, {kinds.get('switch', 0)} "
                           f"page switches, {kinds.get('filter', 0)} indicator changes; {result['loads_per_s']}/s)"),
            ("errors", str(result["errors"])),
            ("time to rendered chart", f"p50 {result['chart_p50_s']} s, p95 {result['chart_p95_s']} s, "
                                       f"max {result['chart_max_s']} s (n={result['chart_loads']})"),
            *((f"  {words.get(kind, kind)}", f"p50 {v['p50_s']} s, p95 {v['p95_s']} s (n={v['n']})")
              for kind, v in result["chart_by_kind"].items()),
            ("time to other pages", f"p50 {result['other_p50_s']} s, p95 {result['other_p95_s']} s "
                                    f"({result['empty_state_loads']} of them a chart page's 'no figures' note)"),
            ("streamlit peak RSS (VmHWM)", f"{result['server_peak_rss_mb']} MB (RSS at the end "
                                           f"{result['server_rss_end_mb']} MB)"),
            ("CPU time", f"streamlit {result['server_cpu_s']} s, browser {result['browser_cpu_s']} s"),
            ("machine load (1-min avg)", f"{result['loadavg_before']} before, max {result['loadavg_max_during']} "
                                         f"during, on {result['cpus']} CPUs")]
    if result["rebuilds"]:
        rows.append(("rebuilds", f"{result['rebuilds']} ({result['rebuild_failures']} failed), "
                                 f"{result['rebuild_seconds']} s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="simultaneous browser sessions (default 20)")
    parser.add_argument("--seconds", type=float, default=60, help="how long all of them are held (default 60)")
    parser.add_argument("--open-at-once", type=int, default=2,
                        help="sessions opening their first link at the same time (default 2)")
    parser.add_argument("--link-every", type=int, default=6,
                        help="open a new shared link every this many actions (default 6); the rest are "
                             "page switches and indicator changes in the app")
    parser.add_argument("--think", type=float, default=6,
                        help="mean pause between a session's actions, in seconds (default 6; 0: none)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds one action may take (default 30)")
    parser.add_argument("--rebuilds", type=int, default=0,
                        help="warehouse rebuilds during the run, each adding one article (default 0)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the sessions' choices (default 7)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if not (1 <= args.sessions <= 200 and 1 <= args.seconds <= 3600 and 1 <= args.open_at_once <= 200
            and 1 <= args.link_every <= 1000 and 0 <= args.think <= 600 and 1 <= args.timeout <= 600
            and 0 <= args.rebuilds <= 100):
        parser.error("out of range: --sessions 1..200, --seconds 1..3600, --open-at-once 1..200, "
                     "--link-every 1..1000, --think 0..600, --timeout 1..600, --rebuilds 0..100")
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} not found (apt-get install chromium)")

    result = asyncio.run(run(args))
    rows = report(result)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for sample in result["opening"]["error_samples"] + result["error_samples"]:
        print(f"error: {sample['what']}: {sample['kind']}: {sample['detail']}")
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 1 if result["errors"] or result["rebuild_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
