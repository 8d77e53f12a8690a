"""scripts/walkthrough.py runs as a plain script from any working folder, headless, and writes
its plots to the folder it names."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "walkthrough.py"


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
    names = [
        "toy_loss.png",
        "toy_probabilities.png",
        "cancer_newton_loss.png",
        "cancer_probabilities.png",
    ]
    for name in names:
        png = tmp_path / "plots-here" / name
        assert png.read_bytes()[:4] == b"\x89PNG", name
    magic = [line for line in SCRIPT.read_text().splitlines() if line.lstrip()[:1] in ("%", "!")]
    assert not magic, magic  # no %magic or !shell: it must run as plain Python


def test_walkthrough_is_in_percent_format() -> None:
    text = SCRIPT.read_text()
    assert "format_name: percent" in text
    assert text.count("# %%") >= 10
