//! Helpers shared by the integration tests: `serde_json` values in and out of [`Json`]
//! (the crate itself has no serde_json; the tests use it to build and compare values), and
//! the property tests' case counts.
#![allow(dead_code)]

use serde_json::Value;
use tabsync::core::Json;

/// A `serde_json::Value` as checked [`Json`] (its compact text), or the checks' error.
pub fn try_json(value: &Value) -> Result<Json, tabsync::core::DecodeError> {
    Json::parse(&value.to_string())
}

/// A `serde_json::Value` that passes the checks, as [`Json`].
pub fn json(value: &Value) -> Json {
    try_json(value).expect("a shareable value")
}

/// The value a [`Json`] holds, to compare by value (`1.0` equals `1.00`).
pub fn value(json: &Json) -> Value {
    serde_json::from_str(json.as_str()).expect("checked JSON")
}

/// `cases` generated cases, times `TABSYNC_FUZZ_SCALE` (default 1): `make fuzz` runs the same
/// properties for longer. Native only (proptest does not build for wasm32).
#[cfg(not(target_arch = "wasm32"))]
pub fn config(cases: u32) -> proptest::prelude::ProptestConfig {
    let scale = std::env::var("TABSYNC_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    proptest::prelude::ProptestConfig {
        cases: cases.saturating_mul(scale),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}

/// The entry the Python side writes for an edit: `value` of `key` in namespace `ns`, stamped
/// `stamp` (the Python side stamps edits; the engine writes them as they are).
pub fn entry(ns: &str, key: &str, value: &Value, stamp: tabsync::core::Stamp) -> String {
    entry_with(ns, key, value, stamp, None, None)
}

/// [`entry`] with an expiry time and a route.
pub fn entry_with(
    ns: &str,
    key: &str,
    value: &Value,
    stamp: tabsync::core::Stamp,
    expires: Option<u64>,
    route: Option<&str>,
) -> String {
    tabsync::core::Envelope {
        ns: ns.into(),
        key: key.into(),
        value: json(value),
        stamp,
        expires,
        route: route.map(str::to_owned),
    }
    .encode()
}

/// An edit as the Python side sends it in the render args.
pub fn edit(
    ns: &str,
    key: &str,
    id: &str,
    value: &Value,
    stamp: tabsync::core::Stamp,
) -> tabsync::core::Edit {
    tabsync::core::Edit {
        id: id.into(),
        e: entry(ns, key, value, stamp),
        base: None,
    }
}
