//! The Skycoin binary encoding (`src/cipher/encoder` in the reference).
//!
//! One codec for every type: [`Encode`] and [`Decode`] are implemented for
//! the primitive kinds (fixed-width little-endian integers, IEEE floats,
//! bools, fixed arrays, length-prefixed vectors, strings and maps), and
//! structs get theirs from [`codec_struct!`](crate::codec_struct), which lists the fields
//! in wire order and, where the reference sets one, their `maxlen`.
//!
//! Decoding checks every count against the bytes left before allocating,
//! enforces `maxlen`, and [`decode_exact`] rejects trailing bytes.

use std::collections::BTreeMap;

/// Why a byte string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes remain than the value needs (the reference's `ErrBufferUnderflow`).
    #[error("not enough buffer data to deserialize")]
    BufferUnderflow,
    /// A bool byte other than 0 or 1 (`ErrInvalidBool`).
    #[error("invalid bool value")]
    InvalidBool,
    /// A length prefix above the field's `maxlen` (`ErrMaxLenExceeded`).
    #[error("maximum length exceeded")]
    MaxLenExceeded,
    /// Bytes were left after the value (`ErrRemainingBytes`).
    #[error("bytes remain in buffer after deserializing object")]
    RemainingBytes,
    /// A string that is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A value that decodes but breaks a rule of its type.
    #[error("invalid value: {0}")]
    Invalid(&'static str),
}

/// A cursor over the bytes being decoded.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    /// Number of bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::BufferUnderflow);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    pub fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads a `u32le` element count, refusing counts above `max` or above the
    /// number of bytes left (each element takes at least one byte).
    pub fn count(&mut self, max: Option<usize>) -> Result<usize, DecodeError> {
        let n = u32::decode_from(self)? as usize;
        if let Some(max) = max {
            if n > max {
                return Err(DecodeError::MaxLenExceeded);
            }
        }
        if n > self.remaining() {
            return Err(DecodeError::BufferUnderflow);
        }
        Ok(n)
    }
}

/// A value with a Skycoin binary encoding.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode_to(&self, out: &mut Vec<u8>);

    /// Length in bytes of the encoding.
    fn encoded_size(&self) -> usize;
}

/// A value that can be read back from its Skycoin binary encoding.
pub trait Decode: Sized {
    /// Reads one value, advancing the reader.
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A variable-length value whose element count can be capped (`enc:",maxlen=N"`).
pub trait DecodeLimited: Sized {
    /// Reads one value whose element count may not exceed `max`.
    fn decode_limited(r: &mut Reader<'_>, max: usize) -> Result<Self, DecodeError>;
}

/// Encodes `value` into a new buffer.
pub fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.encoded_size());
    value.encode_to(&mut out);
    out
}

/// Decodes exactly one `T` from `bytes`: trailing bytes are an error.
pub fn decode_exact<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::decode_from(&mut r)?;
    if r.remaining() != 0 {
        return Err(DecodeError::RemainingBytes);
    }
    Ok(value)
}

/// Decodes one `T` from the front of `bytes`, returning it and the bytes used.
pub fn decode_prefix<T: Decode>(bytes: &[u8]) -> Result<(T, usize), DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::decode_from(&mut r)?;
    Ok((value, bytes.len() - r.remaining()))
}

macro_rules! int_codec {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode_to(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn encoded_size(&self) -> usize {
                std::mem::size_of::<$t>()
            }
        }
        impl Decode for $t {
            fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(<$t>::from_le_bytes(r.take_array()?))
            }
        }
    )*};
}
int_codec!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl Encode for bool {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn encoded_size(&self) -> usize {
        1
    }
}

impl Decode for bool {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match u8::decode_from(r)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::InvalidBool),
        }
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode_to(&self, out: &mut Vec<u8>) {
        for item in self {
            item.encode_to(out);
        }
    }
    fn encoded_size(&self) -> usize {
        self.iter().map(Encode::encoded_size).sum()
    }
}

