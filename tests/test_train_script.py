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


# --- more than two classes: softmax regression ---------------------------------------------------
def _confusion(out: str, K: int) -> np.ndarray:
    lines = out.split("confusion matrix (rows: true class, columns: predicted class):")[1]
    rows = lines.strip().splitlines()[1 : 1 + K]
    return np.array([[int(v) for v in row.split()[-K:]] for row in rows])


def test_iris_says_setosa_needs_a_penalty_and_matches_sklearn_with_one(capsys) -> None:
    from manual.datasets import iris

    assert train.main(["--dataset", "iris", "--solver", "newton"]) == 0
    out = capsys.readouterr().out
    assert "setosa -> 0" in out and "versicolor -> 1" in out and "virginica -> 2" in out
    assert "class 'setosa' is linearly separable from the others" in out and "--l2" in out
    l2 = 1e-2
    assert train.main(["--dataset", "iris", "--solver", "newton", "--l2", str(l2)]) == 0
    out = capsys.readouterr().out
    assert "the optimum exists and is unique (reached)" in out
    worst = float(out.split("largest |gradient manual - JAX| at the printed steps: ")[1].split()[0])
    assert worst <= 1e-14
    data = iris()
    n = len(data.y)
    sk = LogisticRegression(C=1 / (l2 * n), solver="newton-cholesky", tol=1e-12).fit(data.X, data.y)
    pred = sk.predict(data.X)
    right = int(np.sum(pred == data.y))
    assert f"accuracy: {right / n:.4f} ({right} of {n})" in out
    want = np.zeros((3, 3), dtype=int)
    np.add.at(want, (data.y, pred), 1)
    np.testing.assert_array_equal(_confusion(out, 3), want)


