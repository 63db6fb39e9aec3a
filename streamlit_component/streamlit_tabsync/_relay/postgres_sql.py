"""The PostgreSQL relay's schema and statements (all parameterised; no value is ever spliced
into SQL text: the only text put together here is made of the constants below).

Layout, in the schema ``tabsync``:

* ``tabsync.entries``: one row per scope and key: the entry text as the browser wrote it,
  its stamp in three columns (compared as numbers, then the tab id byte by byte: the column's
  collation is ``"C"``), its expiry time (ms since the epoch, ``NULL`` for never) and its size
  in UTF-8 bytes (for the scope's byte cap);
* ``tabsync.meta``: ``('version', '<n>')``, the schema's version, so that a later release can
  migrate it;
* channel ``tabsync_news``: payload ``"<scope> <origin>"`` after every stored put.

Times are the database server's clock, one clock for every process sharing the relay.
"""

from __future__ import annotations

#: The schema holding everything the relay stores.
SCHEMA = "tabsync"
#: The version of the layout this release writes (``tabsync.meta``).
SCHEMA_VERSION = 1
#: The LISTEN/NOTIFY channel of news.
NEWS_CHANNEL = "tabsync_news"
#: Advisory lock class of the relay (``pg_advisory_xact_lock(class, key)``): "tbsy".
LOCK_CLASS = 0x74627379
#: The key of the lock held while the schema is created (puts use a hash of their scope).
SCHEMA_LOCK_KEY = 0

# The server's clock in ms, fixed for one statement.
_NOW_MS = "floor(extract(epoch FROM statement_timestamp()) * 1000)::bigint"

#: The tables, made by :data:`CREATE_TABLES` in a schema the user owns or may create in.
CREATE_TABLES = f"""
CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS {SCHEMA}.entries (
    scope      text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    entry      text NOT NULL,
    wall       bigint NOT NULL,
    counter    bigint NOT NULL,
    tab        text COLLATE "C" NOT NULL,
    expires_at bigint,
    size       integer NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS entries_expiry ON {SCHEMA}.entries (expires_at)
    WHERE expires_at IS NOT NULL;
INSERT INTO {SCHEMA}.meta (name, value) VALUES ('version', '{SCHEMA_VERSION}')
    ON CONFLICT (name) DO NOTHING;
"""

#: Whether the schema exists (one row: true or false).
SCHEMA_EXISTS = f"SELECT to_regnamespace('{SCHEMA}') IS NOT NULL"

#: Whether the version table exists (asked first, so a first use logs no error in the
#: server's log).
META_EXISTS = f"SELECT to_regclass('{SCHEMA}.meta') IS NOT NULL"

#: The schema's version, or no row (``meta`` missing raises UndefinedTable).
READ_VERSION = f"SELECT value FROM {SCHEMA}.meta WHERE name = 'version'"

#: Serialises the schema's creation between processes (inside its transaction).
LOCK_SCHEMA = f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, {SCHEMA_LOCK_KEY})"

#: Serialises the puts of one scope (inside a put's transaction), so that the caps are
#: counted on what every earlier put of the scope committed. Param: scope.
LOCK_SCOPE = f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, hashtext(%(scope)s))"


def _live(row: str) -> str:
    """``row`` holds an unexpired entry (an expired one counts as absent everywhere)."""
    return f"({row}.expires_at IS NULL OR {row}.expires_at > {_NOW_MS})"


def stamp_row(wall: str, counter: str, tab: str) -> str:
    """A stamp as an SQL row that orders like :func:`~.base.stamp_order`: walls and counters
    as numbers, then tab ids byte by byte (collation ``"C"``, whatever the database's)."""
    return f'({wall}::bigint, {counter}::bigint, {tab}::text COLLATE "C")'


def _beaten(row: str) -> str:
    """The put's entry may replace ``row``'s: its stamp is strictly greater and, with
    compare-and-set, the writer's base is at least ``row``'s stamp (no base: never)."""
    stored = stamp_row(f"{row}.wall", f"{row}.counter", f"{row}.tab")
    incoming = stamp_row("%(wall)s", "%(counter)s", "%(tab)s")
    base = stamp_row("%(base_wall)s", "%(base_counter)s", "%(base_tab)s")
    return f"({stored} < {incoming} AND (NOT %(compare)s::boolean OR {stored} <= {base}))"


