"""The example dashboard's caption line says who else follows the view (AppTest, with a
stand-in for the component: the e2e test runs the dashboard in real tabs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

DASHBOARD = Path(__file__).resolve().parents[2] / "examples" / "dashboard.py"


def test_the_caption_counts_the_other_tabs_once_the_browser_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit_tabsync import _sync

    posted: list[dict] = []
    monkeypatch.setattr(_sync, "mount", lambda host, args, key: None)
    monkeypatch.setattr(_sync, "delivery_in", lambda host, value: posted[-1] if posted else None)

    def caption_after(**figures: object) -> str:
        number = len(posted)
        posted.append({"v": 2, "id": f"d{number}", "ns": "gis", "status": "live", **figures})
        at.run()
        assert not at.exception
        return at.caption[0].value

    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    assert not at.exception
    assert "sync **starting**" in at.caption[0].value
    assert "following" not in caption_after(), "not counted yet: nothing said"
    assert caption_after(peers=1, leader=True).endswith(
        "· 1 other tab following · this tab leads"
    )
    caption = caption_after(peers=2, leader=False)
    assert "sync **live**" in caption
    assert caption.endswith("· 2 other tabs following")
