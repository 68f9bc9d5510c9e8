"""A deterministic synthetic corpus for benchmarks.

    python -m benchmarks.generate --articles 100000 --out /tmp/corpus [--seed 7] [--workers 2]

Writes `syn_0000000.txt` ... one article per file, in the format of
shared/CONTRACT.md: most start with a ` date YYYY-MM-DD` line, some are
undated (with or without a clue to the year). Articles are about 4 KB of
news-style prose on foreign investment in Shanghai: figures for all 20
indicators of etl/catalog/indicators.csv, in wording the cue table knows and
in wording it does not, set among places (districts, sub-areas, Shanghai,
China), periods, qualifiers, year-on-year changes, yuan and dollar amounts,
distractor numbers (years, ordinals, durations, shares, dates, times,
versions, ranges, phone numbers, GDP and revenue), repeated paragraphs and
filler prose.

Every article is a pure function of (seed, index, revision): the same seed
gives the same bytes on any machine and in any order, so a corpus can be
generated in parallel, and `revision=1` gives a different article under the
same id (how the benchmark simulates edited files). All text is invented for
this kit; the figures are random, not statistics.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date
from multiprocessing import Pool
from pathlib import Path

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
SMALL_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
               "nineteen"]

# How places are written. The first spelling of each is the plain name.
DISTRICTS = {
    "Huangpu": ["Huangpu", "Huangpu District"], "Xuhui": ["Xuhui", "Xuhui District"],
    "Changning": ["Changning", "Changning District"], "Jing'an": ["Jing'an", "Jing'an District", "Jingan District"],
    "Putuo": ["Putuo", "Putuo District"], "Hongkou": ["Hongkou", "Hongkou District"],
    "Yangpu": ["Yangpu", "Yangpu District"], "Minhang": ["Minhang", "Minhang District"],
    "Baoshan": ["Baoshan", "Baoshan District"], "Jiading": ["Jiading", "Jiading District"],
    "Pudong": ["Pudong", "Pudong New Area", "the Pudong New Area"], "Jinshan": ["Jinshan", "Jinshan District"],
    "Songjiang": ["Songjiang", "Songjiang District"], "Qingpu": ["Qingpu", "Qingpu District"],
    "Fengxian": ["Fengxian", "Fengxian District"], "Chongming": ["Chongming", "Chongming District"],
}
AREAS = {
    "West Hongqiao": ["West Hongqiao", "the West Hongqiao business area", "West Honggiao"],
    "East Hongqiao": ["East Hongqiao", "the East Hongqiao area"],
    "Lingang": ["Lingang", "the Lingang Special Area", "Lin-gang"],
    "Lujiazui": ["Lujiazui", "the Lujiazui financial zone"],
    "Zhangjiang": ["Zhangjiang", "Zhangjiang Science City"],
    "Jinqiao": ["Jinqiao"], "Qiantan": ["Qiantan"], "West Bund": ["the West Bund"],
    "Caohejing": ["Caohejing"], "North Bund": ["the North Bund"], "Zizhu": ["Zizhu"],
    "Nanxiang": ["Nanxiang"], "G60": ["the G60 corridor"],
}
# Places the gazetteer does not list: figures next to them should fall back to context.
UNKNOWN_PLACES = ["Anting town", "Xinzhuang industrial park", "Zhujiajiao", "Sheshan", "Wusong port area",
                  "Luojing", "Malu town", "Huacao"]
ECONOMIES = [("Hong Kong", "Hong Kong"), ("Singapore", "Singaporean"), ("Japan", "Japanese"),
             ("Germany", "German"), ("South Korea", "South Korean"), ("France", "French"),
             ("the United Kingdom", "British"), ("the United States", "American"), ("Switzerland", "Swiss"),
             ("the Netherlands", "Dutch"), ("Italy", "Italian"), ("Australia", "Australian"),
             ("Macao", "Macao"), ("Taiwan", "Taiwan"), ("Sweden", "Swedish"), ("Denmark", "Danish")]
SECTORS = ["biomedicine", "integrated circuits", "artificial intelligence", "new energy vehicles",
           "financial services", "high-end equipment", "consumer goods", "logistics", "green energy",
           "digital trade", "medical devices", "cosmetics", "aerospace", "fine chemicals", "fashion retail",
           "professional services", "data centres", "robotics", "food processing", "cultural tourism"]
COMPANY_A = ["Norvale", "Kestrel", "Aldenmoor", "Brightwater", "Corvane", "Delmont", "Everfield", "Fairhaven",
             "Greywick", "Halvorsen", "Ironbridge", "Juniper", "Kaltner", "Lindqvist", "Marlowe", "Northcote",
             "Oberlin", "Pellham", "Quillon", "Rosendal", "Sandvoll", "Thornbury", "Ulmar", "Vireo"]
COMPANY_B = ["Biotech", "Semiconductor", "Medical", "Logistics", "Automotive", "Materials", "Robotics",
             "Foods", "Analytics", "Energy", "Instruments", "Pharma", "Fintech", "Optics"]
SURNAMES = ["Zhao", "Qian", "Sun", "Li", "Zhou", "Wu", "Zheng", "Wang", "Feng", "Chen", "Chu", "Wei",
            "Jiang", "Shen", "Han", "Yang", "Zhu", "Qin", "Xu", "He", "Lyu", "Shi", "Zhang", "Kong"]
GIVEN = ["Wei", "Jing", "Hao", "Lin", "Min", "Yan", "Jun", "Lei", "Fang", "Tao", "Qing", "Hui", "Bo",
         "Xin", "Rui", "Ning", "Peng", "Yu", "Dan", "Kai", "Mei", "Long", "Shan", "Ying"]
TITLES = ["deputy director", "director", "vice mayor", "deputy head", "head of investment promotion",
          "Party secretary", "spokesperson", "deputy district mayor"]
BODIES = ["commerce commission", "investment promotion office", "development and reform commission",
          "investment service center", "administrative committee", "bureau of commerce"]
OUTLET_DATELINES = ["SHANGHAI, {Month} {day} (Xinhua) -- ", "", "", "Shanghai Daily -- ", "",
                    "BEIJING, {Month} {day} (Xinhua) -- ", "", "By staff reporter | "]
OUTLET_FOOTERS = ["", "", "", "(Source: International Services Shanghai)", "Editor: {given} {surname}",
                  "/ SHINE", "(chinadaily.com.cn)"]


# ----------------------------------------------------------------------------------------------
# Numbers as written


def _digits(n: int) -> str:
    return f"{n:,}"


def _count_words(rnd: random.Random, n: int) -> str:
    """A count as a newspaper might write it: digits, or a word for small ones."""
    if n < 20 and rnd.random() < 0.45:
        return SMALL_WORDS[n]
    if n in (100, 200, 300, 400, 500) and rnd.random() < 0.3:
        return ("a hundred" if n == 100 else SMALL_WORDS[n // 100] + " hundred")
    return _digits(n)


def _scaled(rnd: random.Random, amount: float, currency: str) -> str:
    """An amount (in units of `currency`) with a scale word, in one of the house styles."""
    if amount >= 1e12 and rnd.random() < 0.7:
        num, scale = amount / 1e12, "trillion"
    elif amount >= 1e9:
        num, scale = amount / 1e9, rnd.choice(["billion", "billion", "billion", "bln"])
    else:
        num, scale = amount / 1e6, rnd.choice(["million", "million", "million", "mln"])
    if num >= 1000 and scale in ("million", "mln"):
        text = _digits(int(num))
    else:
        text = f"{num:.{rnd.choice([1, 2, 2])}f}".rstrip("0").rstrip(".")
    if currency == "USD":
        style = rnd.randrange(5)
        if style == 0:
            return f"{text} {scale} U.S. dollars"
        if style == 1:
            return f"US${text} {scale}"
        if style == 2:
            return f"${text} {scale}"
        if style == 3:
            return f"{text} {scale} US dollars"
        return f"USD {text} {scale}"
    style = rnd.randrange(4)
    if style == 0:
        return f"RMB {text} {scale}"
    if style == 1:
        return f"{text} {scale} RMB"
    return f"{text} {scale} yuan"


def _money(rnd: random.Random, lo: float, hi: float, year: int, cny_share: float = 0.4) -> str:
    usd = rnd.uniform(lo, hi)
    if rnd.random() < cny_share:
        cny = usd * 6.8
        text = _scaled(rnd, cny, "CNY")
        if rnd.random() < 0.2:  # a dollar equivalent in brackets: not a second figure
            text += f" (about {_scaled(rnd, usd, 'USD')})"
        return text
    return _scaled(rnd, usd, "USD")


QUALIFIERS = [("", 10), ("about ", 2), ("around ", 2), ("nearly ", 2), ("more than ", 3), ("over ", 2),
              ("some ", 1), ("close to ", 1), ("at least ", 1), ("up to ", 1), ("less than ", 1),
              ("roughly ", 1), ("in excess of ", 1)]
_Q_WORDS = [q for q, w in QUALIFIERS for _ in range(w)]

YOY_AFTER = [", up {p} percent year on year", ", a year-on-year increase of {p} percent",
             ", down {p} percent from a year earlier", ", up {p} percent from the same period last year",
             ", a decline of {p} percent year-on-year", " (up {p}%)", ", an increase of {p} percent",
             ", which was {p} percent higher than a year before"]


# ----------------------------------------------------------------------------------------------
# Lazily filled template fields


class Fields(dict):
    """Values for one sentence's template; each is drawn the first time the template asks for it."""

    def __init__(self, art: "ArticleState", spec: "Indicator | None" = None, place: str | None = None):
        super().__init__()
        self.art, self.spec = art, spec
        if place is not None:
            self["place"] = place

    def __missing__(self, key: str) -> str:
        art, rnd = self.art, self.art.rnd
        if key[:1].isupper():
            value = self[key.lower()]
            value = value[:1].upper() + value[1:] if value else value
        elif key == "place":
            value = art.place_text()
        elif key == "period":
            value = art.period_phrase()
        elif key == "stock_when":
            value = art.stock_phrase()
        elif key == "q":
            value = rnd.choice(_Q_WORDS)
        elif key == "n":
            lo, hi = self.spec.n_range if self.spec else (2, 400)
            value = _count_words(rnd, rnd.randint(lo, hi))
        elif key == "m":
            lo, hi = self.spec.n_range if self.spec else (2, 400)
            value = _digits(rnd.randint(hi, hi * 3))
        elif key == "money":
            lo, hi = self.spec.money_range if self.spec else (1e7, 1e9)
            value = _money(rnd, lo, hi, art.year, 0.7 if art.geo_level == "country" else 0.35)
        elif key == "sqm":
            value = _digits(rnd.randrange(5_000, 900_000, 500))
        elif key == "yoy":
            value = rnd.choice(YOY_AFTER).format(p=self["p"]) if rnd.random() < 0.45 else ""
        elif key == "p":
            value = f"{rnd.uniform(0.5, 60):.1f}"
        elif key == "p_small":
            value = f"{rnd.uniform(0.8, 9.5):.1f}"
        elif key == "gdp":
            value = _money(rnd, 1e10, 3e11, art.year, 0.8)
        elif key == "p2":
            value = f"{rnd.uniform(5, 95):.1f}"
        elif key in ("econ", "econ_adj"):
            name, adj = rnd.choice(ECONOMIES)
            self["econ"], self["econ_adj"] = name, adj
            value = self[key]
        elif key == "year":
            value = str(art.year)
        elif key == "prev_year":
            value = str(art.year - 1)
        elif key == "old_year":
            value = str(rnd.randint(1978, art.year - 2))
        elif key == "month":
            value = MONTH_NAMES[max(0, art.published.month - 2)]
        elif key == "any_month":
            value = rnd.choice(MONTH_NAMES)
        elif key == "day":
            value = str(rnd.randint(1, 28))
        elif key == "weekday":
            value = rnd.choice(WEEKDAYS)
        elif key == "ordinal":
            value = rnd.choice(ORDINALS[1:])
        elif key == "nth":
            k = rnd.randint(2, 40)
            value = f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"
        elif key == "small":
            value = str(rnd.randint(2, 60))
        elif key == "big":
            value = _digits(rnd.randint(100, 50_000))
        elif key == "sector":
            value = rnd.choice(SECTORS)
        elif key == "sector2":
            value = rnd.choice(SECTORS)
        elif key == "company":
            value = f"{rnd.choice(COMPANY_A)} {rnd.choice(COMPANY_B)}"
        elif key == "official":
            value = f"{rnd.choice(SURNAMES)} {rnd.choice(GIVEN)}"
        elif key == "title":
            value = rnd.choice(TITLES)
        elif key == "body":
            value = rnd.choice(BODIES)
        elif key == "event":
            value = art.event_name
        elif key == "event_when":
            value = art.event_when
        elif key == "unknown_place":
            value = rnd.choice(UNKNOWN_PLACES)
        elif key == "phone":
            value = f"021-{rnd.randint(5000, 6999)} {rnd.randint(1000, 9999)}"
        elif key == "clock":
            value = f"{rnd.randint(8, 11)}:{rnd.choice(['00', '15', '30', '45'])} a.m."
        elif key == "range":
            lo = rnd.randrange(50, 500, 10)
            value = f"{lo}-{lo + rnd.randrange(50, 500, 10)}"
        else:
            raise KeyError(key)
        self[key] = value
        return value


