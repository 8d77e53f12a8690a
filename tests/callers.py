"""Where a warning of the project points: the caller's line."""

import os
from pathlib import Path
from typing import Any


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
