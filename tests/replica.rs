//! Per-key last-writer-wins replica.

mod common;

use serde_json::json;
use tabsync::core::*;

fn j(v: serde_json::Value) -> Json {
    common::json(&v)
}

#[test]
fn newer_writes_win_and_older_ones_are_dropped() {
    let mut r = Replica::new();
    assert_eq!(
        r.merge("k", j(json!(1)), Stamp::new(2, 0, "a")),
        Merge::Newer
    );
    assert_eq!(
        r.merge("k", j(json!(0)), Stamp::new(1, 9, "b")),
        Merge::Stale
    );
    assert_eq!(
        r.merge("k", j(json!(1)), Stamp::new(2, 0, "a")),
        Merge::Duplicate
    );
    assert_eq!(
        r.merge("k", j(json!(3)), Stamp::new(2, 0, "b")),
        Merge::Newer
    );
    assert_eq!(r.get("k").map(|v| &v.value), Some(&j(json!(3))));
}
