"""Text from articles is always shown escaped: in marked-up text, sentences and chart tooltips."""
from __future__ import annotations

import pandas as pd

from app import charts
from app.highlight import marked_html, sentence_html

HOSTILE = 'Pudong set up <b>88</b> firms <script>alert("x")</script> [link](javascript:alert(1)) <img src=x onerror=y>'


def test_marked_text_escapes_markup_and_marks_only_the_figure():
    start = HOSTILE.index("88")
    out = marked_html(HOSTILE, [(start, start + 2, "fact", 'note "quoted"')])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<img" not in out and "&lt;img" in out
    assert out.count("<mark") == 1 and ">88</mark>" in out
    assert 'title="note &quot;quoted&quot;"' in out


def test_out_of_range_or_overlapping_spans_are_skipped_not_broken():
    out = marked_html("abc def", [(0, 3, "fact", ""), (1, 2, "fact", ""), (5, 99, "fact", "")])
    assert out.count("<mark") == 1 and out.endswith(" def")


def test_sentence_marks_its_figure():
    assert sentence_html("Over 200 guests <i>came</i>", "200") .count("<mark") == 1
    assert "&lt;i&gt;" in sentence_html("Over 200 guests <i>came</i>", "200")


def test_chart_tooltip_escapes_article_text():
    frame = pd.DataFrame([{
        "geo": "Pudong", "period_label": "2023", "value": 88.0, "unit": "count", "qualifier": "exact",
        "yoy_pct": None, "title": "<script>t()</script>", "published": pd.Timestamp("2024-01-01"),
        "outlet": "<b>x</b>", "sentence": HOSTILE, "sources": 1, "conflict": False, "year": 2023,
        "full_year": True, "period_start": pd.Timestamp("2023-01-01"), "period_end": pd.Timestamp("2023-12-31"),
        "article": "a", "fact_id": "f"}])
    hover = charts.by_year(frame, "count").data[0].hovertext[0]
    assert "<script>" not in hover and "&lt;script&gt;" in hover and "&lt;img" in hover
    assert "2024-01-01" in hover
