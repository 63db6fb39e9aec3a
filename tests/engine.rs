//! Engine: render args and storage changes in, writes and deliveries out.

mod common;

use serde_json::{json, Value};
use tabsync::core::*;

/// The wall of the stamps the Python side gives the edits of these tests: after everything
/// the tests store (as it is after everything a tab was shown).
const EDIT_WALL: u64 = 1_000_000;

fn args(tab: &str, edits: &[(&str, &str, Value)]) -> RenderArgs {
    RenderArgs {
        v: PROTOCOL_VERSION,
        ns: "gis".into(),
        tab: tab.into(),
        keys: vec!["zoom".into(), "layers".into()],
        edits: edits
            .iter()
            .map(|(k, id, v)| {
                // Each edit of a tab its own counter: the number its id ends with.
                let n = id.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0);
                let stamp = Stamp::new(EDIT_WALL, n, tab);
                let edit = match common::try_json(v) {
                    Ok(_) => common::edit("gis", k, id, v, stamp),
                    // An unshareable value, as a misbehaving writer would send it.
                    Err(_) => Edit {
                        id: id.to_string(),
                        e: format!(
                            r#"{{"f":1,"ns":"gis","k":"{k}","v":{v},"s":[{EDIT_WALL},{n},"{tab}"]}}"#
                        ),
                        base: None,
                    },
                };
                (k.to_string(), edit)
            })
            .collect(),
        ttl_ms: None,
        conflict: ConflictPolicy::Lww,
        resend: 0,
        devices: false,
        relay: None,
        route: None,
        have: Default::default(),
        seen: None,
        presence: false,
    }
}

fn stored(key: &str, value: Value, stamp: Stamp) -> (String, String) {
    let env = Envelope {
        ns: "gis".into(),
        key: key.into(),
        value: common::json(&value),
        stamp,
        expires: None,
        route: None,
    };
    (env.storage_key(), env.encode())
}

#[test]
fn first_render_delivers_the_stored_state() {
    let mut e = Engine::new("i");
    let a = args("tab1", &[]);
    assert_eq!(e.configure(&a), Ok(true));
    let (k, t) = stored("zoom", json!(7), Stamp::new(10, 0, "other"));
    e.load(&k, &t, 100);
    assert!(e.apply_edits(&a, 100, |_| None).is_empty());
    let d = e.take_delivery().expect("initial delivery");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(7));
    assert!(e.take_delivery().is_none(), "no news, no second delivery");
}

#[test]
fn an_edit_is_written_once_and_acked_without_a_delivery() {
    let mut e = Engine::new("i");
    let a = args("tab1", &[("zoom", "tab1.1", json!(5))]);
    e.configure(&a).unwrap();
    e.take_delivery();
    let writes = e.apply_edits(&a, 100, |_| None);
    assert_eq!(writes.len(), 1);
    let Effect::Write { key, text } = &writes[0] else {
        panic!("a write")
    };
    assert_eq!(key, &storage_key("gis", "zoom"));
    assert_eq!(
        text,
        &a.edits.get("zoom").unwrap().e,
        "the entry is written as it is"
    );
    assert_eq!(
        common::value(&Envelope::decode(text).unwrap().value),
        json!(5)
    );
    assert!(
        e.take_delivery().is_none(),
        "the writer gets no delivery of its own write"
    );
    assert!(
        e.apply_edits(&a, 200, |_| None).is_empty(),
        "the same edit is not rewritten"
    );
    assert_eq!(e.acks().get("zoom").unwrap(), "tab1.1");
}

#[test]
fn a_local_edit_stamped_after_what_the_tab_was_shown_is_written_as_it_is() {
    let mut e = Engine::new("i");
    let a = args("tab1", &[]);
    e.configure(&a).unwrap();
    let (k, t) = stored("zoom", json!(9), Stamp::new(5_000, 3, "fast"));
    assert_eq!(e.on_storage(Some(&k), Some(&t), 1_000), vec![]);
    assert!(e.has_news());
    e.take_delivery();
    let b = args("tab1", &[("zoom", "tab1.1", json!(2))]);
    let writes = e.apply_edits(&b, 1_000, |_| None);
    let [Effect::Write { text, .. }] = &writes[..] else {
        panic!("one write: {writes:?}")
    };
    assert_eq!(text, &b.edits.get("zoom").unwrap().e);
    assert_eq!(
        Envelope::decode(text).unwrap().stamp,
        Stamp::new(EDIT_WALL, 1, "tab1")
    );
    assert!(
        e.take_delivery().is_none(),
        "the writer gets no delivery of its own write"
    );
}

