"""Numbers the way officials read them: US$24.09 bn, 6,017, +38.3 % YoY, ≥ 200."""
from __future__ import annotations

import math

QUALIFIER_MARK = {"exact": "", "approx": "≈ ", "at_least": "≥ ", "at_most": "≤ ", "mixed": "~ "}
QUALIFIER_WORDS = {"exact": "exact", "approx": "approximate", "at_least": "lower bound (at least)",
                   "at_most": "upper bound (at most)", "mixed": "sources differ in precision"}
UNIT_WORDS = {"USD": "US dollars", "count": "count", "batches": "batches", "sqm": "square metres"}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def amount(value, unit: str) -> str:
    """A value in its unit, abbreviated for reading: US$24.09 bn, 6,017, 100,000 m²."""
    if _missing(value):
        return "n/a"
    if unit == "USD":
        for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
            if abs(value) >= scale:
                return f"US${value / scale:,.2f} {suffix}"
        return f"US${value:,.0f}"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "sqm":
        return f"{text} m²"
    if unit == "batches":
        return f"{text} batches"
    return text


def figure(value, unit: str, qualifier: str = "exact") -> str:
    """An amount with its qualifier mark: '≈ US$146.50 bn', '≥ 200'."""
    return QUALIFIER_MARK.get(qualifier, "") + amount(value, unit)


def yoy(pct) -> str:
    """'+38.3 % YoY', '-8.0 % YoY', or '' when no change was stated."""
    if _missing(pct):
        return ""
    # ASCII "-": st.metric reads the sign from the first character to colour the change.
    sign = "+" if pct > 0 else "-" if pct < 0 else "±"
    return f"{sign}{abs(pct):.1f} % YoY"
