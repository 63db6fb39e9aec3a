//! The presence bookkeeping (`tabsync::core::Presence`) against a model of the browser's
//! lock manager: instances join and leave, counts are snapshots taken when issued and
//! answered in any order, and a watch on a peer is granted when that peer leaves.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeSet;

use common::config;
use proptest::prelude::*;
use tabsync::core::{here_lock, lead_lock, Presence, MAX_PEERS};

const ME: &str = "me0000000000";

/// What can happen around one instance, in the order the browser reports it.
#[derive(Debug, Clone)]
enum Step {
    /// Peer `n` takes its presence lock (and says so: this instance counts).
    Join(u8),
    /// Peer `n` lets go (closed, crashed, frozen): its watch, if any, is granted.
    Leave(u8),
    /// The answer to the `n`-th outstanding count arrives (modulo how many there are).
    Answer(u8),
    /// This instance is frozen and comes back (lets go of everything, then counts again).
    Freeze,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u8..6).prop_map(Step::Join),
        2 => (0u8..6).prop_map(Step::Leave),
        4 => any::<u8>().prop_map(Step::Answer),
        1 => Just(Step::Freeze),
    ]
}

fn id(n: u8) -> String {
    format!("peer{n:08}")
}

/// The model: the ids holding presence locks now, and the counts in flight, each with the
/// snapshot the lock manager took when it was issued.
struct World {
    presence: Presence,
    live: BTreeSet<String>,
    in_flight: Vec<(u64, Vec<String>)>,
    watched: BTreeSet<String>,
    /// Departures seen (a watch granted): the id, and the last ticket issued before.
    seen_gone: Vec<(u64, String)>,
    issued: u64,
}

impl World {
    fn new() -> Self {
        World {
            presence: Presence::new("gis", ME),
            live: BTreeSet::new(),
            in_flight: Vec::new(),
            watched: BTreeSet::new(),
            seen_gone: Vec::new(),
            issued: 0,
        }
    }

    fn held(&self) -> Vec<String> {
        let mut names: Vec<String> = self.live.iter().map(|p| here_lock("gis", p)).collect();
        names.push(here_lock("gis", ME));
        names.push(lead_lock("gis"));
        names.push(here_lock("other", "peer00000009"));
        names
    }

    fn count(&mut self) {
        let ticket = self.presence.begin_count();
        self.issued = ticket;
        let held = self.held();
        self.in_flight.push((ticket, held));
    }

    fn gone(&mut self, peer: &str) {
        self.presence.gone(peer);
        self.seen_gone.push((self.issued, peer.to_owned()));
    }

