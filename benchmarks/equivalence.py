"""Does a change to etl/ keep the extractor's output? Save it before, check it after.

    python -m benchmarks.equivalence save  FILE [--synthetic 2000] [--mutated 1500]
    python -m benchmarks.equivalence check FILE

Speed-ups of the extractor must not change a single fact. This runs
`extract` over: synthetic articles (`benchmarks.generate`, seeds 7 and 11),
the sample corpus, the dev and held-out sets, `../shared/seeds` when present,
and mutated copies of them (odd Unicode letters that fold to ASCII, case
changes, cuts, spliced fragments: `--mutated` copies of synthetic articles,
one of each repository article), and saves every fact and unclassified
figure, and what parsing read of each article (title, outlet, date, year,
warnings, content hash), as JSON. `check` recomputes them and exits 1, listing the first
differences, when any article's output differs. The same options must be
given to both.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date
from pathlib import Path

from benchmarks import generate
from etl.articles import parse_article, read_article
from etl.extract import extract

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)  # fixed, so that "future date" warnings do not move with the clock
REPOSITORY_ARTICLES = ["data/articles", "tests/devset/articles", "tests/holdout/articles", "../shared/seeds"]
# What a mutation inserts: letters that fold to ASCII under IGNORECASE (the fast
# paths' riskiest ground), spacing, punctuation, and pieces of figures, places and outlets.
INSERTS = ["\u017f", "\u212a", "\u0130", "\u0131", "\u00a0", "\u2014", "\u2019", "\u201c", "\u00e9", "\u00df",
           "\uff04", "\uffe5", "\u00b2", "\u0663", "\u00bd", "\n", "\n\n", "- ", "1. ", ";", "#", "\u00a7", ".",
           ",", "'s", "-", " ", "  ", "\t", "US$", "\u00a5", "RMB ", "%", " percent", "Q3 ", "H1 ", "2023",
           "1,234", "a hundred", "twenty-five", "Jan.", "Sept ", "the city's", "Jing An", "Pudong", "CIIE", "\r",
           "Xinhua", "/ SHINE", "China Daily", "U.S.\n- ", "Co.\n1. "]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 12)):
        choice, i = rng.random(), rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randint(1, 80))
        if choice < 0.3:
            text = text[:i] + rng.choice(INSERTS) + text[i:]
        elif choice < 0.45:
            text = text[:i] + text[i:j].upper() + text[j:]
        elif choice < 0.6:
            text = text[:i] + text[i:j].lower() + text[j:]
        elif choice < 0.75:
            text = text[:i] + text[min(len(text), i + rng.randint(1, 30)):]
        else:
            k = rng.randrange(len(text) + 1)
            text = text[:i] + text[k:min(len(text), k + rng.randint(1, 200))] + text[i:]
    return text


def texts(synthetic: int, mutated: int) -> dict[str, str]:
    """Every article to compare, by a key naming where it came from."""
    out = {f"synthetic:{seed}:{i}": generate.article_text(seed, i)
           for seed in (7, 11) for i in range(synthetic // 2)}
    for folder in REPOSITORY_ARTICLES:
        for path in sorted((ROOT / folder).glob("*")):
            if path.suffix in (".txt", ".md", ".html", ".htm"):
                out[f"{folder}/{path.name}"] = path
    # Each mutated copy is seeded by its own key, so that adding or missing a file
    # (../shared is not everywhere) changes only that file's entries.
    synthetic_keys = [key for key in out if key.startswith("synthetic:")]
    for n in range(mutated if synthetic_keys else 0):
        key = synthetic_keys[n % len(synthetic_keys)]
        out[f"mutated:{n}:{key}"] = mutate(out[key], random.Random(f"mutated:{n}"))
    for key, source in list(out.items()):
        if isinstance(source, Path):
            raw = source.read_text(encoding="utf-8", errors="replace")
            out[f"mutated:{key}"] = mutate(raw, random.Random(f"mutated:{key}"))
    return out


def outputs(synthetic: int, mutated: int) -> dict[str, list]:
    result = {}
    for key, source in texts(synthetic, mutated).items():
        article = (read_article(source, today=TODAY) if isinstance(source, Path)
                   else parse_article(key.replace(":", "_"), source, today=TODAY))
        extraction = extract(article)
        fields = {name: value for name, value in vars(article).items() if name not in ("text", "path")}
        result[key] = [[f.to_dict() for f in extraction.facts], [u.to_dict() for u in extraction.unclassified],
                       [fields]]
    return json.loads(json.dumps(result, default=str))  # as the saved file holds them (dates, tuples as JSON)


def differences(saved: dict, now: dict) -> list[str]:
    lines = [f"{key}: only in the saved file" for key in sorted(set(saved) - set(now))]
    lines += [f"{key}: not in the saved file" for key in sorted(set(now) - set(saved))]
    for key in sorted(set(saved) & set(now)):
        if saved[key] != now[key]:
            for part, name in ((0, "facts"), (1, "unclassified figures"), (2, "article")):
                before = {json.dumps(x, sort_keys=True) for x in saved[key][part]}
                after = {json.dumps(x, sort_keys=True) for x in now[key][part]}
                for row in sorted(before - after)[:2]:
                    lines.append(f"{key}: {name}: was {row}")
                for row in sorted(after - before)[:2]:
                    lines.append(f"{key}: {name}: now {row}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.equivalence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["save", "check"])
    parser.add_argument("file", type=Path)
    parser.add_argument("--synthetic", type=int, default=2000, help="synthetic articles (default 2000)")
    parser.add_argument("--mutated", type=int, default=1500, help="mutated copies (default 1500)")
    args = parser.parse_args(argv)
    now = outputs(args.synthetic, args.mutated)
    if args.mode == "save":
        args.file.write_text(json.dumps(now), encoding="utf-8")
        print(f"saved the output for {len(now):,} articles to {args.file}")
        return 0
    saved = json.loads(args.file.read_text(encoding="utf-8"))
    found = differences(saved, now)
    differing = len({line.split(": ", 1)[0] for line in found})
    print(f"{len(now):,} articles: {differing:,} differ from {args.file}")
    for line in found[:20]:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
