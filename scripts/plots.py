"""The project's plots, shared by train.py and walkthrough.py: the loss over iterations and the
predicted probabilities (a sigmoid curve for one feature, probabilities against labels for several,
and a decision boundary for two)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
    matplotlib.use("Agg")  # files, not windows: these scripts run headless
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import manual


def loss_curve(losses: np.ndarray, grad_norms: np.ndarray, title: str) -> Figure:
    """L - L_final and the gradient norm against the iteration, log scale, for one run.

    L* is unknown here: the last iterate's loss stands for it (once the run has converged, the two
    differ by less than the last gaps drawn). A linear rate is a straight line."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    steps = np.arange(len(losses))
    floor = 4 * np.finfo(np.float64).eps * abs(float(losses[-1]))
    gap = np.maximum(np.asarray(losses)[:-1] - losses[-1], floor)
    style = {"marker": "o", "ms": 4} if len(losses) < 40 else {}
    ax.semilogy(steps[:-1], gap, label="L - L(last iterate)", **style)
    ax.semilogy(
        steps, np.maximum(grad_norms, 1e-300), label="gradient norm max|g|", alpha=0.8, **style
    )
    ax.axhline(floor, color="grey", ls=":", lw=1, label="rounding of L: a few ulps")
    ax.set_ylim(bottom=floor / 100)  # room below the floor for the note
    ax.text(
        0.02,
        0.015,
        "L(last iterate) stands in for L*: the drop at the very end is that choice, not a speed-up",
        transform=ax.transAxes,
        fontsize=7,
        color="0.3",
    )
    ax.set_xlabel("iteration")
    ax.set_ylabel("log scale")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def convergence(
    runs: dict[str, np.ndarray], best: float, title: str, *, log_iterations: bool = False
) -> Figure:
    """L - L* against the iteration on a log axis, several solvers on one axes.

    A linear rate (gradient descent) is a straight line; Newton's quadratic rate is a plunge. Below
    a few ulps of L* the gap is rounding: it is drawn at that floor, which is marked. With
    `log_iterations` the iterations are on a log axis too (runs of very different lengths).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    floor = 4 * np.finfo(np.float64).eps * abs(best)
    for k, (name, losses) in enumerate(runs.items()):
        gap = np.maximum(np.asarray(losses) - best, floor)
        style = {"marker": "o", "ms": 4} if len(gap) < 40 else {}
        steps = np.arange(len(gap)) + (1 if log_iterations else 0)
        ax.semilogy(steps, gap, color=f"C{k}", label=name, **style)
    if log_iterations:
        ax.set_xscale("log")
    ax.axhline(floor, color="grey", ls=":", lw=1)
    ax.text(
        ax.get_xlim()[1],
        floor * 3,
        "rounding of L: a few ulps of L*",
        ha="right",
        va="bottom",
        fontsize=8,
        color="grey",
    )
    ax.set_xlabel("iteration + 1 (log scale)" if log_iterations else "iteration")
    ax.set_ylabel("L - L*  (log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def probabilities(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    names: list[str],
    threshold: float = 0.5,
    *,
    class_names: tuple[str, str] | None = None,
    truth: tuple[float, float] | None = None,
) -> Figure:
    """One feature: the data, the fitted sigmoid, the decision boundary and, given `truth` = (w, b),
    the sigmoid that generated the data. Two: the data and the decision boundary. More: the
    predicted probability of each sample, grouped by its label."""
    X = X.reshape(len(y), -1)
    p = manual.predict_proba(X, w, b)
    d = X.shape[1]
    named = class_names is not None
    if class_names is None:
        class_names = ("label 0", "label 1")
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    colors = np.where(y == 1, "C3", "C0")
    if d == 1:
        lo, hi = X.min() - 0.1 * np.ptp(X), X.max() + 0.1 * np.ptp(X)
        grid = np.linspace(lo, hi, 400)
        ax.plot(grid, manual.predict_proba(grid, w, b), color="k", label="fitted sigmoid(w x + b)")
        if truth is not None:
            ax.plot(
                grid,
                manual.predict_proba(grid, np.array([truth[0]]), truth[1]),
                color="C2",
                ls="--",
                label=f"generating sigmoid (w = {truth[0]:g}, b = {truth[1]:g})",
            )
        for label, name in enumerate(class_names):
            mine = y == label
            ax.scatter(
                X[mine, 0], y[mine], s=14, color=f"C{3 if label else 0}", alpha=0.6, label=name
            )
        if w[0] != 0:
            # sigmoid(w x + b) = threshold where w x + b = logit(threshold)
            edge = (np.log(threshold / (1 - threshold)) - b) / w[0]
            ax.axvline(edge, color="grey", ls=":", label=f"decision boundary x = {edge:.2f}")
        ax.axhline(threshold, color="grey", lw=0.6)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(names[0])
        ax.set_ylabel("P(label = 1)")
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(0.0, 0.71))
    elif d == 2:
        pad = 0.1 * np.ptp(X, axis=0)
        g0 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], 200)
        g1 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], 200)
        G0, G1 = np.meshgrid(g0, g1)
        P = manual.predict_proba(np.column_stack([G0.ravel(), G1.ravel()]), w, b).reshape(G0.shape)
        cs = ax.contourf(G0, G1, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
        ax.contour(G0, G1, P, levels=[threshold], colors="k")
        fig.colorbar(cs, ax=ax, label="P(label = 1)")
        for label, name in enumerate(class_names):
            mine = y == label
            ax.scatter(
                X[mine, 0],
                X[mine, 1],
                color=f"C{3 if label else 0}",
                s=14,
                edgecolors="k",
                lw=0.3,
                label=name,
            )
        ax.plot([], [], color="k", label=f"decision boundary p = {threshold:g}")
        ax.legend(fontsize=8)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    else:
        rng = np.random.default_rng(0)
        jitter = rng.uniform(-0.15, 0.15, len(y))
        ax.scatter(p, y + jitter, s=10, c=colors, alpha=0.6)
        ax.axvline(threshold, ls=":", color="grey", label=f"threshold {threshold:g}")
        wrong = (p >= threshold) != (y == 1)
        ax.scatter(
            p[wrong],
            (y + jitter)[wrong],
            s=40,
            facecolors="none",
            edgecolors="k",
            label=f"misclassified ({int(wrong.sum())} of {len(y)})",
        )
        ticks = [f"{name}\n(label {k})" if named else name for k, name in enumerate(class_names)]
        ax.set_yticks([0, 1], ticks)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xlabel("predicted P(label = 1)")
        ax.set_ylabel("true class (jittered)")
        ax.legend(fontsize=8, loc="center")
    ax.set_title(f"predicted probabilities (threshold {threshold:g})")
    return fig


def save(fig: Figure, folder: str | Path, name: str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- K classes (softmax regression) ---------------------------------------------------------------
def decision_regions(
    X: np.ndarray,
    y: np.ndarray,
    W: np.ndarray,
    b: np.ndarray,
    names: list[str],
    classes: list[str],
) -> Figure:
    """Two features: the class that manual.multinomial.predict gives at each point of the plane
    (shaded), the boundaries where two classes tie, and the data coloured by their true class."""
    K = W.shape[1]
    pad = 0.1 * np.ptp(X, axis=0)
    g0 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], 300)
    g1 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], 300)
    G0, G1 = np.meshgrid(g0, g1)
    grid = np.column_stack([G0.ravel(), G1.ravel()])
    region = manual.multinomial.predict(grid, W, b).reshape(G0.shape)
    colors = [plt.get_cmap("tab10")(k % 10) for k in range(K)]
    cmap = matplotlib.colors.ListedColormap(colors)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
    ax.contourf(G0, G1, region, levels=np.arange(K + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.contour(G0, G1, region, levels=np.arange(K) + 0.5, colors="k", linewidths=0.8)
    for k in range(K):
        mine = y == k
        ax.scatter(
            X[mine, 0], X[mine, 1], s=16, color=colors[k], edgecolors="k", lw=0.3, label=classes[k]
        )
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(title="true class", fontsize="small")
    ax.set_title("decision regions: argmax_k softmax(W^T x + b)_k")
    return fig


def true_class_probabilities(P: np.ndarray, y: np.ndarray, classes: list[str]) -> Figure:
    """For each class, the predicted probability p_{i, y_i} of its samples' true class: one
    column of jittered points per class, with its box (near 1: confidently right)."""
    K = P.shape[1]
    p_true = P[np.arange(len(y)), y]
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    groups = [p_true[y == k] for k in range(K)]
    ax.boxplot(groups, positions=np.arange(K), widths=0.5, showfliers=False)
    for k, group in enumerate(groups):
        jitter = rng.uniform(-0.18, 0.18, len(group))
        ax.scatter(k + jitter, group, s=10, alpha=0.6, color=plt.get_cmap("tab10")(k % 10))
    ax.axhline(1.0 / K, ls=":", color="grey", label=f"1/K = {1.0 / K:.2g} (a guess)")
    ax.set_xticks(np.arange(K), [str(c) for c in classes], rotation=30 if K > 6 else 0)
    ax.set_xlabel("true class")
    ax.set_ylabel("predicted probability of the true class")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(fontsize="small", loc="lower right")
    ax.set_title("how sure the fit is of each sample's true class")
    return fig
