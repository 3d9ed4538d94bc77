//! Whole request bodies as the backend receives them, read and opened with
//! the article's key as the exports do (`BodyFields::from_json_text`, then
//! `envelope::open_legacy` for the two legacy formats). Never a panic, and
//! what opens is JSON text that serde_json reads as an object.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::envelope::{self, BodyFields, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let Ok(fields) = BodyFields::from_json_text(text) else { return };
    let Ok(request) = fields.request() else { return };
    if matches!(request, Request::Auth { .. }) {
        // open_auth and take_request fuzz the authenticated format.
        return;
    }
    if let Ok(opened) = envelope::open_legacy(&request, "2B7E151628AED2A6ABF7158809CF4F3C") {
        let value: serde_json::Value = serde_json::from_str(&opened.json_text).expect("opened text is JSON");
        assert!(value.is_object(), "opened text is an object");
    }
});
