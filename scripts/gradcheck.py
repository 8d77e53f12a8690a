"""The power table: which gradient check catches which wrong derivation, and where.

    uv run scripts/gradcheck.py [--plots DIR]

Every mistake of manual.mistakes.GALLERY (and the correct gradient) goes through five checks at
four points, and each cell shows whether the check flagged it, with the measured relative error
||analytic - numeric||inf / max(||analytic||inf, ||numeric||inf):

  ours        manual.check_gradient: Richardson central differences against their own error
  naive 1e-7  central differences, h = 1e-5, flag a coordinate whose |a - n| / max(|a|, |n|)
              exceeds 1e-7 (the classic course recipe)
  forward     forward differences, h = sqrt(eps), flag a normwise relative error above 1e-6
  float32     ours, with the data and the loss in float32 (f_accuracy = 4 float32 eps)
  JAX twin    |g - g_jax| beyond the rounding of a right gradient written plainly
              (scripts/grade.py's gradient_bound, built from the data's scales)

With --plots DIR it saves step_size.png (error against h of forward, central and Richardson
differences, float64 and float32) and power_table.png.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

import manual
import reference
from manual.gradcheck import finite_difference
from manual.mistakes import GALLERY, Gradient, data, far_data, flat
from scripts.grade import DataSet, gradient_bound

EPS = float(np.finfo(np.float64).eps)
# the float32 loss is known to a few float32 ulps: the check is told so, as a careful user would
F32_ACCURACY = 4 * float(np.finfo(np.float32).eps)
CHECKS = ["ours", "naive 1e-7", "forward", "float32", "JAX twin"]


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
        ("far (margins > 40)", Xf, yf, 0.0, theta_far),
        ("optimum (GD, tol 1e-8)", X, y, l2, np.append(gd.w, gd.b)),
        ("exact optimum (l2 = 0)", X, y, 0.0, np.append(newton.w, newton.b)),
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


def twin(
    gradient: Gradient, X: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray
) -> tuple[bool, float]:
    w, b = theta[:-1], float(theta[-1])
    got = np.append(*gradient(w, b, X, y, l2))
    want = np.append(*reference.gradient(w, b, X, y, l2))
    bound = gradient_bound(DataSet(w, b, X, y, l2))
    return bool(np.any(np.abs(got - want) > bound)), rel(got, want)


def table() -> dict[str, dict[str, dict[str, tuple[bool, float]]]]:
    """{point: {mistake: {check: (flagged, relative error)}}}"""
    out: dict[str, dict[str, dict[str, tuple[bool, float]]]] = {}
    entries: list[tuple[str, Gradient]] = [("correct", manual.gradient)]
    entries += [(m.name, m.gradient) for m in GALLERY]
    for name, X, y, l2, theta in points():
        out[name] = {}
        for label, gradient in entries:
            f, g = flat(X, y, l2, gradient)
            ours = manual.check_gradient(f, g, theta)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", manual.LogregWarning)
                f32 = manual.check_gradient(float32_f(X, y, l2), g, theta, f_accuracy=F32_ACCURACY)
            out[name][label] = {
                "ours": (not ours.passed, ours.rel_error),
                "naive 1e-7": naive(f, g, theta),
                "forward": forward(f, g, theta),
                "float32": (not f32.passed, f32.rel_error),
                "JAX twin": twin(gradient, X, y, l2, theta),
            }
    return out


def print_table(result: dict) -> None:
    print("X = flagged, . = passed; the number is ||analytic - numeric||inf / max norm")
    print("(for 'correct', X is a false alarm)\n")
    for point, rows in result.items():
        print(f"== {point}")
        print(f"{'':22}" + "".join(f"{c:>16}" for c in CHECKS))
        for label, cells in rows.items():
            line = "".join(
                f"{('X' if cells[c][0] else '.') + f' {cells[c][1]:8.1e}':>16}" for c in CHECKS
            )
            print(f"{label:22}{line}")
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
    where it misses it, grey where the "mistake" gives exactly the right gradient at that point
    (every check measures the same numbers as for the correct gradient: nothing to find, as for a
    penalty mistake at l2 = 0). The correct row: green where it passes, red for a false alarm."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from scripts import plots

    plt = plots.plt
    palette = {"caught": "#4daf4a", "missed": "#ff7f00", "same": "#d9d9d9", "false": "#e41a1c"}
    names = list(palette)
    cmap = ListedColormap([palette[k] for k in names])
    n_points = len(result)
    fig, axes = plt.subplots(
        1, n_points, figsize=(4.3 * n_points, 5.0), layout="constrained", sharey=True
    )
    for ax, (point, rows) in zip(axes, result.items(), strict=True):
        labels = list(rows)
        right = rows["correct"]
        codes = np.zeros((len(labels), len(CHECKS)))
        for i, r in enumerate(labels):
            same = r != "correct" and all(rows[r][c][1] == right[c][1] for c in CHECKS)
            for j, c in enumerate(CHECKS):
                flagged = rows[r][c][0]
                if r == "correct":
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
        ax.set_xticks(range(len(CHECKS)), CHECKS, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(point, fontsize=9)
    legend = [
        Patch(color=palette["caught"], label="mistake flagged / right gradient passed"),
        Patch(color=palette["missed"], label="mistake missed"),
        Patch(color=palette["false"], label="false alarm on the right gradient"),
        Patch(color=palette["same"], label="the 'mistake' equals the right gradient here"),
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
