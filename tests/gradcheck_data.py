"""The data sets on which gradient checks are tried: they live in manual/mistakes.py beside the
gallery (scripts/gradcheck.py shows them too, and scripts import nothing from tests/)."""

from manual.mistakes import data, far_data

__all__ = ["data", "far_data"]