# ----------------------------------------------------------------------------------------------
# Indicators: wording the cue table knows (known) and wording it likely does not (novel)


class Indicator:
    def __init__(self, key, n_range=(2, 500), money_range=(1e7, 1e9), known=(), novel=()):
        self.key, self.n_range, self.money_range = key, n_range, money_range
        self.known, self.novel = list(known), list(novel)


INDICATORS = {i.key: i for i in [
    Indicator("fie_new_count", (40, 7000), known=[
        "{Period}, {place} saw {q}{n} newly established foreign-funded enterprises{yoy}.",
        "The number of new foreign-invested enterprises in {place} reached {q}{n} {period}{yoy}.",
        "{Q}{n} new foreign-funded firms were set up in {place} {period}{yoy}.",
        "{Period}, {q}{n} foreign-invested companies were newly registered in {place}{yoy}.",
        "{Place} approved {q}{n} new foreign-invested enterprises {period}{yoy}, the {body} said.",
    ], novel=[
        "{Place} added {q}{n} businesses with overseas shareholders {period}, registration data showed.",
        "Registrations of foreign-backed start-ups in {place} came in at {n} {period}{yoy}.",
    ]),
    Indicator("fdi_actual_usd", money_range=(5e7, 2.5e10), known=[
        "The actual use of foreign capital in {place} {period} came to {q}{money}{yoy}.",
        "{Period}, paid-in foreign investment in {place} totaled {q}{money}{yoy}.",
        "Foreign direct investment actually utilized in {place} reached {q}{money} {period}{yoy}.",
        "{Period}, FDI in {place} grew {p} percent year on year to {money}.",
        "{Place} attracted {q}{money} in actual use of foreign capital {period}{yoy}.",
    ], novel=[
        "Overseas money that actually landed in {place} {period} amounted to {money}{yoy}.",
        "Inbound capital put to work in {place} {period} was worth {money}, officials estimated.",
    ]),
    Indicator("fdi_contracted_usd", money_range=(1e8, 4e10), known=[
        "Contracted foreign investment in {place} stood at {q}{money} {period}{yoy}.",
        "{Period}, the contract value of foreign investment in {place} reached {money}{yoy}.",
    ], novel=[
        "Pledged overseas investment in {place} {period} came to {money}.",
    ]),
    Indicator("fdi_cumulative_usd", money_range=(1e9, 3e11), known=[
        "{Stock_when}, the cumulative amount of direct investment from {econ} in {place} had reached {q}{money}.",
        "{Econ_adj} investors have invested a total of {money} in {place} since China's reform and opening up.",
        "Accumulated investment from {econ} in {place} stood at {q}{money} {stock_when}.",
    ], novel=[
        "All told, capital from {econ} that has flowed into {place} over the decades adds up to {money}.",
    ]),
    Indicator("investor_enterprises_cumulative_count", (300, 60_000), known=[
        "{Stock_when}, {q}{n} {econ_adj} enterprises had made direct investment in {place}.",
        "{Econ_adj} companies have set up a total of {n} enterprises in {place} so far.",
    ], novel=[
        "Some {n} firms from {econ} now have a presence in {place}.",
    ]),
    Indicator("regional_hq_count", (20, 1100), known=[
        "{Stock_when}, {place} was home to {q}{n} regional headquarters of multinational companies.",
        "The total number of regional headquarters in {place} reached {q}{n} {stock_when}.",
        "{Place} now hosts {q}{n} multinational regional headquarters.",
    ], novel=[
        "{Place} counts {n} regional head offices of global corporations {stock_when}.",
    ]),
    Indicator("regional_hq_new_count", (2, 80), known=[
        "{Period}, {q}{n} new regional headquarters of multinational companies were recognized in {place}.",
        "{Place} added {n} multinational regional headquarters {period}, bringing the total to {m}.",
        "{Q}{n} regional headquarters had been set up in {place} {period}.",
    ], novel=[
        "{N} global groups picked {place} for their Asia-Pacific command centres {period}.",
    ]),
    Indicator("rd_centers_count", (10, 600), known=[
        "{Place} is home to {q}{n} foreign-funded R&D centers {stock_when}.",
        "The number of foreign-funded research and development centres in {place} stood at {n} {stock_when}.",
    ], novel=[
        "{N} overseas-run laboratories operate in {place} today.",
    ]),
    Indicator("rd_centers_new_count", (2, 40), known=[
        "{Period}, {n} new foreign-funded R&D centers were set up in {place}.",
        "{Place} welcomed {q}{n} new research and development centres {period}.",
    ], novel=[
        "{N} innovation labs backed by overseas groups opened their doors in {place} {period}.",
    ]),
    Indicator("mnc_meeting_batches", (10, 300), known=[
        "{Period}, leaders of {place} have met with executives of multinational companies in {q}{n} batches.",
        "Officials held {n} batches of meetings with multinational executives {period}.",
    ], novel=[
        "District heads sat down with global business leaders on {n} occasions {period}.",
    ]),
    Indicator("promotion_events_count", (5, 400), known=[
        "{Place} has hosted {q}{n} investment promotion activities {period}.",
        "{Period}, the district organized {n} investment promotion events at home and abroad.",
        "Officials staged {n} investment roadshows in Europe and Southeast Asia {period}.",
    ], novel=[
        "{N} pitch sessions for overseas investors were put on {period}.",
    ]),
    Indicator("roundtable_meetings_count", (3, 60), known=[
        "{Q}{n} roundtable meetings between the government and enterprises were held {period}.",
        "The district convened {n} government-enterprise roundtables {period}.",
    ], novel=[
        "{N} government-business dialogues took place {period}.",
    ]),
    Indicator("business_issues_resolved_count", (20, 900), known=[
        "{Q}{n} issues raised by enterprises have been addressed {period}.",
        "Officials helped resolve {n} problems reported by foreign firms {period}.",
    ], novel=[
        "{N} company complaints were cleared up within the promised time.",
    ]),
    Indicator("policies_released_count", (3, 60), known=[
        "{N} policies on investment promotion were delivered at the event.",
        "{Place} released {n} measures to stabilize foreign investment {period}.",
    ], novel=[
        "{N} new rules meant to court overseas investors took effect {period}.",
    ]),
    Indicator("partners_signed_count", (5, 120), known=[
        "{Q}{n} organizations signed up as investment promotion partners at the event.",
        "The {ordinal} batch of {n} investment promotion partners was unveiled at the ceremony.",
    ], novel=[
        "{N} chambers of commerce and consultancies joined the district's investor network.",
    ]),
    Indicator("projects_signed_count", (5, 150), known=[
        "Agreements on {q}{n} projects were signed at the conference.",
        "{N} major projects in {sector} and {sector2} were signed on site.",
        "The district signed {q}{n} projects with a planned investment of {money}.",
    ], money_range=(1e8, 5e9), novel=[
        "{N} deals were inked on the spot.",
    ]),
    Indicator("project_area_sqm", known=[
        "The signed projects cover {q}{sqm} square meters of floor space.",
        "Together the projects take up {sqm} sqm of office space.",
    ], novel=[
        "Their combined footprint runs to {sqm} square metres.",
    ]),
    Indicator("consultants_appointed_count", (3, 40), known=[
        "{N} industry experts were appointed as investment promotion consultants for {place}.",
        "The district appointed {n} investment consultants at the meeting.",
    ], novel=[
        "{N} veteran executives will serve as honorary advisers to the district.",
    ]),
    Indicator("event_attendees_count", (60, 1500), known=[
        "{Q}{n} guests attended the event.",
        "The conference drew {q}{n} company representatives.",
        "{Q}{n} participants from home and abroad took part in the meeting.",
    ], novel=[
        "The hall was packed, with seats laid out for {n}.",
    ]),
    Indicator("awards_count", (3, 60), known=[
        "A total of {n} cases were awarded at the ceremony.",
        "{N} projects received awards for outstanding investment promotion.",
    ], novel=[
        "{N} firms went home with trophies.",
    ]),
]}

