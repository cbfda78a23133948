//! Tests of the peer protocol against the reference's vectors.
//!
//! Files read (under the shared vectors folder; a missing one fails the test
//! with its name):
//! - skycoin/daemon/decoded-messages.json
//! - skycoin/daemon/intro-msg.golden
//! - skycoin/daemon/intro-msg-extra.golden
//! - skycoin/daemon/get-peers-msg.golden
//! - skycoin/daemon/give-peers-msg.golden
//! - skycoin/daemon/ping-msg.golden
//! - skycoin/daemon/pong-msg.golden
//! - skycoin/daemon/get-blocks-msg.golden
//! - skycoin/daemon/give-blocks-msg.golden
//! - skycoin/daemon/announce-blocks-msg.golden
//! - skycoin/daemon/announce-txns-msg.golden
//! - skycoin/daemon/get-txns-msg.golden
//! - skycoin/daemon/give-txns-msg.golden
//! - skycoin/params/mainnet.json

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde_json::Value;

use super::*;
use crate::sky::address::Address;
use crate::sky::block::{Block, BlockBody, BlockHeader, SignedBlock};
use crate::sky::encoding::{encode, DecodeError, Encode};
use crate::sky::hash::Sha256;
use crate::sky::params::MAINNET;
use crate::sky::signature::Sig;
use crate::sky::test_vectors::{read_json, read_vector, vectors_dir};
use crate::sky::transaction::{Transaction, TransactionOutput};

const DAEMON_DIR: &str = "skycoin/daemon";
const DECODED: &str = "skycoin/daemon/decoded-messages.json";
const MAINNET_JSON: &str = "skycoin/params/mainnet.json";

/// Every golden body of the daemon folder.
const GOLDENS: [&str; 12] = [
    "intro-msg.golden",
    "intro-msg-extra.golden",
    "get-peers-msg.golden",
    "give-peers-msg.golden",
    "ping-msg.golden",
    "pong-msg.golden",
    "get-blocks-msg.golden",
    "give-blocks-msg.golden",
    "announce-blocks-msg.golden",
    "announce-txns-msg.golden",
    "get-txns-msg.golden",
    "give-txns-msg.golden",
];

fn golden(name: &str) -> Vec<u8> {
    read_vector(&format!("{DAEMON_DIR}/{name}"))
}

fn decoded() -> Value {
    read_json(DECODED)
}

fn entry<'a>(all: &'a Value, name: &str) -> &'a Value {
    all.get(name)
        .unwrap_or_else(|| panic!("{DECODED} has no entry for {name}"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("string field {key} missing in {v}"))
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("integer field {key} missing in {v}"))
}

fn i64_of(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("integer field {key} missing in {v}"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("array field {key} missing in {v}"))
}

fn hash_of(v: &Value, key: &str) -> Sha256 {
    str_of(v, key).parse().unwrap()
}

fn hashes(v: &Value) -> Vec<Sha256> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect()
}

fn txn_from_json(v: &Value) -> Transaction {
    let outputs = arr(v, "outputs")
        .iter()
        .map(|o| {
            let address: Address = str_of(o, "address").parse().unwrap();
            assert_eq!(u64::from(address.version), u64_of(o, "version"));
            assert_eq!(address.key.to_hex(), str_of(o, "key"));
            TransactionOutput {
                address,
                coins: u64_of(o, "coins"),
                hours: u64_of(o, "hours"),
            }
        })
        .collect();
    let txn = Transaction {
        length: u32::try_from(u64_of(v, "length")).unwrap(),
        tx_type: u8::try_from(u64_of(v, "type")).unwrap(),
        inner_hash: hash_of(v, "inner_hash"),
        sigs: arr(v, "sigs")
            .iter()
            .map(|s| s.as_str().unwrap().parse::<Sig>().unwrap())
            .collect(),
        inputs: hashes(&v["inputs"]),
        outputs,
    };
    assert_eq!(txn.hash(), hash_of(v, "txid"), "txid of {v}");
    txn
}

fn block_from_json(v: &Value) -> SignedBlock {
    let h = &v["header"];
    let head = BlockHeader {
        version: u32::try_from(u64_of(h, "version")).unwrap(),
        time: u64_of(h, "time"),
        bk_seq: u64_of(h, "seq"),
        fee: u64_of(h, "fee"),
        prev_hash: hash_of(h, "prev_hash"),
        body_hash: hash_of(h, "body_hash"),
        ux_hash: hash_of(h, "ux_hash"),
    };
    assert_eq!(head.hash(), hash_of(h, "hash"));
    SignedBlock {
        block: Block {
            head,
            body: BlockBody {
                transactions: arr(v, "txns").iter().map(txn_from_json).collect(),
            },
        },
        sig: str_of(v, "sig").parse().unwrap(),
    }
}

