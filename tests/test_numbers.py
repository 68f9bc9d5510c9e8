"""Figures in prose: what number is written, where, and what kind of number it is.

Table-driven, in the manner of price-parser's test suite: each table is a list
of strings with the expected result, run through one parametrized test.
"""
from __future__ import annotations

import dataclasses

import pytest

from etl.numbers import FACT_KINDS, Figure, find_figures, fold_punctuation, parse_number


def figures(text: str):
    return find_figures(fold_punctuation(text))


def rows(table):
    """pytest params whose id is the input string."""
    return [pytest.param(*row, id=row[0]) for row in table]


# --- parse_number: a token as written -> its value -------------------------

PARSE_NUMBER = [
    ("6", 6),
    ("48", 48),
    ("2,345", 2345),
    ("12,400", 12400),
    ("1,234,567", 1234567),
    ("24,087.5", 24087.5),
    ("0.75", 0.75),
    ("38.3", 38.3),
    ("nine", 9),
    ("Fourteen", 14),
    ("Twelve", 12),
    ("twenty", 20),
    ("twenty-five", 25),
    ("Thirty-six", 36),
    ("forty two", 42),
    ("a hundred", 100),
    ("one hundred", 100),
    ("two hundred", 200),
    ("two hundred and fifty", 250),
    ("three thousand", 3000),
    ("a thousand", 1000),
]


@pytest.mark.parametrize(("token", "expected"), rows(PARSE_NUMBER))
def test_number_tokens_are_parsed(token, expected):
    assert parse_number(token) == pytest.approx(expected)


@pytest.mark.parametrize("digits", ["0", "007", "2024", "12345678901234567890123"])
def test_plain_digit_runs_read_as_parse_number_reads_them(digits):
    """find_figures reads a plain run of digits with float() itself, without parse_number."""
    (figure,) = find_figures(f"Investors signed {digits} contracts.")
    assert figure.value == parse_number(digits)
    assert type(figure.value) is float


# --- find_figures: every figure as written and its value --------------------
# Expected: the list of (figure as written, value) in order.

VALUES = [
    ("one million square meters of space", [("one million", 1e6)]),
    # digits with separators and decimals
    ("Minhang registered 2,345 companies", [("2,345", 2345)]),
    ("the park now hosts 1,234,567 square meters of offices", [("1,234,567", 1234567)]),
    ("a fund of 0.5 billion dollars", [("0.5 billion dollars", 0.5e9)]),
    ("the district counted 87 firms and 312 shops", [("87", 87), ("312", 312)]),
    ("revenue of 3.75 million", [("3.75 million", 3.75e6)]),
    # spelled-out numbers
    ("nine roundtable meetings were held", [("nine", 9)]),
    ("Fourteen new research centres opened", [("Fourteen", 14)]),
    ("a hundred problems were raised", [("a hundred", 100)]),
    ("some two hundred guests came", [("two hundred", 200)]),
    ("twenty-five projects were signed", [("twenty-five", 25)]),
    ("Eleven companies joined", [("Eleven", 11)]),
    ("sixty delegates from Europe", [("sixty", 60)]),
    ("two billion yuan of new capital", [("two billion yuan", 2e9)]),
    # scale words
    ("investment of 3 thousand dollars", [("3 thousand dollars", 3e3)]),
    ("US$750 million in new capital", [("US$750 million", 750e6)]),
    ("US$4.67 billion of paid-in capital", [("US$4.67 billion", 4.67e9)]),
    ("1.13 trillion yuan of foreign capital", [("1.13 trillion yuan", 1.13e12)]),
    ("a 2.5 bln yuan industrial fund", [("2.5 bln yuan", 2.5e9)]),
    ("orders worth 800 mln dollars", [("800 mln dollars", 800e6)]),
    ("an outlay of $1.2bn", [("$1.2bn", 1.2e9)]),
    ("a deal worth 3 bn yuan", [("3 bn yuan", 3e9)]),
    ("13.88 billion U.S. dollars of inflows", [("13.88 billion U.S. dollars", 13.88e9)]),
    ("capital of RMB 8.9 billion", [("RMB 8.9 billion", 8.9e9)]),
    # percentages keep their sign word out and the percent sign in
    ("up 5.9 percent", [("5.9 percent", 5.9)]),
    ("a rise of 12% in a year", [("12%", 12)]),
    ("a gain of 4 per cent", [("4 per cent", 4)]),
]


