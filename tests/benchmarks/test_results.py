"""benchmarks/results.json is the one home of the benchmark's numbers: results.md and the README's
tables are what it renders, and the renderer shows every value it is given."""

import json

import pytest

import benchmark


def test_committed_tables_are_what_the_json_renders():
    results = json.loads(benchmark.RESULTS_JSON.read_text(encoding="utf-8"))
    for path, text in benchmark.render(results).items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: run benchmarks/benchmark.py --render"
    assert benchmark.main(["--render", "--check"]) == 0


def test_a_changed_value_shows_in_the_tables_and_the_check_notices(tmp_path):
    results = json.loads(benchmark.RESULTS_JSON.read_text(encoding="utf-8"))
    rows = results["parts"]["memory"]["rows"]
    row = next(r for r in rows if r["kind"] == "peak_rss_chunked_cli" and r["minutes"] == 60)
    row["peak_mb"] = 1234
    rendered = benchmark.render(results)
    assert "| 1234 MB incl. process baseline" in rendered[benchmark.RESULTS_MD]
    assert "| 1234 MB incl. process baseline" in rendered[benchmark.README]
    edited = tmp_path / "results.json"
    benchmark.write_json(results, edited)
    assert json.loads(edited.read_text(encoding="utf-8")) == results  # the one-row-per-line layout is valid JSON
    assert benchmark.main(["--render", "--check", "--out", str(edited)]) == 1


def test_every_row_kind_renders_three_columns():
    results = json.loads(benchmark.RESULTS_JSON.read_text(encoding="utf-8"))
    for part in results["parts"].values():
        for row in part["rows"]:
            what, value, _ = benchmark.describe(row)
            assert what and value and "|" not in what + value, row
    with pytest.raises(ValueError, match="unknown benchmark row kind"):
        benchmark.describe({"kind": "no_such_kind"})
