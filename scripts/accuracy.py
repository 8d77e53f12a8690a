"""Print how far each twin is from 60-digit arithmetic, point by point classified right by a
margin z: the README's accuracy table (checked by tests/test_accuracy.py).

    uv run scripts/accuracy.py
"""

from __future__ import annotations

import numpy as np

import manual
import reference
from scripts import exact

MARGINS = [0.0, 5.0, 10.0, 20.0, 30.0, 37.0, 40.0, 100.0, 700.0]


def margin_problem(margin: float, n: int = 6) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(w, b, X, y): n points, one feature in [1, 2], label 1, logits z in [margin, 2 margin]
    (margin 0: logits in [-1, 1] and labels 0/1, a typical point)."""
    X = np.linspace(1.0, 2.0, n).reshape(n, 1)
    if margin == 0.0:
        return np.array([1.0]), -1.5, X, np.array([0.0, 1.0] * (n // 2))
    return np.array([margin]), 0.0, X, np.ones(n)


def _rel(got: np.ndarray, want: np.ndarray) -> float:
    """normwise relative error max|got - want| / max|want|."""
    got, want = np.atleast_1d(got), np.atleast_1d(want)
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def errors(margin: float) -> dict[str, dict[str, float]]:
    """{'manual' | 'reference': {'loss' | 'gradient' | 'hessian': relative error}}."""
    w, b, X, y = margin_problem(margin)
    L, g, H = exact.objective(w, b, X, y, 0.0)
    want = {
        "loss": np.array([float(L)]),
        "gradient": np.array([float(v) for v in g]),
        "hessian": np.array([[float(v) for v in row] for row in H]),
    }
    out = {}
    for name, twin in (("manual", manual), ("reference", reference)):
        got = {
            "loss": np.array([twin.loss(w, b, X, y)]),
            "gradient": np.append(*twin.gradient(w, b, X, y)),
            "hessian": twin.hessian(w, b, X, y),
        }
        out[name] = {k: _rel(got[k], want[k]) for k in want}
    return out


def main() -> None:
    print("relative error against 60-digit arithmetic (normwise), 6 points, logits in [m, 2m]")
    print(
        f"{'margin m':>9} | {'manual: loss':>12} {'gradient':>9} {'Hessian':>9} |"
        f" {'JAX: loss':>9} {'gradient':>9} {'Hessian':>9}"
    )
    for m in MARGINS:
        e = errors(m)
        row = [e["manual"][k] for k in ("loss", "gradient", "hessian")]
        row += [e["reference"][k] for k in ("loss", "gradient", "hessian")]
        label = "typical" if m == 0 else f"{m:g}"
        print(
            f"{label:>9} | {row[0]:>12.1e} {row[1]:>9.1e} {row[2]:>9.1e} |"
            f" {row[3]:>9.1e} {row[4]:>9.1e} {row[5]:>9.1e}"
        )


if __name__ == "__main__":
    main()
