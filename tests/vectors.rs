//! Known-answer, envelope, tamper and sequence tests over the vectors in
//! `tests/vectors/`. Each JSON file says how its vectors were made (openssl
//! command lines, the crypto-js version and snippet, node:crypto calls);
//! `tests/vectors/generate.js` regenerates them.
//!
//! These run natively with `cargo test`, and under `wasm-pack test --node`
//! as well (there `#[test]` is `#[wasm_bindgen_test]`), so the same answers
//! are checked in the WebAssembly build.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use wsn_crypto::cipher::{self, RawKey, BLOCK_LEN};
use wsn_crypto::envelope::{self, BodyFields, Format, Request, Sealed};
use wsn_crypto::sequence::{self, Accepted, Policy, MAX_SEQN};
use wsn_crypto::{encoding, kdf, Error};

mod common;
use common::{open_message, taken_seqn};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const OPENSSL_VECTORS: &str = include_str!("vectors/passphrase-openssl.json");
const CRYPTOJS_VECTORS: &str = include_str!("vectors/passphrase-cryptojs.json");
const RAW_VECTORS: &str = include_str!("vectors/raw-cbc.json");
const ENVELOPE_VECTORS: &str = include_str!("vectors/envelope.json");

/// The device key and POST body of the article "ESP8266 – Logging data in a
/// backend with end to end encryption".
const ARTICLE_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const ARTICLE_MSG: &str = "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp";

#[derive(Deserialize)]
struct PassphraseFile {
    vectors: Vec<PassphraseVector>,
    #[serde(default)]
    frozen: Vec<PassphraseVector>,
}

#[derive(Deserialize)]
struct PassphraseVector {
    name: String,
    passphrase: String,
    salt_hex: String,
    plaintext: Option<String>,
    plaintext_hex: Option<String>,
    key_hex: Option<String>,
    iv_hex: Option<String>,
    /// The wire form, with openssl's line breaks where openssl wrote them.
    ciphertext: String,
}

impl PassphraseVector {
    fn plaintext(&self) -> Vec<u8> {
        plaintext_of(&self.plaintext, &self.plaintext_hex)
    }

    fn salt(&self) -> [u8; kdf::SALT_LEN] {
        unhex(&self.salt_hex).try_into().expect("salt_hex is 8 bytes")
    }

    fn label(&self, index: usize, file: &str) -> String {
        format!("{file} vector {index} ({})", self.name)
    }
}

#[derive(Deserialize)]
struct RawFile {
    vectors: Vec<RawVector>,
}

#[derive(Deserialize)]
struct RawVector {
    name: String,
    key_hex: String,
    iv_hex: String,
    iv: String,
    plaintext: Option<String>,
    plaintext_hex: Option<String>,
    message: Option<Value>,
    data: String,
}

#[derive(Deserialize)]
struct EnvelopeFile {
    vectors: Vec<EnvelopeVector>,
}

#[derive(Deserialize)]
struct EnvelopeVector {
    name: String,
    key: String,
    body: Option<Value>,
    body_text: Option<String>,
    expect: Expected,
}

#[derive(Deserialize)]
struct Expected {
    format: Option<String>,
    message: Option<Value>,
    error: Option<String>,
}

impl EnvelopeVector {
    fn body_text(&self) -> String {
        match (&self.body_text, &self.body) {
            (Some(text), _) => text.clone(),
            (None, Some(body)) => body.to_string(),
            (None, None) => panic!("vector {} has no body", self.name),
        }
    }
}

fn openssl_file() -> PassphraseFile {
    serde_json::from_str(OPENSSL_VECTORS).expect("passphrase-openssl.json parses")
}

fn cryptojs_file() -> PassphraseFile {
    serde_json::from_str(CRYPTOJS_VECTORS).expect("passphrase-cryptojs.json parses")
}

fn raw_file() -> RawFile {
    serde_json::from_str(RAW_VECTORS).expect("raw-cbc.json parses")
}

fn envelope_file() -> EnvelopeFile {
    serde_json::from_str(ENVELOPE_VECTORS).expect("envelope.json parses")
}

/// Every passphrase vector with a label naming its file and index.
fn passphrase_vectors() -> Vec<(String, PassphraseVector)> {
    let mut all = Vec::new();
    let openssl = openssl_file();
    for (i, v) in openssl.vectors.into_iter().enumerate() {
        all.push((v.label(i, "passphrase-openssl.json"), v));
    }
    for (i, v) in openssl.frozen.into_iter().enumerate() {
        all.push((v.label(i, "passphrase-openssl.json frozen"), v));
    }
    for (i, v) in cryptojs_file().vectors.into_iter().enumerate() {
        all.push((v.label(i, "passphrase-cryptojs.json"), v));
    }
    all
}

fn plaintext_of(text: &Option<String>, hex: &Option<String>) -> Vec<u8> {
    match (text, hex) {
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, Some(hex)) => unhex(hex),
        _ => panic!("a vector needs exactly one of plaintext and plaintext_hex"),
    }
}

fn unhex(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length: {hex}");
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit")).collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    encoding::BASE64.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    encoding::decode_base64(text).expect("valid base64 in a vector")
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Opens a request body given as JSON text, as the node does.
fn open_text(body: &str, key: &str) -> Result<(Format, Map<String, Value>), Error> {
    let fields = BodyFields::from_json_text(body)?;
    let request = fields.request()?;
    let message = open_message(&request, key)?;
    Ok((request.format(), message))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("expected a JSON object, got {other}"),
    }
}

// --- key derivation ------------------------------------------------------