fn extra_from_json(v: &Value) -> Extra {
    let Some(x) = v.get("extra") else {
        return Extra::Absent;
    };
    let key = hex::decode(str_of(x, "pubkey")).unwrap();
    Extra::Fields(ExtraFields {
        publisher_key: key.try_into().unwrap(),
        verify_txn: TxnVerifyParams {
            burn_factor: u32::try_from(u64_of(x, "burn_factor")).unwrap(),
            max_transaction_size: u32::try_from(u64_of(x, "max_txn_size")).unwrap(),
            max_decimals: u8::try_from(u64_of(x, "max_droplet_precision")).unwrap(),
        },
        user_agent: str_of(x, "user_agent").to_string(),
        genesis_hash: Some(hash_of(x, "genesis_hash")),
        trailing: Vec::new(),
    })
}

/// The message an entry of `decoded-messages.json` describes.
fn expected_message(v: &Value) -> Message {
    match str_of(v, "prefix") {
        "INTR" => Message::Introduction(Introduction {
            mirror: u32::try_from(u64_of(v, "mirror")).unwrap(),
            listen_port: u16::try_from(u64_of(v, "listen_port")).unwrap(),
            protocol_version: i32::try_from(i64_of(v, "protocol_version")).unwrap(),
            extra: extra_from_json(v),
        }),
        "GETP" => Message::GetPeers,
        "PING" => Message::Ping,
        "PONG" => Message::Pong,
        "GIVP" => Message::GivePeers(GivePeers {
            peers: arr(v, "peers")
                .iter()
                .map(|p| {
                    let ip = Ipv4Addr::from(u32::try_from(u64_of(p, "ip_u32")).unwrap());
                    assert_eq!(ip.to_string(), str_of(p, "ip"));
                    PeerAddr {
                        ip,
                        port: u16::try_from(u64_of(p, "port")).unwrap(),
                    }
                })
                .collect(),
        }),
        "GETB" => Message::GetBlocks(GetBlocks {
            last_block: u64_of(v, "last_block"),
            requested_blocks: u64_of(v, "requested_blocks"),
        }),
        "ANNB" => Message::AnnounceBlocks(AnnounceBlocks {
            max_bk_seq: u64_of(v, "max_bk_seq"),
        }),
        "ANNT" => Message::AnnounceTxns(AnnounceTxns {
            txids: hashes(&v["txids"]),
        }),
        "GETT" => Message::GetTxns(GetTxns {
            txids: hashes(&v["txids"]),
        }),
        "GIVT" => Message::GiveTxns(GiveTxns {
            transactions: arr(v, "txns").iter().map(txn_from_json).collect(),
        }),
        "GIVB" => Message::GiveBlocks(GiveBlocks {
            blocks: arr(v, "blocks").iter().map(block_from_json).collect(),
        }),
        other => panic!("unexpected prefix {other} in {DECODED}"),
    }
}

fn id_of(v: &Value) -> MessageId {
    str_of(v, "prefix").as_bytes().try_into().unwrap()
}

/// (file name, id, body, expected message) for every golden.
fn cases() -> Vec<(&'static str, MessageId, Vec<u8>, Message)> {
    let all = decoded();
    GOLDENS
        .iter()
        .map(|name| {
            let v = entry(&all, name);
            (*name, id_of(v), golden(name), expected_message(v))
        })
        .collect()
}

fn frame_of(id: MessageId, body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(4 + body.len())
        .unwrap()
        .to_le_bytes()
        .to_vec();
    out.extend_from_slice(&id);
    out.extend_from_slice(body);
    out
}

