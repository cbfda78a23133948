//! Skycoin peer-protocol frames and messages (`coins/src/sky/peer/`): a
//! stream of bytes from a peer is read frame by frame, and the input is also
//! read as one message id followed by its body. Every message read frames
//! back to the same bytes and decodes to itself; introductions are judged
//! as a mainnet node judges them; user agents parse and print back exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_coins::sky::peer::{
    decode_frame, encode_frame, is_semver, sanitize, verify_introduction, Extra, Message,
    UserAgent, MESSAGE_ID_SIZE,
};
use skyx_fuzz::mainnet_local_peer;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some((msg, used))) = decode_frame(rest) {
        assert!(used > 0 && used <= rest.len());
        check_message(&msg, Some(&rest[..used]));
        rest = &rest[used..];
    }
    if let Some((id, body)) = data.split_first_chunk::<MESSAGE_ID_SIZE>() {
        if let Ok(msg) = Message::decode_body(*id, body) {
            assert_eq!(msg.id(), *id);
            check_message(&msg, None);
        }
    }
    let agent = sanitize(data);
    let _ = is_semver(&agent);
    if let Ok(ua) = UserAgent::parse(&agent) {
        let text = ua.to_string();
        assert_eq!(text, agent, "a parsed user agent prints differently");
        assert_eq!(UserAgent::parse(&text).ok(), Some(ua));
    }
});

/// Re-frames `msg`, checks it reads back the same (and, when `frame` is
/// given, to the same bytes), and runs what a node does with it.
fn check_message(msg: &Message, frame: Option<&[u8]>) {
    if let Ok(bytes) = encode_frame(msg) {
        let again = decode_frame(&bytes).ok().flatten();
        assert_eq!(
            again.as_ref().map(|(m, n)| (m, *n)),
            Some((msg, bytes.len()))
        );
        if let Some(frame) = frame {
            // An introduction whose `extra` has length zero reads as one
            // without `extra`, and is written without its 4-byte length.
            let empty_extra = matches!(msg, Message::Introduction(i) if i.extra == Extra::Absent)
                && frame.len() == bytes.len() + 4;
            if !empty_extra {
                assert_eq!(bytes, frame, "decode then encode changed the frame");
            }
        }
    }
    assert_eq!(msg.encode_body().len(), msg.body_size());
    match msg {
        Message::Introduction(intro) => {
            if let Ok(v) = verify_introduction(intro, mainnet_local_peer()) {
                let _ = v.user_agent.to_string();
            }
            let _ = intro.extra.to_bytes();
        }
        Message::Disconnect(d) => {
            let reason = d.reason();
            let _ = (reason.code(), reason.message());
        }
        Message::GivePeers(p) => {
            for peer in &p.peers {
                let _ = peer.socket_addr();
            }
        }
        Message::GiveBlocks(b) => {
            for block in &b.blocks {
                let _ = block.block.hash();
            }
        }
        Message::GiveTxns(t) => {
            for tx in &t.transactions {
                let _ = tx.hash();
            }
        }
        _ => {}
    }
}
