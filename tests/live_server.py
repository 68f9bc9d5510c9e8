"""Start and stop the dashboard as a real `streamlit run` server on a free localhost port.

Used by the browser test and by benchmarks/load.py. The server gets its own
copy of the sample articles and its own warehouse path (DASHBOARD_ARTICLES,
DASHBOARD_DB) in a directory the caller owns, so data/ is never touched. By
default the warehouse is not built beforehand: the app builds it on first
start, as it does for a new user.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`with LiveServer(tmp_dir) as server: server.url("/by-year")`.

    `directory` receives articles/ (a copy of data/articles), warehouse.duckdb
    (built by the app on its first session, or here when `prebuild`) and
    streamlit.log (the server's output, shown when it fails to start).
    """

    def __init__(self, directory: Path, *, prebuild: bool = False, start_timeout: float = 60.0,
                 python: str = sys.executable):
        self.directory = Path(directory)
        self.articles = self.directory / "articles"
        self.db = self.directory / "warehouse.duckdb"
        self.log_path = self.directory / "streamlit.log"
        self.prebuild = prebuild
        self.start_timeout = start_timeout
        self.python = python
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def start(self) -> "LiveServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.articles.exists():
            shutil.copytree(ROOT / "data" / "articles", self.articles)
        if self.prebuild:
            sys.path.insert(0, str(ROOT))
            from etl.build import build

            build(self.articles, self.db)
        env = {**os.environ, "DASHBOARD_DB": str(self.db), "DASHBOARD_ARTICLES": str(self.articles),
               "PYTHONUNBUFFERED": "1"}
        self.port = free_port()
        command = [self.python, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--server.headless", "true", "--server.fileWatcherType", "none",
                   "--server.runOnSave", "false", "--browser.gatherUsageStats", "false"]
        log = open(self.log_path, "wb")
        try:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            log.close()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"streamlit did not answer /_stcore/health within {self.start_timeout:.0f} s:\n"
                           f"{self.log()[-3000:]}")

    def stop(self) -> None:
        """Stop the server we started (its own process group, by id), SIGTERM then SIGKILL."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)

    def peak_rss_mb(self) -> float | None:
        """VmHWM of the server process (peak resident set size), in MB."""
        if self.process is None:
            return None
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
