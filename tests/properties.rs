//! Property tests of the sync core (native only: `cargo test`).
//!
//! * Merge is idempotent, commutative and associative.
//! * Several tabs with skewed, jumping clocks edit concurrently while storage events are
//!   delivered late, out of order, twice or never, and reads of storage may miss the latest
//!   write (as across Chromium's processes). After a re-read of storage (what a tab does
//!   when shown again) and the delivery of what is left, every tab and storage hold the
//!   highest-stamped write of every key.
//! * The decoder never panics, on any bytes or any JSON.
//!
//! Case counts scale with `TABSYNC_FUZZ_SCALE` (`make fuzz` sets it for a longer run).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::config;

use std::collections::{BTreeMap, VecDeque};

use proptest::prelude::*;
use serde_json::{json, Value};

use tabsync::core::{
    ConflictPolicy, DecodeError, Effect, Engine, Envelope, HybridClock, Json, RenderArgs, Replica,
    Stamp, MAX_WALL_MS,
};

const KEYS: [&str; 3] = ["a", "b", "c"];

fn stamp() -> impl Strategy<Value = Stamp> {
    (
        0u64..50,
        0u32..4,
        prop::sample::select(vec!["t0", "t1", "t2"]),
    )
        .prop_map(|(w, c, t)| Stamp::new(w, c, t))
}

fn writes() -> impl Strategy<Value = Vec<(String, i64, Stamp)>> {
    prop::collection::vec(
        (prop::sample::select(KEYS.to_vec()), any::<i64>(), stamp())
            .prop_map(|(k, v, s)| (k.to_owned(), v, s)),
        0..12,
    )
}

/// Replica from writes; equal stamps always carry equal values in a real system (a stamp is
/// unique to one write), so the value is derived from the stamp here.
fn replica_of(writes: &[(String, i64, Stamp)]) -> Replica {
    let mut r = Replica::new();
    for (k, _, s) in writes {
        r.merge(
            k,
            common::json(&json!([s.wall, s.counter, s.tab])),
            s.clone(),
        );
    }
    r
}

fn merged(parts: &[&Replica]) -> Replica {
    let mut out = Replica::new();
    for p in parts {
        out.merge_all(p);
    }
    out
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn merge_is_idempotent_commutative_and_associative(a in writes(), b in writes(), c in writes()) {
        let (a, b, c) = (replica_of(&a), replica_of(&b), replica_of(&c));
        prop_assert_eq!(merged(&[&a, &a]), a.clone());
        prop_assert_eq!(merged(&[&a, &b]), merged(&[&b, &a]));
        prop_assert_eq!(merged(&[&merged(&[&a, &b]), &c]), merged(&[&a, &merged(&[&b, &c])]));
    }
}

/// One step of the simulated world.
#[derive(Debug, Clone)]
enum Op {
    /// Tab `tab` edits `key`; `blind` makes its read of storage miss the latest write.
    Edit { tab: usize, key: usize, blind: bool },
    /// Tab `tab` takes the event at `pick` (mod its queue length) from its queue.
    Deliver {
        tab: usize,
        pick: usize,
        keep: bool,
        drop: bool,
    },
    /// Time passes (or jumps back) by `ms` for every tab.
    Tick { ms: i64 },
}

fn op(tabs: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..tabs, 0..KEYS.len(), prop::bool::weighted(0.3))
            .prop_map(|(tab, key, blind)| Op::Edit { tab, key, blind }),
        5 => (0..tabs, any::<usize>(), prop::bool::weighted(0.15), prop::bool::weighted(0.15))
            .prop_map(|(tab, pick, keep, drop)| Op::Deliver { tab, pick, keep, drop }),
        1 => (-5_000i64..5_000).prop_map(|ms| Op::Tick { ms }),
    ]
}

struct World {
    engines: Vec<Engine>,
    /// Each tab's Python side's clock, which stamps its edits.
    clocks: Vec<HybridClock>,
    skew: Vec<i64>,
    queues: Vec<VecDeque<(String, String)>>,
    storage: BTreeMap<String, String>,
    now: i64,
    edits: usize,
}

