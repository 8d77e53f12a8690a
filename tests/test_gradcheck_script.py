"""scripts/gradcheck.py: the power table and its plots."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "gradcheck.py"


def test_power_table_and_plots(tmp_path: Path, capsys) -> None:
    spec = importlib.util.spec_from_file_location("gradcheck_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    result = script.table()
    far = "far (margins > 40; softmax: logits + 800)"
    for point, rows in result.items():
        for right in ("correct", "softmax: correct"):
            assert not rows[right]["ours"][0], f"false alarm at {point}"
    random_point = result["random point"]
    for name, cells in random_point.items():
        if name not in ("correct", "flushed_sigmoid", "softmax: correct"):
            if name == "softmax: no_max_subtraction":  # no logit past 709 here: right
                assert cells[script.SAME][0]
                continue
            assert cells["ours"][0], f"{name} missed at a random point"
            if name.startswith("softmax: "):
                assert cells["JAX twin"][0], f"{name} missed by the twin at a random point"
    assert result[far]["flushed_sigmoid"]["ours"][0]
    for check in ("ours", "JAX twin"):  # a NaN gradient: every check flags it
        assert result[far]["softmax: no_max_subtraction"][check][0]
    # the classic fixed threshold false-alarms at the optimum; ours does not
    assert result["optimum (GD, tol 1e-8)"]["correct"]["naive 1e-7"][0]
    script.table = lambda: result  # type: ignore[attr-defined]  # the same table, not measured twice
    assert script.main(["--plots", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "== random point" in out and "plots:" in out
    for name in ("step_size.png", "power_table.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_the_gradient_checking_scripts_import_nothing_from_tests() -> None:
    """Imports run one way: tests import scripts, never the reverse (STYLE habit 12)."""
    import ast

    scripts = SCRIPT.parent
    for path in [scripts / "gradcheck.py", scripts / "grade.py", *scripts.glob("exercises/*.py")]:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(n == "tests" or n.startswith("tests.") for n in names), (path, names)
