"""Grade a learner's own derivation of the logistic-regression gradient (and loss, Hessian).

    uv run scripts/grade.py FILE [--model binary|multinomial] [--thorough] [--examples N]
    uv run scripts/grade.py --quiz NUMBER [--answer NAME]   # the mistakes gallery, names hidden
    uv run scripts/grade.py --quiz NUMBER --model multinomial [--answer NAME]   # the softmax one

FILE defines `gradient(w, b, X, y, l2=0.0)` returning `(grad_w, grad_b)` (shapes (d,) and a
float); it may also define `loss(w, b, X, y, l2=0.0)` and `hessian(w, b, X, y, l2=0.0)` ((d + 1,
d + 1), parameters ordered (w_1, ..., w_d, b)), which are graded too.

Softmax regression (K classes): a FILE that sets `MODEL = "multinomial"` at module level (or any
FILE, with `--model multinomial`) defines `gradient(W, b, X, y, l2=0.0)` returning `(grad_W,
grad_b)` of shapes (d, K) and (K,), with W (d, K), b (K,) and y integer labels in 0..K-1; it may
define `loss` (a float) and `hessian` (((d + 1) K, (d + 1) K), in the order of theta =
np.vstack([W, b]).ravel()). It is compared with `manual.multinomial` on data sets with K from 2 to
5 in the same regimes, plus a class absent from y and every logit shifted by 800 (the same
probabilities; exp overflows there); a wrong one is named in the words of
manual.multinomial_mistakes.GALLERY when it matches one. `--model` wins over the file's MODEL;
without either, FILE is graded as the binary model.

FILE runs in a separate process with a time limit per call, its printing kept away from ours.
Hypothesis draws data sets from every regime (l2 > 0, one class, logits far in the sigmoid's tail,
a 1-D X for one feature, a constant column, n = 1, badly scaled columns) and compares FILE's
answers with `manual` (derived by hand, exact to a few ulps) within a bound built from the data's
scales (see `gradient_bound`); on the data set where FILE is wrong, Hypothesis shrinks to the
smallest one it finds, and the JAX twin (`reference`, autodiff) and `manual.check_gradient`
(finite differences) are asked too. At n = 1 or 2 different mistakes look alike (dividing by
n - 1 is a factor 2 = n there), so a gallery mistake is named, and a pattern called sure, only
when it holds on a larger data set of the same regime too (n >= 9, d >= 3, fixed). FILE's
functions get copies of X, y, w (and b) and are compared after each call: a function that
changes its arguments in place is wrong (exit 1), whatever it returns.

Exit status: 0 right on every data set tried (with what was tried); 1 wrong (the smallest data set,
the wrong coordinates and the mistake named when it is one of manual.mistakes.GALLERY (or the
softmax gallery), else check_gradient's diagnosis); 2 FILE cannot be used (it does not load,
lacks `gradient`, returns the wrong shape (grad_b and the loss: one number, a float, a NumPy
scalar or a 0-d array), raises, hangs), in a line or two pointing at FILE's own line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.machinery
import importlib.util
import json
import multiprocessing
import os
import re
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

# this folder on sys.path, however this file was loaded: the learner's processes find `serve`
# in the module `grade`
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import manual
from manual.mistakes import GALLERY

EXIT_RIGHT, EXIT_WRONG, EXIT_UNUSABLE = 0, 1, 2
MODELS = ("binary", "multinomial")
# u: the unit roundoff of float64. A learner's right gradient, written plainly (p = 1 / (1 +
# exp(-z)), r = p - y, a loop or X.T @ r), errs per sample by a few u of max(p, y) (p - y rounds
# at the size of its larger term), by p (1 - p) times the rounding of z (at most (d + 1) u
# (|X_i| @ |w| + |b|)), and its sum over n samples by up to n u of the sum of magnitudes. LEARNER_C
# = 64 covers the few ulps of exp, the operations between and the order of summation, with room.
U = float(np.finfo(np.float64).eps) / 2
LEARNER_C = 64.0
# float32: errors of relative size eps32 = 1.2e-7 times the data's scales, up to ~1e3 eps32
F32_RELATIVE = 1e3 * float(np.finfo(np.float32).eps)
# the learner's process: seconds to load FILE, and for one call of one of its functions
LOAD_SECONDS, CALL_SECONDS = 20.0, 5.0
DEFAULT_EXAMPLES, THOROUGH_EXAMPLES = 400, 5000
# gallery mistakes named in the learner's terms
WORDS = {
    "sum_instead_of_mean": "a sum instead of a mean: every data term n times too large",
    "bias_sign_flipped": "a flipped sign on the intercept's derivative: mean(y - p) for "
    "mean(p - y)",
    "residual_flipped": "a flipped sign: y - p for p - y in the data term",
    "extra_sigmoid_prime": "the squared-error derivative's extra p (1 - p): with cross-entropy "
    "dL/dz = p - y, sigmoid' cancels",
    "penalty_twice": "the penalty counted twice: 2 l2 w for the derivative of (l2 / 2) ||w||^2",
    "forgot_penalty": "the penalty's derivative l2 w left out",
    "penalized_intercept": "a penalized intercept: l2 b added to dL/db (the penalty is on w alone)",
    "swapped_features": "swapped features: the right numbers at the wrong coordinates",
    "float32_gradient": "a computation in float32: right formula, ~7 digits",
    "flushed_sigmoid": "a sigmoid whose tail flushes to 0 (1 - 1 / (1 + exp(z)) cancels below "
    "z ~ -37): well-classified points of label 0 vanish from the gradient",
}


# --- the learner's process --------------------------------------------------------------------


def serve(path: str, channel: Connection) -> None:
    """The learner's side, in a process of its own: load FILE, then answer each JSON request on
    `channel`. FILE's prints go nowhere (fd 1 and 2 to os.devnull); sys.exit and exceptions
    inside become answers."""
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (the process's lifetime)
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")

    def answer(message: dict[str, Any]) -> None:
        channel.send_bytes(json.dumps(message).encode())

    sys.path.append(str(Path(path).parent))  # the learner's own helper modules, after ours
    try:
        spec = importlib.util.spec_from_file_location("learner", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except SyntaxError as err:
        where = f"{path}, line {err.lineno}" if err.lineno else path
        answer({"ok": False, "message": f"{where}: SyntaxError: {err.msg}"})
        return
    except BaseException as err:
        answer({"ok": False, "message": "while loading: " + _where(err, path)})
        return
    names = [n for n in ("gradient", "loss", "hessian") if callable(getattr(module, n, None))]
    model = getattr(module, "MODEL", None)
    answer({"ok": True, "names": names, "model": model if isinstance(model, str) else None})
    while True:
        try:
            request = json.loads(channel.recv_bytes())
        except EOFError:  # the grader is done
            return
        softmax = request["model"] == "multinomial"
        X = np.array(request["X"], dtype=np.float64)
        args = (
            np.array(request["w"], dtype=np.float64),
            np.array(request["b"], dtype=np.float64) if softmax else float(request["b"]),
            X,
            np.array(request["y"], dtype=np.int64 if softmax else np.float64),
            float(request["l2"]),
        )
        # copies of what the learner is given: a function that changes its inputs in place is
        # caught by comparing them afterwards (b is a float in the binary model: immutable)
        before = [np.array(a, copy=True) for a in args[:4]]
        try:
            out = getattr(module, request["fn"])(*args)
            if softmax:
                value = _plain_softmax(request["fn"], out, args[0].shape)
            else:
                value = _plain(request["fn"], out, len(args[0]))
            changed = [
                name
                for name, old, new in zip(
                    ("W" if softmax else "w", "b", "X", "y"), before, args[:4], strict=True
                )
                if not _same_array(old, np.asarray(new))
            ]
            answer({"ok": True, "value": value, "changed": changed})
        except _Unusable as err:
            answer({"ok": False, "message": str(err)})
        except BaseException as err:
            answer({"ok": False, "message": _where(err, path)})


def _same_array(old: np.ndarray, new: np.ndarray) -> bool:
    """Equal shapes and values, NaN equal to NaN."""
    floating = old.dtype.kind == "f" and new.dtype.kind == "f"
    return old.shape == new.shape and bool(np.array_equal(old, new, equal_nan=floating))


class _Unusable(Exception):
    """A return value of the wrong kind or shape."""


def _plain(fn: str, out: Any, d: int) -> Any:
    """The learner's answer as JSON-ready lists, or _Unusable saying what was expected."""
    if fn == "gradient":
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise _Unusable(
                f"gradient must return a pair (grad_w, grad_b); got {type(out).__name__}"
                + (f" of length {len(out)}" if isinstance(out, tuple | list) else "")
            )
        gw, gb = _numbers("grad_w", out[0]), _numbers("grad_b", out[1])
        if gw.shape != (d,):
            raise _Unusable(f"gradient's grad_w must have shape (d,) = ({d},); got {gw.shape}")
        if gb.shape != ():
            raise _Unusable(
                f"gradient's grad_b must be one number (a float, a NumPy scalar or a 0-d array); "
                f"got shape {gb.shape}"
            )
        return [gw.tolist(), float(gb)]
    value = _numbers(fn, out)
    if fn == "loss":
        if value.shape != ():
            raise _Unusable(
                f"loss must return one number (a float, a NumPy scalar or a 0-d array); got "
                f"shape {value.shape}"
            )
        return float(value)
    if value.shape != (d + 1, d + 1):
        raise _Unusable(
            f"hessian must return shape (d + 1, d + 1) = ({d + 1}, {d + 1}); got {value.shape}"
        )
    return value.tolist()


