//! One TCP connection speaking the reference's framing: reading frames
//! with limits and timeouts, writing them, and the introduction handshake.

use std::net::SocketAddr;
use std::time::Duration;

use skyx_coins::sky::peer::{
    decode_frame, encode_frame, verify_introduction, Disconnect, DisconnectReason, LocalPeer,
    Message, VerifiedIntroduction,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::error::P2pError;

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// The reading side of a connection: whole messages out of a byte stream.
#[derive(Debug)]
pub struct FrameReader {
    half: OwnedReadHalf,
    buf: Vec<u8>,
}

impl FrameReader {
    /// Wraps the read half of a socket.
    pub fn new(half: OwnedReadHalf) -> FrameReader {
        FrameReader {
            half,
            buf: Vec::new(),
        }
    }

    /// The next message; fails when nothing whole arrives within `timeout`,
    /// when the frame is invalid (length out of bounds, unknown id, body that
    /// does not decode) or when the peer closes the connection.
    pub async fn read(&mut self, timeout: Duration) -> Result<Message, P2pError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some((msg, used)) = decode_frame(&self.buf)? {
                self.buf.drain(..used);
                return Ok(msg);
            }
            self.buf.reserve(READ_CHUNK);
            let n = tokio::time::timeout_at(deadline, self.half.read_buf(&mut self.buf))
                .await
                .map_err(|_| P2pError::Timeout("waiting for a peer message"))??;
            if n == 0 {
                return Err(P2pError::Closed);
            }
        }
    }
}

/// The writing side of a connection.
#[derive(Debug)]
pub struct FrameWriter {
    half: OwnedWriteHalf,
    timeout: Duration,
}

impl FrameWriter {
    /// Wraps the write half of a socket; each frame must be written within `timeout`.
    pub fn new(half: OwnedWriteHalf, timeout: Duration) -> FrameWriter {
        FrameWriter { half, timeout }
    }

    /// Frames and sends one message.
    pub async fn send(&mut self, msg: &Message) -> Result<(), P2pError> {
        let frame = encode_frame(msg)?;
        tokio::time::timeout(self.timeout, self.half.write_all(&frame))
            .await
            .map_err(|_| P2pError::Timeout("writing to a peer"))??;
        Ok(())
    }

    /// Sends `DISC` with `reason` (best effort) and closes our side.
    pub async fn disconnect(&mut self, reason: DisconnectReason) {
        let msg = Message::Disconnect(Disconnect::new(reason));
        if let Err(e) = self.send(&msg).await {
            tracing::debug!(error = %e, "could not send DISC");
        }
        self.close().await;
    }

    /// Closes our side of the connection.
    pub async fn close(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.half.shutdown()).await;
    }
}

/// A connection whose peer introduced itself acceptably.
#[derive(Debug)]
pub struct Introduced {
    /// Incoming messages.
    pub reader: FrameReader,
    /// Outgoing messages.
    pub writer: FrameWriter,
    /// The peer's introduction.
    pub peer: VerifiedIntroduction,
    /// The peer's socket address.
    pub remote: SocketAddr,
}

/// Introduces both sides as the reference does: we send `INTR` at once and
/// the peer's first message must be its `INTR`, judged by
/// [`verify_introduction`]. On refusal the peer gets `DISC` with the reason
/// and the connection is closed.
pub async fn handshake(
    stream: TcpStream,
    local: &LocalPeer,
    timeout: Duration,
    write_timeout: Duration,
) -> Result<Introduced, P2pError> {
    let remote = stream.peer_addr()?;
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let mut reader = FrameReader::new(r);
    let mut writer = FrameWriter::new(w, write_timeout);
    writer
        .send(&Message::Introduction(local.introduction()))
        .await?;
    let first = match reader.read(timeout).await {
        Ok(msg) => msg,
        Err(P2pError::Timeout(_)) => {
            writer
                .disconnect(DisconnectReason::IntroductionTimeout)
                .await;
            return Err(P2pError::Rejected(DisconnectReason::IntroductionTimeout));
        }
        Err(e) => {
            if let Some(reason) = e.disconnect_reason() {
                writer.disconnect(reason).await;
            }
            return Err(e);
        }
    };
    let intro = match first {
        Message::Introduction(intro) => intro,
        Message::Disconnect(d) => {
            writer.close().await;
            return Err(P2pError::PeerDisconnected(d.reason()));
        }
        other => {
            tracing::debug!(%remote, id = %other.id().escape_ascii(), "first message is not INTR");
            writer.disconnect(DisconnectReason::NoIntroduction).await;
            return Err(P2pError::Rejected(DisconnectReason::NoIntroduction));
        }
    };
    match verify_introduction(&intro, local) {
        Ok(peer) => Ok(Introduced {
            reader,
            writer,
            peer,
            remote,
        }),
        Err(reason) => {
            tracing::info!(%remote, %reason, "refusing peer introduction");
            writer.disconnect(reason).await;
            Err(P2pError::Rejected(reason))
        }
    }
}
