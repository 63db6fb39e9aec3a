// Init script of each start-up tab: the moment (ms since the app page's navigation start)
// each text line of the app is first in the DOM.
(() => {
  if (window !== window.top) return;
  const seen = (window.__benchSeen = {});
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid="stText"]')) {
      const text = el.textContent.trim();
      if (!(text in seen)) seen[text] = performance.now();
    }
  };
  new MutationObserver(scan).observe(document,
                                    {subtree: true, childList: true, characterData: true});
})();
