//! Skycoin transaction creation against the reference's own tables
//! (`src/transaction/create_test.go` `TestCreate`, `choose_test.go`): the
//! same candidate outputs and requests, the same chosen inputs, receiver
//! hours and change. Then the properties the reference checks on random
//! candidates (`verifyChosenCoins`).
//!
//! Vector files read: none (the reference's tables are transcribed below).

use proptest::prelude::*;
use skyx_coins::sky::address::Address;
use skyx_coins::sky::coin_hours::{required_fee, BURN_FACTOR};
use skyx_coins::sky::create::{
    choose_spends, create, CreateError, CreateParams, HoursSelection, ShareFactor,
    Strategy as Order, UxBalance,
};
use skyx_coins::sky::hash::{sha256, Sha256};
use skyx_coins::sky::keys::KeyChain;
use skyx_coins::sky::transaction::TransactionOutput;

/// `makeUxOut`: coins and hours at the head time, a random-looking source.
fn ux(owner: Address, tag: u32, coins: u64, hours: u64) -> UxBalance {
    let src = sha256(&tag.to_le_bytes());
    let hash = sha256(&[src.0.as_slice(), &owner.key.0, &coins.to_le_bytes()].concat());
    UxBalance {
        hash,
        bk_seq: u64::from(tag % 100),
        time: 1_000,
        address: owner,
        coins,
        initial_hours: hours,
        hours,
        src_transaction: src,
    }
}

fn addr(n: u8) -> Address {
    let mut a = Address::NULL;
    a.key.0 = [n; 20];
    a
}

fn out(address: Address, coins: u64, hours: u64) -> TransactionOutput {
    TransactionOutput {
        address,
        coins,
        hours,
    }
}

struct Fixture {
    owner: Address,
    extra: Vec<Address>,
    /// 10 outputs of 2 SKY with 100..109 hours, `original[i]` has 100 + i.
    original: Vec<UxBalance>,
    /// The same, shuffled.
    shuffled: Vec<UxBalance>,
    /// Per extra address, 10 outputs of 2 SKY with 100..109 hours.
    extra_uxs: Vec<Vec<UxBalance>>,
    no_hours: Vec<UxBalance>,
    change: Address,
    to: Vec<Address>,
}

fn fixture() -> Fixture {
    let keys = KeyChain::new(b"seed").expect("keys").take_keys(11);
    let owner = Address::from_secret(&keys[0].secret);
    let extra: Vec<Address> = keys[1..]
        .iter()
        .map(|k| Address::from_secret(&k.secret))
        .collect();
    let original: Vec<UxBalance> = (0..10)
        .map(|i| ux(owner, i, 2_000_000, 100 + u64::from(i)))
        .collect();
    let mut shuffled = original.clone();
    shuffled.rotate_left(3);
    shuffled.swap(0, 5);
    let extra_uxs = extra
        .iter()
        .enumerate()
        .map(|(j, a)| {
            (0..10)
                .map(|i| {
                    ux(
                        *a,
                        1_000 * (j as u32 + 1) + i,
                        2_000_000,
                        100 + u64::from(i),
                    )
                })
                .collect()
        })
        .collect();
    let no_hours = (0..10).map(|i| ux(owner, 500 + i, 2_000_000, 0)).collect();
    Fixture {
        owner,
        extra,
        original,
        shuffled,
        extra_uxs,
        no_hours,
        change: addr(0xcc),
        to: (1..=5).map(addr).collect(),
    }
}

fn manual(f: &Fixture, to: Vec<TransactionOutput>) -> CreateParams {
    CreateParams {
        to,
        hours: HoursSelection::Manual,
        change: Some(f.change),
    }
}

fn share(f: &Fixture, num: u64, den: u64, coins: &[(usize, u64)]) -> CreateParams {
    CreateParams {
        to: coins.iter().map(|&(a, c)| out(f.to[a], c, 0)).collect(),
        hours: HoursSelection::Share(ShareFactor::new(num, den).expect("share")),
        change: Some(f.change),
    }
}