#[test]
fn an_edit_stamped_below_a_value_the_tab_holds_loses_to_it_and_is_still_acked() {
    // Another tab's newer value reached this browser before the Python side was shown it:
    // last writer wins, so the edit is not written; the Python side hears of the newer value.
    let mut e = Engine::new("i");
    let a = args("tab1", &[]);
    e.configure(&a).unwrap();
    e.take_delivery();
    let (k, t) = stored("zoom", json!(9), Stamp::new(EDIT_WALL + 1, 0, "other"));
    e.on_storage(Some(&k), Some(&t), 1_000);
    e.take_delivery();
    let b = args("tab1", &[("zoom", "tab1.1", json!(2))]);
    assert!(
        e.apply_edits(&b, 1_000, |_| None).is_empty(),
        "nothing written"
    );
    assert_eq!(e.acks().get("zoom").map(String::as_str), Some("tab1.1"));
    assert_eq!(
        common::value(&e.replica().get("zoom").unwrap().value),
        json!(9)
    );
}

#[test]
fn an_edit_of_another_key_or_tab_is_refused_and_reported() {
    let mut e = Engine::new("i");
    let mut a = args("tab1", &[]);
    let forged = common::edit(
        "gis",
        "layers",
        "tab1.1",
        &json!(1),
        Stamp::new(EDIT_WALL, 0, "tab1"),
    );
    a.edits.insert("zoom".into(), forged);
    let other_tab = common::edit(
        "gis",
        "layers",
        "tab1.2",
        &json!(1),
        Stamp::new(EDIT_WALL, 0, "x"),
    );
    a.edits.insert("layers".into(), other_tab);
    e.configure(&a).unwrap();
    assert!(e.apply_edits(&a, 10, |_| None).is_empty());
    let d = e.take_delivery().expect("the refusal is news");
    assert!(d.error.expect("reported").contains("another key or tab"));
}

#[test]
fn stale_duplicate_foreign_and_invalid_events_make_no_delivery() {
    let mut e = Engine::new("i");
    let a = args("tab1", &[]);
    e.configure(&a).unwrap();
    e.take_delivery();
    let (k, new) = stored("zoom", json!(2), Stamp::new(20, 0, "b"));
    let (_, old) = stored("zoom", json!(1), Stamp::new(10, 0, "b"));
    assert_eq!(e.on_storage(Some(&k), Some(&new), 30), vec![]);
    assert!(e.take_delivery().is_some());
    assert_eq!(e.on_storage(Some(&k), Some(&new), 30), vec![], "duplicate");
    let repair = Effect::Write {
        key: k.clone(),
        text: new.clone(),
    };
    let stale = e.on_storage(Some(&k), Some(&old), 30);
    assert_eq!(
        stale,
        vec![repair],
        "a stale entry is overwritten with the newer one"
    );
    let foreign = e.on_storage(Some("tabsync:v1:other:zoom"), Some(&new), 30);
    assert_eq!(foreign, vec![], "other namespace");
    let garbage = e.on_storage(Some(&k), Some("{garbage"), 30);
    assert_eq!(garbage, vec![], "invalid");
    assert!(e.take_delivery().is_none());
    assert_eq!(e.ignored(), 1);
}

