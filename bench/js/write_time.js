// When the component wrote the entry of value `v` under a key ending with `suffix`.
([v, suffix]) => {
  for (const [t, key, text] of window.__benchFrame.writes) {
    if (!key.endsWith(suffix)) continue;
    try { if (JSON.parse(text).v === v) return t; } catch (err) { /* not ours */ }
  }
  return null;
}
