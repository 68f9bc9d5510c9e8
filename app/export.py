"""Snapshots of a view: CSV bytes, a metadata record, and both zipped (pure).

Every "Download" in the app goes through here. Text cells that a spreadsheet
would run as a formula (starting with =, +, -, @, tab or carriage return) are
neutralized with a leading apostrophe (OWASP CSV injection); numbers stay
numbers, so a fall of 8 percent is still -8.0.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Snapshot column -> source column of app.queries.facts rows.
COLUMNS = {
    "indicator": "indicator", "label": "label", "value": "value", "unit": "unit",
    "original_amount": "original_value", "original_currency_or_unit": "original_unit",
    "place": "geo", "sub_area": "area", "counterpart": "counterpart", "year": "year",
    "period": "period_label", "period_start": "period_start", "period_end": "period_end",
    "qualifier": "qualifier", "yoy_pct": "yoy_pct", "article_id": "article", "article_title": "title",
    "article_date": "published", "sentence": "sentence", "fact_id": "fact_id", "corrected": "corrected",
}


def neutralize(cell):
    """A text cell made inert for spreadsheets; any other value unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def snapshot_frame(facts: pd.DataFrame) -> pd.DataFrame:
    """The rows shown, one per fact, in the snapshot's columns."""
    frame = pd.DataFrame({name: facts[source] if source in facts else None for name, source in COLUMNS.items()})
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(neutralize)
    return frame


def csv_bytes(facts: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark so spreadsheet tools read the accents right)."""
    return snapshot_frame(facts).to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8-sig")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-") or "all"


def file_name(indicator: str | None, places: tuple[str, ...], years: tuple[int | None, int | None],
              today: date, extension: str = "csv") -> str:
    """What and when: fdi_actual_usd_Shanghai_2019-2024_2026-11-21.csv"""
    place_part = "+".join(_slug(p) for p in places) if places else "all-places"
    lo, hi = years
    year_part = f"{lo}-{hi}" if lo is not None and hi is not None else "all-years"
    return f"{_slug(indicator or 'all-indicators')}_{place_part}_{year_part}_{today.isoformat()}.{extension}"


def metadata(view: dict, build: dict, csv: bytes, rows: int, generated_at: datetime) -> dict:
    """What is needed to produce the same snapshot again, and to check it is the same."""
    return {
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "filters": view,
        "rows": rows,
        "csv_sha256": hashlib.sha256(csv).hexdigest(),
        "warehouse_build_id": build.get("build_id"),
        "warehouse_built_at": str(build.get("finished_at")),
        "warehouse_data_hash": build.get("data_hash"),
        "extractor_version": build.get("extractor_version"),
    }


def snapshot_zip(csv: bytes, meta: dict, csv_name: str) -> bytes:
    """The CSV and its metadata (JSON sidecar) in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(csv_name, csv)
        archive.writestr(csv_name.rsplit(".", 1)[0] + ".metadata.json", json.dumps(meta, indent=2, default=str))
    return buffer.getvalue()


def tables_zip(tables: dict[str, bytes]) -> bytes:
    """Several exported tables (already CSV bytes) in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in tables.items():
            archive.writestr(name, data)
    return buffer.getvalue()