#[test]
fn evp_bytes_to_key_md5_openssl_and_cryptojs_vectors() {
    let mut checked = 0;
    for (label, v) in passphrase_vectors() {
        let (Some(key_hex), Some(iv_hex)) = (&v.key_hex, &v.iv_hex) else { continue };
        let derived = kdf::evp_bytes_to_key(v.passphrase.as_bytes(), &v.salt());
        assert_eq!(to_hex(derived.key()), *key_hex, "{label}: key");
        assert_eq!(to_hex(derived.iv()), *iv_hex, "{label}: iv");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} vectors carry a derived key");
}

// --- passphrase format: known answers --------------------------------------

#[test]
fn aes256_cbc_passphrase_decrypt_article_vector() {
    let inner = cipher::passphrase_decrypt(ARTICLE_MSG, ARTICLE_KEY.as_bytes()).expect("the article's vector opens");
    assert_eq!(inner.as_slice(), b"eyJTRVFOIjoxMjB9");
    let json = encoding::decode_base64(core::str::from_utf8(&inner).expect("UTF-8")).expect("base64");
    assert_eq!(json, br#"{"SEQN":120}"#);
    let message: Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(message, json!({ "SEQN": 120 }));
}

#[test]
fn aes256_cbc_passphrase_decrypt_openssl_and_cryptojs_vectors() {
    let openssl = openssl_file();
    assert!(openssl.vectors.len() >= 10 && !openssl.frozen.is_empty());
    assert!(!cryptojs_file().vectors.is_empty());
    for (label, v) in passphrase_vectors() {
        let plain = cipher::passphrase_decrypt(&v.ciphertext, v.passphrase.as_bytes());
        assert_eq!(plain.as_deref().map(Vec::as_slice), Ok(v.plaintext().as_slice()), "{label}");
    }
}

#[test]
fn aes256_cbc_passphrase_encrypt_with_salt_openssl_and_cryptojs_vectors() {
    for (label, v) in passphrase_vectors() {
        let ours = cipher::passphrase_encrypt_with_salt(&v.plaintext(), v.passphrase.as_bytes(), &v.salt());
        assert_eq!(ours, without_whitespace(&v.ciphertext), "{label}");
    }
    // The first CryptoJS vector re-makes the article's ciphertext from its salt.
    assert_eq!(cryptojs_file().vectors[0].ciphertext, ARTICLE_MSG);
}

#[test]
fn aes256_cbc_passphrase_decrypt_ignores_line_breaks_and_spaces() {
    let file = openssl_file();
    let wrapped: Vec<&PassphraseVector> =
        file.vectors.iter().filter(|v| v.ciphertext.trim_end().contains('\n')).collect();
    assert!(wrapped.len() >= 2, "the openssl vectors include multi-line ciphertexts");
    for (i, v) in wrapped.iter().enumerate() {
        let plain = v.plaintext();
        let compact = without_whitespace(&v.ciphertext);
        let variants = [
            v.ciphertext.clone(),
            compact.clone(),
            v.ciphertext.replace('\n', "\r\n"),
            format!("  {}\t", v.ciphertext.replace('\n', " \n ")),
            compact.chars().flat_map(|c| [c, '\n']).collect(),
        ];
        for (j, text) in variants.iter().enumerate() {
            let got = cipher::passphrase_decrypt(text, v.passphrase.as_bytes());
            assert_eq!(
                got.as_deref().map(Vec::as_slice),
                Ok(plain.as_slice()),
                "wrapped vector {i} ({}), variant {j}",
                v.name
            );
        }
    }
}

#[test]
fn aes256_cbc_passphrase_round_trip_random_salt() {
    for (label, v) in passphrase_vectors() {
        let plain = v.plaintext();
        let first = cipher::passphrase_encrypt(&plain, v.passphrase.as_bytes()).expect("encrypt");
        let second = cipher::passphrase_encrypt(&plain, v.passphrase.as_bytes()).expect("encrypt");
        assert!(first.starts_with("U2FsdGVkX1"), "{label}: Salted__ header");
        assert_ne!(first, second, "{label}: a fresh salt each time");
        let expected_len = 4 * (16 + (plain.len() / BLOCK_LEN + 1) * BLOCK_LEN).div_ceil(3);
        assert_eq!(first.len(), expected_len, "{label}: length");
        for text in [&first, &second] {
            let back = cipher::passphrase_decrypt(text, v.passphrase.as_bytes());
            assert_eq!(back.as_deref().map(Vec::as_slice), Ok(plain.as_slice()), "{label}");
        }
    }
}

// --- passphrase format: tampering ------------------------------------------

#[test]
fn aes256_cbc_passphrase_tampered_byte_never_gives_the_plaintext() {
    // CBC has no integrity: a flipped bit may still leave valid padding, so the
    // cipher alone can return garbage. It must never return the original, and
    // never panic. The envelope tests below show that opening a message fails.
    // Every bit of the header, the salt, the first two and the last two blocks
    // (where padding lives); the low and the high bit of the blocks between,
    // which all behave alike, to keep the long vectors quick.
    for (label, v) in passphrase_vectors() {
        let plain = v.plaintext();
        let framed = unb64(&v.ciphertext);
        for index in 0..framed.len() {
            let bits: &[u8] =
                if index < 48 || index + 32 >= framed.len() { &[0, 1, 2, 3, 4, 5, 6, 7] } else { &[0, 7] };
            for &bit in bits {
                let mut tampered = framed.clone();
                tampered[index] ^= 1 << bit;
                let got = cipher::passphrase_decrypt(&b64(&tampered), v.passphrase.as_bytes());
                match got {
                    Err(Error::BadFormat) => {
                        assert!(index < 8, "{label}: byte {index} bit {bit}: bad_format outside the header")
                    }
                    Err(Error::CannotDecrypt) => {
                        assert!(index >= 8, "{label}: byte {index} bit {bit}: header not checked")
                    }
                    Ok(garbage) => assert_ne!(garbage.as_slice(), plain.as_slice(), "{label}: byte {index} bit {bit}"),
                    Err(other) => panic!("{label}: byte {index} bit {bit}: unexpected {other:?}"),
                }
            }
        }
    }
}

#[test]
fn aes256_cbc_passphrase_tampered_article_vector_never_opens() {
    let framed = unb64(ARTICLE_MSG);
    for index in 0..framed.len() {
        for bit in 0..8 {
            let mut tampered = framed.clone();
            tampered[index] ^= 1 << bit;
            let msg = b64(&tampered);
            let expected = if index < 8 { Error::BadFormat } else { Error::CannotDecrypt };
            let got = open_message(&Request::Passphrase { msg: &msg }, ARTICLE_KEY);
            assert_eq!(got, Err(expected), "byte {index} bit {bit}");
        }
    }
}

#[test]
fn aes256_cbc_passphrase_flipped_salt_cannot_decrypt() {
    for (label, v) in passphrase_vectors() {
        let framed = unb64(&v.ciphertext);
        for index in 8..16 {
            let mut tampered = framed.clone();
            tampered[index] ^= 0x01;
            let got = cipher::passphrase_decrypt(&b64(&tampered), v.passphrase.as_bytes());
            assert_ne!(
                got.as_deref().map(Vec::as_slice),
                Ok(v.plaintext().as_slice()),
                "{label}: salt byte {}",
                index - 8
            );
        }
    }
    // Through the envelope the answer is always the one opaque error.
    let framed = unb64(ARTICLE_MSG);
    for index in 8..16 {
        let mut tampered = framed.clone();
        tampered[index] ^= 0x01;
        let msg = b64(&tampered);
        assert_eq!(
            open_message(&Request::Passphrase { msg: &msg }, ARTICLE_KEY),
            Err(Error::CannotDecrypt),
            "salt byte {}",
            index - 8
        );
    }
}

#[test]
fn aes256_cbc_passphrase_truncated_ciphertext_is_an_error() {
    for (label, v) in passphrase_vectors() {
        let plain = v.plaintext();
        let framed = unb64(&v.ciphertext);
        for len in 0..framed.len() {
            let got = cipher::passphrase_decrypt(&b64(&framed[..len]), v.passphrase.as_bytes());
            match got {
                Err(Error::BadFormat) => assert!(len < 32 || (len - 16) % BLOCK_LEN != 0, "{label}: {len} bytes"),
                Err(Error::CannotDecrypt) => {}
                other => panic!("{label}: truncated to {len} bytes: {other:?}"),
            }
        }
        // Cutting the text: losing only padding or whitespace is harmless (the
        // Arduino library's lost "="); losing any data character is an error.
        let text = v.ciphertext.as_str();
        let essential = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace()).len();
        for len in 0..text.len() {
            let got = cipher::passphrase_decrypt(&text[..len], v.passphrase.as_bytes());
            if len >= essential {
                assert_eq!(got.as_deref().map(Vec::as_slice), Ok(plain.as_slice()), "{label}: text cut to {len}");
            } else {
                assert!(
                    matches!(got, Err(Error::BadBase64 | Error::BadFormat | Error::CannotDecrypt)),
                    "{label}: text cut to {len}: {got:?}"
                );
            }
        }
    }
}

