//! Extended-key version bytes (SLIP-132 and the coins' own conventions).
//!
//! The four version bytes only change how a key is written (`xpub`, `ypub`,
//! `Ltub`...); the key material is the same. SLIP-132 registers the Bitcoin,
//! Bitcoin testnet and Litecoin prefixes; Dogecoin's `dgpv`/`dgub` come from
//! Dogecoin Core and its testnet `tgpv`/`tgub` from bip_utils.

use super::path::Purpose;
use super::slip44::{HdCoin, HdNetwork};
use super::HdError;

/// The private and public version bytes of one extended-key family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyVersions {
    /// Version bytes of the private key (e.g. `xprv`).
    pub private: [u8; 4],
    /// Version bytes of the public key (e.g. `xpub`).
    pub public: [u8; 4],
}

/// One row of the table of known versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionInfo {
    /// The version pair.
    pub versions: KeyVersions,
    /// Base58 prefix of the private key (`"xprv"`).
    pub private_prefix: &'static str,
    /// Base58 prefix of the public key (`"xpub"`).
    pub public_prefix: &'static str,
    /// Whether the family belongs to a test network.
    pub test: bool,
}

/// Builds a pair from two big-endian `u32` versions.
const fn pair(private: u32, public: u32) -> KeyVersions {
    KeyVersions {
        private: private.to_be_bytes(),
        public: public.to_be_bytes(),
    }
}

impl KeyVersions {
    /// Bitcoin mainnet P2PKH/P2SH, and BIP86: `xprv`/`xpub`.
    pub const XPUB: KeyVersions = pair(0x0488_ade4, 0x0488_b21e);
    /// Bitcoin mainnet P2WPKH-in-P2SH (BIP49): `yprv`/`ypub`.
    pub const YPUB: KeyVersions = pair(0x049d_7878, 0x049d_7cb2);
    /// Bitcoin mainnet P2WPKH (BIP84): `zprv`/`zpub`.
    pub const ZPUB: KeyVersions = pair(0x04b2_430c, 0x04b2_4746);
    /// Bitcoin mainnet multisig P2WSH-in-P2SH: `Yprv`/`Ypub`.
    pub const YPUB_MULTISIG: KeyVersions = pair(0x0295_b005, 0x0295_b43f);
    /// Bitcoin mainnet multisig P2WSH: `Zprv`/`Zpub`.
    pub const ZPUB_MULTISIG: KeyVersions = pair(0x02aa_7a99, 0x02aa_7ed3);
    /// Bitcoin testnet P2PKH/P2SH: `tprv`/`tpub`.
    pub const TPUB: KeyVersions = pair(0x0435_8394, 0x0435_87cf);
    /// Bitcoin testnet P2WPKH-in-P2SH: `uprv`/`upub`.
    pub const UPUB: KeyVersions = pair(0x044a_4e28, 0x044a_5262);
    /// Bitcoin testnet P2WPKH: `vprv`/`vpub`.
    pub const VPUB: KeyVersions = pair(0x045f_18bc, 0x045f_1cf6);
    /// Bitcoin testnet multisig P2WSH-in-P2SH: `Uprv`/`Upub`.
    pub const UPUB_MULTISIG: KeyVersions = pair(0x0242_85b5, 0x0242_89ef);
    /// Bitcoin testnet multisig P2WSH: `Vprv`/`Vpub`.
    pub const VPUB_MULTISIG: KeyVersions = pair(0x0257_5048, 0x0257_5483);
    /// Litecoin mainnet P2PKH/P2SH: `Ltpv`/`Ltub`.
    pub const LTUB: KeyVersions = pair(0x019d_9cfe, 0x019d_a462);
    /// Litecoin mainnet P2WPKH-in-P2SH: `Mtpv`/`Mtub`.
    pub const MTUB: KeyVersions = pair(0x01b2_6792, 0x01b2_6ef6);
    /// Litecoin testnet: `ttpv`/`ttub`.
    pub const TTUB: KeyVersions = pair(0x0436_ef7d, 0x0436_f6e1);
    /// Dogecoin mainnet: `dgpv`/`dgub`.
    pub const DGUB: KeyVersions = pair(0x02fa_c398, 0x02fa_cafd);
    /// Dogecoin testnet as bip_utils writes it: `tgpv`/`tgub`.
    pub const TGUB: KeyVersions = pair(0x0432_a243, 0x0432_a9a8);