STYLE_POOLS = {
    "city": ["fie_new_count", "fdi_actual_usd", "fdi_contracted_usd", "regional_hq_count",
             "regional_hq_new_count", "rd_centers_count", "rd_centers_new_count"],
    "national": ["fie_new_count", "fdi_actual_usd", "fdi_contracted_usd"],
    "district": ["regional_hq_new_count", "regional_hq_count", "fie_new_count", "fdi_actual_usd",
                 "promotion_events_count", "policies_released_count", "rd_centers_new_count",
                 "projects_signed_count"],
    "event": ["projects_signed_count", "project_area_sqm", "partners_signed_count",
              "consultants_appointed_count", "event_attendees_count", "awards_count",
              "policies_released_count"],
    "source": ["fdi_cumulative_usd", "investor_enterprises_cumulative_count", "fie_new_count",
               "fdi_actual_usd"],
    "activity": ["mnc_meeting_batches", "promotion_events_count", "roundtable_meetings_count",
                 "business_issues_resolved_count", "policies_released_count", "event_attendees_count"],
}
ALL_KEYS = list(INDICATORS)
STYLES = ["city"] * 3 + ["national"] + ["district"] * 3 + ["event"] * 2 + ["source"] + ["activity"] * 2


# ----------------------------------------------------------------------------------------------
# Periods and leads


