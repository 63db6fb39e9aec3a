//! The Python <-> module protocol, pinned by golden messages in `tests/protocol/`.
//!
//! Deliveries are made here by a real engine and compared with the golden files, which the
//! Python tests (`tests/python/test_protocol.py`) parse with the package's own parser; the
//! golden render args are what the Python side builds, and must parse here. Change the
//! protocol on purpose by running `TABSYNC_BLESS=1 cargo test --test protocol`, which
//! rewrites the files, then make the Python side agree.

use std::path::PathBuf;

use serde_json::Value;
use tabsync::core::*;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("protocol")
        .join(name)
}

/// Compares `message` with the golden file `name` (or rewrites it under `TABSYNC_BLESS=1`).
fn golden(name: &str, message: &str) {
    let path = golden_path(name);
    let pretty = {
        let value: Value = serde_json::from_str(message).expect("the message is JSON");
        serde_json::to_string_pretty(&value).expect("printable") + "\n"
    };
    if std::env::var_os("TABSYNC_BLESS").is_some() {
        std::fs::write(&path, &pretty).expect("golden file written");
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let stored: Value = serde_json::from_str(&stored).unwrap_or(Value::Null);
    let made: Value = serde_json::from_str(message).expect("the message is JSON");
    assert_eq!(
        made, stored,
        "{name} changed: if on purpose, rerun with TABSYNC_BLESS=1 and update the Python side"
    );
    // The exact text matters too: values are JSON text inside JSON, compared by string.
    assert_eq!(
        serde_json::to_string(&made).unwrap(),
        serde_json::to_string(&stored).unwrap()
    );
}

fn args(keys: &[&str]) -> RenderArgs {
    RenderArgs {
        v: PROTOCOL_VERSION,
        ns: "gold".into(),
        tab: "t1".into(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        edits: Default::default(),
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

fn stored(key: &str, text: &str, wall: u64) -> (String, String) {
    let env = Envelope {
        ns: "gold".into(),
        key: key.into(),
        value: Json::parse(text).expect("a valid value"),
        stamp: Stamp::new(wall, 0, "writer"),
        expires: None,
        route: None,
    };
    (env.storage_key(), env.encode())
}

/// Values no JS number or JS object could carry intact, each as its writer's text.
pub const EXACT_VALUES: [(&str, &str); 5] = [
    ("big", "1152921504606846977"),
    ("ids", r#"{"ids":[9223372036854775807]}"#),
    ("negzero", "-0.0"),
    ("decimal", "0.1000000000000000055511151231257827"),
    ("order", r#"{"b":1,"10":2,"9":3}"#),
];

#[test]
fn a_delivery_carries_every_value_as_its_writers_text() {
    let keys: Vec<&str> = EXACT_VALUES.iter().map(|(k, _)| *k).collect();
    let mut engine = Engine::new("gold");
    engine.configure(&args(&keys)).unwrap();
    for (n, (key, text)) in EXACT_VALUES.iter().enumerate() {
        let (storage_key, entry) = stored(key, text, 1_000 + n as u64);
        engine.load(&storage_key, &entry, 10_000);
    }
    let delivery = engine.take_delivery().expect("the first delivery");
    for (key, text) in EXACT_VALUES {
        assert_eq!(delivery.values.get(key).unwrap().t.as_str(), text);
    }
    golden("delivery_values.json", &delivery.to_json());
}

#[test]
fn a_refused_edit_is_delivered_with_both_values_as_text() {
    let mut a = args(&["zoom"]);
    a.conflict = ConflictPolicy::Reject;
    a.edits.insert(
        "zoom".into(),
        Edit {
            id: "t1.1".into(),
            e: r#"{"f":1,"ns":"gold","k":"zoom","v":1152921504606846977,"s":[30,0,"t1"]}"#.into(),
            base: Some(Stamp::new(10, 0, "x").to_string()),
        },
    );
    let mut engine = Engine::new("gold");
    engine.configure(&a).unwrap();
    engine.take_delivery();
    let pending = engine.begin_edits(&a).remove(0);
    let (_, theirs) = stored("zoom", "-0.0", 20);
    assert_eq!(engine.commit(pending, Some(&theirs), 30), None);
    let delivery = engine.take_delivery().expect("the conflict is news");
    golden("delivery_conflict.json", &delivery.to_json());
}

#[test]
fn render_args_of_another_version_are_reported_not_dropped() {
    let mut engine = Engine::new("gold");
    let mut old = args(&["zoom"]);
    old.v = 1;
    let err = engine.configure(&old).unwrap_err();
    assert_eq!(err, ArgsError::Version(1));
    engine.args_refused(&err.to_string());
    let delivery = engine.take_delivery().expect("the refusal is delivered");
    assert_eq!(delivery.ns, None);
    assert_eq!(delivery.status, Status::Blocked);
    assert!(delivery.values.is_empty());
    golden("delivery_args_refused.json", &delivery.to_json());

    // Readable args afterwards clear the report and deliver the shared state.
    engine.configure(&args(&["zoom"])).unwrap();
    let delivery = engine.take_delivery().expect("the state at mount");
    assert_eq!(delivery.ns.as_deref(), Some("gold"));
    assert_eq!(delivery.status, Status::Live);
    assert_eq!(delivery.error, None);
}

#[test]
fn the_render_args_python_builds_parse_here() {
    // tests/python/test_protocol.py checks that the Python side builds exactly this.
    let text = std::fs::read_to_string(golden_path("render_args.json")).expect("golden args");
    let parsed = RenderArgs::from_json(&text).expect("the golden args parse");
    assert_eq!(parsed.v, PROTOCOL_VERSION);
    assert_eq!(parsed.ns, "gold");
    assert_eq!(parsed.keys, vec!["big".to_owned(), "zoom".to_owned()]);
    let entry = Envelope::decode(&parsed.edits.get("big").unwrap().e).expect("an entry");
    assert_eq!(entry.value.as_str(), "1152921504606846977");
    assert_eq!(entry.stamp, Stamp::new(1_764_110_000_000, 0, "t1"));
    assert_eq!(parsed.conflict, ConflictPolicy::Reject);
    assert_eq!(parsed.ttl_ms, Some(1500));
    assert_eq!(parsed.resend, 3);
    assert!(parsed.presence);
    let mut engine = Engine::new("gold");
    assert_eq!(engine.configure(&parsed), Ok(true));
}

#[test]
fn presence_is_delivered_once_per_change() {
    // tests/python/test_protocol.py reads the peer count and leadership of this delivery.
    let mut a = args(&["zoom"]);
    a.presence = true;
    let mut engine = Engine::new("gold");
    engine.configure(&a).unwrap();
    let first = engine.take_delivery().expect("the state at mount");
    assert_eq!((first.peers, first.leader), (None, None), "not counted yet");
    assert!(
        !first.to_json().contains("peers"),
        "unknown figures are left out"
    );
    engine.set_presence(Some(2), Some(true));
    let counted = engine.take_delivery().expect("the first count is news");
    golden("delivery_presence.json", &counted.to_json());
    engine.set_presence(Some(2), Some(true));
    assert!(engine.take_delivery().is_none(), "the same figures are not");
    engine.set_presence(Some(1), Some(true));
    assert_eq!(engine.take_delivery().expect("a peer left").peers, Some(1));
    engine.set_presence(None, None);
    let off = engine.take_delivery().expect("presence turned off");
    assert!(!off.to_json().contains("leader"));
}

#[test]
fn a_new_resend_count_makes_a_delivery_of_the_unchanged_state() {
    let mut engine = Engine::new("gold");
    let mut a = args(&["zoom"]);
    engine.configure(&a).unwrap();
    let (key, entry) = stored("zoom", "7", 5);
    engine.load(&key, &entry, 10);
    engine.take_delivery().expect("the state at mount");
    engine.configure(&a).unwrap();
    assert!(engine.take_delivery().is_none(), "same args: no news");
    a.resend = 1;
    engine.configure(&a).unwrap();
    let again = engine.take_delivery().expect("asked for again");
    assert_eq!(again.values.get("zoom").unwrap().t.as_str(), "7");
}

#[test]
fn a_noted_problem_is_delivered_by_itself() {
    let mut engine = Engine::new("gold");
    engine.configure(&args(&["zoom"])).unwrap();
    engine.take_delivery();
    engine.note("Web Lock request failed: AbortError: denied");
    let delivery = engine.take_delivery().expect("a new problem is news");
    assert_eq!(
        delivery.error.as_deref(),
        Some("Web Lock request failed: AbortError: denied")
    );
    engine.note("Web Lock request failed: AbortError: denied");
    assert!(
        engine.take_delivery().is_none(),
        "the same problem again is not"
    );
}

#[test]
fn a_devices_resend_is_delivered_with_its_outbox() {
    // tests/python/test_protocol.py parses this delivery and the devices args below.
    let text = std::fs::read_to_string(golden_path("render_args_devices.json")).expect("args");
    let parsed = RenderArgs::from_json(&text).expect("the golden args parse");
    assert!(parsed.devices);
    assert_eq!(parsed.route.as_deref(), Some("rGold"));
    assert_eq!(
        parsed.have.get("layers").map(String::as_str),
        Some("0000000000009000.0000000000.dev2")
    );
    let relay = parsed.relay.clone().expect("a relay snapshot");
    assert_eq!(relay.gen, 4);
    let mut engine = Engine::new("gold");
    engine.configure(&parsed).unwrap();
    engine.take_delivery().expect("the state at mount");
    let writes = engine.apply_edits(&parsed, 10_000, |_| None);
    assert_eq!(writes.len(), 1, "the edit is written");
    assert!(
        engine.relay(&relay, 10_000).len() == 1,
        "the relay's entry is newer: written to storage"
    );
    // The relay lacks the edit (it was down when the Python side put it): resent.
    let delivery = engine.take_delivery().expect("the outbox");
    assert_eq!(delivery.outbox.len(), 1);
    assert!(
        delivery.quiet,
        "nothing else is news: the run that sent the snapshot applied it"
    );
    golden("delivery_outbox.json", &delivery.to_json());
}

/// The field names serde's derive gives a struct, in declaration order: what its
/// `Deserialize` impl hands to `deserialize_struct`, caught by a deserializer that reads
/// nothing else.
fn derived_fields<'de, T: serde::Deserialize<'de>>() -> Vec<&'static str> {
    use serde::de::{self, Visitor};

    #[derive(Debug)]
    struct Caught(Vec<&'static str>);

    impl std::fmt::Display for Caught {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fields {:?}", self.0)
        }
    }

    impl std::error::Error for Caught {}

    impl de::Error for Caught {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Caught(Vec::new())
        }
    }

    struct Names;

    impl<'de> de::Deserializer<'de> for Names {
        type Error = Caught;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Caught> {
            Err(Caught(Vec::new()))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Caught> {
            Err(Caught(fields.to_vec()))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    match T::deserialize(Names) {
        Ok(_) => panic!("the derive read a struct out of nothing"),
        Err(Caught(fields)) => fields,
    }
}

#[test]
fn the_render_args_reader_lists_every_field_of_the_derive_in_its_order() {
    // RenderArgs::from_json reads the fields of RENDER_ARG_FIELDS; the serde derive on the
    // same struct is the wire format's definition (tests/differential.rs holds the reader to
    // it). A field added, renamed or moved in the struct without the list fails here.
    assert_eq!(RENDER_ARG_FIELDS.to_vec(), derived_fields::<RenderArgs>());
}
