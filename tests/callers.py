"""Where a warning of the project points: the caller's line."""

import os
import warnings
from pathlib import Path
from typing import Any

import manual


def assert_attributed_to(record: Any, filename: str) -> None:
    """Every warning in record names `filename` (the test that called the project). Under mutmut
    (MUTANT_UNDER_TEST set), whose trampolines, frames of its own module, sit between any two
    functions of the project, the first frame outside manual/ and reference/ is a trampoline:
    then a file outside those two is all that can be asked."""
    assert len(record) > 0
    for warning in record:
        if "MUTANT_UNDER_TEST" in os.environ:
            assert Path(warning.filename).parent.name not in ("manual", "reference")
        else:
            assert warning.filename == filename


def warned(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    """call(*args, **kwargs) and every LogregWarning it gave (each shown, however often; any
    other warning goes through the suite's filters, which make a RuntimeWarning an error)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", manual.LogregWarning)
        result = call(*args, **kwargs)
    return result, list(record)
