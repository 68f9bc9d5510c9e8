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
import textwrap
from pathlib import Path

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
    """Article text for a tooltip: escaped (Plotly renders tags), wrapped, at most four lines."""
    lines = textwrap.wrap(html.escape(text or ""), width)
    return "<br>".join(lines[:4]) + (" …" if len(lines) > 4 else "")


def _hover(frame: pd.DataFrame) -> list[str]:
    """Tooltip per point: the figure, and where it comes from (title, date, outlet, sentence)."""
    lines = []
    for row in frame.itertuples():
        sources = getattr(row, "sources", 1)
        change = fmt.yoy(row.yoy_pct)
        published = row.published.date().isoformat() if pd.notna(getattr(row, "published", None)) else "date not stated"
        outlet = row.outlet if isinstance(getattr(row, "outlet", None), str) else "outlet unknown"
        lines.append(
            f"<b>{html.escape(row.geo)}</b> · {html.escape(row.period_label)}<br>"
            f"<b>{fmt.figure(row.value, row.unit, row.qualifier)}</b>" + (f" ({change})" if change else "")
            + f" · {fmt.QUALIFIER_WORDS.get(row.qualifier, row.qualifier)}"
            + f"<br><i>{_wrapped(row.title, 80)}</i><br>{published}, {html.escape(outlet)}"
            + (f" · and {sources - 1} more source{'s' if sources > 2 else ''}" if sources > 1 else "")
            + ("<br><b>sources disagree on this period</b>" if getattr(row, "conflict", False) else "")
            + f"<br>“{_wrapped(row.sentence)}”")
    return lines


def _layout(fig: go.Figure, y_title: str, height: int = 460) -> go.Figure:
    fig.update_layout(font=FONT, height=height, margin=dict(l=10, r=10, t=30, b=10), hovermode="closest",
                      legend=dict(orientation="h", y=-0.18), yaxis_title=y_title, clickmode="event+select")
    return fig


def is_series_point(frame: pd.DataFrame) -> pd.Series:
    """Which observations form a comparable yearly series: full years and year-end stocks."""
    year_end = frame["period_start"].isna() & pd.to_datetime(frame["period_end"]).dt.strftime("%m-%d").eq("12-31")
    return frame["full_year"].fillna(False).astype(bool) | year_end


def by_year(observations: pd.DataFrame, unit: str) -> go.Figure:
    """An indicator over time, one colour per place."""
    fig = go.Figure()
    series_mask = is_series_point(observations)
    for geo in [p for p in PLACE_ORDER if p in set(observations["geo"])]:
        color = PLACE_COLORS[geo]
        mine = observations[observations["geo"] == geo]
        for is_series, part in ((True, mine[series_mask[mine.index]]), (False, mine[~series_mask[mine.index]])):
            if part.empty:
                continue
            part = part.sort_values("year")
            fig.add_trace(go.Scatter(
                x=part["year"], y=part["value"], name=geo if is_series else f"{geo} (part year / event)",
                mode="lines+markers" if is_series else "markers+text",
                text=None if is_series else part["period_label"], textposition="top center",
                line=dict(color=color, width=3), legendgroup=geo,
                marker=dict(color=color, size=14, symbol=[QUALIFIER_SYMBOLS.get(q, "circle") for q in part["qualifier"]],
                            line=dict(width=2, color="white" if is_series else color)),
                opacity=1 if is_series else 0.8,
                customdata=part[["article", "fact_id"]].to_numpy(),
                hovertext=_hover(part), hoverinfo="text"))
    fig.update_xaxes(dtick=1, tickformat="d", title="year")
    return _layout(fig, fmt.UNIT_WORDS.get(unit, unit))


def by_district(latest: pd.DataFrame, unit: str) -> go.Figure:
    """Districts compared: the latest figure of each within the chosen years."""
    frame = latest.sort_values("value", ascending=True)
    fig = go.Figure(go.Bar(
        x=frame["value"], y=frame["geo"], orientation="h",
        marker_color=[PLACE_COLORS.get(g, "#888") for g in frame["geo"]],
        text=[f"{fmt.figure(v, unit, q)} · {p}" for v, q, p in zip(frame["value"], frame["qualifier"], frame["period_label"])],
        textposition="auto", customdata=frame[["article", "fact_id"]].to_numpy(),
        hovertext=_hover(frame), hoverinfo="text"))
    return _layout(fig, "", height=max(320, 48 * len(frame) + 80)).update_xaxes(title=fmt.UNIT_WORDS.get(unit, unit))


def district_map(latest: pd.DataFrame, unit: str) -> go.Figure:
    """A tile map of Shanghai: one square per district, placed roughly where it lies (north up,
    not to scale), coloured by the figure; grey where there is none.

    Drawn on plain axes from a file shipped with the app: no map tiles, no network request,
    and no small central district hidden under its neighbours' labels.
    """
    tiles = district_tiles().merge(latest, left_on="district", right_on="geo", how="left")
    has = tiles["value"].notna()
    top = float(tiles.loc[has, "value"].max()) if has.any() else 1.0
    fig = go.Figure()
    for with_figure, part in ((False, tiles[~has]), (True, tiles[has])):
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["col"], y=-part["row"], mode="markers+text", textposition="middle center",
            text=[f"<b>{d}</b><br>{fmt.figure(v, unit, q)}" if with_figure else f"<b>{d}</b>"
                  for d, v, q in zip(part["district"], part["value"], part["qualifier"])],
            textfont=dict(size=13, color=["white" if with_figure and v > top * 0.55 else "#222"
                                          for v in part["value"]]),
            marker=dict(symbol="square", size=92, line=dict(width=2, color="white"),
                        color=part["value"] if with_figure else "#d9d9d9",
                        colorscale="Blues" if with_figure else None, cmin=0 if with_figure else None,
                        cmax=top if with_figure else None, showscale=with_figure,
                        colorbar=dict(title=fmt.UNIT_WORDS.get(unit, unit)) if with_figure else None),
            customdata=part[["article", "fact_id"]].to_numpy() if with_figure else None, hoverinfo="text",
            hovertext=[f"{d}: {fmt.figure(v, unit, q)} ({p})" if with_figure else f"{d}: no figure in view"
                       for d, v, q, p in zip(part["district"], part["value"], part["qualifier"],
                                             part["period_label"])]))
    fig.update_xaxes(visible=False, range=[-0.6, 4.6])
    fig.update_yaxes(visible=False, range=[-5.6, 0.6], scaleanchor="x", scaleratio=1)
    return _layout(fig, "", height=640).update_layout(showlegend=False, plot_bgcolor="rgba(0,0,0,0)")
