"""Article in, facts out: the pure composition of numbers, indicators, places and periods.

For every sentence (a repeated sentence only once) each figure is classified;
a figure that reports an indicator becomes a `Fact` with its place, period,
qualifier, year-on-year change and offsets; every other quantity is kept as
an `UnclassifiedFigure` so analysts can see what the rules did not cover.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from etl import changes, indicators, money, numbers, places, periods
from etl.articles import Article

EXTRACTOR_VERSION = "2"
"""Bump when extraction rules change in code, so cached facts are recomputed."""

COUNTERPART_INDICATORS = {"fdi_cumulative_usd", "investor_enterprises_cumulative_count"}
# A stop after one of these (and a capital letter alone: "X. Y. Zhang") ends no sentence.
_ABBREVIATIONS = ("U.S", "U.K", "Co", "Ltd", "Inc", "Corp", "No", "Mr", "Mrs", "Ms", "Dr", "St", "Jan", "Feb", "Mar",
                  "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "vs", "etc", "e.g", "i.e", "approx",
                  "Gov", "Dept")


def _abbreviation_then(tail: str, longest: int) -> list[str]:
    """Regexes, one per width (as a look-behind has one), for a whole abbreviation then `tail`,
    up to `longest` characters in all."""
    by_width: dict[int, list[str]] = {}
    for abbreviation in _ABBREVIATIONS:
        if len(abbreviation) + len(tail) <= longest:
            by_width.setdefault(len(abbreviation), []).append(re.escape(abbreviation))
    return [rf"\b(?:{'|'.join(words)}){re.escape(tail)}" for _, words in sorted(by_width.items())] + [
        rf"\b[A-Z]{re.escape(tail)}"]


# A sentence ends at [.!?] before a capital or digit, or at a line break before a list
# item, and before the spacing matched, if any. An abbreviation's stop is matched too, as
# group "abbreviation", and read past with the spacing after it. Abbreviations are seen in
# the seven characters before a stop or a line break, so "approx." before a line break
# (eight with it) ends a sentence. The pattern opens with one character set
# so the regex engine can skip ahead to it; where the only stops are full stops, a pattern
# opening with "." finds the same ends faster (it skips ahead as `str.find` does). That
# holds in a text with a line break but none before a list item, which `_LIST_ITEM_BREAK`
# finds wherever `_SENTENCE_END` could (and where a paragraph's end hides the item).
_LIST_ITEM = r"[ \t]*(?:[-*\u2022\u00b7]|\d{1,2}[.)])\s"
_ABBREVIATION_STOP = "(?P<abbreviation>" + "|".join(f"(?<={a})" for a in _abbreviation_then(".", 7)) + ")?"
_NO_ABBREVIATION_BEFORE_BREAK = "".join(f"(?<!{a})" for a in _abbreviation_then(".\n", 7))
_SENTENCE_END = re.compile(
    rf"[.!?\n](?:(?<=[.!?]){_ABBREVIATION_STOP}[\"')\]]*(?P<spacing>\s+)(?=[\"'(\[]?[A-Z0-9])"
    rf"|(?<=\n)(?={_LIST_ITEM}){_NO_ABBREVIATION_BEFORE_BREAK})")
_FULL_STOP_END = re.compile(rf"\.{_ABBREVIATION_STOP}[\"')\]]*(?P<spacing>\s+)(?=[\"'(\[]?[A-Z0-9])")
_LIST_ITEM_BREAK = re.compile(rf"\n(?={_LIST_ITEM})")
# "- New FIEs: 512 (up 7.1%)": in a list item the label before the colon names the figure.
_LABEL_VALUE = re.compile(r"^\s*(?:[-*\u2022\u00b7]\s*|\d{1,2}[.)]\s*)?(?P<label>[^:#§\n]{3,90}):\s*#(?P<rest>[^#§]*)$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_THE_DISTRICT = numbers.CaselessPattern(
    r"\b(?:the|its) (?:business |central business )?(?:district|zone|park)(?:'s)?\b"
    r"|\bdistrict(?:[-]level)? (?:leaders|officials|government|authorities|heads?)\b")  # [-]: not a range
# Wording that points back at a period stated earlier in the article.
_SAME_PERIOD = numbers.CaselessPattern(
    r"\b(?:over|in|during|for|within)\s+the\s+(?:same\s+period|period|quarter|year|half|(?:\w+\s+)?months)\b")
# "By the end of 2022, 891 regional headquarters set up by multinationals":
# with stock wording and no sign of newness, a count of new units is the stock.
_STOCK_OF = {"regional_hq_new_count": "regional_hq_count", "rd_centers_new_count": "rd_centers_count"}
# "plans to attract 50 regional headquarters by 2025": a target, not a figure that happened.
_ASPIRATION = numbers.CaselessPattern(
    r"\b(?:plan(?:s|ned)?|aim(?:s|ing|ed)?|target(?:s|ing|ed)?|strive[sd]?|striving|seek(?:s|ing)?|hope[sd]?|"
    r"intend(?:s|ed)?|expect(?:s|ed)?|want(?:s|ed)?|pledge[sd]?|vow(?:s|ed)?|set out|is set|are set|goal is) to\b[^#.;]{0,80}#"
    r"|\b(?:target|goal|aim) of #")
_NON_WORD = re.compile(r"\W+")
# For ASCII text a translate table does what _NON_WORD and lower() do, 6 times faster; a
# byte table for bytes.translate, which reads 256 bytes where str.translate reads a dict.
_ASCII_KEY = bytes(ord(c.lower()) if c.isalnum() or c == "_" else ord(" ") for c in map(chr, range(128))) + bytes(
    range(128, 256))
_ASCII_NON_WORD = bytes(c for c in range(128) if _ASCII_KEY[c] == ord(" "))
_INHERITABLE = {"full_year", "part_year", "year_to_date"}
_NEWNESS = re.compile(r"\bnew(?:ly)?\b|\bthis year\b|\bsince\b|\bso far\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    article: str
    indicator: str
    value: float | None
    unit: str
    original_value: float
    original_unit: str
    geo: str
    area: str | None
    counterpart: str | None
    year: int | None
    period_start: str | None
    period_end: str | None
    qualifier: str
    yoy_pct: float | None
    sentence: str
    char_start: int
    char_end: int
    fact_id: str
    value_note: str | None = None

    def __init__(self, article: str, indicator: str, value: float | None, unit: str, original_value: float,
                 original_unit: str, geo: str, area: str | None, counterpart: str | None, year: int | None,
                 period_start: str | None, period_end: str | None, qualifier: str, yoy_pct: float | None,
                 sentence: str, char_start: int, char_end: int, fact_id: str, value_note: str | None = None):
        # As numbers.Figure: a frozen dataclass's own __init__ sets each field by a call
        # of object.__setattr__; filling the dict at once takes half the instructions.
        self.__dict__.update(
            article=article, indicator=indicator, value=value, unit=unit, original_value=original_value,
            original_unit=original_unit, geo=geo, area=area, counterpart=counterpart, year=year,
            period_start=period_start, period_end=period_end, qualifier=qualifier, yoy_pct=yoy_pct,
            sentence=sentence, char_start=char_start, char_end=char_end, fact_id=fact_id, value_note=value_note)

    def to_dict(self) -> dict:
        return dict(self.__dict__)  # every field is a scalar: asdict's deep copy only costs time


@dataclass(frozen=True)
class UnclassifiedFigure:
    article: str
    figure_id: str
    text: str
    value: float
    kind: str
    sentence: str
    char_start: int
    char_end: int

    def __init__(self, article: str, figure_id: str, text: str, value: float, kind: str, sentence: str,
                 char_start: int, char_end: int):
        self.__dict__.update(article=article, figure_id=figure_id, text=text, value=value, kind=kind,
                             sentence=sentence, char_start=char_start, char_end=char_end)  # as Fact's

    def to_dict(self) -> dict:
        return dict(self.__dict__)  # every field is a scalar: asdict's deep copy only costs time


@dataclass(frozen=True)
class Extraction:
    facts: list[Fact]
    unclassified: list[UnclassifiedFigure]


def stable_id(article: str, rule: str, start: int, end: int) -> str:
    """An id that stays the same across rebuilds for the same article, rule and offsets."""
    return hashlib.blake2b(f"{article}|{rule}|{start}|{end}".encode(), digest_size=8).hexdigest()


def _sentence_key(sentence: str) -> tuple[str, ...]:
    """A sentence's words, lower-cased: the same sentence however punctuated or spaced."""
    return tuple(_NON_WORD.sub(" ", sentence).lower().split())


