//! Differential tests: the crate's own JSON reader and writer (src/core/json/) against
//! serde_json, the oracle (a dev-dependency).
//!
//! * Values: any text, any generated JSON (and its mutations) gets the same verdict from
//!   `Json::parse` as from serde_json plus the value checks, and the same text when accepted.
//! * Stored entries: `Envelope::decode` returns what the serde_json-based decoder it
//!   replaced returns (tests/oracle), error kind included.
//! * Render args: `RenderArgs::from_json` reads what serde_json reads into the derived type.
//! * Deliveries: `Delivery::to_json` writes the bytes serde_json writes.
//! * Numbers: a number is accepted exactly when a double holds it as a finite value.
//!
//! One deliberate difference: serde's derive also reads a struct from a JSON *array* of
//! its fields in order (`[1,"gis","zoom",5,[1,0,"t"]]`); the stored format and the render
//! args are objects, and the crate's reader refuses the array form (checked below).
//!
//! Case counts scale with `TABSYNC_FUZZ_SCALE` (`make fuzz`).
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod oracle;

use common::config;

use proptest::prelude::*;
use tabsync::core::{
    Conflict, DecodeError, DeliveredValue, Delivery, Envelope, Json, OutboxItem, RenderArgs,
    Status, MAX_DEPTH,
};

/// The crate's verdict on a value text, in the oracle's terms.
fn ours_value(text: &str) -> Result<String, DecodeError> {
    Json::parse(text).map(|json| json.as_str().to_owned())
}

/// The crate's verdict on a stored entry, in the oracle's terms.
fn ours_entry(text: &str) -> Result<oracle::Entry, DecodeError> {
    Envelope::decode(text).map(|e| {
        let tab = e.stamp.tab.to_string();
        (
            e.ns,
            e.key,
            e.value.as_str().to_owned(),
            (e.stamp.wall, e.stamp.counter, tab),
            e.expires,
        )
    })
}

/// True when the first thing in the text is an array (the form only serde's derive reads).
fn array_form(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('[')
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n", "\t ", "\r\n  "])
}

/// Decimal digits of the smallest magnitude a double rounds to infinity.
const OVERFLOW: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Number tokens: ordinary, huge, tiny, near the overflow boundary, and malformed.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        any::<f64>().prop_map(|f| format!("{f}")),
        (
            "-?(0|[1-9][0-9]{0,40})",
            prop::option::of("[0-9]{1,30}"),
            prop::option::of(("[eE]", "[+-]?", -420i32..420))
        )
            .prop_map(|(int, frac, exp)| {
                let mut s = int;
                if let Some(frac) = frac {
                    s.push('.');
                    s.push_str(&frac);
                }
                if let Some((e, sign, n)) = exp {
                    s.push_str(&e);
                    s.push_str(&sign);
                    s.push_str(&n.unsigned_abs().to_string());
                }
                s
            }),
        // Around the boundary: a prefix of its digits, nudged, with the point anywhere.
        (1usize..320, 0u8..3, 0usize..12, "[0-9]{0,3}", "-?").prop_map(
            |(len, nudge, point, tail, sign)| {
                let mut digits: Vec<u8> = OVERFLOW.as_bytes()[..len.min(OVERFLOW.len())].to_vec();
                if let Some(last) = digits.last_mut() {
                    *last = match nudge {
                        0 => *last,
                        1 => b'0' + (*last - b'0' + 1) % 10,
                        _ => b'0' + (*last - b'0' + 9) % 10,
                    };
                }
                let digits = String::from_utf8(digits).expect("ascii") + &tail;
                let point = point.min(digits.len().saturating_sub(1)).max(1);
                let exp = 309 - point as i64;
                format!("{sign}{}.{}e{exp}", &digits[..point], &digits[point..]).replace(".e", "e")
            }
        ),
        prop::sample::select(vec![
            "01",
            "-",
            "1.",
            "1e",
            "+1",
            ".5",
            "1e+",
            "-0",
            "0.0e-0",
            "1E400",
            "-1e400",
            "1e-400",
            "0e999999999999999999999",
            "123456789012345678901234567890",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
        ])
        .prop_map(str::to_owned),
    ]
}

