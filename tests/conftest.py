"""Shared fixtures: a warehouse built from the bundled sample corpus, in a temp directory."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def copy_corpus(target: Path) -> Path:
    articles = target / "articles"
    shutil.copytree(ROOT / "data" / "articles", articles)
    return articles


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """Built once per test session; tests must not change it (use `fresh_warehouse` for that)."""
    from etl.build import build

    directory = tmp_path_factory.mktemp("sample")
    db = directory / "warehouse.duckdb"
    build(copy_corpus(directory), db)
    return db


@pytest.fixture
def fresh_warehouse(tmp_path) -> Path:
    """A warehouse of its own, for tests that add articles or corrections."""
    from etl.build import build

    db = tmp_path / "warehouse.duckdb"
    build(copy_corpus(tmp_path), db)
    return db


@pytest.fixture
def app_on(monkeypatch):
    """Point the dashboard at a warehouse: app_on(db_path)."""
    def point(db: Path) -> Path:
        monkeypatch.setenv("DASHBOARD_DB", str(db))
        monkeypatch.setenv("DASHBOARD_ARTICLES", str(db.parent / "articles"))
        return db
    return point


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A directory of good small articles (see _helpers_faults.GOOD_ARTICLES) under tmp/data/articles."""
    from _helpers_faults import write_articles

    return write_articles(tmp_path / "data" / "articles")


@pytest.fixture
def db(tmp_path) -> Path:
    """Where a test's warehouse goes: tmp/data/warehouse.duckdb."""
    return tmp_path / "data" / "warehouse.duckdb"
