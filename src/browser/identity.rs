//! This browser's random id: what groups the tabs of one browser that are sessions of one
//! server process, so the server can carry an edit to the browser's other tabs from the run
//! that made it (see the Python side's `TabsRun`).
//!
//! 128 bits from `crypto.getRandomValues`, kept in `localStorage` under [`BROWSER_KEY`]: a
//! secret of this browser, never shown. Knowing it gives no more than reading that browser's
//! storage already does (which holds the shared values themselves). Without storage or a
//! CSPRNG there is no id, and tabs sync through storage alone.

/// The storage key of the id (outside every namespace's `tabsync:v1:` prefix).
pub const BROWSER_KEY: &str = "tabsync:browser";

/// This browser's id: the stored one when it is well-formed, else a new one, stored; `None`
/// where storage or `crypto` is unavailable, or the new id cannot be stored.
///
/// Two tabs opened at once may both make one; the last stored wins, and [`stored_id`] (read
/// at each delivery) brings the other tab round to it.
pub fn browser_id() -> Option<String> {
    if let Some(id) = stored_id() {
        return Some(id);
    }
    let window = web_sys::window()?;
    let storage = window.local_storage().ok()??;
    let mut bytes = [0u8; 16];
    window
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    let mut id = String::with_capacity(32);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0xf] {
            id.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    storage.set_item(BROWSER_KEY, &id).ok()?;
    Some(id)
}

/// The id stored now, when there is a well-formed one.
pub fn stored_id() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let id = storage.get_item(BROWSER_KEY).ok()??;
    is_browser_id(&id).then_some(id)
}

/// True for 32 lowercase hex digits.
pub fn is_browser_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
