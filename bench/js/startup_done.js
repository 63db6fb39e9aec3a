// True once a start-up tab shows every text of `wants`, no script run is in progress and
// (synced app) the component has delivered and is ready.
([wants, synced]) => {
  const seen = window.__benchSeen, T = window.__bench;
  const app = document.querySelector('.stApp');
  if (!seen || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (synced && (T.ready === null || T.firstDelivery === null)) return false;
  return wants.every((w) => w in seen);
}