@pytest.mark.parametrize(("text", "expected"), rows(VALUES))
def test_figures_are_read_with_value_and_span_as_written(text, expected):
    found = figures(text)
    assert [(f.text, pytest.approx(f.value)) for f in found] == [
        (span, pytest.approx(value)) for span, value in expected]
    for f in found:
        assert text[f.start:f.end] == f.text


# --- kinds: what sort of number a figure is ---------------------------------
# Expected: the figure written as `span` has this kind.

KINDS = [
    # plain quantities
    ("the district attracted 418 foreign firms", "418", "count"),
    ("Pudong counted twenty-five new centres", "twenty-five", "count"),
    ("US$3 billion of foreign investment", "US$3 billion", "money"),
    ("320,000 square meters of floor space", "320,000", "area"),
    ("a campus of 45,000 sq m", "45,000", "area"),
    ("85,000 square metres of offices", "85,000", "area"),
    # years
    ("In 2023, the city grew", "2023", "year"),
    ("compared with 1994 levels", "1994", "year"),
    ("the plan for 2025 was unveiled", "2025", "year"),
    # dates
    ("the expo opened on November 5", "5", "date"),
    ("the forum held on 12 March", "12", "date"),
    ("signed on Nov. 8 in Qingpu", "8", "date"),
    ("the deadline of June 30, 2024", "30", "date"),
    # durations
    ("open to investors for more than 50 years", "50", "duration"),
    ("a partnership spanning 30 years", "30", "duration"),
    ("a 20-year lease on the site", "20", "duration"),
    ("growth for three consecutive years", "three", "duration"),
    ("completed within 18 months", "18", "duration"),
    # versions
    ("the 2.0 version of the action plan", "2.0", "version"),
    ("the policy package version 3.0", "3.0", "version"),
    ("factories built for Industry 4.0", "4.0", "version"),
    # percent
    ("up 38.3 percent from a year earlier", "38.3 percent", "percent"),
    ("accounting for 62.1 percent of the total", "62.1 percent", "percent"),
    ("a rise of 7.5% in output", "7.5%", "percent"),
    ("up 1.2 percentage points", "1.2 percentage points", "percent"),
    ("down 3 per cent on the year", "3 per cent", "percent"),
]


@pytest.mark.parametrize(("text", "span", "kind"), rows(KINDS))
def test_figures_are_classified_by_kind(text, span, kind):
    found = {f.text: f.kind for f in figures(text)}
    assert span in found, f"no figure {span!r} in {sorted(found)}"
    assert found[span] == kind


# --- not quantities: ordinals, identifiers, vague amounts -------------------
# No figure in these strings may be a count, money or area.

NOT_QUANTITIES = [
    "the 6th China International Import Expo",
    "the 34th anniversary of the development zone",
    "ranked 1st among the districts",
    "a 2nd round of talks",
    "5G base stations cover the park",
    "a 5G-enabled factory",
    "after the COVID-19 pandemic",
    "the G60 innovation corridor",
    "since the 1990s",
    "nearly half of the firms surveyed",
    "tens of thousands of visitors",
    "dozens of foreign banks",
    "the third batch of key projects",
    "one of the city's largest employers",
]


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in NOT_QUANTITIES])
def test_ordinals_identifiers_and_vague_amounts_are_not_quantities(text):
    quantities = [(f.text, f.kind) for f in figures(text) if f.kind in FACT_KINDS]
    assert quantities == []


# --- no figure at all --------------------------------------------------------

NO_FIGURE = [
    "the third batch of key projects",
    "nearly half of the firms surveyed",
    "the second international school in the area",
    "one of the city's largest employers",
    "tens of thousands of visitors",
]


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in NO_FIGURE])
def test_words_that_are_not_numbers_yield_no_figure(text):
    assert figures(text) == []


# --- typographic punctuation is folded without moving offsets ---------------

FOLDING = [
    ("\u201cUS$2 billion\u201d", "\"US$2 billion\""),
    ("January\u2013June", "January-June"),
    ("Jing\u2019an", "Jing'an"),
    ("12\u00a0percent", "12 percent"),
]


@pytest.mark.parametrize(("text", "expected"), rows(FOLDING))
def test_typographic_punctuation_folds_one_for_one(text, expected):
    folded = fold_punctuation(text)
    assert folded == expected
    assert len(folded) == len(text)