#[test]
fn every_daemon_vector_file_is_used() {
    let dir = vectors_dir().join(DAEMON_DIR);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("vector folder {} is required: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut used: BTreeSet<String> = GOLDENS.iter().map(|s| s.to_string()).collect();
    used.insert("decoded-messages.json".to_string());
    for name in &used {
        assert!(
            on_disk.contains(name),
            "vector file {DAEMON_DIR}/{name} is missing"
        );
    }
    for name in &on_disk {
        assert!(
            used.contains(name),
            "vector file {DAEMON_DIR}/{name} is not tested"
        );
    }
    let all = decoded();
    let keys: BTreeSet<String> = all.as_object().unwrap().keys().cloned().collect();
    let goldens: BTreeSet<String> = GOLDENS.iter().map(|s| s.to_string()).collect();
    assert_eq!(keys, goldens, "{DECODED} and the golden files differ");
}

#[test]
fn golden_bodies_decode_to_the_listed_values_and_reencode() {
    for (name, id, body, want) in cases() {
        let got = Message::decode_body(id, &body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, want, "{name}");
        assert_eq!(got.id(), id, "{name}");
        assert_eq!(got.encode_body(), body, "{name} re-encodes");
        assert_eq!(got.body_size(), body.len(), "{name} size");
    }
}

#[test]
fn empty_golden_files_are_empty_bodies() {
    for (name, msg) in [
        ("get-peers-msg.golden", Message::GetPeers),
        ("ping-msg.golden", Message::Ping),
        ("pong-msg.golden", Message::Pong),
    ] {
        assert!(golden(name).is_empty(), "{name}");
        assert!(msg.encode_body().is_empty());
        assert_eq!(Message::decode_body(msg.id(), &[]), Ok(msg));
    }
}

#[test]
fn introduction_extra_is_parsed_only_when_sent() {
    let all = decoded();
    let plain = Message::decode_body(*b"INTR", &golden("intro-msg.golden")).unwrap();
    let Message::Introduction(plain) = plain else {
        panic!("intro-msg.golden is not an introduction")
    };
    assert_eq!(plain.extra, Extra::Absent);

    let body = golden("intro-msg-extra.golden");
    let Ok(Message::Introduction(intro)) = Message::decode_body(*b"INTR", &body) else {
        panic!("intro-msg-extra.golden is not an introduction")
    };
    let fields = intro.extra.fields().expect("extra parses");
    let x = &entry(&all, "intro-msg-extra.golden")["extra"];
    assert_eq!(hex::encode(fields.publisher_key), str_of(x, "pubkey"));
    assert_eq!(fields.user_agent, str_of(x, "user_agent"));
    assert_eq!(
        fields.genesis_hash.map(|h| h.to_hex()).as_deref(),
        Some(str_of(x, "genesis_hash"))
    );
    assert!(fields.trailing.is_empty());
    // The extra is the rest of the body after its 4-byte length.
    assert_eq!(intro.extra.to_bytes(), body[14..].to_vec());
}

#[test]
fn frames_round_trip() {
    let mut stream = Vec::new();
    let mut messages = Vec::new();
    for (name, id, body, msg) in cases() {
        let frame = encode_frame(&msg).unwrap();
        assert_eq!(frame, frame_of(id, &body), "{name} frame");
        assert_eq!(
            decode_frame(&frame),
            Ok(Some((msg.clone(), frame.len()))),
            "{name}"
        );
        for cut in 0..frame.len() {
            assert_eq!(decode_frame(&frame[..cut]), Ok(None), "{name} cut at {cut}");
        }
        stream.extend_from_slice(&frame);
        messages.push(msg);
    }
    let mut at = 0;
    let mut got = Vec::new();
    while let Some((msg, used)) = decode_frame(&stream[at..]).unwrap() {
        got.push(msg);
        at += used;
    }
    assert_eq!(at, stream.len());
    assert_eq!(got, messages);
}

#[test]
fn limits_match_the_reference_parameters() {
    let net = &read_json(MAINNET_JSON)["network"];
    assert_eq!(
        MAX_INCOMING_MESSAGE_LENGTH as u64,
        u64_of(net, "max_incoming_message_length")
    );
    assert_eq!(
        MAX_OUTGOING_MESSAGE_LENGTH as u64,
        u64_of(net, "max_outgoing_message_length")
    );
    assert_eq!(
        GET_BLOCKS_REQUEST_COUNT,
        u64_of(net, "get_blocks_request_count")
    );
}

#[test]
fn incoming_length_is_checked_before_the_body_arrives() {
    let max = MAX_INCOMING_MESSAGE_LENGTH as u32;
    let over = (max + 1).to_le_bytes();
    assert_eq!(
        decode_frame(&over),
        Err(PeerError::InvalidLength { length: max + 1 })
    );
    assert_eq!(
        decode_frame(&u32::MAX.to_le_bytes()),
        Err(PeerError::InvalidLength { length: u32::MAX })
    );
    // At the limit the decoder waits for the rest.
    assert_eq!(decode_frame(&max.to_le_bytes()), Ok(None));
    for length in 0..4u32 {
        let err = decode_frame(&length.to_le_bytes()).unwrap_err();
        assert_eq!(err, PeerError::InvalidLength { length });
        assert_eq!(
            err.disconnect_reason(),
            Some(DisconnectReason::InvalidMessageLength)
        );
    }
    let frame = frame_of(*b"ANNB", &golden("announce-blocks-msg.golden"));
    assert!(decode_frame_limited(&frame, 12).unwrap().is_some());
    assert_eq!(
        decode_frame_limited(&frame, 11),
        Err(PeerError::InvalidLength { length: 12 })
    );
}

#[test]
fn outgoing_frames_above_the_limit_are_refused() {
    let overhead = LENGTH_PREFIX_SIZE + MESSAGE_ID_SIZE + 2 + 4;
    let fits = Message::Disconnect(Disconnect {
        reason_code: 0,
        reserved: vec![7; MAX_OUTGOING_MESSAGE_LENGTH - overhead],
    });
    let frame = encode_frame(&fits).unwrap();
    assert_eq!(frame.len(), MAX_OUTGOING_MESSAGE_LENGTH);
    assert_eq!(decode_frame(&frame), Ok(Some((fits, frame.len()))));

    let too_big = Message::Disconnect(Disconnect {
        reason_code: 0,
        reserved: vec![7; MAX_OUTGOING_MESSAGE_LENGTH - overhead + 1],
    });
    let err = encode_frame(&too_big).unwrap_err();
    assert_eq!(
        err,
        PeerError::OutgoingTooLarge {
            size: MAX_OUTGOING_MESSAGE_LENGTH + 1
        }
    );
    assert_eq!(err.code(), "peer_outgoing_too_large");
    assert_eq!(err.disconnect_reason(), None);
}

#[test]
fn unknown_ids_trailing_bytes_and_short_bodies_are_rejected() {
    let err = decode_frame(&frame_of(*b"XXXX", &[])).unwrap_err();
    assert_eq!(err, PeerError::UnknownMessage { id: *b"XXXX" });
    assert_eq!(err.code(), "peer_unknown_message");
    assert_eq!(
        err.disconnect_reason(),
        Some(DisconnectReason::UnknownMessage)
    );
    assert!(err.to_string().contains("XXXX"));
    // Ids are case sensitive.
    assert!(matches!(
        decode_frame(&frame_of(*b"ping", &[])),
        Err(PeerError::UnknownMessage { .. })
    ));

    for (name, id, body, _) in cases() {
        let mut longer = body.clone();
        longer.push(0);
        let err = decode_frame(&frame_of(id, &longer)).unwrap_err();
        if name == "intro-msg.golden" {
            // The extra byte starts an `extra` whose 4-byte length is cut.
            assert_eq!(
                err,
                PeerError::Malformed {
                    id,
                    source: DecodeError::BufferUnderflow
                }
            );
        } else {
            assert_eq!(err, PeerError::TrailingBytes { id, count: 1 }, "{name}");
            assert_eq!(
                err.disconnect_reason(),
                Some(DisconnectReason::MessageDecodeUnderflow)
            );
        }
        if !body.is_empty() {
            let err = decode_frame(&frame_of(id, &body[..body.len() - 1])).unwrap_err();
            assert!(
                matches!(err, PeerError::Malformed { id: got, .. } if got == id),
                "{name}: {err}"
            );
            assert_eq!(err.code(), "peer_malformed_message");
            assert_eq!(
                err.disconnect_reason(),
                Some(DisconnectReason::MalformedMessage)
            );
        }
    }
}

#[test]
fn list_lengths_are_capped_like_the_reference() {
    let peer = PeerAddr {
        ip: Ipv4Addr::new(1, 2, 3, 4),
        port: 6000,
    };
    let ok = GivePeers {
        peers: vec![peer; MAX_GIVE_PEERS],
    };
    let body = encode(&ok);
    assert_eq!(
        Message::decode_body(*b"GIVP", &body),
        Ok(Message::GivePeers(ok))
    );
    let over = encode(&GivePeers {
        peers: vec![peer; MAX_GIVE_PEERS + 1],
    });
    let max_len = |id: MessageId| PeerError::Malformed {
        id,
        source: DecodeError::MaxLenExceeded,
    };
    assert_eq!(
        Message::decode_body(*b"GIVP", &over),
        Err(max_len(*b"GIVP"))
    );
    let count = |n: usize| u32::try_from(n).unwrap().to_le_bytes();
    for (id, cap) in [
        (*b"GIVB", MAX_GIVE_BLOCKS),
        (*b"GETT", MAX_TXNS),
        (*b"ANNT", MAX_TXNS),
        (*b"GIVT", MAX_TXNS),
        (*b"GIVP", MAX_GIVE_PEERS),
    ] {
        assert_eq!(
            Message::decode_body(id, &count(cap + 1)),
            Err(max_len(id)),
            "{}",
            id.escape_ascii()
        );
        // At the cap the count passes and the missing elements are reported.
        assert_eq!(
            Message::decode_body(id, &count(cap)),
            Err(PeerError::Malformed {
                id,
                source: DecodeError::BufferUnderflow
            })
        );
    }
    let hashes = GetTxns {
        txids: vec![Sha256::ZERO; MAX_TXNS],
    };
    assert!(Message::decode_body(*b"GETT", &encode(&hashes)).is_ok());
}

#[test]
fn peer_addresses_are_big_endian_values_written_little_endian() {
    let body = golden("give-peers-msg.golden");
    let Ok(Message::GivePeers(m)) = Message::decode_body(*b"GIVP", &body) else {
        panic!("give-peers-msg.golden is not GIVP")
    };
    for (i, p) in m.peers.iter().enumerate() {
        let at = 4 + 6 * i;
        assert_eq!(body[at..at + 4], u32::from(p.ip).to_le_bytes());
        assert_eq!(PeerAddr::from(p.socket_addr()), *p);
    }
}

#[test]
fn disconnect_reasons_have_the_reference_codes() {
    let mut seen = BTreeSet::new();
    for &r in DisconnectReason::all() {
        let code = r.code();
        if code != 0 {
            assert!(seen.insert(code), "code {code} used twice");
            assert_eq!(DisconnectReason::from_code(code), r);
        }
        assert!(!r.message().is_empty());
        let m = Message::Disconnect(Disconnect::new(r));
        let frame = encode_frame(&m).unwrap();
        assert_eq!(frame.len(), 4 + 4 + 2 + 4);
        let Ok(Some((Message::Disconnect(d), _))) = decode_frame(&frame) else {
            panic!("DISC does not round trip")
        };
        assert_eq!(d.reason_code, code);
    }
    assert_eq!(seen.len(), 26);
    assert_eq!(DisconnectReason::from_code(0), DisconnectReason::Unknown);
    assert_eq!(DisconnectReason::from_code(20), DisconnectReason::Unknown);
    assert_eq!(DisconnectReason::from_code(1000), DisconnectReason::Unknown);
    assert_eq!(DisconnectReason::BlockchainPubkeyNotProvided.code(), 0);
    assert_eq!(DisconnectReason::GenesisHashNotMatched.code(), 0);
    assert_eq!(DisconnectReason::InvalidExtraData.code(), 12);
    assert_eq!(
        DisconnectReason::InvalidExtraData.to_string(),
        "Invalid extra data in message"
    );
    let d = Disconnect {
        reason_code: 1004,
        reserved: vec![1, 2, 3],
    };
    assert_eq!(d.reason(), DisconnectReason::UnknownMessage);
    let frame = encode_frame(&Message::Disconnect(d.clone())).unwrap();
    assert_eq!(
        decode_frame(&frame),
        Ok(Some((Message::Disconnect(d), frame.len())))
    );
}

/// The golden introduction with extra, and a local peer whose key and
/// genesis hash are the ones it carries.
fn golden_intro_and_peer() -> (Introduction, LocalPeer) {
    let Ok(Message::Introduction(intro)) =
        Message::decode_body(*b"INTR", &golden("intro-msg-extra.golden"))
    else {
        panic!("intro-msg-extra.golden is not an introduction")
    };
    let fields = intro.extra.fields().unwrap().clone();
    let local = LocalPeer {
        mirror: intro.mirror.wrapping_add(1),
        listen_port: 6000,
        protocol_version: intro.protocol_version,
        min_protocol_version: intro.protocol_version,
        publisher_key: fields.publisher_key,
        genesis_hash: fields.genesis_hash.unwrap(),
        verify_txn: fields.verify_txn,
        user_agent: "skycoin:0.27.1".to_string(),
    };
    (intro, local)
}

fn with_extra(intro: &Introduction, extra: Vec<u8>) -> Introduction {
    Introduction {
        extra: Extra::from_bytes(&extra),
        ..intro.clone()
    }
}

#[test]
fn golden_introduction_is_accepted() {
    let all = decoded();
    let x = &entry(&all, "intro-msg-extra.golden")["extra"];
    let (intro, local) = golden_intro_and_peer();
    let ok = verify_introduction(&intro, &local).unwrap();
    assert_eq!(ok.user_agent.to_string(), str_of(x, "user_agent"));
    assert_eq!(
        u64::from(ok.verify_txn.burn_factor),
        u64_of(x, "burn_factor")
    );
    assert_eq!(ok.genesis_hash, Some(hash_of(x, "genesis_hash")));
    assert_eq!(ok.mirror, intro.mirror);
    assert_eq!(ok.listen_port, intro.listen_port);
}

#[test]
fn introductions_are_refused_with_the_reference_reasons() {
    use DisconnectReason as R;
    let (intro, local) = golden_intro_and_peer();
    let raw = intro.extra.to_bytes();
    let key = raw[..PUBKEY_LEN].to_vec();
    let cat = |parts: &[&[u8]]| parts.concat();
    let verify = |i: &Introduction| verify_introduction(i, &local).map(|_| ());

    let same_mirror = Introduction {
        mirror: local.mirror,
        ..intro.clone()
    };
    assert_eq!(verify(&same_mirror), Err(R::SelfConnect));
    let old = Introduction {
        protocol_version: local.min_protocol_version - 1,
        ..intro.clone()
    };
    assert_eq!(verify(&old), Err(R::VersionNotSupported));
    assert_eq!(
        verify(&with_extra(&intro, Vec::new())),
        Err(R::BlockchainPubkeyNotProvided)
    );
    assert_eq!(
        verify(&with_extra(&intro, b"invalid pubkey".to_vec())),
        Err(R::InvalidExtraData)
    );
    assert_eq!(
        verify(&with_extra(&intro, key.clone())),
        Err(R::InvalidExtraData)
    );
    let mut other_key = raw.clone();
    other_key[1] ^= 1;
    assert_eq!(
        verify(&with_extra(&intro, other_key)),
        Err(R::BlockchainPubkeyNotMatched)
    );
    // Transaction rules out of range, each reported by its own reason.
    let ua = encode("skycoin:0.24.1");
    for (rules, reason) in [
        ([1, 0, 0, 0, 32, 32, 32, 32, 1], R::InvalidBurnFactor),
        ([2, 0, 0, 0, 1, 0, 0, 0, 1], R::InvalidMaxTransactionSize),
        (
            [2, 0, 0, 0, 32, 32, 32, 32, 7],
            R::InvalidMaxDropletPrecision,
        ),
    ] {
        let extra = cat(&[&key, &rules, &ua]);
        assert_eq!(verify(&with_extra(&intro, extra)), Err(reason));
    }
    let rules = [5u8, 0, 0, 0, 32, 32, 32, 32, 1];
    // An empty user agent, one that does not parse, one cut short.
    assert_eq!(
        verify(&with_extra(&intro, cat(&[&key, &rules, &[0, 0, 0, 0]]))),
        Err(R::InvalidUserAgent)
    );
    assert_eq!(
        verify(&with_extra(
            &intro,
            cat(&[&key, &rules, &encode("skycoin:0241")])
        )),
        Err(R::InvalidUserAgent)
    );
    assert_eq!(
        verify(&with_extra(&intro, cat(&[&key, &rules, &[1, 2, 3]]))),
        Err(R::InvalidExtraData)
    );
    let too_long = "a".repeat(MAX_USER_AGENT_LEN + 1);
    assert_eq!(
        verify(&with_extra(
            &intro,
            cat(&[&key, &rules, &encode(&too_long)])
        )),
        Err(R::InvalidExtraData)
    );
    // A genesis hash cut short; a missing one; one followed by more data.
    assert_eq!(
        verify(&with_extra(&intro, raw[..raw.len() - 2].to_vec())),
        Err(R::InvalidExtraData)
    );
    let no_genesis = with_extra(&intro, raw[..raw.len() - 32].to_vec());
    assert_eq!(
        verify_introduction(&no_genesis, &local).map(|v| v.genesis_hash),
        Ok(None)
    );
    let more = with_extra(&intro, cat(&[&raw, b"additional data"]));
    assert!(matches!(&more.extra, Extra::Fields(f) if f.trailing == b"additional data"));
    assert_eq!(verify(&more), Ok(()));
    let mut other_genesis = raw.clone();
    let last = other_genesis.len() - 1;
    other_genesis[last] ^= 1;
    assert_eq!(
        verify(&with_extra(&intro, other_genesis)),
        Err(R::GenesisHashNotMatched)
    );
    // Forbidden characters are removed from the user agent before parsing.
    let dirty = cat(&[&key, &rules, &encode("sky<coin:0.26.0(f\u{e9}oo)")]);
    let accepted = verify_introduction(&with_extra(&intro, dirty), &local).unwrap();
    assert_eq!(accepted.user_agent.to_string(), "skycoin:0.26.0(foo)");
}

#[test]
fn unparsed_extra_is_kept_verbatim() {
    let (intro, _) = golden_intro_and_peer();
    let raw = intro.extra.to_bytes();
    for cut in 1..raw.len() {
        let extra = Extra::from_bytes(&raw[..cut]);
        assert_eq!(extra.to_bytes(), raw[..cut].to_vec(), "cut at {cut}");
        let m = Message::Introduction(Introduction {
            extra,
            ..intro.clone()
        });
        let frame = encode_frame(&m).unwrap();
        assert_eq!(decode_frame(&frame), Ok(Some((m, frame.len()))));
    }
    // A present but empty extra reads as absent, as in the reference.
    let mut body = golden("intro-msg.golden");
    body.extend_from_slice(&[0, 0, 0, 0]);
    let Ok(Message::Introduction(i)) = Message::decode_body(*b"INTR", &body) else {
        panic!("not an introduction")
    };
    assert_eq!(i.extra, Extra::Absent);
}

#[test]
fn local_peer_from_mainnet_parameters() {
    let p = read_json(MAINNET_JSON);
    let local = LocalPeer::from_params(&MAINNET, 42, "skycoin:0.27.1").unwrap();
    assert_eq!(
        hex::encode(local.publisher_key),
        str_of(&p, "block_publisher_pubkey")
    );
    assert_eq!(local.genesis_hash, hash_of(&p["genesis"], "block_hash"));
    let net = &p["network"];
    assert_eq!(
        i64::from(local.protocol_version),
        i64_of(net, "protocol_version")
    );
    assert_eq!(
        i64::from(local.min_protocol_version),
        i64_of(net, "min_protocol_version")
    );
    assert_eq!(u64::from(local.listen_port), u64_of(net, "port"));
    let rules = &p["transaction_rules"];
    assert_eq!(
        u64::from(local.verify_txn.burn_factor),
        u64_of(rules, "unconfirmed_burn_factor")
    );
    assert_eq!(
        u64::from(local.verify_txn.max_transaction_size),
        u64_of(rules, "max_transaction_size_bytes")
    );
    assert_eq!(
        u64::from(local.verify_txn.max_decimals),
        u64_of(rules, "max_decimals")
    );
    assert_eq!(u64::from(MIN_BURN_FACTOR), u64_of(rules, "min_burn_factor"));

    let m = Message::Introduction(local.introduction());
    let frame = encode_frame(&m).unwrap();
    let Ok(Some((Message::Introduction(got), _))) = decode_frame(&frame) else {
        panic!("our introduction does not decode")
    };
    assert!(got.extra.fields().is_some());
    let other = LocalPeer {
        mirror: 43,
        ..local.clone()
    };
    let ok = verify_introduction(&got, &other).unwrap();
    assert_eq!(ok.genesis_hash, Some(local.genesis_hash));
    assert_eq!(ok.user_agent.to_string(), "skycoin:0.27.1");
    assert_eq!(
        verify_introduction(&got, &local).unwrap_err(),
        DisconnectReason::SelfConnect
    );

    let err = LocalPeer::from_params(&MAINNET, 42, "not a user agent").unwrap_err();
    assert_eq!(err, PeerError::InvalidLocalParams("user agent"));
    assert_eq!(err.code(), "peer_invalid_local_params");
    let mut bad = MAINNET.clone();
    bad.burn_factor = 1;
    assert!(LocalPeer::from_params(&bad, 42, "skycoin:0.27.1").is_err());
    bad = MAINNET.clone();
    bad.publisher_pubkey = "zz".into();
    assert!(LocalPeer::from_params(&bad, 42, "skycoin:0.27.1").is_err());
}

#[test]
fn user_agents_parse_like_the_reference() {
    let ok = |s: &str| UserAgent::parse(s).unwrap();
    let ua = ok("skycoin:0.26.0(foo)");
    assert_eq!(
        (ua.coin.as_str(), ua.version.as_str(), ua.remark.as_str()),
        ("skycoin", "0.26.0", "foo")
    );
    assert_eq!(ok("skycoin:0.24.1").remark, "");
    for s in [
        "skycoin:1.2.3-rc1",
        "Sky_coin+x:10.20.30-alpha.1+build.5",
        "a:0.0.0(remark with spaces; and:colons!)",
        "a:1.2.3-0",
    ] {
        assert_eq!(ok(s).to_string(), s);
    }
    let err = |s: &str| UserAgent::parse(s).unwrap_err();
    assert_eq!(err(""), UserAgentError::Empty);
    assert_eq!(
        err(&format!("a:1.2.3({})", "x".repeat(250))),
        UserAgentError::TooLong
    );
    assert_eq!(err("a<b:1.2.3"), UserAgentError::IllegalChars);
    for s in [
        "skycoin:0241",
        "skycoin",
        ":1.2.3",
        "sky coin:1.2.3",
        "a:1.2",
        "a:1.2.x",
        "a:1.2.3()",
        "a:1.2.3(x",
        "a:1.2.3(x)y",
        "a:1.2.3(x(y))",
    ] {
        assert_eq!(err(s), UserAgentError::Malformed, "{s}");
    }
    for s in [
        "a:01.2.3",
        "a:1.02.3",
        "a:1.2.03",
        "a:1.2.3.4",
        "a:1.2.3-01",
        "a:1.2.3-a..b",
        "a:1.2.3+",
        "a:1.2.3+a+b",
        "a:99999999999999999999.0.0",
    ] {
        assert_eq!(err(s), UserAgentError::InvalidVersion, "{s}");
    }
    assert_eq!(sanitize(b"sky\x00coin:1.2.3\xff#"), "skycoin:1.2.3");
    assert_eq!(
        UserAgent::parse_received("sk{y}coin:1.2.3".as_bytes()),
        Ok(ok("skycoin:1.2.3"))
    );
    assert!(is_semver("1.0.0-x-y.1+z"));
    assert!(!is_semver("1.0"));
    assert_eq!(UserAgentError::TooLong.code(), "user_agent_too_long");
}

/// A small deterministic generator for the mutation loop.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Anything that decodes must re-encode to a frame that decodes the same.
fn check_no_panic(buf: &[u8], local: &LocalPeer) {
    match decode_frame(buf) {
        Ok(Some((msg, used))) => {
            assert!(used <= buf.len());
            if let Ok(again) = encode_frame(&msg) {
                assert_eq!(decode_frame(&again), Ok(Some((msg.clone(), again.len()))));
            }
            if let Message::Introduction(intro) = &msg {
                let _ = verify_introduction(intro, local);
            }
        }
        Ok(None) => {}
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(e.disconnect_reason().is_some());
        }
    }
}

