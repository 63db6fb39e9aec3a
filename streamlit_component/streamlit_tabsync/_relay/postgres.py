"""The PostgreSQL relay: entries in a table, news over LISTEN/NOTIFY, for several processes.

The layout and every statement are in :mod:`.postgres_sql`. The schema is made on first use
(or by an administrator, once: see :class:`~streamlit_tabsync.errors.RelaySetupError`).

Connections, with psycopg 3:

* commands (puts, snapshots) take a connection from a stack of idle ones, or open one;
  a put is one transaction: a per-scope advisory lock, then the one compare-and-write
  statement, which also notifies when it wrote;
* one listening connection per relay (autocommit, ``LISTEN``), on its own thread, which
  reconnects with backoff and says ``(True, None)`` after each (re)subscription, sweeps
  expired rows now and then, and probes the server while a command has failed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import RelaySetupError
from . import postgres_sql as sql
from .base import (
    MAX_SCOPE_BYTES,
    MAX_SCOPE_ENTRIES,
    NewsCallback,
    PutOutcome,
    Relay,
    RelayEntry,
    RelayEntryError,
    RelayUnavailable,
    Stamp,
    call_quietly,
    check_scope,
    is_valid_name,
    log,
    now_ms,
)
from .health import RelayHealth
from .listener import POLL_S, NewsThread
from .redact import Redactor, secrets_of

# Listener reconnect backoff, in seconds: doubling from the first to the cap.
_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 2.0
# How long the listener waits for notifications per loop turn: bounds how late close() and a
# due sweep or probe are noticed.
_POLL_S = POLL_S
#: How often (s) the listener deletes expired rows of every scope.
SWEEP_EVERY_S = 60.0
# Commands running at once per process (each on its own connection): bounds what one
# Streamlit process asks of the database's max_connections.
_BUSY_MAX = 8
# Idle command connections kept for reuse: as many as may run at once, since news reruns
# every idle session of a scope together and each reads the relay. Keeping 4 of 8 made a
# burst of 10 snapshots open 6 new connections each time: 54 ms against 12 ms (median).
_IDLE_MAX = _BUSY_MAX
# How long a command waits for one of those places before the relay counts as unavailable.
_BUSY_WAIT_S = 5.0
# The longest a statement (including the wait for a scope's lock) may run, in ms.
_STATEMENT_TIMEOUT_MS = 5000
# Longest origin in a news payload, in UTF-8 bytes (NOTIFY payloads must stay under 8000).
MAX_ORIGIN_BYTES = 512
# libpq options of every connection: fail fast, and notice a silent peer within seconds.
_CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}

_T = TypeVar("_T")


class PostgresMissingError(ImportError):
    """The ``psycopg`` package is not installed."""


def _import_psycopg() -> Any:
    try:
        import psycopg
        import psycopg.conninfo
        import psycopg.errors
        import psycopg.sql
    except ImportError as exc:
        raise PostgresMissingError(
            "the PostgreSQL relay needs psycopg 3: "
            'pip install "streamlit-tabsync[postgres]"'
        ) from exc
    return psycopg


class PostgresRelay(NewsThread, Relay):
    """A :class:`~.base.Relay` in PostgreSQL (11 or later), shared by every process using it.

    Parameters
    ----------
    url
        A libpq connection string: ``postgresql://[user[:password]@]host[:port]/dbname``
        (``postgres://`` too) or ``key=value`` settings. Its password never appears in
        reasons or logs. The database's encoding must be UTF8.
    client_name
        The ``application_name`` of the connections (``pg_stat_activity`` shows it).
    sweep_every_s
        How often the listener deletes expired rows.

    Raises
    ------
    PostgresMissingError
        If the ``psycopg`` package is not installed.
    ValueError
        If the URL is not a PostgreSQL connection string.

    Notes
    -----
    Health is optimistic until a call or the listener finds otherwise, as for the Redis
    relay. Nothing connects in the constructor; the first command or :meth:`listen` does,
    and the first command makes the schema when it is missing.
    """

    _label = "PostgreSQL"

    name = "postgres"

    def __init__(
        self,
        url: str,
        *,
        client_name: str = "streamlit-tabsync",
        sweep_every_s: float = SWEEP_EVERY_S,
    ) -> None:
        self._pg = _import_psycopg()
        try:
            settings = self._pg.conninfo.conninfo_to_dict(url)
        except self._pg.Error as exc:
            raise ValueError(
                f"bad PostgreSQL URL: {Redactor(secrets_of(url))(str(exc))}"
            ) from None
        if str(url).split(":", 1)[0] not in ("postgresql", "postgres") and "=" not in url:
            raise ValueError("bad PostgreSQL URL: expected postgresql://... or key=value")
        self._redact = Redactor(secrets_of(url, [settings.get("password")]))
        self._url = url
        self._client_name = client_name
        self._where = _where(settings)
        self._sweep_every_s = sweep_every_s

        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._busy = threading.BoundedSemaphore(_BUSY_MAX)
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._health = RelayHealth()
        self._news_listeners: list[NewsCallback] = []
        self._thread: threading.Thread | None = None
        self._subscribed = False
        self._stop = threading.Event()
        #: How many stored entries snapshots skipped as invalid (corrupt or foreign texts).
        self.skipped = 0

    # -- the Relay contract ---------------------------------------------------------------

    def snapshot(self, scope: str) -> dict[str, RelayEntry]:
        """The scope's unexpired, valid entries by key (invalid ones are counted in
        :attr:`skipped`)."""
        check_scope(scope)

        def read(conn: Any) -> list[tuple[str, str]]:
            return conn.execute(sql.SNAPSHOT, {"scope": scope}).fetchall()

        out: dict[str, RelayEntry] = {}
        for key, text in self._command(read):
            entry = self._read(scope, key, text)
            if entry is not None:
                out[entry.key] = entry
        return out

    def put(
        self,
        scope: str,
        entry: RelayEntry,
        *,
        base: Stamp | None = None,
        compare: bool = False,
        origin: str = "",
    ) -> PutOutcome:
        """Store ``entry`` atomically (one statement, under the scope's lock); see
        :meth:`.base.Relay.put`."""
        check_scope(scope)
        if base is not None and not is_valid_name(base[2]):
            raise ValueError(f"bad base stamp {base!r}")
        if len(origin.encode("utf-8", "replace")) > MAX_ORIGIN_BYTES:
            raise ValueError(f"an origin is at most {MAX_ORIGIN_BYTES} bytes")
        wall, counter, tab = entry.stamp
        base_wall, base_counter, base_tab = base if base is not None else (None, None, None)
        params = {
            "scope": scope,
            "key": entry.key,
            "text": entry.text,
            "wall": wall,
            "counter": counter,
            "tab": tab,
            "expires": entry.expires,
            "size": entry.size,
            "compare": compare,
            "base_wall": base_wall,
            "base_counter": base_counter,
            "base_tab": base_tab,
            "max_keys": MAX_SCOPE_ENTRIES,
            "max_bytes": MAX_SCOPE_BYTES,
            "channel": sql.NEWS_CHANNEL,
            "payload": f"{scope} {origin}",
        }

        def write(conn: Any) -> tuple[bool, bool, bool | None, str | None, int]:
            with conn.transaction():
                conn.execute(sql.LOCK_SCOPE, {"scope": scope})
                return conn.execute(sql.PUT, params).fetchone()

        stored, fits, beaten, held, _ = self._command(write)
        if stored:
            return PutOutcome(stored=True, current=entry)
        current = self._read(scope, entry.key, held) if held is not None else None
        # Refused by the caps only when the stamps would have let it in.
        full = not fits and (held is None or bool(beaten))
        return PutOutcome(stored=False, current=current, full=full)

    def close(self) -> None:
        """Stop the listener thread (within about a second) and close the connections."""
        self._stop_listening()
        self._drop_idle()

    # -- commands ---------------------------------------------------------------------------

    def _command(self, work: Callable[[Any], _T]) -> _T:
        """Run ``work(connection)`` and report health. Tried once more when a reused
        connection turns out dead (the server restarted since it was last used), or when the
        schema has gone (dropped, or a database restored without it): it is made again."""
        if not self._busy.acquire(timeout=_BUSY_WAIT_S):
            raise RelayUnavailable(self._command_failed(f"PostgreSQL at {self._where} busy"))
        try:
            for attempt in (1, 2):
                self._ensure_schema()
                conn, reused = self._take()
                try:
                    result = work(conn)
                except self._pg.Error as exc:
                    broken = conn.broken or conn.closed
                    self._give(conn, keep=not broken)
                    if attempt == 1 and ((broken and reused) or self._schema_lost(exc)):
                        continue
                    raise self._failure(exc) from None
                self._give(conn, keep=True)
                self._health.report(command=None)
                return result
            raise AssertionError("unreachable: the second attempt returns or raises")
        finally:
            self._busy.release()

    def _take(self) -> tuple[Any, bool]:
        """An idle connection (reused: True) or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        try:
            return self._connect(autocommit=True, suffix=""), False
        except self._pg.Error as exc:
            raise self._failure(exc) from None

    def _give(self, conn: Any, *, keep: bool) -> None:
        """Back to the idle stack when it is fit and there is room, else closed."""
        status = self._pg.pq.TransactionStatus
        fit = keep and not conn.closed and conn.info.transaction_status == status.IDLE
        with self._lock:
            if fit and len(self._idle) < _IDLE_MAX and not self._stop.is_set():
                self._idle.append(conn)
                return
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            conn.close()

    def _drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(Exception):
                conn.close()

    def _connect(self, *, autocommit: bool, suffix: str) -> Any:
        conn = self._pg.connect(
            self._url,
            autocommit=autocommit,
            application_name=f"{self._client_name}{suffix}",
            **_CONNECT_OPTIONS,
        )
        if autocommit:
            # Set per session: a URL's own options= is left as the user wrote it.
            conn.execute(f"SET statement_timeout = {_STATEMENT_TIMEOUT_MS}")
        return conn

    def _failure(self, exc: BaseException) -> Exception:
        """What a failed command raises: a setup error when the user lacks a right on the
        relay's schema or tables, else :class:`RelayUnavailable` (and health reported)."""
        if isinstance(exc, self._pg.errors.InsufficientPrivilege):
            return RelaySetupError(
                f"the database user may not use the relay's tables ({self._redact(str(exc))}"
                f"). The schema's owner can run once: {sql.grant_sql(self._user_sql())}"
            )
        return RelayUnavailable(self._command_failed(exc))

    def _command_failed(self, exc: BaseException | str) -> str:
        reason = exc if isinstance(exc, str) else self._reason(exc)
        self._health.report(command=reason)
        return reason

    # -- the schema -------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Make the schema and its tables on first use, or check the version found."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            conn, _ = self._take()
            try:
                self._check_or_create(conn)
            except self._pg.Error as exc:
                self._give(conn, keep=not (conn.broken or conn.closed))
                raise self._setup_failure(exc) from None
            except BaseException:
                self._give(conn, keep=False)
                raise
            self._give(conn, keep=True)
            self._schema_ready = True

    def _check_or_create(self, conn: Any) -> None:
        encoding = conn.execute("SHOW server_encoding").fetchone()[0]
        if encoding.upper() not in ("UTF8", "UTF-8"):
            raise RelaySetupError(
                f"the relay needs a database in UTF8, and {self._where} is in {encoding}"
            )
        version = self._version(conn)
        if version is None:
            with conn.transaction():
                conn.execute(sql.LOCK_SCHEMA)
                # CREATE SCHEMA checks the right to create one before IF NOT EXISTS: skip it
                # when an administrator made the schema for this user.
                if not conn.execute(sql.SCHEMA_EXISTS).fetchone()[0]:
                    conn.execute(f"CREATE SCHEMA {sql.SCHEMA}")
                conn.execute(sql.CREATE_TABLES)
            version = self._version(conn)
        if version != sql.SCHEMA_VERSION:
            raise RelaySetupError(
                f"the relay's schema {sql.SCHEMA!r} in {self._where} has version {version}; "
                f"this release of streamlit-tabsync reads version {sql.SCHEMA_VERSION}"
                + (": upgrade streamlit-tabsync" if (version or 0) > sql.SCHEMA_VERSION else "")
            )

    def _schema_lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` says the schema or its tables are missing (then made again)."""
        lost = isinstance(exc, (self._pg.errors.UndefinedTable, self._pg.errors.InvalidSchemaName))
        if lost:
            self._schema_ready = False
        return lost

    def _version(self, conn: Any) -> int | None:
        """The schema's version, or ``None`` when the schema or its tables are missing."""
        try:
            if not conn.execute(sql.META_EXISTS).fetchone()[0]:
                return None
            row = conn.execute(sql.READ_VERSION).fetchone()
        except (self._pg.errors.UndefinedTable, self._pg.errors.InvalidSchemaName):
            return None
        if row is None:
            return None
        try:
            return int(row[0])
        except ValueError:
            return -1

    def _setup_failure(self, exc: BaseException) -> Exception:
        if not isinstance(exc, self._pg.errors.InsufficientPrivilege):
            return self._failure(exc)
        user, schema_exists = self._who()
        detail = self._redact(" ".join(str(exc).split()))
        if schema_exists:
            return RelaySetupError(
                f"the database user may not make or use the tables of the relay's schema "
                f"{sql.SCHEMA!r} in {self._where} ({detail}). The schema's owner can run "
                f"once: {sql.grant_sql(user)}"
            )
        return RelaySetupError(
            f"the database user may not create the relay's schema {sql.SCHEMA!r} in "
            f"{self._where} ({detail}). An administrator can run once: {sql.setup_sql(user)}"
        )

    def _user_sql(self) -> str:
        """The connecting user as an SQL identifier (quoted)."""
        return self._who()[0]

    def _who(self) -> tuple[str, bool]:
        """The connecting user as an SQL identifier, and whether the schema exists."""
        try:
            conn = self._connect(autocommit=True, suffix=".setup")
        except self._pg.Error:
            return "<user>", False
        try:
            user = conn.execute("SELECT current_user").fetchone()[0]
            exists = bool(conn.execute(sql.SCHEMA_EXISTS).fetchone()[0])
            return self._pg.sql.Identifier(user).as_string(conn), exists
        except self._pg.Error:
            return "<user>", False
        finally:
            conn.close()

    # -- entries ----------------------------------------------------------------------------

    def _read(self, scope: str, key: str, text: str) -> RelayEntry | None:
        """A stored text as an entry of ``scope`` under ``key``, or None (and counted)."""
        try:
            entry = RelayEntry.parse(text, scope)
            if entry.key != key:
                raise RelayEntryError(f"the entry of key {entry.key!r} is stored under {key!r}")
        except RelayEntryError as exc:
            with self._lock:
                self.skipped += 1
            log.debug("streamlit-tabsync: skipped a stored entry of scope %s: %s", scope, exc)
            return None
        return entry

    # -- the listener thread ----------------------------------------------------------------

    def _listen_loop(self) -> None:
        delay = _BACKOFF_FIRST
        conn = None
        next_sweep = 0.0
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = self._connect(autocommit=True, suffix=".news")
                    conn.execute(f"LISTEN {sql.NEWS_CHANNEL}")
                    delay = _BACKOFF_FIRST
                    with self._lock:
                        self._subscribed = True
                    # Listening: both faults are over. Announced even when health did not
                    # change, since news sent while not listening are lost: resync.
                    self._health.report(command=None, listen=None, announce=True)
                for note in conn.notifies(timeout=_POLL_S):
                    self._dispatch(note.payload)
                if self._health.command_fault is not None:
                    self._probe()
                next_sweep = self._sweep(conn, next_sweep)
            except Exception as exc:  # noqa: BLE001 - the thread must outlive any failure
                with self._lock:
                    self._subscribed = False
                _close_quietly(conn)
                conn = None
                # The server went away: idle command connections are most likely dead too.
                self._drop_idle()
                if self._stop.is_set():
                    break
                self._health.report(listen=self._reason(exc))
                # Event.wait, not sleep: close() ends the wait at once.
                self._stop.wait(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
        _close_quietly(conn)

    def _probe(self) -> None:
        # A failed command leaves the relay unhealthy until a command succeeds, and a caller
        # that stops calling while unhealthy would never see it recover: probe for it here.
        with contextlib.suppress(RelayUnavailable, RelaySetupError):
            self._command(lambda conn: conn.execute("SELECT 1").fetchone())

    def _sweep(self, conn: Any, due: float) -> float:
        """Delete expired rows when due (and the schema exists); returns the next due time."""
        now = now_ms() / 1000
        if now < due or not self._schema_ready:
            return due
        try:
            deleted = conn.execute(sql.SWEEP).rowcount
        except self._pg.Error as exc:
            if conn.broken or conn.closed:
                raise  # the listener's connection is gone: reconnect
            # Not an outage (a timeout, rights, a schema dropped behind our back): the next
            # sweep tries again; expired rows are never read meanwhile.
            self._schema_lost(exc)
            log.debug("streamlit-tabsync: the sweep of expired entries failed: %s", exc)
            return now + self._sweep_every_s
        if deleted:
            log.debug("streamlit-tabsync: swept %d expired relay entries", deleted)
        return now + self._sweep_every_s

    def _dispatch(self, payload: str) -> None:
        scope, _, origin = payload.partition(" ")
        if not is_valid_name(scope):
            return
        with self._lock:
            listeners = list(self._news_listeners)
        for on_news in listeners:
            call_quietly(on_news, scope, origin)

    # -- health -----------------------------------------------------------------------------

    def _reason(self, exc: BaseException) -> str:
        broken = isinstance(exc, (self._pg.OperationalError, OSError))
        what = "unreachable" if broken else "failed"
        detail = " ".join(str(exc).split())  # libpq's messages span lines
        return self._redact(f"PostgreSQL at {self._where} {what}: {detail}")


def _where(settings: dict[str, Any]) -> str:
    """Where the server is, without credentials: ``host:port/dbname`` or the socket."""
    host = str(settings.get("host") or settings.get("hostaddr") or "localhost")
    port = settings.get("port") or 5432
    dbname = settings.get("dbname")
    where = host if host.startswith("/") else f"{host}:{port}"
    return f"{where}/{dbname}" if dbname else where


def _close_quietly(conn: Any) -> None:
    if conn is None:
        return
    with contextlib.suppress(Exception):  # its connection is already broken
        conn.close()
