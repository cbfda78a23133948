//! Unspent outputs (`src/coin/outputs.go`): the body whose hash is the
//! output id, the head (creating block's time and seq), and the snapshot hash
//! that feeds a block header's `ux_hash`.

use super::address::Address;
use super::coin_hours::{coin_hours, CoinHoursError};
use super::encoding::encode;
use super::hash::{sha256, Sha256};
use super::transaction::TransactionOutput;
use crate::codec_struct;

/// Where and when an output was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct UxHead {
    /// Time of the creating block (Unix seconds).
    pub time: u64,
    /// Seq of the creating block.
    pub bk_seq: u64,
}
codec_struct!(UxHead { time, bk_seq });

/// What an output holds; `sha256` of its encoding is the output id (uxid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct UxBody {
    /// The creating transaction (zero in the genesis block).
    pub src_transaction: Sha256,
    /// The owner.
    pub address: Address,
    /// Droplets.
    pub coins: u64,
    /// Coin hours at creation.
    pub hours: u64,
}
codec_struct!(UxBody {
    src_transaction,
    address,
    coins,
    hours
});

impl UxBody {
    /// The body of output `out` of transaction `src`.
    pub fn from_output(src: Sha256, out: &TransactionOutput) -> UxBody {
        UxBody {
            src_transaction: src,
            address: out.address,
            coins: out.coins,
            hours: out.hours,
        }
    }

    /// The output id: `sha256(encode(body))`.
    pub fn hash(&self) -> Sha256 {
        sha256(&encode(self))
    }
}

/// An output with its head, as stored in the unspent pool (`head || body`, 85 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct UxOut {
    /// Creation time and block.
    pub head: UxHead,
    /// Contents.
    pub body: UxBody,
}
codec_struct!(UxOut { head, body });

impl UxOut {
    /// An output created in block `bk_seq` at `time`.
    pub fn new(body: UxBody, time: u64, bk_seq: u64) -> UxOut {
        UxOut {
            head: UxHead { time, bk_seq },
            body,
        }
    }

    /// The output id.
    pub fn hash(&self) -> Sha256 {
        self.body.hash()
    }

    /// `sha256(body || head)`: the value XORed into the unspent-set hash.
    pub fn snapshot_hash(&self) -> Sha256 {
        let mut buf = encode(&self.body);
        buf.extend_from_slice(&encode(&self.head));
        sha256(&buf)
    }

    /// Coin hours this output holds at time `t`.
    pub fn coin_hours(&self, t: u64) -> Result<u64, CoinHoursError> {
        coin_hours(self.body.coins, self.body.hours, self.head.time, t)
    }
}

/// XOR of two hashes (the running unspent-set hash).
pub fn xor_hash(a: &Sha256, b: &Sha256) -> Sha256 {
    let mut out = [0u8; 32];
    for (o, (x, y)) in out.iter_mut().zip(a.0.iter().zip(b.0.iter())) {
        *o = x ^ y;
    }
    Sha256(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::encoding::decode_exact;
    use crate::sky::test_vectors::{hex_field, read_vector};

    // Reads: skycoin/chain/blockchain-180.unspent.jsonl
    #[test]
    fn stored_unspents_decode_and_hash_like_the_reference() {
        let text =
            String::from_utf8(read_vector("skycoin/chain/blockchain-180.unspent.jsonl")).unwrap();
        let mut n = 0;
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let raw = hex_field(&v, "raw");
            let ux: UxOut = decode_exact(&raw).unwrap();
            assert_eq!(encode(&ux), raw);
            assert_eq!(ux.hash().to_hex(), v["uxid"].as_str().unwrap());
            assert_eq!(
                ux.snapshot_hash().to_hex(),
                v["snapshot_hash"].as_str().unwrap()
            );
            assert_eq!(ux.body.address.to_string(), v["address"].as_str().unwrap());
            assert_eq!(ux.head.bk_seq, v["block_seq"].as_u64().unwrap());
            n += 1;
        }
        assert_eq!(n, 218);
    }
}
