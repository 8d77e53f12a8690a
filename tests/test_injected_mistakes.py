"""The suite fails on every plausible derivation mistake injected into a public function.

Each case runs the agreement, accuracy, invariant and oracle tests in a fresh process with one
mistake injected (tests/injections.py) and asserts that they fail. Slow (a process each), so it is
not in the default run:

    uv run pytest -m injection
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.injections import INJECTIONS

ROOT = Path(__file__).resolve().parent.parent
SUITE = [
    "tests/test_twins.py",
    "tests/test_exact.py",
    "tests/test_accuracy.py",
    "tests/test_invariants.py",
    "tests/test_derivation.py",
    "tests/test_hostile.py",
    "tests/test_fit.py",
    "tests/test_oracles.py",
    "tests/test_bad_input.py",
]


@pytest.mark.injection
@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_the_suite_fails_on_an_injected_mistake(name: str) -> None:
    env = dict(os.environ, LOGREG_INJECT=name, HYPOTHESIS_PROFILE="mutation")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "", *SUITE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    # exit 1: tests ran and one failed (2 and up would be a crash of the run, not a catch)
    assert done.returncode == 1, f"{name} not caught:\n{done.stdout[-3000:]}"
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert failed, done.stdout[-3000:]
