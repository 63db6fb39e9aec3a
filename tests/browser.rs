//! Browser tests of the thin browser layer and the whole bridge, in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown`, or `wasm-pack test --headless --chrome`).
//!
//! Real `storage` events need a second document: writes go through a same-origin
//! `about:blank` iframe, whose `localStorage` is the test page's. The bridge's parent is the
//! test page itself (a top-level window is its own parent), so its Streamlit messages arrive
//! as `message` events here and render messages can be posted to it from here.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlIFrameElement, MessageEvent, Storage};

use tabsync::browser::WebLocks;
use tabsync::core::{Envelope, Stamp};
use tabsync::transport::{ChannelMessage, ChannelTransport, StorageChange, StorageTransport};

wasm_bindgen_test_configure!(run_in_browser);

/// Polls `done` every 10 ms until it holds or 10 s pass.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out waiting for: {what}");
}

/// `localStorage` of a fresh same-origin iframe: writes there fire `storage` events here.
fn other_document_storage() -> Storage {
    let document = web_sys::window().unwrap().document().unwrap();
    let iframe: HtmlIFrameElement = document
        .create_element("iframe")
        .unwrap()
        .dyn_into()
        .unwrap();
    document.body().unwrap().append_child(&iframe).unwrap();
    iframe
        .content_window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
}