def _key_source(text: str) -> str | None:
    """For an ASCII text, the text as `_sentence_key` reads it, so that a sentence's key is
    `tuple(source[start:end].split())`; None for other text.

    Translating is character by character, so a slice of the translation is the
    slice's translation: an article is translated once, not sentence by sentence.
    """
    return text.encode("ascii").translate(_ASCII_KEY).decode("ascii") if text.isascii() else None


class _RepeatedSentences:
    """Which sentences of a text repeat an earlier one: the same `_sentence_key`.

    Press releases repeat a sentence now and then, so nearly every sentence is
    new. In ASCII text a sentence's letters and digits run together (its key
    without the spaces, one `bytes.translate` of its slice) tell a new one at a
    fraction of the cost of splitting it into words; words are compared only
    between sentences whose letters are the same.
    """

    def __init__(self, text: str):
        self._text = text
        self._ascii = text.encode("ascii") if text.isascii() else None
        self._first_by_letters: dict[bytes, tuple[int, int]] = {}
        self._all_by_letters: dict[bytes, list[tuple[int, int]]] = {}  # only letters seen twice
        self._key_source: str | None = None  # made for the first letters seen twice
        self._keys: set[tuple[str, ...]] = set()   # for text that is not ASCII

    def repeats_earlier(self, start: int, end: int) -> bool:
        """Whether text[start:end] repeats a sentence asked about before; it is remembered."""
        if self._ascii is None:
            key = _sentence_key(self._text[start:end])
            if key in self._keys:
                return True
            self._keys.add(key)
            return False
        span = (start, end)
        letters = self._ascii[start:end].translate(_ASCII_KEY, _ASCII_NON_WORD)
        first = self._first_by_letters.setdefault(letters, span)
        return first is not span and self._same_letters_repeat(letters, first, span)

    def _same_letters_repeat(self, letters: bytes, first: tuple[int, int], span: tuple[int, int]) -> bool:
        if self._key_source is None:
            self._key_source = _key_source(self._text)
        source = self._key_source
        words = source[span[0]:span[1]].split()
        spans = self._all_by_letters.setdefault(letters, [first])
        if any(source[s:e].split() == words for s, e in spans):
            return True
        spans.append(span)
        return False


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, cursor = [], 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        if text[cursor:m.start()].strip():
            spans.append((cursor, m.start()))
        cursor = m.end()
    if text[cursor:].strip():
        spans.append((cursor, len(text)))
    return spans


