"""Which indicator a figure reports: whole sentences through `extract`.

Table-driven, in the manner of price-parser's test suite. Each row is one
sentence in an article dated 2024-05-10 (a Friday) and the facts it must give,
as (indicator, value, qualifier), in order. Money values are US dollars
(yuan converted at the year's average rate, 7.0467 for 2023, 7.1217 for
2024). Distractor sentences give no fact at all.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl.articles import parse_article
from etl.extract import extract

CATALOG = Path(__file__).resolve().parent.parent / "etl" / "catalog" / "indicators.csv"


def facts_of(sentence: str):
    article = parse_article("t", " date 2024-05-10 " + sentence)
    return [(f.indicator, f.value, f.qualifier) for f in extract(article).facts]


def approx_facts(expected):
    return [(key, pytest.approx(value, rel=1e-6), qualifier) for key, value, qualifier in expected]


INDICATOR_SENTENCES = [
    ("fie_new_count", "- New FIEs: 512 (up 7.1%)", [("fie_new_count", 512, "exact")]),
    ("fdi_actual_usd", "- Paid-in foreign capital: US$846 million (down 3.4%)",
     [("fdi_actual_usd", 846e6, "exact")]),
    ("regional_hq_new_count", "Nine more multinationals have been recognized as regional headquarters in Jing'an.",
     [("regional_hq_new_count", 9, "exact")]),
    ("investor_enterprises_cumulative_count",
     "Upward of 12,000 Japanese-funded enterprises had made direct investment in Shanghai.",
     [("investor_enterprises_cumulative_count", 12000, "at_least")]),
    ("awards_count", 'In Yangpu, 17 enterprises received the "Innovation Partner" award.', [("awards_count", 17, "exact")]),
    ("partners_signed_count", "Today, we are honored to welcome 24 organizations as the third batch of "
     "Shanghai Global Investment Promotion Partners.", [("partners_signed_count", 24, "exact")]),
    ("event_attendees_count", "Nearly 1,000 guests from home and abroad are with us in this hall.",
     [("event_attendees_count", 1000, "approx")]),
    ("investor_enterprises_cumulative_count",
     "The number of South Korean firms that have invested in Shanghai stood at 2,950.",
     [("investor_enterprises_cumulative_count", 2950, "exact")]),
    ("projects_signed_count",
     "Twenty-three projects, with total investment of 8 billion yuan, were signed.",
     [("projects_signed_count", 23, "exact")]),
    # fie_new_count: figure before and after the wording
    ("fie_new_count",
     "In 2023, Minhang set up 1,284 new foreign-invested enterprises, up 12.6 percent year on year.",
     [("fie_new_count", 1284, "exact")]),
    ("fie_new_count",
     "In the first quarter of this year, the number of newly established foreign-funded "
     "enterprises in Shanghai was 1,935.",
     [("fie_new_count", 1935, "exact")]),
    ("fie_new_count",
     "Jiading welcomed 214 new foreign-funded companies last year.",
     [("fie_new_count", 214, "exact")]),
    ("fie_new_count",
     "A total of 3,520 foreign-invested enterprises were newly established in the city in 2022.",
     [("fie_new_count", 3520, "exact")]),
    ("fie_new_count",
     "Nationwide, more than 4,500 new foreign-invested firms were registered in January.",
     [("fie_new_count", 4500, "at_least")]),
    # fdi_actual_usd
    ("fdi_actual_usd",
     "Actual use of foreign capital in Shanghai reached US$19.3 billion in 2022.",
     [("fdi_actual_usd", 19.3e9, "exact")]),
    ("fdi_actual_usd",
     "Foreign direct investment actually used in Pudong totaled 5.6 billion U.S. dollars in the "
     "first half of 2024.",
     [("fdi_actual_usd", 5.6e9, "exact")]),
    ("fdi_actual_usd",
     "Last year, paid-in foreign investment in Jing'an came to about US$870 million.",
     [("fdi_actual_usd", 870e6, "approx")]),
    ("fdi_actual_usd",
     "In 2023, China's actual use of foreign capital was 1.13 trillion yuan, down 8 percent.",
     [("fdi_actual_usd", 1.13e12 / 7.0467, "exact")]),
    ("fdi_actual_usd",
     "The city's utilized foreign capital exceeded US$8 billion in the first four months.",
     [("fdi_actual_usd", 8e9, "at_least")]),
    # fdi_contracted_usd
    ("fdi_contracted_usd",
     "Contracted foreign investment in Songjiang amounted to US$4.2 billion in 2023.",
     [("fdi_contracted_usd", 4.2e9, "exact")]),
    ("fdi_contracted_usd",
     "Last year the district signed foreign investment contracts worth US$1.8 billion.",
     [("fdi_contracted_usd", 1.8e9, "exact")]),
    ("fdi_contracted_usd",
     "Fengxian attracted nearly US$2.6 billion of contracted foreign investment in 2023.",
     [("fdi_contracted_usd", 2.6e9, "approx")]),
    # fdi_cumulative_usd
    ("fdi_cumulative_usd",
     "By the end of 2023, Singaporean companies had invested a total of US$15.4 billion in "
     "Shanghai.",
     [("fdi_cumulative_usd", 15.4e9, "exact")]),
    ("fdi_cumulative_usd",
     "Cumulative Japanese direct investment in the city has reached US$13.5 billion.",
     [("fdi_cumulative_usd", 13.5e9, "exact")]),
    ("fdi_cumulative_usd",
     "Hong Kong investors have poured more than US$190 billion into Shanghai since China's "
     "reform and opening-up.",
     [("fdi_cumulative_usd", 190e9, "at_least")]),
    # investor_enterprises_cumulative_count
    ("investor_enterprises_cumulative_count",
     "More than 3,600 Singaporean enterprises have invested in Shanghai.",
     [("investor_enterprises_cumulative_count", 3600, "at_least")]),
    ("investor_enterprises_cumulative_count",
     "As of the end of 2023, about 12,000 Japanese companies had made investments in the city.",
     [("investor_enterprises_cumulative_count", 12000, "approx")]),
    # regional_hq_count
    ("regional_hq_count",
     "As of the end of March, the city was home to 962 regional headquarters of multinational "
     "companies.",
     [("regional_hq_count", 962, "exact")]),
    ("regional_hq_count",
     "The number of multinational regional headquarters in Pudong reached 430.",
     [("regional_hq_count", 430, "exact")]),
    ("regional_hq_count",
     "Jing'an is now home to 117 regional headquarters.",
     [("regional_hq_count", 117, "exact")]),
    # regional_hq_new_count
    ("regional_hq_new_count",
     "In the first quarter of 2024, 30 new regional headquarters of multinational companies "
     "were set up in the city.",
     [("regional_hq_new_count", 30, "exact")]),
    ("regional_hq_new_count",
     "So far this year Jing'an has added eight regional headquarters of multinationals.",
     [("regional_hq_new_count", 8, "exact")]),
    ("regional_hq_new_count",
     "The number of newly recognized regional headquarters in Xuhui was 11 last year.",
     [("regional_hq_new_count", 11, "exact")]),
    # rd_centers_count
    ("rd_centers_count",
     "Shanghai now has 575 foreign-funded R&D centers.",
     [("rd_centers_count", 575, "exact")]),
    ("rd_centers_count",
     "The number of foreign-invested research and development centres in Zhangjiang stood at "
     "190 at the end of last year.",
     [("rd_centers_count", 190, "exact")]),
    # rd_centers_new_count
    ("rd_centers_new_count",
     "Fourteen new foreign-funded R&D centers opened in the district last year.",
     [("rd_centers_new_count", 14, "exact")]),
    ("rd_centers_new_count",
     "In 2023, Pudong set up 12 foreign-invested research and development centres.",
     [("rd_centers_new_count", 12, "exact")]),
    # mnc_meeting_batches
    ("mnc_meeting_batches",
     "This year, city officials have met executives of multinational companies in 85 batches.",
     [("mnc_meeting_batches", 85, "exact")]),
    ("mnc_meeting_batches",
     "District leaders held 40 batches of meetings with global business leaders.",
     [("mnc_meeting_batches", 40, "exact")]),
    # promotion_events_count
    ("promotion_events_count",
     "Districts across Shanghai have hosted 96 investment promotion events since the start of "
     "this year.",
     [("promotion_events_count", 96, "exact")]),
    ("promotion_events_count",
     "To attract investment, Changning held 25 overseas roadshows last year.",
     [("promotion_events_count", 25, "exact")]),
    ("promotion_events_count",
     "Baoshan organized some 30 investment attraction activities in Europe.",
     [("promotion_events_count", 30, "approx")]),
    # roundtable_meetings_count
    ("roundtable_meetings_count",
     "Qingpu held 12 roundtable meetings with business leaders this year.",
     [("roundtable_meetings_count", 12, "exact")]),
    ("roundtable_meetings_count",
     "Six government-enterprise roundtables were convened in the first quarter.",
     [("roundtable_meetings_count", 6, "exact")]),
    # business_issues_resolved_count
    ("business_issues_resolved_count",
     "Officials helped resolve 230 issues raised by overseas businesses.",
     [("business_issues_resolved_count", 230, "exact")]),
    ("business_issues_resolved_count",
     "About 140 problems reported by companies were addressed by the district.",
     [("business_issues_resolved_count", 140, "approx")]),
    # policies_released_count
    ("policies_released_count",
     "The city released 24 measures to stabilize foreign investment.",
     [("policies_released_count", 24, "exact")]),
    ("policies_released_count",
     "Twelve policies supporting investment in biomedicine were issued by Minhang.",
     [("policies_released_count", 12, "exact")]),
    # partners_signed_count
    ("partners_signed_count",
     "At the conference, 36 institutions became investment promotion partners of the district.",
     [("partners_signed_count", 36, "exact")]),
    ("partners_signed_count",
     "The district signed up 18 new investment partners on Tuesday.",
     [("partners_signed_count", 18, "exact")]),
    # projects_signed_count (and project_area_sqm)
    ("projects_signed_count",
     "A total of 47 projects were signed at the ceremony on Thursday.",
     [("projects_signed_count", 47, "exact")]),
    ("projects_signed_count",
     "Jinshan inked agreements on 23 industrial projects.",
     [("projects_signed_count", 23, "exact")]),
    ("projects_signed_count",
     "At the event, Yangpu signed 19 projects in artificial intelligence and biomedicine.",
     [("projects_signed_count", 19, "exact")]),
    # project_area_sqm
    ("project_area_sqm",
     "The 15 projects signed on Wednesday will cover a floor area of 320,000 square meters.",
     [("projects_signed_count", 15, "exact"), ("project_area_sqm", 320000, "exact")]),
    ("project_area_sqm",
     "The new projects will occupy about 85,000 square metres of office space.",
     [("project_area_sqm", 85000, "approx")]),
    # consultants_appointed_count
    ("consultants_appointed_count",
     "The district appointed 15 industry experts as investment consultants.",
     [("consultants_appointed_count", 15, "exact")]),
    ("consultants_appointed_count",
     "Twelve business leaders were named investment promotion ambassadors for Lingang.",
     [("consultants_appointed_count", 12, "exact")]),
    # event_attendees_count
    ("event_attendees_count",
     "More than 500 guests attended the forum in Xuhui on Thursday.",
     [("event_attendees_count", 500, "at_least")]),
    ("event_attendees_count",
     "The conference drew around 300 representatives of foreign companies.",
     [("event_attendees_count", 300, "approx")]),
    # awards_count
    ("awards_count",
     "Ten investment cases were honored at the ceremony.",
     [("awards_count", 10, "exact")]),
    ("awards_count",
     "The organisers presented awards to 20 outstanding foreign-invested enterprises.",
     [("awards_count", 20, "exact")]),
    # more wordings seen in reports
    ("fie_new_count",
     "Some 1,100 foreign-funded enterprises were set up in Hongkou in 2023.",
     [("fie_new_count", 1100, "approx")]),
    ("fdi_actual_usd",
     "FDI into the city rose 2 percent to US$24 billion last year.",
     [("fdi_actual_usd", 24e9, "exact")]),
    ("regional_hq_count",
     "The city recognized 25 more regional headquarters, bringing the total number of regional "
     "headquarters to 985.",
     [("regional_hq_new_count", 25, "exact"), ("regional_hq_count", 985, "exact")]),
    ("rd_centers_new_count",
     "Another five foreign-funded R&D centres were recognized in March.",
     [("rd_centers_new_count", 5, "exact")]),
    ("event_attendees_count",
     "Nearly 400 people took part in the matchmaking event.",
     [("event_attendees_count", 400, "approx")]),
    ("awards_count",
     "Eight foreign-invested firms won awards for corporate social responsibility.",
     [("awards_count", 8, "exact")]),
    ("policies_released_count",
     "Minhang rolled out a package of 18 measures to attract foreign investment.",
     [("policies_released_count", 18, "exact")]),
    ("mnc_meeting_batches",
     "Officials held talks with multinational executives in more than 60 batches.",
     [("mnc_meeting_batches", 60, "at_least")]),
]


@pytest.mark.parametrize(("indicator", "sentence", "expected"),
                         [pytest.param(*r, id=f"{r[0]}: {r[1]}") for r in INDICATOR_SENTENCES])
def test_indicator_wording_gives_the_fact(indicator, sentence, expected):
    assert facts_of(sentence) == approx_facts(expected)


def test_every_catalog_indicator_has_two_wordings():
    with open(CATALOG, encoding="utf-8", newline="") as fh:
        keys = [row["key"] for row in csv.DictReader(fh)]
    counts = {key: sum(1 for r in INDICATOR_SENTENCES if r[0] == key) for key in keys}
    assert {key: n for key, n in counts.items() if n < 2} == {}


DISTRACTORS = [
    "The district plans to attract 50 regional headquarters by 2025.",
    "The expo, now in its 6th edition, drew exhibitors from 128 countries and regions.",
    "Shanghai has been open to foreign investment for more than 40 years.",
    "Nearly half of the surveyed firms plan to expand in the next three years.",
    "The city's GDP reached 4.72 trillion yuan in 2023.",
    "Foreign-invested enterprises account for 27 percent of the city's industrial output.",
    "Investors can call the service hotline at 12345 for help.",
    "The 2.0 version of the investment service package was launched on Monday.",
    "The projects signed on Friday involve total investment of US$3 billion.",
    "Sales revenue of foreign firms in the zone hit US$12 billion last year.",
    "Each newly recognized regional headquarters can receive a subsidy of up to 10 million yuan.",
    "The industrial park spans 12 square kilometers and has 5G coverage.",
    "More than 3,000 companies in the city took part in the survey on the business climate.",
    "The forum was held on November 5 in the National Exhibition and Convention Center.",
    "Tens of thousands of visitors are expected at the 7th China International Import Expo.",
    "Exports from the free trade zone rose 6.2 percent year on year.",
    "Shanghai ranked first among Chinese cities for the third consecutive year.",
    "The regional headquarters of the company employs 1,500 people.",
    "The R&D center, which opened in 2019, has 200 researchers.",
    "The company, founded in 1998, has 3,000 employees in China.",
    "Over 70 countries and regions took part in the third batch of talks.",
]


@pytest.mark.parametrize("sentence", [pytest.param(s, id=s) for s in DISTRACTORS])
def test_distractor_sentence_gives_no_fact(sentence):
    assert facts_of(sentence) == []


@pytest.mark.parametrize("text", [
    "# NEW Regional HQs were set up", "Foreign Direct Investment reached #", "R&D centres: #, \u00a7 more",
    "Caf\u00e9 \u00c9T\u00c9 # new FIEs", "\u017fet up # new firms", "\u212aorea: # new foreign-invested enterprises",
    "ACTUAL USE of foreign capital was #", "the İstanbul office: # regional headquarters",
])
def test_every_cue_finds_in_lower_cased_text_what_it_finds_case_insensitively(text):
    from etl.indicators import lowered, rules
    for rule in rules():
        for cue in (*rule.cues, *([rule.requires] if rule.requires else [])):
            assert cue.lower_case is not None, cue.pattern.pattern
            assert bool(cue.search(text, lowered(text))) == bool(cue.pattern.search(text)), (cue.pattern.pattern, text)


def test_lower_case_source_keeps_escapes_and_group_names_and_refuses_inline_flags():
    from etl.numbers import lower_case_source as _lower_case_source
    assert _lower_case_source(r"(?P<Big>US)\W\S[A-Z]\.\bX") == r"(?P<Big>us)\W\S[a-z]\.\bx"
    assert _lower_case_source(r"\x41") is None and _lower_case_source(r"\u0041") is None
    assert _lower_case_source("[A-z]") is None  # spans [ \\ ] ^ _ ` too, which lower-casing would drop
    assert _lower_case_source("[A-Z0-9]") == "[a-z0-9]"
    assert _lower_case_source(r"(?P=Big)X") == r"(?P=Big)x"
    assert _lower_case_source("(?i)abc") is None
    assert _lower_case_source("Caf\u00e9") is None


def _first_cue_in_rule_order(text, kind, requirements_met):
    """What `_classify` answers, the plain way: every cue of every allowed rule, in order."""
    from etl.indicators import _rules_for_kind
    met = iter(requirements_met)
    for rule in _rules_for_kind(kind):
        if rule.requires is not None and not next(met):
            continue
        if any(cue.pattern.search(text) for cue in rule.cues):
            return rule.indicator
    return None


CUE_TEXTS = [
    "A total of # cases were awarded at the ceremony.", "# new FIEs were set up, and \u00a7 regional HQs",
    "no figure here", "# and # again: # new regional headquarters", "Set up another # new R&D centres",
    "Cumulatively, foreign direct investment in the city reached # by the end of \u00a7.",
    "\u017fet up # new firms", "\u212aorea: # new foreign-invested enterprises", "#", "",
    "The district hosted # investment promotion events and signed \u00a7 projects; # partners joined",
    "Actually used FDI stood at #", "# square metres of floor space", "# visitors attended; attendance was \u00a7",
    # Searches stop a cue's width past the last `#`: matches ending at or just before it, or at a later `#`.
    "Actually used FDI stood at # in total", "Actually used FDI stood at #, and \u00a7 the year before",
    "New foreign-invested projects totalled #\n", "# and # new foreign-invested enterprises were set up",
    "Foreign direct investment: \u00a7 this year, while since the 1990s # to date and # in all",
    "The # square metres of floor", "# floor space and # office space", "The district attracted # attendees.",
    "#" + " and more".ljust(60) + "since China's reform and openings",   # a `\b` read just past a cue's width
    # Cues that start a bounded way before `#` are matched from there when the text has one `#`.
    "Established an additional # regional headquarters", "Established an additional #, 12 regional HQs",
    # Cues whose first required strings are there, but not the others.
    "Set up # new offices", "# regional offices were set up", "# new policy papers were issued",
    "# firms; established an additional # regional headquarters", "Drew # visitors", "Drew # and # visitors",
]


class _ParagraphHolding:
    """A paragraph that holds the `requires` of the rules given, and no other."""

    def __init__(self, held):
        self.held = held
        self.asked = []

    def holds(self, pattern):
        self.asked.append(pattern)
        return pattern in self.held


@pytest.mark.parametrize("text", CUE_TEXTS)
def test_classify_skipping_cues_answers_as_trying_every_cue(text):
    """`classify` skips cues by their required strings, starts searches just before the
    figure and asks the paragraph only about rules whose cue matched; every kind and
    every combination of paragraph requirements must still get the first matching
    rule's indicator."""
    from itertools import product
    from types import SimpleNamespace

    from etl.indicators import _rules_for_kind, classify
    for kind in ("count", "money", "area"):
        requires = [rule.requires for rule in _rules_for_kind(kind) if rule.requires is not None]
        for requirements_met in product((False, True), repeat=len(requires)):
            paragraph = _ParagraphHolding([r for r, met in zip(requires, requirements_met) if met])
            expected = _first_cue_in_rule_order(text, kind, requirements_met)
            assert classify(text, SimpleNamespace(kind=kind), paragraph) == expected, (text, kind, requirements_met)


