"""Periods, event dates and inferred years, resolved against the article's date.

Table-driven, in the manner of price-parser's test suite.
"""
from __future__ import annotations

from datetime import date

import pytest

from etl.articles import parse_article
from etl.periods import Reference, find_event_date, find_period, infer_year


def D(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def ref(published: str | None, year: int | None = None) -> Reference:
    day = D(published)
    return Reference(day, day.year if day else year)


# --- find_period ----------------------------------------------------------------
# Expected: (period_start, period_end, year), or None when the sentence states no period.

PERIODS = [
    ("As of end-November, Changning was home to 103 regional headquarters.", ref("2024-12-06"),
     (None, "2024-11-30", 2024)),
    ("Since the start of the year, Minhang has held 40 events.", ref("2024-05-10"),
     ("2024-01-01", None, 2024)),
    # full years
    ("In 2023, Shanghai attracted 4,200 new foreign firms.", ref("2024-02-10"),
     ("2023-01-01", "2023-12-31", 2023)),
    ("Last year, Pudong added 41 regional headquarters.", ref("2024-03-15"),
     ("2023-01-01", "2023-12-31", 2023)),
    ("Foreign firms in Qingpu grew steadily during 2022.", ref("2023-06-01"),
     ("2022-01-01", "2022-12-31", 2022)),
    ("For the whole of last year, paid-in capital reached US$2 billion.", ref("2024-01-20"),
     ("2023-01-01", "2023-12-31", 2023)),
    ("In 2023, paid-in capital rose 4 percent from 2022.", ref("2024-02-10"),
     ("2023-01-01", "2023-12-31", 2023)),
    # year to date
    ("This year, the district has added 12 research centres.", ref("2024-05-10"),
     ("2024-01-01", None, 2024)),
    ("Since the beginning of this year, Minhang has held 40 events.", ref("2024-05-10"),
     ("2024-01-01", None, 2024)),
    ("Since the start of this year, 30 measures were released.", ref("2024-05-10"),
     ("2024-01-01", None, 2024)),
    ("So far this year, eight new headquarters were set up.", ref("2024-05-10"),
     ("2024-01-01", None, 2024)),
    ("Since the beginning of this year, 20 projects were signed.", ref(None, 2023),
     ("2023-01-01", None, 2023)),
    # halves
    ("In the first half (H1) of 2023, paid-in capital fell.", ref("2023-07-25"),
     ("2023-01-01", "2023-06-30", 2023)),
    ("In the first half of this year, 2,100 firms were set up.", ref("2024-07-20"),
     ("2024-01-01", "2024-06-30", 2024)),
    ("In H1 2024, new firms rose 9 percent.", ref("2024-07-20"),
     ("2024-01-01", "2024-06-30", 2024)),
    ("In the second half of last year, investment picked up.", ref("2024-03-01"),
     ("2023-07-01", "2023-12-31", 2023)),
    # month ranges
    ("From January to June, the city attracted US$9 billion.", ref("2024-07-20"),
     ("2024-01-01", "2024-06-30", 2024)),
    ("From January to June last year, 1,800 firms were set up.", ref("2024-02-01"),
     ("2023-01-01", "2023-06-30", 2023)),
    ("In January-August, paid-in foreign capital fell 8 percent.", ref("2024-09-20"),
     ("2024-01-01", "2024-08-31", 2024)),
    ("In January-August 2023, 3,500 firms were set up.", ref("2024-01-05"),
     ("2023-01-01", "2023-08-31", 2023)),
    ("From January through March, 900 firms registered.", ref("2024-04-18"),
     ("2024-01-01", "2024-03-31", 2024)),
    # first N months (February follows leap years)
    ("In the first two months this year, 650 firms were set up.", ref("2024-03-18"),
     ("2024-01-01", "2024-02-29", 2024)),
    ("In the first two months this year, 610 firms were set up.", ref("2023-03-18"),
     ("2023-01-01", "2023-02-28", 2023)),
    ("In the first two months of 2020, 300 firms were set up.", ref("2020-03-20"),
     ("2020-01-01", "2020-02-29", 2020)),
    ("In the first eight months of this year, 4,100 firms were set up.", ref("2024-09-20"),
     ("2024-01-01", "2024-08-31", 2024)),
    ("In the first 11 months of 2023, paid-in capital was US$20 billion.", ref("2024-01-10"),
     ("2023-01-01", "2023-11-30", 2023)),
    # quarters
    ("In the first quarter of 2024, 1,300 firms were set up.", ref("2024-04-18"),
     ("2024-01-01", "2024-03-31", 2024)),
    ("In Q3 2023, contracted investment rose.", ref("2023-10-30"),
     ("2023-07-01", "2023-09-30", 2023)),
    ("In the first three quarters, 3,900 firms were set up.", ref("2024-10-25"),
     ("2024-01-01", "2024-09-30", 2024)),
    ("In the first quarter, FDI fell 10 percent from the same period last year.", ref("2024-04-20"),
     ("2024-01-01", "2024-03-31", 2024)),
    # stocks
    ("As of June, the city was home to 960 regional headquarters.", ref("2024-07-10"),
     (None, "2024-06-30", 2024)),
    ("As of the end of June, the district had 120 R&D centres.", ref("2024-07-10"),
     (None, "2024-06-30", 2024)),
    ("As of November, Japanese firms had invested US$14 billion.", ref("2024-03-05"),
     (None, "2023-11-30", 2023)),
    ("As of the end of September 2024, 2,400 German firms had invested.", ref("2024-10-20"),
     (None, "2024-09-30", 2024)),
    ("By the end of 2022, the city had 891 regional headquarters.", ref("2023-03-01"),
     (None, "2022-12-31", 2022)),
    ("By the end of last year, Pudong had 430 regional headquarters.", ref("2024-02-01"),
     (None, "2023-12-31", 2023)),
    ("At the end of March, 576 R&D centres were in the city.", ref("2024-04-20"),
     (None, "2024-03-31", 2024)),
    ("As of June, 560 R&D centres were in the city.", ref(None, 2023),
     (None, "2023-06-30", 2023)),
    # a month's name is a whole word: "mar" in "market" is not March
    ("Growth was driven by market demand.", ref("2024-05-10"), None),
    ("Shares of the 30 firms were sold at market prices.", ref("2024-05-10"), None),
    ("Since market reforms began, 300 firms have come.", ref("2024-05-10"), None),
    ("As of March 2024, 120 foreign banks had branches in the city.", ref("2024-05-10"),
     (None, "2024-03-31", 2024)),
    ("By Mar. 31, 50 firms had registered.", ref("2024-05-10"), (None, "2024-03-31", 2024)),
    ("By Sept. 30, 2023, 64 firms had registered.", ref("2024-05-10"), (None, "2023-09-30", 2023)),
    ("From Jan. to Mar. 2024, 41 firms registered.", ref("2024-05-10"), ("2024-01-01", "2024-03-31", 2024)),
    # cumulative since reform and opening up
    ("Since reform and opening up, Hong Kong has invested US$190 billion.", ref("2024-05-10"),
     (None, "2024-05-10", 2024)),
    ("Since China's reform and opening-up, 12,000 Japanese firms have invested.", ref("2023-11-10"),
     (None, "2023-11-10", 2023)),
    ("Since China's reform and opening-up in 1978, Singapore has invested US$15 billion.",
     ref("2024-06-01"), (None, "2024-06-01", 2024)),
    ("Since the reform and opening-up, 4,000 Korean firms have invested.", ref(None, 2023),
     (None, None, 2023)),
    # comparisons never set the period
    ("New firms grew 5 percent from the same period last year.", ref("2024-05-10"), None),
    ("Paid-in capital was up 12 percent compared with 2022.", ref("2024-05-10"), None),
    ("That is an increase of 8 percent over last year.", ref("2024-05-10"), None),
    ("Contracted investment was 3 percent higher than a year earlier.", ref("2024-05-10"), None),
    ("Compared with last year, more firms chose the district.", ref("2024-05-10"), None),
    ("The figure was down from the same period of 2023.", ref("2024-05-10"), None),
    ("New firms rose 14 percent year on year.", ref("2024-05-10"), None),
    # no period at all
    ("The district is home to many foreign firms.", ref("2024-05-10"), None),
]


def _period_id(row):
    return f"{row[0]} [{row[1].published or row[1].year}]"


@pytest.mark.parametrize(("sentence", "reference", "expected"),
                         [pytest.param(*r, id=_period_id(r)) for r in PERIODS])
def test_period_wording_resolves_against_the_article_date(sentence, reference, expected):
    period = find_period(sentence, reference)
    if expected is None:
        assert period is None
        return
    assert period is not None
    start, end, year = expected
    assert (period.start, period.end, period.year) == (D(start), D(end), year)


# --- find_event_date --------------------------------------------------------------
# 2024-05-10 is a Friday. Expected: the event's date, or None.

EVENTS = [
    ("The conference was held on Friday.", ref("2024-05-10"), "2024-05-10"),
    ("The forum took place on Thursday in Xuhui.", ref("2024-05-10"), "2024-05-09"),
    ("On Monday, Minhang signed 20 projects.", ref("2024-05-10"), "2024-05-06"),
    ("The seminar opened on Saturday.", ref("2024-05-10"), "2024-05-04"),
    ("Officials met investors on Sunday.", ref("2024-05-10"), "2024-05-05"),
    ("The summit will be held on Saturday.", ref("2024-05-10"), "2024-05-11"),
    ("The fair is scheduled to open on Monday.", ref("2024-05-10"), "2024-05-13"),
    ("The expo opened on November 5.", ref("2023-11-08"), "2023-11-05"),
    ("The expo opened on November 5.", ref("2024-01-10"), "2023-11-05"),
    ("The deal was signed on 5 November.", ref("2023-11-08"), "2023-11-05"),
    ("The park opened on Nov. 8 in Qingpu.", ref("2023-11-10"), "2023-11-08"),
    ("The forum was held on March 15, 2024.", ref("2024-05-10"), "2024-03-15"),
    ("The forum was held on March 15.", ref(None, 2024), "2024-03-15"),
    ("The forum was held on Tuesday.", ref(None, 2024), None),
    ("In 2023, the district attracted 300 firms.", ref("2024-05-10"), None),
    ("As of June 30, the district had 120 R&D centres.", ref("2024-07-10"), None),
]


@pytest.mark.parametrize(("sentence", "reference", "expected"),
                         [pytest.param(*r, id=_period_id(r)) for r in EVENTS])
def test_event_day_is_resolved_against_the_article_date(sentence, reference, expected):
    assert find_event_date(sentence, reference) == D(expected)


# --- infer_year: the year an undated article is about -----------------------------

INFERRED_YEARS = [
    ("Executives gathered in Shanghai ahead of the 6th China International Import Expo.", 2023),
    ("Deals were struck during the sixth CIIE in Hongqiao.", 2023),
    ("At the 7th CIlE, the district hosted a forum.", 2024),
    ("The fifth China International Import Expo drew buyers from 145 countries.", 2022),
    ("The 1st CIIE was a milestone for the city.", 2018),
    ("The 2023 Investment Promotion Conference of Jiading was held on Tuesday.", 2023),
    ("Guests arrived for the 2024 Global Investment Summit in Lingang.", 2024),
    ("In 2022, the district attracted 300 foreign firms.", 2022),
    ("The district has grown steadily over the past decade.", None),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*r, id=r[0]) for r in INFERRED_YEARS])
