//! Framing (`gnet/dispatcher.go EncodeMessage`, `gnet/pool.go decodeData`):
//! `u32le(length) || id (4 bytes) || body`, with `length = 4 + len(body)`.

use super::message::{Message, MessageId};
use super::PeerError;

/// Bytes of the length prefix.
pub const LENGTH_PREFIX_SIZE: usize = 4;
/// Bytes of the message id.
pub const MESSAGE_ID_SIZE: usize = 4;
/// Largest accepted `length` field (id + body) of a received frame.
pub const MAX_INCOMING_MESSAGE_LENGTH: usize = 1024 * 1024;
/// Largest frame we send, counting the length prefix (as `gnet` checks it).
pub const MAX_OUTGOING_MESSAGE_LENGTH: usize = 256 * 1024;

/// Frames `msg` for sending; refuses a frame above [`MAX_OUTGOING_MESSAGE_LENGTH`].
pub fn encode_frame(msg: &Message) -> Result<Vec<u8>, PeerError> {
    let body = msg.body_size();
    let size = LENGTH_PREFIX_SIZE + MESSAGE_ID_SIZE + body;
    if size > MAX_OUTGOING_MESSAGE_LENGTH {
        return Err(PeerError::OutgoingTooLarge { size });
    }
    let length =
        u32::try_from(MESSAGE_ID_SIZE + body).map_err(|_| PeerError::OutgoingTooLarge { size })?;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&msg.id());
    msg.encode_body_to(&mut out);
    Ok(out)
}

/// Reads one frame from the front of `buf`: `Ok(None)` when more bytes are
/// needed, else the message and the bytes it used. The length is checked as
/// soon as its 4 bytes are there, before waiting for the body.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Message, usize)>, PeerError> {
    decode_frame_limited(buf, MAX_INCOMING_MESSAGE_LENGTH)
}

/// [`decode_frame`] with another limit on the `length` field.
pub fn decode_frame_limited(
    buf: &[u8],
    max_length: usize,
) -> Result<Option<(Message, usize)>, PeerError> {
    let Some(prefix) = buf.first_chunk::<LENGTH_PREFIX_SIZE>() else {
        return Ok(None);
    };
    let length = u32::from_le_bytes(*prefix);
    let len = usize::try_from(length).map_err(|_| PeerError::InvalidLength { length })?;
    if len < MESSAGE_ID_SIZE || len > max_length {
        return Err(PeerError::InvalidLength { length });
    }
    let total = LENGTH_PREFIX_SIZE + len;
    let Some(frame) = buf.get(LENGTH_PREFIX_SIZE..total) else {
        return Ok(None);
    };
    let (id, body) = frame.split_at(MESSAGE_ID_SIZE);
    let mut message_id: MessageId = [0; MESSAGE_ID_SIZE];
    message_id.copy_from_slice(id);
    let msg = Message::decode_body(message_id, body)?;
    Ok(Some((msg, total)))
}