def _plain_softmax(fn: str, out: Any, shape: tuple[int, ...]) -> Any:
    """The softmax answer as JSON-ready lists: (grad_W (d, K), grad_b (K,)), a float, or the
    ((d + 1) K, (d + 1) K) Hessian; else _Unusable saying what was expected."""
    d, K = shape
    if fn == "gradient":
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise _Unusable(
                f"gradient must return a pair (grad_W, grad_b); got {type(out).__name__}"
                + (f" of length {len(out)}" if isinstance(out, tuple | list) else "")
            )
        gW, gb = _numbers("grad_W", out[0]), _numbers("grad_b", out[1])
        if gW.shape != (d, K):
            raise _Unusable(
                f"gradient's grad_W must have shape (d, K) = ({d}, {K}); got {gW.shape}"
            )
        if gb.shape != (K,):
            raise _Unusable(f"gradient's grad_b must have shape (K,) = ({K},); got {gb.shape}")
        return [gW.tolist(), gb.tolist()]
    value = _numbers(fn, out)
    if fn == "loss":
        if value.shape != ():
            raise _Unusable(
                f"loss must return one number (a float, a NumPy scalar or a 0-d array); got "
                f"shape {value.shape}"
            )
        return float(value)
    m = (d + 1) * K
    if value.shape != (m, m):
        raise _Unusable(
            f"hessian must return shape ((d + 1) K, (d + 1) K) = ({m}, {m}); got {value.shape}"
        )
    return value.tolist()


def _numbers(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        raise _Unusable(f"{name} must be real numbers; got {type(value).__name__}") from None


def _where(err: BaseException, path: str) -> str:
    """'FILE, line N, in gradient: ZeroDivisionError: ...' and that line, from FILE's frames."""
    if isinstance(err, SystemExit):
        what = f"called sys.exit({err.code!r})"
    elif isinstance(err, NotImplementedError):
        what = "NotImplementedError: not written yet (fill in the TODO)"
    else:
        what = f"{type(err).__name__}: {err}"
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == path]
    if not frames:
        return what
    last = frames[-1]
    return f"{path}, line {last.lineno}, in {last.name}: {what}\n    {(last.line or '').strip()}"


class Unusable(Exception):
    """FILE cannot be graded: the message says why in a line or two."""


def _processes() -> Any:
    """Processes forked from a fork server that has imported NumPy and `manual` once: a learner's
    process starts in milliseconds, from a clean single-threaded parent. (The fork server does
    not see our sys.path, so it cannot preload this module; each process imports it, cheaply,
    with everything it imports already there.)"""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["numpy", "manual", "manual.mistakes"])
    return context