#[test]
fn truncated_and_mutated_frames_never_panic() {
    let (_, local) = golden_intro_and_peer();
    let mut rng = XorShift(0x5eed_1234_abcd_9876);
    for (_, id, body, _) in cases() {
        let frame = frame_of(id, &body);
        for cut in 0..=frame.len() {
            check_no_panic(&frame[..cut], &local);
        }
        for _ in 0..600 {
            let mut m = frame.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(m.len());
                m[at] ^= 1 << rng.below(8);
            }
            if rng.below(3) == 0 {
                // Cut the body and fix up the length so the frame is complete.
                let keep = 8 + rng.below(m.len() - 7);
                m.truncate(keep);
                let length = u32::try_from(keep - 4).unwrap();
                m[..4].copy_from_slice(&length.to_le_bytes());
            }
            check_no_panic(&m, &local);
            // Body bytes alone, under every id.
            for id in MESSAGE_IDS {
                let _ = Message::decode_body(id, &m[8.min(m.len())..]);
            }
        }
    }
    for _ in 0..2000 {
        let len = rng.below(64);
        let mut buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if buf.len() >= 8 {
            let length = u32::try_from(len - 4).unwrap();
            buf[..4].copy_from_slice(&length.to_le_bytes());
            let id = MESSAGE_IDS[rng.below(MESSAGE_IDS.len())];
            buf[4..8].copy_from_slice(&id);
        }
        check_no_panic(&buf, &local);
    }
}

