//! # wsn_crypto
//!
//! End-to-end encryption and replay protection for data logged by small
//! devices (ESP8266 class) into a Node-RED backend, byte-compatible with
//! CryptoJS, `openssl enc -aes-256-cbc -md md5 -a` and the Arduino AES
//! library the devices' firmware uses.
//!
//! Three wire formats are spoken:
//! - **passphrase**: the device key is a passphrase; `EVP_BytesToKey` (MD5,
//!   one round) with a random 8-byte salt gives an AES-256 key and IV;
//!   AES-256-CBC with PKCS#7; base64(`Salted__` + salt + ciphertext).
//! - **raw**: the hex device key is the AES key (128/192/256 bits); a random
//!   IV travels beside the ciphertext.
//! - **auth** ([`auth`]): encrypt-then-MAC with keys derived from the hex
//!   device key, bound to the device id and the direction of the message.
//!
//! In the first two the plaintext is base64 of a JSON object carrying `SEQN`,
//! in the third the JSON itself; [`sequence::check`] takes a message only if
//! its SEQN is above the stored one.
//!
//! ## Security warning
//! In the passphrase and raw formats CBC has no integrity protection:
//! ciphertexts are malleable and nothing authenticates them beyond "decrypts
//! to base64 of a JSON object"; use the auth format where firmware allows. MD5 is
//! used only because the key derivation of the wire format requires it. Every
//! failure after the outer format check is one opaque
//! [`Error::CannotDecrypt`], so callers do not become padding oracles.
//!
//! ## Example
//! The backend's path, as the decrypt node takes a request through
//! `openRequest`: the body's JSON text, the device's formats, the sequence
//! rule against the stored SEQN.
//! ```
//! use wsn_crypto::{cipher, envelope, request, sequence};
//!
//! let key = "2B7E151628AED2A6ABF7158809CF4F3C";
//! let body = r#"{"msg":"U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp"}"#;
//! let fields = envelope::BodyFields::from_json_text(body)?;
//! let options = request::Options {
//!     device_id: "12FA",
//!     formats: Some("passphrase,auth"),
//!     stored: 100,
//!     policy: Some(sequence::Policy::ForwardOnly),
//!     endpoint: request::Endpoint::Seqn,
//! };
//! let taken = request::take(&fields, key, &options).map_err(|refused| refused.error)?;
//! assert_eq!((taken.seqn, taken.stored, taken.lost), (120, 100, 19));
//! assert_eq!(taken.json_text.as_str(), r#"{"SEQN":120}"#);
//!
//! let inner = cipher::passphrase_decrypt(fields.msg.as_deref().unwrap_or(""), key.as_bytes())?;
//! assert_eq!(inner.as_slice(), b"eyJTRVFOIjoxMjB9");
//! # Ok::<(), wsn_crypto::Error>(())
//! ```
//!
//! The `#[wasm_bindgen]` exports below are one-line wrappers over the
//! `*_inner` functions of the boundary module, which reads what JavaScript
//! passes and writes what it gets back; the modules under it hold no
//! `JsValue` and are tested natively with `cargo test`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
mod boundary;
pub mod cipher;
pub mod encoding;
pub mod envelope;
mod error;
mod json;
pub mod kdf;
pub mod keywrap;
pub mod request;
pub mod sequence;

pub use error::{Error, Result};

use wasm_bindgen::prelude::*;

use crate::boundary::*;

/// `CryptoJS.AES.encrypt(plaintext, passphrase).toString()`.
#[wasm_bindgen]
pub fn encrypt(plaintext: JsValue, passphrase: JsValue) -> core::result::Result<String, JsValue> {
    Ok(encrypt_inner(&plaintext, &passphrase)?)
}

/// `CryptoJS.AES.decrypt(ciphertext, passphrase).toString(CryptoJS.enc.Utf8)`,
/// except that bad padding or a non-UTF-8 result is an error, not garbage.
#[wasm_bindgen]
pub fn decrypt(ciphertext: JsValue, passphrase: JsValue) -> core::result::Result<js_sys::JsString, JsValue> {
    Ok(decrypt_inner(&ciphertext, &passphrase)?)
}

/// AES-CBC-PKCS#7 with a raw hex key and a fresh IV: `{iv, data}`, both base64.
#[wasm_bindgen(js_name = encryptRaw)]
pub fn encrypt_raw(plaintext: JsValue, key_hex: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(encrypt_raw_inner(&plaintext, &key_hex)?)
}

/// The reverse of [`encrypt_raw`]; the result must be UTF-8.
#[wasm_bindgen(js_name = decryptRaw)]
pub fn decrypt_raw(iv: JsValue, data: JsValue, key_hex: JsValue) -> core::result::Result<js_sys::JsString, JsValue> {
    Ok(decrypt_raw_inner(&iv, &data, &key_hex)?)
}

