"""One host under measurement: its ``streamlit run`` of the bench app, its browser context
(instrumented by ``js/instrument.js``), the writer page and the app tabs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.browser import COMPONENT_TITLE
from tests.support.servers import StreamlitServer, launch_streamlit, stop_server, wait_healthy

from .page import COMPONENT_PATH, DEADLINE_MS, load_js

HOSTS = ("v1", "v2")
APP = Path(__file__).resolve().parent / "apps" / "bench_app.py"
#: The storage channel of the bench app.
CHANNEL = "bench"
#: Shared values a new tab must show (start-up figure); written before the start-up loads.
SHARED = {"val": 4242, "a": 4243, "b": 4244}


class Server:
    """``streamlit run`` of the bench app with ``TABSYNC_HOST=host`` (one per host)."""

    def __init__(self, host: str, log_dir: Path) -> None:
        self.host = host
        self._server: StreamlitServer = launch_streamlit(APP, log_dir, host)
        self.url = self._server.url
        self.log_path = self._server.log_path

    def wait_healthy(self) -> None:
        """Wait until the server answers its health check."""
        wait_healthy(self._server)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (shown when the bench fails)."""
        return self._server.log_tail(lines)

    def stop(self) -> None:
        """Stop the server and what it started."""
        stop_server(self._server.process)


def init_js(host: str) -> str:
    """The instrumentation init script of a context measuring ``host``."""
    return (
        load_js("instrument.js").replace("__HOST__", host)
        .replace("__COMPONENT_PATH__", COMPONENT_PATH)
        .replace("__TITLE__", COMPONENT_TITLE)
    )


@dataclass
class Rig:
    """One host: its server, its browser context (profile) and its tabs."""

    host: str
    server: Server
    context: BrowserContext
    writer: Page
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self.server.url

    def new_tab(self, name: str) -> Page:
        """A new page of this context, kept as ``pages[name]``."""
        page = self.context.new_page()
        self.pages[name] = page
        return page


def open_rig(browser: Browser, server: Server) -> Rig:
    """A new instrumented context for ``server``'s host, with its writer page (a same-origin
    page that is not the app) ready and the origin's storage empty."""
    context = browser.new_context()
    context.set_default_timeout(DEADLINE_MS)
    context.add_init_script(init_js(server.host))
    writer = context.new_page()
    rig = Rig(server.host, server, context, writer, {"writer": writer})
    writer.goto(f"{rig.url}/_stcore/health")
    writer.evaluate(load_js("writer.js"), CHANNEL)
    writer.evaluate("() => localStorage.clear()")
    return rig
