//! Derivation paths: generic BIP32 path strings and the five-level
//! BIP44/49/84 path `m/purpose'/coin_type'/account'/change/index`.
//!
//! Path strings accept `'`, `h` or `H` as the hardened marker and are always
//! displayed with `'`.

use std::fmt;
use std::str::FromStr;

use bitcoin::bip32::{ChildNumber, DerivationPath};

use super::HdError;

/// First hardened index (2^31).
pub const HARDENED: u32 = 0x8000_0000;

/// The BIP purpose level of a path, which fixes the script type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// BIP44: legacy pay-to-public-key-hash.
    Bip44,
    /// BIP49: P2WPKH nested in P2SH.
    Bip49,
    /// BIP84: native P2WPKH.
    Bip84,
}

impl Purpose {
    /// The purpose number (44, 49 or 84).
    pub const fn number(self) -> u32 {
        match self {
            Purpose::Bip44 => 44,
            Purpose::Bip49 => 49,
            Purpose::Bip84 => 84,
        }
    }

    /// The purpose of a number (44, 49 or 84).
    pub const fn from_number(n: u32) -> Result<Purpose, HdError> {
        match n {
            44 => Ok(Purpose::Bip44),
            49 => Ok(Purpose::Bip49),
            84 => Ok(Purpose::Bip84),
            _ => Err(HdError::UnknownPurpose(n)),
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BIP{}", self.number())
    }
}

/// A full BIP44/49/84 path `m/purpose'/coin_type'/account'/change/index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HdPath {
    /// Purpose level (hardened).
    pub purpose: Purpose,
    /// SLIP-44 coin type (hardened, below 2^31).
    pub coin_type: u32,
    /// Account number (hardened, below 2^31).
    pub account: u32,
    /// Chain: 0 external (receive), 1 internal (change); below 2^31.
    pub change: u32,
    /// Address index, below 2^31.
    pub index: u32,
}

impl HdPath {
    /// Builds a path, checking that every level is below 2^31.
    pub fn new(
        purpose: Purpose,
        coin_type: u32,
        account: u32,
        change: u32,
        index: u32,
    ) -> Result<HdPath, HdError> {
        check_index("coin type", coin_type)?;
        check_index("account", account)?;
        check_index("change", change)?;
        check_index("address index", index)?;
        Ok(HdPath {
            purpose,
            coin_type,
            account,
            change,
            index,
        })
    }

    /// The account-level path `m/purpose'/coin_type'/account'`.
    pub fn account_path(&self) -> Result<DerivationPath, HdError> {
        account_path(self.purpose, self.coin_type, self.account)
    }

    /// The full BIP32 derivation path.
    pub fn to_derivation_path(&self) -> Result<DerivationPath, HdError> {
        Ok(self.account_path()?.extend([
            normal(self.change, "change")?,
            normal(self.index, "address index")?,
        ]))
    }
}

impl fmt::Display for HdPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "m/{}'/{}'/{}'/{}/{}",
            self.purpose.number(),
            self.coin_type,
            self.account,
            self.change,
            self.index
        )
    }
}

impl FromStr for HdPath {
    type Err = HdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let path = parse_derivation_path(s)?;
        let levels: Vec<ChildNumber> = path.into_iter().copied().collect();
        let [purpose, coin, account, change, index] = levels[..] else {
            return Err(HdError::WrongPathDepth(levels.len()));
        };
        let purpose = Purpose::from_number(hardened_value(purpose, "purpose")?)?;
        HdPath::new(
            purpose,
            hardened_value(coin, "coin type")?,
            hardened_value(account, "account")?,
            normal_value(change, "change")?,
            normal_value(index, "address index")?,
        )
    }
}

/// The account-level path `m/purpose'/coin_type'/account'`.
pub fn account_path(
    purpose: Purpose,
    coin_type: u32,
    account: u32,
) -> Result<DerivationPath, HdError> {
    Ok(DerivationPath::from(vec![
        hardened(purpose.number(), "purpose")?,
        hardened(coin_type, "coin type")?,
        hardened(account, "account")?,
    ]))
}

/// Parses a BIP32 path string such as `m/44'/0'/0'/0/1`, `m/0H/1` or `m`.
pub fn parse_derivation_path(s: &str) -> Result<DerivationPath, HdError> {
    let mut parts = s.split('/');
    if parts.next() != Some("m") {
        return Err(HdError::PathMissingRoot);
    }
    let mut children = Vec::new();
    for part in parts {
        children.push(parse_component(part)?);
    }
    Ok(DerivationPath::from(children))
}

