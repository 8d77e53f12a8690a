"""float64 everywhere, and `manual` free of jax, scikit-learn and statsmodels."""

import subprocess
import sys

import jax
import numpy as np

import manual
import reference


def test_reference_switches_on_x64() -> None:
    assert jax.config.read("jax_enable_x64") is True
    assert jax.numpy.asarray(1.0).dtype == np.float64


def test_reference_returns_float64() -> None:
    X, y, w = np.arange(6.0).reshape(3, 2) / 6, np.array([0.0, 1.0, 1.0]), np.array([0.1, -0.2])
    assert isinstance(reference.loss(w, 0.1, X, y), float)
    gw, gb = reference.gradient(w, 0.1, X, y)
    assert gw.dtype == np.float64 and isinstance(gb, float)
    assert reference.hessian(w, 0.1, X, y).dtype == np.float64
    assert reference.predict_proba(X, w, 0.1).dtype == np.float64
    # a value that float32 cannot hold survives the round trip
    assert reference.loss(np.array([1e-300]), 0.0, np.array([1.0]), np.array([0.0])) > 0.6


def test_float32_input_is_computed_in_float64() -> None:
    X = np.array([[1.0], [2.0]], dtype=np.float32)
    for twin in (manual, reference):
        assert twin.predict_proba(X, np.array([0.5], dtype=np.float32), 0.0).dtype == np.float64


def test_manual_never_imports_jax_sklearn_or_statsmodels() -> None:
    code = (
        "import sys, manual; import manual.binary, manual.linear, manual.solvers, manual.fit; "
        "import manual.predict, manual.sigmoid; "
        "bad = [m for m in ('jax', 'sklearn', 'statsmodels', 'scipy') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_twins_expose_the_same_names() -> None:
    assert set(reference.__all__) <= set(manual.__all__)
    for name in reference.__all__:
        assert callable(getattr(manual, name)) and callable(getattr(reference, name))