impl World {
    fn new(skew: Vec<i64>) -> Self {
        let engines = (0..skew.len())
            .map(|i| {
                let mut e = Engine::new(format!("i{i}"));
                e.configure(&args(i, None)).expect("valid args");
                e
            })
            .collect();
        World {
            queues: vec![VecDeque::new(); skew.len()],
            clocks: (0..skew.len())
                .map(|i| HybridClock::new(format!("t{i}")))
                .collect(),
            engines,
            skew,
            storage: BTreeMap::new(),
            now: 1_700_000_000_000,
            edits: 0,
        }
    }

    fn wall(&self, tab: usize) -> u64 {
        (self.now + self.skew[tab]).max(0) as u64
    }

    /// A write by `tab`: storage takes it, every other tab gets an event.
    fn write(&mut self, tab: usize, effect: Effect) {
        let (key, text) = match effect {
            Effect::Write { key, text } => (key, text),
            Effect::Remove { key } => {
                // Removals fire events that every engine ignores; only storage changes.
                self.storage.remove(&key);
                return;
            }
        };
        if self.storage.get(&key) == Some(&text) {
            return; // setting an identical value fires no event
        }
        self.storage.insert(key.clone(), text.clone());
        for (other, queue) in self.queues.iter_mut().enumerate() {
            if other != tab {
                queue.push_back((key.clone(), text.clone()));
            }
        }
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Edit { tab, key, blind } => {
                self.edits += 1;
                let now = self.wall(tab);
                // The Python side stamps the edit above every value its tab was shown (here,
                // everything the tab's engine holds: more than it was shown, which is safe).
                let clock = &mut self.clocks[tab];
                for (_, held) in self.engines[tab].replica().iter() {
                    clock.observe(&held.stamp, u64::MAX);
                }
                let stamp = clock.tick(now);
                let a = args(tab, Some((KEYS[key], self.edits, stamp)));
                let storage = self.storage.clone();
                let effects = self.engines[tab].apply_edits(&a, now, |k| {
                    if blind {
                        None
                    } else {
                        storage.get(k).cloned()
                    }
                });
                for e in effects {
                    self.write(tab, e);
                }
            }
            Op::Deliver {
                tab,
                pick,
                keep,
                drop,
            } => {
                let queue = &mut self.queues[tab];
                if queue.is_empty() {
                    return;
                }
                let at = pick % queue.len();
                let (key, text) = if keep {
                    queue[at].clone()
                } else {
                    queue.remove(at).expect("in range")
                };
                if drop {
                    return;
                }
                let now = self.wall(tab);
                for repair in self.engines[tab].on_storage(Some(&key), Some(&text), now) {
                    self.write(tab, repair);
                }
            }
            Op::Tick { ms } => self.now += ms,
        }
    }

    /// Every tab re-reads storage, then all queued events are delivered until none are left.
    fn settle(&mut self) {
        for tab in 0..self.engines.len() {
            let now = self.wall(tab);
            let entries: Vec<_> = self.storage.clone().into_iter().collect();
            for (key, text) in entries {
                if let Some(repair) = self.engines[tab].load(&key, &text, now) {
                    self.write(tab, repair);
                }
            }
        }
        while let Some(tab) = (0..self.queues.len()).find(|&t| !self.queues[t].is_empty()) {
            let (key, text) = self.queues[tab].pop_front().expect("not empty");
            let now = self.wall(tab);
            for repair in self.engines[tab].on_storage(Some(&key), Some(&text), now) {
                self.write(tab, repair);
            }
        }
    }
}