impl<T: Decode + Default + Copy, const N: usize> Decode for [T; N] {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut out = [T::default(); N];
        for slot in out.iter_mut() {
            *slot = T::decode_from(r)?;
        }
        Ok(out)
    }
}

fn encode_count(n: usize, out: &mut Vec<u8>) {
    // Every slice the codec writes was built by this process; lengths above
    // u32::MAX cannot be produced by the reference either.
    (n as u32).encode_to(out);
}

impl<T: Encode> Encode for Vec<T> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_count(self.len(), out);
        for item in self {
            item.encode_to(out);
        }
    }
    fn encoded_size(&self) -> usize {
        4 + self.iter().map(Encode::encoded_size).sum::<usize>()
    }
}

fn decode_vec<T: Decode>(r: &mut Reader<'_>, max: Option<usize>) -> Result<Vec<T>, DecodeError> {
    let n = r.count(max)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(T::decode_from(r)?);
    }
    Ok(out)
}

impl<T: Decode> Decode for Vec<T> {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_vec(r, None)
    }
}

impl<T: Decode> DecodeLimited for Vec<T> {
    fn decode_limited(r: &mut Reader<'_>, max: usize) -> Result<Self, DecodeError> {
        decode_vec(r, Some(max))
    }
}

impl Encode for str {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_count(self.len(), out);
        out.extend_from_slice(self.as_bytes());
    }
    fn encoded_size(&self) -> usize {
        4 + self.len()
    }
}

impl Encode for String {
    fn encode_to(&self, out: &mut Vec<u8>) {
        self.as_str().encode_to(out)
    }
    fn encoded_size(&self) -> usize {
        self.as_str().encoded_size()
    }
}

fn decode_string(r: &mut Reader<'_>, max: Option<usize>) -> Result<String, DecodeError> {
    let n = r.count(max)?;
    let bytes = r.take(n)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::InvalidUtf8)
}

impl Decode for String {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_string(r, None)
    }
}

impl DecodeLimited for String {
    fn decode_limited(r: &mut Reader<'_>, max: usize) -> Result<Self, DecodeError> {
        decode_string(r, Some(max))
    }
}

/// Maps encode in key order; the reference never uses them in consensus data.
impl<K: Encode, V: Encode> Encode for BTreeMap<K, V> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_count(self.len(), out);
        for (k, v) in self {
            k.encode_to(out);
            v.encode_to(out);
        }
    }
    fn encoded_size(&self) -> usize {
        4 + self
            .iter()
            .map(|(k, v)| k.encoded_size() + v.encoded_size())
            .sum::<usize>()
    }
}

impl<K: Decode + Ord, V: Decode> Decode for BTreeMap<K, V> {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.count(None)?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let k = K::decode_from(r)?;
            let v = V::decode_from(r)?;
            out.insert(k, v);
        }
        Ok(out)
    }
}

