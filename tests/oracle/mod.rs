//! The oracle of `tests/differential.rs`: the serde_json-based decoder this crate shipped
//! before its own JSON reader (src/core/json/read.rs), kept here verbatim in behaviour.
//!
//! serde_json reads the derive-defined wire types; a value is taken as raw text and walked
//! once more for the value checks (depth, reserved key, lone surrogates, numbers out of
//! range). The crate's reader must reach the same verdicts. Since the format's times became
//! bounded (walls and expiry at most `MAX_WALL_MS`, the rule of `tests/protocol/stamps.json`),
//! the oracle reads them as [`Time`], a `u64` with that bound.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use tabsync::core::envelope::{is_valid_key, is_valid_name, MAX_ENTRY_BYTES};
use tabsync::core::{DecodeError, FORMAT_VERSION, MAX_DEPTH, MAX_WALL_MS};

/// What the oracle makes of a stored entry: `(ns, key, value text, stamp, expiry)`.
pub type Entry = (String, String, String, (u64, u32, String), Option<u64>);

/// serde_json's verdict on a value text: its text without surrounding whitespace.
pub fn parse_value(text: &str) -> Result<String, DecodeError> {
    let raw: Box<RawValue> = serde_json::from_str(text).map_err(|_| DecodeError::NotJson)?;
    check(&raw)?;
    Ok(raw.get().to_owned())
}

fn check(raw: &RawValue) -> Result<(), DecodeError> {
    let problem = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(raw.get());
    let checked = Check {
        depth: 0,
        problem: &problem,
    }
    .deserialize(&mut de);
    match (checked, problem.take()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(found)) => Err(found),
        (Err(_), None) => Err(DecodeError::NotJson),
    }
}

#[derive(Deserialize)]
struct WireIn {
    f: u64,
    ns: String,
    k: String,
    v: Box<RawValue>,
    s: (Time, u32, String),
    #[serde(default)]
    x: Option<Time>,
}

/// A wall or expiry time: a `u64` up to `MAX_WALL_MS`; a larger one is a data error where it
/// stands, as serde reports a counter beyond `u32`.
struct Time(u64);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ms = u64::deserialize(deserializer)?;
        if ms > MAX_WALL_MS {
            return Err(de::Error::invalid_value(
                de::Unexpected::Unsigned(ms),
                &"a time of at most 2^53 - 1 ms",
            ));
        }
        Ok(Time(ms))
    }
}

#[derive(Deserialize)]
struct WireVersion {
    f: u64,
}

/// serde_json's verdict on a stored entry.
pub fn decode(text: &str) -> Result<Entry, DecodeError> {
    if text.len() > MAX_ENTRY_BYTES {
        return Err(DecodeError::TooLarge);
    }
    let wire: WireIn = match serde_json::from_str(text) {
        Ok(wire) => wire,
        Err(err) if err.is_syntax() || err.is_eof() => return Err(DecodeError::NotJson),
        Err(_) => {
            return Err(match serde_json::from_str::<WireVersion>(text) {
                Ok(WireVersion { f }) if f != FORMAT_VERSION => DecodeError::UnsupportedFormat,
                _ => DecodeError::WrongShape,
            })
        }
    };
    if wire.f != FORMAT_VERSION {
        return Err(DecodeError::UnsupportedFormat);
    }
    let (Time(wall), counter, tab) = wire.s;
    if !is_valid_name(&wire.ns) || !is_valid_key(&wire.k) || !is_valid_name(&tab) {
        return Err(DecodeError::BadName);
    }
    check(&wire.v)?;
    Ok((
        wire.ns,
        wire.k,
        wire.v.get().to_owned(),
        (wall, counter, tab),
        wire.x.map(|Time(x)| x),
    ))
}

#[derive(Clone, Copy)]
struct Check<'a> {
    depth: usize,
    problem: &'a Cell<Option<DecodeError>>,
}

impl Check<'_> {
    fn fail<E: de::Error>(&self, problem: DecodeError) -> E {
        self.problem.set(Some(problem));
        E::custom("structure")
    }

    fn child<E: de::Error>(self) -> Result<Self, E> {
        if self.depth + 1 > MAX_DEPTH {
            return Err(self.fail(DecodeError::TooDeep));
        }
        Ok(Check {
            depth: self.depth + 1,
            ..self
        })
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if v.is_finite() {
            Ok(())
        } else {
            Err(self.fail(DecodeError::NotJson))
        }
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let child = self.child()?;
        while seq.next_element_seed(child)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let child = self.child()?;
        while let Some(key) = map.next_key::<String>()? {
            if key == tabsync::core::json::RESERVED_KEY {
                return Err(self.fail(DecodeError::ReservedKey));
            }
            map.next_value_seed(child)?;
        }
        Ok(())
    }
}