#[test]
fn aes256_cbc_passphrase_wrong_passphrase_cannot_decrypt() {
    for (label, v) in passphrase_vectors() {
        let plain = v.plaintext();
        let mut wrong = vec![format!("{}x", v.passphrase), v.passphrase.to_uppercase() + "!", "secret2".to_string()];
        if !v.passphrase.is_empty() {
            wrong.push(String::new());
            let mut shorter = v.passphrase.clone();
            shorter.pop();
            wrong.push(shorter);
        }
        for (j, passphrase) in wrong.iter().enumerate() {
            if *passphrase == v.passphrase {
                continue;
            }
            match cipher::passphrase_decrypt(&v.ciphertext, passphrase.as_bytes()) {
                Err(Error::CannotDecrypt) => {}
                // A wrong key leaves valid padding about once in 256 tries; the
                // bytes are then garbage, never the plaintext.
                Ok(garbage) => assert_ne!(garbage.as_slice(), plain.as_slice(), "{label}: wrong passphrase {j}"),
                Err(other) => panic!("{label}: wrong passphrase {j}: {other:?}"),
            }
        }
    }
    // Opening a message with a wrong key: always the one opaque error.
    for wrong in [
        "2B7E151628AED2A6ABF7158809CF4F3D",
        "2b7e151628aed2a6abf7158809cf4f3c",
        "x",
        "2B7E151628AED2A6ABF7158809CF4F3C ",
    ] {
        assert_eq!(
            open_message(&Request::Passphrase { msg: ARTICLE_MSG }, wrong),
            Err(Error::CannotDecrypt),
            "{wrong:?}"
        );
    }
}

#[test]
fn aes256_cbc_passphrase_outer_shape_errors() {
    let long = "A".repeat(cipher::MAX_CIPHERTEXT_CHARS + 4);
    let table: &[(&str, Error)] = &[
        ("", Error::BadFormat),
        ("U2FsdGVkX1", Error::BadBase64),
        ("U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp*", Error::BadBase64),
        ("U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp==", Error::BadBase64),
        ("U2FsdGVkX1-VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b-jaqKMLeBx4ecLQnjUOYp", Error::BadBase64),
        ("U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYpé", Error::BadBase64),
        ("U2FsdGVkX1+VRlCORJjs", Error::BadFormat),
        ("U2FsdGVkX18=", Error::BadFormat),
        ("c2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp", Error::BadFormat),
        ("eyJTRVFOIjoxMjB9", Error::BadFormat),
        (&long, Error::TooLarge),
    ];
    for (i, (text, expected)) in table.iter().enumerate() {
        let got = cipher::passphrase_decrypt(text, ARTICLE_KEY.as_bytes());
        assert_eq!(got.map(|_| ()), Err(*expected), "row {i}");
    }
}

