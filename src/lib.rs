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
//! ```
//! use wsn_crypto::{cipher, envelope, sequence};
//!
//! let key = "2B7E151628AED2A6ABF7158809CF4F3C";
//! let body = r#"{"msg":"U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp"}"#;
//! let fields = envelope::BodyFields::from_json_text(body)?;
//! let message = envelope::open(&fields.request()?, key)?;
//! let seqn = sequence::seqn_of(&message)?;
//! let accepted = sequence::check(100, seqn, sequence::Policy::ForwardOnly)?;
//! assert_eq!((accepted.seqn, accepted.lost), (120, 19));
//!
//! let inner = cipher::passphrase_decrypt(fields.msg.as_deref().unwrap_or(""), key.as_bytes())?;
//! assert_eq!(inner.as_slice(), b"eyJTRVFOIjoxMjB9");
//! # Ok::<(), wsn_crypto::Error>(())
//! ```
//!
//! The `#[wasm_bindgen]` exports below are a thin layer over the modules,
//! which hold no `JsValue` and are tested natively with `cargo test`.

#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod auth;
pub mod cipher;
pub mod encoding;
pub mod envelope;
mod error;
mod json;
pub mod kdf;
pub mod request;
pub mod sequence;

pub use error::{Error, Result};

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::auth::{Direction, Kind, Tag};
use crate::envelope::{BodyFields, Format, Request, Sealed};
use crate::request::Endpoint;
use crate::sequence::Policy;

/// JS strings the exports use on every call, made once. Each string made
/// from wasm goes through the glue's `TextDecoder`, and for the property
/// names alone that was about a quarter of the time to open a short message.
struct Names {
    code: JsValue,
    msg: JsValue,
    iv: JsValue,
    data: JsValue,
    auth: JsValue,
    device_id: JsValue,
    direction: JsValue,
    formats: JsValue,
    format: JsValue,
    message: JsValue,
    passphrase: JsValue,
    raw: JsValue,
    policy: JsValue,
    kind: JsValue,
    request: JsValue,
    endpoint: JsValue,
    seqn_member: JsValue,
    seqn: JsValue,
    stored: JsValue,
    lost: JsValue,
}

thread_local! {
    static NAMES: Names = Names {
        code: "code".into(),
        msg: "msg".into(),
        iv: "iv".into(),
        data: "data".into(),
        auth: "auth".into(),
        device_id: "deviceId".into(),
        direction: "direction".into(),
        formats: "formats".into(),
        format: "format".into(),
        message: "message".into(),
        passphrase: "passphrase".into(),
        raw: "raw".into(),
        policy: "policy".into(),
        kind: "kind".into(),
        request: "request".into(),
        endpoint: "endpoint".into(),
        seqn_member: "SEQN".into(),
        seqn: "seqn".into(),
        stored: "stored".into(),
        lost: "lost".into(),
    };
}

// JavaScript calls that can throw (a revoked Proxy, a throwing trap) are
// imported with `catch`: an exception thrown through the wasm frames would
// leave the module's stack unrestored, and after a few thousand of them
// every call traps.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn array_is_array(value: &JsValue) -> core::result::Result<bool, JsValue>;
}

/// `Array.isArray`; a value it throws on counts as an array (refused).
fn is_array(value: &JsValue) -> bool {
    array_is_array(value).unwrap_or(true)
}

fn to_js(error: Error) -> JsValue {
    let js_error = js_sys::Error::new(error.message());
    // Setting a property on a fresh Error object cannot fail.
    let _ = NAMES.with(|names| js_sys::Reflect::set(&js_error, &names.code, &error.code().into()));
    js_error.into()
}

/// Strings are taken as `JsValue` and checked here: wasm-bindgen's `&str`
/// glue would turn `undefined` into the passphrase "undefined".
fn text(value: &JsValue, error: Error) -> Result<String> {
    value.as_string().ok_or(error)
}

