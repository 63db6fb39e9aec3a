"""The README and ``docs/`` stay true to the tree and to each other.

The README is for users and is also the PyPI long description; the rest lives in ``docs/``.
These tests catch drift that a reader would meet: a package README that is no longer the
README, a link or a named path that leads nowhere, a docs page nobody links to, a setting or
an API name missing from the pages that promise to list them all.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
from pathlib import Path

import pytest

import streamlit_tabsync
from streamlit_tabsync import _settings

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]

#: The issue's bar for the user README (about 200 lines is the aim).
MAX_README_LINES = 220

#: A Markdown link or image: ``[text](target)``; targets hold no spaces or parentheses here.
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
#: A path into the repository written in backticks, e.g. ``src/core/engine.rs``.
_NAMED_PATH = re.compile(
    r"`((?:src|frontend|streamlit_component|tests|examples|bench|scripts|docs)/[^`\s]*)`"
)
#: Files the pages name that a run writes (git-ignored), so a fresh clone lacks them.
_WRITTEN_BY_RUNS = {"bench/results.json", "bench/devices.json"}


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    # Headings outside fenced code blocks.
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def _links(page: Path) -> list[str]:
    return _LINK.findall(page.read_text(encoding="utf-8"))


def test_the_package_readme_is_the_top_level_readme():
    """PyPI shows ``streamlit_component/README.md``: it must be the README, not a stale copy."""
    project = tomllib.loads((REPO / "streamlit_component" / "pyproject.toml").read_text())
    assert project["project"]["readme"] == "README.md"
    package_readme = REPO / "streamlit_component" / "README.md"
    assert package_readme.read_bytes() == README.read_bytes(), (
        "streamlit_component/README.md differs from README.md: it should be a symbolic link "
        "to ../README.md (the PyPI long description is the README)"
    )


def test_the_readme_stays_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, (
        f"README.md has {lines} lines (bar: {MAX_README_LINES}); move detail to docs/"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_somewhere(page: Path):
    broken = []
    for target in _links(page):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: not checked here (no network in the tests)
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target} (no heading #{anchor} in {dest.name})")
    assert not broken, f"{page.name}: broken links: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_path_a_page_names_exists(page: Path):
    """The code map and every other page name real files (the code moves; the docs follow)."""
    missing = []
    for named in _NAMED_PATH.findall(page.read_text(encoding="utf-8")):
        if named not in _WRITTEN_BY_RUNS and not any(REPO.glob(named.rstrip("/"))):
            missing.append(named)
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_docs_page_is_linked_from_the_readme_and_links_back(page: Path):
    assert f"docs/{page.name}" in _links(README), f"README.md does not link docs/{page.name}"
    assert any(t.partition("#")[0] == "../README.md" for t in _links(page)), (
        f"docs/{page.name} has no link back to the README"
    )


def test_development_lists_every_setting():
    source = inspect.getsource(_settings)
    settings = set(re.findall(r'_setting\("(TABSYNC_[A-Z_]+)"', source))
    assert settings, "no settings found in _settings.py: has the reader changed?"
    page = (REPO / "docs" / "development.md").read_text(encoding="utf-8")
    missing = sorted(s for s in settings if f"`{s}`" not in page)
    assert not missing, f"docs/development.md does not list {missing}"


def test_the_readme_has_every_parameter_and_field_at_a_glance():
    readme = README.read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    parameters = set(inspect.signature(streamlit_tabsync.sync).parameters)
    fields = {f.name for f in dataclasses.fields(streamlit_tabsync.SyncInfo)}
    missing = sorted((parameters | fields) - named)
    assert not missing, f"README.md's API at a glance lacks {missing}"


def test_the_docstrings_document_every_parameter_and_field():
    """The docstrings are the full API reference: nothing may be left out of them."""
    sync_doc = inspect.getdoc(streamlit_tabsync.sync) or ""
    info_doc = inspect.getdoc(streamlit_tabsync.SyncInfo) or ""
    undocumented = [
        name
        for name in inspect.signature(streamlit_tabsync.sync).parameters
        if not re.search(rf"^{name} :", sync_doc, re.MULTILINE)
    ] + [
        f"SyncInfo.{f.name}"
        for f in dataclasses.fields(streamlit_tabsync.SyncInfo)
        if not re.search(rf"^{f.name} :", info_doc, re.MULTILINE)
    ]
    assert not undocumented, f"missing from the docstrings: {undocumented}"
