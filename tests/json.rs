//! Values as checked JSON text: what is accepted, what is refused, and that text is kept.

use tabsync::core::envelope::{shareable, MAX_VALUE_BYTES};
use tabsync::core::{DecodeError, Json, MAX_DEPTH};

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn the_text_is_kept_exactly_numbers_included() {
    // Re-printing would turn these into 1.1, 100.0 and 1e+22-style forms; a tab must get the
    // digits its writer chose.
    for text in [
        "1.10",
        "1E2",
        "10000000000000000000000",
        "-0.0",
        "1.7976931348623157e308",
    ] {
        assert_eq!(
            Json::parse(text).map(|j| j.as_str().to_owned()),
            Ok(text.to_owned())
        );
    }
    let doc = r#"{"b":[1,{"c":null}],"a":"\u00e9\n"}"#;
    assert_eq!(Json::parse(doc).unwrap().as_str(), doc);
}

#[test]
fn nesting_up_to_the_cap_is_accepted_and_one_more_level_is_refused() {
    assert!(Json::parse(&nested(MAX_DEPTH)).is_ok());
    assert_eq!(
        Json::parse(&nested(MAX_DEPTH + 1)),
        Err(DecodeError::TooDeep)
    );
    let objects = format!(
        "{}1{}",
        r#"{"k":"#.repeat(MAX_DEPTH + 1),
        "}".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(Json::parse(&objects), Err(DecodeError::TooDeep));
    // Far past serde_json's own recursion limit: refused, no stack overflow.
    assert!(Json::parse(&nested(100_000)).is_err());
}

#[test]
fn a_reserved_key_anywhere_is_refused() {
    for text in [
        r#"{"__proto__":1}"#,
        r#"[0,{"a":{"__proto__":{}}}]"#,
        r#"{"\u005f_proto__":1}"#, // escaped, same key once decoded
    ] {
        assert_eq!(Json::parse(text), Err(DecodeError::ReservedKey), "{text}");
    }
    assert!(Json::parse(r#"{"proto":1,"__proto":2,"constructor":3}"#).is_ok());
}

#[test]
fn malformed_or_out_of_range_text_is_not_json() {
    for text in [
        "",
        "nul",
        "[1,]",
        "NaN",
        "Infinity",
        "1e400",
        "-1e400",
        "\"\\ud800",
        "1 2",
    ] {
        assert_eq!(Json::parse(text), Err(DecodeError::NotJson), "{text:?}");
    }
}

#[test]
fn shareable_values_respect_the_size_cap() {
    let fits = format!("\"{}\"", "x".repeat(MAX_VALUE_BYTES - 2));
    assert!(shareable(&fits).is_ok());
    let over = format!("\"{}\"", "x".repeat(MAX_VALUE_BYTES - 1));
    assert_eq!(shareable(&over), Err(DecodeError::TooLarge));
}
