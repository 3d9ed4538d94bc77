//! The `#[wasm_bindgen]` exports as JavaScript sees them, run in Node by
//! `wasm-pack test --node`: the article's vector, round trips, the error
//! objects and their `code`, and that the module keeps answering after a long
//! run of hostile inputs (a panic would trap and poison the instance).
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use wsn_crypto::{check_sequence, decrypt, decrypt_raw, encrypt, encrypt_raw, open, seal};

const ARTICLE_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const ARTICLE_MSG: &str = "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp";
const OPENSSL_VECTORS: &str = include_str!("vectors/passphrase-openssl.json");
const CRYPTOJS_VECTORS: &str = include_str!("vectors/passphrase-cryptojs.json");
const RAW_VECTORS: &str = include_str!("vectors/raw-cbc.json");
const ENVELOPE_VECTORS: &str = include_str!("vectors/envelope.json");

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn js(json_text: &str) -> JsValue {
    JSON::parse(json_text).expect("test JSON")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &s(key)).expect("an object")
}

/// A JS value as serde_json sees it, for comparisons.
fn to_json(value: &JsValue) -> Value {
    let text = JSON::stringify(value).expect("stringify").as_string().unwrap_or_else(|| "null".into());
    serde_json::from_str(&text).expect("JSON")
}

/// The `code` of the `Error` a call threw, or a description of what it
/// returned instead, for the caller's `assert_eq!` to show beside its row.
/// The text `decrypt` and `decryptRaw` answer, if they do.
fn text_of(result: Result<js_sys::JsString, JsValue>) -> Option<String> {
    result.ok().map(String::from)
}

fn code<T: core::fmt::Debug>(result: Result<T, JsValue>) -> String {
    match result {
        Ok(value) => format!("no error, returned {value:?}"),
        Err(error) => {
            assert!(error.is_instance_of::<js_sys::Error>(), "thrown value is an Error: {error:?}");
            let message = get(&error, "message").as_string().expect("message");
            assert!(!message.contains(ARTICLE_KEY) && !message.contains("U2Fsd"), "message leaks input: {message}");
            get(&error, "code").as_string().expect("a string code")
        }
    }
}

fn vectors(file: &str) -> Vec<Value> {
    let parsed: Value = serde_json::from_str(file).expect("vector file");
    let mut all = parsed["vectors"].as_array().expect("vectors").clone();
    if let Some(frozen) = parsed["frozen"].as_array() {
        all.extend(frozen.iter().cloned());
    }
    all
}

fn text_field<'a>(vector: &'a Value, key: &str) -> &'a str {
    vector[key].as_str().unwrap_or_else(|| panic!("vector field {key}"))
}

#[wasm_bindgen_test]
fn article_vector_decrypts() {
    assert_eq!(decrypt(s(ARTICLE_MSG), s(ARTICLE_KEY)).expect("decrypt"), "eyJTRVFOIjoxMjB9");
}

