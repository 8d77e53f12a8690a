"""scripts/mutation_score.py: how the score is counted, on made-up mutmut results."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

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
    listed = {"m.x_f__mutmut_4": "why", "m.x_f__mutmut_2": "slow", "n.x_g__mutmut_1": "why not"}
    rows, stale = ms.score(results, listed)
    # module, mutants, killed, timeout, equivalent, survived, other, score
    assert rows[0] == ["m", "5", "1", "0", "2", "1", "1", "50.0%"]
    assert rows[-1][0] == "all" and rows[-1][-1] == "66.7%"
    assert stale == ["n.x_g__mutmut_1"]  # killed, so not equivalent
    assert ms.main(["--mutants", str(tmp_path / "none")]) == 2
    assert "run mutmut first" in capsys.readouterr().err


def test_every_listed_equivalent_has_a_reason() -> None:
    listed = _load().read_equivalents()
    assert listed and all(name.startswith("manual.") and "__mutmut_" in name for name in listed)
    assert all(len(reason.split()) >= 3 for reason in listed.values())
