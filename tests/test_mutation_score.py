"""scripts/mutation_score.py: how the score is counted, on made-up mutmut results."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mutation_score.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_score_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_score_sets_equivalents_aside(tmp_path: Path, capsys) -> None:
    ms = _load()
    codes = {"m.x_f__mutmut_1": 1, "m.x_f__mutmut_2": 36, "m.x_f__mutmut_3": 0,
             "m.x_f__mutmut_4": 0, "m.x_f__mutmut_5": None, "n.x_g__mutmut_1": 1}  # fmt: skip
    (tmp_path / "m").mkdir()
    meta = {"exit_code_by_key": codes}
    (tmp_path / "m" / "f.py.meta").write_text(json.dumps(meta), encoding="utf-8")
    results = ms.read_results(tmp_path)
    assert results["m.x_f__mutmut_2"] == "timeout" and results["m.x_f__mutmut_5"] == "not checked"
    assert ms.read_results(tmp_path, ["m/*.py"]) == {}  # excluded from mutation since: not read
    assert ms.read_results(tmp_path, ["m/g.py"]) == results
    listed = {"m.x_f__mutmut_4": ("a", "why"), "m.x_f__mutmut_2": ("b", "slow"),
              "n.x_g__mutmut_1": ("c", "why not")}  # fmt: skip
    rows, stale = ms.score(results, listed)
    # module, mutants, killed, timeout, equivalent, survived, other, score
    assert rows[0] == ["m", "5", "1", "0", "2", "1", "1", "50.0%"]
    assert rows[-1][0] == "all" and rows[-1][-1] == "66.7%"
    assert stale == ["n.x_g__mutmut_1"]  # killed, so not equivalent
    _, stale = ms.score(results, {"m.x_f__mutmut_5": ("e", "not run yet")})
    assert stale == []  # no verdict yet: nothing to contradict the listing
    assert ms.main(["--mutants", str(tmp_path / "none")]) == 2
    assert "run mutmut first" in capsys.readouterr().err
    # the survivors to run again by name: the survivor, not the killed, timed-out or unchecked
    assert ms.main(["--mutants", str(tmp_path), "--survivors"]) == 0
    assert capsys.readouterr().out.split() == ["m.x_f__mutmut_3", "m.x_f__mutmut_4"]


def test_every_listed_equivalent_has_its_code_and_a_reason() -> None:
    listed = _load().read_equivalents()
    assert listed and all(name.startswith("manual.") and "__mutmut_" in name for name in listed)
    assert all(code and len(reason.split()) >= 3 for code, reason in listed.values())


def test_a_renumbered_mutant_is_not_set_aside(tmp_path: Path) -> None:
    """A listed mutant counts as equivalent only while its source puts in the listed code (more
    often than the original has it): an edit of the function renumbers its mutants."""
    ms = _load()
    (tmp_path / "m.py").write_text(  # module m, as manual.fit is mutants/manual/fit.py
        "def x_f__mutmut_orig(a):\n    b = None\n    return a < 1\n"
        "def x_f__mutmut_1(a):\n    b = None\n    return a <= 1\n"
        "def x_f__mutmut_2(a):\n    b = None\n    return a < 2\n",
        encoding="utf-8",
    )
    listed = {"m.x_f__mutmut_1": ("return a<=1", "r"), "m.x_f__mutmut_2": ("return a <= 1", "r"),
              "m.x_f__mutmut_3": ("x", "r"), "m.x_f__mutmut_4": ("b = None", "r")}  # fmt: skip
    assert ms.changed(tmp_path, listed) == ["m.x_f__mutmut_2", "m.x_f__mutmut_3", "m.x_f__mutmut_4"]
    bad = tmp_path / "list.txt"
    bad.write_text("m.x_f__mutmut_1 no code here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no `code`"):
        ms.read_equivalents(bad)
    bad.write_text("m.x_f__mutmut_1 `a <= 1`\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no reason"):
        ms.read_equivalents(bad)
