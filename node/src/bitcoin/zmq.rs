//! New-block and new-transaction notifications over ZMQ: a small ZMTP 3.0
//! subscriber (NULL security) on a plain TCP connection, reconnecting with
//! backoff. Frame encoding and decoding are plain functions.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::error::BtcError;
use super::rpc::backoff_delay;

/// Largest frame accepted (a raw block notification of a big chain fits).
const MAX_FRAME: u64 = 64 * 1024 * 1024;
const FLAG_MORE: u8 = 0x01;
const FLAG_LONG: u8 = 0x02;
const FLAG_COMMAND: u8 = 0x04;

/// What the daemon announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A new best block (its hash, as the daemon writes it).
    Block(String),
    /// A new transaction.
    Tx,
}

/// One ZMTP frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// More frames of the same message follow.
    pub more: bool,
    /// A command rather than message data.
    pub command: bool,
    /// The frame body.
    pub body: Vec<u8>,
}

/// Our 64-byte ZMTP 3.0 greeting (NULL mechanism, client side).
pub fn greeting() -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 0;
    g[12..16].copy_from_slice(b"NULL");
    g
}

/// Checks the peer's greeting; returns its major version.
pub fn check_greeting(g: &[u8]) -> Result<u8, BtcError> {
    if g.len() < 64 || g[0] != 0xff || g[9] != 0x7f {
        return Err(BtcError::Zmq("peer did not send a ZMTP greeting".into()));
    }
    if g[10] < 3 {
        return Err(BtcError::Zmq(format!("ZMTP version {} is too old", g[10])));
    }
    if &g[12..16] != b"NULL" {
        return Err(BtcError::Zmq("peer asks for a security mechanism".into()));
    }
    Ok(g[10])
}

/// Encodes one frame.
pub fn encode_frame(flags: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 9);
    if body.len() > 255 {
        out.push(flags | FLAG_LONG);
        out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    } else {
        out.push(flags);
        out.push(body.len() as u8);
    }
    out.extend_from_slice(body);
    out
}

/// The READY command of a SUB socket.
pub fn ready_command() -> Vec<u8> {
    let mut body = vec![5];
    body.extend_from_slice(b"READY");
    let name = b"Socket-Type";
    body.push(name.len() as u8);
    body.extend_from_slice(name);
    body.extend_from_slice(&3u32.to_be_bytes());
    body.extend_from_slice(b"SUB");
    encode_frame(FLAG_COMMAND, &body)
}

/// A ZMTP 3.0 subscription message for `topic`.
pub fn subscribe_frame(topic: &str) -> Vec<u8> {
    let mut body = vec![1];
    body.extend_from_slice(topic.as_bytes());
    encode_frame(0, &body)
}

/// Decodes one frame from the start of `buf`: `Ok(None)` when more bytes are
/// needed, otherwise the frame and how many bytes it took.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, BtcError> {
    let Some(&flags) = buf.first() else {
        return Ok(None);
    };
    if flags & !(FLAG_MORE | FLAG_LONG | FLAG_COMMAND) != 0 {
        return Err(BtcError::Zmq(format!("bad frame flags {flags:#04x}")));
    }
    let (len, head) = if flags & FLAG_LONG != 0 {
        let Some(b) = buf.get(1..9) else {
            return Ok(None);
        };
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        (u64::from_be_bytes(a), 9)
    } else {
        let Some(&b) = buf.get(1) else {
            return Ok(None);
        };
        (u64::from(b), 2)
    };
    if len > MAX_FRAME {
        return Err(BtcError::Zmq(format!("frame of {len} bytes is too big")));
    }
    let end = head + len as usize;
    let Some(body) = buf.get(head..end) else {
        return Ok(None);
    };
    Ok(Some((
        Frame {
            more: flags & FLAG_MORE != 0,
            command: flags & FLAG_COMMAND != 0,
            body: body.to_vec(),
        },
        end,
    )))
}

/// What a complete notification message (topic, body, sequence) means.
pub fn notice_of(parts: &[Vec<u8>]) -> Option<Notice> {
    let topic = parts.first()?;
    match topic.as_slice() {
        b"hashblock" => Some(Notice::Block(const_hex::encode(parts.get(1)?))),
        b"rawblock" => Some(Notice::Block(String::new())),
        b"hashtx" | b"rawtx" => Some(Notice::Tx),
        _ => None,
    }
}

