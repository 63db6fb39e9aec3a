//! Shared values as validated JSON text.
//!
//! A value crosses this crate untouched: it is checked once where it enters (a stored entry,
//! a local edit) and then carried as the text it arrived as, into storage and into
//! deliveries. Never building a tree keeps the module small (no `Value` maps to build, clone,
//! drop or print, no float printing) and makes the round trip exact: a number reaches every
//! tab with the digits its writer chose.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::error::DecodeError;

/// Deepest nesting of arrays and objects accepted in a value.
pub const MAX_DEPTH: usize = 32;

/// An object key no shared value may use: assigned in a JS frame it would set the object's
/// prototype instead of a property, so the value could not arrive intact.
pub const RESERVED_KEY: &str = "__proto__";

/// A JSON value, held as text that has passed [`Json::parse`]'s checks.
#[derive(Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// Parses and checks a JSON text: well-formed, nesting at most [`MAX_DEPTH`] deep, no
    /// [`RESERVED_KEY`] in any object. Never panics, whatever the input.
    pub fn parse(text: &str) -> Result<Json, DecodeError> {
        let raw: Box<RawValue> = serde_json::from_str(text).map_err(|_| DecodeError::NotJson)?;
        Json::check(raw)
    }

    /// Checks the structure of a value already known to be well-formed JSON.
    pub(crate) fn check(raw: Box<RawValue>) -> Result<Json, DecodeError> {
        let problem = Cell::new(None);
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let checked = Check {
            depth: 0,
            problem: &problem,
        }
        .deserialize(&mut de);
        match (checked, problem.take()) {
            (Ok(()), _) => Ok(Json(raw)),
            (Err(_), Some(found)) => Err(found),
            (Err(_), None) => Err(DecodeError::NotJson),
        }
    }

    /// The JSON text (without surrounding whitespace).
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The text as serde_json's raw value, to embed verbatim in a larger document.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// The value as a `serde_json::Value` (for tests and debugging; the crate never needs it).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.as_str()).unwrap_or(serde_json::Value::Null)
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Walks a value without building it, recording the first structural problem in `problem`
/// (serde errors carry only text, and the caller needs the kind). serde_json's own recursion
/// limit (128) bounds the stack long before [`MAX_DEPTH`] could matter to it.
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

    /// The walker one level down, or the failure when that level is past [`MAX_DEPTH`].
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
        // serde_json refuses out-of-range numbers itself; this keeps the rule local.
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
        while let Some(key) = map.next_key::<KeyName>()? {
            if key.0 {
                return Err(self.fail(DecodeError::ReservedKey));
            }
            map.next_value_seed(child)?;
        }
        Ok(())
    }
}

/// An object key, reduced to whether it is [`RESERVED_KEY`] (read without allocating when
/// the key has no escapes).
struct KeyName(bool);

impl<'de> de::Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IsReserved;
        impl Visitor<'_> for IsReserved {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, key: &str) -> Result<KeyName, E> {
                Ok(KeyName(key == RESERVED_KEY))
            }
        }
        deserializer.deserialize_str(IsReserved)
    }
}

impl Json {
    /// A `serde_json::Value` as checked [`Json`] (its compact text).
    pub fn from_value(value: &serde_json::Value) -> Result<Json, DecodeError> {
        Json::parse(&value.to_string())
    }
}

/// Compares by value, not text (`1.0` and `1.00` are equal), for tests and callers holding a
/// `serde_json::Value`.
impl PartialEq<serde_json::Value> for Json {
    fn eq(&self, other: &serde_json::Value) -> bool {
        &self.to_value() == other
    }
}
