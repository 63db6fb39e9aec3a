//! Devices mode: the engine's side of the server relay (outbox of stamped entries, snapshots
//! read as untrusted input, healing towards the highest stamps), and the stamp order shared
//! with the Python and Lua comparisons.

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
                let edit = Edit {
                    id: id.to_string(),
                    t: v.to_string(),
                    base: None,
                };
                (k.to_string(), edit)
            })
            .collect(),
        ttl_ms: None,
        conflict: ConflictPolicy::Lww,
        resend: 0,
        devices: true,
        seen: None,
        presence: false,
        relay: relay.map(|(gen, entries)| RelaySnapshot {
            gen,
            entries,
            refused: vec![],
        }),
    }
}

fn entry(ns: &str, key: &str, value: Value, stamp: Stamp) -> String {
    Envelope {
        ns: ns.into(),
        key: key.into(),
        value: common::json(&value),
        stamp,
        expires: None,
    }
    .encode()
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
fn an_edit_in_devices_mode_is_handed_over_in_a_quiet_delivery() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    let writes = e.apply_edits(&a, NOW, |_| None);
    let [Effect::Write { text, .. }] = writes.as_slice() else {
        panic!("one storage write, got {writes:?}")
    };
    let d = seen(&mut e).expect("the outbox makes a delivery");
    assert!(d.quiet, "only the outbox: no news for this tab");
    assert_eq!(d.outbox.len(), 1);
    assert_eq!(
        &d.outbox[0].e, text,
        "the relay gets the stored text, stamp and all"
    );
    assert_eq!(d.outbox[0].id.as_deref(), Some("tab1.1"));
    assert!(!d.outbox[0].cas);
    assert!(seen(&mut e).is_none(), "handed over once");
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
fn a_reject_edit_carries_its_base_for_the_relays_compare_and_set() {
    let mut a = args("tab1", &[], None);
    a.conflict = ConflictPolicy::Reject;
    a.edits.insert(
        "zoom".into(),
        Edit {
            id: "tab1.1".into(),
            t: "5".into(),
            base: Some(Stamp::new(NOW - 10, 0, "x").to_string()),
        },
    );
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    let d = seen(&mut e).unwrap();
    assert!(d.outbox[0].cas);
    assert_eq!(
        d.outbox[0].base,
        Some(Stamp::new(NOW - 10, 0, "x").to_string())
    );
}

#[test]
fn a_newer_relay_entry_is_delivered_and_written_to_storage() {
    let text = entry("u-gis", "zoom", json!(9), Stamp::new(NOW, 0, "dev2"));
    let mut e = started(&args("tab1", &[], None));
    let writes = e.relay(
        &RelaySnapshot {
            refused: vec![],
            gen: 0,
            entries: vec![text.clone()],
        },
        NOW,
    );
    assert_eq!(
        writes,
        vec![Effect::Write {
            key: storage_key("u-gis", "zoom"),
            text
        }],
        "the browser's other tabs get it through storage"
    );
    let d = seen(&mut e).expect("news");
    assert!(!d.quiet);
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(9));
    assert!(d.outbox.is_empty(), "the relay is not behind");
}

#[test]
fn a_relay_behind_the_tab_gets_the_newer_entries_back() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    let handed = seen(&mut e).unwrap().outbox;
    // The hand-over failed (relay down); it comes back empty, or with an older value.
    let older = entry("u-gis", "zoom", json!(1), Stamp::new(NOW - 5, 0, "dev2"));
    for entries in [vec![], vec![older]] {
        let mut e2 = Engine::new("j");
        e2.configure(&a).unwrap();
        e2.apply_edits(&a, NOW, |_| None);
        seen(&mut e2);
        assert!(e2
            .relay(
                &RelaySnapshot {
                    gen: 0,
                    entries,
                    refused: vec![]
                },
                NOW
            )
            .is_empty());
        let d = seen(&mut e2).expect("the outbox");
        assert_eq!(d.outbox.len(), 1);
        assert_eq!(d.outbox[0].id, None, "a resend, not an edit");
        let resent = Envelope::decode(&d.outbox[0].e).unwrap();
        assert_eq!(common::value(&resent.value), json!(5));
        assert_eq!(
            resent.stamp,
            Envelope::decode(&handed[0].e).unwrap().stamp,
            "same stamp"
        );
    }
}

