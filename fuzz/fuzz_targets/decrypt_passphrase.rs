//! Arbitrary base64-ish text under the article's key, and arbitrary
//! passphrases: a value or a typed error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::cipher;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = cipher::passphrase_decrypt(&text, b"2B7E151628AED2A6ABF7158809CF4F3C");
    if let Some((pass, rest)) = data.split_first() {
        let split = (*pass as usize).min(rest.len());
        let (passphrase, ciphertext) = rest.split_at(split);
        let _ = cipher::passphrase_decrypt(&String::from_utf8_lossy(ciphertext), passphrase);
    }
});
