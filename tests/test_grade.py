"""scripts/grade.py: a learner's file graded. Right ones in any style pass, every gallery mistake is
named, broken and hostile files get a short exit-2 verdict in bounded time, and a run is the same
twice. The example counts are reduced (the default run tries 400 data sets per function)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from manual.mistakes import GALLERY
from manual.multinomial_mistakes import GALLERY as SOFTMAX_GALLERY

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "grade.py"
EXAMPLES = 40  # enough to reach every regime (the tail one included) with derandomized draws


def _load() -> ModuleType:
    """scripts/grade.py as the module `grade` (the name scripts/gradcheck.py imports it by)."""
    if "grade" in sys.modules:
        return sys.modules["grade"]
    spec = importlib.util.spec_from_file_location("grade", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["grade"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


grade = _load()


def _file(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return path


HEAD = "import math\nimport numpy as np\n\n"
RIGHT = {
    "vectorized, textbook sigmoid": """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return X.T @ (p - y) / len(y) + l2 * w, float(np.mean(p - y))
""",
    "loops": """
def gradient(w, b, X, y, l2=0.0):
    n, d = len(y), len(w)
    rows = [np.atleast_1d(x) for x in X]  # a 1-D X: each sample a scalar
    gw, gb = [0.0] * d, 0.0
    for i in range(n):
        z = sum(rows[i][j] * w[j] for j in range(d)) + b
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        for j in range(d):
            gw[j] += (p - y[i]) * rows[i][j] / n
        gb += (p - y[i]) / n
    return [gw[j] + l2 * w[j] for j in range(d)], gb
""",
    "einsum and one-hot": """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    z = np.einsum("ij,j->i", X, w) + b
    P = np.stack([1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))], axis=1)
    Y = np.eye(2)[np.asarray(y, dtype=int)]  # one-hot labels
    r = (P - Y)[:, 1]
    return np.einsum("ij,i->j", X, r) / len(y) + l2 * np.asarray(w), float(r.mean())
""",
    "loss, gradient and hessian": """
def _p(w, b, X):
    return 1 / (1 + np.exp(-(X @ w + b)))

def loss(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = _p(w, b, X)
    return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)) + 0.5 * l2 * w @ w)

def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    r = _p(w, b, X) - y
    return X.T @ r / len(y) + l2 * w, r.mean()

