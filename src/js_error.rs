//! The one helper every browser-facing module shares: a readable text for a thrown JS value.

/// The `name: message` of a thrown JS value, or its text, or a fixed text when it has neither.
pub(crate) fn describe(value: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match value.dyn_ref::<js_sys::Error>() {
        Some(err) => {
            let name: String = err.name().into();
            let message: String = err.message().into();
            let mut out = name;
            out.push_str(": ");
            out.push_str(&message);
            out
        }
        None => value
            .as_string()
            .unwrap_or_else(|| "unknown error".to_owned()),
    }
}