/// Checks a created transaction as the reference's test does: the chosen
/// inputs (as a set), the receivers with their hours, then the change.
fn expect(
    p: &CreateParams,
    candidates: &[UxBalance],
    chosen: &[UxBalance],
    to_hours: Option<&[u64]>,
    change: Option<TransactionOutput>,
) {
    let (txn, inputs) = create(p, candidates, BURN_FACTOR).expect("created");
    txn.verify_unsigned().expect("well formed");
    assert_eq!(
        txn.inputs,
        inputs.iter().map(|i| i.hash).collect::<Vec<_>>()
    );
    let mut got: Vec<Sha256> = txn.inputs.clone();
    let mut want: Vec<Sha256> = chosen.iter().map(|c| c.hash).collect();
    got.sort_by_key(|h| h.0);
    want.sort_by_key(|h| h.0);
    assert_eq!(got, want, "chosen inputs");
    let mut outputs = p.to.clone();
    if let Some(h) = to_hours {
        for (o, h) in outputs.iter_mut().zip(h) {
            o.hours = *h;
        }
    }
    outputs.extend(change);
    assert_eq!(txn.outputs, outputs);
}

#[test]
fn reference_create_table() {
    let f = fixture();
    let (o, to) = (&f.original, &f.to);
    let err = |p: &CreateParams, c: &[UxBalance]| create(p, c, BURN_FACTOR).unwrap_err();

    let empty = CreateParams {
        to: vec![],
        hours: HoursSelection::Manual,
        change: None,
    };
    assert_eq!(err(&empty, &f.shuffled).to_string(), "To is required");
    let p = manual(
        &f,
        vec![out(to[0], 1_000_000, u64::MAX), out(to[1], 1_000_000, 1)],
    );
    assert_eq!(
        err(&p, &f.shuffled).to_string(),
        "total output hours error: uint64 addition overflow"
    );
    let p = manual(&f, vec![out(to[0], u64::MAX, 10), out(to[1], 1, 1)]);
    assert_eq!(
        err(&p, &f.shuffled).to_string(),
        "total output coins error: uint64 addition overflow"
    );
    let p = manual(&f, vec![out(to[0], 1_000_000, 10)]);
    assert_eq!(err(&p, &[]), CreateError::NoUnspents);
    let p = manual(&f, vec![out(to[0], 100_000_000, 10)]);
    assert_eq!(err(&p, &f.shuffled[..1]), CreateError::InsufficientBalance);
    let p = manual(&f, vec![out(to[0], 1_000_000, 100_000_000)]);
    assert_eq!(err(&p, &f.shuffled[..1]), CreateError::InsufficientHours);

    // manual, 1 output, no change
    let p = manual(&f, vec![out(to[0], 2_000_000, 90)]);
    expect(&p, &f.shuffled, &o[..1], None, None);
    // manual, 1 output, change
    let p = manual(&f, vec![out(to[0], 2_000_001, 130)]);
    expect(
        &p,
        &f.shuffled,
        &o[..2],
        None,
        Some(out(f.change, 1_999_999, 50)),
    );
    // manual, 1 output, change, unspecified change address
    let mut p = manual(&f, vec![out(to[0], 2_000_001, 50)]);
    p.change = None;
    expect(
        &p,
        &f.shuffled,
        &o[..2],
        None,
        Some(out(f.owner, 1_999_999, 130)),
    );
    // manual, 1 output, forced change
    let p = manual(&f, vec![out(to[0], 4_000_000, 0)]);
    expect(
        &p,
        &f.shuffled,
        &o[..3],
        None,
        Some(out(f.change, 2_000_000, 272)),
    );
    // manual, 1 output, forced change rejected: no more unspents
    let p = manual(&f, vec![out(to[0], 4_000_000, 80)]);
    expect(&p, &o[..2], &o[..2], None, None);
    // manual, 1 output, forced change rejected: it would cost more than it saves
    let p = manual(&f, vec![out(to[0], 4_000_000, 175)]);
    expect(&p, &f.shuffled, &o[..2], None, None);
    // manual, multiple outputs
    let three = vec![
        out(to[0], 1_000_000, 50),
        out(to[0], 1_000_001, 50),
        out(to[1], 2_000_000, 70),
    ];
    let p = manual(&f, three.clone());
    expect(
        &p,
        &f.shuffled,
        &o[..3],
        None,
        Some(out(f.change, 1_999_999, 102)),
    );
    // manual, multiple outputs, varied owners
    let e = &f.extra_uxs;
    let varied = vec![e[0][0], e[3][1], e[3][2], e[5][6]];
    let p = manual(&f, three);
    expect(
        &p,
        &varied,
        &[e[0][0], e[3][1], e[3][2]],
        None,
        Some(out(f.change, 1_999_999, 102)),
    );
    // auto, multiple outputs, share factor 0.5
    let four = [(0, 1_000_000), (0, 2_000_000), (1, 2_000_000), (4, 1_000)];
    let p = share(&f, 1, 2, &four);
    expect(
        &p,
        &f.shuffled,
        &o[..3],
        Some(&[27, 54, 54, 1]),
        Some(out(f.change, 2_000_000 - 1_001_000, 136)),
    );
    // auto, share factor 0.5, switched to 1.0 because no change could be made
    let five = [
        (0, 1_000_000),
        (0, 2_000_000),
        (1, 2_000_000),
        (4, 1_000_000 - 1_000),
        (4, 1_000),
    ];
    let p = share(&f, 1, 2, &five);
    expect(&p, &o[..3], &o[..3], Some(&[46, 90, 90, 45, 1]), None);
    // auto, share factor 0
    let p = share(&f, 0, 1, &four);
    expect(
        &p,
        &f.shuffled,
        &o[..3],
        Some(&[0, 0, 0, 0]),
        Some(out(f.change, 2_000_000 - 1_001_000, 272)),
    );
    // auto, share factor 1
    let p = share(&f, 1, 1, &four);
    expect(
        &p,
        &f.shuffled,
        &o[..3],
        Some(&[55, 108, 108, 1]),
        Some(out(f.change, 2_000_000 - 1_001_000, 0)),
    );
    // no coin hours in inputs
    let p = manual(&f, vec![out(to[0], 1_000_000, 10)]);
    assert_eq!(
        err(&p, &f.no_hours).to_string(),
        "Transaction has zero coinhour fee"
    );
    // duplicate unspent output
    let dup: Vec<UxBalance> = f.shuffled.iter().chain(&f.shuffled[..2]).copied().collect();
    assert_eq!(err(&p, &dup).to_string(), "Duplicate UxBalance in array");
    assert!(f.extra.len() == 10);
}

