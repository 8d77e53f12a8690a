"""scripts/train.py, the main job: its output, its accuracy, its plots and its errors."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from manual.datasets import toy_one_feature

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "train.py"


def _load_train():
    spec = importlib.util.spec_from_file_location("train_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train = _load_train()


def _accuracy_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("accuracy at threshold"))


def test_default_run_prints_the_loss_the_check_and_the_sklearn_accuracy(capsys) -> None:
    assert train.main([]) == 0
    out = capsys.readouterr().out
    assert "one-feature toy set" in out and "converged after" in out
    assert "largest |gradient manual - JAX| at the printed steps" in out
    worst = float(out.split("largest |gradient manual - JAX| at the printed steps: ")[1].split()[0])
    assert worst <= 1e-14  # the twins agree at every printed step
    data = toy_one_feature()
    sk = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(data.X, data.y)
    right = int(np.sum(sk.predict(data.X) == data.y))
    assert _accuracy_line(out) == f"accuracy at threshold 0.5: {right / 100:.4f} ({right} of 100)"


def test_csv_run_with_newton_and_plots(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    y = (rng.random(200) < 1 / (1 + np.exp(-(X @ [2.0, -1.0] + 0.3)))).astype(int)
    csv = tmp_path / "data.csv"
    rows = [
        f"{a:.17g},{b:.17g},{int(t)},{c:.17g}"
        for (a, b), t, c in zip(X, y, rng.random(200), strict=True)
    ]
    csv.write_text("f1,f2,label,noise\n" + "\n".join(rows) + "\n")
    args = [
        "--data",
        str(csv),
        "--target",
        "label",
        "--solver",
        "newton",
        "--plots",
        str(tmp_path / "plots"),
        "--every",
        "1",
    ]
    assert train.main(args) == 0
    out = capsys.readouterr().out
    Xf = np.column_stack([X, np.array([float(r.split(",")[3]) for r in rows])])
    sk = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(Xf, y)
    right = int(np.sum(sk.predict(Xf) == y))
    assert _accuracy_line(out) == f"accuracy at threshold 0.5: {right / 200:.4f} ({right} of 200)"
    # fitted on standardized features, reported in the CSV's units: sklearn's raw coefficients
    raw = out.split("the same weights in the CSV's units")[1].splitlines()[1:5]
    printed = {line.split()[0]: float(line.split()[1]) for line in raw}
    for name, want in zip(
        ["f1", "f2", "noise", "intercept"], [*sk.coef_[0], sk.intercept_[0]], strict=True
    ):
        assert abs(printed[name] - want) <= 1e-5 * max(abs(want), 1.0), (name, printed, want)
    for name in ("loss.png", "probabilities.png"):
        png = (tmp_path / "plots" / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


@pytest.mark.parametrize(
    ("content", "extra", "words"),
    [
        (None, [], "no such file"),
        ("a,b,label\n1,2,0\n3,x,1\n", [], "line 3, column 'b': 'x' is not a number"),
        ("a,b,label\n1,2,0\n3,4,2\n", [], "must hold labels 0 or 1; line 3 has 2"),
        ("a,b,label\n1,2,0\n3,4,1\n", ["--target", "y"], "no target column 'y'"),
        ("a,b,label\n1,2,0\n3,4\n", [], "line 3 has 2 cells"),
        ("", [], "expected a header row"),
        ("label\n0\n1\n", [], "no feature columns"),
    ],
)
def test_bad_csv_ends_with_one_line_and_exit_2(
    tmp_path: Path, capsys, content: str | None, extra: list[str], words: str
) -> None:
    csv = tmp_path / "bad.csv"
    if content is not None:
        csv.write_text(content)
    assert train.main(["--data", str(csv), "--no-check", *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("train.py: error: ") and words in err[0]


def test_command_line_has_help_and_no_traceback_on_bad_input(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for option in (
        "--data",
        "--target",
        "--solver",
        "--lr",
        "--max-iter",
        "--l2",
        "--every",
        "--plots",
    ):
        assert option in done.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00a,b\n")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--data", str(bad)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_held_out_split_reports_training_and_held_out_accuracy(capsys) -> None:
    """--test-fraction F holds out round(F n) rows drawn by numpy.random.default_rng(seed), fits on
    the rest, and reports both accuracies: the same numbers as scikit-learn fitted on the same rows
    (an independent fit of the same unpenalized model); the same seed gives the same output."""
    args = ["--test-fraction", "0.3", "--split-seed", "7", "--no-check"]
    assert train.main(args) == 0
    out = capsys.readouterr().out
    assert train.main(args) == 0
    assert capsys.readouterr().out.split("step")[0] == out.split("step")[0]
    data = toy_one_feature()
    order = np.random.default_rng(7).permutation(100)
    held, kept = np.sort(order[:30]), np.sort(order[30:])
    sk = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12)
    sk.fit(data.X[kept], data.y[kept])
    lines = [line for line in out.splitlines() if "accuracy at threshold" in line]
    for line, rows, label in zip(lines, (kept, held), ("training", "held-out"), strict=True):
        right = int(np.sum(sk.predict(data.X[rows]) == data.y[rows]))
        want = (
            f"{label} accuracy at threshold 0.5: {right / len(rows):.4f} ({right} of {len(rows)})"
        )
        assert line == want


@pytest.mark.parametrize("fraction", ["-0.1", "1", "0.001"])
def test_a_split_that_leaves_a_side_empty_ends_with_one_line(capsys, fraction: str) -> None:
    assert train.main(["--test-fraction", fraction, "--no-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("train.py: error: --test-fraction")
