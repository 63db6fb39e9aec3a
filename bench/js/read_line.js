// The text after `prefix` of the first st.text line starting with it (null if none).
(prefix) => {
  for (const el of document.querySelectorAll('[data-testid="stText"]')) {
    const t = el.textContent.trim();
    if (t.startsWith(prefix)) return t.slice(prefix.length);
  }
  return null;
}
