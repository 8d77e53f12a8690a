"""Hypothesis profiles, registered on top of its built-in ones.

Under CI=true Hypothesis loads its own `ci` profile (derandomized, no deadline, no database); the
`project` profile keeps every setting of that parent and only raises the example count. Choose
another with HYPOTHESIS_PROFILE=thorough (long runs) or =mutation (fast and deterministic).
"""

import os

from hypothesis import HealthCheck, Phase, settings

_parent = settings.get_profile("ci" if os.environ.get("CI") else "default")
_slow_ok = (HealthCheck.too_slow, HealthCheck.data_too_large)

# deadline=None: JAX compiles once per array shape (~0.2 s), which would trip a deadline.
settings.register_profile(
    "project",
    parent=_parent,
    max_examples=200,
    deadline=None,
    suppress_health_check=_slow_ok,
)
settings.register_profile(
    "thorough",
    parent=_parent,
    max_examples=5000,
    deadline=None,
    suppress_health_check=_slow_ok,
)
# mutation: a mutant is caught by the first failing example; shrinking it to a minimal one (many
# more calls, each maybe a whole fit) only spends the mutant's time limit
settings.register_profile(
    "mutation",
    parent=settings.get_profile("ci"),
    max_examples=50,
    derandomize=True,
    phases=[phase for phase in Phase if phase != Phase.shrink],
    database=None,
    deadline=None,
    suppress_health_check=_slow_ok,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))

# Under mutation testing each mutant runs its tests in a fresh process, which would compile every
# JAX function again: a compilation cache on disk, shared by those processes, saves about a third
# of a twin test file's time (DEVELOPMENT.md). Set before JAX is first imported; not otherwise.
if os.environ.get("HYPOTHESIS_PROFILE") == "mutation":
    os.environ.setdefault(
        "JAX_COMPILATION_CACHE_DIR", os.path.join(os.path.dirname(__file__), "..", ".jax_cache")
    )
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

# LOGREG_INJECT=name replaces one public function of `manual` by a wrong derivation for the whole
# session (tests/injections.py); tests/test_injected_mistakes.py checks that the suite then fails.
if os.environ.get("LOGREG_INJECT"):
    from tests.injections import apply

    apply(os.environ["LOGREG_INJECT"])
