//! Keys at rest (src/keywrap.rs) against vectors made by node:crypto's RFC
//! 5649 key wrap (tests/vectors/keywrap.json, tests/vectors/generate-keywrap.js):
//! the core wraps to the same text and unwraps it back; under another device
//! id or another KEK it refuses.

use serde_json::Value;
use wsn_crypto::keywrap::{self, Kek};
use wsn_crypto::Error;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const VECTORS: &str = include_str!("vectors/keywrap.json");

fn vectors() -> Vec<Value> {
    let file: Value = serde_json::from_str(VECTORS).expect("keywrap.json");
    file["vectors"].as_array().expect("vectors").clone()
}

#[test]
fn keywrap_node_crypto_vectors_wrap_and_unwrap() {
    let all = vectors();
    assert!(all.len() >= 6);
    for (index, v) in all.iter().enumerate() {
        let (key, id, stored) = (v["key"].as_str().unwrap(), v["deviceId"].as_str().unwrap(), v["stored"].as_str().unwrap());
        let kek = Kek::parse(v["kek"].as_str().unwrap()).unwrap();
        assert_eq!(keywrap::wrap(key, id, &kek).unwrap(), stored, "vector {index}: wrap");
        assert_eq!(keywrap::unwrap(stored, id, Some(&kek)).unwrap().as_str(), key, "vector {index}: unwrap");
        assert_eq!(keywrap::unwrap(stored, &format!("{id}x"), Some(&kek)).err(), Some(Error::WrongKek), "vector {index}: moved row");
        assert_eq!(keywrap::unwrap(stored, id, None).err(), Some(Error::KekMissing), "vector {index}: no KEK");
    }
}

#[test]
fn keywrap_a_row_wrapped_under_one_kek_is_refused_under_another() {
    let all = vectors();
    for (index, v) in all.iter().enumerate() {
        let stored = v["stored"].as_str().unwrap();
        for other in &all {
            if other["kek"] != v["kek"] {
                let kek = Kek::parse(other["kek"].as_str().unwrap()).unwrap();
                assert_eq!(keywrap::unwrap(stored, v["deviceId"].as_str().unwrap(), Some(&kek)).err(), Some(Error::WrongKek), "vector {index}");
            }
        }
    }
}
