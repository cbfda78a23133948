//! The secrets object that is encrypted into `meta.secrets`
//! (`src/wallet/secrets.go`): a JSON object of strings — `seed`,
//! `lastSeed`, `seedPassphrase`, `bip44AccountPrivateKey-<i>`, and one
//! `"<address>": "<secret key>"` per entry — serialized as Go's
//! `json.Marshal` of a map (keys sorted).

use std::collections::BTreeMap;

use zeroize::{Zeroize, Zeroizing};

use super::{gojson, WalletError};

/// Secrets key of the seed.
pub const SECRET_SEED: &str = "seed";
/// Secrets key of the last seed.
pub const SECRET_LAST_SEED: &str = "lastSeed";
/// Secrets key of the seed passphrase.
pub const SECRET_SEED_PASSPHRASE: &str = "seedPassphrase";

/// The clear secrets of a wallet; values are wiped on drop.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Secrets(pub BTreeMap<String, String>);

impl Drop for Secrets {
    fn drop(&mut self) {
        for v in self.0.values_mut() {
            v.zeroize();
        }
    }
}

impl std::fmt::Debug for Secrets {
    /// Lists the keys only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        if let Some(mut old) = self.0.insert(key.into(), value.into()) {
            old.zeroize();
        }
    }

    /// The JSON bytes that get encrypted (Go's `json.Marshal` of the map).
    pub fn serialize(&self) -> Result<Zeroizing<Vec<u8>>, WalletError> {
        gojson::to_vec_compact(&self.0)
            .map(Zeroizing::new)
            .map_err(|e| WalletError::InvalidSecrets(e.to_string()))
    }

    /// Parses decrypted JSON bytes.
    pub fn deserialize(b: &[u8]) -> Result<Secrets, WalletError> {
        serde_json::from_slice::<BTreeMap<String, String>>(b)
            .map(Secrets)
            .map_err(|e| WalletError::InvalidSecrets(e.to_string()))
    }
}