// --- raw format ------------------------------------------------------------

#[test]
fn aes_cbc_raw_encrypt_node_crypto_vectors() {
    for (i, v) in raw_file().vectors.iter().enumerate() {
        let key = RawKey::from_hex(&v.key_hex).expect("vector key");
        let iv: [u8; BLOCK_LEN] = unhex(&v.iv_hex).try_into().expect("16-byte IV");
        let data = cipher::cbc_encrypt(&key, &iv, &plaintext_of(&v.plaintext, &v.plaintext_hex));
        assert_eq!(b64(&data), v.data, "raw vector {i} ({})", v.name);
        assert_eq!(b64(&iv), v.iv, "raw vector {i} ({})", v.name);
    }
}

#[test]
fn aes_cbc_raw_decrypt_node_crypto_vectors() {
    let vectors = raw_file().vectors;
    assert!(vectors.len() >= 12);
    for (i, v) in vectors.iter().enumerate() {
        let key = RawKey::from_hex(&v.key_hex).expect("vector key");
        let plain = cipher::raw_decrypt(&key, &v.iv, &v.data);
        let expected = plaintext_of(&v.plaintext, &v.plaintext_hex);
        assert_eq!(plain.as_deref().map(Vec::as_slice), Ok(expected.as_slice()), "raw vector {i} ({})", v.name);
        if let Some(message) = &v.message {
            let opened = open_message(&Request::Raw { iv: &v.iv, data: &v.data }, &v.key_hex);
            assert_eq!(opened, Ok(object(message.clone())), "raw vector {i} ({}) as an envelope", v.name);
        }
    }
}

/// NIST SP 800-38A, F.2.1/F.2.3/F.2.5, as printed in the standard: the
/// encryptor pads, so the standard's four blocks are a prefix of ours.
#[test]
fn aes_cbc_raw_encrypt_sp800_38a_vectors() {
    let plaintext = unhex(concat!(
        "6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51",
        "30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710"
    ));
    let iv: [u8; 16] = unhex("000102030405060708090A0B0C0D0E0F").try_into().expect("iv");
    let table = [
        (
            "2B7E151628AED2A6ABF7158809CF4F3C",
            "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B273BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7",
        ),
        (
            "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B",
            "4F021DB243BC633D7178183A9FA071E8B4D9ADA9AD7DEDF4E5E738763F69145A571B242012FB7AE07FA9BAAC3DF102E008B0E27988598881D920A9E64F5615CD",
        ),
        (
            "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4",
            "F58C4C04D6E5F1BA779EABFB5F7BFBD69CFC4E967EDB808D679F777BC6702C7D39F23369A9D9BACFA530E26304231461B2EB05E2C39BE9FCDA6C19078C6A9D1B",
        ),
    ];
    for (i, (key, expected)) in table.iter().enumerate() {
        let ciphertext = cipher::cbc_encrypt(&RawKey::from_hex(key).expect("key"), &iv, &plaintext);
        assert_eq!(ciphertext.len(), 80, "row {i}: four blocks and a padding block");
        assert_eq!(to_hex(&ciphertext[..64]), *expected, "row {i}");
    }
}

#[test]
fn aes_cbc_raw_round_trip_random_iv() {
    for (i, v) in raw_file().vectors.iter().enumerate() {
        let key = RawKey::from_hex(&v.key_hex).expect("vector key");
        let plain = plaintext_of(&v.plaintext, &v.plaintext_hex);
        let (iv, data) = cipher::raw_encrypt(&key, &plain).expect("encrypt");
        let (other_iv, _) = cipher::raw_encrypt(&key, &plain).expect("encrypt");
        assert_ne!(iv, other_iv, "raw vector {i}: a fresh IV each time");
        assert_eq!(data.len(), (plain.len() / BLOCK_LEN + 1) * BLOCK_LEN, "raw vector {i}: PKCS#7 length");
        let back = cipher::raw_decrypt(&key, &b64(&iv), &b64(&data));
        assert_eq!(back.as_deref().map(Vec::as_slice), Ok(plain.as_slice()), "raw vector {i} ({})", v.name);
    }
}

#[test]
fn aes_cbc_raw_tampered_messages_never_open() {
    // Flipping the top bit of a byte of the IV or of block n-1 flips the top
    // bit of a plaintext byte, which makes the base64 text non-ASCII; flipping
    // it in the last block garbles the padding. Both must fail, opaquely.
    for (i, v) in raw_file().vectors.iter().enumerate() {
        let Some(message) = &v.message else { continue };
        let iv = unb64(&v.iv);
        let data = unb64(&v.data);
        for index in 0..iv.len() + data.len() {
            for bit in 0..8 {
                let (mut iv, mut data) = (iv.clone(), data.clone());
                match index.checked_sub(iv.len()) {
                    None => iv[index] ^= 1 << bit,
                    Some(at) => data[at] ^= 1 << bit,
                }
                let (iv, data) = (b64(&iv), b64(&data));
                let got = open_message(&Request::Raw { iv: &iv, data: &data }, &v.key_hex);
                if bit == 7 {
                    assert_eq!(got, Err(Error::CannotDecrypt), "raw vector {i}: byte {index} bit {bit}");
                } else {
                    // Low bits can turn one base64 letter into another: CBC is
                    // malleable. The original message must not come out.
                    assert_ne!(got, Ok(object(message.clone())), "raw vector {i}: byte {index} bit {bit}");
                    assert!(
                        matches!(got, Ok(_) | Err(Error::CannotDecrypt)),
                        "raw vector {i}: byte {index} bit {bit}: {got:?}"
                    );
                }
            }
        }
        for len in 0..data.len() {
            let cut = b64(&data[..len]);
            let got = open_message(&Request::Raw { iv: &v.iv, data: &cut }, &v.key_hex);
            let expected = if len == 0 || len % BLOCK_LEN != 0 { Error::BadFormat } else { Error::CannotDecrypt };
            assert_eq!(got, Err(expected), "raw vector {i}: data cut to {len} bytes");
        }
    }
}