def _only_full_stops(text: str) -> bool:
    """Whether every sentence of `text` ends at a full stop: no "!" or "?", no list item after a line break."""
    return "!" not in text and "?" not in text and not _LIST_ITEM_BREAK.search(text)


def _sentence_spans(text: str, start: int, end: int, only_full_stops: bool = False) -> list[tuple[int, int]]:
    """The sentences of text[start:end]. A caller that knows `_only_full_stops(text)` says so
    (one test per article); otherwise this paragraph alone is checked for other stops."""
    spans, cursor = [], start
    only_full_stops = only_full_stops or text.find("!", start, end) < 0 and text.find(
        "?", start, end) < 0 and text.find("\n", start, end) < 0
    for m in (_FULL_STOP_END if only_full_stops else _SENTENCE_END).finditer(text, start, end):
        if m.start("abbreviation") < 0:
            stop, resume = m.span("spacing") if m.lastindex else m.span()
            spans.append((cursor, stop))
            cursor = resume
    if text[cursor:end].strip():
        spans.append((cursor, end))
    return spans


def _place_near(text: str, lower: str | None, named: places.MentionIndex, start: int, end: int,
                article_place) -> places.Place | None:
    found = places.most_specific(named.between(start, end))
    if found is not None and found.level in ("district", "area"):
        return found
    if article_place is not None and _THE_DISTRICT.search(text, lower, start, end):
        return article_place
    return found


