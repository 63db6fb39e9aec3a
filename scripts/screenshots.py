"""Pictures of the example dashboard in two real tabs, for the README (``make screenshots``).

Usage: ``.venv/bin/python -m scripts.screenshots docs`` (from the repository's root)

Serves ``examples/dashboard.py`` from the source tree (the built frontend must be there:
``make build``), opens it in two tabs of one headless Chromium context (one ``localStorage``),
moves the zoom slider in tab 1 only, waits until tab 2 shows the new zoom by itself, and
writes into the given folder:

* ``two-tabs.png``: both tabs after the edit, side by side, captioned;
* ``two-tabs.gif``: before and after, as a two-frame loop, only if it stays under
  :data:`MAX_ANIMATION_BYTES` (otherwise an old one is removed, not left stale).

Nothing is drawn by hand: every pixel of a tab is Playwright's screenshot of the page. Each
screenshot is taken once the page has stopped changing (screenshots polled until they are
identical for :data:`QUIET_S`), at a fixed viewport and scale, so re-running it after a UI
change gives the new picture and otherwise much the same one (the random tab ids in the
dashboard's caption line differ from run to run).

The pictures are composed with Pillow, which Streamlit already depends on (pinned in
requirements-dev.txt): it also writes the palette PNG and the GIF, which a page composed and
screenshotted in the browser could not.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Page, expect, sync_playwright

from .live_app import launch_chromium, serve

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "examples" / "dashboard.py"

VIEWPORT = {"width": 900, "height": 800}
#: Deadline of each wait, in seconds: generous, the dashboard renders in a second or two.
DEADLINE_S = 60.0
#: A page counts as settled when its screenshots stayed identical this long.
QUIET_S = 1.0
#: Poll period of the settle check (a screenshot takes about as long).
POLL_S = 0.2
#: Zoom of the dashboard before the edit (its HOME view) and after two steps right.
ZOOM_BEFORE, ZOOM_AFTER = 13, 15
MAX_ANIMATION_BYTES = 400_000

CAPTION_H = 40
SEPARATOR_W = 2
BACKGROUND = (255, 255, 255)
SEPARATOR = (190, 196, 204)
INK = (40, 44, 52)


def wait_settled(page: Page) -> bytes:
    """Poll screenshots of ``page`` until they stay identical for QUIET_S; return the last."""
    deadline = time.monotonic() + DEADLINE_S
    expect(page.locator(".stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=DEADLINE_S * 1000
    )
    last = page.screenshot(animations="disabled", caret="hide")
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < QUIET_S:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{page.url} kept changing for {DEADLINE_S} s")
        time.sleep(POLL_S)  # poll period of the settle check, not a synchronisation
        shot = page.screenshot(animations="disabled", caret="hide")
        if shot != last:
            last, quiet_since = shot, time.monotonic()
    return last


def slider(page: Page):
    return page.locator('input[type="range"][aria-label="Zoom"]')


def wait_zoom(page: Page, zoom: int) -> None:
    """Wait until the page's zoom slider and its script run are at ``zoom``, sync live."""
    timeout = DEADLINE_S * 1000
    expect(page.get_by_text("sync live")).to_be_visible(timeout=timeout)
    expect(slider(page)).to_have_value(str(zoom), timeout=timeout)


