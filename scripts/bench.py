"""Speed, measured side by side in one run: medians and ratios, never absolute promises.

    uv run scripts/bench.py            # the full run (a few minutes, ~4 GB of memory)
    uv run scripts/bench.py --quick    # small sizes, seconds

Gradient descent, one iteration (loss and gradient), against one read of X (X @ v):
  exp, log1p     the two transcendental functions that every iteration needs, on n logits alone
  bound          X @ v plus exp and log1p of n values: the work no implementation can skip
  products       the two products of a blocked pass alone (X_b @ w, X_b.T @ r_b, the block in
                 cache between them), shared by the threads as a pass shares them
  forms          the per-sample loss and p - y alone, on precomputed logits, block by block
  floor          the products plus exp and log1p: what a blocked pass that uses BLAS for its
                 products cannot go below, whatever its element-wise code
  naive NumPy    the textbook code: p = 1 / (1 + exp(-z)), log(p), log(1 - p), X.T @ (p - y) / n
  manual GD      manual.fit's objective (manual/linear.py): one pass per block of rows; and the
                 same with its blocks shared by one thread a core
  GD step, fit   one step through the public manual.fit: the median time between its successive
                 callbacks in runs of 10 steps (the step, the driver's records, the callback)
  JAX jit        reference's jax.value_and_grad, jitted
  fit, 2 steps   manual.fit(max_iter=2) with its defaults (checks, 1 / L, no convergence, the
                 separation check), against one public manual.gradient (its checks and one pass)
Every solver to ||g||inf <= 1e-10 against scikit-learn's LogisticRegression(C=1, tol=1e-10) with
lbfgs and newton-cholesky, on the breast-cancer data and on a synthetic (n, 50) set; the final
gradient norm of each is printed (scikit-learn's tol is on its own scale of the gradient).
The summary gives the four ratios the project holds itself to.
Softmax regression (K classes): one loss-and-gradient pass against the textbook NumPy pass and
JAX, and Newton fits against scikit-learn's multinomial lbfgs and newton-cholesky (iris, and a
synthetic (n, d, K) set).

The public fit and gradient are timed at d = 32 only (the targets' size). The thread pools are
fixed before anything starts (OpenBLAS, OpenMP and XLA would otherwise each start their own and
oversubscribe the cores); the script prints what it set, and manual.linear's threads over blocks
of rows. Methods are run
in rounds, each a few times in a row with its first run not counted (see `median_times`).
"""

from __future__ import annotations

import os

THREADS = os.cpu_count() or 1
os.environ.setdefault(
    "XLA_FLAGS",
    f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={THREADS}",
)

import argparse
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info, threadpool_limits

import manual
import reference  # noqa: F401  (switches on float64 in JAX)
from manual.binary import BinaryLoss
from manual.datasets import breast_cancer, iris
from manual.linear import BLOCK_BYTES, WORKERS, LinearObjective
from manual.multinomial import MultinomialLoss
from reference.multinomial import _loss as _softmax_loss
from reference.objective import _loss


def median_times(
    methods: dict[str, Callable[[], object]], repeats: int, rounds: int = 3
) -> dict[str, float]:
    """Median wall time of each method over `rounds` rounds: in each round, every method in turn
    runs 1 + `repeats` times in a row and the first run is not counted (it pays for the thread
    pools that the method before it left spinning: BLAS and OpenMP threads keep a core busy for
    a while after their work, and a small problem then takes 2x longer). Round after round, a
    slow moment of the machine hits all methods alike."""
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(rounds):
        for name, fn in methods.items():
            fn()
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def synthetic(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.2)))).astype(np.float64)
    return X, y