/// Formats a BIP32 path as `m/44'/0'/0'/0/1` (hardened levels marked with `'`).
pub fn format_derivation_path(path: &DerivationPath) -> String {
    let mut out = String::from("m");
    for child in path {
        match *child {
            ChildNumber::Normal { index } => out.push_str(&format!("/{index}")),
            ChildNumber::Hardened { index } => out.push_str(&format!("/{index}'")),
        }
    }
    out
}

/// One path component: decimal digits, optionally followed by `'`, `h` or `H`.
fn parse_component(part: &str) -> Result<ChildNumber, HdError> {
    let bad = || HdError::InvalidPathComponent(part.to_owned());
    let (digits, is_hardened) = match part.strip_suffix(['\'', 'h', 'H']) {
        Some(d) => (d, true),
        None => (part, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let value: u32 = digits.parse().map_err(|_| bad())?;
    if value >= HARDENED {
        return Err(bad());
    }
    Ok(if is_hardened {
        ChildNumber::Hardened { index: value }
    } else {
        ChildNumber::Normal { index: value }
    })
}

/// Fails unless `value` is below 2^31.
pub(crate) fn check_index(what: &'static str, value: u32) -> Result<(), HdError> {
    if value >= HARDENED {
        return Err(HdError::IndexOutOfRange {
            what,
            value: value.into(),
        });
    }
    Ok(())
}

/// Hardened child number of `value`.
pub(crate) fn hardened(value: u32, what: &'static str) -> Result<ChildNumber, HdError> {
    check_index(what, value)?;
    Ok(ChildNumber::Hardened { index: value })
}

/// Non-hardened child number of `value`.
pub(crate) fn normal(value: u32, what: &'static str) -> Result<ChildNumber, HdError> {
    check_index(what, value)?;
    Ok(ChildNumber::Normal { index: value })
}

/// The index of a level that must be hardened.
fn hardened_value(c: ChildNumber, level: &'static str) -> Result<u32, HdError> {
    match c {
        ChildNumber::Hardened { index } => Ok(index),
        ChildNumber::Normal { .. } => Err(HdError::WrongHardening {
            level,
            hardened: true,
        }),
    }
}

/// The index of a level that must not be hardened.
fn normal_value(c: ChildNumber, level: &'static str) -> Result<u32, HdError> {
    match c {
        ChildNumber::Normal { index } => Ok(index),
        ChildNumber::Hardened { .. } => Err(HdError::WrongHardening {
            level,
            hardened: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        let p: HdPath = "m/44'/0'/0'/0/1".parse().unwrap();
        assert_eq!(p, HdPath::new(Purpose::Bip44, 0, 0, 0, 1).unwrap());
        assert_eq!(p.to_string(), "m/44'/0'/0'/0/1");
        let h: HdPath = "m/84h/1H/2'/1/7".parse().unwrap();
        assert_eq!(h.to_string(), "m/84'/1'/2'/1/7");
        assert_eq!(
            format_derivation_path(&h.to_derivation_path().unwrap()),
            "m/84'/1'/2'/1/7"
        );
        assert_eq!(
            format_derivation_path(&parse_derivation_path("m").unwrap()),
            "m"
        );
    }

    #[test]
    fn rejects_bad_paths() {
        use HdError::*;
        let err = |s: &str| s.parse::<HdPath>().unwrap_err();
        assert_eq!(err("44'/0'/0'/0/1"), PathMissingRoot);
        assert_eq!(err("m/44'/0'/0'/0"), WrongPathDepth(4));
        assert_eq!(err("m/45'/0'/0'/0/0"), UnknownPurpose(45));
        assert_eq!(
            err("m/44/0'/0'/0/0"),
            WrongHardening {
                level: "purpose",
                hardened: true
            }
        );
        assert_eq!(
            err("m/44'/0'/0'/0'/0"),
            WrongHardening {
                level: "change",
                hardened: false
            }
        );
        assert_eq!(
            err("m/44'/0'/0'/0/2147483648"),
            InvalidPathComponent("2147483648".into())
        );
        assert_eq!(err("m/44'/0'/0'/0/"), InvalidPathComponent(String::new()));
        assert_eq!(err("m/44'/0'/0'/0/+1"), InvalidPathComponent("+1".into()));
        assert_eq!(err("m/44'/0'/0'/0/1''"), InvalidPathComponent("1''".into()));
        assert!(HdPath::new(Purpose::Bip44, HARDENED, 0, 0, 0).is_err());
    }
}
