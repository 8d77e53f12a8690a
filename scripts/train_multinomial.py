"""train.py's run for a target with more than two classes: softmax regression (manual.multinomial).

    uv run scripts/train.py --dataset iris --solver newton --l2 1e-3 --plots out/
    uv run scripts/train.py --data flowers.csv --target species

Labels (numbers or text) are mapped to 0..K-1 in sorted order, and the mapping is printed. Prints
the loss every --every iterations with the gradient checked against the JAX twin, what the fit
says about the data (a class separable from the rest, a class with no optimum), the weights, the
accuracy and the confusion matrix; with --plots DIR, loss.png and, for two features, regions.png
(the decision regions), otherwise probabilities.png (the probability of the true class per class).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import manual
from manual import multinomial as mm
from manual.datasets import ClassDataset, iris, load_class_csv, standardized_classes
from scripts.runs import fit_recording, print_ending

CLASS_DATASETS = {"iris": iris}


def load(args: argparse.Namespace) -> ClassDataset:
    if args.data is None:
        return CLASS_DATASETS[args.dataset]()
    data = load_class_csv(args.data, args.target)
    if data.X.shape[1] == 0:
        raise ValueError(f"{args.data}: no feature columns besides the target {data.target_name!r}")
    return data if args.raw else standardized_classes(data)


class Printer:
    """The fit's callback: a line every K iterations, with the gradient checked against JAX."""

    def __init__(self, data: ClassDataset, l2: float, every: int, total: int, check: bool) -> None:
        self.data, self.l2, self.every, self.total = data, l2, every, total
        self.reference: Any = None
        if check:
            from reference import multinomial as rm

            self.reference = rm
        self.worst = 0.0
        self.start = time.perf_counter()
        self.last_k = -1
        self.last: tuple[Any, ...] = ()
        print(f"{'step':>7} {'loss':>22} {'||g||inf':>10} {'|g - g_jax|':>12} {'elapsed':>8}")

    def __call__(
        self, k: int, W: np.ndarray, b: np.ndarray, f: float, gW: np.ndarray, gb: np.ndarray
    ) -> None:
        self.last = (k, W.copy(), b.copy(), f, gW.copy(), gb.copy())
        if k % self.every == 0:
            self.line(*self.last)

    def line(
        self, k: int, W: np.ndarray, b: np.ndarray, f: float, gW: np.ndarray, gb: np.ndarray
    ) -> None:
        if k == self.last_k:
            return
        self.last_k = k
        g = np.vstack([gW, gb])
        diff = "-"
        if self.reference is not None:
            rW, rb = self.reference.gradient(W, b, self.data.X, self.data.y, self.l2)
            err = float(np.max(np.abs(g - np.vstack([rW, rb]))))
            self.worst = max(self.worst, err)
            diff = f"{err:.1e}"
        elapsed = time.perf_counter() - self.start
        progress = f"{100 * k / self.total:3.0f}%" if self.total else ""
        print(
            f"{k:>7} {f:>22.16g} {np.max(np.abs(g)):>10.2e} {diff:>12} {elapsed:>7.2f}s {progress}"
        )

    def finish(self) -> None:
        if self.last:
            self.line(*self.last)