def compose(left: bytes, right: bytes, captions: tuple[str, str]) -> Image.Image:
    """Both screenshots side by side, a thin separator between, a caption above each."""
    shots = [Image.open(io.BytesIO(png)).convert("RGB") for png in (left, right)]
    width, height = shots[0].size
    canvas = Image.new("RGB", (2 * width + SEPARATOR_W, CAPTION_H + height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=20)  # bundled with Pillow: same glyphs everywhere
    for index, (shot, caption) in enumerate(zip(shots, captions, strict=True)):
        x = index * (width + SEPARATOR_W)
        canvas.paste(shot, (x, CAPTION_H))
        draw.text((x + width // 2, CAPTION_H // 2), caption, fill=INK, font=font, anchor="mm")
    draw.rectangle([width, 0, width + SEPARATOR_W - 1, canvas.height], fill=SEPARATOR)
    draw.line([0, CAPTION_H - 1, canvas.width, CAPTION_H - 1], fill=SEPARATOR)
    return canvas


def palette(image: Image.Image) -> Image.Image:
    """256 colours, no dithering: screenshots of flat UI lose nothing visible."""
    return image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def capture() -> tuple[tuple[bytes, bytes], tuple[bytes, bytes], float]:
    """Screenshots of (tab 1, tab 2) before and after the edit, and the edit's arrival time."""
    with tempfile.TemporaryDirectory(prefix="tabsync-shots-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "TABSYNC_HOST"}
        server = serve(sys.executable, APP, REPO, Path(tmp) / "streamlit.log", env)
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(
                    viewport=VIEWPORT, device_scale_factor=1, reduced_motion="reduce"
                )
                tabs = [context.new_page(), context.new_page()]
                for page in tabs:
                    page.goto(server.url)
                for page in tabs:
                    wait_zoom(page, ZOOM_BEFORE)
                before = (wait_settled(tabs[0]), wait_settled(tabs[1]))

                tabs[0].bring_to_front()
                thumb = slider(tabs[0])
                thumb.focus()
                for _ in range(ZOOM_AFTER - ZOOM_BEFORE):
                    thumb.press("ArrowRight")
                edited = time.monotonic()
                wait_zoom(tabs[1], ZOOM_AFTER)  # tab 2 is never touched
                arrived = time.monotonic() - edited
                # The dashboard's on_change toast says where the news came from; it fades after
                # a few seconds, so the picture is taken without it (the same every time).
                toast = tabs[1].get_by_test_id("stToast")
                expect(toast).to_be_visible(timeout=DEADLINE_S * 1000)
                expect(toast).to_be_hidden(timeout=DEADLINE_S * 1000)
                wait_zoom(tabs[0], ZOOM_AFTER)
                thumb.blur()  # the focus ring is tab 1's, not part of the picture
                after = (wait_settled(tabs[0]), wait_settled(tabs[1]))
                browser.close()
        except BaseException:
            print(f"--- server log:\n{server.log_tail()}", file=sys.stderr)
            raise
        finally:
            server.stop()
    return before, after, arrived


def main(out: Path) -> None:
    started = time.monotonic()
    before, after, arrived = capture()
    out.mkdir(parents=True, exist_ok=True)
    still = out / "two-tabs.png"
    palette(compose(*after, ("Tab 1 (edited)", "Tab 2 (followed by itself)"))).save(
        still, optimize=True
    )
    print(f"    {still}: {still.stat().st_size / 1000:.1f} kB")

    frames = [
        palette(compose(*before, ("Tab 1", "Tab 2"))),
        palette(compose(*after, ("Tab 1 (edited)", "Tab 2 (followed by itself)"))),
    ]
    animation = io.BytesIO()
    frames[0].save(
        animation, format="GIF", save_all=True, append_images=frames[1:],
        duration=[1500, 3000], loop=0, optimize=True,
    )
    gif = out / "two-tabs.gif"
    if animation.tell() <= MAX_ANIMATION_BYTES:
        gif.write_bytes(animation.getvalue())
        print(f"    {gif}: {animation.tell() / 1000:.1f} kB")
    else:
        gif.unlink(missing_ok=True)
        size_kb, limit_kb = animation.tell() / 1000, MAX_ANIMATION_BYTES / 1000
        print(f"    no animation: {size_kb:.1f} kB > {limit_kb:.0f} kB")
    print(
        f"    tab 2 showed zoom {ZOOM_AFTER} {arrived * 1000:.0f} ms after tab 1's edit; "
        f"{time.monotonic() - started:.1f} s in all"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