/// Reads `msg`, `iv` and `data` of a parsed request body. Deliberately not
/// serde-wasm-bindgen: its error path formats the whole value recursively in
/// JavaScript, and a deeply nested hostile body then throws a RangeError
/// through the wasm frames, which leaves the module's stack unrestored.
fn body_fields(body: &JsValue) -> Result<BodyFields> {
    if !body.is_object() || is_array(body) {
        return Err(Error::BadFormat);
    }
    let field = |name: &JsValue| -> Result<Option<String>> {
        let value = js_sys::Reflect::get(body, name).map_err(|_| Error::BadFormat)?;
        // Absent and null alike, as `envelope::member_text` reads JSON text.
        if value.is_undefined() || value.is_null() {
            Ok(None)
        } else {
            value.as_string().map(Some).ok_or(Error::BadFormat)
        }
    };
    NAMES.with(|names| {
        Ok(BodyFields {
            msg: field(&names.msg)?,
            iv: field(&names.iv)?,
            data: field(&names.data)?,
            auth: field(&names.auth)?,
        })
    })
}

/// Reads an options object: `undefined`, `null` (all defaults) or a plain
/// object whose own keys are all among `allowed` and whose values are all
/// strings or `undefined` (unset, as a caller's `{ deviceId: maybe }` makes
/// it; `null` stays an error). Returns the values in the order of `allowed`. Written out rather
/// than through serde-wasm-bindgen: that reads only the fields a struct
/// declares (so `{fmt: "raw"}` would pass as the defaults), and its error
/// path formats hostile nested values recursively in JavaScript.
fn options<const N: usize>(value: &JsValue, allowed: [&JsValue; N]) -> Result<[Option<String>; N]> {
    let mut values: [Option<String>; N] = core::array::from_fn(|_| None);
    if value.is_undefined() || value.is_null() {
        return Ok(values);
    }
    if !value.is_object() || is_array(value) {
        return Err(Error::BadOptions);
    }
    for name in js_sys::Reflect::own_keys(value).map_err(|_| Error::BadOptions)?.iter() {
        let index = allowed.iter().position(|known| **known == name).ok_or(Error::BadOptions)?;
        let option = js_sys::Reflect::get(value, &name).map_err(|_| Error::BadOptions)?;
        if option.is_undefined() {
            continue;
        }
        values[index] = Some(option.as_string().ok_or(Error::BadOptions)?);
    }
    Ok(values)
}

/// An option naming one of a type's values (`from_name`); its default when unset.
fn named<T>(name: Option<String>, default: T, from_name: fn(&str) -> Option<T>) -> Result<T> {
    name.map_or(Ok(default), |name| from_name(&name).ok_or(Error::BadOptions))
}

/// Decrypted bytes as a JavaScript string; the copy in wasm memory is wiped
/// (a Rust `String` handed to wasm-bindgen would be freed unwiped).
fn plain_text(plain: Zeroizing<Vec<u8>>) -> core::result::Result<js_sys::JsString, JsValue> {
    let text = encoding::utf8_text(plain).map_err(to_js)?;
    Ok(js_sys::JsString::from(text.as_str()))
}

/// A key copied out of JavaScript, wiped from wasm memory when dropped.
fn key_text(value: &JsValue) -> Result<Zeroizing<String>> {
    text(value, Error::BadKey).map(Zeroizing::new)
}

/// `CryptoJS.AES.encrypt(plaintext, passphrase).toString()`.
#[wasm_bindgen]
pub fn encrypt(plaintext: JsValue, passphrase: JsValue) -> core::result::Result<String, JsValue> {
    let plaintext = text(&plaintext, Error::BadOptions).map_err(to_js)?;
    let passphrase = key_text(&passphrase).map_err(to_js)?;
    cipher::passphrase_encrypt(plaintext.as_bytes(), passphrase.as_bytes()).map_err(to_js)
}

/// `CryptoJS.AES.decrypt(ciphertext, passphrase).toString(CryptoJS.enc.Utf8)`,
/// except that bad padding or a non-UTF-8 result is an error, not garbage.
#[wasm_bindgen]
pub fn decrypt(ciphertext: JsValue, passphrase: JsValue) -> core::result::Result<js_sys::JsString, JsValue> {
    let ciphertext = text(&ciphertext, Error::BadFormat).map_err(to_js)?;
    let passphrase = key_text(&passphrase).map_err(to_js)?;
    let plain = cipher::passphrase_decrypt(&ciphertext, passphrase.as_bytes()).map_err(to_js)?;
    plain_text(plain)
}

