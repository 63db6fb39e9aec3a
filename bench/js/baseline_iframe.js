// v1: adds a second hand-written baseline to an app tab: a same-origin iframe of its own
// that posts to its parent on every storage event of the channel.
() => {
  const frame = document.createElement("iframe");
  frame.title = "bench-baseline";
  frame.style.cssText = "position:absolute;width:0;height:0;border:0";
  frame.srcdoc = "<script>addEventListener('storage', (e) => {" +
    "const T = parent.__bench;" +
    "if (T && T.baselineOn && e.key && e.key.startsWith(T.baselineOn)) " +
    "parent.postMessage({type: 'bench:baseline-iframe', key: e.key, value: e.newValue}, '*');" +
    "});<\/script>";
  return new Promise((resolve) => {
    frame.addEventListener("load", () => resolve(true), {once: true});
    document.body.appendChild(frame);
  });
}