/// An edit as the Python side puts it in the render args: its entry, stamped now (the
/// browser's clock stands in for the server's) with the counter its id ends with, as the JSON
/// text of the `edits` member for `key`.
fn edit_json(ns: &str, tab: &str, key: &str, id: &str, value: &str, base: Option<&str>) -> String {
    let wall = js_sys::Date::now() as u64;
    let counter: u32 = id
        .rsplit('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let entry = Envelope {
        ns: ns.into(),
        key: key.into(),
        value: tabsync::core::Json::parse(value).unwrap(),
        stamp: Stamp::new(wall, counter, tab),
        expires: None,
        route: None,
    }
    .encode();
    let edit = serde_json::json!({"id": id, "e": entry, "base": base});
    format!(r#""{key}":{edit}"#)
}

fn entry(ns: &str, key: &str, value: &str, wall: u64, tab: &str) -> (String, String) {
    let env = Envelope {
        ns: ns.into(),
        key: key.into(),
        value: tabsync::core::Json::parse(value).unwrap(),
        stamp: Stamp::new(wall, 0, tab),
        expires: None,
        route: None,
    };
    (env.storage_key(), env.encode())
}

#[wasm_bindgen_test]
fn storage_transport_writes_and_reads_back_a_namespace() {
    let storage = StorageTransport::open().expect("localStorage works in the test page");
    storage.write("tabsync:v1:t1:a", "1").unwrap();
    storage.write("tabsync:v1:t1:b", "2").unwrap();
    storage.write("tabsync:v1:t2:a", "3").unwrap();
    let mut got = storage.entries_with_prefix("tabsync:v1:t1:");
    got.sort();
    assert_eq!(
        got,
        vec![
            ("tabsync:v1:t1:a".into(), Some("1".into())),
            ("tabsync:v1:t1:b".into(), Some("2".into()))
        ]
    );
}

#[wasm_bindgen_test]
async fn storage_events_from_another_document_reach_the_listener_until_it_is_dropped() {
    let storage = StorageTransport::open().unwrap();
    let kept: Rc<RefCell<Vec<StorageChange>>> = Rc::default();
    let dropped: Rc<RefCell<Vec<StorageChange>>> = Rc::default();
    let k = kept.clone();
    let _kept_listener = storage.listen(move |c| k.borrow_mut().push(c)).unwrap();
    let d = dropped.clone();
    let dropped_listener = storage.listen(move |c| d.borrow_mut().push(c)).unwrap();
    drop(dropped_listener);

    let other = other_document_storage();
    other.set_item("tabsync:v1:ev:x", "hello").unwrap();
    until("the storage event", || !kept.borrow().is_empty()).await;
    assert_eq!(
        kept.borrow()[0],
        StorageChange {
            key: Some("tabsync:v1:ev:x".into()),
            new_value: Some("hello".into()),
            well_formed: true,
        }
    );
    // Both listeners sit on the same event: had the dropped one survived, it would have run
    // in the same dispatch as the kept one.
    assert!(dropped.borrow().is_empty());

    other.clear().unwrap();
    until("the clear event", || kept.borrow().len() >= 2).await;
    assert_eq!(
        kept.borrow()[1],
        StorageChange {
            key: None,
            new_value: None,
            well_formed: true,
        }
    );
}

#[wasm_bindgen_test]
async fn the_fallback_channel_carries_entries_and_hellos_between_transports_and_skips_junk() {
    let mine = ChannelTransport::open().expect("BroadcastChannel works in the test page");
    let theirs = ChannelTransport::open().unwrap();
    let got: Rc<RefCell<Vec<ChannelMessage>>> = Rc::default();
    let g = got.clone();
    let _listener = mine.listen(move |m| g.borrow_mut().push(m));

    // Another script of the origin posting on the same channel name.
    let raw = web_sys::BroadcastChannel::new("tabsync:v1").unwrap();
    raw.post_message(&JsValue::from(42)).unwrap();
    raw.post_message(&JSON::parse(r#"{"type":"entry","key":7,"text":"x"}"#).unwrap())
        .unwrap();
    mine.send_entry("tabsync:v1:ch:own", "ignored").unwrap(); // no echo to the sender
    theirs
        .send_entry("tabsync:v1:ch:zoom", "{\"f\":1}")
        .unwrap();
    theirs.send_hello("tabsync:v1:ch:").unwrap();
    until("the entry and the hello", || got.borrow().len() >= 3).await;

    // Posts from different channel objects need not arrive in posting order.
    let got = got.borrow();
    let expected = [
        ChannelMessage::Entry(StorageChange {
            key: None,
            new_value: Some("x".into()),
            well_formed: false,
        }),
        ChannelMessage::Entry(StorageChange {
            key: Some("tabsync:v1:ch:zoom".into()),
            new_value: Some("{\"f\":1}".into()),
            well_formed: true,
        }),
        ChannelMessage::Hello {
            prefix: "tabsync:v1:ch:".into(),
        },
    ];
    for message in &expected {
        assert!(got.contains(message), "missing {message:?} in {got:?}");
    }
    assert_eq!(
        got.len(),
        3,
        "the number and the sender's own entry were not delivered"
    );
    raw.close();
}

/// Collects the Streamlit messages the bridge posts to its parent (this page).
struct ParentInbox {
    messages: Rc<RefCell<Vec<JsValue>>>,
    _listener: EventListener,
}

impl ParentInbox {
    fn open() -> Self {
        let messages: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let m = messages.clone();
        let window = web_sys::window().unwrap();
        let listener = EventListener::new(&window, "message", move |event| {
            let data = event.dyn_ref::<MessageEvent>().unwrap().data();
            let flag = Reflect::get(&data, &"isStreamlitMessage".into()).unwrap_or_default();
            if flag.as_bool() == Some(true) {
                m.borrow_mut().push(data);
            }
        });
        ParentInbox {
            messages,
            _listener: listener,
        }
    }

    fn of_type(&self, kind: &str) -> Vec<JsValue> {
        self.messages
            .borrow()
            .iter()
            .filter(|m| {
                Reflect::get(m, &"type".into())
                    .unwrap()
                    .as_string()
                    .as_deref()
                    == Some(kind)
            })
            .cloned()
            .collect()
    }

    /// The component values posted so far, as JSON.
    fn values(&self) -> Vec<serde_json::Value> {
        self.of_type("streamlit:setComponentValue")
            .iter()
            .map(|m| {
                let value = Reflect::get(m, &"value".into()).unwrap();
                let text: String = JSON::stringify(&value).unwrap().into();
                serde_json::from_str(&text).unwrap()
            })
            .collect()
    }
}

/// A value carried as JSON text in a delivery (see `core::protocol`), parsed.
fn parsed(text: &serde_json::Value) -> serde_json::Value {
    let text = text.as_str().expect("values cross as JSON text");
    serde_json::from_str(text).expect("the text is JSON")
}

/// The value of `key` in a delivery.
fn delivered(delivery: &serde_json::Value, key: &str) -> serde_json::Value {
    parsed(&delivery["values"][key]["t"])
}

fn post_render(args: &str) {
    let message = Object::new();
    Reflect::set(&message, &"type".into(), &"streamlit:render".into()).unwrap();
    Reflect::set(&message, &"args".into(), &JSON::parse(args).unwrap()).unwrap();
    web_sys::window()
        .unwrap()
        .post_message(&message, "*")
        .unwrap();
}

#[wasm_bindgen_test]
async fn bridge_speaks_the_streamlit_protocol_and_delivers_news_from_other_tabs() {
    let inbox = ParentInbox::open();
    let other = other_document_storage();
    let (k, t) = entry("br", "zoom", "4", 1_000, "earlier");
    other.set_item(&k, &t).unwrap();

    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    until("componentReady", || {
        !inbox.of_type("streamlit:componentReady").is_empty()
    })
    .await;
    let ready = &inbox.of_type("streamlit:componentReady")[0];
    assert_eq!(
        Reflect::get(ready, &"apiVersion".into()).unwrap().as_f64(),
        Some(1.0)
    );
    until("frame height", || {
        !inbox.of_type("streamlit:setFrameHeight").is_empty()
    })
    .await;

    // First render: the stored state at mount is delivered.
    post_render(r#"{"v":3,"ns":"br","tab":"me","keys":["zoom","layers"],"edits":{}}"#);
    until("initial delivery", || inbox.values().len() == 1).await;
    assert_eq!(delivered(&inbox.values()[0], "zoom"), serde_json::json!(4));
    assert_eq!(inbox.values()[0]["status"], "live");

    // Another tab writes: one more delivery with the new value.
    let (k, t) = entry("br", "layers", r#"["roads","rivers"]"#, 2_000, "other");
    other.set_item(&k, &t).unwrap();
    until("delivery of the other tab's write", || {
        inbox.values().len() == 2
    })
    .await;
    assert_eq!(
        delivered(&inbox.values()[1], "layers"),
        serde_json::json!(["roads", "rivers"])
    );

    // A local edit is written to storage with a stamp above everything seen, and acked.
    post_render(&format!(
        r#"{{"v":3,"ns":"br","tab":"me","keys":["zoom","layers"],"edits":{{{}}}}}"#,
        edit_json("br", "me", "zoom", "me.1", "9", None)
    ));
    until("the local edit in storage", || {
        other
            .get_item("tabsync:v1:br:zoom")
            .unwrap()
            .and_then(|t| Envelope::decode(&t).ok())
            .is_some_and(|e| common::value(&e.value) == serde_json::json!(9))
    })
    .await;
    let written =
        Envelope::decode(&other.get_item("tabsync:v1:br:zoom").unwrap().unwrap()).unwrap();
    assert!(written.stamp > Stamp::new(2_000, 0, "other"));
    assert_eq!(written.stamp.tab, "me");

    // Garbage and stale writes make no delivery; the next real news carries the count and
    // the ack of the edit.
    other.set_item("tabsync:v1:br:zoom", "{not json").unwrap();
    let (k, stale) = entry("br", "layers", r#"["old"]"#, 1_500, "other");
    other.set_item(&k, &stale).unwrap();
    let (k, t) = entry(
        "br",
        "layers",
        r#"["parks"]"#,
        written.stamp.wall + 1,
        "other",
    );
    other.set_item(&k, &t).unwrap();
    until("delivery after the garbage", || inbox.values().len() >= 3).await;
    let last = inbox.values().last().cloned().unwrap();
    assert_eq!(
        inbox.values().len(),
        3,
        "garbage and stale writes made no delivery"
    );
    assert_eq!(delivered(&last, "layers"), serde_json::json!(["parks"]));
    assert_eq!(
        delivered(&last, "zoom"),
        serde_json::json!(9),
        "the garbage was not applied"
    );
    assert_eq!(last["acks"]["zoom"], "me.1");
    assert_eq!(last["ignored"], 1);

    drop(mounted);
}

#[wasm_bindgen_test]
async fn web_locks_run_critical_sections_one_after_another() {
    let locks = WebLocks::open().expect("Chromium has navigator.locks");
    let order: Rc<RefCell<Vec<u32>>> = Rc::default();
    for n in 0..3 {
        let o = order.clone();
        locks.with_lock("tabsync:test", move |granted| {
            assert!(granted.is_ok());
            o.borrow_mut().push(n)
        });
    }
    until("three critical sections", || order.borrow().len() == 3).await;
    assert_eq!(*order.borrow(), vec![0, 1, 2]);
}

#[wasm_bindgen_test]
async fn bridge_refuses_a_stale_edit_under_reject_and_reports_the_conflict() {
    let inbox = ParentInbox::open();
    let other = other_document_storage();
    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    let base = Stamp::new(1_000, 0, "first");
    let (k, t) = entry("rj", "zoom", "1", base.wall, "first");
    other.set_item(&k, &t).unwrap();
    post_render(r#"{"v":3,"ns":"rj","tab":"me","keys":["zoom"],"edits":{},"conflict":"reject"}"#);
    until("initial delivery", || inbox.values().len() == 1).await;

    // Another tab replaces the value; before this tab hears of it, it edits the old one.
    let (k, t) = entry("rj", "zoom", "7", 2_000, "other");
    other.set_item(&k, &t).unwrap();
    let args = format!(
        r#"{{"v":3,"ns":"rj","tab":"me","keys":["zoom"],"conflict":"reject",
            "edits":{{{}}}}}"#,
        edit_json("rj", "me", "zoom", "me.1", "3", Some(&base.to_string()))
    );
    post_render(&args);
    until("the conflict", || {
        inbox
            .values()
            .last()
            .is_some_and(|d| d["conflicts"].as_array().is_some_and(|c| !c.is_empty()))
    })
    .await;
    let last = inbox.values().last().cloned().unwrap();
    assert_eq!(parsed(&last["conflicts"][0]["mine"]), 3);
    assert_eq!(parsed(&last["conflicts"][0]["theirs"]), 7);
    assert_eq!(delivered(&last, "zoom"), 7);
    assert_eq!(last["acks"]["zoom"], "me.1");
    let stored = Envelope::decode(&other.get_item(&k).unwrap().unwrap()).unwrap();
    assert_eq!(
        common::value(&stored.value),
        serde_json::json!(7),
        "the refused edit was not written"
    );
    drop(mounted);
}

#[wasm_bindgen_test]
async fn after_another_script_clears_storage_the_bridge_writes_its_values_back() {
    let inbox = ParentInbox::open();
    let other = other_document_storage();
    let (k, t) = entry("cl", "zoom", "6", 1_000, "first");
    other.set_item(&k, &t).unwrap();
    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    post_render(r#"{"v":3,"ns":"cl","tab":"me","keys":["zoom"],"edits":{}}"#);
    until("initial delivery", || inbox.values().len() == 1).await;

    other.clear().unwrap();
    until("the entry written back", || {
        other.get_item(&k).unwrap().as_deref() == Some(t.as_str())
    })
    .await;
    assert_eq!(
        inbox.values().len(),
        1,
        "a clear makes no delivery (no rerun)"
    );
    drop(mounted);
}

#[wasm_bindgen_test]
async fn a_full_storage_degrades_the_writer_which_recovers_once_space_is_freed() {
    let inbox = ParentInbox::open();
    let other = other_document_storage();
    other.clear().unwrap();
    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    post_render(r#"{"v":3,"ns":"qt","tab":"me","keys":["zoom"],"edits":{}}"#);
    until("initial delivery", || inbox.values().len() == 1).await;

    // Fill the origin's quota with other data, in chunks that shrink until nothing fits.
    let mut chunk = "x".repeat(1 << 20);
    let mut n = 0;
    while !chunk.is_empty() {
        if other.set_item(&format!("filler:{n}"), &chunk).is_ok() {
            n += 1;
        } else {
            chunk.truncate(chunk.len() / 2);
        }
    }
    post_render(&format!(
        r#"{{"v":3,"ns":"qt","tab":"me","keys":["zoom"],"edits":{{{}}}}}"#,
        edit_json("qt", "me", "zoom", "me.1", "12", None)
    ));
    until("a degraded delivery", || {
        inbox
            .values()
            .last()
            .is_some_and(|d| d["status"] == "degraded")
    })
    .await;
    let degraded = inbox.values().last().cloned().unwrap();
    assert!(
        degraded["error"].as_str().unwrap().contains("Quota"),
        "{degraded}"
    );
    assert_eq!(
        delivered(&degraded, "zoom"),
        12,
        "the writer keeps its value"
    );

    for i in 0..n {
        other.remove_item(&format!("filler:{i}")).unwrap();
    }
    until("live again", || {
        inbox.values().last().is_some_and(|d| d["status"] == "live")
    })
    .await;
    let stored = Envelope::decode(&other.get_item("tabsync:v1:qt:zoom").unwrap().unwrap()).unwrap();
    assert_eq!(
        common::value(&stored.value),
        serde_json::json!(12),
        "the value reached storage after all"
    );
    other.clear().unwrap();
    drop(mounted);
}

#[wasm_bindgen_test]
async fn a_lone_surrogate_in_a_stored_entry_is_reported_as_malformed_not_repaired() {
    let storage = StorageTransport::open().unwrap();
    let seen: Rc<RefCell<Vec<StorageChange>>> = Rc::default();
    let s = seen.clone();
    let _listener = storage.listen(move |c| s.borrow_mut().push(c)).unwrap();
    let other = other_document_storage();
    let lone = js_sys::JsString::from_char_code1(0xd800);
    let text: JsValue = js_sys::JsString::from("{\"v\":\"").concat(&lone).into();
    // Storage.setItem through Reflect, so the lone surrogate reaches storage untouched.
    let set_item = Reflect::get(&other, &"setItem".into()).unwrap();
    let args = js_sys::Array::of2(&"tabsync:v1:ls:k".into(), &text);
    let set_item: &js_sys::Function = set_item.unchecked_ref();
    set_item.apply(&other, &args).unwrap();
    until("the storage event", || !seen.borrow().is_empty()).await;
    let change = seen.borrow()[0].clone();
    assert!(!change.well_formed);
    assert_eq!(change.new_value, None);
    let listed = storage.entries_with_prefix("tabsync:v1:ls:");
    assert_eq!(listed, vec![("tabsync:v1:ls:k".to_owned(), None)]);
    other.clear().unwrap();
}

/// Replaces `navigator.locks.request` with `replacement` (JS source of a function) until
/// the returned guard is dropped.
struct PatchedLocks(JsValue);

impl PatchedLocks {
    fn install(replacement: &str) -> Self {
        let original = js_sys::eval("navigator.locks.request").unwrap();
        js_sys::eval(&format!("navigator.locks.request = {replacement};")).unwrap();
        PatchedLocks(original)
    }
}

impl Drop for PatchedLocks {
    fn drop(&mut self) {
        let locks = js_sys::eval("navigator.locks").unwrap();
        Reflect::set(&locks, &"request".into(), &self.0).unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_failed_lock_request_hands_its_error_to_the_critical_section_exactly_once() {
    for replacement in [
        "() => Promise.reject(new DOMException('denied by policy', 'AbortError'))",
        "() => { throw new TypeError('not today'); }",
    ] {
        let _patched = PatchedLocks::install(replacement);
        let locks = WebLocks::open().unwrap();
        let calls: Rc<RefCell<Vec<Result<(), String>>>> = Rc::default();
        let c = calls.clone();
        locks.with_lock("tabsync:refused", move |granted| {
            c.borrow_mut().push(granted.map_err(|e| e.to_string()))
        });
        assert!(calls.borrow().is_empty(), "never before with_lock returns");
        until("the failure", || !calls.borrow().is_empty()).await;
        TimeoutFuture::new(50).await; // a second call would come from the same microtasks
        let calls = calls.borrow();
        assert_eq!(calls.len(), 1, "{replacement}");
        let err = calls[0].clone().unwrap_err();
        assert!(err.starts_with("Web Lock request failed: "), "{err}");
        assert!(
            err.contains("denied by policy") || err.contains("not today"),
            "{err}"
        );
    }
}

#[wasm_bindgen_test]
async fn under_reject_an_edit_whose_lock_is_refused_is_still_written_and_the_failure_reported() {
    let _patched =
        PatchedLocks::install("() => Promise.reject(new DOMException('denied', 'AbortError'))");
    let inbox = ParentInbox::open();
    let other = other_document_storage();
    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    post_render(r#"{"v":3,"ns":"lk","tab":"me","keys":["zoom"],"edits":{},"conflict":"reject"}"#);
    until("initial delivery", || inbox.values().len() == 1).await;
    post_render(&format!(
        r#"{{"v":3,"ns":"lk","tab":"me","keys":["zoom"],"conflict":"reject",
            "edits":{{{}}}}}"#,
        edit_json("lk", "me", "zoom", "me.1", "5", None)
    ));
    until("the edit is written", || {
        other.get_item("tabsync:v1:lk:zoom").unwrap().is_some()
    })
    .await;
    let stored = Envelope::decode(&other.get_item("tabsync:v1:lk:zoom").unwrap().unwrap());
    assert_eq!(common::value(&stored.unwrap().value), serde_json::json!(5));
    until("the failure is reported", || {
        inbox.values().last().is_some_and(|d| {
            d["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Web Lock request failed: AbortError: denied"))
        })
    })
    .await;
    assert_eq!(inbox.values().last().unwrap()["acks"]["zoom"], "me.1");
    drop(mounted);
}

#[wasm_bindgen_test]
fn a_failed_broadcast_is_reported_as_a_channel_failure_not_a_post_to_the_parent() {
    let channel = ChannelTransport::open().unwrap();
    channel.close();
    let err = channel.send_entry("tabsync:v1:ch:k", "x").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("BroadcastChannel post failed: InvalidStateError"),
        "{err}"
    );
}

#[wasm_bindgen_test]
async fn render_args_the_module_cannot_read_are_reported_with_status_blocked() {
    let inbox = ParentInbox::open();
    let mounted = tabsync::bridge::mount_iframe().expect("a window");
    for (args, says) in [
        (
            r#"{"v":3,"ns":"ok","tab":"me","keys":5}"#,
            "render args not readable",
        ),
        (
            r#"{"v":3,"ns":"no spaces","tab":"me","keys":[]}"#,
            "bad namespace",
        ),
        (
            r#"{"v":1,"ns":"ok","tab":"me","keys":[]}"#,
            "protocol version 1",
        ),
    ] {
        let before = inbox.values().len();
        post_render(args);
        until("the report", || inbox.values().len() > before).await;
        let report = inbox.values().last().cloned().unwrap();
        assert_eq!(report["ns"], serde_json::Value::Null, "{args}");
        assert_eq!(report["status"], "blocked", "{args}");
        assert!(
            report["error"].as_str().is_some_and(|e| e.contains(says)),
            "{args}: {report}"
        );
    }
    // Readable args afterwards: a normal delivery, the report cleared.
    let before = inbox.values().len();
    post_render(r#"{"v":3,"ns":"ok","tab":"me","keys":["zoom"],"edits":{}}"#);
    until("the state", || inbox.values().len() > before).await;
    let last = inbox.values().last().cloned().unwrap();
    assert_eq!(
        (last["ns"].as_str(), last["status"].as_str()),
        (Some("ok"), Some("live"))
    );
    assert!(last.get("error").is_none(), "{last}");
    drop(mounted);
}

/// The deliveries a v2 instance hands to Streamlit, collected from its callback.
struct ModuleInbox {
    got: Rc<RefCell<Vec<serde_json::Value>>>,
    callback: wasm_bindgen::closure::Closure<dyn FnMut(JsValue)>,
}

impl ModuleInbox {
    fn new() -> Self {
        let got: Rc<RefCell<Vec<serde_json::Value>>> = Rc::default();
        let sink = got.clone();
        let callback = wasm_bindgen::closure::Closure::wrap(Box::new(move |value: JsValue| {
            let text: String = JSON::stringify(&value).unwrap().into();
            sink.borrow_mut().push(serde_json::from_str(&text).unwrap());
        }) as Box<dyn FnMut(JsValue)>);
        ModuleInbox { got, callback }
    }

    fn function(&self) -> js_sys::Function {
        self.callback
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone()
    }

    fn values(&self) -> Vec<serde_json::Value> {
        self.got.borrow().clone()
    }
}

fn args(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
async fn two_module_instances_in_one_document_hear_each_others_writes() {
    // One document, no storage event between its own instances: the local bus carries them.
    let (a_inbox, b_inbox) = (ModuleInbox::new(), ModuleInbox::new());
    let a = tabsync::bridge::mount_module(a_inbox.function());
    let b = tabsync::bridge::mount_module(b_inbox.function());
    assert!(tabsync::transport::local_bus::members() >= 2);
    a.render(args(
        r#"{"v":3,"ns":"bus","tab":"ta","keys":["zoom"],"edits":{}}"#,
    ));
    b.render(args(
        r#"{"v":3,"ns":"bus","tab":"tb","keys":["zoom"],"edits":{}}"#,
    ));
    until("both start", || {
        a_inbox.values().len() == 1 && b_inbox.values().len() == 1
    })
    .await;
    a.render(args(&format!(
        r#"{{"v":3,"ns":"bus","tab":"ta","keys":["zoom"],"edits":{{{}}}}}"#,
        edit_json("bus", "ta", "zoom", "ta.1", "11", None)
    )));
    until("B hears A's write", || {
        b_inbox
            .values()
            .last()
            .is_some_and(|d| d["values"]["zoom"]["t"] == "11")
    })
    .await;
    assert_eq!(
        a_inbox.values().len(),
        1,
        "the writer gets no delivery of its own write"
    );

    // A freed instance hears nothing more and delivers nothing more.
    drop(b);
    let before = b_inbox.values().len();
    a.render(args(&format!(
        r#"{{"v":3,"ns":"bus","tab":"ta","keys":["zoom"],"edits":{{{}}}}}"#,
        edit_json("bus", "ta", "zoom", "ta.2", "12", None)
    )));
    let stored = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    until("A's second write", || {
        stored
            .get_item("tabsync:v1:bus:zoom")
            .unwrap()
            .is_some_and(|t| t.contains(r#""v":12"#))
    })
    .await;
    TimeoutFuture::new(50).await; // a delivery to a freed instance would come from a timer
    assert_eq!(b_inbox.values().len(), before);
    drop(a);
}

#[wasm_bindgen_test]
async fn a_held_lock_is_kept_until_dropped_and_a_watch_sees_it_go() {
    let locks = WebLocks::open().expect("Chromium has navigator.locks");
    let granted: Rc<RefCell<Vec<&str>>> = Rc::default();
    let g = granted.clone();
    let holder = locks.hold("tabsync:test:held", false, move || {
        g.borrow_mut().push("holder")
    });
    until("the holder's grant", || {
        granted.borrow().contains(&"holder")
    })
    .await;
    let names: Rc<RefCell<Option<Vec<String>>>> = Rc::default();
    let n = names.clone();
    locks.held_names(move |held| *n.borrow_mut() = held);
    until("a snapshot", || names.borrow().is_some()).await;
    assert!(names
        .borrow()
        .as_ref()
        .unwrap()
        .iter()
        .any(|name| name == "tabsync:test:held"));

    // A watch waits while the lock is held, and is granted once the holder lets go.
    let g = granted.clone();
    let watch = locks.hold("tabsync:test:held", true, move || {
        g.borrow_mut().push("watch")
    });
    // A withdrawn request is never granted, and does not stand in the way of later ones.
    let g = granted.clone();
    let withdrawn = locks.hold("tabsync:test:held", true, move || {
        g.borrow_mut().push("withdrawn")
    });
    let g = granted.clone();
    let last = locks.hold("tabsync:test:held", false, move || {
        g.borrow_mut().push("last")
    });
    TimeoutFuture::new(30).await; // nothing is granted while the holder holds: checked below
    assert_eq!(*granted.borrow(), vec!["holder"]);
    drop(withdrawn);
    drop(holder);
    until("the watch's grant", || granted.borrow().contains(&"watch")).await;
    // Held in shared mode only now: snapshots (of exclusive holds) do not list it.
    let n = names.clone();
    *n.borrow_mut() = None;
    locks.held_names(move |held| *n.borrow_mut() = held);
    until("a second snapshot", || names.borrow().is_some()).await;
    assert!(!names
        .borrow()
        .as_ref()
        .unwrap()
        .iter()
        .any(|name| name == "tabsync:test:held"));
    drop(watch);
    until("the last request's grant", || {
        granted.borrow().contains(&"last")
    })
    .await;
    assert_eq!(*granted.borrow(), vec!["holder", "watch", "last"]);
    drop(last);
}

/// The latest delivery of `inbox` that carries a peer count.
fn presence_of(inbox: &ModuleInbox) -> Option<(u64, bool)> {
    let last = inbox
        .values()
        .into_iter()
        .rev()
        .find(|d| d.get("peers").is_some())?;
    Some((last["peers"].as_u64()?, last["leader"].as_bool()?))
}

#[wasm_bindgen_test]
async fn instances_count_each_other_and_one_leads_until_it_goes() {
    let inboxes: Vec<ModuleInbox> = (0..3).map(|_| ModuleInbox::new()).collect();
    let mut mounted: Vec<Option<tabsync::bridge::Mounted>> = Vec::new();
    for (n, inbox) in inboxes.iter().enumerate() {
        let instance = tabsync::bridge::mount_module(inbox.function());
        instance.render(args(&format!(
            r#"{{"v":3,"ns":"here","tab":"t{n}","keys":["zoom"],"presence":true}}"#
        )));
        mounted.push(Some(instance));
    }
    let settled = |alive: &[usize], peers: u64| {
        let figures: Vec<_> = alive.iter().map(|&i| presence_of(&inboxes[i])).collect();
        figures.iter().all(|f| f.is_some_and(|(p, _)| p == peers))
            && figures.iter().filter(|f| f.is_some_and(|(_, l)| l)).count() == 1
    };
    until("three instances, two peers each, one leader", || {
        settled(&[0, 1, 2], 2)
    })
    .await;
    let leader = (0..3)
        .find(|&i| presence_of(&inboxes[i]).unwrap().1)
        .unwrap();
    let first = inboxes[leader].values()[0].clone();
    assert_eq!(
        first["peers"], 2,
        "the first delivery waited for the count: {first}"
    );

    // The leader goes: the others count one peer fewer, and one of them takes over.
    mounted[leader] = None;
    let alive: Vec<usize> = (0..3).filter(|&i| i != leader).collect();
    until("two instances, one peer each, a new leader", || {
        settled(&alive, 1)
    })
    .await;

    // An instance whose args turn presence off reports nothing more of it and stops
    // counting for the others.
    let quiet = alive[0];
    mounted[quiet].as_ref().unwrap().render(args(&format!(
        r#"{{"v":3,"ns":"here","tab":"t{quiet}","keys":["zoom"],"presence":false}}"#
    )));
    until("the other one alone, leading", || settled(&alive[1..], 0)).await;
    until("no figures for the instance without presence", || {
        inboxes[quiet]
            .values()
            .last()
            .is_some_and(|d| d.get("peers").is_none() && d.get("leader").is_none())
    })
    .await;
}

#[wasm_bindgen_test]
fn the_browser_id_is_made_once_kept_in_storage_and_a_malformed_one_replaced() {
    use tabsync::browser::identity::{browser_id, is_browser_id, BROWSER_KEY};
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(BROWSER_KEY).unwrap();
    let first = browser_id().expect("an id where storage and crypto work");
    assert!(is_browser_id(&first), "{first}");
    assert_eq!(
        storage.get_item(BROWSER_KEY).unwrap().as_deref(),
        Some(first.as_str())
    );
    assert_eq!(
        browser_id().as_deref(),
        Some(first.as_str()),
        "the same id next time"
    );
    storage.set_item(BROWSER_KEY, "not-an-id").unwrap();
    let second = browser_id().expect("a new id");
    assert!(is_browser_id(&second) && second != first);
    assert!(
        !is_browser_id("0123456789ABCDEF0123456789ABCDEF"),
        "lowercase only"
    );
}
