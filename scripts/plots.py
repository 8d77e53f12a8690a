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
    """The loss and the gradient norm against the iteration, log scale."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    steps = np.arange(len(losses))
    ax.semilogy(steps, losses, label="loss L(w, b)")
    ax.semilogy(steps, np.maximum(grad_norms, 1e-300), label="||gradient||inf", alpha=0.8)
    ax.set_xlabel("iteration")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def probabilities(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, names: list[str], threshold: float = 0.5
) -> Figure:
    """One feature: the data and the fitted sigmoid. Two: the data and the decision boundary.
    More: the predicted probability of each sample, grouped by its label."""
    X = X.reshape(len(y), -1)
    p = manual.predict_proba(X, w, b)
    d = X.shape[1]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    if d == 1:
        grid = np.linspace(X.min() - 0.1 * np.ptp(X), X.max() + 0.1 * np.ptp(X), 400)
        ax.plot(grid, manual.predict_proba(grid, w, b), color="C0", label="p = sigmoid(w x + b)")
        ax.scatter(X[:, 0], y, s=14, c=np.where(y == 1, "C1", "C2"), alpha=0.7, label="data")
        ax.axhline(threshold, ls=":", color="grey")
        ax.set_xlabel(names[0])
        ax.set_ylabel("P(label = 1)")
    elif d == 2:
        pad = 0.1 * np.ptp(X, axis=0)
        g0 = np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], 200)
        g1 = np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], 200)
        G0, G1 = np.meshgrid(g0, g1)
        P = manual.predict_proba(np.column_stack([G0.ravel(), G1.ravel()]), w, b).reshape(G0.shape)
        cs = ax.contourf(G0, G1, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
        ax.contour(G0, G1, P, levels=[threshold], colors="k")
        fig.colorbar(cs, ax=ax, label="P(label = 1)")
        ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "C3", "C0"), s=14, edgecolors="k", lw=0.3)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    else:
        rng = np.random.default_rng(0)
        jitter = rng.uniform(-0.15, 0.15, len(y))
        ax.scatter(p, y + jitter, s=10, c=np.where(y == 1, "C3", "C0"), alpha=0.6)
        ax.axvline(threshold, ls=":", color="grey")
        ax.set_yticks([0, 1])
        ax.set_xlabel("predicted P(label = 1)")
        ax.set_ylabel("true label (jittered)")
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