/// AES-CBC-PKCS#7 with a raw hex key and a fresh IV: `{iv, data}`, both base64.
#[wasm_bindgen(js_name = encryptRaw)]
pub fn encrypt_raw(plaintext: JsValue, key_hex: JsValue) -> core::result::Result<JsValue, JsValue> {
    let plaintext = text(&plaintext, Error::BadOptions).map_err(to_js)?;
    let key = cipher::RawKey::from_hex(&key_text(&key_hex).map_err(to_js)?).map_err(to_js)?;
    let (iv, data) = cipher::raw_encrypt(&key, plaintext.as_bytes()).map_err(to_js)?;
    Ok(raw_body(encoding::encode_base64(&iv), encoding::encode_base64(&data)))
}

/// The reverse of [`encrypt_raw`]; the result must be UTF-8.
#[wasm_bindgen(js_name = decryptRaw)]
pub fn decrypt_raw(iv: JsValue, data: JsValue, key_hex: JsValue) -> core::result::Result<js_sys::JsString, JsValue> {
    let iv = text(&iv, Error::BadFormat).map_err(to_js)?;
    let data = text(&data, Error::BadFormat).map_err(to_js)?;
    let key = cipher::RawKey::from_hex(&key_text(&key_hex).map_err(to_js)?).map_err(to_js)?;
    let plain = cipher::raw_decrypt(&key, &iv, &data).map_err(to_js)?;
    plain_text(plain)
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
    let [format, device_id, kind, request] =
        NAMES.with(|names| self::options(&options, [&names.format, &names.device_id, &names.kind, &names.request])).map_err(to_js)?;
    let format = named(format, Format::Passphrase, Format::from_name).map_err(to_js)?;
    let key = key_text(&key).map_err(to_js)?;
    let json = js_sys::JSON::stringify(&message)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| to_js(Error::BadJson))?;
    if format != Format::Auth {
        if kind.is_some() || request.is_some() {
            return Err(to_js(Error::BadOptions));
        }
        return match envelope::seal(&json, &key, format).map_err(to_js)? {
            Sealed::Passphrase(ciphertext) => Ok(ciphertext.into()),
            Sealed::Raw { iv, data } => Ok(raw_body(iv, data)),
        };
    }
    let device_id = device_id.ok_or_else(|| to_js(Error::BadOptions))?;
    let kind = kind.as_deref().and_then(Kind::from_name).ok_or_else(|| to_js(Error::BadOptions))?;
    let bound = request.as_deref().map(request_tag).transpose().map_err(to_js)?;
    // A query may leave its SEQN out; a SEQN that is there must be one.
    let seqn = match message_member_seqn(&message) {
        None if kind == Kind::Query => 0,
        seqn => seqn.and_then(|v| v.as_f64()).ok_or(Error::BadSeqn).and_then(sequence::seqn_from_f64).map_err(to_js)?,
    };
    let (auth, _) = auth::seal(json.as_bytes(), &key, &device_id, kind, seqn, bound.as_ref()).map_err(to_js)?;
    Ok(auth_body(auth))
}

