//! Writing JSON text: strings escaped exactly as serde_json escapes them, integers, and
//! objects and arrays whose commas take care of themselves.
//!
//! Byte-for-byte the text serde_json writes for the same derive-defined types (checked by
//! `tests/differential.rs`), at a fraction of the WASM bytes: no `Serializer` machinery, no
//! float printing (this crate never writes a float; values are embedded as the text they
//! arrived as).

/// Appends `text` as a JSON string: `"` and `\` escaped, control characters as `\b \t \n
/// \f \r` or `\u00xx`, everything else as is.
pub fn string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x09 => "\\t",
            0x0A => "\\n",
            0x0C => "\\f",
            0x0D => "\\r",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(text.get(plain..i).unwrap_or_default());
        plain = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(text.get(plain..).unwrap_or_default());
    out.push('"');
}

/// Appends an unsigned integer in decimal.
pub fn uint(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for &d in &digits[start..] {
        out.push(char::from(d));
    }
}

/// Appends an unsigned integer in decimal, zero-padded on the left to `width` digits.
pub fn uint_padded(out: &mut String, value: u64, width: usize) {
    let mut digits = String::new();
    uint(&mut digits, value);
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Appends `null`, or the string.
pub fn opt_string(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.push_str("null"),
    }
}

/// Appends `true` or `false`.
pub fn boolean(out: &mut String, value: bool) {
    out.push_str(if value { "true" } else { "false" });
}

/// An object being written: [`Object::key`] adds the comma before every key but the first.
pub struct Object<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Object<'o> {
    /// Opens an object.
    pub fn new(out: &'o mut String) -> Self {
        out.push('{');
        Object { out, empty: true }
    }

    /// Writes a key and its colon, and returns the text to write the value into.
    pub fn key(&mut self, key: &str) -> &mut String {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// An array being written: [`Array::item`] adds the comma before every item but the first.
pub struct Array<'o> {
    out: &'o mut String,
    empty: bool,
}

impl<'o> Array<'o> {
    /// Opens an array.
    pub fn new(out: &'o mut String) -> Self {
        out.push('[');
        Array { out, empty: true }
    }

    /// Returns the text to write the next item into.
    pub fn item(&mut self) -> &mut String {
        if !std::mem::take(&mut self.empty) {
            self.out.push(',');
        }
        self.out
    }

    /// Closes the array.
    pub fn end(self) {
        self.out.push(']');
    }
}