#[test]
fn raw_key_from_hex_accepts_only_128_192_256_bit_keys() {
    let key32 = "2B7E151628AED2A6ABF7158809CF4F3C";
    let table: &[(String, Result<usize, Error>)] = &[
        (key32.to_string(), Ok(128)),
        (key32.to_lowercase(), Ok(128)),
        ("00".repeat(24), Ok(192)),
        ("fF".repeat(32), Ok(256)),
        (String::new(), Err(Error::BadKey)),
        (key32[..31].to_string(), Err(Error::BadKey)),
        (key32[..30].to_string(), Err(Error::BadKey)),
        (format!("{key32}0"), Err(Error::BadKey)),
        (format!("{key32}00"), Err(Error::BadKey)),
        ("00".repeat(40), Err(Error::BadKey)),
        ("00".repeat(33), Err(Error::BadKey)),
        (format!("0x{}", &key32[2..]), Err(Error::BadKey)),
        (format!(" {}", &key32[1..]), Err(Error::BadKey)),
        (format!("{}G", &key32[..31]), Err(Error::BadKey)),
        ("é".repeat(16), Err(Error::BadKey)),
        ("٣".repeat(16), Err(Error::BadKey)),
        ("secret".to_string(), Err(Error::BadKey)),
    ];
    for (i, (hex, expected)) in table.iter().enumerate() {
        let got = RawKey::from_hex(hex).map(|key| {
            let debug = format!("{key:?}");
            assert!(
                debug.contains("redacted") && !debug.to_uppercase().contains(&hex.to_uppercase()),
                "row {i}: {debug}"
            );
            debug
        });
        match expected {
            Ok(bits) => assert_eq!(got, Ok(format!("RawKey(AES-{bits}, [redacted])")), "row {i}"),
            Err(error) => assert_eq!(got, Err(*error), "row {i}"),
        }
    }
}

#[test]
fn aes_cbc_raw_outer_shape_errors() {
    let key = RawKey::from_hex(ARTICLE_KEY).expect("key");
    let block = b64(&[0u8; 16]);
    let long = "A".repeat(cipher::MAX_CIPHERTEXT_CHARS + 4);
    let table: &[(&str, &str, Error)] = &[
        (&block, "", Error::BadFormat),
        ("", &block, Error::BadFormat),
        (&b64(&[0u8; 15]), &block, Error::BadFormat),
        (&b64(&[0u8; 17]), &block, Error::BadFormat),
        (&block, &b64(&[0u8; 15]), Error::BadFormat),
        (&block, &b64(&[0u8; 31]), Error::BadFormat),
        ("!", &block, Error::BadBase64),
        (&block, "AAAA*AAA", Error::BadBase64),
        (&block, &long, Error::TooLarge),
        (&long, &block, Error::TooLarge),
    ];
    for (i, (iv, data, expected)) in table.iter().enumerate() {
        assert_eq!(cipher::raw_decrypt(&key, iv, data).map(|_| ()), Err(*expected), "row {i}");
    }
}

// --- envelope --------------------------------------------------------------

#[test]
fn envelope_open_vectors() {
    let vectors = envelope_file().vectors;
    assert!(vectors.len() >= 30);
    for (i, v) in vectors.iter().enumerate() {
        let got = open_text(&v.body_text(), &v.key);
        match (&v.expect.error, &v.expect.format, &v.expect.message) {
            (Some(code), None, None) => {
                assert_eq!(
                    got.as_ref().map_err(|e| e.code()).err(),
                    Some(code.as_str()),
                    "envelope vector {i} ({}): {got:?}",
                    v.name
                )
            }
            (None, Some(format), Some(message)) => {
                let (got_format, got_message) =
                    got.unwrap_or_else(|e| panic!("envelope vector {i} ({}): {e:?}", v.name));
                assert_eq!(got_format.as_str(), format, "envelope vector {i} ({})", v.name);
                assert_eq!(Value::Object(got_message), *message, "envelope vector {i} ({})", v.name);
            }
            _ => panic!("envelope vector {i} ({}) has a malformed expectation", v.name),
        }
    }
}

#[test]
fn envelope_open_arduino_2016_lost_padding() {
    let vectors = envelope_file().vectors;
    let arduino: Vec<&EnvelopeVector> = vectors.iter().filter(|v| v.name.contains("Arduino")).collect();
    assert_eq!(arduino.len(), 4, "three recoverable losses and one that is not");
    for v in arduino {
        let fields = BodyFields::from_json_text(&v.body_text()).expect("body");
        let request = fields.request().expect("format");
        let plain = match request {
            Request::Raw { iv, data } => cipher::raw_decrypt(&RawKey::from_hex(&v.key).expect("key"), iv, data),
            Request::Passphrase { msg } => cipher::passphrase_decrypt(msg, v.key.as_bytes()),
            Request::Auth { .. } => panic!("{}: the Arduino vectors are raw", v.name),
        }
        .expect("the outer layer is intact");
        let inner = String::from_utf8(plain.to_vec()).expect("ASCII base64");
        assert_ne!(inner.len() % 4, 0, "{}: the inner base64 is one character short", v.name);
        let opened = open_message(&request, &v.key);
        match &v.expect.message {
            Some(message) => assert_eq!(opened, Ok(object(message.clone())), "{}", v.name),
            None => assert_eq!(opened, Err(Error::CannotDecrypt), "{}", v.name),
        }
    }
}