class ArticleState:
    """What one article is about: place, publication date, event; and its random stream."""

    def __init__(self, rnd: random.Random, year: int, published: date, style: str):
        self.rnd, self.year, self.published, self.style = rnd, year, published, style
        if style == "national":
            self.geo_level, self.places = "country", ["China", "the country", "the Chinese mainland"]
        elif style == "city":
            self.geo_level, self.places = "city", ["Shanghai", "Shanghai", "the city"]
        elif style == "source":
            self.geo_level = "city"
            self.places = ["Shanghai", "the city"]
        else:
            self.geo_level = "district"
            if rnd.random() < 0.3:
                area = rnd.choice(list(AREAS))
                self.places = AREAS[area]
            else:
                self.places = DISTRICTS[rnd.choice(list(DISTRICTS))]
        weekday = rnd.random() < 0.5
        self.event_when = (f"on {WEEKDAYS[published.weekday() if rnd.random() < 0.3 else rnd.randrange(7)]}"
                           if weekday else f"on {MONTH_NAMES[published.month - 1]} {max(1, published.day - rnd.randint(0, 3))}")
        self.event_name = rnd.choice([
            f"the {year} {self.places[0].replace('the ', '')} Investment Promotion Conference",
            f"a global investment promotion conference in {self.places[0]}",
            f"the {self.places[0].replace('the ', '')} Global Partners Forum",
            f"an investment matchmaking fair for {rnd.choice(SECTORS)}",
        ])

    def place_text(self) -> str:
        return self.rnd.choice(self.places)

    def period_phrase(self) -> str:
        rnd, y, month = self.rnd, self.year, self.published.month
        choice = rnd.randrange(12)
        if choice == 0:
            return f"in {y - 1}"
        if choice == 1:
            return "last year"
        if choice == 2:
            return f"throughout {y - 1}"
        if choice == 3 and month >= 8:
            return f"in the first half of {rnd.choice([str(y), 'this year', 'the year'])}"
        if choice == 4 and month >= 3:
            return f"from January to {MONTH_NAMES[month - 2]}"
        if choice == 5 and month >= 4:
            n = month - 1
            return f"in the first {SMALL_WORDS[n] if rnd.random() < 0.7 else n} months of {rnd.choice([str(y), 'this year'])}"
        if choice == 6 and month >= 10:
            return "in the first three quarters"
        if choice == 7:
            return rnd.choice(["since the beginning of this year", "so far this year", f"since the start of {y}"])
        if choice == 8 and month >= 5:
            q = (month - 1) // 3
            return f"in the {ORDINALS[q - 1] if q else 'first'} quarter" if rnd.random() < 0.6 else f"in Q{max(q, 1)} {y}"
        if choice == 9:
            return "over the same period"
        if choice == 10:
            return f"in the whole of {y - 1}"
        return f"in {y}" if month == 12 else "this year"

    def stock_phrase(self) -> str:
        rnd, y, month = self.rnd, self.year, self.published.month
        choice = rnd.randrange(4)
        if choice == 0:
            return f"by the end of {y - 1}"
        if choice == 1 and month >= 2:
            return f"as of the end of {MONTH_NAMES[month - 2]}"
        if choice == 2:
            return f"as of {MONTH_NAMES[month - 1]} {max(1, self.published.day - 1)}"
        return f"at the end of {y - 1}"