/// Opens a body (the parsed object, or its JSON text) with the device key.
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
    let [device_id, direction, formats, request] =
        NAMES.with(|names| self::options(&options, [&names.device_id, &names.direction, &names.formats, &names.request])).map_err(to_js)?;
    let direction = named(direction, Direction::Request, Direction::from_name).map_err(to_js)?;
    let key = key_text(&key).map_err(to_js)?;
    let fields = read_body(&body).map_err(to_js)?;
    let body = fields.request().map_err(to_js)?;
    if formats.is_some() && !request::allows(formats.as_deref(), body.format()) {
        return Err(to_js(Error::FormatNotAllowed));
    }
    // Only the authenticated format binds a reply to its request: a device
    // that asks for a bound reply takes no legacy body for one.
    if (direction == Direction::Reply || request.is_some()) && body.format() != Format::Auth {
        return Err(to_js(Error::FormatNotAllowed));
    }
    let result = js_sys::Object::new();
    let json_text = match body {
        Request::Auth { auth } => {
            let device_id = device_id.ok_or_else(|| to_js(Error::BadOptions))?;
            let bound = match (direction, request) {
                (Direction::Request, None) => None,
                (Direction::Reply, Some(tag)) => Some(request_tag(&tag).map_err(to_js)?),
                _ => return Err(to_js(Error::BadOptions)),
            };
            let verified = auth::verify(auth, &key, &device_id, bound.as_ref()).map_err(to_js)?;
            let kind = verified.kind(direction).map_err(to_js)?;
            let json_text = encoding::utf8_text(verified.decrypt().map_err(to_js)?).map_err(to_js)?;
            if !json::is_object(&json_text) {
                return Err(to_js(Error::CannotDecrypt));
            }
            NAMES.with(|names| {
                let _ = js_sys::Reflect::set(&result, &names.kind, &kind.as_str().into());
                let _ = js_sys::Reflect::set(&result, &names.seqn, &JsValue::from_f64(verified.seqn() as f64));
            });
            json_text
        }
        legacy => envelope::open_legacy(&legacy, &key).map_err(to_js)?.json_text,
    };
    set_format_and_message(&result, body.format(), &json_text)?;
    Ok(result.into())
}

