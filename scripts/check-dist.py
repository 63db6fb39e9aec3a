"""Checks the release archives in a folder (``make dist``) and says what they hold.

Usage: ``python scripts/check-dist.py dist``

One sdist and one wheel of the current version; each carries the licence and the built
frontend of both hosts (v1 ``index.html``, v2 ``tabsync-v2-*.js``, exactly one ``.wasm``) and
nothing that does not belong in a release (tests, caches, ``node_modules``, Rust ``target``,
build leftovers). The wheel's metadata has what the release promises: Python floor, licence,
the ``redis`` and ``postgres`` extras, only classifiers PyPI accepts, and the README as the
long description.
"""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

from trove_classifiers import classifiers as TROVE

REPO = Path(__file__).resolve().parents[1]
#: The PyPI long description must be this file (streamlit_component/README.md links to it).
README = REPO / "README.md"


def source_version() -> str:
    """``__version__`` of the source tree, read as setuptools reads it (without importing)."""
    init = REPO / "streamlit_component" / "streamlit_tabsync" / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise SystemExit(f"check-dist: no __version__ in {init}")


VERSION = source_version()

#: Path parts and suffixes that never belong in a release archive.
FORBIDDEN_PARTS = {
    "tests", "test", "__pycache__", ".pytest_cache", "node_modules", "target", "build",
    ".git", ".venv", "pkg", "dist",
}
FORBIDDEN_SUFFIXES = {".pyc", ".pyo", ".log", ".orig", ".rej"}
#: What may sit at the top of the sdist.
SDIST_TOP = {
    "PKG-INFO", "README.md", "LICENSE", "pyproject.toml", "setup.cfg",
    "streamlit_tabsync", "streamlit_tabsync.egg-info",
}


def fail(message: str) -> None:
    raise SystemExit(f"check-dist: {message}")


def check_no_strays(archive: str, names: list[str]) -> None:
    for name in names:
        path = PurePosixPath(name)
        if FORBIDDEN_PARTS & set(path.parts) or path.suffix in FORBIDDEN_SUFFIXES:
            fail(f"{archive} holds {name}, which does not belong in a release")
        if path.name.startswith("test_") or path.name == "conftest.py":
            fail(f"{archive} holds the test file {name}")


def check_frontend(archive: str, names: list[str], prefix: str) -> None:
    frontend = [n[len(prefix):] for n in names if n.startswith(prefix) and not n.endswith("/")]
    wasm = [n for n in frontend if n.endswith(".wasm")]
    v2 = [n for n in frontend if n.startswith("tabsync-v2-") and n.endswith(".js")]
    if "index.html" not in frontend or len(wasm) != 1 or len(v2) != 1:
        fail(f"{archive}: the built frontend is missing or stale (make build): {frontend}")


def check_metadata(archive: str, text: str) -> None:
    meta = Parser().parsestr(text)
    expected = {
        "Name": "streamlit-tabsync",
        "Version": VERSION,
        "Requires-Python": ">=3.11",
        "License-Expression": "MIT",
        "License-File": "LICENSE",
    }
    for field, value in expected.items():
        if meta.get(field) != value:
            fail(f"{archive}: metadata {field} is {meta.get(field)!r}, expected {value!r}")
    extras = meta.get_all("Provides-Extra") or []
    for extra in ("redis", "postgres"):
        if extra not in extras:
            fail(f"{archive}: no {extra} extra in the metadata")
    requires = meta.get_all("Requires-Dist") or []
    if not any(r.startswith("streamlit>=") for r in requires):
        fail(f"{archive}: no streamlit requirement: {requires}")
    if meta.get("Description-Content-Type") != "text/markdown":
        fail(f"{archive}: long description is not Markdown: {meta.get('Description-Content-Type')}")
    if meta.get_payload().strip() != README.read_text(encoding="utf-8").strip():
        fail(f"{archive}: the long description is not README.md (streamlit_component/README.md "
             "must be a link to it)")
    classifiers = meta.get_all("Classifier") or []
    unknown = [c for c in classifiers if c not in TROVE]
    if not classifiers or unknown:
        fail(f"{archive}: classifiers PyPI would refuse: {unknown or 'none given'}")


def check_sdist(path: Path) -> int:
    root = f"streamlit_tabsync-{VERSION}/"
    with tarfile.open(path) as tar:
        names = tar.getnames()
        pkg_info = tar.extractfile(root + "PKG-INFO")
        metadata = pkg_info.read().decode() if pkg_info else ""
    outside = [n for n in names if not (n + "/").startswith(root)]
    if outside:
        fail(f"{path.name}: entries outside {root}: {outside}")
    inner = [n[len(root):] for n in names if n != root.rstrip("/")]
    top = {PurePosixPath(n).parts[0] for n in inner}
    if top - SDIST_TOP or "LICENSE" not in top:
        fail(f"{path.name}: unexpected top-level entries {sorted(top - SDIST_TOP)} (or no LICENSE)")
    check_no_strays(path.name, inner)
    check_frontend(path.name, inner, "streamlit_tabsync/frontend/")
    check_metadata(path.name, metadata)
    return len(inner)


def check_wheel(path: Path) -> int:
    info = f"streamlit_tabsync-{VERSION}.dist-info/"
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(info + "METADATA").decode()
    if info + "licenses/LICENSE" not in names:
        fail(f"{path.name}: no licences/LICENSE in {info}")
    top = {PurePosixPath(n).parts[0] for n in names}
    if top != {"streamlit_tabsync", info.rstrip("/")}:
        fail(f"{path.name}: unexpected top-level entries {sorted(top)}")
    check_no_strays(path.name, names)
    check_frontend(path.name, names, "streamlit_tabsync/frontend/")
    check_metadata(path.name, metadata)
    return len(names)


def main(folder: Path) -> None:
    sdists = sorted(folder.glob("*.tar.gz"))
    wheels = sorted(folder.glob("*.whl"))
    if [p.name for p in sdists] != [f"streamlit_tabsync-{VERSION}.tar.gz"]:
        fail(f"expected one sdist of {VERSION} in {folder}, found {[p.name for p in sdists]}")
    if [p.name for p in wheels] != [f"streamlit_tabsync-{VERSION}-py3-none-any.whl"]:
        fail(f"expected one pure wheel of {VERSION} in {folder}, found {[p.name for p in wheels]}")
    counts = {sdists[0]: check_sdist(sdists[0]), wheels[0]: check_wheel(wheels[0])}
    print(f"==> release {VERSION}: contents checked (frontend in, no tests/caches/build output)")
    for path, count in counts.items():
        print(f"    {path}  {path.stat().st_size / 1000:.1f} kB, {count} entries")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
