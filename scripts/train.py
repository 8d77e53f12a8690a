"""Train the hand-derived logistic regression and show the calculus at work.

    uv run scripts/train.py                                   # the one-feature toy set, GD
    uv run scripts/train.py --dataset breast-cancer --solver newton
    uv run scripts/train.py --data my.csv --target label --plots out/
    uv run scripts/train.py --dataset breast-cancer --l2 1e-3 --test-fraction 0.3

Prints the loss every --every iterations with the gradient checked against the JAX twin at each
printed step, the final weights, the accuracy at the threshold (on the training and the held-out
rows with --test-fraction), and with --plots DIR saves loss.png and probabilities.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import manual
from manual.checks import as_scalar
from manual.datasets import (
    ClassDataset,
    Dataset,
    breast_cancer,
    load_class_csv,
    load_csv,
    standardized,
    target_classes,
    toy_one_feature,
)
from scripts import train_multinomial
from scripts.runs import fit_recording, print_ending
from scripts.train_multinomial import CLASS_DATASETS

DATASETS: dict[str, Callable[[], Dataset]] = {
    "toy": toy_one_feature,
    "breast-cancer": breast_cancer,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="train.py",
        description="Train logistic regression with hand-derived derivatives (manual), checked "
        "against JAX autodiff (reference) as it goes.",
    )
    src = ap.add_argument_group("data")
    src.add_argument(
        "--dataset",
        choices=sorted([*DATASETS, *CLASS_DATASETS]),
        default="toy",
        help="built-in data set when --data is not given (default: toy, the "
        "one-feature set; breast-cancer: 569 x 30, standardized; iris: 150 x 4, 3 species, "
        "standardized, fitted by softmax regression)",
    )
    src.add_argument("--data", metavar="CSV", help="a CSV file with a header row")
    src.add_argument(
        "--target",
        metavar="COLUMN",
        help="the label column (default: last): 0/1, or two text labels (mapped to 0/1 in "
        "sorted order), for the binary model; with more than two distinct values (numbers or "
        "text) softmax regression, labels mapped to 0..K-1 in sorted order",
    )
    src.add_argument(
        "--raw",
        action="store_true",
        help="fit on the features of --data as they are (default: standardized to mean 0, sd 1 "
        "for the fit, which predicts the same at l2 = 0 and lets gradient descent converge; the "
        "weights are also shown in the CSV's units)",
    )
    src.add_argument(
        "--test-fraction",
        type=float,
        default=0.0,
        metavar="F",
        help="hold out this fraction of the rows, drawn with --split-seed, and report the "
        "accuracy on them too (default: 0, train on every row). The standardization of --data "
        "uses the features of every row, never the labels",
    )
    src.add_argument(
        "--split-seed", type=int, default=0, help="seed of the held-out split (default: 0)"
    )
    opt = ap.add_argument_group("training")
    opt.add_argument("--solver", choices=list(manual.solvers.SOLVERS), default="gd")
    opt.add_argument(
        "--lr",
        type=float,
        default=None,
        help="GD step size (default: 1/L, L the gradient's Lipschitz bound)",
    )
    opt.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="most steps (default: 5000 for gd, 100 for newton)",
    )
    opt.add_argument("--tol", type=float, default=1e-8, help="stop when ||g||inf <= tol")
    opt.add_argument("--l2", type=float, default=0.0, help="L2 penalty on w (never on b)")
    out = ap.add_argument_group("output")
    out.add_argument(
        "--every",
        type=int,
        default=None,
        metavar="K",
        help="print the loss every K iterations (default: 100 for gd, 1 for newton)",
    )
    out.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="predict 1 where p >= it (default: 0.5); two classes only",
    )
    out.add_argument(
        "--plots",
        metavar="DIR",
        help="save loss.png and probabilities.png here (the folder is created, or refused, "
        "before any data are read)",
    )
    out.add_argument(
        "--no-check", action="store_true", help="skip the gradient check against the JAX twin"
    )
    return ap.parse_args(argv)


def load(args: argparse.Namespace) -> Dataset:
    if args.data is None:
        if args.target is not None or args.raw:
            raise ValueError("--target and --raw go with --data")
        return DATASETS[args.dataset]()
    classes = target_classes(args.data, args.target)
    if len(classes) == 2 and not all(_is_number(label) for label in classes):
        data = two_classes(load_class_csv(args.data, args.target))
    else:
        data = load_csv(args.data, args.target)
    if data.X.shape[1] == 0:
        raise ValueError(f"{args.data}: no feature columns besides the target {data.target_name!r}")
    return data if args.raw else standardized(data)


def _is_number(label: str) -> bool:
    try:
        float(label)
    except ValueError:
        return False
    return True


def two_classes(data: ClassDataset) -> Dataset:
    """Two text labels as the binary model's data: the first in sorted order is 0, the other 1
    (class_names keeps them, for the mapping printed and the plots)."""
    first, second = data.classes
    return Dataset(
        data.X,
        data.y.astype(np.float64),
        data.feature_names,
        data.target_name,
        data.description,
        class_names=(first, second),
    )


def split(data: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """(training rows, held-out rows): round(fraction n) rows drawn at random with
    numpy.random.default_rng(seed); (data, None) for fraction 0."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"--test-fraction must be in [0, 1), got {fraction:g}")
    n = len(data.y)
    n_test = round(fraction * n)
    if fraction == 0.0:
        return data, None
    if n_test < 1 or n_test > n - 1:
        raise ValueError(
            f"--test-fraction {fraction:g} of {n} rows leaves {n_test} held out and "
            f"{n - n_test} to train on: both need at least one"
        )
    order = np.random.default_rng(seed).permutation(n)
    parts = []
    for rows in (np.sort(order[n_test:]), np.sort(order[:n_test])):
        parts.append(dataclasses.replace(data, X=data.X[rows], y=data.y[rows]))
    return parts[0], parts[1]


