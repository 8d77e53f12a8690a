"""The power table: which gradient check catches which wrong derivation, and where.

    uv run scripts/gradcheck.py [--plots DIR]

Every mistake of manual.mistakes.GALLERY and of the softmax gallery
manual.multinomial_mistakes.GALLERY (rows "softmax: ..."; and each model's correct gradient) goes
through five checks at four points, and each cell shows whether the check flagged it, with the
measured relative error ||analytic - numeric||inf / max(||analytic||inf, ||numeric||inf). The
softmax rows are checked on a three-class data set of their own at the same four kinds of point
(at the far one every logit is also shifted by 800: the same probabilities, past exp's overflow).
A gradient that returns NaN or inf is flagged by every check:

  ours        manual.check_gradient: Richardson central differences against their own error
  naive 1e-7  central differences, h = 1e-5, flag a coordinate whose |a - n| / max(|a|, |n|)
              exceeds 1e-7 (the classic course recipe)
  forward     forward differences, h = sqrt(eps), flag a normwise relative error above 1e-6
  float32     ours, with the data and the loss in float32 (f_accuracy = 4 float32 eps)
  JAX twin    |g - g_jax| beyond the rounding of a right gradient written plainly
              (scripts/grade.py's gradient_bound or softmax_gradient_bound, built from the
              data's scales)

With --plots DIR it saves step_size.png (error against h of forward, central and Richardson
differences, float64 and float32) and power_table.png.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

import manual
import reference
from manual import multinomial as mm
from manual.gradcheck import finite_difference
from manual.mistakes import GALLERY, Gradient, data, far_data, flat
from manual.multinomial_mistakes import GALLERY as SOFTMAX_GALLERY
from manual.multinomial_mistakes import flat as softmax_flat
from reference import multinomial as rm
from scripts.grade import SHIFT, DataSet, SoftmaxSet, gradient_bound, softmax_gradient_bound

EPS = float(np.finfo(np.float64).eps)
# the float32 loss is known to a few float32 ulps: the check is told so, as a careful user would
F32_ACCURACY = 4 * float(np.finfo(np.float32).eps)
CHECKS = ["ours", "naive 1e-7", "forward", "float32", "JAX twin"]
# not a check: whether a row's gradient is the right one at that point, to rounding
SAME = "same as right"


def points() -> list[tuple[str, np.ndarray, np.ndarray, float, np.ndarray]]:
    """(name, X, y, l2, theta) for the four places the checks are tried."""
    X, y = data()
    l2 = 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        gd = manual.fit(X, y, solver="gd", l2=l2, tol=1e-8, max_iter=100_000)
        newton = manual.fit(X, y, solver="newton", tol=1e-12)
    Xf, yf, theta_far = far_data()
    return [
        ("random point", X, y, l2, np.array([0.5, -1.0, 2.0, 0.3])),
        ("far (margins > 40; softmax: logits + 800)", Xf, yf, 0.0, theta_far),
        ("optimum (GD, tol 1e-8)", X, y, l2, np.append(gd.w, gd.b)),
        ("exact optimum (l2 = 0)", X, y, 0.0, np.append(newton.w, newton.b)),
    ]


def softmax_data(seed: int = 2, n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    """Three overlapping classes drawn from a softmax model, columns of scales 1, 3 and 0.3."""
    rng = np.random.default_rng(seed)
    scales = np.array([1.0, 3.0, 0.3])
    X = rng.standard_normal((n, 3)) * scales
    P = mm.softmax(X @ (rng.standard_normal((3, 3)) / scales[:, None]))
    y = np.sum(rng.random(n)[:, None] > np.cumsum(P, axis=1)[:, :-1], axis=1)
    return X, y


def softmax_far_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, y, theta): three classes, every point's own class ahead of the others by more than 40
    at theta, and every logit shifted by SHIFT (the same probabilities; exp(z) overflows)."""
    rng = np.random.default_rng(seed)
    W = np.array([[60.0, -60.0, 0.0], [-30.0, -30.0, 60.0], [20.0, 0.0, -20.0]])
    X = rng.uniform(-1, 1, (600, 3))
    Z = np.sort(X @ W, axis=1)
    X = X[Z[:, -1] - Z[:, -2] > 40][:60]
    y = np.argmax(X @ W, axis=1)
    return X, y, np.vstack([W, np.full(3, SHIFT)]).ravel()


