# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Logistic regression, derived by hand and checked by autodiff
#
# This notebook is for students who want to see the calculus of logistic regression at work, and
# for teachers who show how to check a derivative. Every formula here is derived in
# [DERIVATION.md](../DERIVATION.md), step by step, each step tied to its code and its test.
#
# What you will see, in order:
# 1. the data, one feature, and the model;
# 2. where the textbook formulas lose every digit (at a logit of 40), and how many digits
#    autodiff keeps as the margin grows;
# 3. the gradient by hand beside `jax.grad`;
# 4. gradient checking: how the finite-difference error depends on the step, and which check
#    catches which mistake;
# 5. an exercise: find the bug;
# 6. training by gradient descent;
# 7. gradient descent against Newton's method, with their convergence on a log axis;
# 8. thirty features of real data, with a held-out split.
#
# Open it with `uv run --group notebook jupyter lab scripts/walkthrough.ipynb`, or run it as a
# script: `uv run scripts/walkthrough.py [PLOT_DIR]` writes the figures to PLOT_DIR (by default
# `walkthrough-plots/` in the working folder).

# %%
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import matplotlib

IN_NOTEBOOK = "ipykernel" in sys.modules
if not IN_NOTEBOOK:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mpmath
import numpy as np

import manual
import reference
from manual.datasets import breast_cancer, toy_one_feature
from manual.mistakes import GALLERY, extra_sigmoid_prime, flat
from scripts import plots, train

args = [a for a in sys.argv[1:] if not a.startswith("-")]
PLOT_DIR = Path(args[0] if args and not IN_NOTEBOOK else "walkthrough-plots")
U = 2.0**-53  # the unit roundoff of float64: half an ulp of 1


def show(fig: plt.Figure, name: str) -> None:
    """Inline in a notebook; a PNG in PLOT_DIR when run as a script."""
    if IN_NOTEBOOK:
        plt.show()
    else:
        print(f"[plot saved: {plots.save(fig, PLOT_DIR, name)}]")


def verdict(report: manual.GradientCheckReport) -> str:
    result = "passed" if report.passed else "FAILED"
    return f"gradient check {result}: rel_error {report.rel_error:.1e}"


# %% [markdown]
# ## 1. The data: one feature, two classes that overlap
#
# A hundred points $x \sim \mathrm{Uniform}(-4, 4)$, each labelled 1 with probability
# $\sigma(1.5 x - 0.5)$: the true weight is 1.5, the true intercept -0.5. The model is
# $p = \sigma(w x + b)$ and the loss is the mean cross-entropy
# $L = \mathrm{mean}_i[\log(1 + e^{z_i}) - y_i z_i]$, $z_i = w x_i + b$.

# %%
data = toy_one_feature()
X, y = data.X, data.y
n, d = X.shape
TRUE_W, TRUE_B = 1.5, -0.5
print(data.description)
print(f"n = {n}, d = {d}, label 1: {int(y.sum())}, label 0: {n - int(y.sum())}")

w0, b0 = np.zeros(d), 0.0
print(f"L(0, 0) = {manual.loss(w0, b0, X, y):.16f}   log 2 = {np.log(2):.16f}")

# %% [markdown]
# At $w = 0, b = 0$ every $p_i = 1/2$, so the loss is $\log 2$ whatever the labels.
#
# ## 2. Where the textbook formulas lose every digit
#
# Take one point with label 1 and logit $z = 40$: classified right by a wide margin. The exact
# loss is $\log(1 + e^{-40}) \approx 4.2 \cdot 10^{-18}$, the exact $p - y$ is $-4.2 \cdot 10^{-18}$
# and the exact $p(1 - p)$ is $4.2 \cdot 10^{-18}$. The textbook forms give 0 for all three:
# $\mathrm{softplus}(40) = 40 + 4 \cdot 10^{-18}$ rounds to 40, and $1 + e^{-40}$ rounds to 1.
# `manual` uses forms in which nothing cancels
# (DERIVATION.md, step 12); the JAX twin differentiates the textbook loss.