#[wasm_bindgen_test]
fn article_vector_opens_as_object_and_as_text_and_passes_the_sequence_check() {
    let body_text = format!(r#"{{"msg":"{ARTICLE_MSG}"}}"#);
    for body in [js(&body_text), s(&body_text)] {
        let opened = open(body, s(ARTICLE_KEY), JsValue::UNDEFINED).expect("open");
        assert_eq!(to_json(&opened), serde_json::json!({ "format": "passphrase", "message": { "SEQN": 120 } }));
        let accepted = check_sequence(get(&opened, "message"), JsValue::from(100), JsValue::UNDEFINED).expect("check");
        assert_eq!(to_json(&accepted), serde_json::json!({ "seqn": 120, "stored": 100, "lost": 19 }));
    }
}

#[wasm_bindgen_test]
fn decrypt_openssl_and_cryptojs_vectors() {
    let all: Vec<Value> = vectors(OPENSSL_VECTORS).into_iter().chain(vectors(CRYPTOJS_VECTORS)).collect();
    assert!(all.len() >= 20);
    for (i, v) in all.iter().enumerate() {
        let got = decrypt(s(text_field(v, "ciphertext")), s(text_field(v, "passphrase")));
        match v["plaintext"].as_str() {
            Some(plain) => assert_eq!(text_of(got).as_deref(), Some(plain), "vector {i} ({})", v["name"]),
            // decrypt returns a string, so a binary plaintext is refused, not mangled.
            None => assert_eq!(code(got), "cannot_decrypt", "vector {i} ({})", v["name"]),
        }
    }
}

#[wasm_bindgen_test]
fn decrypt_raw_node_crypto_vectors() {
    for (i, v) in vectors(RAW_VECTORS).iter().enumerate() {
        let Some(plain) = v["plaintext"].as_str() else { continue };
        let got = decrypt_raw(s(text_field(v, "iv")), s(text_field(v, "data")), s(text_field(v, "key_hex")));
        assert_eq!(text_of(got).as_deref(), Some(plain), "raw vector {i} ({})", v["name"]);
    }
}

#[wasm_bindgen_test]
fn open_envelope_vectors_as_objects_and_as_text() {
    for (i, v) in vectors(ENVELOPE_VECTORS).iter().enumerate() {
        let text = match v["body_text"].as_str() {
            Some(text) => text.to_string(),
            None => v["body"].to_string(),
        };
        let mut bodies = vec![s(&text)];
        if v["body"].is_object() {
            bodies.push(js(&text));
        }
        for (j, body) in bodies.into_iter().enumerate() {
            let got = open(body, s(text_field(v, "key")), JsValue::UNDEFINED);
            match v["expect"]["error"].as_str() {
                Some(expected) => assert_eq!(code(got), expected, "envelope vector {i} ({}), body {j}", v["name"]),
                None => {
                    let opened = got.unwrap_or_else(|e| panic!("envelope vector {i} ({}), body {j}: {e:?}", v["name"]));
                    assert_eq!(to_json(&opened), v["expect"], "envelope vector {i} ({}), body {j}", v["name"]);
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn encrypt_decrypt_round_trips() {
    let plaintexts = ["", "hello", "0123456789abcdef", "Grüße, 世界 🌍", "eyJTRVFOIjoxMjB9", &"x".repeat(5000)];
    let passphrases = ["secret", "", "pässwörd-秘密-🔑", ARTICLE_KEY, &"k".repeat(300)];
    for (i, plain) in plaintexts.iter().enumerate() {
        for (j, passphrase) in passphrases.iter().enumerate() {
            let ciphertext = encrypt(s(plain), s(passphrase)).expect("encrypt");
            assert!(ciphertext.starts_with("U2FsdGVkX1"), "plaintext {i}, passphrase {j}");
            assert_ne!(ciphertext, encrypt(s(plain), s(passphrase)).expect("encrypt"), "fresh salt");
            assert_eq!(
                text_of(decrypt(s(&ciphertext), s(passphrase))).as_deref(),
                Some(*plain),
                "plaintext {i}, passphrase {j}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn encrypt_raw_decrypt_raw_round_trips() {
    let keys = [ARTICLE_KEY, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", &"Ab".repeat(32)];
    for (i, key) in keys.iter().enumerate() {
        for plain in ["", "eyJkYXRhIjp7InZhbHVlIjozMDB9LCJTRVFOIjoxfQ==", "Grüße 🌍", &"y".repeat(4096)] {
            let body = encrypt_raw(s(plain), s(key)).expect("encryptRaw");
            let (iv, data) = (get(&body, "iv"), get(&body, "data"));
            assert_eq!(iv.as_string().map(|iv| iv.len()), Some(24), "key {i}: base64 of 16 bytes");
            assert_eq!(Object::keys(body.unchecked_ref::<Object>()).length(), 2, "only iv and data");
            assert_eq!(text_of(decrypt_raw(iv, data, s(key))).as_deref(), Some(plain), "key {i}");
        }
    }
}

#[wasm_bindgen_test]
fn seal_open_round_trips_in_both_formats() {
    let messages = [
        r#"{"SEQN":120}"#,
        r#"{"data":{"value":300},"SEQN":1}"#,
        r#"{"SEQN":9007199254740991,"text":"Grüße 🌍","list":[1,-2.5,null,true,"x"],"nested":{"a":{}}}"#,
    ];
    let cases = [
        (ARTICLE_KEY, JsValue::UNDEFINED, "passphrase"),
        (ARTICLE_KEY, JsValue::NULL, "passphrase"),
        ("pässwörd 🔑", js(r#"{"format":"passphrase"}"#), "passphrase"),
        (ARTICLE_KEY, js(r#"{"format":"raw"}"#), "raw"),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", js(r#"{"format":"raw"}"#), "raw"),
        (ARTICLE_KEY, js("{}"), "passphrase"),
    ];
    for (i, message) in messages.iter().enumerate() {
        for (j, (key, options, format)) in cases.iter().enumerate() {
            let sealed = seal(js(message), s(key), options.clone()).expect("seal");
            assert_eq!(sealed.is_string(), *format == "passphrase", "message {i} case {j}");
            // A passphrase reply is a bare string; as a request it travels as {msg}.
            let body = if sealed.is_string() { msg_body(&sealed) } else { sealed };
            let opened = open(body, s(key), JsValue::UNDEFINED).unwrap_or_else(|e| panic!("message {i} case {j}: {e:?}"));
            assert_eq!(to_json(&get(&opened, "format")), Value::from(*format), "message {i} case {j}");
            let expected: Value = serde_json::from_str(message).expect("JSON");
            assert_eq!(to_json(&get(&opened, "message")), expected, "message {i} case {j}");
        }
    }
    // The passphrase reply is exactly what the device decrypts: base64 of the JSON text.
    let reply = seal(js(r#"{"SEQN":120}"#), s(ARTICLE_KEY), JsValue::UNDEFINED).expect("seal");
    assert_eq!(text_of(decrypt(reply, s(ARTICLE_KEY))).as_deref(), Some("eyJTRVFOIjoxMjB9"));
}

#[wasm_bindgen_test]
fn error_codes_of_encrypt_and_decrypt() {
    let undefined = JsValue::UNDEFINED;
    assert_eq!(code(decrypt(s(""), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt(s("U2Fsd*"), s(ARTICLE_KEY))), "bad_base64");
    assert_eq!(code(decrypt(s("eyJTRVFOIjoxMjB9"), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt(s(ARTICLE_MSG), s("wrong key"))), "cannot_decrypt");
    assert_eq!(code(decrypt(s(ARTICLE_MSG), s(""))), "cannot_decrypt");
    assert_eq!(code(decrypt(undefined.clone(), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt(JsValue::from(5), s(ARTICLE_KEY))), "bad_format");
    // Not the passphrase "undefined", as wasm-bindgen's &str glue would make it.
    assert_eq!(code(decrypt(s(ARTICLE_MSG), undefined.clone())), "bad_key");
    assert_eq!(code(encrypt(s("x"), undefined.clone())), "bad_key");
    assert_eq!(code(encrypt(s("x"), JsValue::from(1234))), "bad_key");
    assert_eq!(code(encrypt(undefined.clone(), s("secret"))), "bad_options");
    assert_eq!(code(decrypt(s(&"A".repeat((1 << 20) + 4)), s(ARTICLE_KEY))), "too_large");

    assert_eq!(code(encrypt_raw(s("x"), s("secret"))), "bad_key");
    assert_eq!(code(encrypt_raw(s("x"), s(&ARTICLE_KEY[..31]))), "bad_key");
    assert_eq!(code(encrypt_raw(s("x"), undefined.clone())), "bad_key");
    let zero16 = "AAAAAAAAAAAAAAAAAAAAAA==";
    assert_eq!(code(decrypt_raw(s("AAAAAAAAAAAAAAAA"), s(zero16), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt_raw(s(zero16), s("AAAA"), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt_raw(s("!!"), s(zero16), s(ARTICLE_KEY))), "bad_base64");
    assert_eq!(code(decrypt_raw(s(zero16), s(zero16), s(ARTICLE_KEY))), "cannot_decrypt");
    assert_eq!(code(decrypt_raw(undefined.clone(), s(zero16), s(ARTICLE_KEY))), "bad_format");
    assert_eq!(code(decrypt_raw(s(zero16), s(zero16), s("zz"))), "bad_key");
}

#[wasm_bindgen_test]
fn error_codes_of_seal_and_open() {
    let circular = Object::new();
    Reflect::set(&circular, &s("self"), &circular).expect("set");
    let function = js_sys::Function::new_no_args("return 1");
    let big = JsValue::bigint_from_str("12345678901234567890");
    for (i, message) in [JsValue::UNDEFINED, circular.into(), function.into(), big].into_iter().enumerate() {
        assert_eq!(code(seal(message, s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_json", "unserialisable message {i}");
    }
    let message = js(r#"{"SEQN":1}"#);
    assert_eq!(code(seal(message.clone(), s(""), JsValue::UNDEFINED)), "bad_key");
    assert_eq!(code(seal(message.clone(), s("secret"), js(r#"{"format":"raw"}"#))), "bad_key");
    assert_eq!(code(seal(message.clone(), JsValue::NULL, JsValue::UNDEFINED)), "bad_key");
    for options in [r#"{"format":"rsa"}"#, r#"{"format":"RAW"}"#, r#""raw""#, "42", "true", r#"{"format":1}"#] {
        assert_eq!(code(seal(message.clone(), s(ARTICLE_KEY), js(options))), "bad_options", "{options}");
    }

    // Not objects of the envelope: a JSON scalar sealed opens to the opaque error.
    let scalar = seal(s("just a string"), s(ARTICLE_KEY), JsValue::UNDEFINED).expect("seal a string");
    assert_eq!(code(open(msg_body(&scalar), s(ARTICLE_KEY), JsValue::UNDEFINED)), "cannot_decrypt");

    let article = js(&format!(r#"{{"msg":"{ARTICLE_MSG}"}}"#));
    assert_eq!(code(open(JsValue::UNDEFINED, s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_format");
    assert_eq!(code(open(JsValue::NULL, s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_format");
    assert_eq!(code(open(JsValue::from(120), s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_format");
    assert_eq!(code(open(JsValue::TRUE, s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_format");
    assert_eq!(code(open(s("not json"), s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_json");
    assert_eq!(code(open(article.clone(), JsValue::UNDEFINED, JsValue::UNDEFINED)), "bad_key");
    assert_eq!(code(open(article.clone(), s(""), JsValue::UNDEFINED)), "bad_key");
    assert_eq!(code(open(article, s("wrong"), JsValue::UNDEFINED)), "cannot_decrypt");
    assert_eq!(code(open(js(r#"{"msg":{"nested":true}}"#), s(ARTICLE_KEY), JsValue::UNDEFINED)), "bad_format");
}

#[wasm_bindgen_test]
fn check_sequence_table() {
    let max = 9_007_199_254_740_991_f64;
    let any = js(r#"{"policy":"any"}"#);
    let forward = js(r#"{"policy":"forward-only"}"#);
    // A key set to undefined is unset: the default policy applies.
    let policy_undefined = js_sys::Object::new();
    js_sys::Reflect::set(&policy_undefined, &s("policy"), &JsValue::UNDEFINED).unwrap();
    let policy_undefined: JsValue = policy_undefined.into();
    // (message JSON, stored, options, expected {seqn, stored, lost} or error code)
    let table: Vec<(&str, JsValue, JsValue, Result<(f64, f64, f64), &str>)> = vec![
        (r#"{"SEQN":120}"#, 100.into(), JsValue::UNDEFINED, Ok((120.0, 100.0, 19.0))),
        (r#"{"SEQN":120}"#, 100.into(), forward.clone(), Ok((120.0, 100.0, 19.0))),
        (r#"{"SEQN":1}"#, 0.into(), JsValue::NULL, Ok((1.0, 0.0, 0.0))),
        (r#"{"SEQN":120}"#, 120.into(), JsValue::UNDEFINED, Err("replay")),
        (r#"{"SEQN":119}"#, 120.into(), JsValue::UNDEFINED, Err("stale")),
        (r#"{"SEQN":120}"#, 120.into(), any.clone(), Ok((120.0, 120.0, 0.0))),
        (r#"{"SEQN":5}"#, 120.into(), any.clone(), Ok((5.0, 120.0, 0.0))),
        (r#"{"SEQN":9007199254740991}"#, 0.into(), JsValue::UNDEFINED, Ok((max, 0.0, max - 1.0))),
        (r#"{"SEQN":9007199254740991}"#, (max - 1.0).into(), JsValue::UNDEFINED, Ok((max, max - 1.0, 0.0))),
        (r#"{"SEQN":9007199254740992}"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"{"SEQN":120.0}"#, 100.into(), JsValue::UNDEFINED, Ok((120.0, 100.0, 19.0))),
        (r#"{"SEQN":1.5}"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"{"SEQN":-1}"#, 0.into(), any.clone(), Err("bad_seqn")),
        (r#"{"SEQN":"120"}"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"{"SEQN":null}"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"{"seqn":120}"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"[120]"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"120"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"null"#, 0.into(), JsValue::UNDEFINED, Err("bad_seqn")),
        (r#"{"SEQN":120}"#, (-1).into(), JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, 0.5.into(), JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, f64::NAN.into(), JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, (max + 1.0).into(), JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, s("100"), JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, JsValue::UNDEFINED, JsValue::UNDEFINED, Err("bad_stored")),
        (r#"{"SEQN":120}"#, 100.into(), js(r#"{"policy":"sometimes"}"#), Err("bad_options")),
        (r#"{"SEQN":120}"#, 100.into(), js(r#"{"policy":"ANY"}"#), Err("bad_options")),
        (r#"{"SEQN":120}"#, 100.into(), js(r#"{"policy":null}"#), Err("bad_options")),
        (r#"{"SEQN":5}"#, 120.into(), policy_undefined.clone(), Err("stale")),
        (r#"{"SEQN":120}"#, 100.into(), s("any"), Err("bad_options")),
    ];
    for (i, (message, stored, options, expected)) in table.into_iter().enumerate() {
        let got = check_sequence(js(message), stored, options);
        match expected {
            Ok((seqn, stored, lost)) => {
                let got = got.unwrap_or_else(|e| panic!("row {i}: {e:?}"));
                let fields: Vec<Option<f64>> =
                    ["seqn", "stored", "lost"].iter().map(|k| get(&got, k).as_f64()).collect();
                assert_eq!(fields, vec![Some(seqn), Some(stored), Some(lost)], "row {i}");
            }
            Err(expected) => assert_eq!(code(got), expected, "row {i}"),
        }
    }
}

/// STYLE.md: "malformed options are an error, not silently defaulted".
/// Regression: read through serde-wasm-bindgen 0.6, which sees only the
/// declared fields of a JS object, a typo such as `{fmt: "raw"}` sealed in
/// the passphrase format instead of throwing.
#[wasm_bindgen_test]
fn options_with_unknown_fields_are_refused() {
    let message = js(r#"{"SEQN":1}"#);
    for options in [r#"{"fmt":"raw"}"#, r#"{"format":"raw","extra":1}"#, r#"["raw"]"#] {
        assert_eq!(code(seal(message.clone(), s(ARTICLE_KEY), js(options))), "bad_options", "seal {options}");
    }
    for options in [r#"{"Policy":"any"}"#, r#"{"policy":"any","extra":1}"#, "[]"] {
        let got = check_sequence(js(r#"{"SEQN":120}"#), 100.into(), js(options));
        assert_eq!(code(got), "bad_options", "checkSequence {options}");
    }
}

/// `open` gives integers beyond 2^53 the nearest double, as JSON.parse does.
/// Regression: built with serde-wasm-bindgen's JSON-compatible serializer,
/// which refuses them, the message came back `undefined` although it
/// decrypted.
#[wasm_bindgen_test]
fn open_keeps_messages_with_large_integers() {
    // Sealed by hand: JSON.stringify cannot write 2^64 - 1, but a device can.
    let inner = base64_of(r#"{"SEQN":1,"counter":18446744073709551615}"#);
    let msg = encrypt(s(&inner), s(ARTICLE_KEY)).expect("encrypt");
    let opened = open(msg_body(&s(&msg)), s(ARTICLE_KEY), JsValue::UNDEFINED);
    let message = get(&opened.expect("opens"), "message");
    assert!(message.is_object(), "message is {message:?}");
}

fn msg_body(msg: &JsValue) -> JsValue {
    let body = Object::new();
    Reflect::set(&body, &s("msg"), msg).expect("set");
    body.into()
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    wsn_crypto::encoding::BASE64.encode(text)
}

/// A small xorshift generator: hostile inputs differ from call to call but
/// are the same on every run.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "U2FsdGVkX1",
            "A",
            "=",
            "==",
            "+",
            "/",
            "\n",
            " ",
            "é",
            "😀",
            "\u{0}",
            "{",
            "}",
            "\"",
            "msg",
            "iv",
            "data",
            "SEQN",
            ":",
            ",",
            "null",
            "1",
            "-",
            ".",
            "e9",
            "AAAAAAAAAAAAAAAAAAAAAA==",
            ARTICLE_MSG,
        ];
        (0..self.below(24)).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }

    fn value(&mut self) -> JsValue {
        match self.below(12) {
            0 => JsValue::UNDEFINED,
            1 => JsValue::NULL,
            2 => JsValue::from(self.next() as f64 / 3.0 - 1e18),
            3 => JsValue::from(f64::NAN),
            4 => JsValue::TRUE,
            5 => JsValue::bigint_from_str("-42"),
            6 => js_sys::Symbol::for_("wsn").into(),
            7 => Array::of2(&s(&self.text()), &JsValue::from(1)).into(),
            8 => {
                let body = Object::new();
                for key in ["msg", "iv", "data", "SEQN", "policy", "format"] {
                    if self.below(2) == 0 {
                        let value =
                            if self.below(3) == 0 { JsValue::from(self.next() as f64) } else { s(&self.text()) };
                        Reflect::set(&body, &s(key), &value).expect("set");
                    }
                }
                body.into()
            }
            9 => s(&format!(r#"{{"msg":"{}"}}"#, self.text())),
            _ => s(&self.text()),
        }
    }
}

#[wasm_bindgen_test]
fn module_keeps_working_after_a_long_run_of_bad_inputs() {
    let mut rng = Xorshift(0x5EED_2016_0000_0001);
    let mut failures = 0usize;
    for round in 0..3000 {
        let (a, b, c) = (rng.value(), rng.value(), rng.value());
        let threw = match round % 7 {
            0 => decrypt(a, b).is_err(),
            1 => encrypt(a, b).is_err(),
            2 => decrypt_raw(a, b, c).is_err(),
            3 => encrypt_raw(a, b).is_err(),
            4 => seal(a, b, c).is_err(),
            5 => open(a, b, JsValue::UNDEFINED).is_err(),
            _ => check_sequence(a, b, c).is_err(),
        };
        failures += usize::from(threw);
    }
    assert!(failures > 2500, "nearly all hostile inputs are refused ({failures} of 3000)");

    // Every thrown value is an Error with a code, and the module still works.
    let mut rng = Xorshift(7);
    for _ in 0..300 {
        if let Err(error) = open(rng.value(), s(ARTICLE_KEY), JsValue::UNDEFINED) {
            assert!(error.is_instance_of::<js_sys::Error>());
            assert!(get(&error, "code").is_string());
        }
    }
    assert_eq!(text_of(decrypt(s(ARTICLE_MSG), s(ARTICLE_KEY))).as_deref(), Some("eyJTRVFOIjoxMjB9"));
    let ciphertext = encrypt(s("still here"), s("secret")).expect("encrypt");
    assert_eq!(text_of(decrypt(s(&ciphertext), s("secret"))).as_deref(), Some("still here"));
    let body = encrypt_raw(s("raw still here"), s(ARTICLE_KEY)).expect("encryptRaw");
    assert_eq!(
        text_of(decrypt_raw(get(&body, "iv"), get(&body, "data"), s(ARTICLE_KEY))).as_deref(),
        Some("raw still here")
    );
}
