//! A validating JSON reader over text: the one parser of the WASM module.
//!
//! It reads the few shapes this crate needs (stored entries, render args, the ack memo)
//! field by field, and checks values without building them: a value stays the text it
//! arrived as (see the module docs of [`super`]). It never recurses (nesting is tracked on a
//! heap stack, so no input can exhaust the WASM stack) and never formats anything: errors
//! are two plain kinds, [`Fault::Syntax`] and [`Fault::Shape`], which the callers turn into
//! their own typed errors.
//!
//! Its verdicts are those of `serde_json` reading the same derive-defined types, checked by
//! the differential tests in `tests/differential.rs` (serde_json is their oracle, a
//! dev-dependency): what serde_json calls a syntax error is a [`Fault::Syntax`], what it
//! calls a data error is a [`Fault::Shape`], and the first error in document order wins.

use std::borrow::Cow;

use super::{MAX_DEPTH, RESERVED_KEY};
use crate::core::error::DecodeError;

/// Why reading stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Not well-formed JSON, or a number no finite double holds, or a string with a lone
    /// UTF-16 surrogate escape.
    Syntax,
    /// Well-formed JSON of another shape: a field missing, repeated or of the wrong type.
    Shape,
}

/// The text of a string token, between its quotes, as scanned.
struct Scanned<'a> {
    /// The text between the quotes, escapes still in.
    raw: &'a str,
    /// True when `raw` has a backslash escape.
    escaped: bool,
    /// False when a `\u` escape is a UTF-16 surrogate without its pair.
    paired: bool,
}

impl Scanned<'_> {
    /// Whether the string equals `text` once unescaped (allocates only when it has escapes).
    fn is(&self, text: &str) -> bool {
        if self.escaped {
            unescape(self.raw) == text
        } else {
            self.raw == text
        }
    }
}

/// A number token, split into its parts (grammar already checked).
struct Number<'a> {
    negative: bool,
    /// Digits before the decimal point.
    int: &'a str,
    /// Digits after the decimal point (empty when there is none).
    frac: &'a str,
    /// The exponent (0 when there is none), saturated far beyond any meaningful value.
    exp: i64,
    /// True when the token has an exponent.
    has_exp: bool,
}

/// Decimal digits of 2^1024 - 2^970, the smallest magnitude a double rounds to infinity
/// (half-way between `f64::MAX` and 2^1024; ties go to the even neighbour, 2^1024).
const OVERFLOW_DIGITS: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// The decimal exponent of [`OVERFLOW_DIGITS`] read as `0.d1d2d3... x 10^309`.
const OVERFLOW_EXP: i64 = 309;

impl Number<'_> {
    /// True when a double holds the number as a finite value (rounded to nearest, as
    /// `JSON.parse`, Python's `float` and Rust's `f64::from_str` do). Decided on the digits,
    /// exactly, without converting: a value at or beyond [`OVERFLOW_DIGITS`] rounds to
    /// infinity, anything smaller to a finite double (tiny values round to zero).
    fn is_finite(&self) -> bool {
        let mut digits = self
            .int
            .bytes()
            .chain(self.frac.bytes())
            .skip_while(|&d| d == b'0')
            .peekable();
        let significant = digits.clone().count() as i64;
        if significant == 0 {
            return true;
        }
        // value = 0.D x 10^(significant + exp - frac digits)
        let exp = significant + self.exp - self.frac.len() as i64;
        if exp != OVERFLOW_EXP {
            return exp < OVERFLOW_EXP;
        }
        for limit in OVERFLOW_DIGITS {
            match digits.next() {
                // The limit has no trailing zeros: a prefix of it is smaller.
                None => return true,
                Some(d) if d != *limit => return d < *limit,
                Some(_) => {}
            }
        }
        // Equal to the limit over all its digits: at least the limit.
        false
    }

    /// The value as an unsigned integer, when the token is one that fits (no sign, no
    /// fraction, no exponent: what serde_json hands a `u64` field).
    fn as_u64(&self) -> Option<u64> {
        if self.negative || !self.frac.is_empty() || self.has_exp {
            return None;
        }
        let mut value: u64 = 0;
        for d in self.int.bytes() {
            value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        Some(value)
    }
}

