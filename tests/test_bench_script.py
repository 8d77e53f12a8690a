"""scripts/bench.py: its timing loop and its table (the speed itself is measured by running it)."""

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bench.py"


def _load(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("XLA_FLAGS", os.environ.get("XLA_FLAGS", ""))  # restored after the test
    spec = importlib.util.spec_from_file_location("bench_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_every_method_runs_a_warm_up_then_its_counted_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bench = _load(monkeypatch)
    calls: list[str] = []
    clock = iter(range(10_000))
    monkeypatch.setattr(bench.time, "perf_counter", lambda: float(next(clock)))
    times = bench.median_times(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=2, rounds=3
    )
    # per round: a (warm-up), a, a, then b likewise; only the repeats are timed
    assert calls == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert times == {"a": 1.0, "b": 1.0}  # each timed call spans one tick of the fake clock


def test_table_prints_medians_and_ratios(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load(monkeypatch)
    bench.print_table("T", [("base", 0.002), ("slow", 0.005)], "base")
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "T"
    assert lines[3].split() == ["base", "2.00ms", "1.00x"]
    assert lines[4].split() == ["slow", "5.00ms", "2.50x"]
    assert lines[5] == "  (ratio: to 'base')"
    assert bench.cpu_model()
