//! The shared rules, held to the golden vectors of `tests/protocol/` that the Python (and,
//! for stamps, Lua) tests read too (`tests/python/test_rules.py`): names and keys
//! (`names.json`), stamps and their text form (`stamps.json`), and which stored texts are
//! entries (`entries.json`).

use std::path::PathBuf;

use serde_json::Value;
use tabsync::core::json::read::Reader;
use tabsync::core::*;

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("protocol")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the vectors file");
    serde_json::from_str(&text).expect("the vectors file is JSON")
}

fn list<'a>(file: &'a Value, field: &str) -> &'a Vec<Value> {
    file[field].as_array().expect("a list of vectors")
}

/// A name or key as a vector gives it: `text`, `repeat` [unit, times], or `json` (the JSON
/// text of a string). `None` when this crate's JSON reader refuses the `json` form, which is
/// how a Rust string, which cannot hold a lone surrogate, meets one.
fn spelt(vector: &Value) -> Option<String> {
    if let Some(text) = vector["text"].as_str() {
        return Some(text.to_owned());
    }
    if let Some([unit, times]) = vector["repeat"].as_array().map(Vec::as_slice) {
        let times = usize::try_from(times.as_u64().expect("a count")).expect("a small count");
        return Some(unit.as_str().expect("a unit").repeat(times));
    }
    let json = vector["json"].as_str().expect("text, repeat or json");
    Reader::new(json).string().ok().map(|s| s.into_owned())
}

#[test]
fn names_follow_the_shared_vectors() {
    let file = vectors("names.json");
    for vector in list(&file, "names") {
        let name = spelt(vector).expect("names are all text");
        let valid = vector["valid"].as_bool().expect("a verdict");
        assert_eq!(is_valid_name(&name), valid, "name {name:?}");
    }
}

#[test]
fn keys_follow_the_shared_vectors() {
    let file = vectors("names.json");
    for vector in list(&file, "keys") {
        let valid = vector["valid"].as_bool().expect("a verdict");
        match spelt(vector) {
            Some(key) => assert_eq!(is_valid_key(&key), valid, "key {key:?}"),
            // Unreadable here, and so never a key: the vector must say invalid.
            None => assert!(!valid, "{vector} is valid, but this crate cannot read it"),
        }
    }
}

#[test]
fn storage_keys_follow_the_shared_vectors() {
    let file = vectors("names.json");
    for vector in list(&file, "storage_keys") {
        let (ns, key) = (
            vector["ns"].as_str().unwrap(),
            vector["key"].as_str().unwrap(),
        );
        let expected = vector["storage_key"].as_str().unwrap();
        assert_eq!(storage_key(ns, key), expected);
        assert!(expected.starts_with(KEY_PREFIX));
    }
}

fn stamp_of(value: &Value) -> Option<Stamp> {
    let [wall, counter, tab] = value.as_array()?.as_slice() else {
        panic!("a stamp is [wall, counter, tab], not {value}");
    };
    let counter = u32::try_from(counter.as_u64()?).ok()?;
    Some(Stamp::new(wall.as_u64()?, counter, tab.as_str()?))
}

#[test]
fn the_stamp_limits_are_the_shared_ones() {
    let file = vectors("stamps.json");
    assert_eq!(file["max_wall"].as_u64(), Some(MAX_WALL_MS));
    assert_eq!(file["max_counter"].as_u64(), Some(u64::from(u32::MAX)));
}

#[test]
fn stamp_texts_parse_as_the_shared_vectors_say() {
    let file = vectors("stamps.json");
    for vector in list(&file, "parses") {
        let text = vector["text"].as_str().expect("a text");
        let expected = if vector["stamp"].is_null() {
            None
        } else {
            Some(stamp_of(&vector["stamp"]).expect("a stamp"))
        };
        assert_eq!(text.parse::<Stamp>().ok(), expected, "text {text:?}");
    }
}

#[test]
fn stamps_print_as_the_shared_vectors_say() {
    let file = vectors("stamps.json");
    for vector in list(&file, "formats") {
        let stamp = stamp_of(&vector["stamp"]).expect("a stamp");
        let text = vector["text"].as_str().expect("a text");
        assert_eq!(stamp.text(), text);
        assert_eq!(stamp.to_string(), text);
        assert_eq!(text.parse::<Stamp>(), Ok(stamp));
    }
}

/// An entry vector's text, with its `fill` put in.
fn entry_text(vector: &Value) -> String {
    let text = vector["text"].as_str().expect("a text");
    match vector["fill"].as_array().map(Vec::as_slice) {
        Some([unit, times]) => {
            let times = usize::try_from(times.as_u64().unwrap()).unwrap();
            text.replacen("<fill>", &unit.as_str().unwrap().repeat(times), 1)
        }
        _ => text.to_owned(),
    }
}

/// The engine's verdict on a stored text as an entry of `scope` read at `now`: decoded, of
/// the scope, and with a stamp the clock takes (not too far ahead).
fn engine_reads(text: &str, scope: &str, now: u64) -> Result<Envelope, String> {
    let envelope = Envelope::decode(text).map_err(|e| e.to_string())?;
    if envelope.ns != scope {
        return Err("another namespace".into());
    }
    if !HybridClock::new("reader").observe(&envelope.stamp, now) {
        return Err(DecodeError::FromTheFuture.to_string());
    }
    Ok(envelope)
}

#[test]
fn entries_are_read_as_the_shared_vectors_say() {
    let file = vectors("entries.json");
    let scope = file["scope"].as_str().expect("a scope");
    for vector in list(&file, "entries") {
        let text = entry_text(vector);
        let now = vector["now"]
            .as_u64()
            .or(file["now"].as_u64())
            .expect("a clock");
        // The engine checks values too: an entry invalid only by its value (`value_check`) is
        // invalid here, as `valid` says.
        let valid = vector["valid"].as_bool().expect("a verdict");
        let read = engine_reads(&text, scope, now);
        let about = vector["about"].as_str().unwrap_or_default();
        assert_eq!(read.is_ok(), valid, "{about}: {read:?} for {text:.200}");
        let Ok(envelope) = read else { continue };
        assert_eq!(
            Some(envelope.key.as_str()),
            vector["key"].as_str(),
            "{about}"
        );
        assert_eq!(Some(envelope.stamp), stamp_of(&vector["stamp"]), "{about}");
        assert_eq!(envelope.expires, vector["expires"].as_u64(), "{about}");
    }
}

#[test]
fn the_entry_vectors_cover_each_rule() {
    // Guards the vectors themselves: a file trimmed to trivial cases would pass the rest.
    let file = vectors("entries.json");
    let entries = list(&file, "entries");
    let count = |f: &dyn Fn(&Value) -> bool| entries.iter().filter(|v| f(v)).count();
    assert!(count(&|v| v["valid"] == true) >= 10);
    assert!(count(&|v| v["valid"] == false) >= 40);
    assert!(count(&|v| v["value_check"] == true) >= 4);
    assert!(count(&|v| v["fill"].is_array()) >= 3);
}
