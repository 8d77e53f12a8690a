"""The built-in data sets and the CSV reader: what each promises, value by value."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import manual
from manual.datasets import (
    DATA_DIR,
    ClassDataset,
    breast_cancer,
    iris,
    load_class_csv,
    load_csv,
    standardize,
    standardized,
    standardized_classes,
    target_classes,
    toy_one_feature,
)


def test_toy_set_is_the_documented_draw() -> None:
    data = toy_one_feature()
    assert data.X.shape == (100, 1) and data.y.shape == (100,)
    assert data.X.dtype == np.float64 and data.y.dtype == np.float64
    # x ~ U(-4, 4) drawn first from default_rng(0), then sorted; y ~ Bernoulli(sigmoid(1.5x - 0.5))
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-4.0, 4.0, 100))
    assert np.array_equal(data.X[:, 0], x)
    u = rng.random(100)
    p = 1.0 / (1.0 + np.exp(-(1.5 * x - 0.5)))
    assert np.array_equal(data.y, (u < p).astype(np.float64))
    assert 0 < data.y.sum() < 100  # both classes
    assert data.feature_names == ["x"] and data.target_name == "y"
    assert data.description == "one-feature toy set (n=100, seed=0, true w=1.5, b=-0.5)"
    assert data.mean is None and data.sd is None


def test_toy_set_follows_n_and_seed() -> None:
    a, b = toy_one_feature(n=37, seed=5), toy_one_feature(n=37, seed=5)
    assert a.X.shape == (37, 1) and np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, toy_one_feature(n=37, seed=6).X)
    assert "n=37, seed=5" in a.description


def test_toy_set_recovers_its_true_weights() -> None:
    """With many points the maximum-likelihood (w, b) lands within 4 standard errors of the true
    (1.5, -0.5): the model is the one the data were drawn from (fixed seed, so no flakiness)."""
    data = toy_one_feature(n=20_000, seed=1)
    res = manual.fit(data.X, data.y, solver="newton", tol=1e-10)
    se = manual.standard_errors(res.w, res.b, data.X, data.y)
    assert abs(res.w[0] - 1.5) < 4 * se[0]
    assert abs(res.b + 0.5) < 4 * se[1]


def test_standardize_gives_mean_0_and_sd_1() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 7.0, (50, 3))
    X[:, 2] *= 1e-3  # a scale below 1 is divided out too
    X[:, 1] = 2.5  # constant column: to 0, not to nan
    Z = standardize(X)
    assert np.allclose(Z.mean(axis=0), 0.0, atol=1e-15)
    assert np.allclose(Z[:, [0, 2]].std(axis=0), 1.0, rtol=1e-14)
    assert np.array_equal(Z[:, 1], np.zeros(50))
    y = (rng.random(50) < 0.5).astype(np.float64)
    names = ("no", "yes")
    D = standardized(manual.datasets.Dataset(X, y, ["a", "b", "c"], "t", "raw", class_names=names))
    assert np.array_equal(D.X, Z) and np.array_equal(D.y, y)
    assert D.class_names == names  # what 0 and 1 stand for does not change
    assert D.description == "raw, features standardized"
    assert D.feature_names == ["a", "b", "c"] and D.target_name == "t"
    assert D.mean is not None and D.sd is not None
    assert np.array_equal(D.mean, X.mean(axis=0))
    assert D.sd[1] == 1.0  # the constant column's scale: 1, so that it maps back unchanged
    assert np.allclose(D.sd, [X[:, 0].std(), 1.0, X[:, 2].std()], rtol=1e-15, atol=0)
    assert np.allclose(D.X * D.sd + D.mean, X, rtol=1e-14)  # the stored scales undo it


def test_standardize_reaches_both_ends_of_the_float_range() -> None:
    """Columns up to the largest float64 and near 1e-170, side by side: mean 0 and sd 1, no
    overflow of the large one's squares, no underflow of the small one's."""
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.uniform(-1.0, 1.0, 30) * 1.7e308, rng.uniform(1.0, 2.0, 30) * 1e-170])
    X[0, 0] = np.finfo(np.float64).max
    Z = standardize(X)
    assert np.all(np.isfinite(Z))
    assert np.allclose(Z.mean(axis=0), 0.0, atol=1e-15)
    assert np.allclose(Z.std(axis=0), 1.0, rtol=1e-14)


def test_breast_cancer_is_the_shipped_table() -> None:
    raw = breast_cancer(standardized=False)
    assert raw.X.shape == (569, 30) and raw.y.shape == (569,)
    assert int(raw.y.sum()) == 357  # 357 benign, 212 malignant
    assert raw.target_name == "benign" and len(raw.feature_names) == 30
    assert raw.description == "Breast Cancer Wisconsin (Diagnostic), 569 x 30"
    assert np.array_equal(raw.X, load_csv(DATA_DIR / "breast_cancer.csv", target="benign").X)
    std = breast_cancer()
    assert np.array_equal(std.X, standardize(raw.X)) and np.array_equal(std.y, raw.y)
    assert std.description.endswith(", features standardized")
    assert std.feature_names == raw.feature_names
    # label 1 = benign, as the docstring says: the names of labels 0 and 1, in that order
    assert raw.class_names == std.class_names == ("malignant", "benign")


def _write(tmp_path: Path, text: str, name: str = "d.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_load_csv_reads_the_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "a, label ,b\n1,0,2.5\n\n-3e2,1,4\n")
    # a quoted header cell may hold a line break, kept as written (the csv module's newline="")
    crlf = load_csv(_write(tmp_path, '"x\r\n1",y\r\n1,0\r\n', name="crlf.csv"))
    assert crlf.feature_names == ["x\r\n1"] and np.array_equal(crlf.X, [[1.0]])
    data = load_csv(path, target="label")
    assert np.array_equal(data.X, np.array([[1.0, 2.5], [-300.0, 4.0]]))
    assert np.array_equal(data.y, np.array([0.0, 1.0]))
    assert data.feature_names == ["a", "b"] and data.target_name == "label"
    assert data.description == "d.csv, target label"
    last = load_csv(_write(tmp_path, "\ufeffa,b,t\n1,2,1\n3,4,0\n", name="bom.csv"))
    assert last.target_name == "t" and last.feature_names == ["a", "b"]  # BOM dropped, last
    assert np.array_equal(last.y, np.array([1.0, 0.0]))
    assert load_csv(str(path), target="label").feature_names == ["a", "b"]  # a str path too


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        ("", None, "expected a header row and at least one data row"),
        ("a,y\n", None, "expected a header row and at least one data row"),
        ("a,y\n1,0\n", "z", "no target column 'z'; columns are a, y"),
        ("a,y\n1,0\n2,1,5\n", None, "line 3 has 3 cells, the header 2"),
        ("a,y\n1,0,5\n2,1\n", None, "line 2 has 3 cells, the header 2"),
        ("a,y\n1,0\n\nx,1\n", None, "line 4, column 'a': 'x' is not a number"),
        ("a,y\n1,0\n,1\n", None, "line 3, column 'a': '' is not a number"),
        ("a,y\n1,0\ninf,1\n", None, "line 3, column 'a' is not finite"),
        ("a,y\n1,0\n2,nan\n", None, "line 3, column 'y' is not finite"),
        ("a,y\n1,0\n2,1\n3,2\n", None, "target 'y' must hold labels 0 or 1; line 4 has 2"),
        ("a,y\n1,0.5\n", None, "target 'y' must hold labels 0 or 1; line 2 has 0.5"),
    ],
)
def test_load_csv_errors_say_where(
    tmp_path: Path, text: str, target: str | None, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=f"^{re.escape(f'{path}: {message}')}$"):
        load_csv(path, target=target)


def test_load_csv_refuses_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^--data: no such file: .*nothing\.csv$"):
        load_csv(tmp_path / "nothing.csv")
    with pytest.raises(ValueError, match=r"^--data: .* is a directory, not a CSV file$"):
        load_csv(tmp_path)
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"a,y\n\xe9,1\n")
    with pytest.raises(ValueError, match=r"cannot be read as a UTF-8 CSV file \("):
        load_csv(path)


def test_load_class_csv_maps_labels_to_classes_in_sorted_order(tmp_path: Path) -> None:
    """Labels that are all numbers in numeric order (2 before 10), else text in code order; y
    indexes classes, so classes[y] gives back each row's label as written (stripped)."""
    path = _write(tmp_path, "a,grade,b\n1,10,2.5\n-3e2,2,4\n0.5, 1 ,7\n7,10,8\n")
    data = load_class_csv(path, target="grade")  # a target that is not the last column
    assert data.classes == ["1", "2", "10"] == target_classes(path, target="grade")
    assert data.y.dtype == np.int64 and np.array_equal(data.y, [2, 1, 0, 2])
    assert [data.classes[k] for k in data.y] == ["10", "2", "1", "10"]
    assert np.array_equal(data.X, [[1.0, 2.5], [-300.0, 4.0], [0.5, 7.0], [7.0, 8.0]])
    assert data.feature_names == ["a", "b"] and data.target_name == "grade"
    assert data.description == "d.csv, target grade"
    assert data.mean is None and data.sd is None
    text = load_class_csv(_write(tmp_path, "x,kind\n1,b\n2,B\n3,10\n4,2\n", name="t.csv"))
    assert text.classes == ["10", "2", "B", "b"]  # one label is not a number: all sorted as text
    assert np.array_equal(text.y, [3, 2, 0, 1]) and text.target_name == "kind"  # default: last