def test_ascii_folds_lists_every_character_that_case_insensitive_matching_equates_with_ascii():
    # lowered() copies are matched case-sensitively; that is only exact when no
    # other character can match an ASCII letter or digit case-insensitively.
    import re

    from etl.numbers import ASCII_FOLDS
    everything = "".join(map(chr, range(0x80, 0x110000)))
    assert "".join(re.findall(r"[a-z0-9]", everything, re.IGNORECASE)) == ASCII_FOLDS


@pytest.mark.parametrize("text", [
    "US$5 USD5 U.S.$ 7 RMB 3 CNY2 \u00a54 $1,000.5 a hundred an thousand one million twenty-five 3/4 1.2.3",
    "Fourteen, Twenty Five; x5 _5 -5 .5 ,5 /5 caf\u00e95 \u00e9 seven \u017fix 5 \u212a9 A Hundred and Ten",
    "Fourteen, Twenty Five; x5 _5 -5 .5 ,5 /5 caf\u00e95 \u00e9 seven six 5 K9 A Hundred and Ten",
    "9 a\thundred one\nbillion 2023-24 No.5 5th 10:30 5 sq m",
    "5%6 7%two 8 percent9 $5%US$6 one%",
])
def test_figures_are_those_of_the_full_figure_regex(text):
    from etl.numbers import _FIGURE, _figure_matches
    from etl.numbers import lowered
    expected = [(m.start(), m.end(), m.groups()) for m in _FIGURE.finditer(text)]
    assert list(_figure_matches(text, None)) == expected
    if lowered(text) is not None:
        # Read from the lower-cased copy, the groups are lower-cased.
        assert list(_figure_matches(text, lowered(text))) == [
            (start, end, tuple(g and g.lower() for g in groups)) for start, end, groups in expected]


def test_one_match_of_named_regexes_is_named_for_the_first_that_matches():
    import re

    from etl.numbers import _KIND_AFTER, _KIND_AFTER_PERIOD, _first_matching, lowered
    named = [
        ("caseless_ascii", re.compile(r"\s?k\b", re.IGNORECASE | re.ASCII)),
        ("letter", re.compile(r"[a-z]", re.IGNORECASE | re.ASCII)),
        ("caseless_unicode", re.compile(r"\s+s\b", re.IGNORECASE)),
        ("digit", re.compile(r"-\d")),
    ]
    first, first_in_lower = _first_matching(named), _first_matching(named, lower_case=True)
    windows = ["k", "K", "\u212a", " k\u00e9", "S", " \u017f", "\u2003s", "\u2003k", "-\u0663", "-5", "a", "", " K\u00c9",
               "\u00e9", " x"]
    for window in windows:
        expected = next((name for name, pattern in named if pattern.match(window)), None)
        m = first.match(window)
        assert (m.lastgroup if m else None) == expected, window
        if lowered(window) is not None:
            m = first_in_lower.match(lowered(window))
            assert (m.lastgroup if m else None) == expected, window
    # A match ends where the window given as endpos ends, as if the text were cut there.
    assert first.match("x kx", 1, 3).lastgroup == "caseless_ascii" and first.match("x kx", 1) is None
    with pytest.raises(ValueError):
        _first_matching([("capital", re.compile("[A-Z]"))], lower_case=True)
    assert _KIND_AFTER.match(" months").lastgroup == "period"
    assert _KIND_AFTER_PERIOD.match(" months").lastgroup == "duration"


@pytest.mark.parametrize("after", [
    "-plus", "-PLUS", "-Plus5", "-plush", "+", " or more", " Or More", "\tOR\n more", " or moreover", " and above",
    " AND ABOVE.", " and above-", "\u2003or more", " or", "", "plus", " or m\u00f6re",
    "    or more", "     or more", "     or moreover", "      or more", "   and above", "   and aboveboard",
    "    and above", "  and aboveboard", " -plus",
])
def test_qualifier_after_is_read_within_the_12_characters_after_the_figure(after):
    """The figure regex's look-ahead for "or more" and the like matches where a search
    of the phrases in the 12 characters after the figure does, in the lower-cased text
    and in text that cannot be lower-cased (a dotted capital I after the window)."""
    import re
    phrases_in_window = re.compile(r"-plus\b|\+|\s+or more\b|\s+and above\b", re.IGNORECASE | re.ASCII)
    for tail in ("", " " * 14 + "\u0130"):
        text = "5" + after + tail
        expected = "at_least" if phrases_in_window.match(text, 1, 13) else "exact"
        assert find_figures(text)[0].qualifier == expected, text


