//! The keys of a synthetic chain, all derived from the seed text with
//! Skycoin's deterministic key chain: the wallet keys are exactly the
//! addresses of a Skycoin deterministic wallet created from the seed, and the
//! block publisher key is the first key of a separate, derived seed.

use skyx_coins::sky::address::Address;
use skyx_coins::sky::keys::{next_key, KeyChain, KeyError, KeyPair};

/// Text appended to the seed to derive the block publisher's key.
const PUBLISHER_SUFFIX: &str = " block publisher";

/// The key that signs every block of the chain.
pub fn publisher_key(seed: &str) -> KeyPair {
    next_key(format!("{seed}{PUBLISHER_SUFFIX}").as_bytes()).1
}

/// The wallet key chain: key `i` is the seed's deterministic wallet key `i`.
pub fn wallet_chain(seed: &str) -> Result<KeyChain, KeyError> {
    KeyChain::new(seed.as_bytes())
}

/// The address that receives the genesis coins: the first wallet key's.
pub fn genesis_address(seed: &str) -> Address {
    Address::from_pubkey(&next_key(seed.as_bytes()).1.public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_address_is_the_first_wallet_key() {
        let mut chain = wallet_chain("abc").unwrap();
        let first = chain.next().unwrap();
        assert_eq!(genesis_address("abc"), Address::from_pubkey(&first.public));
        assert_ne!(publisher_key("abc").public, first.public);
        assert_eq!(publisher_key("abc"), publisher_key("abc"));
        assert!(wallet_chain("").is_err());
    }
}