def test_year_is_inferred_from_dated_events(text, expected):
    assert infer_year(text) == expected


# --- articles without a date line ---------------------------------------------------
# Expected: (published, year, date_status)

ARTICLE_DATES = [
    (" date 2024-05-10 Minhang held a forum on Friday.", ("2024-05-10", 2024, "stated")),
    ("date 2023-11-08\nThe expo opened on November 5.", ("2023-11-08", 2023, "stated")),
    ("On the sidelines of the 6th China International Import Expo, Qingpu signed 30 projects.",
     (None, 2023, "inferred")),
    ("The 2024 Investment Promotion Conference of Songjiang was held on Tuesday.",
     (None, 2024, "inferred")),
    ("Officials met investors in the district on Tuesday.", (None, None, "unknown")),
]


@pytest.mark.parametrize(("raw", "expected"), [pytest.param(*r, id=r[0]) for r in ARTICLE_DATES])
def test_undated_article_takes_its_year_from_the_text(raw, expected):
    published, year, status = expected
    article = parse_article("t", raw)
    assert (article.published, article.year, article.date_status) == (D(published), year, status)


def test_event_dates_are_found_only_with_a_day_word_or_a_digit():
    """find_event_date looks no further in a sentence with neither: every _EVENT_DAY match has one."""
    import re
    from pathlib import Path

    from etl.periods import _EVENT_DAY, _has_digit
    sentences = ["It opened on May 5th.", "It opened on 5 May 2023.", "It opened on Sept. 12, 2022.",
                 "It opened last Friday.", "It opened this morning.", "It opened on May the fifth.",
                 "It opened this March and will close next month."]
    for path in sorted((Path(__file__).parent / "devset" / "articles").iterdir()):
        sentences += re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8"))
    matched = [s for s in sentences if _EVENT_DAY.search(s)]
    assert len(matched) >= 6
    for s in matched:
        lower = s.lower()
        assert any(w in lower for w in ("day", "tonight", "morning", "afternoon")) or _has_digit(s)
    assert find_event_date("It opened this March and will close next month.", ref("2024-05-10")) is None