/// Seals a message (any JSON value, written with `JSON.stringify`).
/// Returns the ciphertext string in the passphrase format (the body of the
/// article's GET reply), `{iv, data}` in the raw format, or `{auth}` in the
/// authenticated format.
/// Options: `{format: "passphrase" | "raw" | "auth", deviceId, kind, request}`,
/// passphrase by default. The authenticated format needs `deviceId` and
/// `kind` (a device's `query`, `reset`, `data`; the backend's `seqn`, `ack`,
/// `refusal`); a reply kind needs `request`, the base64 tag of the request
/// it answers. The header's SEQN is the message's `SEQN` (0 for a query
/// without one).
#[wasm_bindgen]
pub fn seal(message: JsValue, key: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(seal_inner(&message, &key, &options)?)
}

/// Opens a body, given as its JSON text, with the device key. Any other
/// value (a parsed object included) is `bad_format`.
/// Returns `{format, message}`, `message` being the JSON object inside, and
/// in the authenticated format also `{kind, seqn}` from its header. The
/// format is told from the body: `{msg}`, `{iv, data}` or `{auth}`.
/// Options: `{deviceId, direction: "request" | "reply", request, formats}`:
/// the authenticated format needs `deviceId`; a reply (what a device opens)
/// needs `request`, the base64 tag of the request it must answer, and only
/// reply kinds open as replies, request kinds as requests. `formats`, a
/// comma-separated list, refuses any other format with `format_not_allowed`
/// before any decryption. This is the reader for devices and tools; the
/// backend takes requests with [`open_request`].
#[wasm_bindgen]
pub fn open(body: JsValue, key: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(open_inner(&body, &key, &options)?)
}

/// Takes a device's request, as the backend's decrypt node does: one call
/// that checks the device's formats (none listed refuses all), opens the
/// message (the body's JSON text; any other value is `bad_format`), checks
/// that the endpoint takes its kind, reads its SEQN and applies the sequence
/// rule against `stored`. Returns `{format, kind, seqn, stored, lost,
/// policy, message}`, and in the authenticated format `request`, the base64
/// tag its reply must be bound to.
/// Options: `{endpoint: "seqn" | "data" | "any", deviceId, formats, policy:
/// "forward-only" | "any" | "none"}`; `endpoint` is required.
/// A refusal throws an `Error` with its `code`; where the request's tag
/// verified, also with `auth`, the refusal sealed for the device.
#[wasm_bindgen(js_name = openRequest)]
pub fn open_request(body: JsValue, key: JsValue, stored: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(open_request_inner(&body, &key, &stored, &options)?)
}

/// The wire formats (`"passphrase"`, `"raw"`, `"auth"`) a comma-separated
/// list allows, in list order, each once: the rule the decrypt node applies
/// ([`request::allowed`]), for the encrypt node and the tools to share.
/// Anything but a string allows none.
#[wasm_bindgen(js_name = formatsAllowed)]
pub fn formats_allowed(list: JsValue) -> js_sys::Array {
    formats_allowed_inner(&list)
}

/// The HTTP status a backend answers an error code with; 500 for codes the
/// core does not know.
#[wasm_bindgen(js_name = httpStatus)]
pub fn http_status(code: JsValue) -> u16 {
    known_error(&code).map_or(500, Error::http_status)
}

/// The code a client is shown for an error code: `cannot_decrypt` for every
/// failure to decode, `server_error` for whatever is not the client's fault.
#[wasm_bindgen(js_name = publicCode)]
pub fn public_code(code: JsValue) -> String {
    known_error(&code).unwrap_or(Error::ServerError).public_code().to_string()
}

/// Checks `message.SEQN` against the stored SEQN. Returns
/// `{seqn, stored, lost}`. Options: `{policy: "forward-only" | "any"}`.
#[wasm_bindgen(js_name = checkSequence)]
pub fn check_sequence(message: JsValue, stored: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(check_sequence_inner(&message, &stored, &options)?)
}

/// Wraps a device's key text under a key-encryption key (`"<label>:<64 hex
/// digits>"`) for its row: `"kw1:<label>:<base64>"`, which `seal`, `open`
/// and `openRequest` take as their key with the option `kek`.
#[wasm_bindgen(js_name = wrapKey)]
pub fn wrap_key(key: JsValue, device_id: JsValue, kek: JsValue) -> core::result::Result<String, JsValue> {
    Ok(wrap_key_inner(&key, &device_id, &kek)?)
}

/// A stored key wrapped under `to` instead of `from` (`from` undefined: a
/// plain key, wrapped now).
#[wasm_bindgen(js_name = rewrapKey)]
pub fn rewrap_key(stored: JsValue, device_id: JsValue, from: JsValue, to: JsValue) -> core::result::Result<String, JsValue> {
    Ok(rewrap_key_inner(&stored, &device_id, &from, &to)?)
}

/// `{wrapped, label, fingerprint}` of a stored key, never the key; a wrapped
/// key's fingerprint only with its KEK.
#[wasm_bindgen(js_name = keyInfo)]
pub fn key_info(stored: JsValue, device_id: JsValue, kek: JsValue) -> core::result::Result<JsValue, JsValue> {
    Ok(key_info_inner(&stored, &device_id, &kek)?)
}