    fn answer(&mut self, index: usize) -> Result<(), TestCaseError> {
        if self.in_flight.is_empty() {
            return Ok(());
        }
        let (ticket, held) = self.in_flight.remove(index % self.in_flight.len());
        let before: Vec<String> = self.presence.peer_ids().map(str::to_owned).collect();
        let to_watch = self.presence.counted(ticket, &held);
        for peer in &to_watch {
            prop_assert!(self.watched.insert(peer.clone()), "{peer} watched twice");
        }
        // A watch on a peer that has already let go is granted at once.
        let departed: Vec<String> = to_watch
            .iter()
            .filter(|p| !self.live.contains(*p))
            .cloned()
            .collect();
        for peer in &departed {
            self.watched.remove(peer);
            self.gone(peer);
            self.count();
        }
        let after: Vec<String> = self.presence.peer_ids().map(str::to_owned).collect();
        // A snapshot taken before a departure was seen never brings the peer back (the
        // count would flicker, each flicker a rerun of the tab).
        for (last_before, peer) in &self.seen_gone {
            if ticket <= *last_before && !before.contains(peer) {
                prop_assert!(
                    !after.contains(peer),
                    "{peer} counted again from a stale snapshot"
                );
            }
        }
        if before != after {
            // A snapshot that changed the count was the newest one applied so far: none
            // issued before it is applied later (checked by the caller through `peer_ids`).
            for peer in &after {
                prop_assert!(held.contains(&here_lock("gis", peer)));
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(2_000))]

    #[test]
    fn the_count_matches_the_live_peers_once_the_last_count_lands(
        steps in prop::collection::vec(step(), 0..60)
    ) {
        let mut world = World::new();
        prop_assert_eq!(world.presence.peers(), None, "nothing is known before a count");
        prop_assert_eq!(world.presence.leader(), None);
        world.count();
        for step in steps {
            match step {
                Step::Join(n) => {
                    world.live.insert(id(n));
                    world.count();
                }
                Step::Leave(n) => {
                    let peer = id(n);
                    if world.live.remove(&peer) && world.watched.remove(&peer) {
                        world.gone(&peer);
                        world.count();
                        // No snapshot taken before the departure may bring the peer back.
                        let stale: Vec<usize> = (0..world.in_flight.len() - 1).collect();
                        for _ in stale {
                            world.answer(0)?;
                            prop_assert!(world.presence.peer_ids().all(|p| p != peer));
                        }
                    }
                }
                Step::Answer(n) => world.answer(usize::from(n))?,
                Step::Freeze => {
                    world.presence.suspend();
                    world.watched.clear();
                    prop_assert_eq!(world.presence.watched_ids().count(), 0);
                    world.count();
                }
            }
            let peers: BTreeSet<&str> = world.presence.peer_ids().collect();
            prop_assert!(!peers.contains(ME), "never counts itself");
            prop_assert!(peers.iter().all(|p| p.starts_with("peer")), "{:?}", peers);
            let watched: BTreeSet<String> =
                world.presence.watched_ids().map(str::to_owned).collect();
            prop_assert_eq!(&watched, &world.watched, "watches as issued");
        }
        // Every answer arrives; then one more count, answered, settles the truth.
        while !world.in_flight.is_empty() {
            world.answer(0)?;
        }
        world.count();
        world.answer(0)?;
        let peers: BTreeSet<String> = world.presence.peer_ids().map(str::to_owned).collect();
        prop_assert_eq!(&peers, &world.live);
        prop_assert_eq!(world.presence.peers(), Some(world.live.len() as u32));
        // Every live peer is watched, so its departure will be seen without a timer.
        for peer in &world.live {
            prop_assert!(world.presence.watched_ids().any(|w| w == peer), "{} unwatched", peer);
        }
    }

    #[test]
    fn names_that_are_not_peers_of_this_namespace_are_never_counted(
        names in prop::collection::vec(
            prop_oneof![
                "[a-z0-9]{1,12}".prop_map(|p| here_lock("gis", &p)),
                "\\PC{0,20}".prop_map(|p| here_lock("gis", &p)),
                "\\PC{0,30}",
                "[a-z0-9]{1,12}".prop_map(|p| here_lock("gis2", &p)),
                Just(here_lock("gis", ME)),
                Just(lead_lock("gis")),
            ],
            0..40,
        )
    ) {
        let mut presence = Presence::new("gis", ME);
        let ticket = presence.begin_count();
        let to_watch = presence.counted(ticket, &names);
        let prefix = here_lock("gis", "");
        let expected: BTreeSet<&str> = names
            .iter()
            .filter_map(|n| n.strip_prefix(prefix.as_str()))
            .filter(|p| *p != ME && !p.is_empty() && p.len() <= 64
                && p.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
            .collect();
        let peers: BTreeSet<&str> = presence.peer_ids().collect();
        prop_assert_eq!(&peers, &expected);
        prop_assert_eq!(to_watch.len(), peers.len(), "each new peer is watched once");
    }
}

#[test]
fn peers_beyond_the_cap_are_not_counted() {
    let mut presence = Presence::new("gis", ME);
    let names: Vec<String> = (0..MAX_PEERS + 50)
        .map(|n| here_lock("gis", &format!("p{n:05}")))
        .collect();
    let ticket = presence.begin_count();
    assert_eq!(presence.counted(ticket, &names).len(), MAX_PEERS);
    assert_eq!(presence.peers(), Some(MAX_PEERS as u32));
}

#[test]
fn leadership_is_reported_from_the_first_count_and_lost_when_suspended() {
    let mut presence = Presence::new("gis", ME);
    presence.set_leader(true);
    assert_eq!(
        presence.leader(),
        None,
        "not reported before the first count"
    );
    let ticket = presence.begin_count();
    presence.counted(ticket, &[here_lock("gis", ME)]);
    assert_eq!((presence.peers(), presence.leader()), (Some(0), Some(true)));
    let stale = presence.begin_count();
    presence.suspend();
    assert_eq!(presence.leader(), Some(false));
    assert!(
        presence
            .counted(stale, &[here_lock("gis", "peer00000001")])
            .is_empty(),
        "a count issued before the suspension is dropped"
    );
    assert_eq!(presence.peers(), Some(0));
}

#[test]
fn a_count_answered_before_a_newer_one_is_applied_but_not_after_it() {
    let mut presence = Presence::new("gis", ME);
    let old = presence.begin_count();
    let new = presence.begin_count();
    presence.counted(new, &[here_lock("gis", "peer00000001")]);
    presence.counted(old, &[]);
    assert_eq!(
        presence.peers(),
        Some(1),
        "the older snapshot came too late"
    );
    assert!(
        presence.counted(99, &[]).is_empty(),
        "a ticket never issued is ignored"
    );
    assert_eq!(presence.peers(), Some(1));
}
