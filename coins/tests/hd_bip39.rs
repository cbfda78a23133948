//! BIP39 against the published vectors.
//!
//! Vector files read (under `shared/vectors`, or `$SKYX_VECTORS`):
//! * `bip/bip39-vectors.json` — all 288 vectors of the 12 languages
//!   (entropy → mnemonic, mnemonic + "TREZOR" → seed, seed → master xprv)
//! * `bip/bip39-english.txt` — the official English word list

mod hd_support;

use bip39::Language;
use hd_support::{nfkd, read_json, read_text, unhex};
use skyx_coins::hd::mnemonic::language_from_name;
use skyx_coins::hd::{
    encode_xpriv, master_key, mnemonic::parse_mnemonic_in, mnemonic_entropy, mnemonic_from_entropy,
    parse_mnemonic, seed_from_mnemonic, seed_from_phrase_unchecked, validate_mnemonic, KeyVersions,
};

/// Languages of python-mnemonic that the `bip39` crate does not ship.
const NOT_IN_CRATE: [&str; 2] = ["russian", "turkish"];

#[test]
fn hd_english_word_list_matches_the_crate() {
    let text = read_text("bip/bip39-english.txt");
    let words: Vec<&str> = text.lines().collect();
    assert_eq!(words.len(), 2048);
    assert_eq!(&words[..], &Language::English.word_list()[..]);
}

#[test]
fn hd_all_bip39_vectors() {
    let doc = read_json("bip/bip39-vectors.json");
    let langs = doc.as_object().expect("bip39-vectors.json is an object");
    assert_eq!(langs.len(), 12, "expected 12 languages");
    let mut vectors = 0;
    let mut checks = 0;
    let mut shared = 0;
    for (name, list) in langs {
        let language = language_from_name(name);
        if language.is_none() {
            assert!(
                NOT_IN_CRATE.contains(&name.as_str()),
                "language {name} of the vectors is unknown"
            );
        }
        let list = list.as_array().expect("language entry is an array");
        assert_eq!(list.len(), 24, "{name}: expected 24 vectors");
        for v in list {
            let [entropy, mnemonic, seed, xprv] = [0, 1, 2, 3].map(|i| {
                v[i].as_str()
                    .unwrap_or_else(|| panic!("{name}: vector field {i} missing in {v}"))
            });
            let seed = unhex(seed);
            match language {
                Some(lang) => {
                    let ours = mnemonic_from_entropy(lang, &unhex(entropy)).unwrap();
                    assert_eq!(nfkd(&ours.to_string()), nfkd(mnemonic), "{name} {entropy}");
                    let parsed = parse_mnemonic(mnemonic).unwrap();
                    assert_eq!(
                        mnemonic_entropy(&parsed),
                        unhex(entropy),
                        "{name} {entropy}"
                    );
                    // Some sentences are valid in two lists (Simplified and
                    // Traditional Chinese share characters); the text, and so the
                    // seed, is the same whichever list is reported.
                    let detected = validate_mnemonic(mnemonic).unwrap();
                    assert!(
                        parse_mnemonic_in(lang, mnemonic).is_ok(),
                        "{name} {entropy}"
                    );
                    if detected != lang {
                        let words = nfkd(mnemonic);
                        let in_both = words.split_whitespace().all(|w| {
                            lang.find_word(w).is_some() && detected.find_word(w).is_some()
                        });
                        assert!(in_both, "{name} {entropy}: detected {detected:?}");
                        shared += 1;
                    }
                    let got = seed_from_mnemonic(mnemonic, "TREZOR").unwrap();
                    assert_eq!(got.to_vec(), seed, "{name} {entropy} seed");
                    checks += 4;
                }
                None => {
                    // No word list: the sentence cannot be validated, but the
                    // seed only depends on its text.
                    assert!(parse_mnemonic(mnemonic).is_err(), "{name} {entropy}");
                    checks += 1;
                }
            }
            let unchecked = seed_from_phrase_unchecked(mnemonic, "TREZOR");
            assert_eq!(unchecked.to_vec(), seed, "{name} {entropy} unchecked seed");
            let master = master_key(&seed).unwrap();
            assert_eq!(
                encode_xpriv(&master, KeyVersions::XPUB),
                xprv,
                "{name} {entropy}"
            );
            checks += 2;
            vectors += 1;
        }
    }
    assert_eq!(vectors, 288);
    eprintln!("bip39: {vectors} vectors, {checks} checks, {shared} valid in two lists");
}