@pytest.mark.parametrize(
    ("text", "target", "where", "fact"),
    [
        ("a,b,label\n1,2,x\n3,u,y\n", None, "line 3, column 'b'", "'u' is not a number"),
        ("a,b,label\n1,2,x\n3,inf,y\n", None, "line 3, column 'b'", "not finite"),
        ("label,a,b\nx,1,2\ny,3,-inf\n", "label", "line 3, column 'b'", "not finite"),
        ("a,label\n1,x\n\n2, \n", None, "line 4, column 'label'", "empty"),
        ("a,label\n1,x\n", "z", "no target column 'z'", "a, label"),
    ],
)
def test_load_class_csv_errors_say_where(
    tmp_path: Path, text: str, target: str | None, where: str, fact: str
) -> None:
    """Each refusal names the file, then the line and column (or the missing target), and what
    is wrong there: the first bad cell, not some other. target_classes, which reads the target
    column alone, refuses a bad target column with the same words."""
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        load_class_csv(path, target=target)
    message = str(err.value)
    assert message.startswith(f"{path}: {where}") and fact in message
    if "column 'b'" not in where:  # a fault of the target column: target_classes reads it alike
        with pytest.raises(ValueError) as err:
            target_classes(path, target=target)
        assert str(err.value) == message


def test_standardized_classes_changes_the_features_only() -> None:
    """Everything but X is kept; the stored means and scales map the features back, also for a
    column near 1e308 whose plain mean would overflow, and for a constant column of the smallest
    subnormal, 2^-1074."""
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 7.0, (40, 4))
    X[:, 1] = 2.5  # constant column: to 0, its scale 1
    X[:, 2] = rng.uniform(1.0, 1.7, 40) * 1e308
    X[0, 2] = np.finfo(np.float64).max
    X[:, 3] = 2.0**-1074  # the smallest subnormal, constant: its mean is itself, not 0/0
    y = rng.integers(0, 3, 40)
    data = ClassDataset(X, y, ["c0", "c1", "c2"], ["a", "b", "c", "d"], "t", "raw")
    D = standardized_classes(data)
    assert np.array_equal(D.X, standardize(X)) and np.array_equal(D.y, y)
    assert D.classes == ["c0", "c1", "c2"]
    assert D.feature_names == ["a", "b", "c", "d"] and D.target_name == "t"
    assert D.description == "raw, features standardized"
    assert D.mean is not None and D.sd is not None
    assert D.mean.shape == D.sd.shape == (4,)
    assert D.mean[3] == 2.0**-1074 and D.sd[3] == 1.0 and np.all(D.X[:, 3] == 0.0)
    assert np.allclose(D.mean[:2], X[:, :2].mean(axis=0), rtol=1e-15, atol=0)
    assert np.isclose(D.mean[2], np.mean(X[:, 2] / 1e308) * 1e308, rtol=1e-15, atol=0)
    assert D.sd[1] == 1.0
    assert np.allclose(D.X * D.sd + D.mean, X, rtol=1e-14)  # the stored scales undo it


def test_iris_is_the_shipped_table_standardized() -> None:
    raw = load_class_csv(DATA_DIR / "iris.csv", target="species")
    data = iris()
    assert data.X.shape == (150, 4) and data.y.shape == (150,)
    assert data.classes == ["setosa", "versicolor", "virginica"]
    assert np.array_equal(np.bincount(data.y), [50, 50, 50]) and np.array_equal(data.y, raw.y)
    assert data.feature_names == raw.feature_names and len(data.feature_names) == 4
    assert data.target_name == "species"
    assert data.description == "Fisher's iris data, 150 x 4, 3 species, features standardized"
    assert np.array_equal(data.X, standardize(raw.X))
    assert data.mean is not None and data.sd is not None
    assert np.allclose(data.X * data.sd + data.mean, raw.X, rtol=1e-14)  # the stored scales undo it
