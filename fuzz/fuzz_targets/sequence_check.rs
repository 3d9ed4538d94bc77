//! The sequence check on arbitrary decoded messages and stored values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::sequence::{self, Policy};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (stored, json) = data.split_at(8);
    let stored = u64::from_le_bytes(stored.try_into().unwrap_or([0; 8]));
    let Ok(serde_json::Value::Object(message)) = serde_json::from_slice(json) else { return };
    if let Ok(seqn) = sequence::seqn_of(&message) {
        for policy in [Policy::ForwardOnly, Policy::Any] {
            if let Ok(accepted) = sequence::check(stored, seqn, policy) {
                assert!(accepted.seqn == seqn && accepted.lost < seqn.max(1));
                assert!(policy == Policy::Any || seqn > stored);
            }
        }
    }
    let _ = sequence::seqn_from_f64(f64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8])));
});
