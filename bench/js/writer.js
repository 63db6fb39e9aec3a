// Installed in the writer page (a same-origin page that is not the app): writes valid
// envelopes with stamps above whatever is stored, one at a time, in bursts or in floods.
(channel) => {
  const now = () => performance.timeOrigin + performance.now();
  const W = (window.__writer = {});
  const TAB = "benchwriter";
  W.text = (key, v) => {
    const sk = `tabsync:v1:${channel}:${key}`;
    let wall = Date.now(), ctr = 0;
    const old = localStorage.getItem(sk);
    if (old !== null) {
      try {
        const s = JSON.parse(old).s;
        if (s[0] >= wall) { wall = s[0]; ctr = s[1] + 1; }
      } catch (err) { /* overwrite a malformed entry */ }
    }
    return [sk, JSON.stringify({f: 1, ns: channel, k: key, v, s: [wall, ctr, TAB]})];
  };
  // One write, made no earlier than `notBefore` (pacing); returns the time of the write.
  W.writeAt = async (key, v, notBefore) => {
    const wait = notBefore - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const [sk, text] = W.text(key, v);
    const t = now();
    localStorage.setItem(sk, text);
    return t;
  };
  // `n` writes of key (values base..base+n-1) spread evenly over `ms` milliseconds.
  W.burst = async (key, base, n, ms) => {
    const start = performance.now();
    let i = 0;
    while (i < n) {
      const due = Math.min(n, Math.floor(((performance.now() - start) / ms) * n) + 1);
      for (; i < due; i++) {
        const [sk, text] = W.text(key, base + i);
        localStorage.setItem(sk, text);
      }
      if (i < n) await new Promise((r) => setTimeout(r, 1));
    }
    return performance.now() - start;
  };
  // Writes number `from` to `to - 1` as fast as possible: write i sets keys[i % keys.length]
  // to base + i. Yields to the event loop every 200 writes.
  W.flood = async (keys, base, from, to) => {
    const start = performance.now();
    for (let i = from; i < to; i++) {
      const [sk, text] = W.text(keys[i % keys.length], base + i);
      localStorage.setItem(sk, text);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 0));
    }
    return performance.now() - start;
  };
}