/// String tokens with escapes of every kind, surrogates paired or lone, and raw controls.
fn string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z _]{0,6}",
        1 => "\\PC{0,3}".prop_map(|s| s.replace(['"', '\\'], "")),
        1 => prop::sample::select(vec![
            "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t", "\\u0041", "\\u00e9",
            "\\ud83d\\ude00", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800x", "\\x",
            "\\u12", "\\u0000", "\u{1}", "\u{1f}", "\u{7f}", "é", "__proto__",
            "\\u005f_proto__", "\\ud800\\ud800\\udc00",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// Keys, with the reserved one (plain and escaped) now and then.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => string(),
        1 => prop::sample::select(vec!["\"__proto__\"", "\"\\u005f_proto__\"", "\"a\""])
            .prop_map(str::to_owned),
    ]
}

/// Any JSON-ish value text (sometimes not JSON, through its leaves).
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        string(),
        prop::sample::select(vec!["null", "true", "false", "nul", "tru", "[]", "{}"])
            .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (prop::collection::vec((ws(), inner.clone()), 0..6), ws()).prop_map(|(items, end)| {
                let items: Vec<String> =
                    items.into_iter().map(|(w, v)| format!("{w}{v}")).collect();
                format!("[{}{end}]", items.join(","))
            }),
            (prop::collection::vec((key(), ws(), inner), 0..6), ws()).prop_map(|(fields, end)| {
                let fields: Vec<String> = fields
                    .into_iter()
                    .map(|(k, w, v)| format!("{k}{w}:{w}{v}"))
                    .collect();
                format!("{{{}{end}}}", fields.join(","))
            }),
        ]
    })
}