/// Implements [`Encode`] and [`Decode`] for a struct from its field list in
/// wire order. A field written `name <= N` is a slice or string whose decoded
/// element count may not exceed `N` (the reference's `maxlen`).
#[macro_export]
macro_rules! codec_struct {
    ($ty:ident { $($field:ident $(<= $max:literal)?),* $(,)? }) => {
        impl $crate::sky::encoding::Encode for $ty {
            fn encode_to(&self, out: &mut Vec<u8>) {
                $( $crate::sky::encoding::Encode::encode_to(&self.$field, out); )*
            }
            fn encoded_size(&self) -> usize {
                0 $( + $crate::sky::encoding::Encode::encoded_size(&self.$field) )*
            }
        }
        impl $crate::sky::encoding::Decode for $ty {
            fn decode_from(
                r: &mut $crate::sky::encoding::Reader<'_>,
            ) -> Result<Self, $crate::sky::encoding::DecodeError> {
                Ok(Self { $( $field: $crate::codec_struct!(@field r $(, $max)?), )* })
            }
        }
    };
    (@field $r:ident) => { $crate::sky::encoding::Decode::decode_from($r)? };
    (@field $r:ident, $max:literal) => {
        $crate::sky::encoding::DecodeLimited::decode_limited($r, $max)?
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::test_vectors::read_vector;

    #[derive(Debug, PartialEq)]
    struct Inner {
        a: i8,
        b: u16,
    }
    codec_struct!(Inner { a, b });

    /// The struct of the reference's `TestEncodeStable`, field for field.
    #[derive(Debug, PartialEq)]
    struct EveryType {
        i8: i8,
        i16: i16,
        i32: i32,
        i64: i64,
        u8: u8,
        u16: u16,
        u32: u32,
        u64: u64,
        boolean: bool,
        byte: u8,
        string: String,
        bytes: Vec<u8>,
        ints: Vec<i64>,
        array: [u8; 3],
        int_array: [i64; 3],
        inner: Inner,
        map: BTreeMap<String, String>,
        f32: f32,
        f64: f64,
    }
    codec_struct!(EveryType {
        i8,
        i16,
        i32,
        i64,
        u8,
        u16,
        u32,
        u64,
        boolean,
        byte,
        string,
        bytes,
        ints,
        array,
        int_array,
        inner,
        map,
        f32,
        f64
    });

    fn every_type() -> EveryType {
        let big = i64::MAX;
        EveryType {
            i8: -127,
            i16: 32767,
            i32: i32::MAX,
            i64: big,
            u8: 128,
            u16: 32768,
            u32: 1 << 31,
            u64: 1 << 63,
            boolean: true,
            byte: 128,
            string: "foo".into(),
            bytes: b"bar".to_vec(),
            ints: vec![big, big / 2, -10000],
            array: *b"baz",
            int_array: [big, big / 2, -10000],
            inner: Inner { a: -127, b: 65535 },
            map: BTreeMap::from([("foo".to_string(), "bar".to_string())]),
            f32: 123.45,
            f64: 123.45,
        }
    }

    // Reads: skycoin/encoder/encode-every-type.golden
    #[test]
    fn encodes_every_type_like_the_reference() {
        let golden = read_vector("skycoin/encoder/encode-every-type.golden");
        let value = every_type();
        assert_eq!(encode(&value), golden);
        assert_eq!(value.encoded_size(), golden.len());
        assert_eq!(decode_exact::<EveryType>(&golden), Ok(value));
    }

    #[test]
    fn rejects_trailing_bytes_short_input_and_bad_bools() {
        let mut golden = read_vector("skycoin/encoder/encode-every-type.golden");
        golden.push(0);
        assert_eq!(
            decode_exact::<EveryType>(&golden),
            Err(DecodeError::RemainingBytes)
        );
        golden.truncate(golden.len() - 2);
        assert_eq!(
            decode_exact::<EveryType>(&golden),
            Err(DecodeError::BufferUnderflow)
        );
        assert_eq!(decode_exact::<bool>(&[2]), Err(DecodeError::InvalidBool));
    }

    #[test]
    fn counts_are_checked_before_allocating_and_against_maxlen() {
        // A count of 2^32-1 with nothing behind it must not allocate.
        let huge = [0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_exact::<Vec<u64>>(&huge),
            Err(DecodeError::BufferUnderflow)
        );
        struct Limited {
            v: Vec<u8>,
        }
        codec_struct!(Limited { v <= 2 });
        let bytes = encode(&vec![1u8, 2, 3]);
        assert!(matches!(
            decode_exact::<Limited>(&bytes),
            Err(DecodeError::MaxLenExceeded)
        ));
        let ok = encode(&vec![1u8, 2]);
        assert!(matches!(decode_exact::<Limited>(&ok), Ok(Limited { v }) if v == vec![1, 2]));
    }
}
