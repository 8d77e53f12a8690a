"""Built-in data sets and a CSV reader with clear errors (NumPy only)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from manual.checks import Array

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Dataset:
    """X (n, d), y (n,) of 0/1, the feature names and the target's name."""

    X: Array
    y: Array
    feature_names: list[str]
    target_name: str
    description: str
    # where the features were standardized: the original columns' means and scales, so that
    # weights can be mapped back (w_raw = w / sd, b_raw = b - sum(w * mean / sd))
    mean: Array | None = None
    sd: Array | None = None
    # what labels 0 and 1 stand for, where known (the breast-cancer data: malignant, benign)
    class_names: tuple[str, str] | None = None


def toy_one_feature(n: int = 100, seed: int = 0) -> Dataset:
    """The one-feature toy set: x ~ Uniform(-4, 4), y ~ Bernoulli(sigmoid(1.5 x - 0.5)), drawn
    with numpy.random.default_rng(seed), sorted by x. The classes overlap, so the maximum-likelihood
    (w, b) exists, near the true (1.5, -0.5)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-4.0, 4.0, n))
    p = 1.0 / (1.0 + np.exp(-(1.5 * x - 0.5)))  # |z| <= 6.5: the textbook sigmoid is safe here
    y = (rng.random(n) < p).astype(np.float64)
    return Dataset(
        X=x.reshape(n, 1),
        y=y,
        feature_names=["x"],
        target_name="y",
        description=f"one-feature toy set (n={n}, seed={seed}, true w=1.5, b=-0.5)",
    )


def standardize(X: Array) -> Array:
    """Each column to mean 0 and standard deviation 1 (a constant column to 0).

    Computed on X / m, m = max |x| of the column (a power of 2, so that the division is exact):
    the mean and the squares of a column near 1e308 would overflow, and those of a column near
    1e-170 underflow to a standard deviation of 0, where the scaled column has neither."""
    m = _magnitude(X)
    Xs = X / m
    mean = Xs.mean(axis=0)
    sd = Xs.std(axis=0)
    return (Xs - mean) / np.where(sd > 0, sd, 1.0)


def _magnitude(X: Array) -> Array:
    """2^k <= each column's max |x| < 2^(k+1) (1 for a column of zeros): x / 2^k is exact and < 2.
    k read from the exponent bits (frexp), not from a rounded log2: rounding up would give
    2^1024 = inf for a max |x| past 2^1023.5."""
    top = np.max(np.abs(X), axis=0)
    _, e = np.frexp(np.where(top > 0, top, 1.0))  # top = f 2^e, f in [1/2, 1)
    return np.ldexp(1.0, e - 1)


def _mean(X: Array) -> Array:
    m = _magnitude(X)
    return (X / m).mean(axis=0) * m


def _scale(X: Array) -> Array:
    m = _magnitude(X)
    sd = (X / m).std(axis=0)
    return np.where(sd > 0, sd * m, 1.0)


def standardized(data: Dataset) -> Dataset:
    """The same data with standardized features, remembering the means and scales."""
    return Dataset(
        standardize(data.X),
        data.y,
        data.feature_names,
        data.target_name,
        data.description + ", features standardized",
        _mean(data.X),
        _scale(data.X),
        data.class_names,
    )


def breast_cancer(*, standardized: bool = True) -> Dataset:
    """Breast Cancer Wisconsin (Diagnostic), 569 x 30, target 1 = benign (see data/README.md).
    Features standardized to mean 0 and sd 1 unless `standardized=False`."""
    data = load_csv(DATA_DIR / "breast_cancer.csv", target="benign")
    X = standardize(data.X) if standardized else data.X
    note = ", features standardized" if standardized else ""
    return Dataset(
        X,
        data.y,
        data.feature_names,
        data.target_name,
        f"Breast Cancer Wisconsin (Diagnostic), 569 x 30{note}",
        class_names=("malignant", "benign"),
    )


def _check_file(path: Path) -> None:
    """A CSV path that names a file; ValueError saying what it names instead."""
    if path.is_dir():
        raise ValueError(f"--data: {path} is a directory, not a CSV file")
    if not path.is_file():
        raise ValueError(f"--data: no such file: {path}")


def load_csv(path: str | Path, target: str | None = None) -> Dataset:
    """Read a CSV with a header row: numeric features and a 0/1 target column (default: last).

    Raises ValueError with one line saying what is wrong: a missing file, an empty file, a
    missing target column, a non-numeric or empty cell (with its row and column), ragged rows,
    or labels other than 0/1.
    """
    path = Path(path)
    header, rows, lines = _read_table(path)
    t = _target_index(path, header, target)
    target = header[t]
    values = np.empty((len(rows), len(header)))
    for k, row in enumerate(rows):
        for j, cell in enumerate(row):
            try:
                values[k, j] = float(cell)
            except ValueError:
                raise ValueError(
                    f"{path}: line {lines[k]}, column {header[j]!r}: {cell!r} is not a number"
                ) from None
    if not np.isfinite(values).all():
        k, j = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(f"{path}: line {lines[k]}, column {header[j]!r} is not finite")
    y = values[:, t]
    bad = (y != 0) & (y != 1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(
            f"{path}: target {target!r} must hold labels 0 or 1; line {lines[k]} has {y[k]:g}"
        )
    names = [h for k, h in enumerate(header) if k != t]
    return Dataset(np.delete(values, t, axis=1), y, names, target, f"{path.name}, target {target}")


# --- class-labelled data (K classes, labels of any kind) -----------------------------------------
@dataclass(frozen=True)
class ClassDataset:
    """X (n, d), y (n,) of ints 0..K-1, `classes[k]` the CSV's label of class k (sorted: as
    numbers where every label is one, else as text), the feature names and the target's name."""

    X: Array
    y: NDArray[np.int64]
    classes: list[str]
    feature_names: list[str]
    target_name: str
    description: str
    mean: Array | None = None
    sd: Array | None = None


