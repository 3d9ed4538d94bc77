//! Whole request bodies as the backend receives them, opened with the
//! article's key in both formats.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsn_crypto::envelope::{self, BodyFields};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let Ok(fields) = BodyFields::from_json_text(text) else { return };
    let Ok(request) = fields.request() else { return };
    let _ = envelope::open(&request, "2B7E151628AED2A6ABF7158809CF4F3C");
});
