"""The contract's matching rule, for scoring extraction against hand-made gold in tests.

A predicted fact matches a gold fact when article, indicator and year agree,
the value is within 0.5 % (yuan gold is compared with the original amount),
geo is the gold geo or one it accepts, and the counterpart agrees where gold
names one. Matching is one-to-one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _close(a, b) -> bool:
    if a is None or b is None:
        return False
    return a == b == 0 or (b != 0 and abs(float(a) - float(b)) / abs(float(b)) <= 0.005)


def matches(pred: dict, gold: dict) -> bool:
    if (pred["article"], pred["indicator"], pred.get("year")) != (gold["article"], gold["indicator"], gold["year"]):
        return False
    if gold["unit"] == "CNY":
        value_ok = pred.get("original_unit") == "CNY" and _close(pred.get("original_value"), gold["value"])
    else:
        value_ok = _close(pred.get("value"), gold["value"])
    geo_ok = pred.get("geo") in (gold.get("geo_accept") or [gold["geo"]])
    counterpart_ok = not gold.get("counterpart") or pred.get("counterpart") == gold["counterpart"]
    return value_ok and geo_ok and counterpart_ok


@dataclass
class Score:
    pairs: list[tuple[dict, dict]]
    missed: list[dict]
    extra: list[dict]

    @property
    def precision(self) -> float:
        return len(self.pairs) / (len(self.pairs) + len(self.extra)) if self.pairs or self.extra else 0.0

    @property
    def recall(self) -> float:
        return len(self.pairs) / (len(self.pairs) + len(self.missed)) if self.pairs or self.missed else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def field_errors(self) -> list[str]:
        """Matched facts whose qualifier, YoY or period differ from gold."""
        errors = []
        for gold, pred in self.pairs:
            accepted = gold.get("qualifier_accept") or [gold["qualifier"]]
            if pred["qualifier"] not in accepted:
                errors.append(f"{gold['article']} {gold['indicator']}: qualifier {pred['qualifier']} != {accepted}")
            if (gold["yoy_pct"] is None) != (pred["yoy_pct"] is None) or (
                    gold["yoy_pct"] is not None and abs(pred["yoy_pct"] - gold["yoy_pct"]) > 0.05):
                errors.append(f"{gold['article']} {gold['indicator']}: yoy {pred['yoy_pct']} != {gold['yoy_pct']}")
            for field in ("period_start", "period_end"):
                if gold[field] is not None and pred[field] != gold[field]:
                    errors.append(f"{gold['article']} {gold['indicator']}: {field} {pred[field]} != {gold[field]}")
        return errors

    def report(self) -> str:
        lines = [f"F1={self.f1:.3f} P={self.precision:.3f} R={self.recall:.3f}"]
        lines += [f"missed {g['article']} {g['indicator']} {g['value']} {g['geo']} {g['year']}" for g in self.missed]
        lines += [f"extra {p['article']} {p['indicator']} {p['value']} {p['geo']} {p['year']}" for p in self.extra]
        return "\n".join(lines + self.field_errors())


def score(gold: list[dict], predicted: list[dict]) -> Score:
    articles = {g["article"] for g in gold}
    candidates = [p for p in predicted if p["article"] in articles]
    used, pairs, missed = set(), [], []
    for g in gold:
        for i, p in enumerate(candidates):
            if i not in used and matches(p, g):
                used.add(i)
                pairs.append((g, p))
                break
        else:
            missed.append(g)
    return Score(pairs, missed, [p for i, p in enumerate(candidates) if i not in used])
