//! Chain parameters (`fiber.toml`, `cmd/skycoin/skycoin.go`, `src/params`):
//! the genesis block, the block publisher, transaction limits and network
//! constants. [`MAINNET`] is Skycoin's; a private chain (devnet) builds its own.

use std::borrow::Cow;

use secp256k1::PublicKey;

use super::address::{Address, AddressError};
use super::block::{Block, BlockBody, BlockHeader};
use super::hash::Sha256;
use super::keys::{public_from_bytes, KeyError};
use super::transaction::{Transaction, TransactionOutput};

/// The rules and genesis of one Skycoin chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainParams {
    /// Receiver of all coins in the genesis block.
    pub genesis_address: Cow<'static, str>,
    /// Droplets created in the genesis block.
    pub genesis_coins: u64,
    /// Coin hours of the genesis output.
    pub genesis_hours: u64,
    /// Genesis block time (Unix seconds).
    pub genesis_timestamp: u64,
    /// Hex of the genesis block's signature.
    pub genesis_signature: Cow<'static, str>,
    /// Hex of the block publisher's compressed public key.
    pub publisher_pubkey: Cow<'static, str>,
    /// Burn factor for transactions entering the pool and new blocks.
    pub burn_factor: u32,
    /// Largest transaction in bytes (soft rule).
    pub max_transaction_size: usize,
    /// Largest sum of transaction sizes in a new block (soft rule).
    pub max_block_transactions_size: usize,
    /// Decimal places of output coins allowed in new transactions.
    pub max_decimals: u8,
    /// Peer port.
    pub port: u16,
    /// REST API port.
    pub web_port: u16,
    /// Peer protocol version spoken.
    pub protocol_version: i32,
    /// Lowest peer protocol version accepted.
    pub min_protocol_version: i32,
}

/// Skycoin mainnet.
pub const MAINNET: ChainParams = ChainParams {
    genesis_address: Cow::Borrowed("2jBbGxZRGoQG1mqhPBnXnLTxK6oxsTf8os6"),
    genesis_coins: 100_000_000_000_000,
    genesis_hours: 100_000_000_000_000,
    genesis_timestamp: 1_426_562_704,
    genesis_signature: Cow::Borrowed("eb10468d10054d15f2b6f8946cd46797779aa20a7617ceb4be884189f219bc9a164e56a5b9f7bec392a804ff3740210348d73db77a37adb542a8e08d429ac92700"),
    publisher_pubkey: Cow::Borrowed("0328c576d3f420e7682058a981173a4b374c7cc5ff55bf394d3cf57059bbe6456a"),
    burn_factor: 10,
    max_transaction_size: 32_768,
    max_block_transactions_size: 32_768,
    max_decimals: 3,
    port: 6000,
    web_port: 6420,
    protocol_version: 2,
    min_protocol_version: 2,
};

/// Parameters that do not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// The genesis address is not an address.
    #[error("genesis address: {0}")]
    Address(#[from] AddressError),
    /// The publisher key is not a key.
    #[error("block publisher key: {0}")]
    Key(#[from] KeyError),
}

/// The genesis block of a chain paying `coins` and `hours` to `address`
/// (`NewGenesisBlock`): one transaction with no inputs, zero length prefix and
/// zero inner hash.
pub fn genesis_block(address: Address, coins: u64, hours: u64, time: u64) -> Block {
    let txn = Transaction {
        outputs: vec![TransactionOutput {
            address,
            coins,
            hours,
        }],
        ..Transaction::default()
    };
    let body = BlockBody {
        transactions: vec![txn],
    };
    Block {
        head: BlockHeader {
            version: 0,
            time,
            bk_seq: 0,
            fee: 0,
            prev_hash: Sha256::ZERO,
            body_hash: body.hash(),
            ux_hash: Sha256::ZERO,
        },
        body,
    }
}

impl ChainParams {
    /// The block publisher's public key.
    pub fn publisher_key(&self) -> Result<PublicKey, ParamsError> {
        let bytes =
            hex::decode(self.publisher_pubkey.as_ref()).map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(public_from_bytes(&bytes)?)
    }

    /// The genesis block.
    pub fn genesis_block(&self) -> Block {
        let address = self.genesis_address.parse().unwrap_or(Address::NULL);
        genesis_block(
            address,
            self.genesis_coins,
            self.genesis_hours,
            self.genesis_timestamp,
        )
    }

    /// Droplets per smallest allowed coin unit in new transactions
    /// (`10^(6 - max_decimals)`).
    pub fn droplet_precision(&self) -> u64 {
        10u64.pow(6u32.saturating_sub(u32::from(self.max_decimals)))
    }
}
