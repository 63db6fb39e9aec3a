//! The stored entry format: round trip, keys, and one typed error per malformed input.

mod common;

use serde_json::json;
use tabsync::core::*;

fn sample() -> Envelope {
    Envelope {
        ns: "gis".into(),
        key: "zoom".into(),
        value: common::json(&json!({"a": [1, 2.5, "x", null, true]})),
        stamp: Stamp::new(1_764_110_000_000, 3, "tab-1"),
        expires: Some(1_764_110_060_000),
        route: Some("p3f9c".into()),
    }
}

#[test]
fn a_route_is_kept_and_a_malformed_one_reads_as_none() {
    let env = sample();
    assert!(
        env.encode().ends_with(r#","r":"p3f9c"}"#),
        "{}",
        env.encode()
    );
    let text = env.encode();
    for (route, kept) in [
        (r#""p3f9c""#, Some("p3f9c")),
        ("5", None),
        (r#""a b""#, None),
        ("null", None),
    ] {
        let other = text.replace(r#""p3f9c""#, route);
        let decoded = Envelope::decode(&other).expect("a route never makes an entry malformed");
        assert_eq!(decoded.route.as_deref(), kept, "{route}");
    }
    let twice = text.replace('}', r#","r":"x"}"#);
    assert!(
        Envelope::decode(&twice).is_err(),
        "a field given twice is malformed"
    );
}

#[test]
fn encode_then_decode_gives_the_same_envelope() {
    let env = sample();
    assert_eq!(Envelope::decode(&env.encode()), Ok(env));
}

#[test]
fn storage_key_joins_prefix_namespace_and_key() {
    assert_eq!(sample().storage_key(), "tabsync:v1:gis:zoom");
}

#[test]
fn each_malformed_input_gets_its_own_error() {
    let cases: &[(&str, DecodeError)] = &[
        ("not json", DecodeError::NotJson),
        ("[1,2]", DecodeError::WrongShape),
        (
            r#"{"f":2,"ns":"a","k":"b","v":1,"s":[1,0,"t"]}"#,
            DecodeError::UnsupportedFormat,
        ),
        (
            r#"{"ns":"a","k":"b","v":1,"s":[1,0,"t"]}"#,
            DecodeError::WrongShape,
        ),
        (
            r#"{"f":1,"ns":"a","k":"b","s":[1,0,"t"]}"#,
            DecodeError::WrongShape,
        ),
        (
            r#"{"f":1,"ns":"a","k":"b","v":1,"s":[1,0]}"#,
            DecodeError::WrongShape,
        ),
        (
            r#"{"f":1,"ns":"a","k":"b","v":1,"s":[-1,0,"t"]}"#,
            DecodeError::WrongShape,
        ),
        (
            r#"{"f":1,"ns":"a:b","k":"b","v":1,"s":[1,0,"t"]}"#,
            DecodeError::BadName,
        ),
        (
            r#"{"f":1,"ns":"a","k":"","v":1,"s":[1,0,"t"]}"#,
            DecodeError::BadName,
        ),
        (
            r#"{"f":1,"ns":"a","k":"b","v":NaN,"s":[1,0,"t"]}"#,
            DecodeError::NotJson,
        ),
        (
            r#"{"f":1,"ns":"a","k":"b","v":1e999,"s":[1,0,"t"]}"#,
            DecodeError::NotJson,
        ),
    ];
    let proto =
        r#"{"f":1,"ns":"a","k":"b","v":[{"x":{"__proto__":{"polluted":1}}}],"s":[1,0,"t"]}"#;
    let cases = [cases, &[(proto, DecodeError::ReservedKey)]].concat();
    for (text, expected) in &cases {
        assert_eq!(
            Envelope::decode(text).as_ref().err(),
            Some(expected),
            "input: {text}"
        );
    }
}

#[test]
fn values_nested_past_the_cap_are_refused() {
    let deep = format!(
        "{}1{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    let text = format!(r#"{{"f":1,"ns":"a","k":"b","v":{deep},"s":[1,0,"t"]}}"#);
    assert_eq!(Envelope::decode(&text), Err(DecodeError::TooDeep));
    let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    let text = format!(r#"{{"f":1,"ns":"a","k":"b","v":{ok},"s":[1,0,"t"]}}"#);
    assert!(Envelope::decode(&text).is_ok());
}

#[test]
fn oversized_entries_are_refused_before_parsing() {
    let text = format!(
        r#"{{"f":1,"ns":"a","k":"b","v":"{}","s":[1,0,"t"]}}"#,
        "x".repeat(MAX_ENTRY_BYTES)
    );
    assert_eq!(Envelope::decode(&text), Err(DecodeError::TooLarge));
}

#[test]
fn an_entry_under_another_key_is_refused() {
    let env = sample();
    assert_eq!(
        Envelope::decode_at("tabsync:v1:gis:other", &env.encode()),
        Err(DecodeError::KeyMismatch)
    );
}
