"""Frames in, Plotly figures out (pure). One colour per place, the same on every page.

Marker shapes say how exact a figure is: a filled circle is exact, a diamond
approximate, a triangle up a lower bound ("over 200"), a triangle down an
upper bound. Full-year figures (and year-end stocks) are joined by a line;
partial-year, as-of and event figures are separate labelled markers, never
drawn as if they covered the whole year.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app import format as fmt

PLACE_ORDER = ["China", "Shanghai", "Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu",
               "Minhang", "Baoshan", "Jiading", "Pudong", "Jinshan", "Songjiang", "Qingpu", "Fengxian",
               "Chongming"]
_PALETTE = ["#444444", "#1f4e9c", "#e6194b", "#3cb44b", "#f58231", "#911eb4", "#42a5b3", "#f032e6",
            "#9a6324", "#808000", "#000075", "#e6a100", "#0082c8", "#aa6e28", "#800000", "#2e8b57",
            "#d2691e", "#6a5acd"]
PLACE_COLORS = dict(zip(PLACE_ORDER, _PALETTE))
QUALIFIER_SYMBOLS = {"exact": "circle", "approx": "diamond", "at_least": "triangle-up",
                     "at_most": "triangle-down", "mixed": "square"}
FONT = dict(size=16)
TILES_FILE = Path(__file__).with_name("district_tiles.csv")


def district_tiles() -> pd.DataFrame:
    """Each district's square on the tile map: its row and column, roughly where it lies."""
    with open(TILES_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return pd.DataFrame({"district": [r["district"] for r in rows],
                         "row": [int(r["row"]) for r in rows], "col": [int(r["col"]) for r in rows]})


def _wrapped(text: str, width: int = 70) -> str:
    """Article text for a tooltip: escaped (Plotly renders tags), wrapped, at most four lines.

    A plain greedy wrap on spaces (words longer than a line are cut): `textwrap` costs
    ~30 µs a call, which is most of a chart's time at thousands of points.
    """
    escaped = html.escape(text or "")
    if len(escaped) <= width and "\n" not in escaped:
        return escaped
    lines: list[str] = []
    line = ""
    for word in escaped.split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
        if len(lines) > 4:
            break
    if line:
        lines.append(line)
    return "<br>".join(lines[:4]) + (" …" if len(lines) > 4 else "")


def _column(frame: pd.DataFrame, name: str, default=None) -> list:
    """A column as Python objects (iterating Arrow-backed columns row by row is slow), NaN/NaT as None."""
    if name not in frame:
        return [default] * len(frame)
    column = frame[name]
    return [None if v is None or v != v else v for v in column.astype(object).tolist()]


def _dates(frame: pd.DataFrame, name: str) -> list:
    if name not in frame:
        return [None] * len(frame)
    return _column(pd.DataFrame({name: pd.to_datetime(frame[name]).dt.strftime("%Y-%m-%d")}), name)


def _hover(frame: pd.DataFrame) -> list[str]:
    """Tooltip per point: the figure, and where it comes from (title, date, outlet, sentence)."""
    lines = []
    columns = zip(_column(frame, "geo"), _column(frame, "period_label"), _column(frame, "value"),
                  _column(frame, "unit"), _column(frame, "qualifier"), _column(frame, "yoy_pct"),
                  _column(frame, "title"), _dates(frame, "published"), _column(frame, "outlet"),
                  _column(frame, "sources", 1), _column(frame, "conflict", False), _column(frame, "sentence"))
    for geo, period, value, unit, qualifier, yoy_pct, title, published, outlet, sources, conflict, sentence in columns:
        sources = 1 if sources is None else int(sources)
        change = fmt.yoy(yoy_pct)
        published = published or "date not stated"
        outlet = outlet if isinstance(outlet, str) else "outlet unknown"
        lines.append(
            f"<b>{html.escape(geo)}</b> · {html.escape(period)}<br>"
            f"<b>{fmt.figure(value, unit, qualifier)}</b>" + (f" ({change})" if change else "")
            + f" · {fmt.QUALIFIER_WORDS.get(qualifier, qualifier)}"
            + f"<br><i>{_wrapped(title, 80)}</i><br>{published}, {html.escape(outlet)}"
            + (f" · and {sources - 1} more source{'s' if sources > 2 else ''}" if sources > 1 else "")
            + ("<br><b>sources disagree on this period</b>" if conflict else "")
            + f"<br>“{_wrapped(sentence)}”")
    return lines


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts, without Plotly's per-property validation.

    Validating a figure of a few thousand points costs ~100 ms per chart; the dicts
    here are fixed shapes (tests check that Plotly accepts them: `validated`).
    Streamlit serializes the figure as it is.
    """
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def validated(fig: go.Figure) -> go.Figure:
    """The same figure passed through Plotly's validation (raises on any invalid property)."""
    return go.Figure(fig.to_dict())


def _layout(y_title: str, height: int = 460, **extra) -> dict:
    return {"font": FONT, "height": height, "margin": dict(l=10, r=10, t=30, b=10), "hovermode": "closest",
            "legend": dict(orientation="h", y=-0.18), "yaxis": {"title": {"text": y_title}},
            "clickmode": "event+select", **extra}


def is_series_point(frame: pd.DataFrame) -> pd.Series:
    """Which observations form a comparable yearly series: full years and year-end stocks."""
    year_end = frame["period_start"].isna() & pd.to_datetime(frame["period_end"]).dt.strftime("%m-%d").eq("12-31")
    return frame["full_year"].fillna(False).astype(bool) | year_end


def by_year(observations: pd.DataFrame, unit: str) -> go.Figure:
    """An indicator over time, one colour per place.

    Columns are read out of the frame once and rows grouped in Python: slicing the
    frame per place and per kind of point cost ~10 ms a trace at thousands of points.
    """
    years, geos = _column(observations, "year"), _column(observations, "geo")
    periods, qualifiers = _column(observations, "period_label"), _column(observations, "qualifier")
    articles = _column(observations, "article")
    hover = _hover(observations)
    # Coordinates go to Plotly as arrays: Plotly deep-copies a figure twice on its way to the
    # browser, a list number by number, an array whole; and it sends arrays as base64.
    year_array = observations["year"].to_numpy(dtype=float, na_value=np.nan)
    value_array = observations["value"].to_numpy(dtype=float, na_value=np.nan)
    rows: dict[tuple[str, bool], list[int]] = {}
    for i, is_series in enumerate(is_series_point(observations).tolist()):
        rows.setdefault((geos[i], bool(is_series)), []).append(i)
    traces = []
    for geo in [p for p in PLACE_ORDER if p in set(geos)]:
        color = PLACE_COLORS[geo]
        for is_series in (True, False):
            part = sorted(rows.get((geo, is_series), []), key=lambda i: years[i])
            if not part:
                continue
            traces.append({
                "type": "scatter", "x": year_array[part], "y": value_array[part],
                "name": geo if is_series else f"{geo} (part year / event)",
                "mode": "lines+markers" if is_series else "markers+text",
                **({} if is_series else {"text": [periods[i] for i in part]}), "textposition": "top center",
                "line": dict(color=color, width=3), "legendgroup": geo,
                "marker": dict(color=color, size=14,
                               symbol=[QUALIFIER_SYMBOLS.get(qualifiers[i], "circle") for i in part],
                               line=dict(width=2, color="white" if is_series else color)),
                "opacity": 1 if is_series else 0.8,
                "customdata": [articles[i] for i in part],
                "hovertext": [hover[i] for i in part], "hoverinfo": "text"})
    return _figure(traces, _layout(fmt.UNIT_WORDS.get(unit, unit),
                                   xaxis={"dtick": 1, "tickformat": "d", "title": {"text": "year"}}))


def by_district(latest: pd.DataFrame, unit: str) -> go.Figure:
    """Districts compared: the latest figure of each within the chosen years."""
    frame = latest.sort_values("value", ascending=True, kind="stable")
    values, qualifiers, periods = _column(frame, "value"), _column(frame, "qualifier"), _column(frame, "period_label")
    geos = _column(frame, "geo")
    trace = {"type": "bar", "x": values, "y": geos, "orientation": "h",
             "marker": {"color": [PLACE_COLORS.get(g, "#888") for g in geos]},
             "text": [f"{fmt.figure(v, unit, q)} · {p}" for v, q, p in zip(values, qualifiers, periods)],
             "textposition": "auto",
             "customdata": _column(frame, "article"),
             "hovertext": _hover(frame), "hoverinfo": "text"}
    return _figure([trace], _layout("", height=max(320, 48 * len(frame) + 80),
                                    xaxis={"title": {"text": fmt.UNIT_WORDS.get(unit, unit)}}))


def district_map(latest: pd.DataFrame, unit: str) -> go.Figure:
    """A tile map of Shanghai: one square per district, placed roughly where it lies (north up,
    not to scale), coloured by the figure; grey where there is none.

    Drawn on plain axes from a file shipped with the app: no map tiles, no network request,
    and no small central district hidden under its neighbours' labels.
    """
    tiles = district_tiles().merge(latest, left_on="district", right_on="geo", how="left")
    has = tiles["value"].notna()
    top = float(tiles.loc[has, "value"].max()) if has.any() else 1.0
    traces = []
    for with_figure, part in ((False, tiles[~has]), (True, tiles[has])):
        if part.empty:
            continue
        districts, values = _column(part, "district"), _column(part, "value")
        qualifiers, periods = _column(part, "qualifier"), _column(part, "period_label")
        marker = {"symbol": "square", "size": 92, "line": dict(width=2, color="white"),
                  "color": values if with_figure else "#d9d9d9", "showscale": with_figure}
        if with_figure:
            marker.update(colorscale="Blues", cmin=0, cmax=top,
                          colorbar={"title": {"text": fmt.UNIT_WORDS.get(unit, unit)}})
        trace = {
            "type": "scatter", "x": _column(part, "col"), "y": [-r for r in _column(part, "row")],
            "mode": "markers+text", "textposition": "middle center",
            "text": [f"<b>{d}</b><br>{fmt.figure(v, unit, q)}" if with_figure else f"<b>{d}</b>"
                     for d, v, q in zip(districts, values, qualifiers)],
            "textfont": dict(size=13, color=["white" if with_figure and v > top * 0.55 else "#222" for v in values]),
            "marker": marker, "hoverinfo": "text",
            "hovertext": [f"{d}: {fmt.figure(v, unit, q)} ({p})" if with_figure else f"{d}: no figure in view"
                          for d, v, q, p in zip(districts, values, qualifiers, periods)]}
        if with_figure:
            trace["customdata"] = _column(part, "article")
        traces.append(trace)
    return _figure(traces, _layout("", height=640, showlegend=False, plot_bgcolor="rgba(0,0,0,0)",
                                   xaxis={"visible": False, "range": [-0.6, 4.6]},
                                   yaxis={"visible": False, "range": [-5.6, 0.6], "scaleanchor": "x",
                                          "scaleratio": 1}))
