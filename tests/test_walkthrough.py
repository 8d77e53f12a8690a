"""scripts/walkthrough.py runs as a plain script from any working folder, headless, and writes
its plots to the folder it names; scripts/walkthrough.ipynb, the same story as an executed
notebook, says the same, cell by cell, and carries its outputs and figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "walkthrough.py"
NOTEBOOK = SCRIPT.with_suffix(".ipynb")
FIGURES = [
    "error_against_margin.png",
    "step_size.png",
    "toy_probabilities.png",
    "toy_convergence.png",
    "cancer_convergence.png",
    "cancer_probabilities.png",
    "iris_decision_regions.png",
]


def test_walkthrough_runs_headless_from_another_folder(tmp_path: Path) -> None:
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "plots-here"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "L(0, 0) = 0.69314718055994" in out
    assert "right gradient: gradient check passed" in out
    assert "extra sigmoid': gradient check FAILED" in out
    assert "accuracy: 0.910" in out
    assert "the data are linearly separable" in out
    assert "held-out accuracy at threshold 0.5" in out
    assert "Answers to the exercise" not in out  # markdown, not printed
    assert (
        out.count("Jacobian row") == 3 and "gradient of L in (W, b): gradient check passed" in out
    )
    assert "gauge: max_j |sum_k W_jk|" in out
    assert "jacobian_diagonal_only: gradient check FAILED" in out
    for name in FIGURES:
        png = tmp_path / "plots-here" / name
        assert png.read_bytes()[:4] == b"\x89PNG", name
    magic = [line for line in SCRIPT.read_text().splitlines() if line.lstrip()[:1] in ("%", "!")]
    assert not magic, magic  # no %magic or !shell: it must run as plain Python


def test_walkthrough_is_in_percent_format() -> None:
    text = SCRIPT.read_text()
    assert "format_name: percent" in text
    assert text.count("# %%") >= 10


def _script_cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) of every cell of a jupytext percent-format script, as jupytext writes them
    to a notebook: the YAML header is no cell; a markdown cell's lines lose their "# " (or "#")."""
    lines = text.splitlines()
    assert lines[0] == "# ---"
    body = lines[lines.index("# ---", 1) + 1 :]
    cells: list[tuple[str, list[str]]] = []
    for line in body:
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, source in cells:
        if kind == "markdown":
            source = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in source]
        out.append((kind, "\n".join(source).strip("\n")))
    return out


def test_the_notebook_says_what_the_script_says() -> None:
    """Cell by cell, the same kind and the same source (the .ipynb read as JSON: no notebook
    package needed)."""
    notebook = json.loads(NOTEBOOK.read_text())
    got = [(c["cell_type"], "".join(c["source"]).strip("\n")) for c in notebook["cells"]]
    want = _script_cells(SCRIPT.read_text())
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"cell {i} differs"


def test_the_notebook_ran_top_to_bottom_and_carries_its_figures() -> None:
    """Every code cell executed once, in order, in one kernel, without an error; one inline PNG
    for each figure the script saves."""
    notebook = json.loads(NOTEBOOK.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"]
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == len(FIGURES)
    assert all(len(o["data"]["image/png"]) > 10_000 for o in pngs)
