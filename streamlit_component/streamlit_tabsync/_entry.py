"""The stored entry of one key, as the Python side writes it for an edit it stamped.

The same text goes to the relay (``across="devices"``) and, through the render args, to the
browser's engine, which checks it and writes it to storage exactly as it is: every copy of
an edit is one text, stamped once. The format is the engine's (``src/core/envelope.rs``)::

    {"f":1,"ns":"<scope>","k":"<key>","v":<value>,"s":[<wall ms>,<counter>,"<tab id>"],
     "x":<expiry ms, with a ttl>,"r":"<route, where a server path carries it>"}

``r`` is optional: the route (a relay, or a server's tab group) that also carries this entry
to every session of its scope, so a browser tab reached by that route waits for it instead
of rerunning for the storage event too.
"""

from __future__ import annotations

import json

from ._relay.base import FORMAT_VERSION, Stamp


def entry_text(
    scope: str,
    key: str,
    value_text: str,
    stamp: Stamp,
    *,
    expires: int | None = None,
    route: str | None = None,
) -> str:
    """The entry of ``key`` holding the value whose JSON text is ``value_text`` (written as
    it is, so every reader gets the writer's digits)."""
    wall, counter, tab = stamp
    parts = [
        '{"f":', str(FORMAT_VERSION),
        ',"ns":', json.dumps(scope),
        ',"k":', json.dumps(key, ensure_ascii=False),
        ',"v":', value_text,
        ',"s":[', str(wall), ",", str(counter), ",", json.dumps(tab), "]",
    ]
    if expires is not None:
        parts += [',"x":', str(expires)]
    if route is not None:
        parts += [',"r":', json.dumps(route)]
    parts.append("}")
    return "".join(parts)
