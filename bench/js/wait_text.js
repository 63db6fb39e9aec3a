// True once an st.text line reads `want` and no script run is in progress.
(want) => {
  const app = document.querySelector('.stApp');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  for (const el of document.querySelectorAll('[data-testid="stText"]')) {
    if (el.textContent.trim() === want) return true;
  }
  return false;
}