@pytest.mark.parametrize("sentence", [
    "In 2023, Shanghai's FDI rose -- up 5%!", "  Tabs\tand\nlines _under_score  ", "caf\u00e9 \u00c9T\u00c9 \u0130stanbul",
])
def test_sentence_key_is_the_words_lower_cased(sentence):
    import re

    from etl.extract import _sentence_key
    assert _sentence_key(sentence) == tuple(re.sub(r"\W+", " ", sentence).strip().lower().split(" "))


@pytest.mark.parametrize("text", [
    "In 2023, Shanghai's FDI rose -- up 5%! Tabs\tand\nlines _under_score.  Next one",
    "A-B/C: 1,234.5 (US$) #\x00\x7f\r\n\v\f end",
])
def test_sentence_keys_read_from_a_translated_text_are_those_of_its_slices(text):
    from etl.extract import _key_source, _sentence_key
    source = _key_source(text)
    spans = [(i, j) for i in range(0, len(text), 3) for j in range(i, len(text) + 1, 4)]
    assert [tuple(source[i:j].split()) for i, j in spans] == [_sentence_key(text[i:j]) for i, j in spans]


def test_non_ascii_text_has_no_translated_key_source():
    from etl.extract import _key_source
    assert _key_source("caf\u00e9 \u00c9T\u00c9. \u0130stanbul -- 5%") is None


@pytest.mark.parametrize("text", [
    "In 2023, Shanghai's FDI ROSE 5%.", "caf\u00e9 \u4e0a\u6d77 UP \u2014 5%", "caf\u00e9 \u00c9T\u00c9", "\u03a3\u0391\u03a3 x",
    "\u0130stanbul K", "\u212a\u017f FDI",
])
def test_lowered_text_sliced_is_its_slices_lowered(text):
    from etl.numbers import lowered
    whole = lowered(text)
    if whole is not None:
        spans = [(i, j) for i in range(len(text)) for j in range(i, len(text) + 1)]
        assert [whole[i:j] for i, j in spans] == [lowered(text[i:j]) for i, j in spans]


@pytest.mark.parametrize("suffixes", ["qualifiers", "months"])
def test_suffixes_by_last_character_end_a_string_as_the_whole_tuple_does(suffixes):
    from etl.numbers import _MONTH_LAST_WORDS, _QUALIFIER_PHRASES, by_last_character
    suffixes = {"qualifiers": _QUALIFIER_PHRASES, "months": _MONTH_LAST_WORDS}[suffixes]
    groups = by_last_character(suffixes)
    texts = ["", " ", ".", "x", "\u017f", *(
        f"{lead}{cut}" for suffix in suffixes for lead in ("", "up ", "x")
        for cut in (suffix, suffix[1:], suffix[:-1], suffix + "s", suffix.upper()))]
    assert sum(text.endswith(suffixes) for text in texts) > len(suffixes)
    for text in texts:
        assert text.endswith(groups.get(text[-1:], ())) == text.endswith(suffixes), text


def _qualifier_windows():
    from etl.numbers import _QUALIFIER_BEFORE, _QUALIFIER_WORD, _may_end_in_qualifier
    return _QUALIFIER_BEFORE, _may_end_in_qualifier, list(_QUALIFIER_WORD), [
        f"{lead}{phrase}{tail}" for phrase in _QUALIFIER_WORD
        for lead in ("", "rose by ", "x-", "Just ", "well\t")
        for tail in (" ", "\t", " a total of ", " the  ", " \n", "\u2003 ", " THE ")]


def _month_windows():
    from etl.numbers import _MONTH_BEFORE, _MONTH_LAST_WORDS_BY_LAST, _MONTHS
    months = _MONTHS.replace("Sept?", "Sep|Sept").split("|")
    return _MONTH_BEFORE, lambda words_before: words_before.endswith(
        _MONTH_LAST_WORDS_BY_LAST.get(words_before[-1:], ())), months, [
        f"{lead}{month}{tail}" for month in months for lead in ("", "on ", "x-", "\t")
        for tail in ("", " ", ".", ". ", "\t\n", ".\u2003 ", "  ")]