def test_csv_with_text_labels_two_features_and_plots(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(1)
    names = ["pear", "apple", "fig", "kiwi"]  # sorted: apple, fig, kiwi, pear
    y = rng.integers(0, 4, 240)
    centers = np.array([[0.0, 0.0], [2.0, 0.5], [0.5, 2.5], [2.5, 2.5]])
    X = centers[y] + rng.standard_normal((240, 2)) * [1.0, 0.8]
    X = X * [1.0, 1e3] + [0.0, 2000.0]  # a badly scaled, offset second column
    lines = [f"{a:.17g},{names[t]},{b:.17g}" for (a, b), t in zip(X, y, strict=True)]
    csv = tmp_path / "fruit.csv"
    csv.write_text("width,fruit,weight\n" + "\n".join(lines) + "\n")
    args = ["--data", str(csv), "--target", "fruit", "--solver", "newton", "--plots"]
    assert train.main([*args, str(tmp_path / "plots")]) == 0
    out = capsys.readouterr().out
    for k, name in enumerate(sorted(names)):
        assert f"{name} -> {k}" in out
    assert "4 classes" in out and "no class is separable from the rest" in out
    M = _confusion(out, 4)
    assert M.sum() == 240
    idx = np.array([sorted(names).index(names[t]) for t in y])
    np.testing.assert_array_equal(M.sum(axis=1), np.bincount(idx, minlength=4))
    for name in ("loss.png", "regions.png"):
        png = (tmp_path / "plots" / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_numeric_labels_are_sorted_as_numbers(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(2)
    labels = [10, 2, 1]
    y = rng.integers(0, 3, 90)
    X = rng.standard_normal((90, 3)) + y[:, None]
    lines = [
        ",".join(f"{v:.6f}" for v in row) + f",{labels[t]}" for row, t in zip(X, y, strict=True)
    ]
    csv = tmp_path / "numbers.csv"
    csv.write_text("a,b,c,grade\n" + "\n".join(lines) + "\n")
    assert train.main(["--data", str(csv), "--no-check", "--plots", str(tmp_path / "p")]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.endswith(("samples)", "sample)"))]
    mapping = [line.split()[:3] for line in rows]
    assert mapping == [["1", "->", "0"], ["2", "->", "1"], ["10", "->", "2"]]
    assert (tmp_path / "p" / "probabilities.png").stat().st_size > 5000


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("a,b,label\n1,2,x\n3,u,y\n4,5,z\n", "line 3, column 'b': 'u' is not a number"),
        ("a,b,label\n1,2,x\n3,4,y\n4,5\n", "line 4 has 2 cells"),
        ("a,b,label\n1,2,x\n3,inf,y\n4,5,z\n", "line 3, column 'b' is not finite"),
        ("label\nx\ny\nz\n", "no feature columns"),
        ("a,label\n1,x\n2,\n3,z\n4,y\n", "line 3, column 'label': the label is empty"),
    ],
)
def test_bad_multiclass_csv_ends_with_one_line_and_exit_2(
    tmp_path: Path, capsys, content: str, words: str
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    assert train.main(["--data", str(csv), "--no-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("train.py: error: ") and words in err[0]


def test_a_held_out_split_of_iris_reports_both_accuracies(capsys) -> None:
    """--test-fraction works for K classes too: the same rows as the binary split, the held-out
    confusion matrix counting exactly the held-out rows."""
    from manual.datasets import iris

    args = ["--dataset", "iris", "--solver", "newton", "--l2", "1e-2", "--no-check"]
    assert train.main([*args, "--test-fraction", "0.3", "--split-seed", "3"]) == 0
    out = capsys.readouterr().out
    held = np.sort(np.random.default_rng(3).permutation(150)[:45])
    assert "held out: 45 rows" in out and "training accuracy:" in out
    M = _confusion(out.split("held-out accuracy:")[1], 3)
    np.testing.assert_array_equal(M.sum(axis=1), np.bincount(iris().y[held], minlength=3))


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--threshold", "2"], "--threshold must lie in [0.0, 1.0]; got 2.0"),
        (["--threshold", "nan"], "--threshold must be finite"),
        (["--tol", "-1"], "--tol must lie in [0.0, inf)"),
        (["--l2", "inf"], "--l2 must be finite"),
        (["--lr", "nan"], "--lr must be finite"),
        (["--max-iter", "-3"], "--max-iter must be >= 0"),
    ],
)
def test_an_option_out_of_range_is_refused_before_training(capsys, option, words) -> None:
    """One line on stderr, exit 2, and nothing read or trained (no line on stdout)."""
    assert train.main(["--no-check", *option]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"train.py: error: {words}")


def test_extreme_csv_columns_are_standardized_not_dropped(tmp_path: Path, capsys) -> None:
    """Cells near 1e308 and near 1e-170 and a constant column: no RuntimeWarning (the suite makes
    them errors), the tiny column standardized to sd 1 like the others (its weight not 0), the
    constant one named, no word about lr when none was given."""
    from manual.datasets import load_csv, standardized

    rng = np.random.default_rng(0)
    u, v = rng.uniform(-1, 1, 60), rng.uniform(1, 2, 60)
    y = (rng.random(60) < 1 / (1 + np.exp(-(2 * u - v + 1.5)))).astype(int)
    rows = [
        f"{float(a) * 1e308!r},{float(b) * 1e-170!r},5,{t}" for a, b, t in zip(u, v, y, strict=True)
    ]
    csv = tmp_path / "extreme.csv"
    csv.write_text("big,tiny,same,label\n" + "\n".join(rows) + "\n")
    data = standardized(load_csv(csv))
    assert np.allclose(data.X[:, :2].std(axis=0), 1.0, rtol=1e-12)
    assert np.allclose(data.X[:, :2].mean(axis=0), 0.0, atol=1e-14)
    assert train.main(["--data", str(csv), "--no-check", "--solver", "newton"]) == 0
    out = capsys.readouterr().out
    assert "constant column(s) same" in out and "lr" not in out.split("solver:")[1].split("\n")[0]
    weights = out.split("weights:")[1].split("the same weights")[0]
    tiny = float(next(line for line in weights.splitlines() if "tiny" in line).split()[-1])
    assert tiny != 0.0


def test_threshold_with_more_than_two_classes_is_refused_before_reading(
    tmp_path: Path, capsys
) -> None:
    """--threshold is a two-class option: with a K-class target it is refused in one line, exit 2,
    nothing trained; without it the same data train."""
    csv = tmp_path / "three.csv"
    csv.write_text("a,label\n0,x\n1,y\n2,z\n0.5,x\n1.5,y\n2.5,z\n")
    for args in (["--data", str(csv)], ["--dataset", "iris"]):
        assert train.main([*args, "--no-check", "--threshold", "0.3"]) == 2
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert captured.out == "" and len(err) == 1
        assert err[0].startswith("train.py: error: --threshold applies to two classes")
    assert train.main(["--data", str(csv), "--no-check", "--l2", "0.1", "--solver", "newton"]) == 0


@pytest.mark.parametrize("kind", ["a file", "under a file"])
def test_an_unusable_plots_folder_is_refused_before_any_data_are_read(
    tmp_path: Path, capsys, kind: str
) -> None:
    """--plots naming a file, or a folder that cannot be made (under a file): one line, exit 2,
    before the run (nothing on stdout)."""
    existing = tmp_path / "notes.txt"
    existing.write_text("not a folder\n")
    folder = existing if kind == "a file" else existing / "plots"
    assert train.main(["--no-check", "--plots", str(folder)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert captured.out == "" and len(err) == 1 and err[0].startswith("train.py: error: --plots")
    assert existing.read_text() == "not a folder\n"


def test_a_missing_plots_folder_is_created_up_front(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "new" / "plots"
    assert train.main(["--no-check", "--plots", str(folder), "--max-iter", "0"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["loss.png", "probabilities.png"]


def test_a_directory_given_as_data_is_called_one(tmp_path: Path, capsys) -> None:
    assert train.main(["--data", str(tmp_path), "--no-check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1
        and err[0] == f"train.py: error: --data: {tmp_path} is a directory, not a CSV file"
    )


@pytest.mark.parametrize(("first", "second"), [("no", "yes"), ("False", "True")])
def test_two_text_classes_fit_the_binary_model_with_the_mapping_printed(
    tmp_path: Path, capsys, first: str, second: str
) -> None:
    """Two text labels map to 0/1 in sorted order (printed) and fit the binary model: the same
    fit, to the last digit, as the CSV with those labels written 0 and 1."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 2))
    y = (rng.random(40) < 1 / (1 + np.exp(-(X @ [1.5, -1.0])))).astype(int)
    rows = [f"{a:.17g},{b:.17g}" for a, b in X]
    text, numbers = tmp_path / "text.csv", tmp_path / "numbers.csv"
    text.write_text(
        "a,b,label\n"
        + "\n".join(f"{r},{(first, second)[t]}" for r, t in zip(rows, y, strict=True))
        + "\n"
    )
    numbers.write_text(
        "a,b,label\n" + "\n".join(f"{r},{t}" for r, t in zip(rows, y, strict=True)) + "\n"
    )
    args = ["--no-check", "--solver", "newton", "--l2", "1e-2"]
    assert train.main(["--data", str(text), *args]) == 0
    out_text = capsys.readouterr().out
    assert train.main(["--data", str(numbers), *args]) == 0
    out_numbers = capsys.readouterr().out
    assert f"{first:>16} -> 0   ({int(np.sum(y == 0))} samples)" in out_text
    assert f"{second:>16} -> 1   ({int(np.sum(y == 1))} samples)" in out_text
    assert out_text.split("weights:")[1] == out_numbers.split("weights:")[1]


def test_a_masked_array_is_refused_by_name_not_unmasked() -> None:
    """np.asarray drops a mask: the values under it would count as data. Refused, by name."""
    import manual
    from manual import multinomial

    X = np.ma.masked_array(np.ones((3, 2)), mask=np.array([[0, 1], [0, 0], [0, 0]], dtype=bool))
    y = np.ma.masked_array([0.0, 1.0, 1.0], mask=np.array([0, 1, 0], dtype=bool))
    with pytest.raises(TypeError, match=r"^X must be .* numpy\.ma\.MaskedArray"):
        manual.gradient(np.zeros(2), 0.0, X, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(TypeError, match=r"^y must be .* numpy\.ma\.MaskedArray"):
        manual.fit(np.ones((3, 2)), y)
    with pytest.raises(TypeError, match=r"^X must be .* numpy\.ma\.MaskedArray"):
        multinomial.gradient(np.zeros((2, 3)), np.zeros(3), X, np.array([0, 1, 2]))