#[test]
fn envelope_seal_open_round_trip() {
    let messages = [
        json!({ "SEQN": 0 }),
        json!({ "SEQN": 120 }),
        json!({ "data": { "value": 300 }, "SEQN": 1 }),
        json!({ "SEQN": MAX_SEQN, "text": "Grüße 🌍 \u{0}\"\\", "list": [1, -2.5, null, true, "x"], "empty": {} }),
        json!({}),
    ];
    let cases = [
        (ARTICLE_KEY, Format::Passphrase),
        ("pässwörd 🔑", Format::Passphrase),
        (ARTICLE_KEY, Format::Raw),
        ("8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B", Format::Raw),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", Format::Raw),
    ];
    for (i, message) in messages.iter().enumerate() {
        let json_text = message.to_string();
        for (j, (key, format)) in cases.iter().enumerate() {
            let sealed =
                envelope::seal(&json_text, key, *format).unwrap_or_else(|e| panic!("message {i} case {j}: {e:?}"));
            let body = match &sealed {
                Sealed::Passphrase(msg) => json!({ "msg": msg }),
                Sealed::Raw { iv, data } => json!({ "iv": iv, "data": data }),
            };
            let (got_format, got) =
                open_text(&body.to_string(), key).unwrap_or_else(|e| panic!("message {i} case {j}: {e:?}"));
            assert_eq!((got_format, Value::Object(got)), (*format, message.clone()), "message {i} case {j}");
        }
    }
}