#[test]
fn a_clear_or_removal_takes_nothing_and_storage_is_reseeded() {
    let mut e = Engine::new("i");
    e.configure(&args("tab1", &[])).unwrap();
    let (kz, tz) = stored("zoom", json!(2), Stamp::new(20, 0, "b"));
    let (kl, tl) = stored("layers", json!(["a"]), Stamp::new(21, 0, "b"));
    e.on_storage(Some(&kz), Some(&tz), 30);
    e.on_storage(Some(&kl), Some(&tl), 30);
    e.take_delivery();
    let reseed = e.on_storage(None, None, 40);
    let mut keys: Vec<_> = reseed
        .iter()
        .map(|w| match w {
            Effect::Write { key, text } => (key.clone(), text.clone()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    keys.sort();
    assert_eq!(keys, vec![(kl.clone(), tl), (kz.clone(), tz.clone())]);
    let removal = e.on_storage(Some(&kz), None, 40);
    assert_eq!(removal, vec![Effect::Write { key: kz, text: tz }]);
    assert!(e.take_delivery().is_none(), "a clear is no news");
    assert_eq!(e.replica().len(), 2);
}

#[test]
fn failed_writes_degrade_the_status_and_are_retried_until_they_succeed() {
    let mut e = Engine::new("i");
    let a = args("tab1", &[("zoom", "tab1.1", json!(4))]);
    e.configure(&a).unwrap();
    e.take_delivery();
    let writes = e.apply_edits(&a, 100, |_| None);
    let Effect::Write { key, text } = writes[0].clone() else {
        panic!("a write")
    };
    e.write_failed(&key, &text, "QuotaExceededError: full");
    let d = e.take_delivery().expect("the failure is news");
    assert_eq!(
        (d.status, d.error.as_deref()),
        (Status::Degraded, Some("QuotaExceededError: full"))
    );
    assert_eq!(
        common::value(&d.values.get("zoom").unwrap().t),
        json!(4),
        "the writer keeps its value"
    );
    e.write_failed(&key, &text, "QuotaExceededError: full");
    assert!(
        e.take_delivery().is_none(),
        "a retry failing the same way is no news"
    );
    assert_eq!(
        e.retry_unsaved(200),
        vec![Effect::Write {
            key: key.clone(),
            text
        }]
    );
    e.write_succeeded(&key);
    assert!(!e.has_unsaved());
    assert_eq!(
        e.take_delivery().expect("recovery is news").status,
        Status::Live
    );
}

#[test]
fn a_failed_write_is_tried_again_with_the_same_text_route_and_all() {
    let mut e = Engine::new("i");
    let mut a = args("tab1", &[]);
    let entry = common::entry_with(
        "gis",
        "zoom",
        &json!(3),
        Stamp::new(EDIT_WALL, 1, "tab1"),
        None,
        Some("pRoute"),
    );
    a.edits.insert(
        "zoom".into(),
        Edit {
            id: "tab1.1".into(),
            e: entry.clone(),
            base: None,
        },
    );
    e.configure(&a).unwrap();
    let writes = e.apply_edits(&a, 100, |_| None);
    let [Effect::Write { key, text }] = &writes[..] else {
        panic!("one write: {writes:?}")
    };
    assert_eq!(text, &entry);
    e.write_failed(key, text, "QuotaExceededError: full");
    let retried = e.retry_unsaved(200);
    assert_eq!(
        retried,
        vec![Effect::Write {
            key: key.clone(),
            text: entry
        }]
    );
}

#[test]
fn an_edit_read_against_a_newer_stored_entry_yields_to_it_and_storage_keeps_the_newer() {
    let mut e = Engine::new("i");
    let a = args("slow", &[("zoom", "slow.1", json!(1))]);
    e.configure(&a).unwrap();
    let (k, t) = stored("zoom", json!(5), Stamp::new(EDIT_WALL + 9, 0, "fast"));
    let writes = e.apply_edits(&a, 1_000, |key| (key == k).then(|| t.clone()));
    assert!(
        writes.is_empty(),
        "the newer stored entry stays: {writes:?}"
    );
    let d = e.take_delivery().expect("the newer value is news");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(5));
}

#[test]
fn unbound_keys_are_kept_but_not_delivered() {
    let mut e = Engine::new("i");
    e.configure(&args("tab1", &[])).unwrap();
    e.take_delivery();
    let (k, t) = stored("other", json!(1), Stamp::new(20, 0, "b"));
    assert_eq!(e.on_storage(Some(&k), Some(&t), 30), vec![]);
    assert!(e.take_delivery().is_none());
}

#[test]
fn restored_acks_stop_a_new_instance_rewriting_old_edits() {
    let mut first = Engine::new("one");
    let a = args("tab1", &[("zoom", "tab1.4", json!(3))]);
    first.configure(&a).unwrap();
    assert_eq!(first.apply_edits(&a, 10, |_| None).len(), 1);
    let mut second = Engine::new("two");
    second.restore_acks(first.acks().clone());
    second.configure(&a).unwrap();
    assert!(second.apply_edits(&a, 20, |_| None).is_empty());
}

#[test]
fn an_unshareable_edit_is_refused_alone_and_reported_by_key() {
    let mut e = Engine::new("i");
    let deep = (0..40).fold(json!(1), |v, _| json!([v]));
    let a = args(
        "tab1",
        &[
            ("zoom", "tab1.1", deep),
            ("layers", "tab1.2", json!(["roads"])),
        ],
    );
    e.configure(&a).unwrap();
    let writes = e.apply_edits(&a, 10, |_| None);
    // The shareable edit of the same render is still written.
    assert_eq!(writes.len(), 1, "{writes:?}");
    match &writes[0] {
        Effect::Write { key, text } => {
            assert!(key.ends_with(":layers"), "{key}");
            assert!(text.contains("roads"), "{text}");
        }
        other => panic!("expected a write, got {other:?}"),
    }
    // Both are acknowledged, so neither is taken again on the next render.
    assert_eq!(e.acks().get("zoom").map(String::as_str), Some("tab1.1"));
    assert_eq!(e.acks().get("layers").map(String::as_str), Some("tab1.2"));
    assert!(e.apply_edits(&a, 20, |_| None).is_empty());
    // The refusal is reported, naming the key.
    let d = e.take_delivery().expect("the refusal is news");
    let error = d.error.expect("an error is reported");
    assert!(error.contains("'zoom'"), "{error}");
    assert!(
        !d.values.contains_key("zoom"),
        "the deep value was not shared"
    );
}

#[test]
fn bad_names_in_args_are_refused() {
    let mut e = Engine::new("i");
    let mut a = args("tab1", &[]);
    a.ns = "no:colons".into();
    assert_eq!(e.configure(&a), Err(ArgsError::BadName));
}

#[test]
fn expired_entries_are_ignored_and_removed() {
    let mut e = Engine::new("i");
    let mut a = args("tab1", &[]);
    a.ttl_ms = Some(1_000);
    e.configure(&a).unwrap();
    let (k, t) = stored("zoom", json!(3), Stamp::new(5_000, 0, "b"));
    assert_eq!(
        e.load(&k, &t, 6_000),
        Some(Effect::Remove { key: k.clone() })
    );
    assert!(
        e.replica().get("zoom").is_none(),
        "an expired value is never resurrected"
    );
    assert_eq!(
        e.load(&k, &t, 5_999),
        None,
        "still fresh a millisecond earlier"
    );
    assert!(e.replica().get("zoom").is_some());
}

#[test]
fn a_writer_ttl_travels_with_the_entry() {
    let mut writer = Engine::new("w");
    let mut a = args("w", &[]);
    a.ttl_ms = Some(500);
    // The Python side sets the expiry: the stamp's wall plus the time to live.
    let entry = common::entry_with(
        "gis",
        "zoom",
        &json!(2),
        Stamp::new(10_000, 0, "w"),
        Some(10_500),
        None,
    );
    a.edits.insert(
        "zoom".into(),
        Edit {
            id: "w.1".into(),
            e: entry,
            base: None,
        },
    );
    writer.configure(&a).unwrap();
    let writes = writer.apply_edits(&a, 10_000, |_| None);
    let Effect::Write { key, text } = &writes[0] else {
        panic!("a write")
    };
    assert_eq!(Envelope::decode(text).unwrap().expires, Some(10_500));
    let mut reader = Engine::new("r");
    reader.configure(&args("r", &[])).unwrap();
    assert_eq!(
        reader.load(key, text, 10_600),
        Some(Effect::Remove { key: key.clone() })
    );
}

fn reject_args(tab: &str, id: &str, v: Value, base: Option<&Stamp>) -> RenderArgs {
    let mut a = args(tab, &[("zoom", id, v)]);
    a.conflict = ConflictPolicy::Reject;
    if let Some(edit) = a.edits.get_mut("zoom") {
        edit.base = base.map(Stamp::to_string);
    }
    a
}

#[test]
fn under_reject_an_edit_on_a_replaced_value_is_refused_and_reported() {
    let mut e = Engine::new("i");
    let base = Stamp::new(10, 0, "x");
    let a = reject_args("me", "me.1", json!(5), Some(&base));
    e.configure(&a).unwrap();
    e.take_delivery();
    let pending = e.begin_edits(&a);
    assert!(pending[0].compare);
    assert!(
        e.begin_edits(&a).is_empty(),
        "in flight edits are not taken twice"
    );
    let (_, theirs) = stored("zoom", json!(9), Stamp::new(20, 0, "other"));
    let p = pending.into_iter().next().unwrap();
    assert_eq!(e.commit(p, Some(&theirs), 30), None);
    let d = e.take_delivery().expect("the conflict is delivered");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(9));
    assert_eq!(d.acks.get("zoom").unwrap(), "me.1");
    assert_eq!(d.conflicts.len(), 1);
    assert_eq!(
        (
            common::value(&d.conflicts[0].mine),
            common::value(&d.conflicts[0].theirs)
        ),
        (json!(5), json!(9))
    );
}

#[test]
fn under_reject_an_edit_on_the_current_value_or_our_own_write_is_written() {
    let mut e = Engine::new("i");
    let base = Stamp::new(10, 0, "x");
    let a = reject_args("me", "me.1", json!(5), Some(&base));
    e.configure(&a).unwrap();
    let (_, same) = stored("zoom", json!(1), base.clone());
    let p = e.begin_edits(&a).remove(0);
    let Some(Effect::Write { text, .. }) = e.commit(p, Some(&same), 30) else {
        panic!("written")
    };
    // The next edit is still based on `base` (our own write is never delivered back), but
    // storage holds our own write: not a conflict.
    let b = reject_args("me", "me.2", json!(6), Some(&base));
    let p = e.begin_edits(&b).remove(0);
    assert!(matches!(
        e.commit(p, Some(&text), 40),
        Some(Effect::Write { .. })
    ));
}

#[test]
fn render_args_with_edits_in_any_key_order_are_read_into_a_sorted_map() {
    let args: RenderArgs = serde_json::from_str(
        r#"{"v":3,"ns":"gis","tab":"t","keys":["zoom","layers","a"],
            "edits":{"zoom":{"id":"t.3","e":"1"},"a":{"id":"t.1","e":"2"},"layers":{"id":"t.2","e":"[]"}}}"#,
    )
    .unwrap();
    let keys: Vec<&str> = args.edits.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["a", "layers", "zoom"]);
    assert_eq!(args.edits.get("zoom").map(|e| e.id.as_str()), Some("t.3"));
    // A repeated key keeps the last edit, as a JS object would.
    let args: RenderArgs = serde_json::from_str(
        r#"{"v":3,"ns":"gis","tab":"t","keys":["zoom"],
            "edits":{"zoom":{"id":"t.1","e":"1"},"zoom":{"id":"t.2","e":"2"}}}"#,
    )
    .unwrap();
    assert_eq!(args.edits.len(), 1);
    assert_eq!(args.edits.get("zoom").map(|e| e.id.as_str()), Some("t.2"));
    // No edits at all is fine too.
    let args: RenderArgs =
        serde_json::from_str(r#"{"v":3,"ns":"gis","tab":"t","keys":[]}"#).unwrap();
    assert!(args.edits.is_empty());
}