# %%
z = 40.0
Xz, yz, wz = np.array([[z]]), np.array([1.0]), np.array([1.0])
p_naive = 1.0 / (1.0 + np.exp(-z))
print(f"{'':28}{'textbook (NumPy)':>18}{'JAX twin':>12}{'manual':>12}")
naive_values = {
    "loss softplus(z) - y z": np.logaddexp(0.0, z) - z,
    "p - y (= dL/db)": p_naive - 1.0,
    "p (1 - p) (= d2L/db2)": p_naive * (1 - p_naive),
}
jax_values = [
    reference.loss(wz, 0.0, Xz, yz),
    reference.gradient(wz, 0.0, Xz, yz)[1],
    reference.hessian(wz, 0.0, Xz, yz)[1, 1],
]
manual_values = [
    manual.loss(wz, 0.0, Xz, yz),
    manual.gradient(wz, 0.0, Xz, yz)[1],
    manual.hessian(wz, 0.0, Xz, yz)[1, 1],
]
for (name, naive), jv, mv in zip(naive_values.items(), jax_values, manual_values, strict=True):
    print(f"{name:28}{naive:>18.2e}{jv:>12.2e}{mv:>12.2e}")
print(f"exact: e^-40 / (1 + e^-40) = {np.exp(-40) / (1 + np.exp(-40)):.2e}")

# the sigmoid itself: 1 / (1 + exp(-z)) overflows for z < -709; manual.sigmoid does not
zs = np.array([-1e300, -800.0, -40.0, 0.0, 40.0, 800.0, 1e300])
with np.errstate(over="raise"):
    print("sigmoid(z)        :", manual.sigmoid(zs))

# %% [markdown]
# ### How many digits autodiff keeps, against the margin
#
# One point of label 1 at logit $m$, against the exact values in 50-digit arithmetic (mpmath).
# The textbook $\mathrm{softplus}(m) \approx m$ is rounded by up to half an ulp of $m$, about
# $u m$ ($u = 2^{-53}$), while the true loss is about $e^{-m}$: a relative error of about
# $u\, m\, e^m$. The line $u\, e^m$ alone falls short of it by the factor $m$. The textbook
# loss is exactly 0 from $m = 48 \ln 2 \approx 33.3$ (where $e^{-m}$ is below half an ulp of $m$)
# and $p - y$ from $m = 53 \ln 2 \approx 36.7$. `manual` keeps every digit.

# %%
mpmath.mp.dps = 50
margins = np.linspace(0.5, 45.0, 90)
errors: dict[str, list[float]] = {
    k: [] for k in ("JAX loss", "JAX dL/db", "manual loss", "manual dL/db")
}
for m in margins:
    exact_loss = float(mpmath.log1p(mpmath.exp(-mpmath.mpf(m))))
    exact_grad = float(-1 / (1 + mpmath.exp(mpmath.mpf(m))))
    Xm = np.array([[m]])
    for twin, name in ((reference, "JAX"), (manual, "manual")):
        errors[f"{name} loss"].append(abs(twin.loss(wz, 0.0, Xm, yz) / exact_loss - 1))
        errors[f"{name} dL/db"].append(abs(twin.gradient(wz, 0.0, Xm, yz)[1] / exact_grad - 1))

FLOOR = 1e-18  # an error of exactly 0 is drawn here
fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
styles = {
    "JAX loss": ("C3", "-"),
    "JAX dL/db": ("C1", "--"),
    "manual loss": ("C0", "-"),
    "manual dL/db": ("C2", "--"),
}
for name, errs in errors.items():
    color, ls = styles[name]
    thin = {"lw": 0.8} if name.startswith("manual") else {}
    ax.semilogy(margins, np.maximum(errs, FLOOR), color=color, ls=ls, label=name, **thin)
ax.semilogy(margins, np.minimum(U * np.exp(margins), 1), "k:", lw=1, label="u e^m")
ax.semilogy(margins, np.minimum(U * margins * np.exp(margins), 1), "k-.", lw=1, label="u m e^m")
for threshold, text, side in (
    (48 * np.log(2), "textbook loss = 0\nfrom 48 ln 2 ", "right"),
    (53 * np.log(2), " p - y = 0\n from 53 ln 2", "left"),
):
    ax.axvline(threshold, color="grey", lw=0.6)
    ax.text(threshold, 1e-11, text, fontsize=7, ha=side, color="0.3")
