//! The SEQN read from a message and the sequence rule, as the backend
//! applies them (`request::take`): the input is a stored SEQN (8 bytes) and
//! a message's JSON text, sealed here in the passphrase format and taken at
//! the endpoint its members fit, under each policy. Never a panic, and what
//! is taken has the SEQN serde_json reads from the text, a `lost` that fits
//! the gap, and under forward-only a SEQN above the stored one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::envelope::{self, BodyFields, Format, Sealed};
use wsn_crypto::request::{self, Endpoint, Options};
use wsn_crypto::sequence::{self, Policy};

const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let _ = sequence::seqn_from_f64(f64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8])));
    let (stored, json) = data.split_at(8);
    let stored = u64::from_le_bytes(stored.try_into().unwrap_or([0; 8]));
    let Ok(json_text) = core::str::from_utf8(json) else { return };
    let Ok(serde_json::Value::Object(message)) = serde_json::from_str(json_text) else { return };
    let Ok(Sealed::Passphrase(msg)) = envelope::seal(json_text, KEY, Format::Passphrase) else { return };
    let body = BodyFields { msg: Some(msg), ..BodyFields::default() };
    let endpoint = if message.contains_key("data") { Endpoint::Data } else { Endpoint::Seqn };
    for policy in [Some(Policy::ForwardOnly), Some(Policy::Any), None] {
        let options = Options { device_id: "12FA", formats: Some("passphrase"), stored, policy, endpoint };
        let Ok(taken) = request::take(&body, KEY, &options) else { continue };
        let seqn = message.get("SEQN").and_then(serde_json::Value::as_f64).expect("a taken message has a numeric SEQN");
        assert_eq!(taken.seqn as f64, seqn);
        assert_eq!(taken.stored, stored);
        assert!(taken.lost < taken.seqn.max(1));
        match policy {
            Some(Policy::ForwardOnly) => assert!(taken.seqn > stored && taken.lost == taken.seqn - stored - 1),
            Some(Policy::Any) => assert!(taken.seqn > stored || taken.lost == 0),
            None => assert_eq!(taken.lost, 0),
        }
    }
});
