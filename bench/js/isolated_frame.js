// v1: loads the component iframe alone in an idle page (the writer page) and resolves with
// its componentReady record (null at the deadline).
async ([src, deadlineMs]) => {
  const T = window.__bench;
  T.ready = null;
  for (const old of document.querySelectorAll("iframe")) old.remove();
  const frame = document.createElement("iframe");
  frame.src = src;
  document.body.appendChild(frame);
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, deadlineMs);
    T.onPost = () => { if (T.ready !== null) { clearTimeout(timer); resolve(); } };
  });
  T.onPost = null;
  return T.ready;
}