#[test]
fn parameter_checks() {
    let f = fixture();
    let c = &f.shuffled;
    let mut p = manual(&f, vec![out(f.to[0], 1_000_000, 1)]);
    p.change = Some(Address::NULL);
    assert_eq!(
        create(&p, c, BURN_FACTOR).unwrap_err().to_string(),
        "ChangeAddress must not be the null address"
    );
    let p = manual(&f, vec![out(f.to[0], 0, 1)]);
    assert_eq!(
        create(&p, c, BURN_FACTOR),
        Err(CreateError::ZeroCoinsReceiver)
    );
    let p = manual(&f, vec![out(Address::NULL, 1, 1)]);
    assert_eq!(
        create(&p, c, BURN_FACTOR),
        Err(CreateError::NullAddressReceiver)
    );
    let p = manual(&f, vec![out(f.to[0], 1, 1), out(f.to[0], 1, 1)]);
    assert_eq!(
        create(&p, c, BURN_FACTOR),
        Err(CreateError::DuplicateReceiver)
    );
    let mut p = share(&f, 1, 2, &[(0, 1_000_000)]);
    p.to[0].hours = 3;
    assert_eq!(
        create(&p, c, BURN_FACTOR),
        Err(CreateError::ReceiverHoursAuto)
    );
    assert_eq!(ShareFactor::new(3, 2), None);
    assert_eq!(ShareFactor::new(1, 0), None);
}

