// Everything a start-up tab recorded, in its own timeline (0 = the app's navigation start)
// except the absolute (timeOrigin-based) times of its requests.
(urlPart) => {
  const T = window.__bench, S = window.__benchFrame || {};
  const resources = performance.getEntriesByType("resource")
    .filter((r) => r.name.includes(urlPart))
    .map((r) => ({name: r.name, type: r.initiatorType,
                  start: performance.timeOrigin + r.startTime,
                  end: performance.timeOrigin + r.responseEnd, transfer: r.transferSize}));
  return {
    origin: performance.timeOrigin, seen: window.__benchSeen, ready: T.ready,
    firstDelivery: T.firstDelivery, evaluated: T.evaluated,
    instCall: S.instCall ?? null, memories: S.memories ?? null, resources,
  };
}
