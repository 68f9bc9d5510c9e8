"""The benchmark kit at a tiny size, so it cannot rot unnoticed.

Generates a 30-article corpus, checks it is deterministic and that the
extractor finds many indicators in it, then runs the whole measurement kit
(`benchmarks.run`) on it without quantulum3, the profiler or docs/ (the
table goes to a temp file). The real numbers live in docs/performance.md.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import generate, run
from etl.articles import parse_article
from etl.extract import extract

ROOT = Path(__file__).resolve().parent.parent
N = 30


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_corpus_is_deterministic_and_varied(tmp_path):
    generate.generate(N, tmp_path / "a", seed=3)
    first = _files(tmp_path / "a")
    generate.generate(N, tmp_path / "b", seed=3, workers=2, parallel_from=0)  # in parallel
    generate.generate(N, tmp_path / "c", seed=4)
    assert len(first) == N
    assert first == _files(tmp_path / "b"), "same seed must give the same bytes"
    assert first != _files(tmp_path / "c"), "another seed must give another corpus"
    assert generate.article_text(3, 5, revision=1) != generate.article_text(3, 5)

    texts = [b.decode("utf-8") for b in first.values()]
    sizes = [len(b) for b in first.values()]
    assert 3_000 <= sum(sizes) / N <= 5_500, "articles are about 4 KB"
    dated = sum(t.lstrip().startswith("date ") for t in texts)
    assert N // 2 <= dated < N, "most articles are dated, some are not"

    indicators: Counter = Counter()
    for name, text in zip(first, texts):
        indicators.update(f.indicator for f in extract(parse_article(Path(name).stem, text)).facts)
    assert len(indicators) >= 15, f"facts for only {sorted(indicators)}"
    assert sum(indicators.values()) >= 3 * N


def test_run_kit_produces_the_table(tmp_path):
    doc = ROOT / "docs" / "performance.md"
    before = doc.read_bytes() if doc.exists() else None
    out_md, out_json = tmp_path / "perf.md", tmp_path / "results.json"

    assert run.main(["--sizes", str(N), "--extract-articles", str(N), "--no-quantulum", "--no-profile",
                     "--out-md", str(out_md), "--json", str(out_json), "--workdir", str(tmp_path / "work")]) == 0

    rows = json.loads(out_json.read_text())["rows"]
    measures = [r["measure"] for r in rows]
    expected = [
        f"generate {N} articles",
        f"parse + extract, 1 process ({N} articles)",
        "peak RSS, 1 process",
        "quantulum3 on the same articles",
        f"full build, {N} articles",
        f"rebuild, {N} articles, nothing changed",
        f"rebuild, {N} articles, 1 changed",
        f"warehouse file, {N} articles",
        f"peak RSS, full build of {N}",
    ]
    for prefix in expected:
        assert any(m.startswith(prefix) for m in measures), f"no row {prefix!r} in {measures}"
    assert any(m.startswith("parse + extract, ") and "processes" in m for m in measures)
    by_measure = {r["measure"]: r for r in rows}
    assert by_measure["quantulum3 on the same articles"]["result"] == "skipped"
    one = next(r for r in rows if r["measure"].startswith("parse + extract, 1 process ("))
    assert one["met"] in (True, False) and one["result"].endswith("articles/s")
    unchanged = next(r for r in rows if r["measure"].startswith(f"rebuild, {N} articles, nothing changed"))
    assert f"{N} reused" in unchanged["note"]

    md = out_md.read_text()
    assert "<!-- benchmarks.run:custom:begin -->" in md and "| Section | Measure | Result |" in md
    assert "Where build time goes" in md
    assert (doc.read_bytes() if doc.exists() else None) == before, "the smoke run must not touch docs/"


def test_equivalence_check_passes_on_the_same_code_and_names_a_changed_fact_or_title(tmp_path, capsys):
    from benchmarks import equivalence

    saved = tmp_path / "before.json"
    assert equivalence.main(["save", str(saved), "--synthetic", "6", "--mutated", "4"]) == 0
    assert equivalence.main(["check", str(saved), "--synthetic", "6", "--mutated", "4"]) == 0
    assert " 0 differ" in capsys.readouterr().out

    outputs = json.loads(saved.read_text())
    key = next(k for k, (facts, _, _) in outputs.items() if facts)
    outputs[key][0][0]["value"] = -1.0
    other = next(k for k in outputs if k != key)
    outputs[other][2][0]["title"] = "Not the title"
    saved.write_text(json.dumps(outputs))
    assert equivalence.main(["check", str(saved), "--synthetic", "6", "--mutated", "4"]) == 1
    out = capsys.readouterr().out
    assert " 2 differ" in out and f"{key}: facts: was " in out and '"value": -1.0' in out
    assert f"{other}: article: was " in out and '"title": "Not the title"' in out


def test_instructions_subtracts_the_run_on_no_articles_and_names_a_missing_count(monkeypatch, capsys):
    """benchmarks.instructions runs callgrind on N articles and on none (valgrind itself is
    not run here: its two reports are stood in for)."""
    import subprocess
    from types import SimpleNamespace

    from benchmarks import instructions
    collected = {"200": 1_500_000_000, "0": 300_000_000}

    def callgrind(command, **_):
        limit = command[command.index("--limit") + 1]
        return SimpleNamespace(stderr=f"==1== Events    : Ir\n==1== Collected : {collected[limit]}\n")

    monkeypatch.setattr(subprocess, "run", callgrind)
    assert instructions.main(["--articles", "/tmp/none", "--limit", "200"]) == 0
    assert capsys.readouterr().out.startswith("6.00M instructions per article")

    monkeypatch.setattr(subprocess, "run", lambda command, **_: SimpleNamespace(stderr="valgrind: not found"))
    with pytest.raises(SystemExit, match="callgrind printed no count"):
        instructions.main(["--articles", "/tmp/none"])