LEADS = {
    "city": [
        "{Place} kept foreign investment broadly stable {period} despite a soft global economy, the municipal {body} said {event_when}.",
        "Overseas investors continued to bet on {place} {period}, according to figures released by the municipal {body}.",
        "{Place}'s opening-up drew fresh momentum {period} as multinationals expanded their footprint, officials said.",
    ],
    "national": [
        "Foreign investment into {place} showed resilience {period}, the Ministry of Commerce said in a statement.",
        "China's inbound investment data for {period} pointed to a steady if uneven recovery, the commerce ministry said.",
    ],
    "district": [
        "{Place} stepped up its drive to attract multinational companies {period}, local officials said {event_when}.",
        "Investment promotion in {place} gathered pace {period}, with a string of new arrivals in {sector}.",
        "A district-level campaign to court overseas investors paid off in {place} {period}, its {body} said.",
    ],
    "event": [
        "{Event} was held {event_when}, drawing business leaders from home and abroad to {place}.",
        "{Place} hosted {event} {event_when}, seeking to bring more overseas capital into {sector}.",
        "Investors and officials gathered in {place} {event_when} for {event}.",
    ],
    "source": [
        "Economic ties between {econ} and {place} have deepened steadily, officials said at a business seminar {event_when}.",
        "Investors from {econ} remain among the most active in {place}, the municipal {body} said.",
    ],
    "activity": [
        "Officials in {place} have stepped up visits to foreign firms {period}, the district's {body} said {event_when}.",
        "{Place} has made service for overseas investors a priority {period}, local officials said at a briefing.",
    ],
}