/// Turns a scanned string's text (escapes already checked) into the string it stands for.
/// A lone surrogate, which a checked string does not have, becomes U+FFFD.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next() {
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let high = hex4(&mut chars);
                let code = if (0xD800..0xDC00).contains(&high) {
                    // A checked string has the low half next, as `\uXXXX`.
                    chars.next();
                    chars.next();
                    let low = hex4(&mut chars);
                    0x10000 + ((high - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    high
                };
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            Some(other) => other,
            None => break,
        };
        out.push(decoded);
    }
    out
}

/// The value of four hex digits (checked by the scanner before).
fn hex4(chars: &mut std::str::Chars<'_>) -> u32 {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0);
    }
    value
}

/// Keeps the first problem met in a value, in document order.
fn note(pending: &mut Option<DecodeError>, problem: DecodeError) {
    if pending.is_none() {
        *pending = Some(problem);
    }
}

/// A cursor over one JSON text.
pub struct Reader<'a> {
    text: &'a str,
    pos: usize,
    /// Set when an object key has no colon after it. Reading the field's value then fails
    /// with a syntax error, but a field given twice still fails as such first (serde's
    /// derive checks for a repeated field at the key, before the colon).
    broken: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            broken: false,
        }
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next byte after whitespace (space, tab, line feed, carriage return), not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        if self.broken {
            // A byte no token starts with: whatever reads next fails with a syntax error.
            return Some(0);
        }
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte() {
            self.pos += 1;
        }
        self.byte()
    }

    /// Consumes `expected` (after whitespace), or fails with a syntax error.
    pub fn expect(&mut self, expected: u8) -> Result<(), Fault> {
        if self.peek() == Some(expected) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Fault::Syntax)
        }
    }

    /// Checks that only whitespace is left.
    pub fn finish(&mut self) -> Result<(), Fault> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Fault::Syntax),
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        // Token boundaries are ASCII bytes, so always char boundaries; `get` keeps the
        // panicking slice path out of the module all the same.
        self.text.get(start..end).unwrap_or_default()
    }

    /// Consumes the rest of a literal (`null`, `true`, `false`) whose first byte is next.
    fn literal(&mut self, word: &[u8]) -> Result<(), Fault> {
        let end = self.pos + word.len();
        if self.text.as_bytes().get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(Fault::Syntax)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.byte() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Scans a number token starting at the cursor (after whitespace).
    fn number(&mut self) -> Result<Number<'a>, Fault> {
        let negative = self.byte() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.byte() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.byte() {
                    return Err(Fault::Syntax);
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Fault::Syntax),
        }
        let int = self.slice(int_start, self.pos);
        let mut frac = "";
        if self.byte() == Some(b'.') {
            self.pos += 1;
            let start = self.pos;
            if self.digits() == 0 {
                return Err(Fault::Syntax);
            }
            frac = self.slice(start, self.pos);
        }
        let mut exp: i64 = 0;
        let has_exp = matches!(self.byte(), Some(b'e' | b'E'));
        if has_exp {
            self.pos += 1;
            let exp_negative = match self.byte() {
                Some(b'-') => {
                    self.pos += 1;
                    true
                }
                Some(b'+') => {
                    self.pos += 1;
                    false
                }
                _ => false,
            };
            let start = self.pos;
            if self.digits() == 0 {
                return Err(Fault::Syntax);
            }
            for d in self.slice(start, self.pos).bytes() {
                // Saturated: beyond 10^15 the verdict no longer depends on the exponent.
                exp = (exp * 10 + i64::from(d - b'0')).min(1_000_000_000_000_000);
            }
            if exp_negative {
                exp = -exp;
            }
        }
        Ok(Number {
            negative,
            int,
            frac,
            exp,
            has_exp,
        })
    }

    /// Scans a string token whose opening quote is next (after whitespace).
    fn scan_string(&mut self) -> Result<Scanned<'a>, Fault> {
        self.expect(b'"')?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        let mut paired = true;
        loop {
            let Some(&c) = bytes.get(self.pos) else {
                return Err(Fault::Syntax);
            };
            self.pos += 1;
            match c {
                b'"' => {
                    return Ok(Scanned {
                        raw: self.slice(start, self.pos - 1),
                        escaped,
                        paired,
                    })
                }
                b'\\' => {
                    escaped = true;
                    let Some(&kind) = bytes.get(self.pos) else {
                        return Err(Fault::Syntax);
                    };
                    self.pos += 1;
                    match kind {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => match self.hex_escape()? {
                            0xD800..=0xDBFF => {
                                // A high surrogate pairs only with a low one right after it.
                                if bytes.get(self.pos) == Some(&b'\\')
                                    && bytes.get(self.pos + 1) == Some(&b'u')
                                {
                                    self.pos += 2;
                                    if !(0xDC00..=0xDFFF).contains(&self.hex_escape()?) {
                                        paired = false;
                                    }
                                } else {
                                    paired = false;
                                }
                            }
                            0xDC00..=0xDFFF => paired = false,
                            _ => {}
                        },
                        _ => return Err(Fault::Syntax),
                    }
                }
                0x00..=0x1F => return Err(Fault::Syntax),
                _ => {}
            }
        }
    }

    /// Reads the four hex digits of a `\u` escape.
    fn hex_escape(&mut self) -> Result<u32, Fault> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .byte()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or(Fault::Syntax)?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    /// Reads a string (unescaped). A lone surrogate escape is a syntax error, as in every
    /// string serde_json reads into a Rust `String`.
    pub fn string(&mut self) -> Result<Cow<'a, str>, Fault> {
        if self.peek() != Some(b'"') {
            return Err(self.mismatch());
        }
        let scanned = self.scan_string()?;
        if !scanned.paired {
            return Err(Fault::Syntax);
        }
        Ok(if scanned.escaped {
            Cow::Owned(unescape(scanned.raw))
        } else {
            Cow::Borrowed(scanned.raw)
        })
    }

    /// Reads a non-negative integer that fits a `u64`.
    pub fn u64(&mut self) -> Result<u64, Fault> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {
                let number = self.number()?;
                if !number.is_finite() {
                    return Err(Fault::Syntax);
                }
                number.as_u64().ok_or(Fault::Shape)
            }
            _ => Err(self.mismatch()),
        }
    }

    /// Reads `true` or `false`.
    pub fn bool(&mut self) -> Result<bool, Fault> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.mismatch()),
        }
    }

    /// Consumes a `null` if one is next; true if it did.
    pub fn null(&mut self) -> Result<bool, Fault> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The error for a value of the wrong type: its token is read first, so a malformed
    /// token is still a syntax error (as serde_json reports it).
    pub fn mismatch(&mut self) -> Fault {
        let token = match self.peek() {
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'-' | b'0'..=b'9') => match self.number() {
                Ok(number) if number.is_finite() => Ok(()),
                _ => Err(Fault::Syntax),
            },
            Some(b'"') => self.string().map(|_| ()),
            Some(b'[' | b'{') => Ok(()),
            _ => Err(Fault::Syntax),
        };
        token.err().unwrap_or(Fault::Shape)
    }

    /// Reads an object, handing each field's key (unescaped) to `field`, which must read
    /// or [`skip`](Reader::skip) the value.
    pub fn object(
        &mut self,
        mut field: impl FnMut(&str, &mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        self.object_dyn(&mut field)
    }

    /// [`Reader::object`] with the callback behind a pointer: one copy of the loop in the
    /// module, not one per caller.
    fn object_dyn(
        &mut self,
        field: &mut dyn FnMut(&str, &mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        if self.peek() != Some(b'{') {
            return Err(self.mismatch());
        }
        self.pos += 1;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string_key()?;
            if self.peek() == Some(b':') {
                self.pos += 1;
            } else {
                self.broken = true;
            }
            field(&key, self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Fault::Syntax),
            }
        }
    }

    /// An object key: a string, or a syntax error for anything else.
    fn string_key(&mut self) -> Result<Cow<'a, str>, Fault> {
        if self.peek() != Some(b'"') {
            return Err(Fault::Syntax);
        }
        self.string()
    }

    /// Reads an array, calling `item` for each element, which must read it.
    pub fn array(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        self.array_dyn(&mut item)
    }

    /// [`Reader::array`] with the callback behind a pointer (one copy of the loop).
    fn array_dyn(
        &mut self,
        item: &mut dyn FnMut(&mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        if self.peek() != Some(b'[') {
            return Err(self.mismatch());
        }
        self.pos += 1;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Fault::Syntax),
            }
        }
    }

    /// Reads an array of strings.
    pub fn strings(&mut self) -> Result<Vec<String>, Fault> {
        let mut out = Vec::new();
        self.array(|r| {
            out.push(r.string()?.into_owned());
            Ok(())
        })?;
        Ok(out)
    }

    /// Skips one value, checking only that it is well-formed (a field nobody reads).
    pub fn skip(&mut self) -> Result<(), Fault> {
        self.walk(false).map(|_| ())
    }

    /// Reads one value without building it and returns its text. With `check`, also
    /// returns the first problem that makes it unshareable, in document order: nesting
    /// deeper than [`MAX_DEPTH`], an object key [`RESERVED_KEY`], a lone surrogate escape or
    /// a number out of a double's range (the last two are not JSON a JS or Python reader
    /// could take back intact).
    pub fn value(&mut self) -> Result<(&'a str, Option<DecodeError>), Fault> {
        self.walk(true)
    }

    fn walk(&mut self, check: bool) -> Result<(&'a str, Option<DecodeError>), Fault> {
        let mut pending = None;
        // Open containers, innermost last: true for an object.
        let mut open: Vec<bool> = Vec::new();
        self.peek();
        let start = self.pos;
        loop {
            // At the start of a value.
            let mut entered = false;
            match self.peek() {
                Some(c @ (b'[' | b'{')) => {
                    self.pos += 1;
                    let object = c == b'{';
                    open.push(object);
                    if check && open.len() > MAX_DEPTH {
                        note(&mut pending, DecodeError::TooDeep);
                    }
                    let close = if object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        open.pop();
                    } else {
                        if object {
                            self.key(check, &mut pending)?;
                        }
                        entered = true;
                    }
                }
                Some(b'"') => {
                    if !self.scan_string()?.paired && check {
                        note(&mut pending, DecodeError::NotJson);
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number()?.is_finite() && check {
                        note(&mut pending, DecodeError::NotJson);
                    }
                }
                Some(b'n') => self.literal(b"null")?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                _ => return Err(Fault::Syntax),
            }
            if entered {
                continue;
            }
            // After a value: close what ends here, or go on after a comma.
            loop {
                let Some(&object) = open.last() else {
                    return Ok((self.slice(start, self.pos), pending));
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.key(check, &mut pending)?;
                        }
                        break;
                    }
                    Some(b']') if !object => {
                        self.pos += 1;
                        open.pop();
                    }
                    Some(b'}') if object => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ => return Err(Fault::Syntax),
                }
            }
        }
    }

    /// An object key inside a walked value, and its colon.
    fn key(&mut self, check: bool, pending: &mut Option<DecodeError>) -> Result<(), Fault> {
        if self.peek() != Some(b'"') {
            return Err(Fault::Syntax);
        }
        let key = self.scan_string()?;
        if check {
            if !key.paired {
                note(pending, DecodeError::NotJson);
            } else if key.is(RESERVED_KEY) {
                note(pending, DecodeError::ReservedKey);
            }
        }
        self.expect(b':')
    }
}