    /// The versions of a coin's account keys, in the coin's own convention.
    ///
    /// Bitcoin: xpub/ypub/zpub (tpub/upub/vpub on test networks). Litecoin:
    /// Ltub/Mtub/zpub (ttub on test networks). Dogecoin: dgub (tgub). Bitcoin
    /// Cash, Bitcoin SV and Skycoin: xpub (tpub). Purposes 49 and 84 are only
    /// defined for the coins with segwit.
    pub fn for_coin(
        coin: HdCoin,
        network: HdNetwork,
        purpose: Purpose,
    ) -> Result<KeyVersions, HdError> {
        if purpose != Purpose::Bip44 && !coin.has_segwit() {
            return Err(HdError::UnsupportedPurpose {
                coin: coin.symbol(),
                purpose: purpose.number(),
            });
        }
        let test = network.is_test();
        Ok(match (coin, purpose) {
            (HdCoin::Litecoin, _) if test => KeyVersions::TTUB,
            (HdCoin::Litecoin, Purpose::Bip44) => KeyVersions::LTUB,
            (HdCoin::Litecoin, Purpose::Bip49) => KeyVersions::MTUB,
            (HdCoin::Litecoin, Purpose::Bip84) => KeyVersions::ZPUB,
            (HdCoin::Dogecoin, _) if test => KeyVersions::TGUB,
            (HdCoin::Dogecoin, _) => KeyVersions::DGUB,
            (HdCoin::Skycoin, _) => KeyVersions::XPUB,
            _ => KeyVersions::bitcoin(network, purpose),
        })
    }

    /// Bitcoin's versions for a purpose: xpub/ypub/zpub, or tpub/upub/vpub on test networks.
    ///
    /// Wallets often write other coins' keys this way too (bip_utils does for Litecoin).
    pub const fn bitcoin(network: HdNetwork, purpose: Purpose) -> KeyVersions {
        match (network.is_test(), purpose) {
            (false, Purpose::Bip44) => KeyVersions::XPUB,
            (false, Purpose::Bip49) => KeyVersions::YPUB,
            (false, Purpose::Bip84) => KeyVersions::ZPUB,
            (true, Purpose::Bip44) => KeyVersions::TPUB,
            (true, Purpose::Bip49) => KeyVersions::UPUB,
            (true, Purpose::Bip84) => KeyVersions::VPUB,
        }
    }

    /// The table row of these versions, if they are known.
    pub fn info(self) -> Option<&'static VersionInfo> {
        KNOWN_VERSIONS.iter().find(|v| v.versions == self)
    }
}

/// Builds one row of [`KNOWN_VERSIONS`].
const fn row(
    versions: KeyVersions,
    private_prefix: &'static str,
    public_prefix: &'static str,
    test: bool,
) -> VersionInfo {
    VersionInfo {
        versions,
        private_prefix,
        public_prefix,
        test,
    }
}

/// Every version family the parser accepts.
pub const KNOWN_VERSIONS: &[VersionInfo] = &[
    row(KeyVersions::XPUB, "xprv", "xpub", false),
    row(KeyVersions::YPUB, "yprv", "ypub", false),
    row(KeyVersions::ZPUB, "zprv", "zpub", false),
    row(KeyVersions::YPUB_MULTISIG, "Yprv", "Ypub", false),
    row(KeyVersions::ZPUB_MULTISIG, "Zprv", "Zpub", false),
    row(KeyVersions::TPUB, "tprv", "tpub", true),
    row(KeyVersions::UPUB, "uprv", "upub", true),
    row(KeyVersions::VPUB, "vprv", "vpub", true),
    row(KeyVersions::UPUB_MULTISIG, "Uprv", "Upub", true),
    row(KeyVersions::VPUB_MULTISIG, "Vprv", "Vpub", true),
    row(KeyVersions::LTUB, "Ltpv", "Ltub", false),
    row(KeyVersions::MTUB, "Mtpv", "Mtub", false),
    row(KeyVersions::TTUB, "ttpv", "ttub", true),
    row(KeyVersions::DGUB, "dgpv", "dgub", false),
    row(KeyVersions::TGUB, "tgpv", "tgub", true),
];

/// Looks up 4 version bytes: the table row and whether they are the private half.
pub fn lookup_version(bytes: [u8; 4]) -> Option<(&'static VersionInfo, bool)> {
    KNOWN_VERSIONS.iter().find_map(|v| {
        if v.versions.private == bytes {
            Some((v, true))
        } else if v.versions.public == bytes {
            Some((v, false))
        } else {
            None
        }
    })
}