def accuracy_line(label: str, data: Dataset, res: manual.FitResult, threshold: float) -> str:
    pred = manual.predict(data.X, res.w, res.b, threshold)
    right, n = int(np.sum(pred == data.y)), len(data.y)
    return f"{label}accuracy at threshold {threshold:g}: {right / n:.4f} ({right} of {n})"


class Printer:
    """The fit's callback: a line every K iterations, with the gradient checked against JAX."""

    def __init__(self, data: Dataset, l2: float, every: int, total: int, check: bool) -> None:
        self.data, self.l2, self.every, self.total = data, l2, every, total
        self.reference: Any = None
        if check:
            import reference

            self.reference = reference
        self.worst = 0.0
        self.worst_rel = 0.0
        self.start = time.perf_counter()
        self.last_k = -1
        print(f"{'step':>7} {'loss':>22} {'||g||inf':>10} {'|g - g_jax|':>12} {'elapsed':>8}")

    def __call__(
        self, k: int, w: np.ndarray, b: float, f: float, gw: np.ndarray, gb: float
    ) -> None:
        self.last = (k, w.copy(), b, f, gw.copy(), gb)
        if k % self.every == 0:
            self.line(k, w, b, f, gw, gb)

    def line(self, k: int, w: np.ndarray, b: float, f: float, gw: np.ndarray, gb: float) -> None:
        if k == self.last_k:
            return
        self.last_k = k
        g = np.append(gw, gb)
        diff = "-"
        if self.reference is not None:
            rw, rb = self.reference.gradient(w, b, self.data.X, self.data.y, self.l2)
            err = float(np.max(np.abs(g - np.append(rw, rb))))
            self.worst = max(self.worst, err)
            # relative to the gradient's scale max_j mean_i |X1_ij| (p_i + y_i): near the optimum
            # g itself is ~0 and both twins round at the size of the terms that cancel in it
            p = manual.predict_proba(self.data.X, w, b)
            X1 = np.abs(np.column_stack([self.data.X, np.ones(len(p))]))
            scale = float(np.max(X1.T @ (p + self.data.y)) / len(p))
            self.worst_rel = max(self.worst_rel, err / max(scale, 1e-300))
            diff = f"{err:.1e}"
        elapsed = time.perf_counter() - self.start
        progress = f"{100 * k / self.total:3.0f}%" if self.total else ""
        print(
            f"{k:>7} {f:>22.16g} {np.max(np.abs(g)):>10.2e} {diff:>12} {elapsed:>7.2f}s {progress}"
        )

    def finish(self) -> None:
        self.line(*self.last)


def multiclass(args: argparse.Namespace) -> int:
    """The number of classes when the target has more than two distinct values (softmax
    regression's data), else 0."""
    if args.data is None:
        if args.target is not None or args.raw:
            raise ValueError("--target and --raw go with --data")
        return len(CLASS_DATASETS[args.dataset]().classes) if args.dataset in CLASS_DATASETS else 0
    K = len(target_classes(args.data, args.target))
    return K if K > 2 else 0


def check_options(args: argparse.Namespace) -> None:
    """Refuse an option out of range before any data are read or any step taken; create the
    --plots folder (or refuse it) now rather than after the run."""
    if args.threshold is not None:
        as_scalar("--threshold", args.threshold, low=0.0, high=1.0)
    as_scalar("--tol", args.tol, low=0.0)
    as_scalar("--l2", args.l2, low=0.0)
    if args.lr is not None:
        as_scalar("--lr", args.lr, low=0.0, low_open=True)
    if args.max_iter is not None and args.max_iter < 0:
        raise ValueError(f"--max-iter must be >= 0, got {args.max_iter}")
    if args.every is not None and args.every < 1:
        raise ValueError(f"--every must be >= 1, got {args.every}")
    if args.plots is not None:
        check_plots_folder(Path(args.plots))


