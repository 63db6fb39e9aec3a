//! Devices mode: the engine's side of the server relay (snapshots read as untrusted input and
//! written to storage, healing the relay towards the highest stamps through the outbox, the
//! route an entry came by), and the stamp order shared with the Python and Lua comparisons.
//!
//! The Python side stamps each edit and puts it to the relay in the run that makes it; the
//! engine writes it to storage as it is and hands nothing over for it.

mod common;

use serde_json::{json, Value};
use tabsync::core::*;

const NOW: u64 = 1_764_110_000_000;

fn args(tab: &str, edits: &[(&str, &str, Value)], relay: Option<(u64, Vec<String>)>) -> RenderArgs {
    RenderArgs {
        v: PROTOCOL_VERSION,
        ns: "u-gis".into(),
        tab: tab.into(),
        keys: vec!["zoom".into(), "layers".into()],
        edits: edits
            .iter()
            .map(|(k, id, v)| {
                let n = id
                    .rsplit('.')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let stamp = Stamp::new(NOW, n, tab);
                (k.to_string(), common::edit("u-gis", k, id, v, stamp))
            })
            .collect(),
        ttl_ms: None,
        conflict: ConflictPolicy::Lww,
        resend: 0,
        devices: true,
        route: None,
        have: Default::default(),
        seen: None,
        presence: false,
        relay: relay.map(|(gen, entries)| RelaySnapshot { gen, entries }),
    }
}

fn entry(ns: &str, key: &str, value: Value, stamp: Stamp) -> String {
    common::entry(ns, key, &value, stamp)
}

fn snapshot(gen: u64, entries: Vec<String>) -> RelaySnapshot {
    RelaySnapshot { gen, entries }
}

/// The delivery due, marked seen as the Python side does when it hands its outbox over.
fn seen(e: &mut Engine) -> Option<Delivery> {
    let d = e.take_delivery()?;
    e.seen(&d.id);
    Some(d)
}

/// A configured engine that has made its first delivery.
fn started(a: &RenderArgs) -> Engine {
    let mut e = Engine::new("i");
    e.configure(a).unwrap();
    seen(&mut e).expect("first delivery");
    e
}

#[test]
fn an_edit_in_devices_mode_is_written_and_hands_nothing_over() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    let writes = e.apply_edits(&a, NOW, |_| None);
    let [Effect::Write { text, .. }] = writes.as_slice() else {
        panic!("one storage write, got {writes:?}")
    };
    assert_eq!(
        text,
        &a.edits.get("zoom").unwrap().e,
        "the Python side's entry, as it is"
    );
    assert!(
        seen(&mut e).is_none(),
        "the Python side put it to the relay: no delivery"
    );
}

#[test]
fn within_one_browser_an_edit_makes_no_delivery() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.devices = false;
    let mut e = started(&a);
    assert_eq!(e.apply_edits(&a, NOW, |_| None).len(), 1);
    assert!(seen(&mut e).is_none());
}

#[test]
fn a_newer_relay_entry_is_written_to_storage_without_a_delivery() {
    let text = entry("u-gis", "zoom", json!(9), Stamp::new(NOW, 0, "dev2"));
    let mut e = started(&args("tab1", &[], None));
    let writes = e.relay(&snapshot(0, vec![text.clone()]), NOW);
    assert_eq!(
        writes,
        vec![Effect::Write {
            key: storage_key("u-gis", "zoom"),
            text
        }],
        "the browser's other tabs get it through storage"
    );
    assert!(
        seen(&mut e).is_none(),
        "the run that sent the snapshot applied it: no second run"
    );
    assert_eq!(
        common::value(&e.replica().get("zoom").unwrap().value),
        json!(9)
    );
}

