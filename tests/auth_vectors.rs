//! The authenticated format (auth v1) against vectors made by an independent
//! implementation on node:crypto (tests/vectors/auth.json), plus round trips
//! and the refusals that make it authenticated.

use serde_json::Value;
use wsn_crypto::auth::{self, Direction};
use wsn_crypto::encoding::decode_base64;
use wsn_crypto::envelope::{self, Binding, BodyFields, Format};
use wsn_crypto::Error;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

struct Vector {
    key: String,
    device_id: String,
    direction: Direction,
    plaintext: String,
    auth: String,
}

fn vectors() -> Vec<Vector> {
    let file: Value = serde_json::from_str(include_str!("vectors/auth.json")).expect("auth.json");
    let text = |v: &Value, name: &str| v[name].as_str().unwrap_or_else(|| panic!("field {name}")).to_string();
    file["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| Vector {
            key: text(v, "key"),
            device_id: text(v, "deviceId"),
            direction: if v["direction"] == "reply" { Direction::Reply } else { Direction::Request },
            plaintext: text(v, "plaintext"),
            auth: text(v, "auth"),
        })
        .collect()
}

#[test]
fn auth_v1_opens_node_crypto_vectors() {
    for (i, v) in vectors().iter().enumerate() {
        let plain = auth::open(&v.auth, &v.key, &v.device_id, v.direction).unwrap_or_else(|e| panic!("vector {i}: {e:?}"));
        assert_eq!(plain.as_slice(), v.plaintext.as_bytes(), "vector {i}");
    }
}

#[test]
fn auth_v1_refuses_other_device_direction_key_and_every_flipped_byte() {
    for (i, v) in vectors().iter().enumerate() {
        let other_direction = if v.direction == Direction::Request { Direction::Reply } else { Direction::Request };
        assert_eq!(auth::open(&v.auth, &v.key, "someone-else", v.direction), Err(Error::CannotDecrypt), "vector {i}");
        assert_eq!(auth::open(&v.auth, &v.key, &v.device_id, other_direction), Err(Error::CannotDecrypt), "vector {i}");
        assert_eq!(auth::open(&v.auth, &"11".repeat(16), &v.device_id, v.direction), Err(Error::CannotDecrypt), "vector {i}");
        let bytes = decode_base64(&v.auth).expect("base64");
        for position in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[position] ^= 0x80;
            let result = auth::open(&base64_of(&tampered), &v.key, &v.device_id, v.direction);
            assert!(matches!(result, Err(Error::CannotDecrypt | Error::BadFormat)), "vector {i} byte {position}: {result:?}");
        }
        // Truncated and extended by a block: refused before any decryption.
        let short = base64_of(&bytes[..bytes.len() - 16]);
        assert!(auth::open(&short, &v.key, &v.device_id, v.direction).is_err(), "vector {i}");
    }
}

#[test]
fn auth_v1_round_trip_through_the_envelope() {
    let binding = Binding { device_id: "12FA", direction: Direction::Request };
    let sealed = envelope::seal_bound(r#"{"SEQN":5}"#, "2B7E151628AED2A6ABF7158809CF4F3C", Format::Auth, Some(binding)).expect("seal");
    let envelope::Sealed::Auth(text) = sealed else { panic!("not auth") };
    let body = format!(r#"{{"auth":"{text}"}}"#);
    let fields = BodyFields::from_json_text(&body).expect("body");
    let request = fields.request().expect("format");
    assert_eq!(request.format(), Format::Auth);
    let message = envelope::open_bound(&request, "2B7E151628AED2A6ABF7158809CF4F3C", Some(binding)).expect("open");
    assert_eq!(message["SEQN"], 5);
    // Without a binding the authenticated format cannot be opened or sealed.
    assert_eq!(envelope::open(&request, "2B7E151628AED2A6ABF7158809CF4F3C"), Err(Error::BadOptions));
    assert_eq!(envelope::seal("{}", "2B7E151628AED2A6ABF7158809CF4F3C", Format::Auth), Err(Error::BadOptions));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    wsn_crypto::encoding::BASE64.encode(bytes)
}
