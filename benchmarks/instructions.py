"""Instructions per article of parse + extract, counted by callgrind: a measure the load of a
shared machine does not move.

    python -m benchmarks.instructions --articles DIR [--limit 200]

Runs `valgrind --tool=callgrind` twice over this module's `extract` task: once on
`--limit` articles of DIR (after the first 1,000, as the equivalence set does not use
them), once on none, and prints the difference divided by the articles, so imports and
start-up do not count. Needs valgrind (Debian's package); takes ~40 s for 200 articles.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys


def _extract(directory: str, count: int) -> None:
    from benchmarks.probe import _article_files, _extract_chunk, _read, _warm_up

    texts = _read(_article_files(directory, None))[1000:1000 + count]
    _warm_up()
    _extract_chunk(texts)


def _instructions(directory: str, count: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m",
         "benchmarks.instructions", "--articles", directory, "--limit", str(count), "--inside"],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", required=True, help="a folder of synthetic articles (benchmarks.generate)")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # the run valgrind watches
    args = parser.parse_args(argv)
    if args.inside:
        _extract(args.articles, args.limit)
        return 0
    per_article = (_instructions(args.articles, args.limit) - _instructions(args.articles, 0)) / args.limit
    print(f"{per_article / 1e6:.2f}M instructions per article (parse + extract + rows, {args.limit} articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
