"""The documents' links and names: every link of the README and DERIVATION.md points to a file
that exists, and every function or test they name exists in the file linked."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "DERIVATION.md"]
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