ax.axhspan(FLOOR / 3, FLOOR * 3, color="0.92")
ax.text(44, FLOOR * 4, "an error of exactly 0 is drawn at 1e-18", fontsize=7, ha="right")
ax.set_ylim(FLOOR / 3, 10)
ax.set_xlabel("margin m (logit of a point of label 1)")
ax.set_ylabel("relative error against 50 digits")
ax.set_title("digits lost by the textbook loss and its autodiff, kept by manual")
ax.legend(fontsize=8, loc="upper left", ncols=2)
show(fig, "error_against_margin.png")

# %% [markdown]
# ## 3. The gradient by hand and by `jax.grad`, side by side
#
# By hand (DERIVATION.md, steps 4 and 5): $\partial L/\partial w = X^\top (p - y)/n$,
# $\partial L / \partial b = \mathrm{mean}(p - y)$. The twin writes the loss once and lets
# `jax.grad` and `jax.hessian` differentiate it.

# %%
w, b = np.array([0.8]), -0.3
gw, gb = manual.gradient(w, b, X, y)
rw, rb = reference.gradient(w, b, X, y)
print(f"by hand : dL/dw = {gw[0]: .17f}   dL/db = {gb: .17f}")
print(f"jax.grad: dL/dw = {rw[0]: .17f}   dL/db = {rb: .17f}")
print(f"difference: {abs(gw[0] - rw[0]):.1e}, {abs(gb - rb):.1e}")
print("Hessian by hand:\n", manual.hessian(w, b, X, y))
print("jax.hessian:\n", reference.hessian(w, b, X, y))

# %% [markdown]
# ## 4. Gradient checking
#
# A gradient check compares the analytic gradient with finite differences. The central difference
# $D(h) = [f(\theta + h v) - f(\theta - h v)] / 2h$ errs by $c h^2$ (truncation: the even Taylor
# terms cancel) plus about $\varepsilon |f| / h$ (rounding). **Richardson extrapolation** combines
# two steps, $R(h) = [4 D(h) - D(2h)] / 3$, so that the $h^2$ terms cancel and the truncation is
# $O(h^4)$. `manual.check_gradient` uses $R(h)$ and estimates its own error: a gradient passes when
# it differs from the numeric one by no more than ten times that estimate.

# %%
theta = np.append(w, b)
f, grad_f = flat(X, y)
print("right gradient:", verdict(manual.check_gradient(f, grad_f, theta)))
f, wrong = flat(X, y, gradient=extra_sigmoid_prime)
print("extra sigmoid':", verdict(manual.check_gradient(f, wrong, theta)))

# %% [markdown]
# ### The step-size curve
#
# Error of the three finite differences against the step $h$, for one directional derivative.
# Each curve falls along its truncation error (slope 1, 2 and 4 on a log-log plot) until the
# rounding $\varepsilon |f| / h$ (slope -1) takes over. The best step is where they cross, about
# $\varepsilon^{1/2}$, $\varepsilon^{1/3}$ and $\varepsilon^{1/5}$. In float32 ($\varepsilon
# \approx 1.2 \cdot 10^{-7}$) the best error is a million times worse, and below $h \approx 10^{-7}$
# the step is lost when $\theta \pm h v$ is rounded to float32: the difference is 0.

# %%
rng = np.random.default_rng(1)
Xc = rng.standard_normal((120, 3)) * [1.0, 3.0, 0.3]
yc = (rng.random(120) < manual.sigmoid(Xc @ rng.standard_normal(3) + 0.2)).astype(float)
fc, gc = flat(Xc, yc)


def fc32(t: np.ndarray) -> float:
    """The same loss, computed in float32."""
    t32, X32, y32 = t.astype(np.float32), Xc.astype(np.float32), yc.astype(np.float32)
    z32 = X32 @ t32[:-1] + t32[-1]
    return float(np.mean(np.logaddexp(np.float32(0), z32) - y32 * z32))


def differences(
    f: Callable[[np.ndarray], float], t: np.ndarray, v: np.ndarray, h: float
) -> tuple[float, float, float]:
    """forward, central and Richardson estimates of the derivative of f along v."""
    forward = (f(t + h * v) - f(t)) / h
    central = (f(t + h * v) - f(t - h * v)) / (2 * h)
    central2 = (f(t + 2 * h * v) - f(t - 2 * h * v)) / (4 * h)
    return forward, central, (4 * central - central2) / 3