YEAR_CONTEXTS = [
    "The 2024 Investment Promotion Conference opened.", "2023 Global Investment Forum", "x2024 Forum",
    "Forum 2024 Expo", "the 2021 and the 2022 Summit", "café2023 Fair", "12023 Week", "the  2019\tShanghai Week",
    "In 2023, 40 firms came.", "in  2021 and Xin 2022", "In2023", "(in 2020)", "Lin 2020, in 2019", "in 20231",
    "éin 2020", "in 2024-2025", "In 1999 and in 2001, In 2003", "IN 2020", "1999 Forum and 2001 Forum",
    "2001 Forum then 1999 Summit",
]


@pytest.mark.parametrize("text", YEAR_CONTEXTS)
def test_year_patterns_find_what_their_plain_word_boundary_forms_find(text):
    """_NAMED_EVENT and _IN_YEAR write the word boundary before a year (or "in") as a
    look-behind for speed: they must find the years the plain forms find."""
    import re

    from etl.periods import _IN_YEAR, _NAMED_EVENT, _YEAR
    plain_named = re.compile(rf"\b(?:the\s+)?(?P<y>{_YEAR})\s+(?:[A-Z][\w&'-]*\s+){{0,8}}"
                             r"(?:Conference|Summit|Forum|Expo|Fair|Week|Festival|Meeting|Convention|Ceremony)\b")
    plain_in_year = re.compile(rf"\b[Ii]n\s+(?P<y>{_YEAR})\b")
    named, expected = _NAMED_EVENT.search(text), plain_named.search(text)
    assert (named and named.group("y")) == (expected and expected.group("y"))
    assert sorted(y for in_year in _IN_YEAR for y in in_year.findall(text)) == sorted(plain_in_year.findall(text))