def synthetic_classes(n: int, d: int, K: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """K classes drawn from a softmax model with random weights (overlapping: an optimum exists)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Z = X @ (rng.standard_normal((d, K)) / np.sqrt(d))
    G = rng.gumbel(size=(n, K))  # argmax(z + Gumbel noise) is a draw from softmax(z)
    return X, np.argmax(Z + G, axis=1)


def gd_iteration(n: int, d: int, repeats: int, public: bool) -> list[tuple[str, float]]:
    """One GD iteration's ways, beside the bound; with `public`, also through the public fit and
    gradient."""
    X, y = synthetic(n, d)
    w, b = np.full(d, 0.01), 0.1
    v = np.ones(d)

    def naive() -> tuple[float, np.ndarray, float]:
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        r = p - y
        return float(loss), X.T @ r / n, float(np.mean(r))

    objective = LinearObjective(BinaryLoss, X, y, 0.0)
    threads = LinearObjective(BinaryLoss, X, y, 0.0, workers=THREADS)
    theta = np.append(w, b)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    step = jax.jit(jax.value_and_grad(_loss, argnums=(0, 1)))
    wj, bj = jnp.asarray(w), jnp.float64(b)

    def jax_step() -> object:
        value, grads = step(wj, bj, Xj, yj, 0.0)
        return jax.block_until_ready((value, grads))

    z = X @ w + b
    e = np.empty(n)

    def transcendentals() -> None:
        np.exp(-np.abs(z), out=e)
        np.log1p(e, out=e)

    r = y - 0.5  # any residual: the products below do not look at it

    def products() -> object:
        """The two matrix products of a pass over X alone, block by block, shared by the threads
        as a pass shares them: X_b @ w, then X_b.T @ r_b while X_b sits in cache, with no
        element-wise work between them. A floor for every blocked pass that uses BLAS."""

        def share(start: int, stop: int) -> np.ndarray:
            g = np.zeros(d)
            for first in range(start, stop, objective.rows):
                last = min(first + objective.rows, stop)
                Xb = X[first:last]
                Xb @ w
                g += Xb.T @ r[first:last]
            return g

        return objective._shared(share)

    def forms() -> object:
        """The per-sample forms alone (loss and p - y of each logit), block by block, on
        precomputed logits: the element-wise work of a pass, without X."""
        for first in range(0, n, objective.rows):
            BinaryLoss.value_and_derivative(
                z[first : first + objective.rows], y[first : first + objective.rows]
            )
        return None

    steps: list[float] = []  # the time between successive callbacks of the fits below

    def fit_steps() -> object:
        ticks: list[float] = []
        res = manual.fit(
            X, y, solver="gd", lr=0.1, max_iter=10, tol=0.0,
            callback=lambda *_: ticks.append(time.perf_counter()),
        )  # fmt: skip
        steps.extend(np.diff(ticks))
        return res

    methods: dict[str, Callable[[], object]] = {
        "one read of X (X @ v)": lambda: X @ v,
        "exp, log1p of z alone": transcendentals,
        "block products alone": products,
        "per-sample forms alone": forms,
        "naive NumPy iteration": naive,
        "manual GD iteration": lambda: objective.loss_and_gradient(theta),
        f"  the same, {THREADS} threads": lambda: threads.loss_and_gradient(theta),
        "JAX jit value_and_grad": jax_step,
    }
    if public:
        methods["fit, 10 steps"] = fit_steps
        methods["public gradient"] = lambda: manual.gradient(w, b, X, y)
        methods["fit, 2 steps, defaults"] = lambda: manual.fit(X, y, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = median_times(methods, repeats)
    times[BOUND] = times["one read of X (X @ v)"] + times["exp, log1p of z alone"]
    times[FLOOR] = times["block products alone"] + times["exp, log1p of z alone"]
    if public:
        del times["fit, 10 steps"]
        times[FIT_STEP] = float(np.median(steps))
    order = [
        "one read of X (X @ v)",
        "exp, log1p of z alone",
        BOUND,
        "block products alone",
        "per-sample forms alone",
        FLOOR,
        "naive NumPy iteration",
        "manual GD iteration",
        f"  the same, {THREADS} threads",
        FIT_STEP,
        "JAX jit value_and_grad",
        "public gradient",
        "fit, 2 steps, defaults",
    ]
    return [(name, times[name]) for name in order if name in times]


BOUND = "bound: X @ v + exp, log1p"
FLOOR = "floor: products + exp, log1p"
FIT_STEP = "GD step through fit"
OURS = {"manual Newton": "newton", "manual lbfgs": "lbfgs", "manual newton-cg": "newton-cg"}


def solver_fits(
    X: np.ndarray, y: np.ndarray, repeats: int, parts: bool = False, rounds: int = 3
) -> tuple[list[tuple[str, float]], str]:
    """Each solver's time to ||g||inf <= 1e-10 (scikit-learn's to its tol=1e-10), and how many
    steps each took with the gradient norm it ended at; with `parts`, also what one Newton
    step is made of: a pass for the loss and gradient, a Hessian, and (for scale) X.T @ X as one
    symmetric update on all of X, which the Hessian cannot be without an n x d scaled copy."""
    n = X.shape[0]
    C = 1.0
    l2 = 1.0 / (C * n)

    def ours(solver: str) -> Callable[[], manual.FitResult]:
        def run() -> manual.FitResult:
            res = manual.fit(X, y, solver=solver, tol=1e-10, l2=l2, max_iter=10_000)
            assert res.converged
            return res

        return run

    def sk(solver: str) -> Callable[[], LogisticRegression]:
        return lambda: LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=10_000).fit(X, y)

    methods: dict[str, Callable[[], object]] = {name: ours(s) for name, s in OURS.items()}
    methods["sklearn lbfgs"] = sk("lbfgs")
    methods["sklearn newton-cholesky"] = sk("newton-cholesky")
    if parts:
        objective = LinearObjective(BinaryLoss, X, y, l2)
        theta = np.append(np.full(X.shape[1], 0.01), 0.1)
        methods["  one loss and gradient"] = lambda: objective.loss_and_gradient(theta)
        methods["  one Hessian"] = lambda: objective.hessian(theta)
        methods["  X.T @ X (for scale)"] = lambda: X.T @ X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = median_times(methods, repeats, rounds)
        said = []
        for name in OURS:
            res = ours(OURS[name])()
            said.append(f"{name} {res.n_iter} ({res.grad_norms[-1]:.0e})")
        for solver in ("lbfgs", "newton-cholesky"):
            model = sk(solver)()
            gw, gb = manual.gradient(model.coef_[0], float(model.intercept_[0]), X, y, l2)
            norm = max(float(np.max(np.abs(gw))), abs(gb))
            said.append(f"sklearn {solver} {int(model.n_iter_[0])} ({norm:.0e})")
    return list(times.items()), "steps (final ||g||inf): " + ", ".join(said)


def multinomial_pass(n: int, d: int, K: int, repeats: int) -> list[tuple[str, float]]:
    """Softmax regression, one loss-and-gradient pass: manual's (exact forms, blocked over rows)
    against the textbook NumPy pass, JAX's jitted value_and_grad, and one read of X (X @ V)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    Y = np.eye(K)[y]
    W, b = rng.standard_normal((d, K)) * 0.1, rng.standard_normal(K) * 0.1
    V = np.ones((d, K))
    objective = LinearObjective(MultinomialLoss(K), X, Y, 0.0)
    theta = np.vstack([W, b]).ravel()

    def naive() -> tuple[float, np.ndarray, np.ndarray]:
        Z = X @ W + b
        Z = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        S = E.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(S[:, 0]) - Z[np.arange(n), y]))
        R = (E / S - Y) / n
        return loss, X.T @ R, R.sum(axis=0)

    Xj, Yj, Wj, bj = jnp.asarray(X), jnp.asarray(Y), jnp.asarray(W), jnp.asarray(b)
    step = jax.jit(jax.value_and_grad(_softmax_loss, argnums=(0, 1)))

    def jax_step() -> object:
        return jax.block_until_ready(step(Wj, bj, Xj, Yj, 0.0))

    times = median_times(
        {
            "one read of X (X @ V)": lambda: X @ V,
            "naive NumPy pass": naive,
            "manual pass": lambda: objective.loss_and_gradient(theta),
            "JAX jit value_and_grad": jax_step,
        },
        repeats,
    )
    return list(times.items())