t0 = np.array([0.4, -0.3, 1.2, 0.1])
v = np.array([1.0, 2.0, -1.0, 0.5]) / 2.5
exact = float(gc(t0) @ v)
hs = np.logspace(-1, -13, 97)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained", sharey=True)
for ax, (label, fn, eps) in zip(
    axes, [("float64", fc, 2.0**-52), ("float32", fc32, 2.0**-23)], strict=True
):
    est = np.array([differences(fn, t0, v, h) for h in hs])
    for k, (scheme, order) in enumerate((("forward", 1), ("central", 2), ("Richardson", 4))):
        err = np.maximum(np.abs(est[:, k] - exact), 1e-18)
        best = int(np.argmin(err))
        ax.loglog(
            hs, err, color=f"C{k}", label=f"{scheme}: best h {hs[best]:.0e}, error {err[best]:.0e}"
        )
        top = hs[:17]
        ax.loglog(top, 5 * err[0] * (top / hs[0]) ** order, color=f"C{k}", ls="--", lw=0.9)
    ax.plot([], [], "k--", lw=0.9, label="guides of slope 1, 2, 4 (dashed, same colours)")
    ax.loglog(hs, eps * 0.3 / hs, color="grey", ls=":", lw=0.8, label="rounding eps |f| / h")
    ax.set_ylim(1e-17, 10)
    ax.set_xlabel("step h")
    ax.set_title(f"loss in {label}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
axes[0].set_ylabel("|numeric - exact directional derivative|")
axes[1].annotate(
    "plateau: theta +- h v round to the same float32\nnumbers; the difference is 0",
    xy=(1e-10, abs(exact)),
    xytext=(2e-13, 1e-9),
    fontsize=8,
    arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8},
)
show(fig, "step_size.png")

# %% [markdown]
# ### Which check catches which mistake
#
# The [gallery](../manual/mistakes.py) holds the classic wrong derivations. Each goes through two
# checks: ours (`manual.check_gradient`) and the classic recipe (central differences with
# $h = 10^{-5}$, flag a coordinate whose relative difference exceeds $10^{-7}$), at three
# points: a random point ($\lambda = 0.05$), a far point where every margin exceeds 40
# ($\lambda = 0$), and the optimum. `X` means flagged. For the right gradient, `X` is a false
# alarm; for a mistake, `.` is a miss. A mistake can also be invisible at a point: with
# $\lambda = 0$ a mistake in the penalty changes nothing.


# %%
def naive_flags(
    f: Callable[[np.ndarray], float], g: Callable[[np.ndarray], np.ndarray], t: np.ndarray
) -> bool:
    """The classic recipe: h = 1e-5 central differences, flag a relative difference above 1e-7."""
    numeric = np.array([differences(f, t, e, 1e-5)[1] for e in np.eye(len(t))])
    analytic = g(t)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-300)
    return bool(np.max(np.abs(analytic - numeric) / scale) > 1e-7)


w_far = np.array([60.0, -50.0, 40.0])
X_far = rng.uniform(-1, 1, (400, 3))
X_far = X_far[np.abs(X_far @ w_far) > 40][:60]
y_far = (X_far @ w_far > 0).astype(float)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", manual.LogregWarning)
    at_optimum = manual.fit(Xc, yc, solver="newton", l2=0.05, tol=1e-12)
points = {
    "random": (Xc, yc, 0.05, np.array([0.5, -1.0, 2.0, 0.3])),
    "far": (X_far, y_far, 0.0, np.append(w_far, 0.0)),
    "optimum": (Xc, yc, 0.05, np.append(at_optimum.w, at_optimum.b)),
}
entries = [("correct", manual.gradient)] + [(m.name, m.gradient) for m in GALLERY]
print(f"{'':22}" + "".join(f"{p + ': ours, naive':>26}" for p in points))
for name, gradient in entries:
    cells = []
    for Xp, yp, l2, tp in points.values():
        fp, gp = flat(Xp, yp, l2, gradient)
        ours = manual.check_gradient(fp, gp, tp)
        naive = "X" if naive_flags(fp, gp, tp) else "."
        cells.append(f"{'.' if ours.passed else 'X'} {ours.rel_error:7.1e}   {naive:>3}")
    print(f"{name:22}" + "".join(f"{c:>26}" for c in cells))