def test_the_paragraph_is_asked_only_about_rules_whose_cue_matched():
    from types import SimpleNamespace

    from etl.indicators import classify
    paragraph = _ParagraphHolding([])
    assert classify("# new foreign-invested enterprises were set up", SimpleNamespace(kind="count"),
                    paragraph).key == "fie_new_count"
    assert paragraph.asked == []
    assert classify("no cue at all for #", SimpleNamespace(kind="count"), paragraph) is None
    assert paragraph.asked == []


def test_cue_text_of_a_figure_alone_and_of_a_figure_among_others():
    """A figure alone in its sentence takes a shortcut; it must read as the general way would."""
    from etl.indicators import cue_text
    from etl.numbers import find_figures
    text = "Last year more than 50 new firms and 3 R&D centres opened, up 4"
    qualified, plain, last = find_figures(text)
    assert qualified.qualifier_start < qualified.start
    assert cue_text(text, 0, qualified, []) == "Last year # new firms and 3 R&D centres opened, up 4"
    assert cue_text(text, 0, qualified, [plain]) == "Last year # new firms and § R&D centres opened, up 4"
    assert cue_text(text, 0, plain, [qualified]) == "Last year more than § new firms and # R&D centres opened, up 4"
    assert cue_text(text, 0, last, []) == "Last year more than 50 new firms and 3 R&D centres opened, up #"
    sentence = text[10:]  # starts with the qualifier
    assert cue_text(sentence, 10, qualified, []) == "# new firms and 3 R&D centres opened, up 4"
    sentence = text[15:]  # starts inside the qualifier: the figure is not marked, alone or not
    assert cue_text(sentence, 15, qualified, []) == sentence
    assert cue_text(sentence, 15, qualified, [plain]) == "than 50 new firms and § R&D centres opened, up 4"


