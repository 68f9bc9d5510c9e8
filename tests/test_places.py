"""Places: which geo, sub-area and source economy a passage names.

Table-driven, in the manner of price-parser's test suite.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.places import _NOT_A_PLACE, HeadIndex, _alternation, _patterns_of, article_place, counterparts, gazetteer, mentions, most_specific


def rows(table):
    return [pytest.param(*row, id=row[0] if isinstance(row[0], str) else " / ".join(row[0]))
            for row in table]


def place_of(text: str):
    place = most_specific(mentions(text))
    return (place.geo, place.area) if place else None


# --- geo of a passage: (geo, area) of the most specific place named -----------

GEOS = [
    # the 16 districts
    ("Huangpu District hosted a forum for global asset managers.", ("Huangpu", None)),
    ("Xuhui attracted 20 new research centres.", ("Xuhui", None)),
    ("Changning District signed 15 projects.", ("Changning", None)),
    ("Jing'an is home to more than 100 regional headquarters.", ("Jing'an", None)),
    ("Jingan District held a roundtable.", ("Jing'an", None)),
    ("Jing An district welcomed new investors.", ("Jing'an", None)),
    ("Putuo District released eight measures.", ("Putuo", None)),
    ("Hongkou set up a fund for foreign start-ups.", ("Hongkou", None)),
    ("Yangpu District appointed ten consultants.", ("Yangpu", None)),
    ("Minhang held 12 roundtable meetings.", ("Minhang", None)),
    ("Baoshan District signed 20 industrial projects.", ("Baoshan", None)),
    ("Jiading attracted 40 auto parts makers.", ("Jiading", None)),
    ("Pudong New Area added 30 regional headquarters.", ("Pudong", None)),
    ("Pudong has 260 foreign-funded R&D centres.", ("Pudong", None)),
    ("Jinshan District inked 18 chemical projects.", ("Jinshan", None)),
    ("Songjiang hosted an investment promotion conference.", ("Songjiang", None)),
    ("Qingpu District welcomed 300 guests.", ("Qingpu", None)),
    ("Fengxian signed 25 cosmetics projects.", ("Fengxian", None)),
    ("Chongming District hosted an eco-tourism forum.", ("Chongming", None)),
    # sub-areas are filed under their district
    ("West Hongqiao signed 12 projects.", ("Qingpu", "West Hongqiao")),
    ("the West Hongqiao business district", ("Qingpu", "West Hongqiao")),
    ("East Hongqiao hosted a forum on Monday.", ("Changning", "East Hongqiao")),
    ("the Lingang Special Area of the free trade zone", ("Pudong", "Lingang")),
    ("Lingang signed 52 projects.", ("Pudong", "Lingang")),
    ("Lujiazui is home to 120 foreign banks.", ("Pudong", "Lujiazui")),
    ("Zhangjiang Science City opened 14 new R&D centres.", ("Pudong", "Zhangjiang")),
    # typos seen in real articles
    ("a forum in Greater West Honggiao", ("Qingpu", "West Hongqiao")),
    ("East Honggiao signed 18 projects.", ("Changning", "East Hongqiao")),
    # a district beats the city, the city beats the country
    ("Minhang, Shanghai, signed 20 projects.", ("Minhang", None)),
    ("Shanghai's Xuhui District opened a service centre.", ("Xuhui", None)),
    ("Lingang in Shanghai, China, signed 52 projects.", ("Pudong", "Lingang")),
    ("Shanghai, China's financial hub, attracted 6,000 firms.", ("Shanghai", None)),
    # the city
    ("Shanghai set up 6,000 new foreign-invested enterprises.", ("Shanghai", None)),
    ("the city attracted US$24 billion in foreign capital.", ("Shanghai", None)),
    ("the city's paid-in foreign capital rose", ("Shanghai", None)),
    ("the municipal commerce commission said", ("Shanghai", None)),
    ("The municipality released 32 measures.", ("Shanghai", None)),
    ("districts citywide hosted 118 events", ("Shanghai", None)),
    # the country
    ("nationwide, 53,766 foreign-invested firms were set up.", ("China", None)),
    ("New foreign firms in China rose 39.7 percent.", ("China", None)),
    ("China's actual use of foreign capital fell.", ("China", None)),
    ("foreign firms across the country", ("China", None)),
    ("the Chinese mainland attracted 1.1 trillion yuan.", ("China", None)),
    # names that are not places
    ("the China International Import Expo opened.", None),
    ("the 7th China International Import Expo", None),
    ("Bank of China signed a deal.", None),
    ("Made in China products were on show.", None),
    ("Hong Kong investors poured in capital.", None),
    ("Japanese companies expanded.", None),
    ("The conference drew 300 guests.", None),
]


@pytest.mark.parametrize(("text", "expected"), rows(GEOS))
def test_places_resolve_to_geo_and_area(text, expected):
    assert place_of(text) == expected


# --- counterparts: source economies named ---------------------------------------

COUNTERPARTS = [
    ("Hong Kong has invested US$190 billion in Shanghai.", ["Hong Kong"]),
    ("Hong Kong's investors lead the list.", ["Hong Kong"]),
    ("investors from the HKSAR", ["Hong Kong"]),
    ("Singapore is the third-largest source of investment.", ["Singapore"]),
    ("Singaporean enterprises have invested in 3,900 projects.", ["Singapore"]),
    ("Japanese companies have invested US$14 billion.", ["Japan"]),
    ("Japan's investment in the city grew.", ["Japan"]),
    ("South Korean firms opened 20 offices.", ["South Korea"]),
    ("Korean investors signed 5 projects.", ["South Korea"]),
    ("German enterprises set up 2,400 firms.", ["Germany"]),
    ("investment from the United States rose", ["United States"]),
    ("American companies in Shanghai", ["United States"]),
    ("US-based chipmakers expanded.", ["United States"]),
    ("British and French firms joined.", ["United Kingdom", "France"]),
    ("Taiwanese investors in Kunshan", ["Taiwan"]),
    ("investment from Macao", ["Macao"]),
    ("Dutch and Swiss companies", ["Netherlands", "Switzerland"]),
    ("European firms in Pudong", ["European Union"]),
    # district names and Chinese places are not counterparts
    ("Hongkou District attracted 20 firms.", []),
    ("Shanghai set up 6,000 new foreign-invested enterprises.", []),
    ("Foreign firms in China rose 39.7 percent.", []),
]


@pytest.mark.parametrize(("text", "expected"), rows(COUNTERPARTS))
def test_source_economies_are_counterparts(text, expected):
    assert [name for name, _ in counterparts(text)] == expected


# --- the place an article is about ---------------------------------------------
# Expected: (geo, area) of article_place, or None.

ARTICLES = [
    (("Minhang held an investment promotion conference on Tuesday.",
      "More than 300 guests attended."),
     ("Minhang", None)),
    (("The 2024 investment conference of West Hongqiao was held on Friday.",
      "A total of 30 projects were signed."),
     ("Qingpu", "West Hongqiao")),
    (("Foreign investment in the city grew last year.",
      "Officials spoke at length.",
      "The forum was held in Yangpu District."),
     ("Yangpu", None)),
    (("Shanghai attracted 6,000 new foreign firms last year.",
      "Officials said the outlook was positive.",
      "One of them opened an office in Jinshan."),
     None),
    (("Shanghai's districts competed for investment.",
      "Songjiang signed 20 projects; Songjiang also appointed ten consultants.",
      "Fengxian signed five."),
     ("Songjiang", None)),
]


@pytest.mark.parametrize(("paragraphs", "expected"), rows(ARTICLES))
def test_article_is_filed_under_the_district_it_is_about(paragraphs, expected):
    place = article_place(list(paragraphs))
    assert ((place.geo, place.area) if place else None) == expected


def test_every_shipped_name_is_found_through_its_head():
    # A catalog pattern whose spellings cannot be listed silently sends every text
    # through the full alternation, several times slower.
    g = gazetteer()
    assert g.place_heads is not None and g.economy_heads is not None


@pytest.mark.parametrize("text", [
    "Shanghai's Pudong New Area and the city-wide plan", "Jing'an, Jingan and Jing An; Lin-gang or Lingang",
    "\u017fhanghai", "\u212aorea", "caf\u00e9 Shanghai\u00e9 Pudong \u00a5 the city's districts", "_China x-Shanghai",
    "Made in China, in China", "Hong Kong's and the U.S. and US-based firms",
    # names that begin with a word no name is alone ("the", "chinese", "city"): found whole
    "The City's districts, the cityscape, the city, the whole country and the country's; the",
    "Chinese mainland firms, Chinese firms, mainland China, the mainland, city-wide, city wide, cities",
    # what may come before a name: punctuation, non-ASCII letters and marks, nothing at all
    '(Shanghai) "Pudong" /Xuhui [Minhang] Jing\'an\'s, Shanghai.China:G60;Putuo?', "Qingpu",
    "\u00abShanghai\u00bb and \u00b7Pudong, \u4e0a\u6d77Xuhui, \u00e9Minhang, \u2014Lingang\u2014",
    "the\tcity, the  city, the-city, the_city, 'the city's'",
    # names that hold a place name without being about it, and what is next to them
    "the China International Import Expo, China Daily Group, China Telecom Co and Reinvest in China",
    "National Exhibition and Convention Center (Shanghai)Pudong, Shanghai Daily, Bank of China,China",
    "mainland China Daily and the mainland China International Import Expo",
    "\U0001f600Pudong and \U0001f600 Shanghai",
    # spellings whose word breaks the finder reads as spaces: the text itself decides
    "the city,s districts, the city's districts, the.city, THE CITY'S, the  city's; Jing.an, jing an, JING'AN",
    "Shanghai,s and Shanghai.s, the country-s, the country.s, Pudong New.Area, Pudong New Area's, Lin gang",
])
def test_mentions_are_those_of_the_full_gazetteer_regex(text):
    g = gazetteer()
    masked = _NOT_A_PLACE.sub(lambda m: "_" * len(m.group(0)), text)
    full = [(g.places[int(m.lastgroup[1:])].name, m.start(), m.end()) for m in g.place_pattern.finditer(masked)]
    assert [(m.place.name, m.start, m.end) for m in mentions(text)] == full


@pytest.mark.parametrize("text", [
    "German-funded and Japanese-invested firms, Germany's and Germans", "the U.S. and U.S.-based, the US and US-based",
    "South Korea's, South Korean, Korean, the Republic of Korea (ROK)", "the Netherlands, Netherlands, the EU, EU-China",
    "Hong Kong's HKSAR; HK-listed; (Macau) \"Taiwanese\" /Thai", "\u00abSwiss\u00bb, \u00e9French, caf\u00e9 Italian",
    "\u212aorean and \u017fwedish", "Frenchman, Americans, the usual, eu_",
    "the U.S.-based, the U,S, the U.S, U.S.-Based, u s -based, the US's, the U.S.A., Hong.Kong, South Korea,s",
])
def test_counterparts_are_those_of_the_full_economy_regex(text):
    g = gazetteer()
    full = [(g.economies[int(m.lastgroup[1:])], m.start()) for m in g.economy_pattern.finditer(text)]
    assert counterparts(text) == full


# Text put together from names, their parts, the names that mask them, and what may
# surround a name, in any letter case: found names are those of the full regexes.
_PIECES = [
    "Shanghai", "Shanghai's", "the city,s", "Jing.an", "the U.S.", "U.S.-based", "China", "the city", "the city's districts", "the country", "Jing'an", "Jing An",
    "Lin-gang", "Pudong New Area", "West Hongqiao", "Hongqiao West", "G60", "nationwide", "city-wide", "the mainland",
    "mainland China", "Chinese mainland", "Hong Kong's", "U.S.-based", "the U.S.", "German", "South Korean",
    "the Netherlands", "Made in China", "China Daily", "Shanghai Daily", "Invest in China", "China Telecom Group",
    "China International Import Expo", "National Exhibition and Convention Center (Shanghai)", "the", "city", "in",
]
_AROUND = [" ", "  ", "'", "'s", "-", "_", ".", ", ", "(", "\u00ab", "\u00e9", "\u4e0a", "\U0001f600", "\u212a", "x", "0"]
_CASES = [str, str.lower, str.upper, str.title]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_CASES), st.sampled_from(_AROUND)), max_size=8))
def test_found_names_are_those_of_the_full_regexes_in_any_text(parts):
    text = "".join(case(piece) + around for piece, case, around in parts)
    test_mentions_are_those_of_the_full_gazetteer_regex(text)
    test_counterparts_are_those_of_the_full_economy_regex(text)


@pytest.mark.parametrize("end", [r"(?![\w-])", r"(?!\w)"])
def test_names_found_through_heads_are_those_the_regex_tries_first(end):
    # Which of the spellings that fit a text the full regex matches depends on the
    # order it tries them: greedy and lazy repeats, branches, then entries in order.
    entries = [{"patterns": ["Foo(?:bar)??", "Foo bar(?:'s)?"]}, {"patterns": ["Foo(?:bar){0,2}", "Qux(?: quux)?"]},
               {"patterns": ["(?:Big )?Qux quux", "Foo(?:'s)?", "Bar(?:-baz)?"]}]
    pattern, heads = _alternation(_patterns_of(entries), end), HeadIndex.build(entries, end)
    assert heads is not None
    text = ("Foobar, foobarbar, FOO BAR'S, foo bar,s, foo's, Qux quux, big qux quux, qux.quux, Big Qux, "
            "bar-baz, Bar-bazz, bar-, foo-bar, foo_, x-foo and \u00e9foo; caf\u00e9 Foobar\u00e9 Qux quux")
    ascii_text = text.encode("ascii", "replace").decode()
    for piece in (text, ascii_text, ascii_text.upper()):
        found = [(int(m.lastgroup[1:]), m.start(), m.end()) for m in pattern.finditer(piece)]
        assert heads.matches(piece) == found
