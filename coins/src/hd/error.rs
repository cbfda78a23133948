//! The error type of the HD-wallet module.
//!
//! Messages never contain secret material: a bad mnemonic word is reported by
//! its position only, and extended keys are never echoed back.

use thiserror::Error;

/// Everything that can go wrong while handling mnemonics, paths and HD keys.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HdError {
    /// The mnemonic holds no words at all.
    #[error("the mnemonic is empty")]
    EmptyMnemonic,
    /// The mnemonic does not have 12, 15, 18, 21 or 24 words.
    #[error("the mnemonic has {0} words; BIP39 mnemonics have 12, 15, 18, 21 or 24 words")]
    BadWordCount(usize),
    /// A word of the mnemonic is not in the word list (0-based position).
    #[error("word {} of the mnemonic is not in the BIP39 word list", .0 + 1)]
    UnknownWord(usize),
    /// The words are valid but the checksum bits do not match the entropy.
    #[error("the mnemonic checksum is invalid (a word is wrong or the words are out of order)")]
    InvalidChecksum,
    /// The words belong to several word lists and the language cannot be told apart.
    #[error("the mnemonic could belong to several languages: {0}")]
    AmbiguousLanguage(String),
    /// Entropy for a new mnemonic must be 128 to 256 bits, a multiple of 32.
    #[error("entropy of {0} bits is invalid; it must be 128, 160, 192, 224 or 256 bits")]
    BadEntropyLength(usize),

    /// A BIP32 seed must be 16 to 64 bytes long.
    #[error("a BIP32 seed must be 16 to 64 bytes long, got {0} bytes")]
    InvalidSeedLength(usize),
    /// The key derivation itself failed (invalid child key or depth over 255).
    #[error("key derivation failed: {0}")]
    Derivation(String),
    /// A hardened child was requested from a public key.
    #[error("cannot derive the hardened child {0}' from a public key")]
    HardenedFromPublic(u32),
    /// An index or a range of indexes does not fit below 2^31.
    #[error("{what} {value} is out of range: it must be below 2^31")]
    IndexOutOfRange {
        /// Which number was out of range (account, coin type, index...).
        what: &'static str,
        /// The offending value (saturated at `u64::MAX` for ranges).
        value: u64,
    },

    /// A derivation path string does not start with `m`.
    #[error("a derivation path must start with \"m\"")]
    PathMissingRoot,
    /// A derivation path component is not a decimal number with an optional `'`, `h` or `H`.
    #[error("invalid derivation path component {0:?}")]
    InvalidPathComponent(String),
    /// A BIP44-style path must have exactly five levels below `m`.
    #[error("a BIP44 path has 5 levels (purpose'/coin'/account'/change/index), got {0}")]
    WrongPathDepth(usize),
    /// A BIP44-style path has a level hardened where it must not be, or the reverse.
    #[error("level {level} of a BIP44 path must be {}", if *.hardened { "hardened" } else { "non-hardened" })]
    WrongHardening {
        /// The level name (purpose, coin type, account, change, index).
        level: &'static str,
        /// Whether the level must be hardened.
        hardened: bool,
    },
    /// The purpose number is not 44, 49 or 84.
    #[error("purpose {0} is not supported; expected 44, 49 or 84")]
    UnknownPurpose(u32),
    /// The coin has no extended-key version bytes for that purpose (no segwit).
    #[error("{coin} has no extended-key version bytes for purpose {purpose}")]
    UnsupportedPurpose {
        /// The coin symbol.
        coin: &'static str,
        /// The purpose number.
        purpose: u32,
    },

    /// The extended key string is not valid base58.
    #[error("the extended key is not valid base58")]
    ExtKeyBase58,
    /// The extended key's base58check checksum does not match.
    #[error("the extended key has an invalid checksum")]
    ExtKeyChecksum,
    /// The decoded extended key is not 78 bytes (plus the 4-byte checksum).
    #[error("the extended key is {0} bytes long; it must be 78 bytes plus a 4-byte checksum")]
    ExtKeyLength(usize),
    /// The four version bytes are not a known extended-key version.
    #[error("unknown extended key version 0x{}", hex::encode(.0))]
    UnknownVersion([u8; 4]),
    /// A public version (xpub...) carries private key data (0x00 prefix).
    #[error("public key version ({0}) but the key data is a private key")]
    PublicVersionWithPrivateKey(&'static str),
    /// A private version (xprv...) carries public key data (0x02/0x03 prefix).
    #[error("private key version ({0}) but the key data is a public key")]
    PrivateVersionWithPublicKey(&'static str),
    /// Public key data starts with a byte other than 0x02 or 0x03.
    #[error("invalid public key prefix 0x{0:02x}; expected 0x02 or 0x03")]
    InvalidPublicKeyPrefix(u8),
    /// Private key data starts with a byte other than 0x00.
    #[error("invalid private key prefix 0x{0:02x}; expected 0x00")]
    InvalidPrivateKeyPrefix(u8),
    /// The private key is 0 or not below the curve order n.
    #[error("the private key is not in the range 1..n-1")]
    PrivateKeyOutOfRange,
    /// The compressed public key is not a point on secp256k1.
    #[error("the public key is not a point on the secp256k1 curve")]
    InvalidPublicKey,
    /// A depth-0 (master) key has a non-zero parent fingerprint.
    #[error("a master key (depth 0) must have a zero parent fingerprint")]
    ZeroDepthWithParentFingerprint,
    /// A depth-0 (master) key has a non-zero child number.
    #[error("a master key (depth 0) must have child number 0")]
    ZeroDepthWithChildNumber,
    /// A private extended key was expected and a public one was given, or the reverse.
    #[error("expected an extended {expected} key, got an extended {got} key")]
    WrongKeyKind {
        /// What the caller asked for ("private" or "public").
        expected: &'static str,
        /// What the string holds.
        got: &'static str,
    },
}

impl From<bip39::Error> for HdError {
    fn from(e: bip39::Error) -> Self {
        match e {
            bip39::Error::BadWordCount(0) => HdError::EmptyMnemonic,
            bip39::Error::BadWordCount(n) => HdError::BadWordCount(n),
            bip39::Error::UnknownWord(i) => HdError::UnknownWord(i),
            bip39::Error::BadEntropyBitCount(n) => HdError::BadEntropyLength(n),
            bip39::Error::InvalidChecksum => HdError::InvalidChecksum,
            bip39::Error::AmbiguousLanguages(langs) => HdError::AmbiguousLanguage(
                langs
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }
}

impl From<bitcoin::bip32::Error> for HdError {
    fn from(e: bitcoin::bip32::Error) -> Self {
        HdError::Derivation(e.to_string())
    }
}
