//! Property tests: round trips over arbitrary bytes, passphrases and keys,
//! and "no input makes it panic" over arbitrary text and bytes. Native only
//! (proptest is a native dev-dependency); `tests/wasm.rs` covers the
//! WebAssembly boundary.
//!
//! Case counts are kept moderate so the file runs in a few seconds in a debug
//! build; `PROPTEST_CASES=10000 cargo test --test properties` digs deeper.
#![cfg(not(target_arch = "wasm32"))]

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value};
use wsn_crypto::cipher::{self, RawKey, BLOCK_LEN, MAX_CIPHERTEXT_CHARS};
use wsn_crypto::envelope::{self, BodyFields, Format, Request, Sealed};
use wsn_crypto::sequence::{self, Policy, MAX_SEQN};
use wsn_crypto::{encoding, kdf, Error};

mod common;
use common::{open_message, taken_seqn};

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    encoding::BASE64.encode(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn config(cases: u32) -> ProptestConfig {
    // PROPTEST_CASES, when set, overrides the per-block counts.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

/// Passphrases as people and devices type them: empty, ASCII, any Unicode
/// scalar (emoji, CJK, combining marks, NUL), short and long.
fn passphrase() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ -~]{1,64}",
        any::<String>(),
        vec(any::<char>(), 1..200).prop_map(|chars| chars.into_iter().collect()),
    ]
}

fn raw_key_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 16), vec(any::<u8>(), 24), vec(any::<u8>(), 32)]
}

fn plaintext() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..64), vec(any::<u8>(), 0..1100)]
}

/// Text that looks more or less like a ciphertext: base64 alphabets, the
/// `Salted__` prefix, whitespace and stray characters.
fn ciphertext_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9+/=]{0,200}",
        "U2FsdGVkX1[A-Za-z0-9+/=\\-_ \r\n\t]{0,200}",
        "[A-Za-z0-9+/=\u{0}-\u{7f}é€😀]{0,80}",
    ]
}

/// `Salted__` + salt + whole blocks of random bytes: passes every outer check,
/// so the padding and everything after it see arbitrary data.
fn well_framed_ciphertext() -> impl Strategy<Value = String> {
    (any::<[u8; 8]>(), 1usize..8).prop_flat_map(|(salt, blocks)| {
        vec(any::<u8>(), blocks * BLOCK_LEN).prop_map(move |body| {
            let mut framed = b"Salted__".to_vec();
            framed.extend_from_slice(&salt);
            framed.extend_from_slice(&body);
            b64(&framed)
        })
    })
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0..=MAX_SEQN).prop_map(Value::from),
        // Short decimals, as sensors send them, and any finite double (up to
        // 17 significant digits, as JavaScript writes them).
        (-999_999_999_999_999i64..1_000_000_000_000_000, 0u32..6)
            .prop_map(|(n, scale)| Value::from(n as f64 / 10f64.powi(scale as i32 + 1))),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ]
}

