// Notes in window.__seen when each st.text line is first in the page, as
// performance.timeOrigin + performance.now() (comparable across pages). Installed once the
// page has rendered: what it shows then is noted at once.
() => {
  window.__seen = {};
  const look = () => {
    const at = performance.timeOrigin + performance.now();
    for (const el of document.querySelectorAll('[data-testid="stText"]')) {
      const text = el.textContent.trim();
      if (!(text in window.__seen)) window.__seen[text] = at;
    }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
                                                     characterData: true});
  look();
}