def softmax_points() -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray]]:
    """(X, y, l2, theta = np.vstack([W, b]).ravel()) at the four kinds of point of `points`."""
    X, y = softmax_data()
    l2 = 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        gd = mm.fit(X, y, solver="gd", l2=l2, tol=1e-8, max_iter=100_000)
        newton = mm.fit(X, y, solver="newton", tol=1e-12)
    Xf, yf, theta_far = softmax_far_data()
    rng = np.random.default_rng(4)
    return [
        (X, y, l2, rng.standard_normal(12)),
        (Xf, yf, 0.0, theta_far),
        (X, y, l2, np.vstack([gd.W, gd.b]).ravel()),
        (X, y, 0.0, np.vstack([newton.W, newton.b]).ravel()),
    ]


def rel(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0


def naive(f: Callable, g: Callable, theta: np.ndarray) -> tuple[bool, float]:
    n = np.array([finite_difference(f, theta, e, 1e-5, "central") for e in np.eye(len(theta))])
    a = g(theta)
    denom = np.maximum(np.abs(a), np.abs(n))
    per = np.where(denom > 0, np.abs(a - n) / np.where(denom > 0, denom, 1.0), 0.0)
    return bool(np.max(per) > 1e-7), rel(a, n)


def forward(f: Callable, g: Callable, theta: np.ndarray) -> tuple[bool, float]:
    h = np.sqrt(EPS) * np.maximum(np.abs(theta), 1.0)
    n = np.array(
        [
            finite_difference(f, theta, e, hi, "forward")
            for e, hi in zip(np.eye(len(theta)), h, strict=True)
        ]
    )
    r = rel(g(theta), n)
    return r > 1e-6, r


def float32_f(X: np.ndarray, y: np.ndarray, l2: float) -> Callable[[np.ndarray], float]:
    X32, y32 = X.astype(np.float32), y.astype(np.float32)

    def f(theta: np.ndarray) -> float:
        t = theta.astype(np.float32)
        z = X32 @ t[:-1] + t[-1]
        loss = np.logaddexp(np.float32(0), z) - y32 * z
        return float(np.mean(loss) + np.float32(l2 / 2) * (t[:-1] @ t[:-1]))

    return f


def softmax_float32_f(
    X: np.ndarray, y: np.ndarray, K: int, l2: float
) -> Callable[[np.ndarray], float]:
    X32, rows = X.astype(np.float32), np.arange(len(y))

    def f(theta: np.ndarray) -> float:
        coef = theta.astype(np.float32).reshape(-1, K)
        Z = X32 @ coef[:-1] + coef[-1]
        m = Z.max(axis=1)
        lse = m + np.log(np.sum(np.exp(Z - m[:, None]), axis=1))
        return float(np.mean(lse - Z[rows, y]) + np.float32(l2 / 2) * np.sum(coef[:-1] ** 2))

    return f


def twin(
    gradient: Gradient, X: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray
) -> tuple[bool, float]:
    w, b = theta[:-1], float(theta[-1])
    got = np.append(*gradient(w, b, X, y, l2))
    want = np.append(*reference.gradient(w, b, X, y, l2))
    bound = gradient_bound(DataSet(w, b, X, y, l2))
    return bool(np.any(np.abs(got - want) > bound)), rel(got, want)


def softmax_twin(
    gradient: Callable, X: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray
) -> tuple[bool, float]:
    coef = theta.reshape(X.shape[1] + 1, -1)
    W, b = coef[:-1], coef[-1]
    got = np.vstack(gradient(W, b, X, y, l2))
    want = np.vstack([np.asarray(v) for v in rm.gradient(W, b, X, y, l2)])
    bound = softmax_gradient_bound(SoftmaxSet(W, b, X, y, l2))
    return bool(np.any(np.abs(got - want) > bound)), rel(got, want)


# Two right computations of a gradient, summing the same n terms in other orders or rounding each
# term differently by a few ulps, differ by at most ~(n + 4) u times the sum of the terms'
# magnitudes: a "mistake" that close to the exact gradient is the right gradient at that point.
def terms(X: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray) -> np.ndarray:
    """(n + 4) u (|X1|.T @ |p - y| / n + l2 |w|), (d + 1,), p - y in its exact form (0/1 labels:
    sigmoid(z) for y = 0, -sigmoid(-z) for y = 1)."""
    n = len(y)
    z = X @ theta[:-1] + theta[-1]
    r = np.where(y == 1, manual.sigmoid(-z), manual.sigmoid(z))
    magnitude = np.abs(np.column_stack([X, np.ones(n)])).T @ r / n
    magnitude[:-1] += l2 * np.abs(theta[:-1])
    return (n + 4) * EPS / 2 * magnitude + np.finfo(np.float64).tiny


def softmax_terms(X: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray) -> np.ndarray:
    """(n + 4) u (|X1|.T @ |P - Y| / n + l2 |W|), flat like theta; P_y - 1 as -sum_{k != y} P_k."""
    n, d = X.shape
    coef = theta.reshape(d + 1, -1)
    K = coef.shape[1]
    P = mm.softmax(X @ coef[:-1] + coef[-1])
    R = P.copy()
    R[np.arange(n), y] = (P @ (np.ones((K, K)) - np.eye(K)))[np.arange(n), y]
    magnitude = np.abs(np.column_stack([X, np.ones(n)])).T @ R / n
    magnitude[:-1] += l2 * np.abs(coef[:-1])
    return ((n + 4) * EPS / 2 * magnitude + np.finfo(np.float64).tiny).ravel()


def cells(
    f: Callable,
    g: Callable,
    theta: np.ndarray,
    f32: Callable,
    twin_cell: Callable[[], tuple[bool, float]],
    right: tuple[np.ndarray, np.ndarray],
) -> dict[str, tuple[bool, float]]:
    """{check: (flagged, relative error)} for one gradient at one point, and under SAME: whether
    it is the right gradient there to the rounding of a right one, right = (the right gradient,
    that bound), with the largest difference."""
    got = g(theta)
    if not np.all(np.isfinite(got)):  # NaN or inf: every check sees it
        return {**dict.fromkeys(CHECKS, (True, float("nan"))), SAME: (False, float("nan"))}
    gap = np.abs(got - right[0])
    ours = manual.check_gradient(f, g, theta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", manual.LogregWarning)
        low = manual.check_gradient(f32, g, theta, f_accuracy=F32_ACCURACY)
    return {
        "ours": (not ours.passed, ours.rel_error),
        "naive 1e-7": naive(f, g, theta),
        "forward": forward(f, g, theta),
        "float32": (not low.passed, low.rel_error),
        "JAX twin": twin_cell(),
        SAME: (bool(np.all(gap <= right[1])), float(np.max(gap))),
    }


def table() -> dict[str, dict[str, dict[str, tuple[bool, float]]]]:
    """{point: {mistake: {check: (flagged, relative error)}}}; the softmax rows' names begin
    with "softmax: "."""
    out: dict[str, dict[str, dict[str, tuple[bool, float]]]] = {}
    entries: list[tuple[str, Gradient]] = [("correct", manual.gradient)]
    entries += [(m.name, m.gradient) for m in GALLERY]
    softmax_entries: list[tuple[str, Callable]] = [("softmax: correct", mm.gradient)]
    softmax_entries += [(f"softmax: {m.name}", m.gradient) for m in SOFTMAX_GALLERY]
    for (name, X, y, l2, theta), (sX, sy, sl2, stheta) in zip(
        points(), softmax_points(), strict=True
    ):
        out[name] = {}
        right = (
            np.append(*manual.gradient(theta[:-1], theta[-1], X, y, l2)),
            terms(X, y, l2, theta),
        )
        for label, gradient in entries:
            f, g = flat(X, y, l2, gradient)
            out[name][label] = cells(
                f,
                g,
                theta,
                float32_f(X, y, l2),
                partial(twin, gradient, X, y, l2, theta),
                right,
            )
        K = len(stheta) // (sX.shape[1] + 1)
        coef = stheta.reshape(-1, K)
        sright = (
            np.vstack(mm.gradient(coef[:-1], coef[-1], sX, sy, sl2)).ravel(),
            softmax_terms(sX, sy, sl2, stheta),
        )
        for label, gradient in softmax_entries:
            f, g = softmax_flat(sX, sy, K, sl2, gradient)
            out[name][label] = cells(
                f,
                g,
                stheta,
                softmax_float32_f(sX, sy, K, sl2),
                partial(softmax_twin, gradient, sX, sy, sl2, stheta),
                sright,
            )
    return out


def correct_row(label: str) -> str:
    """The row of the right gradient of a row's model."""
    return "softmax: correct" if label.startswith("softmax: ") else "correct"


def print_table(result: dict) -> None:
    print("X = flagged, . = passed; the number is ||analytic - numeric||inf / max norm")
    print("(for 'correct', X is a false alarm; NaN: the gradient is not finite there)\n")
    width = max(len(label) for rows in result.values() for label in rows) + 2
    for point, rows in result.items():
        print(f"== {point}")
        print(f"{'':{width}}" + "".join(f"{c:>16}" for c in CHECKS))
        for label, cells in rows.items():
            line = "".join(
                f"{('X' if cells[c][0] else '.') + f' {cells[c][1]:8.1e}':>16}" for c in CHECKS
            )
            print(f"{label:{width}}{line}")
        print()


def step_size_curve(folder: Path) -> Path:
    """Error of forward, central and Richardson differences against h, float64 and float32.

    Each curve falls along its truncation error (slope 1, 2, 4: a guide is drawn beside it) until
    the rounding eps |f| / h (slope -1) takes over; the best step is where the two cross."""
    from scripts import plots

    plt = plots.plt
    X, y = data()
    f64, g = flat(X, y)
    f32 = float32_f(X, y, 0.0)
    theta = np.array([0.4, -0.3, 1.2, 0.1])
    v = np.array([1.0, 2.0, -1.0, 0.5]) / 2.5
    exact = float(g(theta) @ v)
    hs = np.logspace(-1, -13, 97)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.0), layout="constrained", sharey=True)
    schemes = (("forward", "C0", 1), ("central", "C1", 2), ("richardson", "C2", 4))
    for ax, (label, f, eps) in zip(
        axes,
        [("float64", f64, EPS), ("float32", f32, float(np.finfo(np.float32).eps))],
        strict=True,
    ):
        for scheme, color, order in schemes:
            err = np.array([abs(finite_difference(f, theta, v, h, scheme) - exact) for h in hs])
            err = np.maximum(err, 1e-18)
            best = int(np.argmin(err))
            ax.loglog(
                hs,
                err,
                color=color,
                label=f"{scheme}: best h = {hs[best]:.0e}, error {err[best]:.0e}",
            )
            ax.plot(hs[best], err[best], "o", color=color, ms=7, mfc="none")
            # slope guide: parallel to the truncation branch, a factor 5 above it, over the two
            # decades of h that end at the largest step
            top = hs[:17]  # h from 1e-1 to 1e-3
            ax.loglog(top, 5 * err[0] * (top / hs[0]) ** order, color=color, ls="--", lw=0.9)
        ax.plot([], [], "k--", lw=0.9, label="guides of slope 1, 2, 4 (dashed, same colours)")
        ax.loglog(hs, eps * 0.3 / hs, color="grey", lw=0.8, ls=":", label="rounding eps |f| / h")
        ax.set_ylim(1e-17, 10)
        ax.set_title(f"loss in {label} (eps = {eps:.1e})")
        ax.set_xlabel("step h")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    axes[1].annotate(
        "plateau: theta +- h v round to the same\nfloat32 numbers, so both losses are equal,\n"
        "the estimate is 0 and the error is the\nderivative itself",
        xy=(1e-10, abs(exact)),
        xytext=(2e-13, 1e-9),
        va="top",
        fontsize=8,
        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8},
    )
    axes[0].set_ylabel("|numeric - exact directional derivative|")
    fig.suptitle(
        "finite-difference error against the step: truncation falls with h, rounding grows"
    )
    return plots.save(fig, folder, "step_size.png")


