"""Command line: `python -m etl build` and `python -m etl extract FILE... --jsonl`.

Exit codes: 0 success (skipped files are reported, not fatal), 1 the build
failed and the previous warehouse is still the one served (for `extract`: no
file could be read), 2 bad usage, 130 the build was interrupted (Ctrl-C or
SIGTERM; the previous warehouse is still served).
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from etl.articles import ArticleError, read_article
from etl.extract import extract

DEFAULT_ARTICLES = Path("data/articles")
DEFAULT_DB = Path("data/warehouse.duckdb")


def _extract_command(args) -> int:
    n_articles = n_facts = n_unclassified = 0
    skipped = []
    for name in args.files:
        try:
            article = read_article(name, today=date.today())
            result = extract(article)
        except ArticleError as e:
            skipped.append(str(e))
            print(f"skipped {e}", file=sys.stderr)
            continue
        except Exception as e:  # a bug on one file must not lose the others' facts
            skipped.append(f"{name}: extraction failed")
            print(f"skipped {name}: extraction failed ({type(e).__name__}: {e})".replace("\n", " "), file=sys.stderr)
            continue
        for warning in article.warnings:
            print(f"warning {name}: {warning}", file=sys.stderr)
        n_articles += 1
        n_facts += len(result.facts)
        n_unclassified += len(result.unclassified)
        for fact in result.facts:
            if args.jsonl:
                print(json.dumps(fact.to_dict(), ensure_ascii=False))
            else:
                print(f"{fact.article}\t{fact.indicator}\t{fact.value}\t{fact.geo}\t{fact.year}\t"
                      f"{fact.qualifier}\t{article.text[fact.char_start:fact.char_end]}")
    print(f"{n_articles} articles read, {len(skipped)} skipped, {n_facts} facts, "
          f"{n_unclassified} unclassified figures", file=sys.stderr)
    return 0 if n_articles or not skipped else 1


def _build_command(args) -> int:
    from etl.build import run_build

    return run_build(Path(args.articles), Path(args.db), progress=not args.quiet,
                     corrections=Path(args.corrections) if args.corrections else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="read every article and write the warehouse")
    build.add_argument("--articles", default=str(DEFAULT_ARTICLES), help="directory of article files")
    build.add_argument("--db", default=str(DEFAULT_DB), help="warehouse path (DuckDB)")
    build.add_argument("--corrections", default=None,
                       help="corrections file (default: corrections.jsonl beside the articles directory)")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=_build_command)

    ex = sub.add_parser("extract", help="print the facts of the given article files")
    ex.add_argument("files", nargs="+", help="article files")
    ex.add_argument("--jsonl", action="store_true", help="one JSON fact per line (the contract's format)")
    ex.set_defaults(run=_extract_command)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