#[test]
fn a_relay_behind_the_tab_gets_the_newer_entries_back() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let written = a.edits.get("zoom").unwrap().e.clone();
    // The relay was down when the Python side put the edit; it comes back empty, or with an
    // older value.
    let older = entry("u-gis", "zoom", json!(1), Stamp::new(NOW - 5, 0, "dev2"));
    for entries in [vec![], vec![older]] {
        let mut e = started(&a);
        e.apply_edits(&a, NOW, |_| None);
        assert!(e.relay(&snapshot(0, entries), NOW).is_empty());
        let d = seen(&mut e).expect("the outbox");
        assert!(d.quiet, "only the outbox: no news for this tab");
        assert_eq!(d.outbox.len(), 1);
        assert_eq!(d.outbox[0].id, None, "a resend, not an edit");
        let resent = Envelope::decode(&d.outbox[0].e).unwrap();
        assert_eq!(common::value(&resent.value), json!(5));
        assert_eq!(
            resent.stamp,
            Envelope::decode(&written).unwrap().stamp,
            "same stamp"
        );
    }
}

#[test]
fn an_unchanged_snapshot_is_examined_once_unless_its_generation_changes() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    e.relay(&snapshot(0, vec![]), NOW);
    assert_eq!(seen(&mut e).unwrap().outbox.len(), 1);
    e.relay(&snapshot(0, vec![]), NOW);
    assert!(seen(&mut e).is_none(), "same snapshot: nothing to do");
    e.relay(&snapshot(1, vec![]), NOW);
    assert_eq!(
        seen(&mut e).unwrap().outbox.len(),
        1,
        "a new generation: again"
    );
}

#[test]
fn relay_entries_are_untrusted_input() {
    let mut e = started(&args("tab1", &[], None));
    let far_future = entry(
        "u-gis",
        "zoom",
        json!(1),
        Stamp::new(NOW + 10 * MAX_AHEAD_MS, 0, "x"),
    );
    let other_ns = entry("u-other", "zoom", json!(2), Stamp::new(NOW, 0, "x"));
    let bad = [
        far_future,
        other_ns,
        "{\"f\":1".to_string(),
        "null".to_string(),
        format!(
            "{{\"f\":1,\"ns\":\"u-gis\",\"k\":\"zoom\",\"v\":{},\"s\":[1,0,\"x\"]}}",
            "[".repeat(200) + &"]".repeat(200)
        ),
        "x".repeat(MAX_ENTRY_BYTES + 1),
    ];
    let writes = e.relay(&snapshot(0, bad.to_vec()), NOW);
    assert!(writes.is_empty());
    assert_eq!(e.ignored(), bad.len() as u64);
    assert!(e.replica().is_empty(), "nothing of them was taken");
}

#[test]
fn stamps_order_like_the_shared_test_vectors() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/protocol/stamp_order.json");
    let text = std::fs::read_to_string(path).expect("tests/protocol/stamp_order.json");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 10);
    let stamp = |v: &Value| {
        Stamp::new(
            v[0].as_u64().unwrap(),
            v[1].as_u64().unwrap() as u32,
            v[2].as_str().unwrap(),
        )
    };
    for v in vectors {
        let (a, b) = (stamp(&v["a"]), stamp(&v["b"]));
        let want = v["order"].as_i64().unwrap();
        let got = a.cmp(&b) as i64;
        assert_eq!(got, want, "{a} vs {b}");
        // The text form delivered to Python orders the same way.
        assert_eq!(
            a.to_string().cmp(&b.to_string()) as i64,
            want,
            "{a} vs {b} as text"
        );
    }
}

#[test]
fn under_reject_a_resend_is_the_same_compare_and_set_as_the_edit() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.conflict = ConflictPolicy::Reject;
    a.edits.get_mut("zoom").unwrap().base = Some(Stamp::new(NOW - 9, 0, "x").to_string());
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    // Another tab of this browser wrote `layers`; the relay holds an older `zoom`.
    let (key, text) = {
        let t = entry(
            "u-gis",
            "layers",
            json!(["a"]),
            Stamp::new(NOW + 1, 0, "tab2"),
        );
        (storage_key("u-gis", "layers"), t)
    };
    e.load(&key, &text, NOW + 2);
    seen(&mut e);
    let older = entry("u-gis", "zoom", json!(1), Stamp::new(NOW - 20, 0, "dev2"));
    e.relay(&snapshot(0, vec![older]), NOW + 3);
    let d = seen(&mut e).expect("the outbox");
    assert_eq!(
        d.outbox.len(),
        1,
        "only this tab's own edit: {:?}",
        d.outbox
    );
    assert!(d.outbox[0].cas);
    assert_eq!(
        d.outbox[0].base,
        Some(Stamp::new(NOW - 9, 0, "x").to_string())
    );
}

