"""Money: currency markers, amounts after scale words, and yuan-to-dollar conversion.

Table-driven, in the manner of price-parser's test suite.
"""
from __future__ import annotations

import pytest

from etl.articles import parse_article
from etl.extract import extract
from etl.money import to_usd
from etl.numbers import find_figures, fold_punctuation


def rows(table):
    return [pytest.param(*row, id=str(row[0])) for row in table]


def money_figures(text: str):
    return [f for f in find_figures(fold_punctuation(text)) if f.kind in ("money", "equivalent")]


# --- currency markers: the amount as written, its value and currency --------
# Expected: (figure as written, value, currency) of the one money figure.

CURRENCIES = [
    ("paid-in capital of US$4.67 billion", "US$4.67 billion", 4.67e9, "USD"),
    ("an inflow of US$ 820 million", "US$ 820 million", 820e6, "USD"),
    ("contracts worth U.S.$2 billion", "U.S.$2 billion", 2e9, "USD"),
    ("a fund of $3.5 billion", "$3.5 billion", 3.5e9, "USD"),
    ("USD 120 million of new capital", "USD 120 million", 120e6, "USD"),
    ("investment of 120 million USD", "120 million USD", 120e6, "USD"),
    ("13.88 billion U.S. dollars of inflows", "13.88 billion U.S. dollars", 13.88e9, "USD"),
    ("some 5 billion US dollars in total", "5 billion US dollars", 5e9, "USD"),
    ("2.3 billion American dollars last year", "2.3 billion American dollars", 2.3e9, "USD"),
    ("500 million dollars in capital", "500 million dollars", 500e6, "USD"),
    ("8.9 billion yuan of foreign capital", "8.9 billion yuan", 8.9e9, "CNY"),
    ("1.13 trillion yuan of foreign capital", "1.13 trillion yuan", 1.13e12, "CNY"),
    ("capital of RMB 8.9 billion", "RMB 8.9 billion", 8.9e9, "CNY"),
    ("RMB450 million in subsidies", "RMB450 million", 450e6, "CNY"),
    ("300 million RMB of funding", "300 million RMB", 300e6, "CNY"),
    ("CNY 1.2 billion in orders", "CNY 1.2 billion", 1.2e9, "CNY"),
    ("an outlay of 75 million CNY", "75 million CNY", 75e6, "CNY"),
    ("\u00a550 million of support", "\u00a550 million", 50e6, "CNY"),
    ("two billion yuan of new capital", "two billion yuan", 2e9, "CNY"),
    ("a 600,000 yuan grant", "600,000 yuan", 600_000, "CNY"),
]


@pytest.mark.parametrize(("text", "span", "value", "currency"), rows(CURRENCIES))
def test_currency_markers_give_value_and_currency(text, span, value, currency):
    found = money_figures(text)
    assert [(f.text, f.kind, f.currency) for f in found] == [(span, "money", currency)]
    assert found[0].value == pytest.approx(value)


# --- a bracketed conversion is the same amount again, not a second figure ---
# Expected: the kinds of the money figures, in order.

EQUIVALENTS = [
    ("8.6 billion yuan (about US$1.2 billion) of planned investment", ["money", "equivalent"]),
    ("US$1.5 billion (10.7 billion yuan) in paid-in capital", ["money", "equivalent"]),
    ("RMB 710 million (around US$100 million) was invested", ["money", "equivalent"]),
    ("50 billion yuan (approximately 7 billion U.S. dollars)", ["money", "equivalent"]),
    ("US$2 billion in 2023 and US$2.4 billion in 2024", ["money", "money"]),
    ("US$300 million, while RMB 1 billion went to research", ["money", "money"]),
]


@pytest.mark.parametrize(("text", "kinds"), rows(EQUIVALENTS))
def test_bracketed_conversion_is_an_equivalent(text, kinds):
    assert [f.kind for f in money_figures(text)] == kinds


# --- to_usd: conversion at the year's average rate ---------------------------
# Rates (CNY per USD) are those of etl/catalog/exchange_rates.csv:
# 2016 6.6423, 2020 6.8976, 2022 6.7261, 2023 7.0467, 2024 7.1217.

CONVERSIONS = [
    (7.0467e9, "CNY", 2023, 1e9),
    (1.13e12, "CNY", 2023, 1.13e12 / 7.0467),
    (6.7261e8, "CNY", 2022, 1e8),
    (71.217e9, "CNY", 2024, 1e10),
    (6.8976e6, "CNY", 2020, 1e6),
    (66.423e9, "CNY", 2016, 1e10),
    (13.88e9, "USD", 2023, 13.88e9),
    (4.67e9, "USD", 1995, 4.67e9),
    (250e6, "USD", None, 250e6),
]


@pytest.mark.parametrize(("amount", "currency", "year", "expected"), rows(CONVERSIONS))
def test_yuan_converts_at_the_years_rate(amount, currency, year, expected):
    value, note = to_usd(amount, currency, year)
    assert value == pytest.approx(expected, rel=1e-6)
    assert note is None


# --- no rate, no guess: value None and a note that says why -----------------
# Expected: words the note must contain.

NO_RATE = [
    (8.9e9, "CNY", 1995, ["1995", "rate"]),
    (8.9e9, "CNY", 2009, ["2009", "rate"]),
    (8.9e9, "CNY", 2031, ["2031", "rate"]),
    (8.9e9, "CNY", None, ["year"]),
]


@pytest.mark.parametrize(("amount", "currency", "year", "words"), rows(NO_RATE))
def test_year_without_rate_gives_no_value_and_a_reason(amount, currency, year, words):
    value, note = to_usd(amount, currency, year)
    assert value is None
    assert note
    for word in words:
        assert word in note.lower()


# --- in context: a yuan fact keeps the original and carries the dollar value --
# Expected: (value in USD or None, original_value, original_unit, a word of the note or None)

IN_CONTEXT = [
    (" date 2024-02-20 In 2023, actual use of foreign capital in Minhang reached 8.9 billion yuan.",
     (8.9e9 / 7.0467, 8.9e9, "CNY", None)),
    (" date 2023-02-15 In 2022, paid-in foreign capital in Jiading totaled RMB 6.7261 billion.",
     (1e9, 6.7261e9, "CNY", None)),
    (" date 2024-02-20 In 2023, actual use of foreign capital in Xuhui reached US$1.4 billion.",
     (1.4e9, 1.4e9, "USD", None)),
    (" date 2009-12-01 This year, actual use of foreign capital in Songjiang reached 5 billion yuan.",
     (None, 5e9, "CNY", "2009")),
]


@pytest.mark.parametrize(("raw", "expected"), rows(IN_CONTEXT))
def test_yuan_facts_keep_the_original_amount(raw, expected):
    value, original_value, original_unit, note_word = expected
    facts = extract(parse_article("t", raw)).facts
    assert [f.indicator for f in facts] == ["fdi_actual_usd"]
    fact = facts[0]
    assert fact.original_value == pytest.approx(original_value)
    assert fact.original_unit == original_unit
    if value is None:
        assert fact.value is None
        assert note_word in (fact.value_note or "")
    else:
        assert fact.value == pytest.approx(value, rel=1e-6)
        assert fact.value_note is None