def check_plots_folder(folder: Path) -> None:
    """--plots DIR: a folder we can write in, created if missing; else one line saying why."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--plots {folder}: is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # the one sure test of writing there
            pass
    except OSError as err:
        raise ValueError(
            f"--plots {folder}: cannot write there ({err.strerror or type(err).__name__})"
        ) from None


def check_threshold(args: argparse.Namespace, classes: int) -> None:
    """--threshold applies to two classes: with K > 2 the most probable class is predicted."""
    if args.threshold is not None:
        raise ValueError(
            f"--threshold applies to two classes; this target has {classes}, and softmax "
            "regression predicts the most probable class"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        check_options(args)
        K = multiclass(args)
        if K:
            check_threshold(args, K)
            return train_multinomial.run(args, split)
    except ValueError as err:
        print(f"train.py: error: {err}", file=sys.stderr)
        return 2
    threshold = 0.5 if args.threshold is None else args.threshold
    try:
        data, held_out = split(load(args), args.test_fraction, args.split_seed)
        max_iter = (
            args.max_iter if args.max_iter is not None else (5000 if args.solver == "gd" else 100)
        )
        every = args.every or (100 if args.solver == "gd" else 1)
        n, d = data.X.shape
        print(
            f"data: {data.description}: {n} samples, {d} feature(s), "
            f"{int(data.y.sum())} with {data.target_name} = 1"
        )
        if args.data is not None and data.class_names is not None:
            print(f"classes of {data.target_name!r} (label -> index, in sorted order):")
            for k, label in enumerate(data.class_names):
                count = int(np.sum(data.y == k))
                print(f"  {label:>16} -> {k}   ({count} sample{'' if count == 1 else 's'})")
        if held_out is not None:
            print(
                f"held out: {len(held_out.y)} rows ({args.test_fraction:g}, seed "
                f"{args.split_seed}); training on the other {n}"
            )
        # lr=None: fit's own default 1 / L, so that a message about lr is about the user's
        lr_text = (
            ""
            if args.solver != "gd"
            else (
                f", lr {args.lr:.4g}"
                if args.lr is not None
                else f", lr {1.0 / manual.lipschitz(data.X, args.l2):.4g} (1/L)"
            )
        )
        constant = [
            name
            for name, sd in zip(data.feature_names, np.ptp(data.X, axis=0), strict=True)
            if sd == 0
        ]
        if constant:
            print(f"note: constant column(s) {', '.join(constant)}: their weights stay 0")
        print(
            f"solver: {args.solver}{lr_text}, max_iter {max_iter}, tol {args.tol:g}, l2 {args.l2:g}"
        )
        printer = Printer(data, args.l2, every, max_iter, check=not args.no_check)
        res, caught = fit_recording(manual.fit, data, args, printer, lr=args.lr, max_iter=max_iter)
    except ValueError as err:
        print(f"train.py: error: {err}", file=sys.stderr)
        return 2

    print_ending(res, caught)
    if printer.reference is not None:
        print(
            f"largest |gradient manual - JAX| at the printed steps: {printer.worst:.1e} "
            f"({printer.worst_rel:.1e} of the gradient's scale mean|x| (p + y))"
        )
    print_weights(data, res)
    if held_out is None:
        print(accuracy_line("", data, res, threshold))
    else:
        print(accuracy_line("training ", data, res, threshold))
        print(accuracy_line("held-out ", held_out, res, threshold))
    if args.plots:
        try:
            saved = save_plots(args, data, res, threshold)
        except (OSError, ImportError) as err:
            print(
                f"train.py: error: cannot write the plots to {args.plots}: {err}", file=sys.stderr
            )
            return 2
        print("plots: " + ", ".join(str(p) for p in saved))
    return 0


def save_plots(
    args: argparse.Namespace, data: Dataset, res: manual.FitResult, threshold: float
) -> list[Path]:
    from scripts import plots

    folder = Path(args.plots)
    return [
        plots.save(
            plots.loss_curve(
                res.losses,
                res.grad_norms,
                f"{args.solver}: {data.description.split(',')[0].split(' (')[0]}",
            ),
            folder,
            "loss.png",
        ),
        plots.save(
            plots.probabilities(
                data.X,
                data.y,
                res.w,
                res.b,
                data.feature_names,
                threshold,
                class_names=data.class_names
                or (f"{data.target_name} = 0", f"{data.target_name} = 1"),
            ),
            folder,
            "probabilities.png",
        ),
    ]


def print_weights(data: Dataset, res: manual.FitResult) -> None:
    order = np.argsort(-np.abs(res.w))
    shown = order if len(order) <= 12 else order[:10]
    width = max(len(name) for name in [*(data.feature_names[j] for j in shown), "intercept"])
    more = "" if len(shown) == len(order) else f" (the {len(shown)} largest of {len(order)})"
    print(f"weights{more}:")
    for j in shown:
        print(f"  {data.feature_names[j]:<{width}} {res.w[j]: .6f}")
    print(f"  {'intercept':<{width}} {res.b: .6f}")
    if data.mean is not None and data.sd is not None:
        w_raw = res.w / data.sd
        b_raw = res.b - float(np.sum(res.w * (data.mean / data.sd)))  # mean / sd: no overflow
        print("the same weights in the CSV's units (w / sd, b - sum(w mean / sd)):")
        for j in shown:
            print(f"  {data.feature_names[j]:<{width}} {w_raw[j]: .6g}")
        print(f"  {'intercept':<{width}} {b_raw: .6g}")


if __name__ == "__main__":
    sys.exit(main())