/// A value nested around the depth limit, as arrays or objects.
fn deep() -> impl Strategy<Value = String> {
    (MAX_DEPTH - 3..MAX_DEPTH + 4, any::<bool>(), value()).prop_map(|(depth, objects, inner)| {
        if objects {
            format!("{}{inner}{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else {
            format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
        }
    })
}

/// A text with one edit: a byte removed, a token character put in, or the end cut off.
fn mutated(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (
        text,
        any::<prop::sample::Index>(),
        0u8..3,
        prop::sample::select(b"[]{}\",:\\ 0e-.n".to_vec()),
    )
        .prop_map(|(text, at, how, byte)| {
            if text.is_empty() {
                return text;
            }
            let mut at = at.index(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut out = text.clone();
            match how {
                0 => {
                    out.remove(at);
                }
                1 => out.insert(at, char::from(byte)),
                _ => out.truncate(at),
            }
            out
        })
}

/// A stored-entry object: each field valid or not, in any order, sometimes twice, with
/// unknown fields and whitespace.
fn entry() -> impl Strategy<Value = String> {
    let f = prop::sample::select(vec![
        "1",
        "1",
        "1",
        "2",
        "0",
        "-1",
        "1.0",
        "\"1\"",
        "null",
        "18446744073709551616",
        "1e400",
    ]);
    let ns = prop::sample::select(vec![
        "\"gis\"",
        "\"gis\"",
        "\"bad name\"",
        "\"\"",
        "1",
        "\"\\ud800\"",
        "[\"gis\"]",
        "\"g\\u0069s\"",
    ]);
    let k = prop::sample::select(vec![
        "\"zoom\"",
        "\"zoom\"",
        "\"\"",
        "\"a\\u0001b\"",
        "null",
        "\"layers\"",
    ]);
    let s = prop::sample::select(vec![
        "[1,0,\"t\"]",
        "[1,0,\"t\"]",
        "[1764110000000, 7 ,\"tab-1\"]",
        "[1,0]",
        "[1,0,\"t\",4]",
        "[1,4294967296,\"t\"]",
        "[1,0,\"t\",]",
        "[]",
        "{}",
        "[1.5,0,\"t\"]",
        "[1,0,\"bad tab\"]",
        "[1,,0,\"t\"]",
        "[1 0 \"t\"]",
        "[-1,0,\"t\"]",
        "[9007199254740991,0,\"t\"]",
        "[9007199254740992,0,\"t\"]",
    ]);
    let x = prop::sample::select(vec![
        "null",
        "5",
        "-1",
        "\"x\"",
        "1e3",
        "18446744073709551615",
        "9007199254740991",
        "9007199254740992",
    ]);
    let names = prop::sample::select(vec!["f", "ns", "k", "v", "s", "x", "zz", "\\u0066", "V"]);
    (
        prop::collection::vec((names, f, ns, k, value(), s, x, value(), ws()), 3..9),
        any::<bool>(),
    )
        .prop_map(|(fields, canonical)| {
            let mut out: Vec<String> = Vec::new();
            if canonical {
                // The common case first: every required field, in order, then extras.
                out.push("\"f\":1".into());
                out.push("\"ns\":\"gis\"".into());
                out.push("\"k\":\"zoom\"".into());
            }
            for (name, f, ns, k, v, s, x, other, w) in fields {
                let value = match name {
                    "f" | "\\u0066" => f.to_owned(),
                    "ns" => ns.to_owned(),
                    "k" => k.to_owned(),
                    "v" => v,
                    "s" => s.to_owned(),
                    "x" => x.to_owned(),
                    _ => other,
                };
                out.push(format!("{w}\"{name}\"{w}:{w}{value}{w}"));
            }
            format!("{{{}}}", out.join(","))
        })
}

/// Render args: each field valid or not, unknown fields, duplicates now and then.
fn render_args() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        prop::sample::select(vec![
            "\"v\":2",
            "\"v\":1",
            "\"v\":3",
            "\"v\":\"2\"",
            "\"v\":4294967296"
        ]),
        prop::sample::select(vec!["\"ns\":\"gis\"", "\"ns\":1", "\"ns\":\"a\\u00e9\""]),
        prop::sample::select(vec!["\"tab\":\"t1\"", "\"tab\":null"]),
        prop::sample::select(vec![
            "\"keys\":[\"zoom\",\"layers\"]",
            "\"keys\":[]",
            "\"keys\":\"zoom\"",
            "\"keys\":[1]"
        ]),
        prop::sample::select(vec![
            "\"edits\":{}",
            "\"edits\":{\"zoom\":{\"id\":\"t1.1\",\"t\":\"5\"}}",
            "\"edits\":{\"zoom\":{\"id\":\"t1.1\",\"t\":\"5\",\"base\":null}}",
            "\"edits\":{\"zoom\":{\"id\":\"t1.1\",\"t\":\"5\",\"base\":\"0000000001-0-x\"}}",
            "\"edits\":{\"zoom\":{\"id\":\"t1.1\"}}",
            "\"edits\":{\"zoom\":{\"id\":\"a\",\"id\":\"b\",\"t\":\"1\"}}",
            "\"edits\":{\"a\":{\"id\":\"1\",\"t\":\"1\"},\"a\":{\"id\":\"2\",\"t\":\"2\"}}",
            "\"edits\":null",
            "\"edits\":{\"zoom\":{\"id\":\"i\",\"t\":\"1\",\"extra\":[1,{}]}}",
        ]),
        prop::sample::select(vec![
            "\"ttl_ms\":null",
            "\"ttl_ms\":3600000",
            "\"ttl_ms\":-1",
            "\"ttl_ms\":1.5"
        ]),
        prop::sample::select(vec![
            "\"conflict\":\"lww\"",
            "\"conflict\":\"reject\"",
            "\"conflict\":\"other\"",
            "\"conflict\":null"
        ]),
        prop::sample::select(vec!["\"resend\":0", "\"resend\":7", "\"resend\":true"]),
        prop::sample::select(vec![
            "\"devices\":true",
            "\"devices\":false",
            "\"devices\":0"
        ]),
        prop::sample::select(vec![
            "\"relay\":null",
            "\"relay\":{}",
            "\"relay\":{\"gen\":3,\"entries\":[\"e\"],\"refused\":[\"t1.1\"]}",
            "\"relay\":{\"gen\":-3}",
            "\"relay\":{\"entries\":[1]}",
            "\"relay\":{\"gen\":1,\"gen\":2}",
        ]),
        prop::sample::select(vec!["\"seen\":null", "\"seen\":\"d-1\"", "\"seen\":5"]),
        prop::sample::select(vec![
            "\"presence\":true",
            "\"presence\":false",
            "\"presence\":null",
            "\"presence\":1"
        ]),
        value()
            .prop_map(|v| format!("\"other\":{v}"))
            .boxed()
            .prop_map(|s| Box::leak(s.into_boxed_str()) as &str),
    ];
    (prop::collection::vec((field, ws()), 0..10), any::<bool>()).prop_map(|(fields, base)| {
        let mut out: Vec<String> = Vec::new();
        if base {
            out.push("\"v\":2".into());
            out.push("\"ns\":\"gis\"".into());
            out.push("\"tab\":\"t1\"".into());
            out.push("\"keys\":[\"zoom\"]".into());
        }
        out.extend(fields.into_iter().map(|(f, w)| format!("{w}{f}{w}")));
        format!("{{{}}}", out.join(","))
    })
}