# %% [markdown]
# Read it row by row. At the optimum the right gradient is about 0, its relative error means
# nothing, and the classic recipe false-alarms; ours passes, because it compares with the finite
# difference's own error. At the far point the right gradient reads a relative error of about
# $10^{-8}$, as high as a gradient computed in float32 reads at the random point: **the size of the
# relative error alone does not tell right from wrong**. The full table, with forward differences,
# float32 and the JAX twin as checks, is `uv run scripts/gradcheck.py --plots DIR`.
#
# ## 5. Exercise: find the bug
#
# Below are the gallery's gradients, shuffled and lettered A, B, C, ..., each with one classic
# slip. For each, the table gives the check's verdict at the three points above and the ratio of
# the analytic to the numeric derivative, coordinate by coordinate, at the random point
# ($w_1, w_2, w_3, b$).
# Name each slip. Hints: a ratio equal for every coordinate is a constant factor; a ratio of -1 on
# one coordinate is a flipped sign; a mistake that vanishes with $\lambda = 0$ lives in the penalty;
# one that only the far point shows lives in the sigmoid's tail. The answers are at the end.

# %%
suspects = list(GALLERY)
np.random.default_rng(17).shuffle(suspects)
letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(suspects)]
print(
    f"{'suspect':8}{'random':>8}{'far':>6}{'optimum':>9}   analytic / numeric at the random point"
)
for letter, mistake in zip(letters, suspects, strict=True):
    flags = []
    for Xp, yp, l2, tp in points.values():
        fp, gp = flat(Xp, yp, l2, mistake.gradient)
        flags.append("." if manual.check_gradient(fp, gp, tp).passed else "X")
    Xp, yp, l2, tp = points["random"]
    fp, gp = flat(Xp, yp, l2, mistake.gradient)
    numeric = np.array([differences(fp, tp, e, 1e-3)[2] for e in np.eye(len(tp))])
    ratios = " ".join(f"{r:>13.9g}" for r in gp(tp) / numeric)
    print(f"{letter:8}{flags[0]:>8}{flags[1]:>6}{flags[2]:>9}   {ratios}")

# %% [markdown]
# ## 6. Training by gradient descent
#
# $\theta \leftarrow \theta - \eta\, \nabla L$, with $\eta = 1 / L_{\mathrm{smooth}}$,
# $L_{\mathrm{smooth}} = \lambda_{\max}(X_1^\top X_1) / (4n)$: every step lowers the loss
# (DERIVATION.md, step 8).

# %%
lr = 1.0 / manual.lipschitz(X)
print(f"lr = 1/L = {lr:.4f}")


def report(k: int, w: np.ndarray, b: float, loss: float, gw: np.ndarray, gb: float) -> None:
    if k % 100 == 0:
        print(f"iteration {k:4d}: loss {loss:.10f}  |grad| {max(np.abs(gw).max(), abs(gb)):.2e}")


result = manual.fit(X, y, solver="gd", lr=lr, max_iter=2000, tol=1e-8, callback=report)
print(
    f"converged: {result.converged} after {result.n_iter} steps; w = {result.w[0]:.6f}, "
    f"b = {result.b:.6f}"
)
pred = manual.predict(X, result.w, result.b, threshold=0.5)
accuracy = float(np.mean(pred == y))
print(f"accuracy: {accuracy:.3f} ({int(np.sum(pred == y))} of {n})")
show(
    plots.probabilities(X, y, result.w, result.b, data.feature_names, truth=(TRUE_W, TRUE_B)),
    "toy_probabilities.png",
)

# %% [markdown]
# The fitted sigmoid (black) lies close to the one that generated the labels (dashed). The
# decision boundary is where $p = 1/2$, that is $w x + b = 0$.
#
# ## 7. Gradient descent against Newton's method
#
# Newton's method solves $H d = g$ and steps $\theta \leftarrow \theta - d$ (DERIVATION.md, step
# 9). The figure shows $L - L^*$ on a log axis. Gradient descent's linear rate is a straight line:
# near the optimum it multiplies $L - L^*$ by $(1 - \mu / L_{\mathrm{smooth}})^2$ a step, $\mu$
# the smallest eigenvalue of the Hessian there (the dashed guide). Newton's error is bounded by a
# constant times its square: the number of correct digits doubles each step, and the curve plunges.