fn balances() -> impl Strategy<Value = Vec<UxBalance>> {
    (1u64..4).prop_flat_map(|zero_range| {
        prop::collection::vec(
            (1u64..=10, 0..zero_range, 0u64..=10, any::<[u8; 32]>()),
            0..=100,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(coins, hours, bk_seq, id)| UxBalance {
                    hash: Sha256(id),
                    bk_seq,
                    time: 0,
                    address: Address::NULL,
                    coins,
                    initial_hours: 0,
                    hours,
                    src_transaction: Sha256([1; 32]),
                })
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `verifyChosenCoins`: the first choice has hours and the most coins of
    /// those with hours; outputs without hours come before the others; each
    /// group is in the strategy's order; nothing past the amount is taken.
    #[test]
    fn chosen_spends_follow_the_reference_rules(
        uxs in balances(),
        coins in prop::sample::select(vec![10u64, 11, 12, 20, 21, 22, 30, 31, 32]),
        maximize in any::<bool>(),
    ) {
        let strategy = if maximize { Order::MaximizeUxOuts } else { Order::MinimizeUxOuts };
        let total_coins: u64 = uxs.iter().map(|u| u.coins).sum();
        let total_hours: u64 = uxs.iter().map(|u| u.hours).sum();
        let chosen = choose_spends(&uxs, coins, 0, BURN_FACTOR, strategy);
        if uxs.is_empty() {
            prop_assert_eq!(chosen, Err(CreateError::NoUnspents));
            return Ok(());
        }
        if total_hours == 0 {
            prop_assert_eq!(chosen, Err(CreateError::NoFee));
            return Ok(());
        }
        if coins > total_coins {
            prop_assert_eq!(chosen, Err(CreateError::InsufficientBalance));
            return Ok(());
        }
        let chosen = chosen.expect("chosen");
        prop_assert!(chosen[0].hours != 0);
        for w in chosen[1..].windows(2) {
            if w[1].hours == 0 {
                prop_assert_eq!(w[0].hours, 0);
            }
        }
        for u in &chosen[1..] {
            if u.hours != 0 {
                prop_assert!(chosen[0].coins >= u.coins);
                if chosen[0].coins == u.coins {
                    prop_assert!(chosen[0].hours <= u.hours);
                }
            }
        }
        let (zeros, nonzeros): (Vec<UxBalance>, Vec<UxBalance>) =
            chosen[1..].iter().partition(|u| u.hours == 0);
        for group in [&zeros, &nonzeros] {
            for w in group.windows(2) {
                let (a, b) = (w[0], w[1]);
                let ordered = if maximize { a.coins <= b.coins } else { a.coins >= b.coins };
                prop_assert!(ordered);
                if a.coins == b.coins {
                    prop_assert!(a.hours <= b.hours);
                    if a.hours == b.hours {
                        prop_assert!(a.bk_seq <= b.bk_seq);
                        if a.bk_seq == b.bk_seq {
                            prop_assert!(a.hash.0 < b.hash.0);
                        }
                    }
                }
            }
        }
        if !nonzeros.is_empty() {
            prop_assert_eq!(zeros.len(), uxs.iter().filter(|u| u.hours == 0).count());
        }
        let mut have = 0;
        for (i, u) in chosen.iter().enumerate() {
            have += u.coins;
            if have >= coins {
                prop_assert_eq!(i, chosen.len() - 1);
            }
        }
        // Whatever was chosen pays its fee from its own hours.
        let hours: u64 = chosen.iter().map(|u| u.hours).sum();
        prop_assert!(required_fee(hours, BURN_FACTOR) <= hours);
    }
}
