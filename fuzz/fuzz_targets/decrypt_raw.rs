//! The raw-key format: arbitrary key text, IV text and ciphertext text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::cipher::{self, RawKey};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '|');
    let (key, iv, body) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let Ok(key) = RawKey::from_hex(key) {
        let _ = cipher::raw_decrypt(&key, iv, body);
    }
    if let Ok(key) = RawKey::from_hex("2B7E151628AED2A6ABF7158809CF4F3C") {
        let _ = cipher::raw_decrypt(&key, iv, body);
        let _ = cipher::raw_decrypt(&key, "AAAAAAAAAAAAAAAAAAAAAA==", &text);
    }
});