def separable_classes(data: ClassDataset) -> list[int]:
    """The classes k that a hyperplane separates from all the others (complete separation of the
    binary problem k against the rest, found by the binary model's Newton fit and its
    certificate). Any such class has no finite optimum at l2 = 0: its logit can grow without
    bound against the rest, lowering the loss all the way."""
    found = []
    for k in range(len(data.classes)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", manual.LogregWarning)
            res = manual.fit(data.X, (data.y == k).astype(float), solver="newton", max_iter=60)
        if res.separable:
            found.append(k)
    return found


def run(args: argparse.Namespace, split: Callable[..., tuple[Any, Any]]) -> int:
    """The run; split(data, fraction, seed) -> (training rows, held-out rows or None) is train.py's
    (--test-fraction, --split-seed), which works on any data set with X and y."""
    if args.lr is not None and args.lr <= 0:
        print(f"train.py: error: --lr must be > 0, got {args.lr}", file=sys.stderr)
        return 2
    try:
        data, held_out = split(load(args), args.test_fraction, args.split_seed)
        max_iter = (
            args.max_iter if args.max_iter is not None else (5000 if args.solver == "gd" else 100)
        )
        if args.every is not None and args.every < 1:
            raise ValueError(f"--every must be >= 1, got {args.every}")
        every = args.every or (100 if args.solver == "gd" else 1)
        n, d = data.X.shape
        K = len(data.classes)
        if not np.any(data.y == K - 1):  # fit takes K = max(y) + 1 from the training rows
            raise ValueError(
                f"--test-fraction {args.test_fraction:g} leaves class {data.classes[-1]!r} "
                "without a training row; use a smaller fraction or another --split-seed"
            )
        counts = np.bincount(data.y, minlength=K)
        print(f"data: {data.description}: {n} samples, {d} feature(s), {K} classes")
        if held_out is not None:
            print(
                f"held out: {len(held_out.y)} rows ({args.test_fraction:g}, seed "
                f"{args.split_seed}); training on the other {n}"
            )
        print(f"classes of {data.target_name!r} (label -> index, in sorted order):")
        for k, label in enumerate(data.classes):
            plural = "" if counts[k] == 1 else "s"
            print(f"  {label!s:>16} -> {k}   ({counts[k]} sample{plural})")
        lr = (
            args.lr
            if args.lr is not None or args.solver != "gd"
            else 1.0 / mm.lipschitz(data.X, args.l2)
        )
        lr_text = (
            f", lr {lr:.4g}" + (" (1/L)" if args.lr is None else "") if args.solver == "gd" else ""
        )
        print(
            f"model: softmax regression, K = {K}; solver: {args.solver}{lr_text}, "
            f"max_iter {max_iter}, tol {args.tol:g}, l2 {args.l2:g}"
        )
        printer = Printer(data, args.l2, every, max_iter, check=not args.no_check)
        res, caught = fit_recording(
            mm.fit,
            data,
            args,
            printer,
            lr=lr if args.solver == "gd" else None,
            max_iter=max_iter,
        )
    except ValueError as err:
        print(f"train.py: error: {err}", file=sys.stderr)
        return 2

    print_ending(res, caught)
    if printer.reference is not None:
        print(f"largest |gradient manual - JAX| at the printed steps: {printer.worst:.1e}")
    print_diagnosis(data, res, args.l2)
    print_weights(data, res)
    pred = mm.predict(data.X, res.W, res.b)
    right = int(np.sum(pred == data.y))
    print(
        f"{'training ' if held_out is not None else ''}accuracy: {right / n:.4f} ({right} of {n})"
    )
    print_confusion(data, pred)
    if held_out is not None:
        pred_out = mm.predict(held_out.X, res.W, res.b)
        right = int(np.sum(pred_out == held_out.y))
        m = len(held_out.y)
        print(f"held-out accuracy: {right / m:.4f} ({right} of {m})")
        print_confusion(held_out, pred_out)
    if args.plots:
        try:
            saved = save_plots(args, data, res)
        except (OSError, ImportError) as err:
            print(
                f"train.py: error: cannot write the plots to {args.plots}: {err}", file=sys.stderr
            )
            return 2
        print("plots: " + ", ".join(str(p) for p in saved))
    return 0


def print_diagnosis(data: ClassDataset, res: mm.MultinomialFitResult, l2: float) -> None:
    """What the fit says about the data: whether a finite optimum exists, and why not."""
    K = len(data.classes)
    absent = [data.classes[k] for k in range(K) if not np.any(data.y == k)]
    if absent:  # only where --test-fraction took every row of a class
        print(
            f"what the fit says: classes {absent} have no training rows, so no finite optimum "
            "exists (their intercepts fall forever, whatever l2)"
        )
        return
    if l2 > 0:
        print(
            f"what the fit says: with l2 = {l2:g} > 0 the optimum exists and is unique "
            f"({'reached' if res.converged else 'not reached yet: raise --max-iter'})"
        )
        return
    alone = separable_classes(data)
    if alone:
        names = ", ".join(repr(data.classes[k]) for k in alone)
        which = f"class {names} is" if len(alone) == 1 else f"classes {names} are each"
        print(
            f"what the fit says: {which} linearly separable from the others, so at l2 = 0 no "
            "finite optimum exists: the weights grow without bound for as long as the fit runs, "
            "and the probabilities of those samples tend to 1. Add a penalty for a unique finite "
            "optimum, e.g. --l2 1e-3."
        )
    elif res.separable:
        print(
            "what the fit says: every sample lies on its own side of every pairwise boundary "
            "(the classes are separable), so at l2 = 0 no finite optimum exists; add --l2."
        )
    else:
        reached = "are reached" if res.converged else "exist (raise --max-iter to reach them)"
        print(
            "what the fit says: no class is separable from the rest; the maximum-likelihood "
            f"weights {reached}"
        )


def print_weights(data: ClassDataset, res: mm.MultinomialFitResult) -> None:
    """W and b, one column per class; in the symmetric gauge (each row sums to 0)."""
    K = len(data.classes)
    shown = list(range(min(K, 8)))
    width = max(len(name) for name in [*data.feature_names[:12], "intercept"])
    cols = [str(data.classes[k])[:12] for k in shown]
    more = "" if len(shown) == K else f" (the first {len(shown)} of {K} classes)"
    print(f"weights W (one column per class; each row sums to 0){more}:")
    print(f"  {'':<{width}} " + " ".join(f"{c:>12}" for c in cols))
    rows = list(range(min(len(data.feature_names), 12)))
    for j in rows:
        print(
            f"  {data.feature_names[j]:<{width}} "
            + " ".join(f"{res.W[j, k]:>12.6f}" for k in shown)
        )
    print(f"  {'intercept':<{width}} " + " ".join(f"{res.b[k]:>12.6f}" for k in shown))
    if len(rows) < len(data.feature_names):
        print(f"  ... and {len(data.feature_names) - len(rows)} more feature(s)")
    if data.mean is not None and data.sd is not None:
        # z = ((x - mean) / sd) @ W + b = x @ (W / sd) + (b - (mean / sd) @ W)
        W_raw = res.W / data.sd[:, None]
        b_raw = res.b - (data.mean / data.sd) @ res.W
        print("the same weights in the CSV's units (W / sd, b - (mean / sd) @ W):")
        for j in rows:
            print(
                f"  {data.feature_names[j]:<{width}} "
                + " ".join(f"{W_raw[j, k]:>12.6g}" for k in shown)
            )
        print(f"  {'intercept':<{width}} " + " ".join(f"{b_raw[k]:>12.6g}" for k in shown))


def print_confusion(data: ClassDataset, pred: np.ndarray) -> None:
    """Rows: the true class; columns: the predicted class."""
    K = len(data.classes)
    M = np.zeros((K, K), dtype=np.int64)
    np.add.at(M, (data.y, pred), 1)
    labels = [str(c)[:12] for c in data.classes]
    width = max(max(len(s) for s in labels), 10)
    corner = "true \\ pred"
    print("confusion matrix (rows: true class, columns: predicted class):")
    print(f"  {corner:>{width}} " + " ".join(f"{s:>{width}}" for s in labels))
    for k in range(K):
        print(f"  {labels[k]:>{width}} " + " ".join(f"{v:>{width}d}" for v in M[k]))


def save_plots(
    args: argparse.Namespace, data: ClassDataset, res: mm.MultinomialFitResult
) -> list[Path]:
    from scripts import plots

    folder = Path(args.plots)
    title = f"{args.solver}, softmax regression: {data.description.split(',')[0]}"
    saved = [plots.save(plots.loss_curve(res.losses, res.grad_norms, title), folder, "loss.png")]
    if data.X.shape[1] == 2:
        names = data.feature_names
        if data.mean is not None:  # fitted on standardized columns: say so on the axes
            names = [f"{name} (standardized)" for name in names]
        fig = plots.decision_regions(data.X, data.y, res.W, res.b, names, data.classes)
        saved.append(plots.save(fig, folder, "regions.png"))
    else:
        P = mm.predict_proba(data.X, res.W, res.b)
        fig = plots.true_class_probabilities(P, data.y, data.classes)
        saved.append(plots.save(fig, folder, "probabilities.png"))
    return saved
