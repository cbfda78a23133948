//! Skycoin `.wlt` wallet files (`coins/src/sky/wallet/`): any bytes load as
//! a validated wallet or give an error. A loaded wallet writes back to text
//! that loads as the same wallet; its keys are re-derived and checked;
//! wallets under the cheap legacy cipher are unlocked with the test vectors'
//! password `pwd` (scrypt wallets are not: their cost is the point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use skyx_coins::sky::wallet::{parse_wallet, CryptoType, Secrets, Wallet};
// Links the harness's allocation limit.
use skyx_fuzz as _;

fuzz_target!(|data: &[u8]| {
    let _ = Secrets::deserialize(data);
    let Ok(wallet) = parse_wallet(data) else {
        return;
    };
    check(&wallet);
    if wallet.is_encrypted() && wallet.crypto_type() == Some(CryptoType::Sha256Xor) {
        if let Ok(clear) = wallet.unlock(b"pwd") {
            check(&clear);
        }
    }
});

fn check(wallet: &Wallet) {
    let _ = wallet.summary();
    let _ = wallet.fingerprint();
    let _ = wallet.verify_keys();
    let text = wallet
        .to_json()
        .unwrap_or_else(|e| panic!("a loaded wallet does not write: {e}"));
    let again = parse_wallet(text.as_bytes())
        .unwrap_or_else(|e| panic!("a written wallet does not load: {e}\n{text}"));
    assert_eq!(&again, wallet, "the written wallet loads differently");
    if !wallet.is_encrypted() {
        let mut more = wallet.clone();
        if more.generate_addresses(2).is_ok() {
            let text = more
                .to_json()
                .unwrap_or_else(|e| panic!("a grown wallet does not write: {e}"));
            if let Err(e) = parse_wallet(text.as_bytes()) {
                panic!("a grown wallet does not load: {e}\n{text}");
            }
        }
    }
}
