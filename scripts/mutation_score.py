"""The mutation score of the last mutmut run, module by module, equivalent mutants set aside.

    HYPOTHESIS_PROFILE=mutation uv run mutmut run --max-children 2    # hours; results in mutants/
    uv run scripts/mutation_score.py                                  # this table

A mutant is equivalent when no input can tell it from the original (a default argument passed
explicitly, `<` for `<=` where equality cannot happen, a speed-only change): no test can kill it.
Each is listed in tests/mutation_equivalents.txt with the code it puts in (in backticks) and its
reason; the score is (killed + timeout) / (killed + timeout + survived), the equivalent ones
(surviving, or timing out without a failure) left out. Mutants are numbered within a function, so
an edit of the function renumbers them: a listed mutant whose code in mutants/ no longer contains
the listed code is not set aside but reported, as is a listed mutant that was killed (the list
then claims too much).
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import functools
import json
import sys
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.txt"


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, tuple[str, str]]:
    """{mutant name: (its code, reason)} from lines `name `code` reason`; '#' starts a comment."""
    found: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, rest = line.strip().partition(" ")
            _, tick, after = rest.partition("`")
            code, tick2, reason = after.partition("`")
            if not (tick and tick2 and code.strip()):
                raise ValueError(f"{path}: {name} has no `code`")
            if not reason.strip():
                raise ValueError(f"{path}: {name} has no reason")
            found[name] = (code.strip(), reason.strip())
    return found


def mutant_source(mutants: Path, name: str) -> str | None:
    """The source of mutant `name` (module.function__mutmut_k) in mutmut's copy of its module."""
    module, _, function = name.partition(".x")
    path = mutants.joinpath(*module.split(".")).with_suffix(".py")
    return _functions(path).get("x" + function) if path.is_file() else None


@functools.cache
def _functions(path: Path) -> dict[str, str]:
    """{function name: its source} of one module, parsed once (mutmut's copies run to megabytes)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()  # once: ast.get_source_segment splits the whole text at every call
    return {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef)
    }


def _squeezed(code: str) -> str:
    return "".join(code.split())


def changed(mutants: Path, equivalents: dict[str, tuple[str, str]]) -> list[str]:
    """The listed mutants whose source no longer puts in the listed code (renumbered by an edit):
    the code must occur more often in the mutant than in the original it was made from."""
    moved = []
    for name, (code, _) in equivalents.items():
        original = name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
        found = [_squeezed(mutant_source(mutants, m) or "").count(_squeezed(code))
                 for m in (name, original)]  # fmt: skip
        if found[0] <= found[1]:
            moved.append(name)
    return moved


def read_results(mutants: Path, skip: Sequence[str] = ()) -> dict[str, str]:
    """{mutant name: status} from mutmut's .meta files under `mutants`, but those of source files
    matching a pattern of `skip` (mutmut's do_not_mutate: left from a run before they were
    excluded, no longer mutmut's)."""
    results: dict[str, str] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        source = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        if any(fnmatch.fnmatch(source, pattern) for pattern in skip):
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in codes.items():
            results[name] = status_by_exit_code[code]
    return results


def score(
    results: dict[str, str], equivalents: Mapping[str, object]
) -> tuple[list[list[str]], list[str]]:
    """Rows (module, mutants, killed, timeout, equivalent, survived, other, score) and the
    listed equivalents that were killed or are unknown."""
    by_module: dict[str, Counter[str]] = {}
    # an equivalent mutant survives, or times out where its tests run to the limit without failing
    unkillable = ("survived", "timeout")
    # a listed mutant not checked yet has no verdict against its listing
    stale = [
        name
        for name in equivalents
        if results.get(name, "unknown") not in (*unkillable, "not checked")
    ]
    for name, status in results.items():
        module = name.split(".x")[0]
        if status in unkillable and name in equivalents:
            status = "equivalent"
        by_module.setdefault(module, Counter())[status] += 1
    rows = []
    total: Counter[str] = Counter()
    for module in sorted(by_module):
        total.update(by_module[module])
        rows.append(_row(module, by_module[module]))
    rows.append(_row("all", total))
    return rows, stale


def _row(module: str, c: Counter[str]) -> list[str]:
    killed = c["killed"] + c["timeout"]
    judged = killed + c["survived"]
    other = sum(c.values()) - judged - c["equivalent"]
    pct = f"{100 * killed / judged:.1f}%" if judged else "-"
    return [module, str(sum(c.values())), str(c["killed"]), str(c["timeout"]),
            str(c["equivalent"]), str(c["survived"]), str(other), pct]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="mutation_score.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mutants", type=Path, default=ROOT / "mutants", help="mutmut's output")
    ap.add_argument(
        "--survivors",
        action="store_true",
        help="print only the names of the survivors not listed as equivalent, one a line, to "
        "run again by name once new tests may kill them: mutmut run $(... --survivors)",
    )
    args = ap.parse_args(argv)
    if not args.mutants.is_dir():
        print(f"no {args.mutants}: run mutmut first (see this script's help)", file=sys.stderr)
        return 2
    listed = read_equivalents()
    moved = changed(args.mutants, listed)
    kept = {name: why for name, why in listed.items() if name not in moved}
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    skip = config["tool"]["mutmut"].get("do_not_mutate", [])
    results = read_results(args.mutants, skip)
    if args.survivors:
        for name, status in results.items():
            if status in ("survived", "no tests") and name not in kept:
                print(name)
        return 0
    rows, stale = score(results, kept)
    head = ["module", "mutants", "killed", "timeout", "equiv.", "survived", "other", "score"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))
    print(
        "other: not checked, no tests, skipped or suspicious; score: (killed + timeout) / "
        "(killed + timeout + survived), the equivalent mutants set aside"
    )
    for name in moved:
        print(f"listed as equivalent, but its code is no longer the listed code: {name}")
    for name in stale:
        print(f"listed as equivalent but not a survivor of this run: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