def multinomial_fits(
    X: np.ndarray, y: np.ndarray, repeats: int
) -> tuple[list[tuple[str, float]], str]:
    """Softmax regression to ||g||inf <= 1e-10 at C = 1 (l2 = 1 / n): manual's Newton against
    scikit-learn's multinomial LogisticRegression with lbfgs and newton-cholesky."""
    n = X.shape[0]
    C = 1.0
    l2 = 1.0 / (C * n)

    def ours() -> object:
        res = manual.multinomial.fit(X, y, solver="newton", tol=1e-10, l2=l2)
        assert res.converged
        return res

    def sk(solver: str) -> Callable[[], LogisticRegression]:
        return lambda: LogisticRegression(C=C, solver=solver, tol=1e-10, max_iter=10_000).fit(X, y)

    methods: dict[str, Callable[[], object]] = {
        "manual Newton": ours,
        "sklearn lbfgs": sk("lbfgs"),
        "sklearn newton-cholesky": sk("newton-cholesky"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = median_times(methods, repeats)
        steps = (
            f"steps: manual Newton "
            f"{manual.multinomial.fit(X, y, solver='newton', tol=1e-10, l2=l2).n_iter}, "
            f"lbfgs {int(sk('lbfgs')().n_iter_[0])}, "
            f"newton-cholesky {int(sk('newton-cholesky')().n_iter_[0])}"
        )
    return list(times.items()), steps


def print_table(title: str, rows: list[tuple[str, float]], base: str) -> None:
    ref = dict(rows)[base]
    print(f"\n{title}")
    print(f"  {'method':<28} {'median':>10} {'ratio':>8}")
    for name, t in rows:
        print(f"  {name:<28} {t * 1e3:>8.2f}ms {t / ref:>7.2f}x")
    print(f"  (ratio: to '{base}')")


def cpu_model() -> str:
    """The processor's name, where the system tells it (Linux's /proc/cpuinfo)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = ap.parse_args(argv)
    n_big = 100_000 if args.quick else 1_000_000
    repeats = 3 if args.quick else 7
    print(
        f"machine: {cpu_model()}, {platform.machine()}, {THREADS} cores, "
        f"Python {platform.python_version()}, NumPy {np.__version__}, JAX {jax.__version__}"
    )
    with threadpool_limits(limits=THREADS):
        pools = {f"{p['internal_api']}": p["num_threads"] for p in threadpool_info()}
        print(f"thread pools set to {THREADS}: {pools}; XLA_FLAGS={os.environ['XLA_FLAGS']}")
        print(f"manual.linear: {WORKERS} thread(s) over blocks of {BLOCK_BYTES // 2**20} MiB of X")
        gd: dict[int, dict[str, float]] = {}
        for d in (32, 128):
            rows = gd_iteration(n_big, d, repeats, public=d == 32)
            gd[d] = dict(rows)
            print_table(f"GD, one iteration, (n, d) = ({n_big}, {d})", rows, BOUND)
        data = breast_cancer()
        rows, steps = solver_fits(data.X, data.y, repeats * 3)
        small = dict(rows)
        print_table("To 1e-10, breast cancer (569 x 30), C = 1", rows, "sklearn lbfgs")
        print(f"  ({steps})")
        X, y = synthetic(n_big, 50, seed=1)
        rows, steps = solver_fits(X, y, 1, parts=True, rounds=2)
        del X, y
        big = dict(rows)
        print_table(f"To 1e-10, synthetic ({n_big}, 50), C = 1", rows, "sklearn lbfgs")
        print(f"  ({steps})")
        # softmax regression (K classes)
        K = 5
        rows = multinomial_pass(n_big // 4, 32, K, repeats)
        print_table(
            f"softmax, one loss-and-gradient pass, (n, d, K) = ({n_big // 4}, 32, {K})",
            rows,
            "one read of X (X @ V)",
        )
        data_k = iris()
        rows, steps = multinomial_fits(data_k.X, data_k.y, repeats * 3)
        print_table("softmax Newton to 1e-10, iris (150 x 4, K = 3), C = 1", rows, "manual Newton")
        print(f"  ({steps})")
        Xk, yk = synthetic_classes(n_big // 10, 20, K)
        rows, steps = multinomial_fits(Xk, yk, max(1, repeats // 2))
        print_table(
            f"softmax Newton to 1e-10, synthetic ({n_big // 10}, 20, K = {K}), C = 1",
            rows,
            "manual Newton",
        )
        print(f"  ({steps})")

        fastest = min(OURS, key=lambda name: big[name])
        print("\nsummary (each a ratio of times measured above, in this run)")
        print(
            f"  sklearn lbfgs / fastest solver ({fastest}), ({n_big}, 50):   "
            f"{big['sklearn lbfgs'] / big[fastest]:5.2f}x  (target >= 1.5)"
        )
        print(
            f"  GD step through fit / bound, ({n_big}, 32):             "
            f"{gd[32][FIT_STEP] / gd[32][BOUND]:5.2f}x  (target <= 1.25)"
        )
        print(
            f"    floor of a blocked BLAS pass / bound, ({n_big}, 32):    "
            f"{gd[32][FLOOR] / gd[32][BOUND]:5.2f}x"
        )
        print(
            f"  sklearn lbfgs / manual Newton, breast cancer:           "
            f"{small['sklearn lbfgs'] / small['manual Newton']:5.2f}x  (target >= 3)"
        )
        print(
            f"  fit(max_iter=2) / public gradient, ({n_big}, 32):         "
            f"{gd[32]['fit, 2 steps, defaults'] / gd[32]['public gradient']:5.2f}x  (target <= 8)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
