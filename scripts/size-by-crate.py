"""Sums twiggy's per-item sizes (CSV from `twiggy top -f csv`) by the crate in each name."""

import collections
import csv
import re
import sys


def crate_of(name: str) -> str:
    """The crate an item belongs to: the first path segment of its (demangled) name."""
    if name.startswith("data segment"):
        return "(data: string constants, tables)"
    if name.startswith(("import ", "export ", "type[", "elem", "table", "custom", "code[")):
        return "(wasm structure: imports, exports, types, tables)"
    plain = re.sub(r"^[<&\s]+|mut |dyn ", "", name)
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)", plain)
    crate = match.group(1) if match else name
    # Generic std items named by their type parameter (`<T as ...>`) are std's.
    if crate.startswith(("mount", "__wbg_mounted")):
        return "tabsync"  # the module's exported entry points
    if crate.startswith("__externref") or crate.startswith("__wbindgen"):
        return "wasm_bindgen"
    return {"T": "alloc/core (generic)", "A": "alloc/core (generic)", "u32": "core",
            "u64": "core", "usize": "core", "i64": "core", "str": "core", "char": "core",
            "__rustc": "std"}.get(crate, crate)


def main(path: str) -> None:
    sizes: collections.Counter[str] = collections.Counter()
    with open(path, encoding="utf-8") as table:
        rows = list(csv.DictReader(table))
    for row in rows:
        if "subsection" in row["Name"]:
            continue
        sizes[crate_of(row["Name"])] += int(row["ShallowSize"])
    total = sum(sizes.values())
    for crate, size in sizes.most_common(20):
        print(f"    {crate:52} {size:8d} B {100 * size / total:5.1f}%")
    print(f"    {'total':52} {total:8d} B")


if __name__ == "__main__":
    main(sys.argv[1])