@pytest.mark.parametrize("windows", [_qualifier_windows, _month_windows], ids=["qualifier", "month"])
def test_a_look_behind_match_ends_in_one_of_its_last_words(windows):
    """_qualifier and _kind search only windows whose words end as a match can
    (_may_end_in_qualifier, _MONTH_LAST_WORDS): every match does."""
    from etl.numbers import lowered
    pattern, may_end_in_match, phrases, texts = windows()
    texts += [w.upper() for w in texts] + [w.replace("s", "\u017f") for w in texts]
    matched = 0
    for window in texts:
        if pattern.search(window, lowered(window)):
            matched += 1
            assert may_end_in_match(window.lower().rstrip()), window
    assert matched > len(phrases) * 20


def test_trie_alternation_matches_exactly_its_words():
    import re

    from etl.numbers import trie_alternation
    words = ["a", "ab", "abc", "b", "bc", "twenty", "two", "u.s"]
    whole = re.compile(f"(?:{trie_alternation(sorted(words))})\\Z")
    assert all(whole.match(w) for w in words)
    assert not any(whole.match(w) for w in ["", "ac", "tw", "c", "u_s", "twenty2"])


@pytest.mark.parametrize("source, expected", [
    (r"abc", ("abc",)),
    (r"ab\s+cdef", ("cdef",)),
    (r"(?:foo|barbaz)\s#", ("barbaz", "foo")),
    (r"(?:foo|bar)?x", ("x",)),
    (r"(?:foo|\w+)yz", ("yz",)),
    (r"(?:foo|\w+)", None),
    (r"\b(?:ab)+c?", ("ab",)),
    (r"x(?=longer)", ("x",)),
])
def test_required_strings_are_those_every_match_holds(source, expected):
    from etl.numbers import required_strings
    assert required_strings(source) == expected


def test_cues_find_nothing_in_texts_without_their_required_strings():
    """CaselessPattern skips its search where none of `required` is: pinned on every cue of the
    catalog, searched in every sentence of the dev set with each figure as the target."""
    import re
    from pathlib import Path

    from etl import indicators
    from etl.numbers import lowered
    patterns = [c for rule in indicators.rules() for c in rule.cues]
    patterns += [rule.requires for rule in indicators.rules() if rule.requires is not None]
    assert sum(p.required is not None for p in patterns) > len(patterns) // 2
    texts = []
    for path in sorted((Path(__file__).parent / "devset" / "articles").iterdir()):
        for sentence in re.split(r"(?<=[.!?])\s+", fold_punctuation(path.read_text(encoding="utf-8"))):
            figures = find_figures(sentence)
            texts += [indicators.cue_text(sentence, 0, f, [o for o in figures if o is not f]) for f in figures]
    matched = 0
    for text in texts:
        lower = lowered(text)
        if lower is None:
            continue
        for pattern in patterns:
            if pattern.required is not None and pattern.lower_case.search(lower):
                matched += 1
                assert any(s in lower for s in pattern.required), (pattern.source, text)
    assert matched > 50


def test_a_figure_is_a_frozen_dataclass_of_its_fields_in_order():
    figure = Figure(3, 5, 0, "12", 12.0, "count", None, "approx")
    assert list(vars(figure).items()) == list(zip([f.name for f in dataclasses.fields(Figure)],
                                                  [3, 5, 0, "12", 12.0, "count", None, "approx"]))
    assert figure == Figure(3, 5, 0, "12", 12.0, "count", None, "approx")
    assert hash(figure) == hash(Figure(3, 5, 0, "12", 12.0, "count", None, "approx"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        figure.kind = "money"


def test_a_found_figure_is_the_figure_its_fields_make():
    """find_figures fills in a figure's dict itself; it must be the one Figure(...) makes."""
    names = [f.name for f in dataclasses.fields(Figure)]
    for found in find_figures("In 2023 about 1,200 firms (up 5%) won US$3 bn, or RMB 20 billion."):
        made = Figure(*(getattr(found, name) for name in names))
        assert found == made and hash(found) == hash(made) and repr(found) == repr(made)
        assert list(vars(found).items()) == list(vars(made).items())
        with pytest.raises(dataclasses.FrozenInstanceError):
            found.value = 0.0
