// When tab B's component first handed value `v` to Streamlit.
(v) => {
  const p = window.__bench.posts.filter((x) => x.kind === "component" && x.val === v);
  return p.length ? Math.min(...p.map((x) => x.t)) : null;
}