_UNKNOWN = object()


class _Timeline:
    """What an article's sentences say about time, read only where a figure needs it.

    A figure takes the period its sentence states (or refers back to: "in the
    same period"); else, by its kind, the calendar period stated most recently
    or the event day named most recently. Most sentences hold no figure, and a
    figure usually needs only its own sentence or a few before it: a synthetic
    article of 37 distinct sentences has 8.7 of them read for a period and 7.8
    for an event day.
    """

    def __init__(self, text: str, lower_text: str | None, article: Article):
        self._text, self._lower_text = text, lower_text
        self._published = article.published
        self._ref = periods.Reference(article.published, article.year)
        self.spans: list[tuple[int, int]] = []   # sentence i's span; sentences are added in order
        self._stated: dict[int, object] = {}     # sentence -> its period, once read
        self._days: dict[int, date | None] = {}  # sentence -> its event day, once read
        self._carried: dict[int, object] = {}   # sentence -> `carried(sentence)`, once asked
        self._latest_days: dict[int, date | None] = {}
        # Sentences before `_settled` have their periods read in order, the latest being these:
        self._settled = 0
        self._last_any = self._last_calendar = None

    def _sentence(self, i: int) -> tuple[str, str | None]:
        """Sentence i and its `numbers.lowered`, a slice of the text's when the text has one."""
        start, end = self.spans[i]
        sentence = self._text[start:end]
        return sentence, numbers.lowered(sentence) if self._lower_text is None else self._lower_text[start:end]

    def stated(self, i: int):
        """The period sentence i states, or the earlier one it refers back to, or None."""
        period = self._stated.get(i, _UNKNOWN)
        if period is _UNKNOWN:
            sentence, lower = self._sentence(i)
            period = periods.find_period(sentence, self._ref, lower)
            if period is not None and self._published and period.start and period.start > self._published:
                period = None  # "priorities for 2025" in a 2024 article: a plan, not the figure's period
            if period is None:
                back_reference = _SAME_PERIOD.search(sentence, lower)
                if back_reference:
                    # "the same period" is whatever was stated last; "the quarter", "the year"
                    # name a span, so they mean the last calendar period stated.
                    self._settle(i)
                    latest, calendar = self._last_any, self._last_calendar
                    same = "same" in back_reference.group(0).lower()
                    period = (latest or calendar) if same else (calendar or latest)
            self._stated[i] = period
        return period

    def _settle(self, i: int) -> None:
        """Read the periods of every sentence before i, in order (a sentence read here that
        refers back settles nothing more: all before it are settled)."""
        while self._settled < i:
            period = self.stated(self._settled)
            if period is not None:
                self._last_any = period
                if period.kind in _INHERITABLE:
                    self._last_calendar = period
            self._settled += 1

    def carried(self, i: int):
        """The calendar period stated most recently before sentence i, which a flow inherits."""
        j = i - 1
        while j >= 0 and j + 1 not in self._carried:
            period = self.stated(j)
            if period is not None and period.kind in _INHERITABLE:
                break
            j -= 1
        else:
            period = self._carried.get(j + 1) if j >= 0 else None
        self._carried[i] = period
        return period

    def event_day(self, i: int) -> date | None:
        """The day of an event sentence i names, or None."""
        day = self._days.get(i, _UNKNOWN)
        if day is _UNKNOWN:
            sentence, lower = self._sentence(i)
            day = self._days[i] = periods.find_event_date(sentence, self._ref, lower)
        return day

    def latest_event_day(self, i: int) -> date | None:
        """The event day named in sentence i or most recently before it."""
        j = i
        while j >= 0 and j not in self._latest_days:
            day = self.event_day(j)
            if day is not None:
                break
            j -= 1
        else:
            day = self._latest_days.get(j) if j >= 0 else None
        self._latest_days[i] = day
        return day