# Sentences with numbers that are not indicator figures.
DISTRACTORS = [
    "The district's GDP grew {p_small} percent to {gdp} in {prev_year}.",
    "Foreign-invested firms account for {p2} percent of the city's industrial output.",
    "The park, founded in {old_year}, marked its {nth} anniversary this year.",
    "The {ordinal} China International Import Expo is scheduled to open on November {day}.",
    "{Company} has operated in China for more than {small} years.",
    "The pilot programme will run for {small} months.",
    "A survey found that {p2} percent of respondents planned to expand their investment.",
    "The service hotline ({phone}) opens at {clock} on weekdays.",
    "The plan covers the upgrade of Industry 4.0 lines and version 2.0 of the online service platform.",
    "Revenue at {company} rose to {money} last year.",
    "Between {range} companies are expected to apply for the new incentives.",
    "The targets are part of the 14th Five-Year Plan (2021-2025).",
    "Services accounted for {p2} percent of the total, while manufacturing made up the rest.",
    "The second phase of the project is due to be completed on {any_month} {day}, {year}.",
    "{Company} opened its first office in the city in {old_year} and now employs {big} people worldwide.",
    "The forum ran from {clock} until late afternoon, with {small} panel sessions.",
    "Trade between the two sides reached {money} in {prev_year}, up {p} percent.",
    "The district's share of the city's foreign investment rose to {p2} percent, {small} years after the zone opened.",
    "Officials pledged to cut approval times to {small} working days by {year}.",
    "Near {unknown_place}, a {small}-hectare site has been set aside for {sector} firms.",
]

QUOTES = [
    "\"We will keep improving the business environment so that foreign firms can grow here with confidence,\" said {official}, {title} of the {body}.",
    "\"Our door will only open wider,\" {official}, {title} of the {body}, told reporters.",
    "{Official}, general manager of {company} China, said the company planned to add research staff in {place}.",
    "\"{Place} offers a deep talent pool and a complete supply chain for {sector},\" said {official} of {company}.",
    "According to {official}, {title} of the {body}, more support for {sector} is in the pipeline.",
]

FILLER_SUBJECTS = ["Officials", "Analysts", "Executives at several multinationals", "Local authorities",
                   "Business associations", "Economists", "Industry insiders", "Representatives of foreign chambers",
                   "District planners", "Commerce officials", "Market observers", "Investors", "Consultants",
                   "Lawyers advising overseas clients", "Researchers at a local think tank", "Company founders",
                   "Bankers", "Human resources managers", "Trade officials", "Members of the advisory panel"]
FILLER_VERBS = ["said", "noted", "pointed out", "stressed", "argued", "observed", "agreed", "suggested",
                "reiterated", "told reporters", "acknowledged", "warned", "explained", "added", "maintained"]