#[test]
fn an_entry_that_came_by_this_sessions_route_waits_for_the_server() {
    let mut a = args("tab2", &[], None);
    a.route = Some("rRoute1".into());
    let mut e = started(&a);
    let key = storage_key("u-gis", "zoom");
    let routed = |n: u32| {
        common::entry_with(
            "u-gis",
            "zoom",
            &json!(n),
            Stamp::new(NOW + u64::from(n), 0, "tab1"),
            None,
            Some("rRoute1"),
        )
    };
    // Another tab of this browser wrote an edit the server also carries to this session.
    e.on_storage(Some(&key), Some(&routed(1)), NOW);
    assert!(e.awaits_server());
    assert!(
        e.take_delivery().is_none(),
        "the server brings it: no delivery of our own"
    );
    // The server's run of this session applied it: its render args say so.
    a.have
        .insert("zoom".into(), Stamp::new(NOW + 1, 0, "tab1").to_string());
    e.configure(&a).unwrap();
    assert!(!e.awaits_server());
    assert!(e.take_delivery().is_none());
    // The next one never comes through the server (its rerun was lost): late, it is delivered.
    e.on_storage(Some(&key), Some(&routed(2)), NOW);
    assert!(e.awaits_server());
    e.server_late();
    let d = e.take_delivery().expect("delivered after all");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(2));
}

#[test]
fn an_entry_the_server_brought_before_its_storage_event_is_no_news() {
    let mut a = args("tab2", &[], None);
    a.route = Some("rRoute1".into());
    let mut e = started(&a);
    // The server's run applied it and said so in the render args first.
    a.have
        .insert("zoom".into(), Stamp::new(NOW + 1, 0, "tab1").to_string());
    e.configure(&a).unwrap();
    let routed = common::entry_with(
        "u-gis",
        "zoom",
        &json!(1),
        Stamp::new(NOW + 1, 0, "tab1"),
        None,
        Some("rRoute1"),
    );
    e.on_storage(Some(&storage_key("u-gis", "zoom")), Some(&routed), NOW);
    assert!(!e.awaits_server(), "nothing to wait for");
    assert!(e.take_delivery().is_none(), "no second run");
}

#[test]
fn an_entry_of_another_route_or_none_is_news_at_once() {
    let mut a = args("tab2", &[], None);
    a.route = Some("rRoute1".into());
    let mut e = started(&a);
    let key = storage_key("u-gis", "zoom");
    for (n, route) in [(1, None), (2, Some("pOtherProcess"))] {
        let text = common::entry_with(
            "u-gis",
            "zoom",
            &json!(n),
            Stamp::new(NOW + n, 0, "tab1"),
            None,
            route,
        );
        e.on_storage(Some(&key), Some(&text), NOW);
        assert!(!e.awaits_server());
        assert!(e.take_delivery().is_some(), "{route:?}");
    }
}

#[test]
fn an_outbox_entry_rides_along_until_a_delivery_carrying_it_is_seen() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    e.relay(&snapshot(0, vec![]), NOW); // the relay lacks it: a resend
    let first = e.take_delivery().expect("the outbox");
    assert_eq!(first.outbox.len(), 1);
    assert!(
        e.take_delivery().is_none(),
        "carried once: no new delivery for it"
    );
    // News arrives before Python saw the first delivery: the entry rides along again.
    let (k, t) = (
        storage_key("u-gis", "layers"),
        entry(
            "u-gis",
            "layers",
            json!(["a"]),
            Stamp::new(NOW + 1, 0, "t2"),
        ),
    );
    e.load(&k, &t, NOW + 2);
    let second = e.take_delivery().expect("news");
    assert_eq!(
        second.outbox, first.outbox,
        "Streamlit may have kept only this one"
    );
    e.seen("someone-else-9");
    e.seen(&first.id);
    e.redeliver();
    assert!(
        e.take_delivery().unwrap().outbox.is_empty(),
        "seen: handed over"
    );
}