fn json_message() -> impl Strategy<Value = Map<String, Value>> {
    let value = json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    (proptest::collection::btree_map("[a-zA-Z_]{1,8}|.{0,8}", value, 0..5), 0..=MAX_SEQN).prop_map(|(fields, seqn)| {
        let mut message: Map<String, Value> = fields.into_iter().collect();
        message.insert("SEQN".to_string(), Value::from(seqn));
        message
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn passphrase_round_trip_with_a_fixed_salt(plain in plaintext(), passphrase in passphrase(), salt in any::<[u8; 8]>()) {
        let ciphertext = cipher::passphrase_encrypt_with_salt(&plain, passphrase.as_bytes(), &salt);
        prop_assert!(ciphertext.starts_with("U2FsdGVkX1"));
        let framed = encoding::decode_base64(&ciphertext).expect("our own base64");
        prop_assert_eq!(&framed[8..16], &salt[..]);
        prop_assert_eq!(framed.len(), 16 + (plain.len() / BLOCK_LEN + 1) * BLOCK_LEN);
        let back = cipher::passphrase_decrypt(&ciphertext, passphrase.as_bytes()).expect("round trip");
        prop_assert_eq!(back.as_slice(), plain.as_slice());
    }

    #[test]
    fn passphrase_round_trip_with_a_random_salt(plain in plaintext(), passphrase in passphrase()) {
        let ciphertext = cipher::passphrase_encrypt(&plain, passphrase.as_bytes()).expect("encrypt");
        let back = cipher::passphrase_decrypt(&ciphertext, passphrase.as_bytes()).expect("round trip");
        prop_assert_eq!(back.as_slice(), plain.as_slice());
    }

    #[test]
    fn passphrase_round_trip_survives_line_breaks(plain in plaintext(), passphrase in passphrase(), width in 1usize..80) {
        // openssl wraps at 64; any wrapping (and CRLF) must read the same.
        let ciphertext = cipher::passphrase_encrypt(&plain, passphrase.as_bytes()).expect("encrypt");
        let wrapped: String = ciphertext
            .as_bytes()
            .chunks(width)
            .map(|line| core::str::from_utf8(line).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let back = cipher::passphrase_decrypt(&wrapped, passphrase.as_bytes()).expect("wrapped round trip");
        prop_assert_eq!(back.as_slice(), plain.as_slice());
    }

    #[test]
    fn passphrase_wrong_key_never_gives_the_plaintext(plain in plaintext(), passphrase in passphrase(), other in passphrase()) {
        prop_assume!(passphrase != other);
        let ciphertext = cipher::passphrase_encrypt(&plain, passphrase.as_bytes()).expect("encrypt");
        match cipher::passphrase_decrypt(&ciphertext, other.as_bytes()) {
            Err(Error::CannotDecrypt) => {}
            Ok(garbage) => prop_assert_ne!(garbage.as_slice(), plain.as_slice()),
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn evp_bytes_to_key_is_deterministic_and_salted(passphrase in passphrase(), salt in any::<[u8; 8]>(), other in any::<[u8; 8]>()) {
        let first = kdf::evp_bytes_to_key(passphrase.as_bytes(), &salt);
        let again = kdf::evp_bytes_to_key(passphrase.as_bytes(), &salt);
        prop_assert_eq!((first.key(), first.iv()), (again.key(), again.iv()));
        prop_assert_eq!((first.key().len(), first.iv().len()), (32, 16));
        if salt != other {
            let resalted = kdf::evp_bytes_to_key(passphrase.as_bytes(), &other);
            prop_assert_ne!(first.key(), resalted.key());
        }
    }

    #[test]
    fn raw_round_trip(plain in plaintext(), key in raw_key_bytes(), iv in any::<[u8; 16]>(), upper in any::<bool>()) {
        let key_hex = if upper { hex(&key).to_uppercase() } else { hex(&key) };
        let raw_key = RawKey::from_hex(&key_hex).expect("valid hex key");
        let data = cipher::cbc_encrypt(&raw_key, &iv, &plain);
        prop_assert_eq!(data.len(), (plain.len() / BLOCK_LEN + 1) * BLOCK_LEN);
        let back = cipher::cbc_decrypt(&raw_key, &iv, &data).expect("round trip");
        prop_assert_eq!(back.as_slice(), plain.as_slice());
        let via_bytes = cipher::cbc_decrypt(&RawKey::from_bytes(&key).expect("key"), &iv, &data).expect("same key");
        prop_assert_eq!(via_bytes.as_slice(), plain.as_slice());

        let (random_iv, data) = cipher::raw_encrypt(&raw_key, &plain).expect("encrypt");
        let back = cipher::raw_decrypt(&raw_key, &b64(&random_iv), &b64(&data)).expect("round trip");
        prop_assert_eq!(back.as_slice(), plain.as_slice());
    }

    #[test]
    fn envelope_round_trip(message in json_message(), passphrase in passphrase(), key in raw_key_bytes()) {
        let json_text = serde_json::to_string(&message).expect("JSON");
        let cases = [(passphrase.clone(), Format::Passphrase), (hex(&key), Format::Raw)];
        for (key, format) in cases {
            let sealed = envelope::seal(&json_text, &key, format);
            if key.is_empty() {
                prop_assert_eq!(sealed, Err(Error::BadKey));
                continue;
            }
            let sealed = sealed.expect("seal");
            let request = match &sealed {
                Sealed::Passphrase(msg) => Request::Passphrase { msg },
                Sealed::Raw { iv, data } => Request::Raw { iv, data },
            };
            prop_assert_eq!(request.format(), format);
            let opened = open_message(&request, &key).expect("open");
            prop_assert_eq!(&opened, &message);
            if format == Format::Passphrase && message.get("data").map_or(true, Value::is_object) {
                prop_assert_eq!(taken_seqn(&json_text, &key).ok(), message["SEQN"].as_u64());
            }
        }
    }

    #[test]
    fn base64_decoding_ignores_whitespace_and_lost_padding(bytes in vec(any::<u8>(), 0..200), breaks in vec((any::<prop::sample::Index>(), prop::sample::select(vec![' ', '\n', '\r', '\t'])), 0..8)) {
        let text = b64(&bytes);
        let mut spaced: Vec<char> = text.chars().collect();
        for (at, c) in &breaks {
            let at = at.index(spaced.len() + 1);
            spaced.insert(at, *c);
        }
        let spaced: String = spaced.into_iter().collect();
        prop_assert_eq!(encoding::decode_base64(&spaced), Ok(bytes.clone()));
        prop_assert_eq!(encoding::decode_base64(text.trim_end_matches('=')), Ok(bytes.clone()));
        if text.ends_with("==") {
            // The 2016 Arduino library's lost "=".
            prop_assert_eq!(encoding::decode_base64(&text[..text.len() - 1]), Ok(bytes.clone()));
        }
    }
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn decode_base64_never_panics(text in ciphertext_like_text()) {
        match encoding::decode_base64(&text) {
            Ok(bytes) => {
                // Canonical: re-encoding gives the same characters, up to padding and whitespace.
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let again = b64(&bytes);
                prop_assert_eq!(again.trim_end_matches('='), compact.trim_end_matches('='));
            }
            Err(e) => prop_assert_eq!(e, Error::BadBase64),
        }
    }

    #[test]
    fn passphrase_decrypt_of_arbitrary_text_never_panics(text in ciphertext_like_text(), passphrase in passphrase()) {
        match cipher::passphrase_decrypt(&text, passphrase.as_bytes()) {
            Ok(_) | Err(Error::BadBase64 | Error::BadFormat | Error::CannotDecrypt) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn passphrase_decrypt_of_well_framed_garbage_never_panics(text in well_framed_ciphertext(), passphrase in passphrase()) {
        match cipher::passphrase_decrypt(&text, passphrase.as_bytes()) {
            Ok(plain) => prop_assert!(plain.len() < encoding::decode_base64(&text).expect("base64").len() - 16),
            Err(e) => prop_assert_eq!(e, Error::CannotDecrypt),
        }
        // Through the envelope, garbage is the one opaque error.
        if !passphrase.is_empty() {
            prop_assert_eq!(open_message(&Request::Passphrase { msg: &text }, &passphrase), Err(Error::CannotDecrypt));
        }
    }

    #[test]
    fn raw_decrypt_of_arbitrary_input_never_panics(iv in ciphertext_like_text(), data in ciphertext_like_text(), key in raw_key_bytes()) {
        let key = RawKey::from_bytes(&key).expect("valid length");
        match cipher::raw_decrypt(&key, &iv, &data) {
            Ok(_) | Err(Error::BadBase64 | Error::BadFormat | Error::CannotDecrypt) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn raw_decrypt_of_well_framed_garbage_never_panics(iv in any::<[u8; 16]>(), blocks in 1usize..8, seed in vec(any::<u8>(), 16 * 8), key in raw_key_bytes()) {
        let data = &seed[..blocks * BLOCK_LEN];
        let hex_key = hex(&key);
        let (iv, data) = (b64(&iv), b64(data));
        match cipher::raw_decrypt(&RawKey::from_hex(&hex_key).expect("key"), &iv, &data) {
            Ok(_) | Err(Error::CannotDecrypt) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
        prop_assert_eq!(open_message(&Request::Raw { iv: &iv, data: &data }, &hex_key), Err(Error::CannotDecrypt));
    }

    #[test]
    fn cbc_decrypt_of_arbitrary_bytes_never_panics(data in vec(any::<u8>(), 0..200), iv in any::<[u8; 16]>(), key in raw_key_bytes()) {
        let key = RawKey::from_bytes(&key).expect("valid length");
        match cipher::cbc_decrypt(&key, &iv, &data) {
            Ok(plain) => prop_assert!(plain.len() < data.len() && data.len() % BLOCK_LEN == 0),
            Err(Error::BadFormat) => prop_assert!(data.is_empty() || data.len() % BLOCK_LEN != 0),
            Err(e) => prop_assert_eq!(e, Error::CannotDecrypt),
        }
    }

    #[test]
    fn raw_key_from_arbitrary_text_never_panics(text in prop_oneof!["[0-9a-fA-F]{0,70}", any::<String>()]) {
        match RawKey::from_hex(&text) {
            Ok(key) => {
                prop_assert!(matches!(text.len(), 32 | 48 | 64));
                let debug = format!("{key:?}");
                prop_assert!(debug.contains("redacted"));
            }
            Err(e) => prop_assert_eq!(e, Error::BadKey),
        }
    }

    #[test]
    fn body_fields_of_arbitrary_text_never_panic(text in prop_oneof![
        any::<String>(),
        "\\{\"(msg|iv|data)\":(\"[A-Za-z0-9+/=]{0,40}\"|null|1|\\[\\]|\\{\\})(,\"(msg|iv|data)\":\"[A-Za-z0-9+/=]{0,40}\"){0,3}\\}",
    ], key in prop_oneof![passphrase(), raw_key_bytes().prop_map(|k| hex(&k))]) {
        let fields = match BodyFields::from_json_text(&text) {
            Ok(fields) => fields,
            Err(e) => {
                prop_assert!(matches!(e, Error::BadJson | Error::BadFormat), "unexpected {:?}", e);
                return Ok(());
            }
        };
        let request = match fields.request() {
            Ok(request) => request,
            Err(e) => {
                prop_assert_eq!(e, Error::BadFormat);
                return Ok(());
            }
        };
        match open_message(&request, &key) {
            Ok(_) => {}
            Err(Error::BadKey | Error::BadBase64 | Error::BadFormat | Error::CannotDecrypt) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn open_of_arbitrary_plaintext_never_panics(plain in prop_oneof![
        vec(any::<u8>(), 0..120),
        any::<String>().prop_map(String::into_bytes),
        "[A-Za-z0-9+/=]{0,64}".prop_map(String::into_bytes),
        any::<String>().prop_map(|s| b64(s.as_bytes()).into_bytes()),
    ], passphrase in "[ -~]{1,16}", salt in any::<[u8; 8]>()) {
        // Valid ciphertexts of arbitrary plaintexts: everything after the
        // cipher (UTF-8, inner base64, JSON, "is an object") is exercised.
        let msg = cipher::passphrase_encrypt_with_salt(&plain, passphrase.as_bytes(), &salt);
        match open_message(&Request::Passphrase { msg: &msg }, &passphrase) {
            Ok(message) => {
                let text = core::str::from_utf8(&plain).expect("an opened plaintext is UTF-8");
                let json = encoding::decode_base64(text).expect("an opened plaintext is base64");
                prop_assert_eq!(serde_json::from_slice::<Value>(&json).ok(), Some(Value::Object(message)));
            }
            Err(e) => prop_assert_eq!(e, Error::CannotDecrypt),
        }
    }

    #[test]
    fn sequence_check_is_total_and_consistent(stored in prop_oneof![0..=MAX_SEQN, any::<u64>(), 0u64..1000], received in prop_oneof![0..=MAX_SEQN, any::<u64>(), 0u64..1000], any_policy in any::<bool>()) {
        let policy = if any_policy { Policy::Any } else { Policy::ForwardOnly };
        let got = sequence::check(stored, received, policy);
        if stored > MAX_SEQN {
            prop_assert_eq!(got, Err(Error::BadStored));
        } else if received > MAX_SEQN {
            prop_assert_eq!(got, Err(Error::BadSeqn));
        } else if received > stored {
            let accepted = got.expect("forward");
            prop_assert_eq!((accepted.seqn, accepted.stored, accepted.lost), (received, stored, received - stored - 1));
        } else if any_policy {
            let accepted = got.expect("any policy takes every valid SEQN");
            prop_assert_eq!((accepted.seqn, accepted.stored, accepted.lost), (received, stored, 0));
        } else if received == stored {
            prop_assert_eq!(got, Err(Error::Replay));
        } else {
            prop_assert_eq!(got, Err(Error::Stale));
        }
    }

    #[test]
    fn seqn_from_arbitrary_f64_never_panics(value in prop_oneof![any::<f64>(), (0..=MAX_SEQN + 10).prop_map(|n| n as f64), -10.0f64..10.0]) {
        let valid = value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SEQN as f64;
        match sequence::seqn_from_f64(value) {
            Ok(n) => {
                prop_assert!(valid);
                prop_assert_eq!(n as f64, value);
            }
            Err(e) => {
                prop_assert!(!valid);
                prop_assert_eq!(e, Error::BadSeqn);
            }
        }
    }
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let huge = "A".repeat(MAX_CIPHERTEXT_CHARS + 1);
    assert_eq!(cipher::passphrase_decrypt(&huge, b"key").map(|_| ()), Err(Error::TooLarge));
    let key = RawKey::from_bytes(&[0; 16]).expect("key");
    assert_eq!(cipher::raw_decrypt(&key, "AAAAAAAAAAAAAAAAAAAAAA==", &huge).map(|_| ()), Err(Error::TooLarge));
}