def power_picture(result: dict, folder: Path) -> Path:
    """The power table as coloured cells. A mistake's row: green where the check flags it, orange
    where it misses it, grey where the "mistake" gives the right gradient at that point, to the
    rounding of its terms (see `terms`; nothing to find: a penalty mistake at l2 = 0, a softmax
    without the max subtraction where no exp overflows). The correct rows: green where they pass,
    red for a false alarm. The softmax rows (a data set of their own) sit below a line."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from scripts import plots

    plt = plots.plt
    palette = {"caught": "#4daf4a", "missed": "#ff7f00", "same": "#d9d9d9", "false": "#e41a1c"}
    names = list(palette)
    cmap = ListedColormap([palette[k] for k in names])
    n_points = len(result)
    fig, axes = plt.subplots(
        1, n_points, figsize=(4.3 * n_points, 8.0), layout="constrained", sharey=True
    )
    for ax, (point, rows) in zip(axes, result.items(), strict=True):
        labels = list(rows)
        codes = np.zeros((len(labels), len(CHECKS)))
        for i, r in enumerate(labels):
            same = r != correct_row(r) and rows[r][SAME][0]
            for j, c in enumerate(CHECKS):
                flagged = rows[r][c][0]
                if r == correct_row(r):
                    kind = "false" if flagged else "caught"
                elif same:
                    kind = "same"
                else:
                    kind = "caught" if flagged else "missed"
                codes[i, j] = names.index(kind)
        ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, aspect="auto")
        for i, r in enumerate(labels):
            for j, c in enumerate(CHECKS):
                mark = "X" if rows[r][c][0] else "."
                ax.text(j, i, f"{mark} {rows[r][c][1]:.0e}", ha="center", va="center", fontsize=7)
        # the softmax rows (a model and data set of their own) below a line
        first = labels.index("softmax: correct")
        ax.axhline(first - 0.5, color="black", lw=1.5)
        ax.set_xticks(range(len(CHECKS)), CHECKS, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(point, fontsize=9)
    legend = [
        Patch(color=palette["caught"], label="mistake flagged / right gradient passed"),
        Patch(color=palette["missed"], label="mistake missed"),
        Patch(color=palette["false"], label="false alarm on the right gradient"),
        Patch(
            color=palette["same"],
            label="the 'mistake' equals the right gradient here (to rounding)",
        ),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncols=4, fontsize=8)
    fig.suptitle(
        "which check flags which mistake (X flagged, . passed; number: relative error)",
        fontsize=10,
    )
    return plots.save(fig, folder, "power_table.png")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gradcheck.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--plots", metavar="DIR", help="save step_size.png and power_table.png here")
    args = ap.parse_args(argv)
    result = table()
    print_table(result)
    if args.plots:
        folder = Path(args.plots)
        try:
            saved = [step_size_curve(folder), power_picture(result, folder)]
        except OSError as err:
            print(
                f"gradcheck.py: error: cannot write the plots to {folder}: {err}", file=sys.stderr
            )
            return 2
        print("plots: " + ", ".join(str(p) for p in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main())