FILLER_CLAIMS = [
    "the {sector} sector continued to draw steady interest from overseas investors",
    "faster approvals and simpler customs procedures had lowered the cost of doing business",
    "talent policies remained a key factor for companies choosing where to locate",
    "a stable policy environment mattered more to investors than short-term incentives",
    "demand from Chinese consumers was reshaping the plans of global brands",
    "cross-border data rules were becoming clearer for foreign firms",
    "the integration of the Yangtze River Delta was opening new room for growth",
    "green and low-carbon projects were moving up the agenda of multinational boards",
    "supply chain resilience had become a central concern for manufacturers",
    "the services sector offered the widest scope for further opening-up",
    "smaller foreign firms needed better access to information on local rules",
    "the financial hub's depth helped companies manage treasury and settlement at home",
    "{place} had become a natural testing ground for products aimed at the wider Asian market",
    "rents for grade-A offices in {place} had stayed competitive by regional standards",
    "research partnerships with local universities were a growing draw for {sector} firms",
    "visa and residence arrangements for foreign staff had been simplified",
    "foreign firms wanted a level playing field in government procurement",
    "the shortage of experienced engineers was pushing up salaries in {sector}",
    "clearer rules on intellectual property had encouraged firms to bring core research to China",
    "many headquarters were taking on wider responsibilities for the Asia-Pacific region",
    "better transport links had widened the pool of sites available to manufacturers",
    "the pace of digitalization in local industry was creating openings for foreign suppliers",
    "competition from neighbouring provinces was pushing districts to improve their services",
    "investors were watching interest rates and exchange rates closely",
    "the pipeline of projects in {sector} looked stronger than a year ago",
    "permits for pilot projects in {sector} were now issued within weeks rather than months",
    "local suppliers had become more capable partners for global brands",
    "free trade zone rules allowed easier movement of goods and funds",
    "the city's international schools and hospitals mattered to executives weighing a move",
    "overseas firms increasingly saw China as a source of innovation as well as a market",
]
FILLER_TAILS = ["", "", "", " in recent months", " over the past year", ", citing feedback from member companies",
                " at a briefing on the matter", " in interviews", ", though challenges remain",
                " as competition for investment intensifies among Chinese cities", " on the sidelines of the meeting",
                ", according to people familiar with the matter", " in a written reply to questions"]
FILLER_EXTRA = [
    "The {body} has set up a one-stop window to handle registration, permits and tax matters for new arrivals.",
    "Several companies said they were considering moving regional functions such as procurement and research to {place}.",
    "The measures focus on market access, talent, intellectual property protection and cross-border finance.",
    "Officials said the pipeline of projects under negotiation remained healthy, especially in {sector}.",
    "A dedicated service team visits foreign companies regularly to collect their concerns and follow up.",
    "The district is also upgrading office space and international schools to make relocation easier for staff.",
    "Many of the newcomers are in {sector} and {sector2}, two of the city's priority industries.",
    "Experts expect the momentum to continue as more pilot policies are rolled out.",
    "Investors welcomed the moves but called for more predictable rules on data and licensing.",
    "The commission said it would publish a full review of the programme later in the year.",
    "{Company}, which makes equipment for {sector}, moved its regional office to {place} after a long search.",
    "{Company} said its new site in {place} would combine a showroom, a laboratory and a training centre.",
    "The {body} plans to open liaison offices abroad to reach investors in {sector}.",
    "A new online portal lets overseas firms book meetings with district officials in English.",
    "Foreign chambers of commerce have been invited to comment on draft rules before they are finalized.",
    "Work on a new metro line is expected to shorten commutes to the business park.",
    "Land has been reserved for advanced manufacturing, with flexible lease terms for early movers.",
    "{Company} executives met officials from the {body} to discuss expansion plans in {sector}.",
    "The talks covered land, energy supply, staff housing and the speed of customs clearance.",
    "Local universities have agreed to run joint training programmes with foreign employers.",
    "Officials said they would publish a list of contacts for every major investment project.",
    "{Company} is weighing a second plant, depending on how demand develops.",
    "Some firms said they would rather expand existing operations than open new ones.",
    "The district's service centre now handles most requests online, officials said.",
    "Further details of the incentives are expected to be released by the {body}.",
    "{Official}, an analyst who follows the sector, said the figures showed a shift towards services.",
    "The latest measures build on a package of reforms announced by the city government.",
    "Companies in {sector} cited the size of the local market as the main reason for their move.",
]


def _filler_sentence(rnd: random.Random, art: ArticleState, used: set | None = None) -> str:
    for _ in range(4):
        if rnd.random() < 0.4:
            sentence = _fill(rnd.choice(FILLER_EXTRA), Fields(art))
        else:
            claim = rnd.choice(FILLER_CLAIMS)
            if "{" in claim:
                claim = claim.format(sector=rnd.choice(SECTORS), place=art.place_text())
            sentence = f"{rnd.choice(FILLER_SUBJECTS)} {rnd.choice(FILLER_VERBS)} that {claim}{rnd.choice(FILLER_TAILS)}."
        if used is None or sentence not in used:
            break
    if used is not None:
        used.add(sentence)
    return sentence


def _fill(template: str, fields: Fields) -> str:
    text = template.format_map(fields)
    return text[:1].upper() + text[1:]


def _fact_sentence(rnd: random.Random, art: ArticleState, key: str, place: str) -> str:
    spec = INDICATORS[key]
    templates = spec.novel if (spec.novel and rnd.random() < 0.25) else spec.known
    return _fill(rnd.choice(templates), Fields(art, spec, place))


def _undated_clue(rnd: random.Random, year: int) -> str:
    """A sentence that lets the year of an undated article be inferred (or not)."""
    choice = rnd.randrange(3)
    if choice == 0 and year >= 2018:
        n = year - 2017
        ordinal = ORDINALS[n - 1] if (n <= 10 and rnd.random() < 0.4) else (
            f"{n}{'th' if 10 <= n <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}")
        expo = rnd.choice(["China International Import Expo", "CIIE", "CIlE"])
        return f"The event was one of the supporting activities of the {ordinal} {expo}."
    if choice == 1:
        return f"It was the latest in a series of events leading up to the {year} Investment Promotion Conference."
    return "Organizers said the gathering would become a regular fixture."