/// JavaScript's `JSON.parse` (and so CryptoJS-based flows) reads every
/// number `JSON.stringify` writes back to the same double. Regression:
/// serde_json without its `float_roundtrip` feature opened
/// `3.7100000000000004` as `3.71`, and about a quarter of random doubles one
/// ULP off.
#[test]
fn envelope_open_reads_floats_as_javascript_does() {
    for (i, value) in [3.7100000000000004, 945112426227532.9, 2.2201838057111728e-13].into_iter().enumerate() {
        let json_text = format!(r#"{{"SEQN":1,"value":{value:?}}}"#);
        let Ok(Sealed::Passphrase(msg)) = envelope::seal(&json_text, ARTICLE_KEY, Format::Passphrase) else {
            panic!("seal")
        };
        let opened = open_message(&Request::Passphrase { msg: &msg }, ARTICLE_KEY).expect("open");
        assert_eq!(opened.get("value").and_then(Value::as_f64), Some(value), "row {i}: {json_text}");
    }
}

#[test]
fn envelope_seal_writes_base64_of_the_json_text() {
    // The original "Encrypt response" node: new Buffer(payload).toString('base64'), then AES.
    let json_text = r#"{"SEQN":120}"#;
    let Ok(Sealed::Passphrase(msg)) = envelope::seal(json_text, ARTICLE_KEY, Format::Passphrase) else {
        panic!("passphrase seal")
    };
    let inner = cipher::passphrase_decrypt(&msg, ARTICLE_KEY.as_bytes()).expect("decrypt");
    assert_eq!(inner.as_slice(), b"eyJTRVFOIjoxMjB9");

    let json_text = r#"{"data":{"value":300},"SEQN":1}"#;
    let Ok(Sealed::Raw { iv, data }) = envelope::seal(json_text, ARTICLE_KEY, Format::Raw) else { panic!("raw seal") };
    assert_eq!(unb64(&iv).len(), 16);
    let inner = cipher::raw_decrypt(&RawKey::from_hex(ARTICLE_KEY).expect("key"), &iv, &data).expect("decrypt");
    assert_eq!(inner.as_slice(), b"eyJkYXRhIjp7InZhbHVlIjozMDB9LCJTRVFOIjoxfQ==");
}

#[test]
fn envelope_seal_refuses_bad_keys_and_huge_messages() {
    let table: &[(&str, Format, Error)] = &[
        ("", Format::Passphrase, Error::BadKey),
        ("", Format::Raw, Error::BadKey),
        ("secret", Format::Raw, Error::BadKey),
        ("2B7E151628AED2A6ABF7158809CF4F3", Format::Raw, Error::BadKey),
    ];
    for (i, (key, format, expected)) in table.iter().enumerate() {
        assert_eq!(envelope::seal(r#"{"SEQN":1}"#, key, *format), Err(*expected), "row {i}");
    }
    let huge = format!(r#"{{"SEQN":1,"pad":"{}"}}"#, "x".repeat(cipher::MAX_CIPHERTEXT_CHARS / 2));
    assert_eq!(envelope::seal(&huge, ARTICLE_KEY, Format::Passphrase), Err(Error::TooLarge));
}

#[test]
fn envelope_tampered_messages_never_open() {
    // Top-bit flips: deterministic failures (see aes_cbc_raw_tampered_messages_never_open).
    for (i, v) in envelope_file().vectors.iter().enumerate() {
        let Some(message) = &v.expect.message else { continue };
        let fields = BodyFields::from_json_text(&v.body_text()).expect("body");
        let Ok(Request::Passphrase { msg }) = fields.request() else { continue };
        let framed = unb64(msg);
        for index in 0..framed.len() {
            let mut tampered = framed.clone();
            tampered[index] ^= 0x80;
            let tampered = b64(&tampered);
            let expected = if index < 8 { Error::BadFormat } else { Error::CannotDecrypt };
            let got = open_message(&Request::Passphrase { msg: &tampered }, &v.key);
            assert_eq!(got, Err(expected), "envelope vector {i} ({}): byte {index}", v.name);
        }
        assert_ne!(open_message(&Request::Passphrase { msg }, &format!("{}x", v.key)), Ok(object(message.clone())));
    }
}

#[test]
fn body_fields_from_json_text_errors() {
    let too_long = format!(r#"{{"msg":"{}"}}"#, "A".repeat(cipher::MAX_CIPHERTEXT_CHARS + 2048));
    let table: &[(&str, Error)] = &[
        ("", Error::BadJson),
        ("{", Error::BadJson),
        ("msg=U2FsdGVkX1", Error::BadJson),
        (r#"{"msg":"x"} trailing"#, Error::BadJson),
        ("null", Error::BadFormat),
        ("120", Error::BadFormat),
        (r#""U2FsdGVkX1""#, Error::BadFormat),
        (r#"{"msg":120}"#, Error::BadFormat),
        (r#"{"msg":["x"]}"#, Error::BadFormat),
        (r#"{"iv":true,"data":"x"}"#, Error::BadFormat),
        (&too_long, Error::TooLarge),
    ];
    for (i, (text, expected)) in table.iter().enumerate() {
        assert_eq!(BodyFields::from_json_text(text).map(|_| ()), Err(*expected), "row {i}");
    }
    // Fields beyond the wire format are ignored, as in the original flows.
    let fields = BodyFields::from_json_text(r#"{"msg":"U2Fs","device":"12FA"}"#).expect("extra fields");
    assert!(matches!(fields.request(), Ok(Request::Passphrase { msg: "U2Fs" })));
}

/// `BodyFields::from_json_text` answers `BadFormat` for JSON that is not an
/// object. Regression: serde's derived `Deserialize` also reads a struct from
/// a JSON array (fields in declaration order), so a body that was an array
/// was taken as `{msg, iv, data}`.
#[test]
fn body_fields_from_json_text_refuses_arrays() {
    let body = format!(r#"["{ARTICLE_MSG}", null, null]"#);
    assert_eq!(BodyFields::from_json_text(&body).map(|_| ()), Err(Error::BadFormat));
}

#[test]
fn body_fields_request_tells_the_format_from_the_fields() {
    let table: &[(&str, Result<Format, Error>)] = &[
        (r#"{"msg":"m"}"#, Ok(Format::Passphrase)),
        (r#"{"iv":"i","data":"d"}"#, Ok(Format::Raw)),
        (r#"{"msg":"m","iv":null,"data":null}"#, Ok(Format::Passphrase)),
        (r#"{"msg":null,"iv":"i","data":"d"}"#, Ok(Format::Raw)),
        ("{}", Err(Error::BadFormat)),
        (r#"{"msg":"m","iv":"i"}"#, Err(Error::BadFormat)),
        (r#"{"msg":"m","data":"d"}"#, Err(Error::BadFormat)),
        (r#"{"msg":"m","iv":"i","data":"d"}"#, Err(Error::BadFormat)),
        (r#"{"iv":"i"}"#, Err(Error::BadFormat)),
        (r#"{"data":"d"}"#, Err(Error::BadFormat)),
    ];
    for (i, (text, expected)) in table.iter().enumerate() {
        let fields = BodyFields::from_json_text(text).expect("JSON object");
        assert_eq!(fields.request().map(|r| r.format()), *expected, "row {i}");
    }
}

// --- sequence --------------------------------------------------------------

#[test]
fn sequence_check_table() {
    use Policy::{Any, ForwardOnly};
    let max = MAX_SEQN;
    assert_eq!(max, 9_007_199_254_740_991);
    // (stored, received, policy, Ok(lost) or the error)
    let table: &[(u64, u64, Policy, Result<u64, Error>)] = &[
        (0, 1, ForwardOnly, Ok(0)),
        (0, 2, ForwardOnly, Ok(1)),
        (100, 120, ForwardOnly, Ok(19)),
        (119, 120, ForwardOnly, Ok(0)),
        (120, 120, ForwardOnly, Err(Error::Replay)),
        (0, 0, ForwardOnly, Err(Error::Replay)),
        (121, 120, ForwardOnly, Err(Error::Stale)),
        (120, 0, ForwardOnly, Err(Error::Stale)),
        (0, max, ForwardOnly, Ok(max - 1)),
        (max - 1, max, ForwardOnly, Ok(0)),
        (max, max, ForwardOnly, Err(Error::Replay)),
        (max, 0, ForwardOnly, Err(Error::Stale)),
        (max + 1, 0, ForwardOnly, Err(Error::BadStored)),
        (0, max + 1, ForwardOnly, Err(Error::BadSeqn)),
        (u64::MAX, u64::MAX, ForwardOnly, Err(Error::BadStored)),
        (5, u64::MAX, ForwardOnly, Err(Error::BadSeqn)),
        // `any`: the article's reset, replayable by design.
        (100, 120, Any, Ok(19)),
        (120, 120, Any, Ok(0)),
        (121, 120, Any, Ok(0)),
        (max, 0, Any, Ok(0)),
        (0, max, Any, Ok(max - 1)),
        (max + 1, 0, Any, Err(Error::BadStored)),
        (0, max + 1, Any, Err(Error::BadSeqn)),
    ];
    for (i, (stored, received, policy, expected)) in table.iter().enumerate() {
        let got = sequence::check(*stored, *received, *policy);
        let expected = expected.map(|lost| Accepted { seqn: *received, stored: *stored, lost });
        assert_eq!(got, expected, "row {i}: stored {stored}, received {received}, {policy:?}");
    }
    assert_eq!(Policy::default(), Policy::ForwardOnly);
}

#[test]
fn sequence_seqn_as_the_backend_reads_it_table() {
    let table: &[(&str, Result<u64, Error>)] = &[
        (r#"{"SEQN":120}"#, Ok(120)),
        (r#"{"SEQN":0}"#, Ok(0)),
        (r#"{"SEQN":-0}"#, Ok(0)),
        (r#"{"SEQN":-0.0}"#, Ok(0)),
        (r#"{"SEQN":120.0}"#, Ok(120)),
        (r#"{"SEQN":1e3}"#, Ok(1000)),
        (r#"{"SEQN":9007199254740991}"#, Ok(MAX_SEQN)),
        (r#"{"SEQN":9007199254740991e0}"#, Ok(MAX_SEQN)),
        (r#"{"SEQN":4503599627370497.0}"#, Ok((1 << 52) + 1)),
        (r#"{"SEQN":9007199254740992}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":9007199254740992.0}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":18446744073709551615}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":18446744073709551616}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":1e300}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":-1}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":-9223372036854775808}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":1.5}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":0.1}"#, Err(Error::BadSeqn)),
        // A double would round these to 120 and to 2^53 − 1; the core takes a
        // SEQN only when its digits are an integer (src/json.rs).
        (r#"{"SEQN":120.00000000000000001}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":9007199254740990.6}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":"120"}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":null}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":true}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":[120]}"#, Err(Error::BadSeqn)),
        (r#"{"SEQN":{"value":120}}"#, Err(Error::BadSeqn)),
        (r#"{"seqn":120}"#, Err(Error::BadSeqn)),
        (r#"{"data":{"SEQN":120}}"#, Err(Error::BadSeqn)),
        (r#"{}"#, Err(Error::BadSeqn)),
    ];
    for (i, (text, expected)) in table.iter().enumerate() {
        assert_eq!(taken_seqn(text, ARTICLE_KEY), *expected, "row {i}: {text}");
    }
}

/// JavaScript's `JSON.parse` reads `9007199254740991.0` as 2^53 - 1 exactly.
/// Regression: serde_json without its `float_roundtrip` feature rounded it
/// to 9007199254740990, a different SEQN than the original flows take.
#[test]
fn sequence_seqn_as_the_backend_reads_it_reads_decimal_notation_exactly() {
    assert_eq!(taken_seqn(r#"{"SEQN":9007199254740991.0}"#, ARTICLE_KEY), Ok(MAX_SEQN));
}

#[test]
fn sequence_seqn_from_f64_table() {
    let max = MAX_SEQN as f64;
    let table: &[(f64, Result<u64, Error>)] = &[
        (0.0, Ok(0)),
        (-0.0, Ok(0)),
        (1.0, Ok(1)),
        (120.0, Ok(120)),
        (max, Ok(MAX_SEQN)),
        (max - 1.0, Ok(MAX_SEQN - 1)),
        (max + 1.0, Err(Error::BadSeqn)),
        (1e16, Err(Error::BadSeqn)),
        (f64::MAX, Err(Error::BadSeqn)),
        (-1.0, Err(Error::BadSeqn)),
        (0.5, Err(Error::BadSeqn)),
        (f64::EPSILON, Err(Error::BadSeqn)),
        (f64::MIN_POSITIVE, Err(Error::BadSeqn)),
        (f64::NAN, Err(Error::BadSeqn)),
        (f64::INFINITY, Err(Error::BadSeqn)),
        (f64::NEG_INFINITY, Err(Error::BadSeqn)),
    ];
    for (i, (value, expected)) in table.iter().enumerate() {
        assert_eq!(sequence::seqn_from_f64(*value), *expected, "row {i}: {value}");
    }
}

#[test]
fn article_flow_end_to_end() {
    // The article's case 2: stored SEQN 100, the device announces 120.
    let (format, message) = open_text(&json!({ "msg": ARTICLE_MSG }).to_string(), ARTICLE_KEY).expect("opens");
    assert_eq!((format, message["SEQN"].as_u64()), (Format::Passphrase, Some(120)));
    let seqn = taken_seqn(&Value::Object(message).to_string(), ARTICLE_KEY).expect("SEQN");
    assert_eq!(sequence::check(100, seqn, Policy::ForwardOnly), Ok(Accepted { seqn: 120, stored: 100, lost: 19 }));
    assert_eq!(sequence::check(120, seqn, Policy::ForwardOnly), Err(Error::Replay));
    assert_eq!(sequence::check(200, seqn, Policy::ForwardOnly), Err(Error::Stale));
    assert_eq!(sequence::check(200, seqn, Policy::Any), Ok(Accepted { seqn: 120, stored: 200, lost: 0 }));
}

// --- errors ------------------------------------------------------------------

#[test]
fn error_codes_are_stable_and_messages_carry_no_data() {
    let table = [
        (Error::BadBase64, "bad_base64"),
        (Error::BadFormat, "bad_format"),
        (Error::CannotDecrypt, "cannot_decrypt"),
        (Error::BadJson, "bad_json"),
        (Error::BadSeqn, "bad_seqn"),
        (Error::BadStored, "bad_stored"),
        (Error::Replay, "replay"),
        (Error::Stale, "stale"),
        (Error::BadKey, "bad_key"),
        (Error::BadOptions, "bad_options"),
        (Error::TooLarge, "too_large"),
        (Error::Rng, "rng"),
    ];
    for (i, (error, code)) in table.iter().enumerate() {
        assert_eq!(error.code(), *code, "row {i}");
        assert_eq!(error.to_string(), error.message(), "row {i}");
        assert!(!error.message().is_empty() && !error.message().contains(ARTICLE_KEY), "row {i}");
    }
    let mut codes: Vec<&str> = table.iter().map(|(e, _)| e.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), table.len(), "codes are distinct");
}