@pytest.mark.parametrize(("text", "year"), [
    ("The 6th CIIE opened.", 2023), ("the 5TH ci1e", 2022), ("The 2nd CILE", 2019),
    ("the Seventh China  International Import EXPO", 2024), ("The 3rd expo in 2019", 2019),
    ("the 12th CIIE", 2029), ("(6th CIIE)", 2023), ("x6th CIIE", None), ("the 116th CIIE, in 2020", 2020),
    ("1 2nd CIIE", 2019), ("_3rd CIIE", None),
])
def test_import_expo_ordinals_date_an_article_in_any_case(text, year):
    assert infer_year(text) == year


TRIGGER_WORD_TEXTS = [
    "In the first half of 2023, FDI rose. As of the end of June, 300 firms. "
    "Since the beginning of this year, 12 projects. Last year it was 5. Q3 2021 saw 7.",
    "In H1 2023 and Q4 2022 sales rose. hh2 q5 Q1Q2 rose. The first half of 2023 so far. h12 2021 was flat.",
    "Since reform and opening up, 40 firms came. Openings at headquarters grew. "
    "In the first two quarters of 2023, FDI rose. Since June, 3 more.",
    "Openings at headquarters grew in recent months. By the end of 2022 it had closed. Q3 2021 saw 7.",
    "The first 8 months of this year. Year-end 2022 close. So far this year, 12. Year-to-date sales, 5.",
    "SINCE CHINA'S REFORM AND OPENING-UP, 12,000 FIRMS. THE FIRST THREE QUARTERS OF 2019.",
]