def article_text(seed: int, index: int, revision: int = 0) -> str:
    """The article at `index` of the corpus for `seed`, as the file holds it."""
    rnd = random.Random(f"{seed}:{index}:{revision}")
    year = rnd.randint(2010, 2025)
    published = date(year, rnd.randint(1, 12), rnd.randint(1, 28))
    style = rnd.choice(STYLES)
    art = ArticleState(rnd, year, published, style)
    dated = rnd.random() >= 0.1
    target = rnd.randint(3500, 4600)

    pool = list(STYLE_POOLS[style])
    rnd.shuffle(pool)
    keys = pool[:rnd.randint(3, len(pool))]
    keys += [rnd.choice(pool) for _ in range(rnd.randint(0, 3))]  # some indicators twice (another place or period)
    if rnd.random() < 0.35:
        keys.append(rnd.choice(ALL_KEYS))
    used: set[str] = set()

    shared = Fields(art)
    dateline = rnd.choice(OUTLET_DATELINES).format(Month=MONTH_NAMES[published.month - 1], day=published.day)
    lead = dateline + _fill(rnd.choice(LEADS[style]), shared)
    paragraphs = [lead]
    if rnd.random() < 0.2:
        paragraphs.append(lead)  # the lead printed twice, as real pages do

    fact_paragraphs = []
    i = 0
    while i < len(keys):
        take = keys[i:i + rnd.randint(1, 3)]
        i += len(take)
        place = art.place_text() if rnd.random() < 0.8 else rnd.choice(
            ["Shanghai", "the city"] if art.geo_level == "district" else art.places)
        sentences = [_fact_sentence(rnd, art, key, place) for key in take]
        if rnd.random() < 0.5:
            sentences.insert(rnd.randrange(len(sentences) + 1), _fill(rnd.choice(DISTRACTORS), Fields(art)))
        if rnd.random() < 0.4:
            sentences.append(_filler_sentence(rnd, art, used))
        fact_paragraphs.append(" ".join(sentences))
    paragraphs.extend(fact_paragraphs)
    if not dated:
        paragraphs.append(_undated_clue(rnd, year))
    paragraphs.append(_fill(rnd.choice(QUOTES), Fields(art)))
    if fact_paragraphs and rnd.random() < 0.1:
        paragraphs.append(rnd.choice(fact_paragraphs))  # a repeated paragraph further down

    size = sum(len(p) + 2 for p in paragraphs)
    while size < target:
        if rnd.random() < 0.15:
            paragraph = _fill(rnd.choice(DISTRACTORS), Fields(art)) + " " + _filler_sentence(rnd, art, used)
        else:
            paragraph = " ".join(_filler_sentence(rnd, art, used) for _ in range(rnd.randint(2, 4)))
        paragraphs.insert(rnd.randint(2, len(paragraphs)), paragraph)
        size += len(paragraph) + 2
    footer = rnd.choice(OUTLET_FOOTERS).format(given=rnd.choice(GIVEN), surname=rnd.choice(SURNAMES))
    if footer:
        paragraphs.append(footer)

    text = "\n\n".join(paragraphs) + "\n"
    if dated:
        line = f" date {published.isoformat()}"
        text = line + ("\n" if rnd.random() < 0.5 else " ") + text
    return text


def file_name(index: int) -> str:
    return f"syn_{index:07d}.txt"


def _write_range(args: tuple[int, int, int, str]) -> int:
    seed, start, stop, out = args
    written = 0
    for i in range(start, stop):
        data = article_text(seed, i).encode("utf-8")
        with open(os.path.join(out, file_name(i)), "wb") as fh:
            fh.write(data)
        written += len(data)
    return written


def generate(n: int, out: str | Path, seed: int = 7, workers: int = 1, parallel_from: int = 2000) -> dict:
    """Write articles 0..n-1 for `seed` into `out`. Returns {articles, bytes, seconds}.

    With `workers` > 1 and at least `parallel_from` articles, ranges of
    articles are written by a process pool; the bytes are the same either way.
    """
    out = str(out)
    os.makedirs(out, exist_ok=True)
    started = time.perf_counter()
    if workers > 1 and n >= parallel_from:
        step = max(1, min(2000, n // (workers * 8)))
        jobs = [(seed, s, min(n, s + step), out) for s in range(0, n, step)]
        with Pool(workers) as pool:
            total = sum(pool.imap_unordered(_write_range, jobs))
    else:
        total = _write_range((seed, 0, n, out))
    return {"articles": n, "bytes": total, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, required=True, help="number of articles to write")
    parser.add_argument("--out", required=True, help="directory to write them into (created if missing)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes to write with (default: all cores); the bytes do not depend on it")
    args = parser.parse_args(argv)
    if args.articles < 0:
        parser.error("--articles must be >= 0")
    result = generate(args.articles, args.out, args.seed, args.workers)
    print(f"wrote {result['articles']:,} articles ({result['bytes'] / 1e6:,.1f} MB) to {args.out} "
          f"in {result['seconds']:.1f} s ({result['articles'] / max(result['seconds'], 1e-9):,.0f} articles/s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
