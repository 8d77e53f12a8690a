# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Logistic regression, derived by hand and checked by autodiff
#
# The story of a one-feature notebook, told with this project's code: the data, the sigmoid, the
# loss, the gradient by hand and by `jax.grad`, a gradient check, training with the loss printed
# as it goes, predictions at the 0.5 threshold, accuracy, the loss curve and the probabilities;
# then thirty features of real data, and Newton's method. The derivation behind every step is in
# DERIVATION.md.
#
# Run it as a script (`uv run scripts/walkthrough.py [PLOT_DIR]`: plots go to PLOT_DIR, by default
# `walkthrough-plots/` in the working folder) or open it as a notebook (plots inline).

# %%
import sys
import warnings
from pathlib import Path

import matplotlib

IN_NOTEBOOK = "ipykernel" in sys.modules
if not IN_NOTEBOOK:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent) if "__file__" in globals() else "scripts")

import plots

import manual
import reference
from manual.datasets import breast_cancer, toy_one_feature
from manual.mistakes import extra_sigmoid_prime, flat

args = [a for a in sys.argv[1:] if not a.startswith("-")]
PLOT_DIR = Path(args[0] if args and not IN_NOTEBOOK else "walkthrough-plots")


def show(fig: plt.Figure, name: str) -> None:
    """Inline in a notebook; a PNG in PLOT_DIR when run as a script."""
    if IN_NOTEBOOK:
        plt.show()
    else:
        print(f"[plot saved: {plots.save(fig, PLOT_DIR, name)}]")


# %% [markdown]
# ## 1. The data: one feature, two classes that overlap

# %%
data = toy_one_feature()
X, y = data.X, data.y
n, d = X.shape
print(data.description)
print(f"n = {n}, d = {d}, label 1: {int(y.sum())}, label 0: {n - int(y.sum())}")

# %% [markdown]
# ## 2. The sigmoid: exact everywhere, no overflow
# `1 / (1 + exp(-z))` overflows for z < -709; `manual.sigmoid` does not, and stays exact.

# %%
z = np.array([-1e300, -800.0, -40.0, 0.0, 40.0, 800.0, 1e300])
with np.errstate(over="raise"):
    print("sigmoid(z)        :", manual.sigmoid(z))
print("sigmoid'(z) = s(1-s):", manual.sigmoid(z) * manual.sigmoid(-z))

# %% [markdown]
# ## 3. The loss at the start: w = 0, b = 0 gives p = 1/2 everywhere, so L = log 2

# %%
w0, b0 = np.zeros(d), 0.0
print(f"L(0, 0) = {manual.loss(w0, b0, X, y):.16f}   log 2 = {np.log(2):.16f}")

# %% [markdown]
# ## 4. The gradient by hand and by `jax.grad`, side by side
# By hand: dL/dw = X.T @ (p - y) / n, dL/db = mean(p - y).

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
# ## 5. A gradient check, and a wrong derivation it catches
# The checker compares the gradient with finite differences and with their own estimated error.
# The classic slip of keeping the squared-error habit, dL/dz = (p - y) p (1 - p), fails.

# %%
theta = np.append(w, b)
f, grad_f = flat(X, y)
print("right gradient:", manual.check_gradient(f, grad_f, theta).summary())
f, wrong = flat(X, y, gradient=extra_sigmoid_prime)
print("extra sigmoid':", manual.check_gradient(f, wrong, theta).summary())

# %% [markdown]
# ## 6. Training by gradient descent, the loss printed every few iterations
# lr = 1 / L, L = lambda_max(X1.T X1) / (4 n), never lets the loss rise.

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

# %% [markdown]
# ## 7. Predictions at the 0.5 threshold, and accuracy

# %%
pred = manual.predict(X, result.w, result.b, threshold=0.5)
accuracy = float(np.mean(pred == y))
print(f"accuracy: {accuracy:.3f} ({int(np.sum(pred == y))} of {n})")

# %% [markdown]
# ## 8. The loss curve and the predicted probabilities

# %%
show(
    plots.loss_curve(result.losses, result.grad_norms, "gradient descent, one feature"),
    "toy_loss.png",
)
show(plots.probabilities(X, y, result.w, result.b, data.feature_names), "toy_probabilities.png")

# %% [markdown]
# ## 9. Many features: the breast-cancer data (569 x 30, standardized)
# With thirty features these data are linearly separable: without a penalty the weights would grow
# forever (a Newton fit finds an iterate that separates the classes, and says so). A small
# penalty l2 = 1e-3 gives a unique, finite optimum.

# %%
cancer = breast_cancer()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", manual.LogregWarning)
    manual.fit(cancer.X, cancer.y, solver="newton", max_iter=300)
print("without a penalty:", *(str(w.message)[:80] + "..." for w in caught))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", manual.ConvergenceWarning)  # 3000 steps get close, not to tol
    gd = manual.fit(cancer.X, cancer.y, solver="gd", l2=1e-3, max_iter=3000, tol=1e-8)
acc = np.mean(manual.predict(cancer.X, gd.w, gd.b) == cancer.y)
print(
    f"GD, l2 = 1e-3: {gd.n_iter} steps, loss {gd.losses[-1]:.10f}, "
    f"|grad| {gd.grad_norms[-1]:.1e}, accuracy {acc:.4f}"
)

# %% [markdown]
# ## 10. Newton's method: the same optimum in a handful of steps

# %%
newton = manual.fit(cancer.X, cancer.y, solver="newton", l2=1e-3, tol=1e-10)
print(f"Newton: {newton.n_iter} steps, loss {newton.losses[-1]:.10f}")
print("gradient norm per Newton step:", " ".join(f"{g:.1e}" for g in newton.grad_norms))
print(f"max |w_newton - w_gd| = {np.max(np.abs(newton.w - gd.w)):.1e}")
twin = reference.fit(cancer.X, cancer.y, solver="newton", l2=1e-3, tol=1e-10)
print(f"the JAX twin's Newton optimum differs by {np.max(np.abs(twin.w - newton.w)):.1e}")
show(
    plots.loss_curve(newton.losses, newton.grad_norms, "Newton, breast cancer, l2 = 1e-3"),
    "cancer_newton_loss.png",
)
show(
    plots.probabilities(cancer.X, cancer.y, newton.w, newton.b, cancer.feature_names),
    "cancer_probabilities.png",
)