#[test]
fn encoded_sizes_match_the_bytes() {
    let (intro, local) = golden_intro_and_peer();
    let ours = local.introduction();
    for i in [intro, ours, Introduction::default()] {
        assert_eq!(i.encoded_size(), encode(&i).len());
    }
}

#[test]
fn outgoing_lists_are_cut_to_fit_one_frame() {
    let peer = PeerAddr {
        ip: Ipv4Addr::new(10, 0, 0, 1),
        port: 6000,
    };
    assert_eq!(
        GivePeers::fitting(vec![peer; MAX_GIVE_PEERS + 88])
            .peers
            .len(),
        MAX_GIVE_PEERS
    );
    assert_eq!(
        GetTxns::fitting(vec![Sha256::ZERO; MAX_TXNS + 1])
            .txids
            .len(),
        MAX_TXNS
    );
    assert_eq!(AnnounceTxns::fitting(Vec::new()).txids.len(), 0);

    // A transaction of the golden GIVT made large by repeating its outputs.
    let Ok(Message::GiveTxns(givt)) =
        Message::decode_body(*b"GIVT", &golden("give-txns-msg.golden"))
    else {
        panic!("give-txns-msg.golden is not GIVT")
    };
    let mut big = givt.transactions[0].clone();
    let output = big.outputs[0];
    big.outputs = vec![output; 2000];
    let size = big.encoded_size();
    let room = MAX_OUTGOING_MESSAGE_LENGTH - (LENGTH_PREFIX_SIZE + MESSAGE_ID_SIZE + 4);
    let fits = room / size;
    let m = GiveTxns::fitting(vec![big.clone(); fits + 2]);
    assert_eq!(m.transactions.len(), fits);
    let frame = encode_frame(&Message::GiveTxns(m.clone())).unwrap();
    assert!(frame.len() <= MAX_OUTGOING_MESSAGE_LENGTH);
    assert!(frame.len() + size > MAX_OUTGOING_MESSAGE_LENGTH);
    let mut one_more = m;
    one_more.transactions.push(big);
    assert!(matches!(
        encode_frame(&Message::GiveTxns(one_more)),
        Err(PeerError::OutgoingTooLarge { .. })
    ));

    let Ok(Message::GiveBlocks(givb)) =
        Message::decode_body(*b"GIVB", &golden("give-blocks-msg.golden"))
    else {
        panic!("give-blocks-msg.golden is not GIVB")
    };
    let blocks: Vec<SignedBlock> = (0..100).flat_map(|_| givb.blocks.clone()).collect();
    assert_eq!(GiveBlocks::fitting(blocks).blocks.len(), MAX_GIVE_BLOCKS);
}