def _read_table(path: str | Path) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, data rows, their line numbers) of a CSV; ValueError with one line if unreadable."""
    path = Path(path)
    _check_file(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            numbered = [(reader.line_num, row) for row in reader if row]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ValueError(f"{path}: cannot be read as a UTF-8 CSV file ({err})") from None
    if len(numbered) < 2:
        raise ValueError(f"{path}: expected a header row and at least one data row")
    header = [h.strip() for h in numbered[0][1]]
    for line, row in numbered[1:]:
        if len(row) != len(header):
            raise ValueError(f"{path}: line {line} has {len(row)} cells, the header {len(header)}")
    return header, [row for _, row in numbered[1:]], [line for line, _ in numbered[1:]]


def _target_index(path: str | Path, header: list[str], target: str | None) -> int:
    name = header[-1] if target is None else target
    if name not in header:
        raise ValueError(f"{path}: no target column {name!r}; columns are {', '.join(header)}")
    return header.index(name)


def _sorted_labels(labels: set[str]) -> list[str]:
    """Numbers in numeric order (2 before 10) where every label is one, else text in code order."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


def _labels(
    path: str | Path, header: list[str], rows: list[list[str]], lines: list[int], t: int
) -> list[str]:
    """The target column's cells, stripped; an empty one is refused with its line."""
    labels = [row[t].strip() for row in rows]
    for k, label in enumerate(labels):
        if not label:
            raise ValueError(f"{path}: line {lines[k]}, column {header[t]!r}: the label is empty")
    return labels


def target_classes(path: str | Path, target: str | None = None) -> list[str]:
    """The distinct labels of the target column (default: the last), sorted (see _sorted_labels)."""
    header, rows, lines = _read_table(path)
    t = _target_index(path, header, target)
    return _sorted_labels(set(_labels(path, header, rows, lines, t)))


def load_class_csv(path: str | Path, target: str | None = None) -> ClassDataset:
    """Read a CSV with a header row: numeric features and a target column of any labels (numbers
    or text), mapped to 0..K-1 in sorted order. ValueError with one line saying what is wrong."""
    header, rows, lines = _read_table(path)
    t = _target_index(path, header, target)
    labels = _labels(path, header, rows, lines, t)
    classes = _sorted_labels(set(labels))
    index = {label: k for k, label in enumerate(classes)}
    features = [j for j in range(len(header)) if j != t]
    X = np.empty((len(rows), len(features)))
    for k, row in enumerate(rows):
        for col, j in enumerate(features):
            try:
                X[k, col] = float(row[j])
            except ValueError:
                raise ValueError(
                    f"{path}: line {lines[k]}, column {header[j]!r}: {row[j]!r} is not a number"
                ) from None
    if not np.isfinite(X).all():
        k, col = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{path}: line {lines[k]}, column {header[features[col]]!r} is not finite")
    y = np.array([index[label] for label in labels], dtype=np.int64)
    return ClassDataset(
        X,
        y,
        classes,
        [header[j] for j in features],
        header[t],
        f"{Path(path).name}, target {header[t]}",
    )


def standardized_classes(data: ClassDataset) -> ClassDataset:
    """The same data with standardized features, remembering the means and scales."""
    return ClassDataset(
        standardize(data.X),
        data.y,
        data.classes,
        data.feature_names,
        data.target_name,
        data.description + ", features standardized",
        _mean(data.X),
        _scale(data.X),
    )


def iris() -> ClassDataset:
    """Fisher's iris data, 150 x 4, three species (see data/README.md), features standardized."""
    data = standardized_classes(load_class_csv(DATA_DIR / "iris.csv", target="species"))
    return ClassDataset(
        data.X,
        data.y,
        data.classes,
        data.feature_names,
        data.target_name,
        "Fisher's iris data, 150 x 4, 3 species, features standardized",
        data.mean,
        data.sd,
    )
