//! Property tests: random command streams keep the book uncrossed and priorities
//! right, conserve funds, and give the same state hash after snapshot + replay.
//! Case count: `PROPTEST_CASES` (default 24).

#[path = "support/crash_gen.rs"]
mod crash_gen;

use proptest::prelude::*;
use skyx_engine::snapshot::{decode_state, encode_state};
use skyx_engine::types::Side;
use skyx_engine::{Command, Engine, Envelope};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24)
}

fn check_priorities(e: &Engine) {
    let Some(m) = e.market(1) else { return };
    let b = m.book();
    b.check_invariants().unwrap();
    if let (Some(bid), Some(ask)) = (b.best_bid(), b.best_ask()) {
        assert!(bid < ask, "crossed");
    }
    let bids: Vec<u64> = b.orders(Side::Buy).map(|o| o.price).collect();
    assert!(bids.windows(2).all(|w| w[0] >= w[1]));
    let asks: Vec<u64> = b.orders(Side::Sell).map(|o| o.price).collect();
    assert!(asks.windows(2).all(|w| w[0] <= w[1]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_streams_keep_invariants(seed in any::<u64>(), n in 200u64..1_500, cut in 0.1f64..0.9) {
        let mut e = Engine::new();
        let cut_at = crash_gen::setup().len() as u64 + (n as f64 * cut) as u64;
        let total = crash_gen::setup().len() as u64 + n;
        let mut snap = None;
        let mut events = Vec::new();
        for s in 1..=total {
            let env = Envelope { seq: s, ts: s, cmd: crash_gen::command(seed, s) };
            events.extend_from_slice(e.apply(&env));
            prop_assert_eq!(e.verify(), Ok(()));
            check_priorities(&e);
            if s == cut_at {
                snap = Some(encode_state(&e));
            }
        }
        let ev = e.apply(&Envelope { seq: total + 1, ts: total + 1, cmd: Command::Check }).to_vec();
        prop_assert!(ev.iter().any(|x| matches!(x, skyx_engine::Event::Checked)));
        // Snapshot + replay of the tail gives the same state and the same events.
        let mut r = decode_state(&snap.unwrap()).unwrap();
        let mut tail_events = Vec::new();
        for s in cut_at + 1..=total + 1 {
            let cmd = if s == total + 1 { Command::Check } else { crash_gen::command(seed, s) };
            tail_events.extend_from_slice(r.apply(&Envelope { seq: s, ts: s, cmd }));
        }
        prop_assert_eq!(r.state_hash(), e.state_hash());
        // Determinism: a second full run gives the same events and hash.
        let mut e2 = Engine::new();
        let mut events2 = Vec::new();
        for s in 1..=total {
            events2.extend_from_slice(e2.apply(&Envelope { seq: s, ts: s, cmd: crash_gen::command(seed, s) }));
        }
        prop_assert_eq!(events, events2);
    }

    #[test]
    fn command_encoding_round_trips(seed in any::<u64>(), seq in 1u64..10_000) {
        let env = Envelope { seq, ts: seq * 3, cmd: crash_gen::command(seed, seq) };
        let mut buf = Vec::new();
        env.encode(&mut buf);
        prop_assert_eq!(Envelope::decode(&buf).unwrap(), env);
    }
}
