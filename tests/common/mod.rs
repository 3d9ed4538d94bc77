//! What the native tests share: the shipped paths read back as values to
//! compare with. Each test crate uses some of these.
#![allow(dead_code)]

use serde_json::{Map, Value};
use wsn_crypto::envelope::{self, BodyFields, Format, Request, Sealed};
use wsn_crypto::request::{self, Endpoint, Options};
use wsn_crypto::Error;

/// A legacy request opened as the exports open it (`envelope::open_legacy`),
/// its JSON text read as the object JavaScript's `JSON.parse` makes of it.
pub fn open_message(request: &Request<'_>, key: &str) -> Result<Map<String, Value>, Error> {
    let opened = envelope::open_legacy(request, key)?;
    match serde_json::from_str(&opened.json_text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => panic!("open_legacy answered a text that is not a JSON object"),
    }
}

/// The SEQN the backend reads from a message (`request::take`, the
/// passphrase format, no sequence rule): at `/data` for a message with a
/// `data` member, at `/wsn` for one without.
pub fn taken_seqn(json_text: &str, key: &str) -> Result<u64, Error> {
    let Sealed::Passphrase(msg) = envelope::seal(json_text, key, Format::Passphrase)? else { unreachable!("passphrase") };
    let body = BodyFields { msg: Some(msg), ..BodyFields::default() };
    let has_data = serde_json::from_str::<Map<String, Value>>(json_text).is_ok_and(|m| m.contains_key("data"));
    let endpoint = if has_data { Endpoint::Data } else { Endpoint::Seqn };
    let options = Options { device_id: "12FA", formats: Some("passphrase"), stored: 0, policy: None, endpoint };
    request::take(&body, key, &options).map(|taken| taken.seqn).map_err(|refused| refused.error)
}
