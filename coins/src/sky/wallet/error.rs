//! Errors of wallet parsing, validation, generation and encryption, each
//! with a stable machine-readable [`WalletError::code`].

use super::crypto::CryptoError;

/// Why a wallet could not be read, checked, generated, locked or unlocked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// The bytes are not the JSON shape of a wallet file.
    #[error("wallet is not valid JSON: {0}")]
    Json(String),
    /// `meta.type` is absent.
    #[error("invalid wallet type: type field not set")]
    MissingType,
    /// `meta.type` is not one of deterministic, collection, bip44, xpub.
    #[error("invalid wallet type {0:?}")]
    InvalidType(String),
    /// `meta.coin` is absent or empty.
    #[error("invalid coin type: coin field not set")]
    MissingCoin,
    /// `meta.coin` is not skycoin/sky or bitcoin/btc.
    #[error("invalid coin type {0:?}")]
    InvalidCoin(String),
    /// `meta.tm` is not an integer.
    #[error("invalid timestamp {0:?}")]
    InvalidTimestamp(String),
    /// `meta.encrypted` is not a boolean string.
    #[error("encrypted field is not a valid bool: {0:?}")]
    InvalidEncryptedField(String),
    /// An encrypted wallet without `meta.cryptoType`.
    #[error("crypto type field not set")]
    MissingCryptoType,
    /// A `cryptoType` this implementation does not know.
    #[error("unknown crypto type {0:?}")]
    UnknownCryptoType(String),
    /// An encrypted wallet whose `meta.secrets` is empty.
    #[error("wallet is encrypted, but secrets field not set")]
    MissingSecrets,
    /// An encrypted wallet that still shows a secret in clear.
    #[error("{0} should not be visible in encrypted wallets")]
    SecretVisible(&'static str),
    /// An unencrypted wallet with a non-empty `meta.secrets`.
    #[error("secrets should not be in unencrypted wallets")]
    UnexpectedSecrets,
    /// An unencrypted wallet of a seeded type without its seed.
    #[error("seed missing in unencrypted {0} wallet")]
    MissingSeed(&'static str),
    /// An unencrypted deterministic wallet without `lastSeed`.
    #[error("lastSeed missing in unencrypted deterministic wallet")]
    MissingLastSeed,
    /// `lastSeed` is not the hex of 32 bytes.
    #[error("lastSeed is not valid hex")]
    InvalidLastSeed,
    /// `lastSeed` is not the chain's seed after the last entry.
    #[error("lastSeed does not follow the wallet's last entry")]
    LastSeedMismatch,
    /// A wallet type that must not carry a seed has one.
    #[error("{0} should not be in {1} wallets")]
    UnexpectedSeed(&'static str, &'static str),
    /// The bip44 seed is not a valid English BIP39 mnemonic.
    #[error("invalid bip39 mnemonic: {0}")]
    InvalidMnemonic(String),
    /// `meta.bip44Coin` is absent or not a 32-bit integer.
    #[error("invalid bip44 coin type {0:?}")]
    InvalidBip44Coin(String),
    /// `meta.xpub` (or a chain key) is absent or not a valid extended public key.
    #[error("invalid xpub {0:?}")]
    InvalidXpub(String),
    /// An account `private_key` that is not a valid extended private key.
    #[error("invalid bip44 account private key")]
    InvalidXpriv,
    /// `entries` present where `accounts` was expected, or the reverse.
    #[error("wallet body mismatch: {0}")]
    Body(&'static str),
    /// A bip44 chain name other than external/change.
    #[error("invalid bip44 chain {0:?}")]
    InvalidChain(String),
    /// One entry's field does not parse.
    #[error("entry {index}: invalid {field}: {reason}")]
    InvalidEntry {
        /// Position of the entry in its list.
        index: usize,
        /// The offending JSON field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An entry whose address is not the address of its public key.
    #[error("entry {address}: address does not match the public key")]
    AddressMismatch {
        /// The entry's address.
        address: String,
    },
    /// An entry whose public key is not the public key of its secret key.
    #[error("entry {address}: public key does not match the secret key")]
    PublicKeyMismatch {
        /// The entry's address.
        address: String,
    },
    /// An entry that is not the key its seed / xpub / account key derives.
    #[error("entry {address}: does not derive from the wallet's {source_name}")]
    DerivationMismatch {
        /// The entry's address.
        address: String,
        /// What it was derived from (seed, xpub, account key).
        source_name: &'static str,
    },
    /// The same address twice in one wallet.
    #[error("wallet already contains entry with address {0}")]
    DuplicateEntry(String),
    /// A secret key that is not valid (zero or ≥ n).
    #[error("invalid secret key")]
    InvalidSecretKey,
    /// BIP32 derivation failed (practically never).
    #[error("bip32 derivation failed: {0}")]
    Bip32(String),
    /// The operation needs the secrets of an encrypted wallet.
    #[error("wallet is encrypted")]
    Encrypted,
    /// Unlocking a wallet that is not encrypted.
    #[error("wallet is not encrypted")]
    NotEncrypted,
    /// An empty password.
    #[error("missing password")]
    MissingPassword,
    /// The password is wrong, or the encrypted data was altered.
    #[error("invalid password")]
    InvalidPassword,
    /// The decrypted secrets lack a required key.
    #[error("secret {0:?} missing from the decrypted secrets")]
    MissingSecret(String),
    /// The decrypted secrets are not a JSON object of strings.
    #[error("decrypted secrets are not valid: {0}")]
    InvalidSecrets(String),
    /// The encrypted blob is malformed (before any password check).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// An operation this wallet type does not have.
    #[error("{0}")]
    Unsupported(&'static str),
}

impl WalletError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            WalletError::Json(_) => "wallet_json",
            WalletError::MissingType => "wallet_type_missing",
            WalletError::InvalidType(_) => "wallet_type_invalid",
            WalletError::MissingCoin => "wallet_coin_missing",
            WalletError::InvalidCoin(_) => "wallet_coin_invalid",
            WalletError::InvalidTimestamp(_) => "wallet_timestamp_invalid",
            WalletError::InvalidEncryptedField(_) => "wallet_encrypted_field_invalid",
            WalletError::MissingCryptoType => "wallet_crypto_type_missing",
            WalletError::UnknownCryptoType(_) => "wallet_crypto_type_unknown",
            WalletError::MissingSecrets => "wallet_secrets_missing",
            WalletError::SecretVisible(_) => "wallet_secret_visible",
            WalletError::UnexpectedSecrets => "wallet_secrets_unexpected",
            WalletError::MissingSeed(_) => "wallet_seed_missing",
            WalletError::MissingLastSeed => "wallet_last_seed_missing",
            WalletError::InvalidLastSeed => "wallet_last_seed_invalid",
            WalletError::LastSeedMismatch => "wallet_last_seed_mismatch",
            WalletError::UnexpectedSeed(..) => "wallet_seed_unexpected",
            WalletError::InvalidMnemonic(_) => "wallet_mnemonic_invalid",
            WalletError::InvalidBip44Coin(_) => "wallet_bip44_coin_invalid",
            WalletError::InvalidXpub(_) => "wallet_xpub_invalid",
            WalletError::InvalidXpriv => "wallet_xpriv_invalid",
            WalletError::Body(_) => "wallet_body_mismatch",
            WalletError::InvalidChain(_) => "wallet_chain_invalid",
            WalletError::InvalidEntry { .. } => "wallet_entry_invalid",
            WalletError::AddressMismatch { .. } => "wallet_entry_address_mismatch",
            WalletError::PublicKeyMismatch { .. } => "wallet_entry_public_key_mismatch",
            WalletError::DerivationMismatch { .. } => "wallet_entry_derivation_mismatch",
            WalletError::DuplicateEntry(_) => "wallet_entry_duplicate",
            WalletError::InvalidSecretKey => "wallet_secret_key_invalid",
            WalletError::Bip32(_) => "wallet_bip32",
            WalletError::Encrypted => "wallet_encrypted",
            WalletError::NotEncrypted => "wallet_not_encrypted",
            WalletError::MissingPassword => "wallet_password_missing",
            WalletError::InvalidPassword => "wallet_password_invalid",
            WalletError::MissingSecret(_) => "wallet_secret_missing",
            WalletError::InvalidSecrets(_) => "wallet_secrets_invalid",
            WalletError::Crypto(e) => e.code(),
            WalletError::Unsupported(_) => "wallet_unsupported",
        }
    }
}