class Learner:
    """FILE in its own process, each call with a time limit."""

    def __init__(self, path: Path, model: str | None = None) -> None:
        self.path = str(path.resolve())
        context = _processes()
        self.channel, theirs = context.Pipe()
        self.proc = context.Process(target=serve, args=(self.path, theirs), daemon=True)
        # The learner's process needs nothing of our __main__ (serve lives in `grade`), but
        # multiprocessing re-runs __main__ in each new process (all of pytest, when it runs us)
        # unless its spec is named "__main__": for the time of start(), it is.
        main = sys.modules["__main__"]
        spec = getattr(main, "__spec__", None)
        main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
        try:
            self.proc.start()
        finally:
            main.__spec__ = spec
        theirs.close()
        hello = self._read(LOAD_SECONDS, "loading the file")
        self.names: list[str] = hello["names"]
        # the model: --model, else the file's MODEL = "...", else the binary one
        self.model: str = model or hello["model"] or "binary"
        if self.model not in MODELS:
            self.close()
            raise Unusable(f"{path}: MODEL must be one of {', '.join(MODELS)}; got {self.model!r}")
        if "gradient" not in self.names:
            self.close()
            args = "W, b, X, y, l2=0.0" if self.model == "multinomial" else "w, b, X, y, l2=0.0"
            raise Unusable(f"{path} defines no function gradient({args})")
        self.calls = 0
        self.changed: list[str] = []  # the arguments the last call changed in place

    def _read(self, seconds: float, doing: str) -> dict[str, Any]:
        if not self.channel.poll(seconds):
            self.close()
            raise Unusable(f"no answer within {seconds:g} s while {doing}: an endless loop?")
        try:
            message = json.loads(self.channel.recv_bytes())
        except EOFError:
            self.proc.join()
            code = self.proc.exitcode
            raise Unusable(f"the file's process ended (exit status {code}) while {doing}") from None
        if not message["ok"]:
            raise Unusable(message["message"])
        return message

    def __call__(
        self, fn: str, w: np.ndarray, b: Any, X: np.ndarray, y: np.ndarray, l2: float
    ) -> Any:
        request = {
            "fn": fn,
            "model": self.model,
            "w": w.tolist(),
            "b": np.asarray(b).tolist(),
            "X": X.tolist(),
            "y": y.tolist(),
            "l2": l2,
        }
        try:
            self.channel.send_bytes(json.dumps(request).encode())
        except OSError:  # a broken pipe: the process is gone
            raise Unusable(f"the file's process ended before {fn} was called") from None
        self.calls += 1
        n, d = len(y), len(w)
        shape = f"n = {n}, d = {d}" + (f", K = {w.shape[1]}" if w.ndim == 2 else "")
        shape += ", X 1-D" if X.ndim == 1 else ""
        message = self._read(CALL_SECONDS, f"calling {fn} on a data set with {shape}")
        self.changed = message.get("changed", [])
        return message["value"]

    def close(self) -> None:
        self.channel.close()  # the learner's process sees EOF and returns
        self.proc.join(timeout=1.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


# --- data sets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    """One data set and one point (w, b) at which to grade, with the regime it was drawn from."""

    w: np.ndarray
    b: float
    X: np.ndarray  # (n, d), or (n,) for one feature
    y: np.ndarray
    l2: float
    regime: tuple[str, ...] = field(default=())
    # what `make` drew it from, for a larger data set of the same regime (None: not drawn)
    settings: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def X2(self) -> np.ndarray:
        return self.X.reshape(len(self.y), -1)

    def describe(self, digits: int | None = None) -> str:
        n, d = self.X2.shape
        lines = [f"n = {n}, d = {d}, l2 = {self.l2!r}, regime: {', '.join(self.regime) or 'plain'}"]
        if n * d <= 40:
            lines.append(f"X = {_show(self.X, digits)}")
            lines.append(f"y = {_show(self.y, digits)}")
        b = self.b if digits is None else round(self.b, digits)
        lines.append(f"w = {_show(self.w, digits)}, b = {b!r}")
        return "\n".join("  " + line for line in lines)


def _show(a: np.ndarray, digits: int | None = None) -> str:
    """An array as Python can read it back, every digit kept (or `digits`), rows aligned."""
    if digits is None:
        text = np.array2string(a, separator=", ", max_line_width=96, floatmode="unique")
    else:
        text = np.array2string(a, precision=digits, separator=", ", max_line_width=96)
    return text.replace("\n", "\n      ")


def make(n: int, d: int, seed: int, regime: dict[str, Any]) -> DataSet:
    """A data set from a seed and a regime; every value from NumPy's generator."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.asarray(regime["exponents"][:d], dtype=np.float64)
    X = rng.standard_normal((n, d)) * scales
    if regime["constant"]:
        X[:, 0] = scales[0] * (1.0 + rng.random())
    w = rng.standard_normal(d) / (scales * np.sqrt(d)) * regime["logit"]
    b = float(rng.standard_normal() * regime["logit"]) if regime["intercept"] else 0.0
    labels = regime["labels"]
    if labels == "tail":
        # every point classified right by a margin beyond 37, label 0: the sigmoid's far tail
        y = np.zeros(n)
        b = -40.0 - 10 * rng.random() - float(np.max(X @ w))
    elif labels == "one class":
        y = np.full(n, float(rng.integers(0, 2)))
    else:
        y = (rng.random(n) < 0.5).astype(np.float64)
    names = [f"labels: {labels}", f"logit scale {regime['logit']:g}"]
    names += ["l2 > 0"] if regime["l2"] else []
    names += ["constant column"] if regime["constant"] else []
    names += ["scaled columns"] if any(regime["exponents"][:d]) else []
    one_d = regime["one_d"] and d == 1
    names += ["1-D X"] if one_d else []
    return DataSet(w, b, X[:, 0] if one_d else X, y, regime["l2"], tuple(names), regime)


# A larger data set of a shrunk one's regime, on which a diagnosis must hold too: at n = 1 or 2
# different mistakes look alike (a sum for a mean is a factor n = 2 there, and so is dividing by
# n - 1), and a single tail sample makes any error a "constant factor". Nine samples, three
# features (one for a 1-D X), labels mixed where the regime draws them at random; a fixed seed.
LARGER_N, LARGER_D, LARGER_SEED = 9, 3, 23


def larger(D: DataSet, **change: Any) -> DataSet | None:
    """A fixed data set of D's regime (with `change` to it), n >= 9, d >= 3 (1 for a 1-D X);
    None for a data set not drawn by `make`."""
    if D.settings is None:
        return None
    regime = {**D.settings, **change}
    n, d = D.X2.shape
    d = 1 if D.X.ndim == 1 else max(d, LARGER_D)
    L = make(max(n, LARGER_N), d, LARGER_SEED, regime)
    if regime["labels"] == "random" and np.ptp(L.y) == 0:
        L = DataSet(L.w, L.b, L.X, np.append(1 - L.y[:1], L.y[1:]), L.l2, L.regime, regime)
    return L


def strategy(fn: str = "gradient") -> Any:
    """Hypothesis draws: n in [1, 40], d in [1, 5], a seed, and the regime. Logits up to ~200 in
    size: far enough in the tail to tell an exact residual from a flushed one, short of 709, where
    exp overflows in every plain form of the sigmoid. For the loss, logits of scale 5 at most
    (|z| < ~30) on the wrong side of a label: beyond z ~ 37 the textbook log(1 - p) is log(0)."""
    from hypothesis import strategies as st

    logits = [1.0, 0.1, 5.0] if fn == "loss" else [1.0, 0.1, 5.0, 40.0]
    regime = st.fixed_dictionaries(
        {
            "labels": st.sampled_from(["random", "one class", "tail"]),
            "logit": st.sampled_from(logits),
            "l2": st.sampled_from([0.0, 0.5, 1e-3]),
            "intercept": st.booleans(),
            "constant": st.booleans(),
            "one_d": st.booleans(),
            "exponents": st.lists(st.integers(-3, 3), min_size=5, max_size=5),
        }
    )
    return st.builds(make, st.integers(1, 40), st.integers(1, 5), st.integers(0, 2**16), regime)


# --- bounds -------------------------------------------------------------------------------------


def _per_sample(D: DataSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, p (1 - p), the rounding scale of z: |X_i| @ |w| + |b|), from manual's exact sigmoid."""
    z = D.X2 @ D.w + D.b
    p = manual.sigmoid(z)
    return p, p * manual.sigmoid(-z), np.abs(D.X2) @ np.abs(D.w) + abs(D.b)


def gradient_bound(D: DataSet) -> np.ndarray:
    """How far a right gradient written plainly can be from the exact one, (d + 1,):

    LEARNER_C u [ mean_i |X1_ij| ((n + 4) (p_i + y_i) + (d + 2) p_i (1 - p_i) zscale_i)
                  + l2 |w_j| ]  + the smallest normal float
    (p - y rounds at max(p, y); z at (d + 1) u zscale_i, carried by p' = p (1 - p); the sum of
    n terms at n u of their magnitudes)."""
    n, d = D.X2.shape
    p, s, zs = _per_sample(D)
    X1 = np.column_stack([D.X2, np.ones(n)])
    per = (n + 4) * (p + D.y) + (d + 2) * s * zs
    bound = np.abs(X1).T @ per / n
    bound[:-1] += D.l2 * np.abs(D.w)
    return LEARNER_C * U * bound + np.finfo(np.float64).tiny


def loss_bound(D: DataSet) -> float:
    """LEARNER_C u mean_i (n + 4) (softplus(z_i) + |y_i z_i| + (d + 2) zscale_i + e^min(|z_i|,
    700)) + the penalty's: the textbook log(1 - p) errs by u e^|z| where 1 - p is tiny."""
    n, d = D.X2.shape
    z = D.X2 @ D.w + D.b
    _, _, zs = _per_sample(D)
    per = manual.softplus(z) + np.abs(D.y * z) + (d + 2) * zs + np.exp(np.minimum(np.abs(z), 700))
    return float(LEARNER_C * U * ((n + 4) * np.mean(per) + D.l2 * float(D.w @ D.w)))


def hessian_bound(D: DataSet) -> np.ndarray:
    """LEARNER_C u mean_i |X1_ij X1_ik| (n + 4) (p_i + (d + 2) p_i (1 - p_i) zscale_i) + l2 u:
    the textbook p (1 - p) errs by u p where 1 - p rounds."""
    n, d = D.X2.shape
    p, s, zs = _per_sample(D)
    A = np.abs(np.column_stack([D.X2, np.ones(n)]))
    per = (n + 4) * (p + (d + 2) * s * zs)
    return LEARNER_C * U * (A.T @ (A * per[:, None]) / n + D.l2) + np.finfo(np.float64).tiny


# --- grading --------------------------------------------------------------------------------


def exact(fn: str, D: DataSet) -> Any:
    if fn == "gradient":
        return np.append(*manual.gradient(D.w, D.b, D.X, D.y, D.l2))
    return getattr(manual, fn)(D.w, D.b, D.X, D.y, D.l2)


def theirs(learner: Learner, fn: str, D: DataSet) -> Any:
    value = learner(fn, D.w, D.b, D.X, D.y, D.l2)
    if fn == "gradient":
        return np.append(value[0], value[1])
    return np.asarray(value, dtype=np.float64)


def bound(fn: str, D: DataSet) -> Any:
    return {"gradient": gradient_bound, "loss": loss_bound, "hessian": hessian_bound}[fn](D)


def wrong_where(fn: str, got: Any, D: DataSet) -> np.ndarray:
    """The indices of the learner's answer beyond the bound (NaN counts as wrong)."""
    err = np.atleast_1d(np.abs(np.asarray(got) - exact(fn, D)))
    return np.argwhere(~(err <= np.broadcast_to(bound(fn, D), err.shape)))


@dataclass
class Verdict:
    status: int
    lines: list[str]


@dataclass(frozen=True)
class Model:
    """What grading one model takes: its functions, its data sets, its exact side, its verdicts."""

    module: str  # where the exact functions live, for the verdict's words
    functions: tuple[str, ...]  # graded, in this order
    strategy: Any  # fn -> a Hypothesis strategy of data sets
    theirs: Any  # (learner, fn, D) -> the learner's answer as an array
    wrong_where: Any  # (fn, answer, D) -> the indices beyond the bound
    explain_wrong: Any  # (learner, fn, D, count) -> the verdict's lines
    confirm: Any  # learner -> the lines of the twin's and check_gradient's word


def models() -> dict[str, Model]:
    return {
        "binary": Model(
            "manual",
            ("gradient", "loss", "hessian"),
            strategy,
            theirs,
            wrong_where,
            explain_wrong,
            confirm,
        ),
        "multinomial": Model(
            "manual.multinomial",
            ("gradient", "loss", "hessian"),
            softmax_strategy,
            softmax_theirs,
            softmax_wrong_where,
            softmax_explain_wrong,
            softmax_confirm,
        ),
    }


def grade(path: Path, examples: int, model: str | None = None) -> Verdict:
    """Grade FILE as `model` ("binary" or "multinomial"; None: the file's MODEL, else binary);
    never raises for anything FILE does."""
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample

    start = time.perf_counter()
    try:
        learner = Learner(path, model)
    except Unusable as err:
        return Verdict(EXIT_UNUSABLE, [f"cannot grade {path}: {err}"])
    M = models()[learner.model]
    tried: dict[str, int] = {}
    regimes: set[str] = set()
    broken: list[Unusable] = []
    try:
        for fn in [n for n in M.functions if n in learner.names]:
            tried[fn] = 0

            def is_wrong(D: Any, fn: str = fn) -> bool:
                if broken:
                    return False
                tried[fn] += 1
                regimes.update(D.regime)
                try:
                    answer = M.theirs(learner, fn, D)
                    return bool(learner.changed) or M.wrong_where(fn, answer, D).size > 0
                except Unusable as err:
                    broken.append(err)
                    return False

            rules = settings(
                parent=settings.get_profile("default"),  # whatever profile a caller loaded
                max_examples=examples,
                derandomize=True,
                # no explain phase: its report is not shown, and it costs as much as the shrinking
                phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                database=None,
                deadline=None,
                verbosity=Verbosity.quiet,
                suppress_health_check=list(HealthCheck),
            )
            try:
                D = find(M.strategy(fn), is_wrong, settings=rules)
            except NoSuchExample:
                if broken:
                    raise broken[0] from None
                continue
            if broken:
                raise broken[0]
            M.theirs(learner, fn, D)
            if learner.changed:
                return Verdict(EXIT_WRONG, changes_in_place(fn, learner.changed, D, tried[fn]))
            return Verdict(EXIT_WRONG, M.explain_wrong(learner, fn, D, tried[fn]))
        lines = [f"right on every data set tried ({time.perf_counter() - start:.1f} s):"]
        for name, count in tried.items():
            lines.append(
                f"  {name}: {count} data sets drawn by Hypothesis, against {M.module}.{name}"
            )
        lines.append("  regimes: " + ", ".join(sorted(regimes)))
        lines += M.confirm(learner)
        return Verdict(EXIT_RIGHT, lines)
    except Unusable as err:
        return Verdict(EXIT_UNUSABLE, [f"cannot grade {path}: {err}"])
    finally:
        learner.close()


def changes_in_place(fn: str, changed: list[str], D: Any, count: int) -> list[str]:
    """The verdict on a function that changes its arguments: whatever it returns, its caller's
    arrays are not what they were (an optimizer calls it again with the y it passed)."""
    names = " and ".join(changed)
    return [
        f"WRONG: your {fn} changes {names} in place: after the call the caller's {names} "
        f"{'is' if len(changed) == 1 else 'are'} not what was passed; the smallest data set "
        f"found ({count} tried, shrinking included):",
        D.describe(),
        f"  a {fn} must leave its arguments as it found them: write r = p - y rather than "
        "y -= p (or work on a copy, y = np.array(y, dtype=float))",
    ]


def probes() -> list[DataSet]:
    """Fixed data sets on which a gallery mistake must match the learner to be named: a plain one
    with l2 > 0 and three features, one in the sigmoid's far tail (label 0)."""
    base = {
        "logit": 1.0,
        "intercept": True,
        "constant": False,
        "one_d": False,
        "exponents": [0] * 5,
    }
    return [
        make(7, 3, 11, {**base, "labels": "random", "l2": 0.5}),
        make(6, 2, 12, {**base, "labels": "tail", "l2": 0.0, "logit": 5.0}),
    ]


def name_the_mistake(learner: Learner, D: DataSet) -> str | None:
    """The gallery mistake that gives the learner's gradient on D, on a larger data set of its
    regime and on every probe, if any."""
    L = larger(D)
    sets = [D, *([L] if L is not None else []), *probes()]
    answers = [theirs(learner, "gradient", S) for S in sets]
    for mistake in GALLERY:
        if mistake.name == "float32_gradient":
            continue  # no exact match: told apart by the size of the error below
        if all(
            np.all(
                np.abs(got - np.append(*mistake.gradient(S.w, S.b, S.X, S.y, S.l2)))
                <= 4 * gradient_bound(S)
            )
            for got, S in zip(answers, sets, strict=True)
        ):
            return mistake.name
    errors = [
        np.abs(got - exact("gradient", S)) / (gradient_bound(S) / (LEARNER_C * U))
        for got, S in zip(answers, sets, strict=True)
    ]
    worst = max(float(np.max(e)) for e in errors)
    if worst <= F32_RELATIVE and worst > 0:
        return "float32_gradient"
    return None


def explain_wrong(learner: Learner, fn: str, D: DataSet, count: int) -> list[str]:
    got = theirs(learner, fn, D)
    right = exact(fn, D)
    where = wrong_where(fn, got, D)
    lines = [
        f"WRONG: {fn} disagrees with manual.{fn}; the smallest data set found "
        f"({count} tried, shrinking included):"
    ]
    if not np.all(np.isfinite(got)):
        lines[0] += f" your {fn} returns NaN or inf there"

    lines.append(D.describe())
    lines.append(f"  yours:  {_show(np.asarray(got))}")
    lines.append(f"  right:  {_show(np.asarray(right))}")
    if fn == "gradient":
        d = D.X2.shape[1]
        labels = [f"w_{i + 1}" for i in range(d)] + ["b"]
        coords = sorted({int(i) for i in where.ravel()})
        lines.append("  wrong coordinates: " + ", ".join(f"{i} ({labels[i]})" for i in coords))
        twin = reference_gradient(D)
        if twin is not None:
            gap = float(np.max(np.abs(twin - right)))
            lines.append(f"  the JAX twin (autodiff) agrees with manual to {gap:.1e}")
        # the learner's process may end or hang on the probes: the verdict stands
        with contextlib.suppress(Unusable):
            lines += diagnose(learner, D)
    elif fn == "hessian":
        pairs = [(int(i), int(j)) for i, j in where]
        lines.append(f"  wrong entries: {pairs[:12]}")
        twin_h = reference_hessian(D)
        if twin_h is not None:
            gap = float(np.max(np.abs(twin_h - right)))
            lines.append(f"  the JAX twin (autodiff) agrees with manual to {gap:.1e}")

        def g(t: np.ndarray) -> np.ndarray:
            return np.append(*manual.gradient(t[:-1], float(t[-1]), D.X, D.y, D.l2))

        def h(t: np.ndarray) -> np.ndarray:
            return theirs(learner, "hessian", DataSet(t[:-1], float(t[-1]), D.X, D.y, D.l2))

        d = len(D.w)
        intercept = np.zeros((d + 1, d + 1))
        intercept[d, d] = D.l2
        penalty = np.diag(np.append(np.full(d, D.l2), 0.0))
        terms = {"l2 on the intercept's diagonal": intercept, "l2 on w's diagonal": penalty}
        try:
            report = manual.check_hessian(
                g, h, np.append(D.w, D.b), n_samples=len(D.y), candidates=terms if D.l2 else None
            )
            lines.append(f"  check_hessian: {report.diagnosis}")
        except Unusable:
            pass
    return lines


def diagnose(learner: Learner, D: DataSet) -> list[str]:
    """The verdict's diagnosis of a wrong gradient on D. A gallery mistake is named, and a
    pattern of check_gradient called sure, only when it holds on D and on a larger data set of
    D's regime too; else both data sets' words are given, and where the learner is right at
    moderate logits but wrong in the sigmoid's tail, that is said."""
    lines = []
    name = name_the_mistake(learner, D)
    if name:
        lines.append(f"  the mistake: {WORDS[name]} (gallery: manual.mistakes.{name})")
    L = larger(D)
    report = finite_differences(learner, D)
    report_L = finite_differences(learner, L) if L is not None and report is not None else None
    n_minus_1 = (
        name is None
        and L is not None
        and divided_by_n_minus_1(
            [D, L],
            lambda S: theirs(learner, "gradient", S),
            lambda S: exact("gradient", S),
            lambda S: np.append(S.l2 * S.w, 0.0),
            gradient_bound,
        )
    )
    if n_minus_1 and L is not None:
        lines.append(n_minus_1_words(len(D.y), len(L.y)))
    if report is not None:
        found = report.wrong_coordinates.tolist()
        shape = None if L is None else "n = {}, d = {}".format(*L.X2.shape)
        lines.append(
            f"  check_gradient: wrong coordinates {found}; {confirmed(report, report_L, shape)}"
        )
    if name is None and not n_minus_1:
        hint = tail_hint(learner, D)
        if hint:
            lines.append(hint)
    return lines


def n_minus_1_words(n: int, n_larger: int) -> str:
    return (
        "  the mistake: a division by n - 1 instead of n: the data term n / (n - 1) times too "
        f"large (sure: {n} / {n - 1} here, {n_larger} / {n_larger - 1} on a larger data set of "
        "the same regime)"
    )


def confirmed(report: Any, report_L: Any, shape: str | None) -> str:
    """check_gradient's diagnosis on the shrunk data set, kept as it is (sure included) where the
    same pattern holds on the larger data set of its regime (`report_L`, of that `shape`), read
    as a plain constant where it is the same factor there but read as n on one of them only
    (2 at n = 2), else given as this data set's alone, not sure, beside the larger one's."""
    words = report.diagnosis
    if report.passed or shape is None or not re.search(r"\((sure|likely)", words):
        return words  # no pattern claimed: nothing to confirm
    if report_L is None:
        return f"{_bare(words)} on this data set (not sure: a larger one could not be checked)"
    if _pattern(report_L.diagnosis) == _pattern(words):
        return words
    factor = _factor(words)
    if factor is not None and factor == _factor(report_L.diagnosis):
        return (
            f"{_core(report_L.diagnosis)} (sure: the same factor here and on a larger data set "
            f"of the same regime, {shape})"
        )
    there = (
        "check_gradient finds no mistake there: the mistake is particular to this data set "
        "(its n, d or shape)"
        if report_L.passed
        else f"check_gradient there: {_core(report_L.diagnosis)}"
    )
    return (
        f"{_bare(words)} on this data set, but not on a larger one of the same regime "
        f"({shape}): not sure; {there}"
    )


def _core(diagnosis: str) -> str:
    """A check_gradient diagnosis without its "(sure: ...)" or "(likely: ...)"."""
    return re.sub(r" \((sure|likely)[^()]*\)", "", diagnosis)


def _bare(diagnosis: str) -> str:
    """A diagnosis not confirmed, without the reading of its factor: a factor n = 2 at n = 2 is
    not shown to be a sum instead of a mean, so "a constant factor 2"."""
    core = re.sub(r"constant factor n = (\d+) \([^()]*\)", r"constant factor \1", _core(diagnosis))
    core = re.sub(r"constant factor 1/n = (1/\d+) \([^()]*\)", r"constant factor \1", core)
    return re.sub(
        r"constant factor (\S+) \((an integer|a 1/2|a 2 dropped)[^()]*\)",
        r"constant factor \1",
        core,
    )


def _factor(diagnosis: str) -> tuple[str, str] | None:
    """(the factor, the term left right) of a constant-factor diagnosis whose reading differs on
    the two data sets ("n = 2" on one, "2" on the other); None for any other diagnosis or where
    the readings agree."""
    found = re.match(r"a constant factor (n = |1/n = )?(\S+)", diagnosis)
    if found is None:
        return None
    beside = re.search(r" on all but the term '[^']*'", diagnosis)
    return found.group(2), beside.group(0) if beside else ""


def _pattern(diagnosis: str) -> str:
    """A diagnosis in words that do not depend on n or d: "n = 9" read "n", coordinate lists and
    pairs dropped, so that the same mistake on two data sets gives the same pattern."""
    core = re.sub(r"1/n = 1/\d+", "1/n", _core(diagnosis))
    core = re.sub(r"n = \d+", "n", core)
    core = re.sub(r"\[[^\]]*\]", "[...]", core)
    core = re.sub(r" \(relative [^()]*\)", "", core)
    core = re.sub(r"\d+ of \d+ coordinates", "k of m coordinates", core)
    return re.sub(r"\d+ <-> \d+", "i <-> j", core)


def divided_by_n_minus_1(sets: list[Any], got: Any, right: Any, penalty: Any, bound: Any) -> bool:
    """Whether the learner's gradient `got(S)` is the right one's data term times n / (n - 1)
    (its penalty `penalty(S)` right) on every data set S of `sets`, within 4 `bound(S)`."""
    for S in sets:
        n = len(S.y)
        if n < 2:
            return False
        want = (right(S) - penalty(S)) * n / (n - 1) + penalty(S)
        if not np.all(np.abs(got(S) - want) <= 4 * bound(S)):
            return False
    return True


# the sigmoid's tail: beyond |z| = 20, p or 1 - p is below e^-20 ~ 2e-9, where a sigmoid that
# clips z, forms 1 - p or lets exp underflow is off while it is right at moderate logits
TAIL_LOGIT = 20.0


def tail_hint(learner: Learner, D: DataSet) -> str | None:
    """Where D's logits reach the tail and the learner is right at moderate logits (on the first
    probe and on a larger data set of D's regime at logit scale 1, labels at random): a line
    pointing at the sigmoid's tail; else None."""
    top = float(np.max(np.abs(D.X2 @ D.w + D.b)))
    if top < TAIL_LOGIT:
        return None
    moderate = [probes()[0], larger(D, labels="random", logit=1.0)]
    for S in moderate:
        if S is None or wrong_where("gradient", theirs(learner, "gradient", S), S).size:
            return None
    return (
        f"  where: right at moderate logits, wrong here where |z| reaches {top:.3g}: the sigmoid's "
        f"far tail, where p or 1 - p is below e^-{TAIL_LOGIT:g} (as in manual.mistakes."
        "flushed_sigmoid): clipping z, forming 1 - p or a flushed exp loses it; p = exp(-softplus"
        "(-z)), or 1 / (1 + exp(-z)) for z >= 0 and exp(z) / (1 + exp(z)) below, is exact there"
    )


def candidates(D: DataSet) -> dict[str, np.ndarray]:
    n = len(D.y)
    data_w, data_b = manual.gradient(D.w, D.b, D.X, D.y, 0.0)
    return {
        "l2 * w (the penalty's derivative)": D.l2 * np.append(D.w, 0.0),
        "l2 * b (a penalty on the intercept)": D.l2 * np.append(np.zeros_like(D.w), D.b),
        "X.T @ (p - y) / n (the data term)": np.append(data_w, data_b)
        if n > 1
        else np.zeros(len(D.w) + 1),
    }


def finite_differences(learner: Learner, D: DataSet) -> Any:
    """check_gradient on D: manual.loss differenced, against the learner's gradient."""
    theta = np.append(D.w, D.b)

    def f(t: np.ndarray) -> float:
        return manual.loss(t[:-1], float(t[-1]), D.X, D.y, D.l2)

    def g(t: np.ndarray) -> np.ndarray:
        return theirs(learner, "gradient", DataSet(t[:-1], float(t[-1]), D.X, D.y, D.l2))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return manual.check_gradient(f, g, theta, candidates=candidates(D), n_samples=len(D.y))
    except ValueError:
        return None  # a loss that cannot be differenced there (overflow): the exact answer stands


def reference_gradient(D: DataSet) -> np.ndarray | None:
    try:
        import reference
    except ImportError:
        return None
    return np.append(*[np.asarray(v) for v in reference.gradient(D.w, D.b, D.X, D.y, D.l2)])


def reference_hessian(D: DataSet) -> np.ndarray | None:
    try:
        import reference
    except ImportError:
        return None
    return np.asarray(reference.hessian(D.w, D.b, D.X, D.y, D.l2), dtype=np.float64)


def confirm(learner: Learner) -> list[str]:
    """On the fixed probes: the JAX twin's and check_gradient's word too."""
    lines = []
    for D in probes()[:1]:
        mine = theirs(learner, "gradient", D)
        twin = reference_gradient(D)
        if twin is not None:
            gap = float(np.max(np.abs(mine - twin)))
            lines.append(f"  the JAX twin (autodiff) on a fixed data set: agrees to {gap:.1e}")
        report = finite_differences(learner, D)
        if report is not None:
            lines.append(f"  check_gradient on it: {report.summary().splitlines()[0]}")
    return lines


# --- softmax regression: MODEL = "multinomial" -----------------------------------------------
# The learner's file defines gradient(W, b, X, y, l2=0.0) -> (grad_W (d, K), grad_b (K,)) (and
# may define loss -> a float and hessian -> ((d + 1) K, (d + 1) K) in the order of theta =
# np.vstack([W, b]).ravel()); y holds integer labels in 0..K-1.

SOFTMAX_WORDS = {
    "no_max_subtraction": "no max subtraction: exp(z) overflows past z ~ 709 and inf / inf is NaN; "
    "softmax(z) = softmax(z - max_k z_k), so subtract the max first",
    "jacobian_diagonal_only": "the softmax Jacobian's diagonal only: dl/dz = -(1 - p_y) e_y, the "
    "-p_y p_k off the diagonal lost (with it, dl/dz = p - e_y)",
    "flattened_class_major": "W flattened in the other order: class k's d + 1 entries read back as "
    "feature j's K entries (right numbers, wrong places)",
    "redundant_class_dropped": "the redundant class dropped from the gradient (its column set to "
    "0) while the loss still moves it",
    "redundant_class_unpenalized": "the redundant class left out of the penalty's derivative: l2 W "
    "of the last class forgotten while the loss penalizes all K",
}
# logits shifted by a common constant past exp's overflow at 709: the same probabilities, and a
# softmax without the max subtraction gives inf / inf
SHIFT = 800.0


@dataclass(frozen=True)
class SoftmaxSet:
    """One softmax data set and the point (W, b) at which to grade, with its regime."""

    W: np.ndarray  # (d, K)
    b: np.ndarray  # (K,)
    X: np.ndarray  # (n, d), or (n,) for one feature
    y: np.ndarray  # (n,) integer labels in 0..K-1
    l2: float
    regime: tuple[str, ...] = field(default=())
    # what `make_softmax` drew it from (None: not drawn)
    settings: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def X2(self) -> np.ndarray:
        return self.X.reshape(len(self.y), -1)

    @property
    def theta(self) -> np.ndarray:
        return np.vstack([self.W, self.b]).ravel()

    def at(self, theta: np.ndarray) -> SoftmaxSet:
        coef = theta.reshape(self.W.shape[0] + 1, self.W.shape[1])
        return SoftmaxSet(coef[:-1], coef[-1], self.X, self.y, self.l2, self.regime, self.settings)

    def describe(self, digits: int | None = None) -> str:
        n, d = self.X2.shape
        K = self.W.shape[1]
        regime = ", ".join(self.regime) or "plain"
        lines = [f"n = {n}, d = {d}, K = {K}, l2 = {self.l2!r}, regime: {regime}"]
        if n * d <= 40:
            lines.append(f"X = {_show(self.X, digits)}")
            lines.append(f"y = {_show(self.y)}")
        lines.append(f"W = {_show(self.W, digits)}")
        lines.append(f"b = {_show(self.b, digits)}")
        return "\n".join("  " + line for line in lines)


def make_softmax(n: int, d: int, K: int, seed: int, regime: dict[str, Any]) -> SoftmaxSet:
    """A softmax data set from a seed and a regime; every value from NumPy's generator."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.asarray(regime["exponents"][:d], dtype=np.float64)
    X = rng.standard_normal((n, d)) * scales
    if regime["constant"]:
        X[:, 0] = scales[0] * (1.0 + rng.random())
    W = rng.standard_normal((d, K)) / (scales[:, None] * np.sqrt(d)) * regime["logit"]
    b = rng.standard_normal(K) * regime["logit"] if regime["intercept"] else np.zeros(K)
    labels = regime["labels"]
    if labels == "tail":
        # one class c wins every point by a margin beyond 37: -log p_c ~ e^-40, p_k ~ e^-40
        c = int(rng.integers(0, K))
        y = np.full(n, c)
        Z = X @ W + b
        rival = float(np.max(np.delete(Z, c, axis=1).max(axis=1) - Z[:, c]))
        b[c] += 40.0 + 10 * rng.random() + rival
    elif labels == "one class":
        y = np.full(n, int(rng.integers(0, K)))
    elif labels == "class absent":
        y = rng.integers(0, K - 1, n)  # class K - 1 never seen
    else:
        y = rng.integers(0, K, n)
    names = [f"labels: {labels}", f"logit scale {regime['logit']:g}"]
    if regime["shift"]:
        b = b + SHIFT
        names.append(f"logits shifted by {SHIFT:g}")
    names += ["l2 > 0"] if regime["l2"] else []
    names += ["constant column"] if regime["constant"] else []
    names += ["scaled columns"] if any(regime["exponents"][:d]) else []
    one_d = regime["one_d"] and d == 1
    names += ["1-D X"] if one_d else []
    return SoftmaxSet(W, b, X[:, 0] if one_d else X, y, regime["l2"], tuple(names), regime)


def softmax_larger(D: SoftmaxSet) -> SoftmaxSet | None:
    """As `larger`: a fixed data set of D's regime and K, n >= 9, d >= 3 (1 for a 1-D X), labels
    of at least two classes where they are drawn at random."""
    if D.settings is None:
        return None
    n, d = D.X2.shape
    d = 1 if D.X.ndim == 1 else max(d, LARGER_D)
    K = D.W.shape[1]
    L = make_softmax(max(n, LARGER_N), d, K, LARGER_SEED, D.settings)
    if D.settings["labels"] == "random" and np.ptp(L.y) == 0:
        y = L.y.copy()
        y[0] = (y[0] + 1) % K
        L = SoftmaxSet(L.W, L.b, L.X, y, L.l2, L.regime, L.settings)
    return L


def softmax_strategy(fn: str = "gradient") -> Any:
    """Hypothesis draws: n in [1, 40], d in [1, 5], K in [2, 5], a seed, and the regime (the
    binary one's, plus a class absent from y and every logit shifted by 800)."""
    from hypothesis import strategies as st

    regime = st.fixed_dictionaries(
        {
            "labels": st.sampled_from(["random", "tail", "one class", "class absent"]),
            "logit": st.sampled_from([1.0, 0.1, 5.0, 40.0]),
            "l2": st.sampled_from([0.0, 0.5, 1e-3]),
            "intercept": st.booleans(),
            "constant": st.booleans(),
            "one_d": st.booleans(),
            "shift": st.booleans(),
            "exponents": st.lists(st.integers(-3, 3), min_size=5, max_size=5),
        }
    )
    return st.builds(
        make_softmax,
        st.integers(1, 40),
        st.integers(1, 5),
        st.integers(2, 5),
        st.integers(0, 2**16),
        regime,
    )


def _softmax_per_sample(D: SoftmaxSet) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(P, Y one-hot, P_k sum_{j != k} P_j, the rounding scale of the logits: max_k |X_i| @
    |W_k| + |b_k|), from manual's exact softmax."""
    K = D.W.shape[1]
    P = manual.multinomial.softmax(D.X2 @ D.W + D.b)
    Y = np.eye(K)[D.y]
    S = P * (P @ (np.ones((K, K)) - np.eye(K)))
    zs = np.max(np.abs(D.X2) @ np.abs(D.W) + np.abs(D.b), axis=1)
    return P, Y, S, zs


def softmax_gradient_bound(D: SoftmaxSet) -> np.ndarray:
    """How far a right softmax gradient written plainly can be from the exact one, (d + 1, K):

    LEARNER_C u [ mean_i |X1_ij| ((n + K + 4) (P_ik + Y_ik) + (d + 4) K P_ik (1 - P_ik) zscale_i)
                  + l2 |W_jk| ]  + the smallest normal float
    (P - Y rounds at max(P, Y), the softmax's sum of K terms at K u; a logit's rounding dz moves
    p_k by p_k (dz_k - sum_j p_j dz_j), at most 2 p_k (1 - p_k) max|dz|, and exp(z_k - z_m) of a
    rounded difference by p_k |z_k - z_m| u <= K p_k (1 - p_k) 2 zscale u for k not the largest;
    the sum of n terms at n u of their magnitudes)."""
    n, d = D.X2.shape
    K = D.W.shape[1]
    P, Y, S, zs = _softmax_per_sample(D)
    X1 = np.column_stack([D.X2, np.ones(n)])
    per = (n + K + 4) * (P + Y) + (d + 4) * K * S * zs[:, None]
    bound = np.abs(X1).T @ per / n
    bound[:-1] += D.l2 * np.abs(D.W)
    return LEARNER_C * U * bound + np.finfo(np.float64).tiny


def softmax_loss_bound(D: SoftmaxSet) -> float:
    """LEARNER_C u [(n + K + 4) mean_i (-log p_{y_i} + (d + 4) (zscale_i + |z_i,y_i|)) + l2
    ||W||^2]: logsumexp(z) - z_y cancels at the size of the logits."""
    n, d = D.X2.shape
    K = D.W.shape[1]
    _, _, _, zs = _softmax_per_sample(D)
    Z = D.X2 @ D.W + D.b
    nll = -manual.multinomial.log_softmax(Z)[np.arange(n), D.y]
    per = nll + (d + 4) * (zs + np.abs(Z[np.arange(n), D.y]))
    return float(LEARNER_C * U * ((n + K + 4) * np.mean(per) + D.l2 * float(np.sum(D.W**2))))


def softmax_hessian_bound(D: SoftmaxSet) -> np.ndarray:
    """LEARNER_C u mean_i |x1_i x1_i^T| kron (n + K + 4) (max(P_ik, P_il) + (d + 4) K (S_ik +
    S_il) zscale_i) + l2 u, ((d + 1) K, (d + 1) K): the textbook diag(p) - p p^T errs by u p_k
    where 1 - p_k rounds, and each p carries the rounding of the logits as in the gradient."""
    n, d = D.X2.shape
    K = D.W.shape[1]
    P, _, S, zs = _softmax_per_sample(D)
    A = np.abs(np.column_stack([D.X2, np.ones(n)]))
    per = (n + K + 4) * (
        np.maximum(P[:, :, None], P[:, None, :])
        + (d + 4) * K * (S[:, :, None] + S[:, None, :]) * zs[:, None, None]
    )
    m = (d + 1) * K
    block = np.einsum("ij,il,ikm->jklm", A, A, per).reshape(m, m) / n
    return LEARNER_C * U * (block + D.l2) + np.finfo(np.float64).tiny


def softmax_exact(fn: str, D: SoftmaxSet) -> Any:
    mm = manual.multinomial
    if fn == "gradient":
        return np.vstack(mm.gradient(D.W, D.b, D.X, D.y, D.l2))
    return getattr(mm, fn)(D.W, D.b, D.X, D.y, D.l2)


def softmax_theirs(learner: Learner, fn: str, D: SoftmaxSet) -> Any:
    """The learner's answer; the gradient as [grad_W; grad_b], (d + 1, K)."""
    value = learner(fn, D.W, D.b, D.X, D.y, D.l2)
    if fn == "gradient":
        return np.vstack([np.asarray(value[0]), np.asarray(value[1])])
    return np.asarray(value, dtype=np.float64)


def softmax_bound(fn: str, D: SoftmaxSet) -> Any:
    bounds = {
        "gradient": softmax_gradient_bound,
        "loss": softmax_loss_bound,
        "hessian": softmax_hessian_bound,
    }
    return bounds[fn](D)


def softmax_wrong_where(fn: str, got: Any, D: SoftmaxSet) -> np.ndarray:
    """The indices of the learner's answer beyond the bound (NaN counts as wrong)."""
    err = np.atleast_1d(np.abs(np.asarray(got) - softmax_exact(fn, D)))
    return np.argwhere(~(err <= np.broadcast_to(softmax_bound(fn, D), err.shape)))


def softmax_probes() -> list[SoftmaxSet]:
    """Fixed data sets on which a gallery mistake must match the learner to be named: K = 3 with
    l2 > 0, three features and every class present; K = 4 in the far tail of one class."""
    base = {
        "logit": 1.0,
        "intercept": True,
        "constant": False,
        "one_d": False,
        "shift": False,
        "exponents": [0] * 5,
    }
    return [
        make_softmax(9, 3, 3, 11, {**base, "labels": "random", "l2": 0.5}),
        make_softmax(6, 2, 4, 12, {**base, "labels": "tail", "l2": 0.0, "logit": 5.0}),
    ]


def _same_answer(got: np.ndarray, want: np.ndarray, bound: np.ndarray) -> bool:
    """got is want within the bound; a NaN or inf in want asks for one in got, the finite entries
    of both agreeing."""
    bad_got, bad_want = ~np.isfinite(got), ~np.isfinite(want)
    if not bad_want.any():
        return bool(not bad_got.any() and np.all(np.abs(got - want) <= bound))
    both = ~(bad_got | bad_want)
    return bool(bad_got.any() and np.all(np.abs(got - want)[both] <= bound[both]))


def softmax_name_the_mistake(learner: Learner, D: SoftmaxSet) -> str | None:
    """The softmax gallery mistake that gives the learner's gradient on D and on every probe."""
    from manual.multinomial_mistakes import GALLERY as SOFTMAX_GALLERY

    L = softmax_larger(D)
    sets = [D, *([L] if L is not None else []), *softmax_probes()]
    answers = [softmax_theirs(learner, "gradient", S) for S in sets]
    for mistake in SOFTMAX_GALLERY:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wants = [np.vstack(mistake.gradient(S.W, S.b, S.X, S.y, S.l2)) for S in sets]
        if all(
            _same_answer(got, want, 4 * softmax_gradient_bound(S))
            for got, want, S in zip(answers, wants, sets, strict=True)
        ):
            return mistake.name
    return None


def softmax_candidates(D: SoftmaxSet) -> dict[str, np.ndarray]:
    zeros = np.zeros_like(D.W)
    last = zeros.copy()
    last[:, -1] = D.W[:, -1]
    data_W, data_b = manual.multinomial.gradient(D.W, D.b, D.X, D.y, 0.0)
    K = D.W.shape[1]
    return {
        "l2 * W (the penalty's derivative)": D.l2 * np.vstack([D.W, np.zeros(K)]).ravel(),
        "l2 * W[:, -1] (the last class's penalty)": D.l2 * np.vstack([last, np.zeros(K)]).ravel(),
        "X.T @ (P - Y) / n (the data term)": np.vstack([data_W, data_b]).ravel()
        if len(D.y) > 1
        else np.zeros(D.theta.shape),
    }


def softmax_finite_differences(learner: Learner, D: SoftmaxSet) -> Any:
    """check_gradient on D: manual.multinomial.loss differenced, against the learner's gradient,
    on theta = np.vstack([W, b]).ravel()."""

    def f(t: np.ndarray) -> float:
        S = D.at(t)
        return manual.multinomial.loss(S.W, S.b, S.X, S.y, S.l2)

    def g(t: np.ndarray) -> np.ndarray:
        return softmax_theirs(learner, "gradient", D.at(t)).ravel()

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return manual.check_gradient(
                f, g, D.theta, candidates=softmax_candidates(D), n_samples=len(D.y)
            )
    except ValueError:
        return None  # a NaN gradient, or a loss that cannot be differenced there


def softmax_reference(fn: str, D: SoftmaxSet) -> np.ndarray | None:
    try:
        from reference import multinomial as rm
    except ImportError:
        return None
    if fn == "gradient":
        return np.vstack([np.asarray(v) for v in rm.gradient(D.W, D.b, D.X, D.y, D.l2)])
    return np.asarray(getattr(rm, fn)(D.W, D.b, D.X, D.y, D.l2), dtype=np.float64)


def softmax_coordinate(i: int, d: int, K: int) -> str:
    """theta's coordinate i, theta = np.vstack([W, b]).ravel(), as W[j, k] or b[k]."""
    j, k = divmod(i, K)
    return f"W[{j}, {k}]" if j < d else f"b[{k}]"


def softmax_explain_wrong(learner: Learner, fn: str, D: SoftmaxSet, count: int) -> list[str]:
    got = softmax_theirs(learner, fn, D)
    right = softmax_exact(fn, D)
    where = softmax_wrong_where(fn, got, D)
    lines = [
        f"WRONG: {fn} disagrees with manual.multinomial.{fn}; the smallest data set found "
        f"({count} tried, shrinking included):"
    ]
    if not np.all(np.isfinite(got)):
        lines[0] += f" your {fn} returns NaN or inf there"
    lines.append(D.describe())
    what = "[grad_W; grad_b]" if fn == "gradient" else fn
    lines.append(f"  yours {what}:  {_show(np.asarray(got))}")
    lines.append(f"  right {what}:  {_show(np.asarray(right))}")
    twin = softmax_reference(fn, D)
    d, K = D.W.shape
    if fn == "gradient":
        flat = sorted({int(i) * K + int(k) for i, k in where})
        lines.append(
            "  wrong coordinates of theta = np.vstack([W, b]).ravel(): "
            + ", ".join(f"{i} ({softmax_coordinate(i, d, K)})" for i in flat)
        )
    elif fn == "hessian":
        lines.append(f"  wrong entries: {[(int(i), int(j)) for i, j in where][:12]}")
    if twin is not None:
        gap = float(np.max(np.abs(twin - right)))
        lines.append(f"  the JAX twin (autodiff) agrees with manual to {gap:.1e}")
    if fn == "gradient":
        try:  # the learner's process may end or hang on the probes: the verdict stands
            name = softmax_name_the_mistake(learner, D)
            report = softmax_finite_differences(learner, D)
            L = softmax_larger(D)
            report_L = (
                softmax_finite_differences(learner, L)
                if L is not None and report is not None
                else None
            )
            n_minus_1 = (
                name is None
                and L is not None
                and divided_by_n_minus_1(
                    [D, L],
                    lambda S: softmax_theirs(learner, "gradient", S),
                    lambda S: softmax_exact("gradient", S),
                    lambda S: np.vstack([S.l2 * S.W, np.zeros(S.W.shape[1])]),
                    softmax_gradient_bound,
                )
            )
        except Unusable:
            name, report, report_L, L, n_minus_1 = None, None, None, None, False
        if name:
            lines.append(
                f"  the mistake: {SOFTMAX_WORDS[name]} (gallery: manual.multinomial_mistakes."
                f"{name})"
            )
        if n_minus_1 and L is not None:
            lines.append(n_minus_1_words(len(D.y), len(L.y)))
        if report is not None:
            found = report.wrong_coordinates.tolist()
            shape = (
                None if L is None else "n = {}, d = {}, K = {}".format(*L.X2.shape, L.W.shape[1])
            )
            words = confirmed(report, report_L, shape)
            lines.append(f"  check_gradient: wrong coordinates {found}; {words}")
    elif fn == "hessian":

        def g(t: np.ndarray) -> np.ndarray:
            S = D.at(t)
            return np.vstack(manual.multinomial.gradient(S.W, S.b, S.X, S.y, S.l2)).ravel()

        def h(t: np.ndarray) -> np.ndarray:
            return softmax_theirs(learner, "hessian", D.at(t))

        try:
            report = manual.check_hessian(g, h, D.theta, n_samples=len(D.y))
            lines.append(f"  check_hessian: {report.diagnosis}")
        except (Unusable, ValueError):
            pass
    return lines


def softmax_confirm(learner: Learner) -> list[str]:
    """On the first fixed probe: the JAX twin's and check_gradient's word too."""
    D = softmax_probes()[0]
    lines = []
    mine = softmax_theirs(learner, "gradient", D)
    twin = softmax_reference("gradient", D)
    if twin is not None:
        gap = float(np.max(np.abs(mine - twin)))
        lines.append(f"  the JAX twin (autodiff) on a fixed data set: agrees to {gap:.1e}")
    report = softmax_finite_differences(learner, D)
    if report is not None:
        lines.append(f"  check_gradient on it: {report.summary().splitlines()[0]}")
    return lines


# --- the quiz -----------------------------------------------------------------------------------


def quiz(number: int, answer: str | None) -> int:
    """Quiz `number` (0 to len(GALLERY) - 1 cover every gallery mistake once; numbers beyond
    wrap): one wrong gradient with its name hidden, its values against the right ones and
    check_gradient's wrong coordinates, without the diagnosis. With `answer`, confirm or not."""
    order = np.random.default_rng(0).permutation(len(GALLERY))
    mistake = GALLERY[int(order[number % len(GALLERY)])]
    D = probes()[1] if mistake.name == "flushed_sigmoid" else probes()[0]
    if answer is not None:
        if answer == mistake.name:
            print(f"right: quiz {number} is {mistake.name}: {mistake.what_went_wrong}")
            return EXIT_RIGHT
        print(f"not {answer}: look again at which coordinates differ, and by how much")
        return EXIT_WRONG
    wrong = np.append(*mistake.gradient(D.w, D.b, D.X, D.y, D.l2))
    theta = np.append(D.w, D.b)

    def f(t: np.ndarray) -> float:
        return manual.loss(t[:-1], float(t[-1]), D.X, D.y, D.l2)

    def g(t: np.ndarray) -> np.ndarray:
        return np.append(*mistake.gradient(t[:-1], float(t[-1]), D.X, D.y, D.l2))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = manual.check_gradient(f, g, theta)
    print(f"quiz {number}: a wrong gradient on this data set, theta = (w_1, ..., w_d, b):")
    print(D.describe(digits=6))
    print(f"  wrong gradient:      {_show(wrong, 10)}")
    print(f"  finite differences:  {_show(report.numeric, 10)}")
    print(f"  check_gradient: wrong coordinates {report.wrong_coordinates.tolist()}")
    print("Which mistake is it? Answer with: grade.py --quiz", number, "--answer NAME, NAME one of")
    print("  " + ", ".join(sorted(m.name for m in GALLERY)))
    return EXIT_RIGHT


def softmax_quiz(number: int, answer: str | None) -> int:
    """The softmax gallery as a quiz (`--quiz NUMBER --model multinomial`): as `quiz`, on the
    first softmax probe (every logit shifted by 800 for the missing max subtraction, which is
    right wherever exp does not overflow)."""
    from manual.multinomial_mistakes import GALLERY as SOFTMAX_GALLERY

    order = np.random.default_rng(0).permutation(len(SOFTMAX_GALLERY))
    mistake = SOFTMAX_GALLERY[int(order[number % len(SOFTMAX_GALLERY)])]
    if answer is not None:
        if answer == mistake.name:
            print(f"right: softmax quiz {number} is {mistake.name}: {mistake.what_went_wrong}")
            return EXIT_RIGHT
        print(f"not {answer}: look again at which coordinates differ, and by how much")
        return EXIT_WRONG
    D = softmax_probes()[0]
    if mistake.name == "no_max_subtraction":
        D = SoftmaxSet(
            D.W, D.b + SHIFT, D.X, D.y, D.l2, (*D.regime, f"logits shifted by {SHIFT:g}")
        )

    def f(t: np.ndarray) -> float:
        S = D.at(t)
        return manual.multinomial.loss(S.W, S.b, S.X, S.y, S.l2)

    def g(t: np.ndarray) -> np.ndarray:
        S = D.at(t)
        return np.vstack(mistake.gradient(S.W, S.b, S.X, S.y, S.l2)).ravel()

    wrong = g(D.theta).reshape(D.W.shape[0] + 1, -1)
    print(f"softmax quiz {number}: a wrong gradient on this data set, [grad_W; grad_b] (d + 1, K):")
    print(D.describe(digits=6))
    print(f"  wrong gradient:      {_show(wrong, 10)}")
    if not np.all(np.isfinite(wrong)):
        right = np.vstack(manual.multinomial.gradient(D.W, D.b, D.X, D.y, D.l2))
        print(f"  right gradient:      {_show(right, 10)}")
        print("  check_gradient: refuses a gradient that is not finite")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = manual.check_gradient(f, g, D.theta)
        print(f"  finite differences:  {_show(report.numeric.reshape(wrong.shape), 10)}")
        print(
            "  check_gradient: wrong coordinates of theta = np.vstack([W, b]).ravel() "
            f"{report.wrong_coordinates.tolist()}"
        )
    print(
        f"Which mistake is it? Answer with: grade.py --quiz {number} --model multinomial "
        "--answer NAME, NAME one of"
    )
    print("  " + ", ".join(sorted(m.name for m in SOFTMAX_GALLERY)))
    return EXIT_RIGHT


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="grade.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="the learner's Python file")
    ap.add_argument(
        "--thorough", action="store_true", help=f"{THOROUGH_EXAMPLES} data sets per function"
    )
    ap.add_argument(
        "--examples", type=int, help=f"data sets per function (default {DEFAULT_EXAMPLES})"
    )
    ap.add_argument(
        "--quiz",
        type=int,
        metavar="NUMBER",
        help="the mistakes gallery without its names: show wrong gradient NUMBER (0, 1, ...); "
        "with --model multinomial, the softmax gallery",
    )
    ap.add_argument("--answer", metavar="NAME", help="with --quiz: the mistake you diagnose")
    ap.add_argument(
        "--model",
        choices=MODELS,
        help="binary: gradient(w, b, X, y, l2=0.0) -> (grad_w (d,), grad_b float); multinomial: "
        "softmax regression, gradient(W, b, X, y, l2=0.0) -> (grad_W (d, K), grad_b (K,)), y "
        'integer labels in 0..K-1. Default: the file\'s MODEL = "binary" or "multinomial", '
        "else binary",
    )
    args = ap.parse_args(argv)
    if args.quiz is not None:
        if args.model == "multinomial":
            return softmax_quiz(args.quiz, args.answer)
        return quiz(args.quiz, args.answer)
    if args.file is None:
        ap.error("give the learner's FILE (or --quiz)")
    path = Path(args.file)
    if not path.is_file():
        print(f"cannot grade {path}: no such file", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.examples is not None and args.examples < 1:
        ap.error(f"--examples must be at least 1, got {args.examples}")
    examples = args.examples or (THOROUGH_EXAMPLES if args.thorough else DEFAULT_EXAMPLES)
    verdict = grade(path, examples, args.model)
    print(
        "\n".join(verdict.lines), file=sys.stderr if verdict.status == EXIT_UNUSABLE else sys.stdout
    )
    return verdict.status


if __name__ == "__main__":
    # run as the module `grade`, the name by which the learner's process finds `serve`
    sys.exit(importlib.import_module("grade").main())
