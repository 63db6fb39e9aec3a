// When the render args carrying the edit `v` of `key` reached the bridge's frame.
([key, v]) => {
  for (const [t, args] of window.__benchFrame.renders) {
    const edit = args && args.edits && args.edits[key];
    // Edits carry the value as its canonical JSON text.
    try { if (edit && JSON.parse(edit.t) === v) return t; } catch (err) { /* not ours */ }
  }
  return null;
}