def test_every_pattern_that_matches_a_sentence_is_among_its_possible_patterns():
    """find_period searches only the patterns _possible_patterns lets through: it must let
    through every one that matches (in the sentence as written and lower-cased)."""
    import re
    from pathlib import Path

    from etl.periods import _ANY_YEAR, _COMPILED, _names_month, _possible_patterns
    sentences = [row[0] for row in PERIODS] + [s for text in TRIGGER_WORD_TEXTS for s in text.split(". ")]
    for path in sorted((Path(__file__).parent / "devset" / "articles").iterdir()):
        sentences += re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8"))
    matched = set()
    for sentence in sentences:
        for variant in (sentence, sentence.upper(), sentence.lower()):
            lower = variant.lower()
            possible = _possible_patterns(lower, _ANY_YEAR.search(variant) is not None, "year" in lower,
                                          _names_month(variant))
            for i, (pattern, _) in enumerate(_COMPILED):
                if pattern.search(variant):
                    matched.add(i)
                    assert possible & 1 << i, (pattern.pattern, variant)
    assert matched == set(range(len(_COMPILED)))


@pytest.mark.parametrize("text", ["March 3", "the market", "(june)", "_jan", "2022jan", "xmar", "mayor", "éjan",
                                  "1dec", "no month here", "", "\tsept.", "MAR", "\u212aJan", "\u0130jun", "\ud800oct",
                                  "é\u0301Nov", "\u00a0dec", "\u017fep", "-Aug", "a\u00e9aug", "Jan.", "dec_", "nov2",
                                  "Septé", "Marche", "end-May", "July\u212a", "sept", "Sep.t"])
def test_month_test_agrees_with_the_month_pattern(text):
    import re

    from etl.periods import _MONTH, _names_month
    any_month = re.compile(rf"\b{_MONTH}", re.IGNORECASE | re.ASCII)
    for variant in (text, text.lower()):
        assert _names_month(variant) == (any_month.search(variant) is not None), variant


@pytest.mark.parametrize("text", ["Sept. to Dec.", "September-October 2023", "Sep to Sept", "Junes to Julys",
                                  "from Jun. through July", "by end-Mar 5", "Mayo to Mar", "january till feb"])
def test_month_names_branching_letter_by_letter_match_as_the_plain_list(text):
    import re

    from etl.periods import _MONTH
    plain = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
    shape = r"\b(?P<m1>{0})\s*(?:to|through|till|-)\s*(?P<m2>{0})|end-(?P<m3>{0})"
    found, expected = (re.search(shape.format(m), text, re.IGNORECASE | re.ASCII) for m in (_MONTH, plain))
    assert (found and (found.span(), found.groups())) == (expected and (expected.span(), expected.groups()))


@pytest.mark.parametrize("text", ["", "no digits", "x9", "é5", "\u0661\u0662", "\uff15", "\ud800 7", "\ud800", "0"])
def test_digit_test_agrees_with_the_ascii_digit_class(text):
    import re

    from etl.periods import _has_digit
    assert _has_digit(text) == bool(re.search("[0-9]", text))


@pytest.mark.parametrize("text", ["up 3% from last year", "Over the prior year", "compared to 2021", "than a year ago",
                                  "versus 2019", "vs. last year", "VS 2020", "the same period of 2022",
                                  "The Same  Period last year", "year-on-year", "Year on-Year", "year on year"])