# %%
gd_run = manual.fit(X, y, solver="gd", lr=lr, max_iter=400, tol=0.0)
newton_run = manual.fit(X, y, solver="newton", max_iter=10, tol=0.0)
best = min(gd_run.losses.min(), newton_run.losses.min())
H_star = manual.hessian(newton_run.w, newton_run.b, X, y)
mu = float(np.linalg.eigvalsh(H_star)[0])
rate = (1 - mu * lr) ** 2
print(f"mu = {mu:.4f}, L_smooth = {1 / lr:.4f}: predicted factor per GD step {rate:.5f}")
measured = ((gd_run.losses[300] - best) / (gd_run.losses[200] - best)) ** (1 / 100)
print(f"measured over steps 200 to 300: {measured:.5f}")
print("Newton's L - L*:", " ".join(f"{g:.1e}" for g in newton_run.losses - best))
fig = plots.convergence(
    {"gradient descent, lr = 1/L": gd_run.losses, "Newton": newton_run.losses},
    best,
    "one feature: L - L* per iteration",
)
steps = np.arange(150, 401)
fig.axes[0].semilogy(
    steps,
    3 * (gd_run.losses[150] - best) * rate ** (steps - 150),
    "k--",
    lw=0.8,
    label=f"(1 - mu/L)^2 per step = {rate:.4f}",
)
fig.axes[0].legend()
show(fig, "toy_convergence.png")

# %% [markdown]
# ## 8. Thirty features: the breast-cancer data, with a held-out split
#
# 569 fine-needle aspirates, 30 standardized features, label 1 = benign, 0 = malignant. With thirty
# features these data are linearly separable: without a penalty there is no finite optimum
# (DERIVATION.md, step 11), and the fit says so. A small penalty, $\lambda = 10^{-3}$, gives a
# unique finite optimum, since both classes are present. To see how well the model predicts
# rows it has not seen, hold out 30% of them (drawn with a fixed seed), as
# `uv run scripts/train.py --dataset breast-cancer --l2 1e-3 --test-fraction 0.3` does.

# %%
cancer = breast_cancer()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", manual.LogregWarning)
    manual.fit(cancer.X, cancer.y, solver="newton", max_iter=300)
print("without a penalty:", *(str(w.message)[:80] + "..." for w in caught))

training, held_out = train.split(cancer, 0.3, seed=0)
assert held_out is not None
newton = manual.fit(training.X, training.y, solver="newton", l2=1e-3, tol=1e-10)
print(f"Newton: {newton.n_iter} steps, loss {newton.losses[-1]:.10f}")
print("gradient norm per Newton step:", " ".join(f"{g:.1e}" for g in newton.grad_norms))
print(train.accuracy_line("training ", training, newton, 0.5))
print(train.accuracy_line("held-out ", held_out, newton, 0.5))
twin_fit = reference.fit(training.X, training.y, solver="newton", l2=1e-3, tol=1e-10)
print(f"the JAX twin's Newton optimum differs by {np.max(np.abs(twin_fit.w - newton.w)):.1e}")

# %% [markdown]
# Gradient descent on the same data crawls: the Hessian's eigenvalues spread over many orders of
# magnitude, and the straight line of its $L - L^*$ is nearly flat.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", manual.ConvergenceWarning)  # 3000 steps get close, not to tol
    gd = manual.fit(training.X, training.y, solver="gd", l2=1e-3, max_iter=3000, tol=1e-8)
print(f"GD, l2 = 1e-3: {gd.n_iter} steps, |grad| {gd.grad_norms[-1]:.1e}")
print(f"max |w_newton - w_gd| = {np.max(np.abs(newton.w - gd.w)):.1e}")
show(
    plots.convergence(
        {"gradient descent, lr = 1/L": gd.losses, "Newton": newton.losses},
        min(gd.losses.min(), newton.losses.min()),
        "breast cancer (training rows), l2 = 1e-3: L - L* per iteration",
        log_iterations=True,
    ),
    "cancer_convergence.png",
)
show(
    plots.probabilities(
        held_out.X,
        held_out.y,
        newton.w,
        newton.b,
        cancer.feature_names,
        class_names=("malignant", "benign"),
    ),
    "cancer_probabilities.png",
)

# %% [markdown]
# ## Answers to the exercise

# %%
for letter, mistake in zip(letters, suspects, strict=True):
    print(f"{letter}: {mistake.name}: {' '.join(mistake.what_went_wrong.split())}")