#[test]
fn without_storage_a_tab_stays_degraded_and_shares_what_it_holds_with_a_tab_that_joins() {
    let mut e = Engine::new("i");
    e.storage_replaced("SecurityError: denied; syncing over BroadcastChannel");
    let a = args("tab1", &[("zoom", "tab1.1", json!(6))]);
    e.configure(&a).unwrap();
    let (k, t) = stored("layers", json!(["parks"]), Stamp::new(10, 0, "other"));
    e.on_storage(Some(&k), Some(&t), 20);
    let writes = e.apply_edits(&a, 30, |_| None);
    let Some(Effect::Write { key, .. }) = writes.first() else {
        panic!("the edit is written: {writes:?}")
    };
    e.write_succeeded(key);
    let d = e.take_delivery().expect("first delivery");
    assert_eq!(
        d.status,
        Status::Degraded,
        "a successful write does not make it live"
    );
    assert!(d.error.unwrap().contains("BroadcastChannel"));

    // Asked by a tab that joins, it sends every entry it holds, stamps unchanged.
    let shared = e.entries_to_share(40);
    let mut texts: Vec<Envelope> = shared
        .iter()
        .map(|effect| match effect {
            Effect::Write { key, text } => Envelope::decode_at(key, text).unwrap(),
            other => panic!("expected writes, got {other:?}"),
        })
        .collect();
    texts.sort_by(|x, y| x.key.cmp(&y.key));
    assert_eq!(texts.len(), 2);
    assert_eq!(
        (texts[0].key.as_str(), &texts[0].stamp),
        ("layers", &Stamp::new(10, 0, "other"))
    );
    assert_eq!(texts[1].key, "zoom");
    assert_eq!(common::value(&texts[1].value), json!(6));

    // The joining tab takes them as it would stored entries.
    let mut joiner = Engine::new("j");
    joiner.configure(&args("tab2", &[])).unwrap();
    joiner.take_delivery();
    for effect in shared {
        if let Effect::Write { key, text } = effect {
            joiner.on_storage(Some(&key), Some(&text), 50);
        }
    }
    let d = joiner.take_delivery().expect("the shared entries are news");
    assert_eq!(common::value(&d.values.get("zoom").unwrap().t), json!(6));
    assert_eq!(
        common::value(&d.values.get("layers").unwrap().t),
        json!(["parks"])
    );
}