@pytest.mark.parametrize("kind", ["count", "money", "area"])
def test_the_gate_scan_finds_every_required_string_even_where_gates_overlap(kind):
    """The scan for gates does not overlap its finds, and a required string may start
    inside another's gate: the cues it lets through must be those a test of every
    required string lets through, on texts of one string, two strings run together
    and two strings sharing one or two characters."""
    from etl.indicators import _cues_for_kind, _required_strings
    kind_cues = _cues_for_kind(kind)
    cue_required = [_required_strings(cue) for cue, *_ in kind_cues.cues]
    strings = sorted({required for requireds in cue_required for required in requireds})
    texts = [*CUE_TEXTS, *strings]
    texts += [first + second[shared:] for first in strings for second in strings for shared in (0, 1, 2)
              if first.endswith(second[:shared])]
    for text in texts:
        lower = text.lower()
        expected = sum(1 << i for i, requireds in enumerate(cue_required)
                       if not requireds or any(required in lower for required in requireds))
        assert kind_cues.cues_that_may_match(lower) == expected, (kind, text)


@pytest.mark.parametrize("kind", ["count", "money", "area"])
def test_every_string_set_a_cue_requires_is_in_its_every_match(kind):
    """A cue is skipped when the text lacks one of each of its other required string
    sets: each must be in every match found in the cue texts."""
    from etl.indicators import _cues_for_kind
    checked = 0
    for cue, _, _, _, also_required, _ in _cues_for_kind(kind).cues:
        for text in CUE_TEXTS:
            for match in cue.lower_case.finditer(text.lower()) if cue.lower_case else ():
                for strings in also_required:
                    assert any(string in match.group() for string in strings), (cue.source, text, strings)
                    checked += 1
    assert checked
