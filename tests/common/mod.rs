//! Helpers shared by the integration tests: `serde_json` values in and out of [`Json`]
//! (the crate itself has no serde_json; the tests use it to build and compare values).
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
