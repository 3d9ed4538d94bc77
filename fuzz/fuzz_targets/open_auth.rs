//! The authenticated format: arbitrary text under the article's key and a
//! fixed device id, and arbitrary device ids; whole bodies through the
//! envelope. A value or a typed error, never a panic; nothing but the one
//! message of the seed corpus sealed with the key ever opens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::auth::{self, Direction};
use wsn_crypto::envelope::{self, Binding, BodyFields};

const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The seed corpus holds one message sealed with the key; a forged tag
    // would need the key, so nothing else may ever open.
    if let Ok(plain) = auth::open(&text, KEY, "12FA", Direction::Request) {
        assert_eq!(plain.as_slice(), br#"{"data":{"value":300},"SEQN":121}"#, "opened a message that was never sealed");
    }
    if let Some((split, rest)) = data.split_first() {
        let at = (*split as usize).min(rest.len());
        let (id, body) = rest.split_at(at);
        let _ = auth::open(&String::from_utf8_lossy(body), KEY, &String::from_utf8_lossy(id), Direction::Reply);
    }
    if let Ok(fields) = BodyFields::from_json_text(&text) {
        if let Ok(request) = fields.request() {
            let binding = Binding { device_id: "12FA", direction: Direction::Request };
            let _ = envelope::open_bound(&request, KEY, Some(binding));
        }
    }
});