fn text_for_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => value(),
        1 => deep(),
        2 => mutated(value()),
        1 => mutated(deep()),
        1 => (ws(), value(), ws()).prop_map(|(a, v, b)| format!("{a}{v}{b}")),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn a_value_gets_serde_jsons_verdict_and_keeps_its_text(text in text_for_value()) {
        prop_assert_eq!(ours_value(&text), oracle::parse_value(&text), "text: {}", text);
    }

    #[test]
    fn an_entry_gets_the_old_decoders_verdict(text in prop_oneof![3 => entry(), 1 => mutated(entry())]) {
        if array_form(&text) {
            prop_assert!(Envelope::decode(&text).is_err());
        } else {
            prop_assert_eq!(ours_entry(&text), oracle::decode(&text), "text: {}", text);
        }
    }

    #[test]
    fn render_args_read_as_serde_reads_them(text in prop_oneof![3 => render_args(), 1 => mutated(render_args())]) {
        let ours = RenderArgs::from_json(&text);
        let theirs = serde_json::from_str::<RenderArgs>(&text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "ours {:?}, serde {:?}, text: {}", ours, theirs.map_err(|e| e.to_string()), text),
        }
    }

    #[test]
    fn a_number_is_accepted_exactly_when_a_double_holds_it(n in number()) {
        let ours = Json::parse(&n);
        prop_assert_eq!(ours.is_ok(), oracle::parse_value(&n).is_ok(), "number {}", n);
        // Any well-formed number token (serde_json skipping it checks only the grammar):
        // accepted exactly when Rust's correctly rounded parse gives a finite double.
        if serde_json::from_str::<serde::de::IgnoredAny>(&n).is_ok() {
            let double: f64 = n.parse().expect("a JSON number parses");
            prop_assert_eq!(ours.is_ok(), double.is_finite(), "number {}", n);
        }
    }
}