fn args(tab: usize, edit: Option<(&str, usize, Stamp)>) -> RenderArgs {
    RenderArgs {
        v: tabsync::core::PROTOCOL_VERSION,
        ns: "prop".into(),
        tab: format!("t{tab}"),
        keys: KEYS.iter().map(|k| k.to_string()).collect(),
        edits: edit
            .map(|(k, n, stamp)| {
                let id = format!("e{n}");
                (
                    k.to_string(),
                    common::edit("prop", k, &id, &json!(n), stamp),
                )
            })
            .into_iter()
            .collect(),
        ttl_ms: None,
        conflict: ConflictPolicy::Lww,
        resend: 0,
        devices: false,
        relay: None,
        route: None,
        have: Default::default(),
        seen: None,
        presence: false,
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn every_tab_and_storage_converge_on_the_highest_stamped_write(
        skew in prop::collection::vec(-3_600_000i64..3_600_000, 2..5),
        ops in prop::collection::vec(op(4), 1..80),
    ) {
        let tabs = skew.len();
        let mut world = World::new(skew);
        let mut highest: BTreeMap<String, (Stamp, Json)> = BTreeMap::new();
        for op in ops.iter().map(|o| match o.clone() {
            Op::Edit { tab, key, blind } => Op::Edit { tab: tab % tabs, key, blind },
            Op::Deliver { tab, pick, keep, drop } => Op::Deliver { tab: tab % tabs, pick, keep, drop },
            other => other,
        }) {
            world.step(&op);
            if let Op::Edit { tab, key, .. } = op {
                // The edit just made is the tab's newest write of that key.
                let held = world.engines[tab].replica().get(KEYS[key]).expect("edit held");
                let best = highest.entry(KEYS[key].to_owned())
                    .or_insert_with(|| (held.stamp.clone(), held.value.clone()));
                if held.stamp > best.0 {
                    *best = (held.stamp.clone(), held.value.clone());
                }
            }
        }
        world.settle();
        for (key, (stamp, value)) in &highest {
            for engine in &world.engines {
                let held = engine.replica().get(key).expect("every tab holds every written key");
                prop_assert_eq!(&held.stamp, stamp);
                prop_assert_eq!(&held.value, value);
            }
            let stored = world.storage.get(&format!("tabsync:v1:prop:{key}")).expect("stored");
            let stored = Envelope::decode(stored).expect("valid");
            prop_assert_eq!(&stored.stamp, stamp);
        }
    }

    #[test]
    fn a_write_made_after_seeing_another_wins_whatever_the_clocks(
        skew_a in -3_600_000i64..3_600_000, skew_b in -3_600_000i64..3_600_000,
    ) {
        let mut world = World::new(vec![skew_a, skew_b]);
        world.step(&Op::Edit { tab: 0, key: 0, blind: false });
        world.step(&Op::Deliver { tab: 1, pick: 0, keep: false, drop: false });
        world.step(&Op::Edit { tab: 1, key: 0, blind: false });
        world.settle();
        for engine in &world.engines {
            prop_assert_eq!(common::value(&engine.replica().get("a").expect("held").value), json!(2));
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(8, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn envelope_like() -> impl Strategy<Value = String> {
    (arb_json(), arb_json(), arb_json(), arb_json(), arb_json())
        .prop_map(|(f, ns, k, v, s)| json!({"f": f, "ns": ns, "k": k, "v": v, "s": s}).to_string())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn the_decoder_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Envelope::decode(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn the_decoder_never_panics_on_arbitrary_json(value in arb_json(), shaped in envelope_like()) {
        let _ = Envelope::decode(&value.to_string());
        let _ = Envelope::decode(&shaped);
    }

    #[test]
    fn encoding_then_decoding_is_lossless(
        ns in "[A-Za-z0-9_.-]{1,64}", key in "[^\\p{Cc}]{1,40}", value in arb_json(),
        wall in 0..=MAX_WALL_MS, counter in any::<u32>(), tab in "[A-Za-z0-9_.-]{1,64}",
        expires in prop::option::of(0..=MAX_WALL_MS),
    ) {
        // Values too deep for the caps are refused on the way in; the rest must survive.
        let value = common::try_json(&value);
        prop_assume!(value.is_ok());
        let value = value.expect("checked above");
        let env = Envelope {
            ns, key, value, stamp: Stamp::new(wall, counter, tab), expires, route: None,
        };
        prop_assert_eq!(Envelope::decode(&env.encode()), Ok(env));
    }

    #[test]
    fn a_wall_or_expiry_beyond_the_limit_is_malformed(
        beyond in (MAX_WALL_MS + 1)..=u64::MAX, in_wall in any::<bool>(),
    ) {
        let (wall, expires) = if in_wall { (beyond, None) } else { (1, Some(beyond)) };
        let env = Envelope {
            ns: "gis".into(),
            key: "zoom".into(),
            value: common::json(&json!(1)),
            stamp: Stamp::new(wall, 0, "t"),
            expires,
            route: None,
        };
        prop_assert_eq!(Envelope::decode(&env.encode()), Err(DecodeError::WrongShape));
    }
}
