"""The documents' links and names: every link of the README, DERIVATION.md and DEVELOPMENT.md
points to a file that exists, and every function or test they name exists in the file linked."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "DERIVATION.md", "DEVELOPMENT.md"]
LINK = re.compile(r"\[`?([^\]`]+?)(?:\([^)]*\))?`?\]\(([^)#]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", DOCS)
def test_links_point_to_existing_files_and_names(doc: str) -> None:
    text = (ROOT / doc).read_text()
    links = LINK.findall(text)
    assert links, f"{doc} has no links"
    for name, target in links:
        if target.startswith("http"):
            continue
        path = ROOT / target
        assert path.exists(), f"{doc}: link to missing {target}"
        if path.suffix == ".py" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            source = path.read_text()
            assert re.search(rf"^(def|class) {name}\b|^{name} = ", source, re.M), (
                f"{doc}: {name} not defined in {target}"
            )


def test_the_readme_starts_for_its_readers() -> None:
    """The first screen: who it is for, where to start (the notebook, DERIVATION.md) with the
    command that opens the notebook, then the two commands; maintainers' material elsewhere."""
    text = (ROOT / "README.md").read_text()
    first = text[: text.index("## Contents")]
    for words in (
        "students",
        "teachers",
        "scripts/walkthrough.ipynb",
        "DERIVATION.md",
        "uv run --group notebook jupyter lab scripts/walkthrough.ipynb",
        "pip install uv && uv run scripts/train.py",
        "uv run --locked pytest",
    ):
        assert words in first, words
    assert "mutmut" not in text and "mutmut" in (ROOT / "DEVELOPMENT.md").read_text()