fn delivery() -> impl Strategy<Value = Delivery> {
    let text = "\\PC{0,8}|[\u{0}-\u{1f}\"\\\\]{0,4}";
    let json = prop::sample::select(vec!["1", "\"a\\\"b\"", "[1,{\"k\":null}]", "-0.5e-3", "{}"])
        .prop_map(|t| Json::parse(t).expect("valid"));
    let values = prop::collection::vec((text, json.clone(), text), 0..4);
    let acks = prop::collection::vec((text, text), 0..3);
    let conflicts = prop::collection::vec((text, text, json.clone(), json), 0..3);
    let outbox = prop::collection::vec(
        (
            text,
            prop::option::of(text),
            any::<bool>(),
            prop::option::of(text),
        ),
        0..3,
    );
    (
        (any::<u32>(), text, prop::option::of(text), 0u8..3),
        values,
        acks,
        conflicts,
        (any::<u64>(), prop::option::of(text), outbox, any::<bool>()),
        (
            prop::option::of(any::<u32>()),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (v, id, ns, status),
                values,
                acks,
                conflicts,
                (ignored, error, outbox, quiet),
                (peers, leader),
            )| {
                Delivery {
                    v,
                    id,
                    ns,
                    status: [Status::Live, Status::Degraded, Status::Blocked][usize::from(status)],
                    values: values
                        .into_iter()
                        .map(|(k, t, s)| (k, DeliveredValue { t, s }))
                        .collect(),
                    acks: acks.into_iter().collect(),
                    conflicts: conflicts
                        .into_iter()
                        .map(|(key, id, mine, theirs)| Conflict {
                            key,
                            id,
                            mine,
                            theirs,
                        })
                        .collect(),
                    ignored,
                    error,
                    peers,
                    leader,
                    outbox: outbox
                        .into_iter()
                        .map(|(e, base, cas, id)| OutboxItem { e, base, cas, id })
                        .collect(),
                    quiet,
                    browser: (quiet && peers.is_none_or(|p| p % 2 != 1))
                        .then(|| "0123456789abcdef0123456789abcdef".to_owned()),
                }
            },
        )
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn a_delivery_is_written_byte_for_byte_as_serde_json_writes_it(d in delivery()) {
        prop_assert_eq!(d.to_json(), serde_json::to_string(&d).expect("serialisable"));
    }

    #[test]
    fn an_entry_encodes_as_serde_json_would_and_reads_back(text in entry()) {
        if let Ok(envelope) = Envelope::decode(&text) {
            let again = Envelope::decode(&envelope.encode());
            prop_assert_eq!(again.as_ref(), Ok(&envelope));
            let reparsed: serde_json::Value = serde_json::from_str(&envelope.encode()).expect("JSON");
            prop_assert_eq!(reparsed["v"].clone(), common::value(&envelope.value));
        }
    }
}

#[test]
fn the_array_form_serde_would_read_is_refused() {
    let positional = r#"[1,"gis","zoom",5,[1,0,"t"]]"#;
    assert!(
        oracle::decode(positional).is_ok(),
        "serde's derive reads it"
    );
    assert_eq!(Envelope::decode(positional), Err(DecodeError::WrongShape));
    let args = r#"[2,"gis","t1",["zoom"]]"#;
    assert!(
        serde_json::from_str::<RenderArgs>(args).is_ok(),
        "serde's derive reads it"
    );
    assert!(RenderArgs::from_json(args).is_err());
}

#[test]
fn the_overflow_boundary_is_exact() {
    // f64::MAX itself, the largest text below the half-way point, and the half-way point.
    assert!(Json::parse("1.7976931348623157e308").is_ok());
    let below = format!("0.{}e309", OVERFLOW.trim_end_matches('2').to_owned() + "1");
    assert!(Json::parse(&below).is_ok(), "{below}");
    let at = format!("0.{OVERFLOW}e309");
    assert_eq!(Json::parse(&at), Err(DecodeError::NotJson));
    assert_eq!(Json::parse(&format!("-{at}")), Err(DecodeError::NotJson));
    assert_eq!(below.parse::<f64>().map(f64::is_finite), Ok(true));
    assert_eq!(at.parse::<f64>().map(f64::is_finite), Ok(false));
}