#[test]
fn an_unchanged_snapshot_is_examined_once_unless_its_generation_changes() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    seen(&mut e);
    let empty = RelaySnapshot {
        refused: vec![],
        gen: 0,
        entries: vec![],
    };
    e.relay(&empty, NOW);
    assert_eq!(seen(&mut e).unwrap().outbox.len(), 1);
    e.relay(&empty, NOW);
    assert!(seen(&mut e).is_none(), "same snapshot: nothing to do");
    e.relay(
        &RelaySnapshot {
            refused: vec![],
            gen: 1,
            entries: vec![],
        },
        NOW,
    );
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
    let writes = e.relay(
        &RelaySnapshot {
            refused: vec![],
            gen: 0,
            entries: bad.to_vec(),
        },
        NOW,
    );
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
fn an_edit_the_relay_refused_gives_way_to_the_relays_value() {
    let mut a = args("tab1", &[], None);
    a.conflict = ConflictPolicy::Reject;
    a.edits.insert(
        "zoom".into(),
        Edit {
            id: "tab1.1".into(),
            t: "5".into(),
            base: None,
        },
    );
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    seen(&mut e);
    // Another device wrote first (an older stamp): the relay kept its value and refused ours.
    let winner = entry("u-gis", "zoom", json!(9), Stamp::new(NOW - 1, 0, "dev2"));
    let snapshot = RelaySnapshot {
        gen: 0,
        entries: vec![winner],
        refused: vec!["tab1.1".into()],
    };
    let writes = e.relay(&snapshot, NOW);
    let [Effect::Write { text, .. }] = writes.as_slice() else {
        panic!("the relay's value is written back, got {writes:?}")
    };
    let back = Envelope::decode(text).unwrap();
    assert_eq!(common::value(&back.value), json!(9));
    assert!(
        back.stamp > Stamp::new(NOW, 0, "tab1"),
        "a new stamp, above the refused edit"
    );
    let d = seen(&mut e).expect("news");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(9));
    assert!(
        d.conflicts.is_empty(),
        "the Python side reports relay refusals"
    );
    assert_eq!(
        d.outbox.len(),
        1,
        "handed over once, not healed a second time"
    );
    assert_eq!(&d.outbox[0].e, text);
    // The same refusal again (an unchanged list with a new generation) is not taken twice.
    let again = RelaySnapshot { gen: 1, ..snapshot };
    assert!(e.relay(&again, NOW).is_empty(), "nothing taken back twice");
}

#[test]
fn a_refused_edit_whose_winner_already_arrived_needs_no_take_back() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.conflict = ConflictPolicy::Reject;
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    seen(&mut e);
    // The winner was stamped after this tab's edit but reached the relay first.
    let winner = entry("u-gis", "zoom", json!(9), Stamp::new(NOW + 5, 0, "dev2"));
    let snapshot = RelaySnapshot {
        gen: 0,
        entries: vec![winner.clone()],
        refused: vec!["tab1.1".into()],
    };
    let writes = e.relay(&snapshot, NOW + 10);
    assert_eq!(
        writes.len(),
        1,
        "the winner is stored as it came, not restamped"
    );
    let d = seen(&mut e).expect("news");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(9));
    assert!(d.conflicts.is_empty());
    assert!(d.outbox.is_empty());
}

#[test]
fn under_reject_a_resend_is_the_same_compare_and_set_as_the_edit() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.conflict = ConflictPolicy::Reject;
    a.edits.get_mut("zoom").unwrap().base = Some(Stamp::new(NOW - 9, 0, "x").to_string());
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    seen(&mut e);
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
    e.relay(
        &RelaySnapshot {
            gen: 0,
            entries: vec![older],
            refused: vec![],
        },
        NOW + 3,
    );
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
fn a_refusal_that_arrives_before_the_relays_value_waits_for_it() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.conflict = ConflictPolicy::Reject;
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
    seen(&mut e);
    // The snapshot was read before the winner was stored: the refusal comes alone.
    let early = RelaySnapshot {
        gen: 0,
        entries: vec![],
        refused: vec!["tab1.1".into()],
    };
    e.relay(&early, NOW + 1);
    let d = seen(&mut e);
    assert!(
        d.is_none_or(|d| d.conflicts.is_empty()),
        "nothing to take back yet"
    );
    let winner = entry("u-gis", "zoom", json!(9), Stamp::new(NOW - 1, 0, "dev2"));
    let later = RelaySnapshot {
        gen: 0,
        entries: vec![winner],
        refused: vec!["tab1.1".into()],
    };
    e.relay(&later, NOW + 2);
    let d = seen(&mut e).expect("news");
    assert_eq!(
        common::value(&d.values.get("zoom").unwrap().t),
        json!(9),
        "taken back once the value came"
    );
}

#[test]
fn a_re_created_component_still_gives_way_to_a_refusal_of_its_tabs_edit() {
    let mut a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    a.conflict = ConflictPolicy::Reject;
    let mut first = started(&a);
    let writes = first.apply_edits(&a, NOW, |_| None);
    let [Effect::Write { key, text }] = writes.as_slice() else {
        panic!("one write")
    };
    // Streamlit re-creates the component: a new engine of the same tab reads storage.
    let mut e = Engine::new("j");
    e.configure(&a).unwrap();
    e.restore_acks(first.acks().clone());
    e.load(key, text, NOW + 1);
    seen(&mut e);
    let winner = entry("u-gis", "zoom", json!(9), Stamp::new(NOW - 1, 0, "dev2"));
    let snapshot = RelaySnapshot {
        gen: 0,
        entries: vec![winner],
        refused: vec!["tab1.1".into()],
    };
    let writes = e.relay(&snapshot, NOW + 2);
    assert_eq!(writes.len(), 1, "the relay's value is written back");
    let d = seen(&mut e).expect("news");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(9));
    // Its first instance took the value back already: a repeat of the refusal changes nothing.
    let again = RelaySnapshot { gen: 1, ..snapshot };
    let mut third = Engine::new("k");
    third.configure(&a).unwrap();
    third.restore_acks(e.acks().clone());
    let [Effect::Write { key, text }] = writes.as_slice() else {
        panic!("one write")
    };
    third.load(key, text, NOW + 3);
    assert!(
        third.relay(&again, NOW + 4).is_empty(),
        "the value is the relay's already"
    );
}

#[test]
fn an_outbox_entry_rides_along_until_a_delivery_carrying_it_is_seen() {
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))], None);
    let mut e = started(&a);
    e.apply_edits(&a, NOW, |_| None);
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
