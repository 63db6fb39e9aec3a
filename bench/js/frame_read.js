// The same for the v1 component iframe, in its own timeline (0 = its navigation start).
(urlPart) => {
  const S = window.__benchFrame || {};
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource")
    .filter((r) => r.name.includes(urlPart))
    .map((r) => ({name: r.name, type: r.initiatorType,
                  start: performance.timeOrigin + r.startTime,
                  end: performance.timeOrigin + r.responseEnd, transfer: r.transferSize}));
  return {
    origin: performance.timeOrigin, htmlResponseEnd: nav ? nav.responseEnd : null,
    instCall: S.instCall ?? null, instDone: S.instDone ?? null, resources,
  };
}