def _period_for(kind: str, stated, timeline: _Timeline, sentence: int, article: Article):
    """(start, end, year) of a figure, by what its sentence states and what kind of figure it is."""
    if kind == "stock":
        if stated is not None and stated.kind not in ("year_to_date", "cumulative"):
            end = stated.end or (date(stated.start.year, 12, 31) if stated.start else None)
            return None, end, end.year if end else stated.year
        end = article.published
        return None, end, end.year if end else article.year
    if stated is not None:
        return stated.start, stated.end, stated.year
    carried = timeline.carried(sentence) if kind != "event" else None
    if carried is not None:
        return carried.start, carried.end, carried.year
    day = timeline.latest_event_day(sentence)
    if day is not None:
        return day, day, day.year
    return None, None, article.year


def extract(article: Article) -> Extraction:
    """Every indicator figure in an article, and every other quantity seen."""
    folded = numbers.fold_punctuation(article.text)
    # Matching reads across line wraps, so newlines are blanked one for one; paragraph
    # and list-item breaks are read from the folded text, which keeps them.
    text = folded.replace("\n", " ").replace("\r", " ")
    source = article.text
    # Lower-casing that changes only ASCII letters is character by character, so a
    # sentence's `numbers.lowered` is then a slice of the text's.
    lower_text = numbers.lowered(text)
    all_figures = numbers.find_figures(text)
    paragraph_spans = _paragraph_spans(source)
    named = places.MentionIndex(text)
    article_place = places.article_place_in(text, paragraph_spans, named)
    lead = text[paragraph_spans[0][0]:paragraph_spans[0][1]] if paragraph_spans else ""
    timeline = _Timeline(text, lower_text, article)
    last_flow_place = None  # the place of the last non-event figure, which later ones inherit

    facts: list[Fact] = []
    unclassified: list[UnclassifiedFigure] = []
    repeated = _RepeatedSentences(text)
    seen_facts: dict[tuple, int] = {}  # dedupe key -> index in facts
    figure_index = 0

    only_full_stops = _only_full_stops(folded)
    for p_start, p_end in paragraph_spans:
        paragraph = None  # made for the paragraph's first candidate figure: most have none
        for s_start, s_end in _sentence_spans(folded, p_start, p_end, only_full_stops):
            while figure_index < len(all_figures) and all_figures[figure_index].start < s_start:
                figure_index += 1
            in_sentence = []
            while figure_index < len(all_figures) and all_figures[figure_index].end <= s_end:
                in_sentence.append(all_figures[figure_index])
                figure_index += 1
            if repeated.repeats_earlier(s_start, s_end):
                continue

            sentence_number = len(timeline.spans)
            timeline.spans.append((s_start, s_end))
            if not in_sentence:
                continue
            sentence = text[s_start:s_end]
            candidates = [f for f in in_sentence if f.kind in numbers.FACT_KINDS]
            consumed: set[int] = set()  # starts of figures that became facts or their YoY
            original_sentence = source[s_start:s_end].strip()
            if candidates and paragraph is None:
                paragraph = indicators.Paragraph(text[p_start:p_end] + " " + lead)

            for fig in candidates:
                others = [f for f in candidates if f is not fig]
                cue = indicators.cue_text(sentence, s_start, fig, others)
                label_value = _LABEL_VALUE.match(cue) if ":" in cue else None  # most cues have no label
                if label_value:
                    label, rest = label_value.group("label").strip(), label_value.group("rest")
                    cue = f"# {label}{rest}"
                indicator = indicators.classify(cue, fig, paragraph)
                if indicator is None and label_value:
                    cue = f"{label} is #{rest}"
                    indicator = indicators.classify(cue, fig, paragraph)
                # An aspiration's match ends at a "#": nothing after the last one is read.
                if indicator is None or _ASPIRATION.search(cue, numbers.lowered(cue), 0, cue.rfind("#") + 1):
                    continue
                stated = timeline.stated(sentence_number)
                if (indicator.key in _STOCK_OF and stated is not None and stated.kind == "stock"
                        and not _NEWNESS.search(sentence)):
                    indicator = indicators.catalog()[_STOCK_OF[indicator.key]]
                yoy, percent = changes.find_yoy(text, fig, in_sentence)
                consumed.add(fig.start)
                if percent is not None:
                    consumed.add(percent.start)
                own_stated = None if (indicator.kind == "event" and timeline.event_day(sentence_number)) else stated
                start, end, year = _period_for(indicator.kind, own_stated, timeline, sentence_number, article)
                place = _geo_for(indicator.kind, text, lower_text, named, s_start, s_end, fig, p_start, p_end,
                                 article_place, last_flow_place)
                if indicator.kind != "event":
                    last_flow_place = place
                counterpart = _counterpart(text, s_start, s_end, fig) if indicator.key in COUNTERPART_INDICATORS else None
                value, note = (money.to_usd(fig.value, fig.currency, year) if fig.kind == "money"
                               else (fig.value, None))
                # The same figure restated elsewhere in the article is one fact; a headline
                # restated with its period in the body keeps the body's fuller period.
                dedupe_key = (indicator.key, fig.value, place.geo, counterpart, year)
                earlier = seen_facts.get(dedupe_key)
                if earlier is not None and _period_detail(start, end) <= _period_detail(
                        facts[earlier].period_start, facts[earlier].period_end):
                    continue
                fact = Fact(
                    article=article.id, indicator=indicator.key, value=value, unit=indicator.unit,
                    original_value=fig.value,
                    original_unit=fig.currency if fig.kind == "money" else indicator.unit,
                    geo=place.geo, area=place.area, counterpart=counterpart, year=year,
                    period_start=start.isoformat() if start else None,
                    period_end=end.isoformat() if end else None,
                    qualifier=fig.qualifier, yoy_pct=yoy, sentence=original_sentence,
                    char_start=fig.start, char_end=fig.end,
                    fact_id=stable_id(article.id, indicator.key, fig.start, fig.end), value_note=note,
                )
                if earlier is None:
                    seen_facts[dedupe_key] = len(facts)
                    facts.append(fact)
                else:
                    facts[earlier] = fact

            for fig in in_sentence:
                if fig.kind in numbers.UNCLASSIFIED_SKIP or fig.start in consumed:
                    continue
                unclassified.append(UnclassifiedFigure(
                    article=article.id, figure_id=stable_id(article.id, "figure", fig.start, fig.end),
                    text=source[fig.start:fig.end], value=fig.value, kind=fig.kind,
                    sentence=original_sentence, char_start=fig.start, char_end=fig.end,
                ))
    return Extraction(facts, unclassified)


