"""Money normalization: yuan to US dollars at the year's annual average rate.

The rates are data (`catalog/exchange_rates.csv`, each row naming its
source). A year without a rate gives no dollar value and a note saying so,
never a guess from a neighbouring year.
"""
from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

RATES_FILE = Path(__file__).parent / "catalog" / "exchange_rates.csv"


@cache
def cny_per_usd() -> dict[int, float]:
    with open(RATES_FILE, encoding="utf-8", newline="") as fh:
        return {int(row["year"]): float(row["cny_per_usd"]) for row in csv.DictReader(fh)}


def to_usd(amount: float, currency: str, year: int | None) -> tuple[float | None, str | None]:
    """(US dollars, None), or (None, why not) when there is no rate to use."""
    if currency == "USD":
        return amount, None
    if currency != "CNY":
        return None, f"no conversion from {currency}"
    if year is None:
        return None, "yuan amount with no year, so no exchange rate applies"
    rate = cny_per_usd().get(year)
    if rate is None:
        return None, f"no CNY/USD average rate for {year} in etl/catalog/exchange_rates.csv"
    return round(amount / rate, 2), None
