//! The authenticated format (auth v2, README: "The authenticated format") against vectors made
//! by an independent implementation on node:crypto (tests/vectors/auth.json,
//! checked there against openssl too): known answers both ways, the
//! messages that must be refused, and every flipped byte.

use serde_json::Value;
use wsn_crypto::auth::{self, Direction, Kind, Tag};
use wsn_crypto::encoding::decode_base64;
use wsn_crypto::Error;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

struct Vector {
    key: String,
    device_id: String,
    kind: Kind,
    seqn: u64,
    iv: [u8; 16],
    plaintext: String,
    request: Option<Tag>,
    tag: Tag,
    auth: String,
}

fn hex<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    assert_eq!(text.len(), 2 * N, "hex {text}");
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex digit");
    }
    out
}

fn file() -> Value {
    serde_json::from_str(include_str!("vectors/auth.json")).expect("auth.json")
}

fn text(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap_or_else(|| panic!("field {name}")).to_string()
}

fn vectors() -> Vec<Vector> {
    file()["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| Vector {
            key: text(v, "key"),
            device_id: text(v, "deviceId"),
            kind: Kind::from_name(&text(v, "kind")).expect("kind"),
            seqn: v["seqn"].as_u64().expect("seqn"),
            iv: hex(&text(v, "iv")),
            plaintext: text(v, "plaintext"),
            request: v["request"].as_str().map(hex),
            tag: hex(&text(v, "tag")),
            auth: text(v, "auth"),
        })
        .collect()
}

fn direction(v: &Vector) -> Direction {
    if v.request.is_some() {
        Direction::Reply
    } else {
        Direction::Request
    }
}

#[test]
fn auth_v2_opens_node_crypto_vectors() {
    let all = vectors();
    assert!(all.len() >= 12, "vector count {}", all.len());
    for (i, v) in all.iter().enumerate() {
        let verified = auth::verify(&v.auth, &v.key, &v.device_id, v.request.as_ref()).unwrap_or_else(|e| panic!("vector {i}: {e:?}"));
        assert_eq!(verified.kind(direction(v)), Ok(v.kind), "vector {i}");
        assert_eq!(verified.seqn(), v.seqn, "vector {i}");
        assert_eq!(verified.tag(), &v.tag, "vector {i}");
        assert_eq!(verified.decrypt().expect("decrypt").as_slice(), v.plaintext.as_bytes(), "vector {i}");
    }
}

#[test]
fn auth_v2_seals_node_crypto_vectors_byte_for_byte() {
    for (i, v) in vectors().iter().enumerate() {
        let (auth, tag) = auth::seal_with_iv(v.plaintext.as_bytes(), &v.key, &v.device_id, v.kind, v.seqn, v.request.as_ref(), &v.iv)
            .unwrap_or_else(|e| panic!("vector {i}: {e:?}"));
        assert_eq!((auth.as_str(), tag), (v.auth.as_str(), v.tag), "vector {i}");
        assert_eq!(auth::tag_of(&v.auth), Ok(v.tag), "vector {i}");
    }
}

#[test]
fn auth_v2_replies_are_bound_to_the_request_tag_in_the_file() {
    let all = vectors();
    for (i, reply) in all.iter().enumerate().filter(|(_, v)| v.request.is_some()) {
        assert!(all.iter().any(|request| request.request.is_none() && Some(request.tag) == reply.request), "vector {i}");
    }
}

#[test]
fn auth_v2_refuses_the_refused_vectors() {
    let file = file();
    let refused = file["refused"].as_array().expect("refused");
    assert!(refused.len() >= 7);
    for (i, r) in refused.iter().enumerate() {
        let request: Option<Tag> = r["request"].as_str().map(hex);
        let result = auth::verify(&text(r, "auth"), &text(r, "key"), &text(r, "deviceId"), request.as_ref());
        // A tag can verify only where the refused thing is the kind (another
        // request kind in a request's place is for the endpoint to refuse).
        let refused_here = match result {
            Err(error) => matches!(error, Error::CannotDecrypt | Error::BadFormat),
            Ok(verified) => verified.kind(if request.is_some() { Direction::Reply } else { Direction::Request }).is_err(),
        };
        assert!(refused_here, "refused {i}: {}", text(r, "why"));
    }
}

#[test]
fn auth_v2_refuses_other_device_key_binding_and_every_flipped_byte() {
    for (i, v) in vectors().iter().enumerate() {
        let bound = v.request.as_ref();
        assert_eq!(auth::verify(&v.auth, &v.key, "someone-else", bound).err(), Some(Error::CannotDecrypt), "vector {i}");
        assert_eq!(auth::verify(&v.auth, &"11".repeat(16), &v.device_id, bound).err(), Some(Error::CannotDecrypt), "vector {i}");
        let other: Option<Tag> = Some(match bound {
            Some(tag) => tag.map(|b| b ^ 1),
            None => v.tag,
        });
        assert_eq!(auth::verify(&v.auth, &v.key, &v.device_id, other.as_ref()).err(), Some(Error::CannotDecrypt), "vector {i}");
        let bytes = decode_base64(&v.auth).expect("base64");
        for position in 0..bytes.len() {
            let mut tampered = bytes.clone();
            tampered[position] ^= 0x80;
            let result = auth::verify(&base64_of(&tampered), &v.key, &v.device_id, bound).err();
            assert!(matches!(result, Some(Error::CannotDecrypt | Error::BadFormat)), "vector {i} byte {position}: {result:?}");
        }
        // Cut or extended by a block: refused before any decryption.
        for changed in [&bytes[..bytes.len() - 16], &[bytes.as_slice(), &[0u8; 16]].concat()[..]] {
            assert!(auth::verify(&base64_of(changed), &v.key, &v.device_id, bound).is_err(), "vector {i}");
        }
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    wsn_crypto::encoding::BASE64.encode(bytes)
}