def test_every_comparison_holds_one_of_the_words_that_let_it_be_blanked(text):
    """find_period blanks comparisons only in sentences holding one of these words."""
    from etl.periods import _COMPARISON, _COMPARISON_WORDS, find_period
    assert _COMPARISON.search(text)
    assert any(word in text.lower() for word in _COMPARISON_WORDS)
    assert find_period(f"FDI rose 5 percent {text}.", ref("2024-05-10")) is None


@pytest.mark.parametrize("text", ["In 2023 and last year", "last year, in 2022", "2021 saw in 2020", "2021 was",
                                  "Over 2019", "plastlast year", "Win 2020", "in  2020-2021", "for last year in 2022",
                                  "throughout 2018 to", "During the whole year of 2017", "LAST   year", "in 2023"])
def test_alternatives_searched_apart_match_as_the_joined_regex(text):
    import re

    from etl.periods import _PATTERNS, _compiled
    for source, _ in _PATTERNS:
        if isinstance(source, tuple):
            joined = re.compile("|".join(source), re.IGNORECASE | re.ASCII)
            for lower_case, variant in ((False, text), (True, text.lower())):
                found, expected = _compiled(source, lower_case).search(variant), joined.search(variant)
                # A match of one alternative lacks the others' groups, which read None when joined.
                assert (found and (found.span(), found.groupdict())) == (expected and (expected.span(), {
                    name: value for name, value in expected.groupdict().items() if value is not None}))


def test_days_in_a_month_are_those_calendar_gives():
    import calendar

    from etl.periods import _days_in
    for year in (1900, 1999, 2000, 2023, 2024, 2100):
        for month in range(1, 13):
            assert _days_in(year, month) == calendar.monthrange(year, month)[1]


@pytest.mark.parametrize("sentence", [row[0] for row in PERIODS] + [row[0] for row in EVENTS] + [
    "\u212aelvin said FDI rose in 2023 from last year.", "On \u0130STANBUL day, March 5, the expo opened.",
    "In H1 2024 the ZONE grew.", "Held TODAY in Pudong.", ""])
def test_a_given_lower_cased_sentence_reads_as_the_one_worked_out(sentence):
    """extract passes the slice of its lower-cased text; `lowered`'s None means there is none."""
    from etl.numbers import lowered
    day = ref("2024-05-10")
    assert find_period(sentence, day, lowered(sentence)) == find_period(sentence, day)
    assert find_event_date(sentence, day, lowered(sentence)) == find_event_date(sentence, day)
    assert find_period(sentence, day, None) == find_period(sentence, day)
    assert find_event_date(sentence, day, None) == find_event_date(sentence, day)


@pytest.mark.parametrize("text", ["up 3% from last year", "xfrom 2020", "from2020", "Overover 2019", "compared with 2021",
                                  "comparedwith 2021", "_than a year ago", "vs.2020 vs 2020", "VERSUS the prior year",
                                  "the same period in 2022", "breathe same period 2022", "year-on-year", "xyear on year",
                                  "from the same period last year", "Than  the previous year", "over 1999over 2000"])
def test_comparisons_looked_behind_for_their_word_boundary_match_as_with_it_before(text):
    import re

    from etl.periods import _COMPARISON, _COMPARISON_LOWER
    before = re.compile(
        r"\b(?:from|over|compared\s+(?:with|to)|than|versus|vs\.?)\s+(?:the\s+same\s+period\s+(?:of\s+|in\s+)?)?"
        r"(?:last\s+year|the\s+previous\s+year|the\s+prior\s+year|a\s+year\s+(?:earlier|ago|before)|(?:19|20)\d\d)"
        r"|\bthe\s+same\s+period\s+(?:of\s+|in\s+)?(?:last\s+year|the\s+previous\s+year|(?:19|20)\d\d)"
        r"|\byear[- ]on[- ]year\b", re.IGNORECASE | re.ASCII)
    for pattern, variant in ((_COMPARISON, text), (_COMPARISON, text.upper()), (_COMPARISON_LOWER, text.lower())):
        assert [m.span() for m in pattern.finditer(variant)] == [m.span() for m in before.finditer(variant)], variant