def hessian(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    n, d = X.shape
    p = _p(w, b, X)
    X1 = np.column_stack([X, np.ones(n)])
    return X1.T @ (X1 * (p * (1 - p))[:, None]) / n + l2 * np.diag([1.0] * d + [0.0])
""",
}


@pytest.mark.parametrize("style", sorted(RIGHT))
def test_right_gradients_in_every_style_pass(tmp_path: Path, style: str) -> None:
    """Loops over a 1-D X, np.einsum with one-hot labels, the textbook 1 / (1 + exp(-z)): each
    right to rounding, each within the grader's bound on every data set drawn."""
    verdict = grade.grade(_file(tmp_path, "mine", HEAD + RIGHT[style]), EXAMPLES)
    assert verdict.status == 0, "\n".join(verdict.lines)
    assert "right on every data set tried" in verdict.lines[0]
    assert any("labels: tail" in line and "1-D X" in line for line in verdict.lines)


@pytest.mark.parametrize("mistake", GALLERY, ids=[m.name for m in GALLERY])
def test_every_gallery_mistake_is_named(tmp_path: Path, mistake: object) -> None:
    name = mistake.name  # type: ignore[attr-defined]
    path = _file(tmp_path, "mine", f"from manual.mistakes import {name} as gradient\n")
    verdict = grade.grade(path, EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1, text
    assert f"the mistake: {grade.WORDS[name]} (gallery: manual.mistakes.{name})" in text
    assert "wrong coordinates:" in text and "check_gradient:" in text


OWN_MISTAKES = {
    # written as a learner would, not taken from the gallery: (source, phrase in the verdict)
    "sum": (
        """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return X.T @ (p - y) + l2 * w, float(np.sum(p - y))
""",
        "a sum instead of a mean",
    ),
    "squared-error habit": (
        """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    r = (p - y) * p * (1 - p)
    return X.T @ r / len(y) + l2 * w, float(np.mean(r))
""",
        "extra p (1 - p)",
    ),
    "first two features swapped": (
        """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    g = X.T @ (p - y) / len(y)
    if len(g) > 1:
        g[[0, 1]] = g[[1, 0]]
    return g + l2 * w, float(np.mean(p - y))
""",
        "swapped coordinates 0 <-> 1",
    ),
}


@pytest.mark.parametrize("kind", sorted(set(OWN_MISTAKES) - {"sum"}))  # sum: in the next test
def test_a_learners_own_mistakes_are_named(tmp_path: Path, kind: str) -> None:
    source, phrase = OWN_MISTAKES[kind]
    verdict = grade.grade(_file(tmp_path, "mine", HEAD + source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and phrase in text, text


def test_the_smallest_data_set_is_shown_and_a_run_is_the_same_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A learner's sum instead of a mean: exit 1 with the verdict on stdout, the mistake named,
    and Hypothesis shrinks to n = 2, d = 1 (at n = 1 the sum is the mean); the whole verdict,
    data set and all, is the same on a second run."""
    wrong = _file(tmp_path, "wrong", HEAD + OWN_MISTAKES["sum"][0])
    outputs = []
    for _ in range(2):
        assert grade.main([str(wrong), "--examples", str(EXAMPLES)]) == 1
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    lines = outputs[0].splitlines()
    assert lines[0].startswith("WRONG: gradient disagrees with manual.gradient")
    assert "n = 2, d = 1" in lines[1] and OWN_MISTAKES["sum"][1] in outputs[0]


HOSTILE = {
    # name: (source, exit status, a phrase of the verdict)
    "syntax error": (
        "def gradient(w, b, X, y l2=0.0):\n    return w, b\n",
        2,
        "line 1: SyntaxError",
    ),
    "no gradient": ("def grad(w, b, X, y, l2=0.0):\n    return w, b\n", 2, "defines no function"),
    "wrong shape": (
        "import numpy as np\n"
        "def gradient(w, b, X, y, l2=0.0):\n    return np.zeros((len(w), 1)), 0.0\n",
        2,
        "grad_w must have shape (d,)",
    ),
    "not a pair": ("def gradient(w, b, X, y, l2=0.0):\n    return 1.0\n", 2, "must return a pair"),
    "raises": (
        "def gradient(w, b, X, y, l2=0.0):\n    return 1 / 0\n",
        2,
        "line 2, in gradient: ZeroDivisionError",
    ),
    "sys.exit": (
        "import sys\ndef gradient(w, b, X, y, l2=0.0):\n    sys.exit(3)\n",
        2,
        "sys.exit(3)",
    ),
    "os._exit": ("import os\ndef gradient(w, b, X, y, l2=0.0):\n    os._exit(0)\n", 2, "ended"),
    "endless loop": (
        "def gradient(w, b, X, y, l2=0.0):\n    while True:\n        pass\n",
        2,
        "an endless loop?",
    ),
    "endless loop on import": ("while True:\n    pass\n", 2, "while loading the file"),
    "stub": (
        "def gradient(w, b, X, y, l2=0.0):\n    raise NotImplementedError\n",
        2,
        "not written yet",
    ),
    "returns NaN": (
        "import numpy as np\n"
        "def gradient(w, b, X, y, l2=0.0):\n    return np.full(len(w), np.nan), 0.0\n",
        1,
        "returns NaN or inf",
    ),
    "prints": (
        "import numpy as np\nprint('loading')\n"
        "def gradient(w, b, X, y, l2=0.0):\n    print('hello', w)\n"
        "    X = np.asarray(X, dtype=float).reshape(len(y), -1)\n"
        "    p = 1 / (1 + np.exp(-(X @ w + b)))\n"
        "    return X.T @ (p - y) / len(y) + l2 * w, float(np.mean(p - y))\n",
        0,
        "right on every data set tried",
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_broken_and_hostile_files_get_a_short_verdict_in_bounded_time(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time limits shortened to 1 s for the test: an endless loop costs that, not a hang."""
    monkeypatch.setattr(grade, "CALL_SECONDS", 1.0)
    monkeypatch.setattr(grade, "LOAD_SECONDS", 1.0)
    source, status, phrase = HOSTILE[kind]
    path = _file(tmp_path, "learner", source)
    start = time.perf_counter()
    verdict = grade.grade(path, 20)
    text = "\n".join(verdict.lines)
    assert verdict.status == status and phrase in text, text
    assert time.perf_counter() - start < 15
    if status == 2:
        assert len(verdict.lines) == 1 and text.count("\n") <= 1 and "Traceback" not in text


def test_the_command_line_says_why_a_file_is_unusable_on_stderr_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _file(tmp_path, "broken", HOSTILE["raises"][0])
    assert grade.main([str(broken)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert "line 2, in gradient: ZeroDivisionError: division by zero\n    return 1 / 0" in err
    assert grade.main([str(tmp_path / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_exercise_stubs_say_they_are_unwritten_and_a_filled_one_passes(tmp_path: Path) -> None:
    stubs = ROOT / "scripts" / "exercises"
    for name in ("gradient_stub.py", "hessian_stub.py"):
        verdict = grade.grade(stubs / name, 20)
        assert verdict.status == 2 and "not written yet" in verdict.lines[0], verdict.lines
    source = (stubs / "hessian_stub.py").read_text()
    filled = source.replace(
        '    raise NotImplementedError("hessian: fill in the derivation")',
        "    n, d = X.shape\n"
        "    z = X @ w + b\n"
        "    s = _sigmoid(z) * _sigmoid(-z)\n"
        "    X1 = np.column_stack([X, np.ones(n)])\n"
        "    return X1.T @ (X1 * s[:, None]) / n + l2 * np.diag([1.0] * d + [0.0])",
    )
    verdict = grade.grade(_file(tmp_path, "filled", filled), 30)
    assert verdict.status == 0, verdict.lines


def test_the_quiz_hides_the_name_and_confirms_the_right_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Quizzes 0 .. 9 are the ten gallery mistakes, each once; the question never names it."""
    names = {m.name for m in GALLERY}
    found = set()
    for number in range(len(GALLERY)):
        assert grade.main(["--quiz", str(number)]) == 0
        question = capsys.readouterr().out
        assert "check_gradient: wrong coordinates" in question
        shown = question.split("NAME one of")[0]
        assert not any(name in shown for name in names)
        answers = [
            name for name in names if grade.main(["--quiz", str(number), "--answer", name]) == 0
        ]
        capsys.readouterr()
        assert len(answers) == 1
        found.add(answers[0])
    assert found == names


def test_the_bound_passes_the_textbook_form_and_not_a_float32_one() -> None:
    """gradient_bound: the textbook 1 / (1 + exp(-z)) with p - y is within it on a tail data set
    of label 1 (where p - y rounds to 0, off by e^-40 absolutely) and on a scaled one; a float32
    gradient is far outside it."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 3)) * [1.0, 1e3, 1e-3]
    w, b = np.array([40.0, 0.02, 3e3]), 0.5
    for y in (np.ones(30), (rng.random(30) < 0.5).astype(float)):
        D = grade.DataSet(w, b, X, y, 0.5)
        p = 1 / (1 + np.exp(-(X @ w + b)))
        textbook = np.append(X.T @ (p - y) / 30 + 0.5 * w, np.mean(p - y))
        right = np.append(*grade.manual.gradient(w, b, X, y, 0.5))
        assert np.all(np.abs(textbook - right) <= grade.gradient_bound(D))
        low = np.append(*GALLERY[8].gradient(w, b, X, y, 0.5))  # float32_gradient
        assert np.any(np.abs(low - right) > 100 * grade.gradient_bound(D))


# --- softmax regression (MODEL = "multinomial") -----------------------------------------------

SOFTMAX_RIGHT = {
    "vectorized, with loss and hessian": """
def _p(W, b, X):
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # softmax(z) = softmax(z - max z)
    return E / E.sum(axis=1, keepdims=True)

def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    R = _p(W, b, X) - np.eye(W.shape[1])[y]
    return X.T @ R / len(y) + l2 * W, R.mean(axis=0)

def loss(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    Z = X @ W + b
    m = Z.max(axis=1)
    lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return float(np.mean(lse - Z[np.arange(len(y)), y]) + 0.5 * l2 * np.sum(W**2))

def hessian(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    (n, d), K = X.shape, W.shape[1]
    P = _p(W, b, X)
    X1 = np.column_stack([X, np.ones(n)])
    H = sum(np.kron(np.outer(x, x), np.diag(p) - np.outer(p, p)) for x, p in zip(X1, P)) / n
    return H + np.diag(np.vstack([np.full((d, K), l2), np.zeros(K)]).ravel())
""",
    "loops": """
def gradient(W, b, X, y, l2=0.0):
    n, (d, K) = len(y), W.shape
    rows = [np.atleast_1d(x) for x in X]  # a 1-D X: each sample a scalar
    gW, gb = [[0.0] * K for _ in range(d)], [0.0] * K
    for i in range(n):
        z = [sum(rows[i][j] * W[j][k] for j in range(d)) + b[k] for k in range(K)]
        e = [math.exp(zk - max(z)) for zk in z]
        for k in range(K):
            r = e[k] / sum(e) - (1.0 if y[i] == k else 0.0)
            for j in range(d):
                gW[j][k] += rows[i][j] * r / n
            gb[k] += r / n
    return [[gW[j][k] + l2 * W[j][k] for k in range(K)] for j in range(d)], gb
""",
    "einsum and one-hot": """
def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    Z = np.einsum("ij,jk->ik", X, W) + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    Y = (y[:, None] == np.arange(W.shape[1])).astype(float)  # one-hot labels
    R = E / E.sum(axis=1, keepdims=True) - Y
    return np.einsum("ij,ik->jk", X, R) / len(y) + l2 * W, np.einsum("ik->k", R) / len(y)
""",
}
SOFTMAX = 'MODEL = "multinomial"\n'


@pytest.mark.parametrize("style", sorted(SOFTMAX_RIGHT))
def test_right_softmax_gradients_in_every_style_pass(tmp_path: Path, style: str) -> None:
    """Loops, one-hot matrices with np.einsum, a vectorized gradient with its loss and Hessian:
    each within the grader's bound on every data set drawn, logits shifted past exp's overflow
    and one class's far tail included."""
    path = _file(tmp_path, "mine", SOFTMAX + HEAD + SOFTMAX_RIGHT[style])
    verdict = grade.grade(path, EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 0, text
    assert "against manual.multinomial.gradient" in text
    for regime in ("logits shifted by 800", "labels: tail", "1-D X"):
        assert regime in text, regime


@pytest.mark.parametrize("mistake", SOFTMAX_GALLERY, ids=[m.name for m in SOFTMAX_GALLERY])
def test_every_softmax_gallery_mistake_is_named(tmp_path: Path, mistake: object) -> None:
    name = mistake.name  # type: ignore[attr-defined]
    source = f"{SOFTMAX}from manual.multinomial_mistakes import {name} as gradient\n"
    verdict = grade.grade(_file(tmp_path, "mine", source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1, text
    words = grade.SOFTMAX_WORDS[name]
    assert f"the mistake: {words} (gallery: manual.multinomial_mistakes.{name})" in text
    assert "wrong coordinates of theta = np.vstack([W, b]).ravel():" in text


def test_a_learners_own_softmax_slip_gets_check_gradients_diagnosis(tmp_path: Path) -> None:
    """Not in the gallery: a sum over the samples instead of a mean. The grader names no gallery
    mistake and passes on check_gradient's diagnosis (a factor n)."""
    source = SOFTMAX_RIGHT["vectorized, with loss and hessian"].replace(
        "return X.T @ R / len(y) + l2 * W, R.mean(axis=0)",
        "return X.T @ R + l2 * W, R.sum(axis=0)",
    )
    verdict = grade.grade(_file(tmp_path, "mine", SOFTMAX + HEAD + source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and "the mistake:" not in text, text
    assert "a sum instead of a mean" in text, text


def test_the_model_comes_from_the_command_line_or_the_file_and_shapes_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--model multinomial grades a file without MODEL; a softmax file that returns the flat
    gradient is refused with the shapes expected."""
    plain = _file(tmp_path, "plain", HEAD + SOFTMAX_RIGHT["einsum and one-hot"])
    assert grade.main([str(plain), "--model", "multinomial", "--examples", "10"]) == 0
    assert "manual.multinomial.gradient" in capsys.readouterr().out
    flat = _file(
        tmp_path,
        "flat",
        SOFTMAX + HEAD + "def gradient(W, b, X, y, l2=0.0):\n    return np.zeros(W.size), b\n",
    )
    assert grade.main([str(flat)]) == 2
    assert "grad_W must have shape (d, K)" in capsys.readouterr().err
    odd = _file(tmp_path, "odd", 'MODEL = "poisson"\ndef gradient(w, b, X, y, l2=0.0):\n    pass\n')
    verdict = grade.grade(odd, 10)
    assert verdict.status == 2 and "MODEL must be one of binary, multinomial" in verdict.lines[0]


def test_the_softmax_stub_says_it_is_unwritten_and_a_filled_one_passes(tmp_path: Path) -> None:
    stub = ROOT / "scripts" / "exercises" / "softmax_stub.py"
    verdict = grade.grade(stub, 10)
    assert verdict.status == 2 and "not written yet" in verdict.lines[0], verdict.lines
    filled = stub.read_text().replace(
        '    raise NotImplementedError("gradient: fill in the derivation")',
        "    n, K = len(y), W.shape[1]\n"
        "    Y = np.eye(K)[y]\n"
        "    Z = X @ W + b\n"
        "    E = np.exp(Z - Z.max(axis=1, keepdims=True))\n"
        "    R = E / E.sum(axis=1, keepdims=True) - Y\n"
        "    return X.T @ R / n + l2 * W, R.mean(axis=0)",
    )
    verdict = grade.grade(_file(tmp_path, "filled", filled), 20)
    assert verdict.status == 0, verdict.lines


def test_a_softmax_hessian_without_its_cross_terms_and_a_loss_without_the_max_are_wrong(
    tmp_path: Path,
) -> None:
    """The Hessian's blocks diag(p (1 - p)) without -p p^T: check_hessian names the missing cross
    terms. log(sum(exp(z))) without the max: inf where every logit is shifted by 800."""
    right = SOFTMAX_RIGHT["vectorized, with loss and hessian"]
    diagonal = right.replace("np.diag(p) - np.outer(p, p)", "np.diag(p * (1 - p))")
    verdict = grade.grade(_file(tmp_path, "diagonal", SOFTMAX + HEAD + diagonal), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and "hessian disagrees" in text and "missing cross terms" in text
    overflow = right.replace(
        "lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))",
        "lse = np.log(np.exp(Z).sum(axis=1))",
    )
    verdict = grade.grade(_file(tmp_path, "overflow", SOFTMAX + HEAD + overflow), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and "loss disagrees" in text and "returns NaN or inf" in text, text
    assert "logits shifted by 800" in text


def test_the_softmax_quiz_hides_the_name_and_confirms_the_right_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--quiz 0 .. 4 --model multinomial: the five softmax gallery mistakes, each once."""
    names = {m.name for m in SOFTMAX_GALLERY}
    found = set()
    for number in range(len(SOFTMAX_GALLERY)):
        assert grade.main(["--quiz", str(number), "--model", "multinomial"]) == 0
        question = capsys.readouterr().out
        assert "check_gradient:" in question
        assert not any(name in question.split("NAME one of")[0] for name in names)
        answers = [
            name
            for name in names
            if grade.main(["--quiz", str(number), "--model", "multinomial", "--answer", name]) == 0
        ]
        capsys.readouterr()
        assert len(answers) == 1
        found.add(answers[0])
    assert found == names


# --- diagnoses that hold beyond the smallest data set; contracts on shapes and inputs ----------

LOOKALIKES = {
    # a mistake that looks like another at n = 1 or 2: (source, phrases required, phrases refused)
    "divided by n - 1": (
        """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    m = max(len(y) - 1, 1)
    return X.T @ (p - y) / m + l2 * w, float(np.sum(p - y) / m)
""",
        ["a division by n - 1 instead of n", "not sure"],
        ["a sum instead of a mean"],
    ),
    "logits clipped to +-30": (
        """
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-np.clip(X @ w + b, -30, 30)))
    return X.T @ (p - y) / len(y) + l2 * w, float(np.mean(p - y))
""",
        ["right at moderate logits", "the sigmoid's far tail", "not sure"],
        ["a sum instead of a mean"],
    ),
}


@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
def test_a_diagnosis_is_sure_only_where_it_holds_on_a_larger_data_set_too(
    tmp_path: Path, kind: str
) -> None:
    """Shrunk to n = 1 or 2, dividing by n - 1 is a factor 2 = n and a clipped tail sample a
    "constant factor": the grader names neither a sum instead of a mean nor anything sure unless
    the same pattern holds on a larger data set of the same regime (n >= 9, d >= 3)."""
    source, wanted, refused = LOOKALIKES[kind]
    verdict = grade.grade(_file(tmp_path, "mine", HEAD + source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1, text
    assert all(phrase in text for phrase in wanted), text
    assert not any(phrase in text for phrase in refused), text
    check = next(line for line in verdict.lines if "check_gradient:" in line)
    assert "(sure" not in check, text


def test_a_larger_data_set_keeps_the_regime_with_mixed_labels() -> None:
    """larger(D): n >= 9, d >= 3 (1 for a 1-D X), D's l2 and labels regime; both labels where
    they are drawn at random, even when D, shrunk to n = 1, has one."""
    base = {"logit": 1.0, "intercept": True, "constant": True, "l2": 1e-3, "exponents": [2] * 5}
    for labels in ("random", "one class", "tail"):
        for one_d in (True, False):
            D = grade.make(1, 1, 0, {**base, "labels": labels, "one_d": one_d})
            L = grade.larger(D)
            assert L is not None and L.regime == D.regime and L.l2 == D.l2
            assert len(L.y) >= 9 and L.X.ndim == D.X.ndim
            assert L.X2.shape[1] == (1 if one_d else 3)
            assert (np.ptp(L.y) > 0) == (labels == "random")


@pytest.mark.parametrize("argument", ["y", "X", "w"])
def test_a_gradient_that_changes_its_inputs_in_place_is_told_so(
    tmp_path: Path, argument: str
) -> None:
    """Even with right values, a gradient that changes an argument in place gets exit 1 and a
    verdict naming that argument (the grader compares copies after each call)."""
    change = {"y": "y -= 0.0 * y + 1e-3", "X": "X *= 1.5", "w": "w[0] += 1.0"}[argument]
    source = f"""
def gradient(w, b, X, y, l2=0.0):
    X2 = np.array(X, dtype=float).reshape(len(y), -1)
    p = 1 / (1 + np.exp(-(X2 @ w + b)))
    g = X2.T @ (p - y) / len(y) + l2 * w, float(np.mean(p - y))
    {change}
    return g
"""
    verdict = grade.grade(_file(tmp_path, "mine", HEAD + source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and f"your gradient changes {argument} in place" in text, text


def test_a_softmax_gradient_that_changes_y_in_place_is_told_so(tmp_path: Path) -> None:
    source = """
def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    R = E / E.sum(axis=1, keepdims=True)
    R[np.arange(len(y)), y] -= 1
    y[:] = 0
    return X.T @ R / len(y) + l2 * W, R.mean(axis=0)
"""
    verdict = grade.grade(_file(tmp_path, "mine", SOFTMAX + HEAD + source), 20)
    assert verdict.status == 1 and "your gradient changes y in place" in verdict.lines[0]


@pytest.mark.parametrize(
    ("returned", "status"),
    [
        ("np.array([r.mean()])", 2),
        ("[r.mean()]", 2),
        ("np.array([[r.mean()]])", 2),
        ("r.mean()", 0),
        ("float(r.mean())", 0),
        ("np.array(r.mean())", 0),
        ("np.float64(r.mean())", 0),
    ],
)
def test_grad_b_is_one_number_and_any_other_shape_is_refused(
    tmp_path: Path, returned: str, status: int
) -> None:
    """The contract: grad_b is a float (a Python float, a NumPy scalar or a 0-d array); a shape
    (1,) is the wrong shape, exit 2 in one line."""
    source = f"""
def gradient(w, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    r = 1 / (1 + np.exp(-(X @ w + b))) - y
    return X.T @ r / len(y) + l2 * w, {returned}
"""
    verdict = grade.grade(_file(tmp_path, "mine", HEAD + source), 20)
    assert verdict.status == status, verdict.lines
    if status == 2:
        assert len(verdict.lines) == 1 and "grad_b must be one number" in verdict.lines[0]
        assert "shape (1,)" in verdict.lines[0] or "shape (1, 1)" in verdict.lines[0]


def test_a_softmax_grad_b_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    source = """
def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    R = E / E.sum(axis=1, keepdims=True) - np.eye(W.shape[1])[y]
    return X.T @ R / len(y) + l2 * W, R.mean(axis=0, keepdims=True)
"""
    verdict = grade.grade(_file(tmp_path, "mine", SOFTMAX + HEAD + source), 20)
    assert verdict.status == 2 and "grad_b must have shape (K,)" in verdict.lines[0]


def test_a_softmax_division_by_n_minus_1_is_not_called_a_sum(tmp_path: Path) -> None:
    """The same care for softmax: shrunk to n = 2, dividing by n - 1 is a factor 2 = n; the larger
    data set of the same regime tells it from a sum instead of a mean."""
    source = """
def gradient(W, b, X, y, l2=0.0):
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    R = E / E.sum(axis=1, keepdims=True) - np.eye(W.shape[1])[y]
    m = max(len(y) - 1, 1)
    return X.T @ R / m + l2 * W, R.sum(axis=0) / m
"""
    verdict = grade.grade(_file(tmp_path, "mine", SOFTMAX + HEAD + source), EXAMPLES)
    text = "\n".join(verdict.lines)
    assert verdict.status == 1 and "a division by n - 1 instead of n" in text, text
    assert "a sum instead of a mean" not in text, text
    check = next(line for line in verdict.lines if "check_gradient:" in line)
    assert "(sure" not in check, text
