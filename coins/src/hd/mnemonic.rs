//! BIP39 mnemonics: parsing with language detection, validation, seeds and
//! creation from caller-supplied entropy.
//!
//! Word lists and checksums come from the `bip39` crate (English, Simplified and
//! Traditional Chinese, Czech, French, Italian, Japanese, Korean, Portuguese,
//! Spanish). The seed is PBKDF2-HMAC-SHA512 of the NFKD-normalised sentence,
//! salted with `"mnemonic"` + the NFKD-normalised passphrase, 2048 rounds.

use std::borrow::Cow;

use bitcoin::hashes::{hmac, sha512, Hash, HashEngine};

/// BIP39 languages and the parsed mnemonic type of the `bip39` crate.
///
/// Use [`mnemonic_entropy`] rather than `Mnemonic::to_entropy`: the latter
/// detects the language again and panics on sentences whose words belong to
/// several lists.
pub use bip39::{Language, Mnemonic};

use super::HdError;

/// PBKDF2 iteration count fixed by BIP39.
pub const PBKDF2_ROUNDS: u32 = 2048;

/// Parses and validates a mnemonic, detecting its language (NFKD-normalised first).
///
/// When every word belongs to several lists (English and French share 100
/// words), the first language whose checksum matches is taken; the seed is the
/// same in every case since it only depends on the text.
pub fn parse_mnemonic(phrase: &str) -> Result<Mnemonic, HdError> {
    let normalized = nfkd(phrase);
    check_word_count(&normalized)?;
    match Mnemonic::language_of(&normalized) {
        Ok(language) => Ok(Mnemonic::parse_in_normalized(language, &normalized)?),
        Err(bip39::Error::AmbiguousLanguages(candidates)) => {
            let mut first_error = None;
            for language in candidates.iter() {
                match Mnemonic::parse_in_normalized(language, &normalized) {
                    Ok(m) => return Ok(m),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            Err(first_error
                .unwrap_or(bip39::Error::AmbiguousLanguages(candidates))
                .into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Fails unless the sentence has 12, 15, 18, 21 or 24 words.
fn check_word_count(phrase: &str) -> Result<(), HdError> {
    match phrase.split_whitespace().count() {
        0 => Err(HdError::EmptyMnemonic),
        12 | 15 | 18 | 21 | 24 => Ok(()),
        n => Err(HdError::BadWordCount(n)),
    }
}

/// Parses and validates a mnemonic in a given language (NFKD-normalised first).
pub fn parse_mnemonic_in(language: Language, phrase: &str) -> Result<Mnemonic, HdError> {
    let normalized = nfkd(phrase);
    check_word_count(&normalized)?;
    Ok(Mnemonic::parse_in_normalized(language, &normalized)?)
}

/// Checks a mnemonic (words and checksum) and returns its detected language.
pub fn validate_mnemonic(phrase: &str) -> Result<Language, HdError> {
    parse_mnemonic(phrase).map(|m| m.language())
}

/// Builds the mnemonic of 16, 20, 24, 28 or 32 bytes of entropy in a language.
pub fn mnemonic_from_entropy(language: Language, entropy: &[u8]) -> Result<Mnemonic, HdError> {
    Ok(Mnemonic::from_entropy_in(language, entropy)?)
}

/// The entropy a mnemonic encodes (16 to 32 bytes), without re-detecting its language.
pub fn mnemonic_entropy(mnemonic: &Mnemonic) -> Vec<u8> {
    let mut out = Vec::with_capacity(33);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for index in mnemonic.word_indices() {
        // Each word carries 11 bits; `index` is below 2048.
        acc = (acc << 11) | (index as u32 & 0x7ff);
        bits += 11;
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // The last word_count / 3 bits are the checksum, not entropy.
    out.truncate(mnemonic.word_count() / 3 * 4);
    out
}

/// Validates a mnemonic (any supported language) and returns its 64-byte BIP39 seed.
pub fn seed_from_mnemonic(mnemonic: &str, passphrase: &str) -> Result<[u8; 64], HdError> {
    Ok(parse_mnemonic(mnemonic)?.to_seed(passphrase))
}

/// BIP39 seed of a sentence without checking words or checksum.
///
/// For sentences made from word lists this crate does not ship (for example the
/// Russian and Turkish lists of python-mnemonic): the seed only depends on the
/// NFKD-normalised text, so it is still the standard BIP39 seed. Prefer
/// [`seed_from_mnemonic`], which catches typos.
pub fn seed_from_phrase_unchecked(phrase: &str, passphrase: &str) -> [u8; 64] {
    let words: Vec<String> = phrase.split_whitespace().map(nfkd).collect();
    let sentence = words.join(" ");
    let mut salt = String::from("mnemonic");
    salt.push_str(&nfkd(passphrase));
    pbkdf2_hmac_sha512_64(sentence.as_bytes(), salt.as_bytes(), PBKDF2_ROUNDS)
}

/// The language of a python-mnemonic / BIP39 word-list name (`"english"`, `"chinese_simplified"`...).
pub fn language_from_name(name: &str) -> Option<Language> {
    let lang = match name.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
        "english" | "en" => Language::English,
        "chinese_simplified" | "zh_hans" => Language::SimplifiedChinese,
        "chinese_traditional" | "zh_hant" => Language::TraditionalChinese,
        "czech" | "cs" => Language::Czech,
        "french" | "fr" => Language::French,
        "italian" | "it" => Language::Italian,
        "japanese" | "ja" => Language::Japanese,
        "korean" | "ko" => Language::Korean,
        "portuguese" | "pt" => Language::Portuguese,
        "spanish" | "es" => Language::Spanish,
        _ => return None,
    };
    Some(lang)
}

/// NFKD form of a string.
fn nfkd(s: &str) -> String {
    let mut cow = Cow::Borrowed(s);
    Mnemonic::normalize_utf8_cow(&mut cow);
    cow.into_owned()
}

/// PBKDF2-HMAC-SHA512 with a 64-byte output (a single block, RFC 8018 §5.2).
fn pbkdf2_hmac_sha512_64(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 64] {
    let mut engine = hmac::HmacEngine::<sha512::Hash>::new(password);
    engine.input(salt);
    engine.input(&1u32.to_be_bytes());
    let mut u = hmac::Hmac::<sha512::Hash>::from_engine(engine).to_byte_array();
    let mut out = u;
    for _ in 1..rounds {
        let mut engine = hmac::HmacEngine::<sha512::Hash>::new(password);
        engine.input(&u);
        u = hmac::Hmac::<sha512::Hash>::from_engine(engine).to_byte_array();
        for (o, b) in out.iter_mut().zip(u.iter()) {
            *o ^= b;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchecked_seed_equals_checked_seed() {
        let phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        let checked = seed_from_mnemonic(phrase, "TREZOR").unwrap();
        assert_eq!(seed_from_phrase_unchecked(phrase, "TREZOR"), checked);
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(seed_from_mnemonic("  ", ""), Err(HdError::EmptyMnemonic));
        assert_eq!(
            seed_from_mnemonic("abandon abandon abandon", ""),
            Err(HdError::BadWordCount(3))
        );
        let bad_checksum = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
        assert_eq!(
            seed_from_mnemonic(bad_checksum, ""),
            Err(HdError::InvalidChecksum)
        );
        let unknown = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon zzzz";
        assert_eq!(
            seed_from_mnemonic(unknown, ""),
            Err(HdError::UnknownWord(11))
        );
        assert_eq!(
            mnemonic_from_entropy(Language::English, &[0u8; 15]).map(|m| m.to_string()),
            Err(HdError::BadEntropyLength(120))
        );
    }

    #[test]
    fn words_shared_by_two_lists() {
        // Every word is in both the English and the French list; the checksum
        // is valid in English.
        let phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon angle";
        assert!(matches!(
            Mnemonic::language_of(phrase),
            Err(bip39::Error::AmbiguousLanguages(_))
        ));
        assert_eq!(
            seed_from_mnemonic(phrase, "x"),
            Ok(seed_from_phrase_unchecked(phrase, "x"))
        );
        let bad = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon amateur";
        assert_eq!(seed_from_mnemonic(bad, ""), Err(HdError::InvalidChecksum));
    }

    #[test]
    fn language_names() {
        assert_eq!(language_from_name("english"), Some(Language::English));
        assert_eq!(
            language_from_name("chinese_traditional"),
            Some(Language::TraditionalChinese)
        );
        assert_eq!(language_from_name("russian"), None);
    }
}