def _period_detail(start, end) -> int:
    return (start is not None) + (end is not None)


def _geo_for(kind, text, lower, named, s_start, s_end, fig, p_start, p_end, article_place,
            last_flow_place) -> places.Place:
    """The place a figure is filed under.

    An event's figures belong to the district that hosts it unless their own
    sentence names a district; other figures take the narrowest place named in
    their clause, sentence or paragraph, else the place of the figure before
    them (news runs on with "the number of ..." after naming the place once),
    then the article's, then Shanghai.
    """
    shanghai = _shanghai()
    clause_start = text.rfind(";", s_start, fig.start) + 1 or s_start
    clause_end = text.find(";", fig.end, s_end)
    clause_end = s_end if clause_end == -1 else clause_end
    sentence_place = _place_near(text, lower, named, clause_start, clause_end, article_place)
    if sentence_place is None and (clause_start, clause_end) != (s_start, s_end):
        sentence_place = _place_near(text, lower, named, s_start, s_end, article_place)
    if kind == "event":
        if sentence_place is not None and sentence_place.level in ("district", "area"):
            return sentence_place
        return article_place or sentence_place or _place_near(text, lower, named, p_start, p_end, None) or shanghai
    return (sentence_place or _place_near(text, lower, named, p_start, p_end, article_place)
            or last_flow_place or article_place or shanghai)


@cache
def _shanghai() -> places.Place:
    return next(p for p in places.gazetteer().places if p.name == "Shanghai")


def _counterpart(text: str, s_start: int, s_end: int, fig: numbers.Figure) -> str | None:
    named = places.counterparts(text[s_start:s_end])
    if not named:
        return None
    position = fig.start - s_start
    return min(named, key=lambda item: abs(item[1] - position))[0]
