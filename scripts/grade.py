"""Grade a learner's own derivation of the logistic-regression gradient (and loss, Hessian).

    uv run scripts/grade.py FILE [--thorough] [--examples N]
    uv run scripts/grade.py --quiz NUMBER [--answer NAME]   # the mistakes gallery, names hidden

FILE defines `gradient(w, b, X, y, l2=0.0)` returning `(grad_w, grad_b)` (shapes (d,) and a
float); it may also define `loss(w, b, X, y, l2=0.0)` and `hessian(w, b, X, y, l2=0.0)` ((d + 1,
d + 1), parameters ordered (w_1, ..., w_d, b)), which are graded too.

FILE runs in a separate process with a time limit per call, its printing kept away from ours.
Hypothesis draws data sets from every regime (l2 > 0, one class, logits far in the sigmoid's tail,
a 1-D X for one feature, a constant column, n = 1, badly scaled columns) and compares FILE's
answers with `manual` (derived by hand, exact to a few ulps) within a bound built from the data's
scales (see `gradient_bound`); on the data set where FILE is wrong, Hypothesis shrinks to the
smallest one it finds, and the JAX twin (`reference`, autodiff) and `manual.check_gradient`
(finite differences) are asked too.

Exit status: 0 right on every data set tried (with what was tried); 1 wrong (the smallest data set,
the wrong coordinates and the mistake named when it is one of manual.mistakes.GALLERY, else
check_gradient's diagnosis); 2 FILE cannot be used (it does not load, lacks `gradient`, returns
the wrong shape, raises, hangs), in a line or two pointing at FILE's own line.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import manual
from manual.mistakes import GALLERY

EXIT_RIGHT, EXIT_WRONG, EXIT_UNUSABLE = 0, 1, 2
# u: the unit roundoff of float64. A learner's right gradient, written plainly (p = 1 / (1 +
# exp(-z)), r = p - y, a loop or X.T @ r), errs per sample by a few u of max(p, y) (p - y rounds
# at the size of its larger term), by p (1 - p) times the rounding of z (at most (d + 1) u
# (|X_i| @ |w| + |b|)), and its sum over n samples by up to n u of the sum of magnitudes. LEARNER_C
# = 64 covers the few ulps of exp, the operations between and the order of summation, with room.
U = float(np.finfo(np.float64).eps) / 2
LEARNER_C = 64.0
# A loss written as -y log(p) - (1 - y) log(1 - p) loses digits where 1 - p does: its error per
# sample grows as u e^|z| (1 - p known to u absolutely); the loss bound says so, so that a right
# textbook loss passes (it is judged where it can be judged).
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


def serve(path: str) -> None:
    """The learner's side: load FILE, then answer one JSON request a line. FILE's prints go to
    stderr (ours keep fd 1 for the answers); sys.exit and exceptions inside become answers."""
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")

    def answer(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    import importlib.util

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
    answer({"ok": True, "names": names})
    for line in sys.stdin:
        request = json.loads(line)
        X = np.array(request["X"], dtype=np.float64)
        args = (
            np.array(request["w"], dtype=np.float64),
            float(request["b"]),
            X,
            np.array(request["y"], dtype=np.float64),
            float(request["l2"]),
        )
        try:
            out = getattr(module, request["fn"])(*args)
            answer({"ok": True, "value": _plain(request["fn"], out, len(args[0]))})
        except _Unusable as err:
            answer({"ok": False, "message": str(err)})
        except BaseException as err:
            answer({"ok": False, "message": _where(err, path)})


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
        if gb.size != 1:
            raise _Unusable(f"gradient's grad_b must be one number; got shape {gb.shape}")
        return [gw.tolist(), float(gb.ravel()[0])]
    value = _numbers(fn, out)
    if fn == "loss":
        if value.size != 1:
            raise _Unusable(f"loss must return one number; got shape {value.shape}")
        return float(value.ravel()[0])
    if value.shape != (d + 1, d + 1):
        raise _Unusable(
            f"hessian must return shape (d + 1, d + 1) = ({d + 1}, {d + 1}); got {value.shape}"
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


class Learner:
    """FILE in its own process, each call with a time limit."""

    def __init__(self, path: Path) -> None:
        self.path = str(path.resolve())
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        hello = self._read(LOAD_SECONDS, "loading the file")
        self.names: list[str] = hello["names"]
        if "gradient" not in self.names:
            raise Unusable(f"{path} defines no function gradient(w, b, X, y, l2=0.0)")
        self.calls = 0

    def _read(self, seconds: float, doing: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], seconds)
        if not ready:
            self.close()
            raise Unusable(f"no answer within {seconds:g} s while {doing}: an endless loop?")
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise Unusable(f"the file's process ended (exit status {code}) while {doing}")
        message = json.loads(line)
        if not message["ok"]:
            raise Unusable(message["message"])
        return message

    def __call__(
        self, fn: str, w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray, l2: float
    ) -> Any:
        assert self.proc.stdin is not None
        request = {"fn": fn, "w": w.tolist(), "b": b, "X": X.tolist(), "y": y.tolist(), "l2": l2}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise Unusable(f"the file's process ended before {fn} was called") from None
        self.calls += 1
        n, d = len(y), len(w)
        shape = f"n = {n}, d = {d}" + (", X 1-D" if X.ndim == 1 else "")
        return self._read(CALL_SECONDS, f"calling {fn} on a data set with {shape}")["value"]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


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
    return DataSet(w, b, X[:, 0] if one_d else X, y, regime["l2"], tuple(names))


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


def grade(path: Path, examples: int) -> Verdict:
    """Grade FILE; never raises for anything FILE does."""
    from hypothesis import HealthCheck, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample

    start = time.perf_counter()
    try:
        learner = Learner(path)
    except Unusable as err:
        return Verdict(EXIT_UNUSABLE, [f"cannot grade {path}: {err}"])
    tried: dict[str, int] = {}
    regimes: set[str] = set()
    broken: list[Unusable] = []
    try:
        for fn in [n for n in ("gradient", "loss", "hessian") if n in learner.names]:
            tried[fn] = 0

            def is_wrong(D: DataSet, fn: str = fn) -> bool:
                if broken:
                    return False
                tried[fn] += 1
                regimes.update(D.regime)
                try:
                    return wrong_where(fn, theirs(learner, fn, D), D).size > 0
                except Unusable as err:
                    broken.append(err)
                    return False

            rules = settings(
                parent=settings.get_profile("default"),  # whatever profile a caller loaded
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                verbosity=Verbosity.quiet,
                suppress_health_check=list(HealthCheck),
            )
            try:
                D = find(strategy(fn), is_wrong, settings=rules)
            except NoSuchExample:
                if broken:
                    raise broken[0] from None
                continue
            if broken:
                raise broken[0]
            return Verdict(EXIT_WRONG, explain_wrong(learner, fn, D, tried[fn]))
        lines = [f"right on every data set tried ({time.perf_counter() - start:.1f} s):"]
        for name, count in tried.items():
            lines.append(f"  {name}: {count} data sets drawn by Hypothesis, against manual.{name}")
        lines.append("  regimes: " + ", ".join(sorted(regimes)))
        lines += confirm(learner)
        return Verdict(EXIT_RIGHT, lines)
    except Unusable as err:
        return Verdict(EXIT_UNUSABLE, [f"cannot grade {path}: {err}"])
    finally:
        learner.close()


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
    """The gallery mistake that gives the learner's gradient on D and on every probe, if any."""
    sets = [D, *probes()]
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
        name = name_the_mistake(learner, D)
        report = finite_differences(learner, D)
        if name:
            lines.append(f"  the mistake: {WORDS[name]} (gallery: manual.mistakes.{name})")
        if report is not None:
            found = report.wrong_coordinates.tolist()
            lines.append(f"  check_gradient: wrong coordinates {found}; {report.diagnosis}")
    elif fn == "hessian":
        pairs = [(int(i), int(j)) for i, j in where]
        lines.append(f"  wrong entries: {pairs[:12]}")
        g = lambda t: np.append(*manual.gradient(t[:-1], float(t[-1]), D.X, D.y, D.l2))  # noqa: E731
        h = lambda t: theirs(learner, "hessian", DataSet(t[:-1], float(t[-1]), D.X, D.y, D.l2))  # noqa: E731
        d = len(D.w)
        intercept = np.zeros((d + 1, d + 1))
        intercept[d, d] = D.l2
        penalty = np.diag(np.append(np.full(d, D.l2), 0.0))
        terms = {"l2 on the intercept's diagonal": intercept, "l2 on w's diagonal": penalty}
        report = manual.check_hessian(
            g, h, np.append(D.w, D.b), n_samples=len(D.y), candidates=terms if D.l2 else None
        )
        lines.append(f"  check_hessian: {report.diagnosis}")
    return lines


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
        help="the mistakes gallery without its names: show wrong gradient NUMBER (0, 1, ...)",
    )
    ap.add_argument("--answer", metavar="NAME", help="with --quiz: the mistake you diagnose")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if args.quiz is not None:
        return quiz(args.quiz, args.answer)
    if args.file is None:
        ap.error("give the learner's FILE (or --quiz)")
    path = Path(args.file)
    if not path.is_file():
        print(f"cannot grade {path}: no such file", file=sys.stderr)
        return EXIT_UNUSABLE
    examples = args.examples or (THOROUGH_EXAMPLES if args.thorough else DEFAULT_EXAMPLES)
    verdict = grade(path, examples)
    print(
        "\n".join(verdict.lines), file=sys.stderr if verdict.status == EXIT_UNUSABLE else sys.stdout
    )
    return verdict.status


if __name__ == "__main__":
    sys.exit(main())
