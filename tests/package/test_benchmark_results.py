"""benchmark_results finds benchmarks/results.json from the package, whatever the working directory
(notebook 8 runs from notebooks/, build/student/ and build/editions/<x>/notebooks/)."""

import json

import pytest

from w2v2_walkthrough import benchmark_results


def test_rows_and_machine_from_another_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing relative to the working directory is read
    results = benchmark_results.load()
    full = benchmark_results.rows("peak_rss_full_pass", results)
    assert {r["preset"] for r in full} == {"wav2vec2_base", "wav2vec2_large_lv60k"}
    assert all(r["peak_mb"] > r["baseline_mb"] > 0 for r in full)
    assert benchmark_results.rows("peak_rss_full_pass") == full  # loads the file itself when not given
    assert benchmark_results.machine(results).startswith("Measured ")
    assert benchmark_results.rows("no_such_kind", results) == []


def test_rows_come_in_file_order_across_parts(tmp_path):
    env = {"date": "2030-01-02", "machine": "arm64", "cores": 8, "torch_threads": 4}
    made = {
        "parts": {
            "speed": {"environment": env, "rows": [{"kind": "aa_control", "preset": "a", "ratio": 1.0}]},
            "chunks": {"environment": env, "rows": [{"kind": "aa_control", "preset": "b", "ratio": 0.9}]},
        }
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(made), encoding="utf-8")
    results = benchmark_results.load(path)
    assert [r["preset"] for r in benchmark_results.rows("aa_control", results)] == ["a", "b"]
    assert benchmark_results.machine(results) == "Measured 2030-01-02 on arm64, 8 cores, 4 torch threads"


def test_a_missing_file_says_where_the_results_live(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        benchmark_results.load(tmp_path / "results.json")
    assert str(tmp_path / "results.json") in str(err.value) and "make setup" in str(err.value)
