//! Record framing: `u32 len ‖ u32 crc32c(payload) ‖ payload` (little endian),
//! the payload an encoded [`Envelope`].

use crate::command::Envelope;

/// Bytes before each payload: its length and checksum.
pub const FRAME_HEADER: usize = 8;

/// Largest accepted record payload.
pub const MAX_RECORD: usize = 1 << 20;

/// Smallest possible payload: sequence number, timestamp and command tag.
pub const MIN_RECORD: usize = 17;

/// Smallest possible frame.
pub const MIN_FRAME: usize = FRAME_HEADER + MIN_RECORD;

/// Appends one framed record of `env` to `out`.
#[inline]
pub fn frame(env: &Envelope, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0u8; FRAME_HEADER]);
    env.encode(out);
    // An envelope is a few dozen bytes: its length always fits.
    let payload_len = (out.len() - start - FRAME_HEADER) as u32;
    let crc = crc32c::crc32c(&out[start + FRAME_HEADER..]);
    out[start..start + 4].copy_from_slice(&payload_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// The payload length and checksum in a frame header.
#[inline]
pub(crate) fn header(h: &[u8; FRAME_HEADER]) -> (usize, u32) {
    let [a, b, c, d, e, f, g, k] = *h;
    (
        u32::from_le_bytes([a, b, c, d]) as usize,
        u32::from_le_bytes([e, f, g, k]),
    )
}

/// Whether a frame header's length can be a record's.
#[inline]
pub(crate) fn plausible_len(len: usize) -> bool {
    (MIN_RECORD..=MAX_RECORD).contains(&len)
}

/// The sequence number at the front of a payload (its first 8 bytes).
#[inline]
pub(crate) fn payload_seq(payload: &[u8]) -> Option<u64> {
    let b: [u8; 8] = payload.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Checks a whole payload against its checksum and decodes it.
pub(crate) fn check(payload: &[u8], crc: u32) -> Result<Envelope, &'static str> {
    if crc32c::crc32c(payload) != crc {
        return Err("checksum mismatch");
    }
    Envelope::decode(payload).map_err(|_| "record does not decode")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Command;

    #[test]
    fn frame_layout_is_length_checksum_payload() {
        let env = Envelope {
            seq: 3,
            ts: 9,
            cmd: Command::WithdrawSettle { id: 5 },
        };
        let mut out = Vec::new();
        frame(&env, &mut out);
        // Payload: seq, ts, tag 5, id (all little endian), built by hand.
        let mut payload = Vec::new();
        payload.extend_from_slice(&3u64.to_le_bytes());
        payload.extend_from_slice(&9u64.to_le_bytes());
        payload.push(5);
        payload.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(&out[8..], &payload[..]);
        assert_eq!(&out[..4], &(payload.len() as u32).to_le_bytes());
        // CRC-32C (Castagnoli) of "123456789" is 0xE3069283 (RFC 3720 check value).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(&out[4..8], &crc32c::crc32c(&payload).to_le_bytes());
        assert_eq!(check(&payload, crc32c::crc32c(&payload)), Ok(env));
        assert_eq!(payload_seq(&payload), Some(3));
    }
}