_A = stamp_row("%(a_wall)s", "%(a_counter)s", "%(a_tab)s")
_B = stamp_row("%(b_wall)s", "%(b_counter)s", "%(b_tab)s")
#: Compares two stamps with the put's row order: -1, 0 or 1 (the tests check it against
#: ``tests/protocol/stamp_order.json``). Params: a_wall, a_counter, a_tab, b_*.
COMPARE = f"SELECT CASE WHEN {_A} < {_B} THEN -1 WHEN {_A} = {_B} THEN 0 ELSE 1 END"


#: The put: one statement compares and writes (``ON CONFLICT ... DO UPDATE ... WHERE``
#: re-checks the stamps on the locked, latest row), checks the scope's caps, and notifies
#: only when a row was written. Returns one row: ``stored``, ``fits`` (the caps allowed it),
#: ``beaten`` (the held entry would have been replaced; NULL when none is held) and ``held``
#: (the held entry's text before the put, NULL when none).
#: Params: scope, key, text, wall, counter, tab, expires, size, compare, base_wall,
#: base_counter, base_tab, max_keys, max_bytes, channel, payload.
PUT = f"""
WITH held AS (
    SELECT e.entry, e.size, {_beaten("e")} AS beaten
    FROM {SCHEMA}.entries e
    WHERE e.scope = %(scope)s AND e.key = %(key)s AND {_live("e")}
),
others AS (
    SELECT count(*) AS keys, coalesce(sum(e.size), 0) AS bytes
    FROM {SCHEMA}.entries e
    WHERE e.scope = %(scope)s AND e.key <> %(key)s AND {_live("e")}
),
fits AS (
    -- A new key past the key cap, or growth past the byte cap, is refused; replacing a key
    -- with an entry no larger always fits, so a full scope never freezes its keys.
    SELECT NOT (
        (NOT EXISTS (SELECT 1 FROM held) AND others.keys >= %(max_keys)s::bigint)
        OR (%(size)s::bigint > coalesce((SELECT size FROM held), 0)
            AND others.bytes + %(size)s::bigint > %(max_bytes)s::bigint)
    ) AS ok
    FROM others
),
written AS (
    INSERT INTO {SCHEMA}.entries AS e
        (scope, key, entry, wall, counter, tab, expires_at, size)
    SELECT %(scope)s, %(key)s, %(text)s, %(wall)s::bigint, %(counter)s::bigint, %(tab)s,
           %(expires)s::bigint, %(size)s::integer
    FROM fits WHERE fits.ok
    ON CONFLICT (scope, key) DO UPDATE SET
        entry = EXCLUDED.entry, wall = EXCLUDED.wall, counter = EXCLUDED.counter,
        tab = EXCLUDED.tab, expires_at = EXCLUDED.expires_at, size = EXCLUDED.size
    WHERE NOT {_live("e")} OR {_beaten("e")}
    RETURNING 1
),
news AS (
    SELECT pg_notify(%(channel)s, %(payload)s) FROM written
)
SELECT EXISTS (SELECT 1 FROM written) AS stored,
       (SELECT ok FROM fits) AS fits,
       (SELECT beaten FROM held) AS beaten,
       (SELECT entry FROM held) AS held,
       (SELECT count(*) FROM news) AS told
"""

#: The scope's unexpired entries: ``(key, entry)`` rows. Param: scope.
SNAPSHOT = f"""
SELECT e.key, e.entry FROM {SCHEMA}.entries e
WHERE e.scope = %(scope)s AND {_live("e")}
"""

#: Deletes expired rows (every scope); returns how many went.
SWEEP = f"DELETE FROM {SCHEMA}.entries WHERE expires_at <= {_NOW_MS}"


def setup_sql(user: str) -> str:
    """The SQL an administrator runs once so that ``user`` (already quoted as an identifier)
    can use the relay: a schema the user owns, in which the relay makes its tables."""
    return f"CREATE SCHEMA IF NOT EXISTS {SCHEMA} AUTHORIZATION {user};"


def grant_sql(user: str) -> str:
    """The SQL the schema's owner runs once when the schema exists but ``user`` (quoted)
    may not make or use the tables in it."""
    return (
        f"GRANT USAGE, CREATE ON SCHEMA {SCHEMA} TO {user}; "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {user};"
    )