/// Parses `tcp://host:port`.
pub fn parse_endpoint(endpoint: &str) -> Result<SocketAddr, BtcError> {
    let rest = endpoint
        .strip_prefix("tcp://")
        .ok_or_else(|| BtcError::Zmq(format!("{endpoint}: only tcp:// endpoints are supported")))?;
    rest.to_socket_addrs()
        .map_err(|e| BtcError::Zmq(format!("{endpoint}: {e}")))?
        .next()
        .ok_or_else(|| BtcError::Zmq(format!("{endpoint}: no address")))
}

/// Starts a thread that subscribes to block and transaction notifications
/// at `endpoint` and forwards them to `tx` until `stop` is set.
pub fn spawn_subscriber(
    endpoint: &str,
    tx: Sender<Notice>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, BtcError> {
    let addr = parse_endpoint(endpoint)?;
    let name = endpoint.to_owned();
    std::thread::Builder::new()
        .name("zmq".into())
        .spawn(move || {
            let mut attempt = 0u32;
            while !stop.load(Ordering::Relaxed) {
                match subscribe(addr, &tx, &stop) {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::debug!("zmq {name}: {e}; reconnecting");
                        std::thread::sleep(backoff_delay(attempt));
                        attempt = attempt.saturating_add(1).min(6);
                    }
                }
            }
        })
        .map_err(|e| BtcError::Zmq(e.to_string()))
}

fn subscribe(addr: SocketAddr, tx: &Sender<Notice>, stop: &AtomicBool) -> Result<(), BtcError> {
    let io = |e: std::io::Error| BtcError::Zmq(e.to_string());
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(io)?;
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .map_err(io)?;
    s.write_all(&greeting()).map_err(io)?;
    s.write_all(&ready_command()).map_err(io)?;
    for topic in ["hashblock", "hashtx"] {
        s.write_all(&subscribe_frame(topic)).map_err(io)?;
    }
    tracing::info!("zmq subscribed at {addr}");
    // Whatever was announced while not subscribed is picked up by one sync.
    if tx.send(Notice::Block(String::new())).is_err() {
        return Ok(());
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut greeted = false;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match s.read(&mut chunk) {
            Ok(0) => return Err(BtcError::Zmq("connection closed".into())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) => return Err(io(e)),
        }
        if !greeted {
            if buf.len() < 64 {
                continue;
            }
            check_greeting(&buf[..64])?;
            buf.drain(..64);
            greeted = true;
        }
        let mut used = 0;
        while let Some((frame, n)) = decode_frame(&buf[used..])? {
            used += n;
            if frame.command {
                continue;
            }
            let more = frame.more;
            parts.push(frame.body);
            if !more {
                if let Some(notice) = notice_of(&parts) {
                    if tx.send(notice).is_err() {
                        return Ok(());
                    }
                }
                parts.clear();
            }
        }
        buf.drain(..used);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let short = encode_frame(FLAG_MORE, b"hashblock");
        let long = encode_frame(0, &[7u8; 300]);
        let mut buf = short.clone();
        buf.extend_from_slice(&long);
        let (f, n) = decode_frame(&buf).unwrap().unwrap();
        assert_eq!(n, short.len());
        assert!(f.more && !f.command);
        assert_eq!(f.body, b"hashblock");
        let (f, n) = decode_frame(&buf[n..]).unwrap().unwrap();
        assert_eq!(n, long.len());
        assert_eq!(f.body.len(), 300);
        assert_eq!(decode_frame(&long[..5]).unwrap(), None);
        assert_eq!(decode_frame(&[]).unwrap(), None);
        assert!(decode_frame(&[0x80, 0]).is_err());
    }

    #[test]
    fn handshake_pieces() {
        let g = greeting();
        assert_eq!(check_greeting(&g).unwrap(), 3);
        assert!(check_greeting(&g[..10]).is_err());
        let ready = ready_command();
        let (f, _) = decode_frame(&ready).unwrap().unwrap();
        assert!(f.command);
        assert_eq!(&f.body[1..6], b"READY");
        assert_eq!(subscribe_frame("hashtx"), b"\x00\x07\x01hashtx".to_vec());
    }

    #[test]
    fn notices() {
        let block = vec![b"hashblock".to_vec(), vec![0xab; 32], vec![0, 0, 0, 0]];
        assert_eq!(notice_of(&block), Some(Notice::Block("ab".repeat(32))));
        assert_eq!(notice_of(&[b"hashtx".to_vec()]), Some(Notice::Tx));
        assert_eq!(notice_of(&[b"other".to_vec()]), None);
        assert!(parse_endpoint("tcp://127.0.0.1:28332").is_ok());
        assert!(parse_endpoint("ipc:///tmp/x").is_err());
    }
}
