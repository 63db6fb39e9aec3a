"""One release number everywhere.

``streamlit_tabsync.__version__`` is the source: the wheel's metadata reads it (setuptools
dynamic version). The Rust crate, the npm manifest of the frontend build and the inner
``pyproject.toml`` Streamlit reads for the v2 component cannot read it, so they carry copies;
this test keeps the copies equal to it, and the changelog's first release too.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import streamlit_tabsync

REPO = Path(__file__).resolve().parents[2]
VERSION = streamlit_tabsync.__version__


def test_the_version_is_a_plain_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION


def test_the_package_metadata_takes_the_version_from_the_package():
    project = tomllib.loads((REPO / "streamlit_component" / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "streamlit_tabsync.__version__"


def test_the_rust_crate_has_the_same_version():
    cargo = tomllib.loads((REPO / "Cargo.toml").read_text())
    assert cargo["package"]["version"] == VERSION


def test_the_frontend_build_has_the_same_version():
    package = json.loads((REPO / "frontend" / "package.json").read_text())
    lock = json.loads((REPO / "frontend" / "package-lock.json").read_text())
    assert package["version"] == VERSION
    assert lock["version"] == VERSION
    assert lock["packages"][""]["version"] == VERSION


def test_the_component_manifest_streamlit_reads_has_the_same_version():
    inner = Path(streamlit_tabsync.__file__).parent / "pyproject.toml"
    assert tomllib.loads(inner.read_text())["project"]["version"] == VERSION


def test_the_changelog_starts_with_this_release():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert first is not None, "CHANGELOG.md has no release section"
    assert first.group(1) == VERSION
