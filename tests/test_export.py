"""CSV snapshots: exactly the rows shown, formulas neutralized, numbers numeric, reproducible."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest

from app import export, queries
from app.queries import ViewFilter


def facts_frame(**overrides) -> pd.DataFrame:
    row = {"fact_id": "f1", "indicator": "fie_new_count", "label": "New foreign-invested enterprises",
           "value": 6017.0, "unit": "count", "original_value": 6017.0, "original_unit": "count", "geo": "Shanghai",
           "area": None, "counterpart": None, "year": 2023, "period_start": pd.Timestamp("2023-01-01"),
           "period_end": pd.Timestamp("2023-12-31"), "period_label": "2023", "qualifier": "exact",
           "yoy_pct": 38.3, "article": "a1", "title": "Title", "published": pd.Timestamp("2024-03-27"),
           "sentence": "Shanghai set up 6,017 new foreign-invested enterprises.", "corrected": False}
    row.update(overrides)
    return pd.DataFrame([row])


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype={"period": str})


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_text_cells_starting_with_a_formula_trigger_are_neutralized(trigger):
    hostile = f"{trigger}HYPERLINK(\"http://x\",\"click\")"
    frame = read_back(export.csv_bytes(facts_frame(sentence=hostile, title=hostile)))
    assert frame.loc[0, "sentence"] == "'" + hostile
    assert frame.loc[0, "article_title"] == "'" + hostile


def test_negative_numbers_stay_numeric():
    frame = read_back(export.csv_bytes(facts_frame(yoy_pct=-8.0, value=-1.5)))
    assert frame.loc[0, "yoy_pct"] == -8.0 and frame.loc[0, "value"] == -1.5


def test_snapshot_has_one_row_per_fact_with_the_documented_columns():
    frame = read_back(export.csv_bytes(pd.concat([facts_frame(), facts_frame(fact_id="f2", article="a2")])))
    assert len(frame) == 2
    for column in ("label", "value", "unit", "original_amount", "original_currency_or_unit", "place", "period",
                   "qualifier", "yoy_pct", "article_id", "article_title", "article_date", "sentence"):
        assert column in frame.columns
    assert frame.loc[0, "article_date"] == "2024-03-27" and frame.loc[0, "period"] == "2023"


def test_file_name_says_what_and_when():
    assert export.file_name("fdi_actual_usd", ("Shanghai",), (2019, 2024), date(2026, 11, 21)) == \
        "fdi_actual_usd_Shanghai_2019-2024_2026-11-21.csv"
    assert export.file_name(None, ("Jing'an", "China"), (None, None), date(2026, 1, 2), "zip") == \
        "all-indicators_Jing-an+China_all-years_2026-01-02.zip"


def test_snapshot_zip_carries_csv_and_metadata_to_reproduce_it():
    csv = export.csv_bytes(facts_frame())
    meta = export.metadata({"indicator": "fie_new_count"}, {"build_id": "b1", "finished_at": "t",
                                                            "data_hash": "h", "extractor_version": "v"},
                           csv, 1, datetime(2026, 11, 21, 9, 0))
    with zipfile.ZipFile(io.BytesIO(export.snapshot_zip(csv, meta, "x.csv"))) as archive:
        assert archive.read("x.csv") == csv
        sidecar = json.loads(archive.read("x.metadata.json"))
    assert sidecar["filters"] == {"indicator": "fie_new_count"} and sidecar["rows"] == 1
    assert sidecar["warehouse_build_id"] == "b1" and sidecar["warehouse_data_hash"] == "h"
    assert len(sidecar["csv_sha256"]) == 64


def test_csv_of_a_view_equals_the_rows_the_page_queried(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    view = ViewFilter("fdi_actual_usd", 2019, 2024, ("Shanghai",))
    shown = queries.facts(wh, view)
    frame = read_back(export.csv_bytes(shown))
    assert list(frame["fact_id"]) == list(shown["fact_id"])
    assert list(frame["value"]) == list(shown["value"])
    assert len(frame) == 6 and set(frame["place"]) == {"Shanghai"}