/// Takes a device's request, as the backend's decrypt node does: one call
/// that checks the device's formats (none listed refuses all), opens the
/// message, checks that the endpoint takes its kind, reads its SEQN and
/// applies the sequence rule against `stored`. Returns `{format, kind, seqn,
/// stored, lost, policy, message}`, and in the authenticated format
/// `request`, the base64 tag its reply must be bound to.
/// Options: `{endpoint: "seqn" | "data", deviceId, formats, policy:
/// "forward-only" | "any" | "none"}`; `endpoint` is required.
/// A refusal throws an `Error` with its `code`; where the request's tag
/// verified, also with `auth`, the refusal sealed for the device.
#[wasm_bindgen(js_name = openRequest)]
pub fn open_request(body: JsValue, key: JsValue, stored: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    let [endpoint, device_id, formats, policy] =
        NAMES.with(|names| self::options(&options, [&names.endpoint, &names.device_id, &names.formats, &names.policy])).map_err(to_js)?;
    let endpoint = endpoint.as_deref().and_then(Endpoint::from_name).ok_or_else(|| to_js(Error::BadOptions))?;
    let policy = match policy.as_deref() {
        None => Some(Policy::default()),
        Some("none") => None,
        Some(name) => Some(Policy::from_name(name).ok_or_else(|| to_js(Error::BadOptions))?),
    };
    let stored = stored_seqn(&stored).map_err(to_js)?;
    let key = key_text(&key).map_err(to_js)?;
    let fields = read_body(&body).map_err(to_js)?;
    let options = request::Options { device_id: device_id.as_deref().unwrap_or(""), formats: formats.as_deref(), stored, policy, endpoint };
    let taken = request::take(&fields, &key, &options).map_err(|refused| {
        let error = to_js(refused.error);
        if let Some(sealed) = refused.sealed {
            let _ = NAMES.with(|names| js_sys::Reflect::set(&error, &names.auth, &sealed.into()));
        }
        error
    })?;
    let result = js_sys::Object::new();
    set_format_and_message(&result, taken.format, &taken.json_text)?;
    let policy = taken.policy.map_or("none", Policy::as_str);
    NAMES.with(|names| {
        let _ = js_sys::Reflect::set(&result, &names.kind, &taken.kind.as_str().into());
        // All three are at most 2^53 - 1, so exact as JS numbers.
        for (name, value) in [(&names.seqn, taken.seqn), (&names.stored, taken.stored), (&names.lost, taken.lost)] {
            let _ = js_sys::Reflect::set(&result, name, &JsValue::from_f64(value as f64));
        }
        let _ = js_sys::Reflect::set(&result, &names.policy, &policy.into());
        if let Some(tag) = taken.request_tag {
            let _ = js_sys::Reflect::set(&result, &names.request, &encoding::encode_base64(&tag).into());
        }
    });
    Ok(result.into())
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

/// The error a code names; anything else (not a string, an unknown code) is none.
/// Taken as `JsValue`: wasm-bindgen's `&str` glue traps on a non-string.
fn known_error(code: &JsValue) -> Option<Error> {
    code.as_string().as_deref().and_then(Error::from_code)
}

/// A request body as the exports take it: JSON text (what the device sent)
/// or the object a body parser made of it.
fn read_body(body: &JsValue) -> Result<BodyFields> {
    match body.as_string() {
        Some(json_text) => BodyFields::from_json_text(&json_text),
        None => body_fields(body),
    }
}

/// The stored SEQN, as a database row gives it.
fn stored_seqn(stored: &JsValue) -> Result<u64> {
    stored.as_f64().ok_or(Error::BadStored).and_then(|n| sequence::seqn_from_f64(n).map_err(|_| Error::BadStored))
}

/// A request's tag as options give it: base64 of 16 bytes.
fn request_tag(text: &str) -> Result<Tag> {
    let bytes = encoding::decode_base64(text).map_err(|_| Error::BadOptions)?;
    bytes.as_slice().try_into().map_err(|_| Error::BadOptions)
}

/// `message.SEQN`, if the message is an object that has one.
fn message_member_seqn(message: &JsValue) -> Option<JsValue> {
    if !message.is_object() {
        return None;
    }
    NAMES.with(|names| js_sys::Reflect::get(message, &names.seqn_member)).ok().filter(|v| !v.is_undefined())
}

/// `message.SEQN` as a number, if it is one.
fn message_seqn(message: &JsValue) -> Option<f64> {
    message_member_seqn(message).and_then(|v| v.as_f64())
}

/// Sets `format` and `message`: the device's JSON text, parsed by
/// `JSON.parse`, so JavaScript gets exactly the numbers and strings it would
/// read itself, even those beyond 2^53.
fn set_format_and_message(result: &js_sys::Object, format: Format, json_text: &str) -> core::result::Result<(), JsValue> {
    let message = js_sys::JSON::parse(json_text).map_err(|_| to_js(Error::CannotDecrypt))?;
    NAMES.with(|names| {
        let format = match format {
            Format::Passphrase => &names.passphrase,
            Format::Raw => &names.raw,
            Format::Auth => &names.auth,
        };
        let _ = js_sys::Reflect::set(result, &names.format, format);
        let _ = js_sys::Reflect::set(result, &names.message, &message);
    });
    Ok(())
}

fn auth_body(auth: String) -> JsValue {
    let body = js_sys::Object::new();
    NAMES.with(|names| js_sys::Reflect::set(&body, &names.auth, &auth.into())).ok();
    body.into()
}

/// Checks `message.SEQN` against the stored SEQN. Returns
/// `{seqn, stored, lost}`. Options: `{policy: "forward-only" | "any"}`.
#[wasm_bindgen(js_name = checkSequence)]
pub fn check_sequence(message: JsValue, stored: JsValue, options: JsValue) -> core::result::Result<JsValue, JsValue> {
    let [policy] = NAMES.with(|names| self::options(&options, [&names.policy])).map_err(to_js)?;
    let policy = named(policy, Policy::default(), Policy::from_name).map_err(to_js)?;
    let stored = stored_seqn(&stored).map_err(to_js)?;
    let received = sequence::seqn_from_f64(message_seqn(&message).ok_or_else(|| to_js(Error::BadSeqn))?).map_err(to_js)?;
    let accepted = sequence::check(stored, received, policy).map_err(to_js)?;
    let result = js_sys::Object::new();
    // All three are at most 2^53 - 1, so exact as JS numbers.
    NAMES.with(|names| {
        for (name, value) in [(&names.seqn, accepted.seqn), (&names.stored, accepted.stored), (&names.lost, accepted.lost)] {
            let _ = js_sys::Reflect::set(&result, name, &JsValue::from_f64(value as f64));
        }
    });
    Ok(result.into())
}

fn raw_body(iv: String, data: String) -> JsValue {
    let body = js_sys::Object::new();
    NAMES.with(|names| {
        let _ = js_sys::Reflect::set(&body, &names.iv, &iv.into());
        let _ = js_sys::Reflect::set(&body, &names.data, &data.into());
    });
    body.into()
}
