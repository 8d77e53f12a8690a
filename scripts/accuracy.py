"""Print how far each twin is from 60-digit arithmetic, point by point classified right by a
margin z: the README's accuracy table.

    uv run scripts/accuracy.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.accuracy import MARGINS, errors


def main() -> None:
    print("relative error against 60-digit arithmetic (normwise), 6 points, logits in [m, 2m]")
    print(
        f"{'margin m':>9} | {'manual: loss':>12} {'gradient':>9} {'Hessian':>9} |"
        f" {'JAX: loss':>9} {'gradient':>9} {'Hessian':>9}"
    )
    for m in MARGINS:
        e = errors(m)
        row = [e["manual"][k] for k in ("loss", "gradient", "hessian")]
        row += [e["reference"][k] for k in ("loss", "gradient", "hessian")]
        label = "typical" if m == 0 else f"{m:g}"
        print(
            f"{label:>9} | {row[0]:>12.1e} {row[1]:>9.1e} {row[2]:>9.1e} |"
            f" {row[3]:>9.1e} {row[4]:>9.1e} {row[5]:>9.1e}"
        )


if __name__ == "__main__":
    main()
