//! What crosses between JavaScript and the core: the exports' arguments read
//! from `JsValue`s, their results written back, and the one conversion of an
//! [`Error`] into the `Error` object JavaScript catches. The exports in
//! `lib.rs` are one-line wrappers over the `*_inner` functions here.
//!
//! Results go out through serde-wasm-bindgen: they are small shapes the core
//! makes itself (names, integers up to 2^53 − 1, base64), so its serializer
//! writes them as plain objects of strings and numbers, an absent optional
//! field left absent. A decrypted message goes out as the `JsValue` that
//! `JSON.parse` made of the device's text ([`serde_wasm_bindgen::preserve`]).
//!
//! Options come in through the hand-written [`options`] reader, not through
//! serde-wasm-bindgen: its struct reader looks up only the fields a struct
//! declares, so `deny_unknown_fields` never sees an unknown key and
//! `{fmt: "raw"}` would pass as the defaults; and it reads properties with
//! imports that do not catch, so a throwing or revoked Proxy would throw
//! through the wasm frames and leave the module's stack unrestored.
//!
//! Request bodies come in as their JSON text only, read by the core's JSON reader in
//! [`crate::json`]: a parsed object would cross as a tree of `JsValue`s of
//! any depth, and a hostile nesting would reach the boundary.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::auth::{self, Direction, Kind, Tag};
use crate::envelope::{self, BodyFields, Format, Request, Sealed};
use crate::error::{Error, Result};
use crate::request::{self, Endpoint, Refused};
use crate::sequence::{self, Policy};
use crate::keywrap::{self, Kek};
use crate::{cipher, encoding, json};

/// JS strings the readers use on every call, made once. Each string made
/// from wasm goes through the glue's `TextDecoder`, and for the property
/// names alone that was about a quarter of the time to open a short message.
/// (serde-wasm-bindgen caches the names of the result fields itself.)
struct Names {
    code: JsValue,
    auth: JsValue,
    device_id: JsValue,
    direction: JsValue,
    formats: JsValue,
    format: JsValue,
    policy: JsValue,
    kind: JsValue,
    request: JsValue,
    endpoint: JsValue,
    kek: JsValue,
    seqn_member: JsValue,
}

thread_local! {
    static NAMES: Names = Names {
        code: "code".into(),
        auth: "auth".into(),
        device_id: "deviceId".into(),
        direction: "direction".into(),
        formats: "formats".into(),
        format: "format".into(),
        policy: "policy".into(),
        kind: "kind".into(),
        request: "request".into(),
        endpoint: "endpoint".into(),
        kek: "kek".into(),
        seqn_member: "SEQN".into(),
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

/// The `Error` JavaScript catches: the error's message, and its `code`.
impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        let js_error = js_sys::Error::new(error.message());
        // Setting a property on a fresh Error object cannot fail.
        let _ = NAMES.with(|names| js_sys::Reflect::set(&js_error, &names.code, &error.code().into()));
        js_error.into()
    }
}

/// A refusal: its error, and where the request's tag verified also `auth`,
/// the refusal sealed for the device.
impl From<Refused> for JsValue {
    fn from(refused: Refused) -> JsValue {
        let error = JsValue::from(refused.error);
        if let Some(sealed) = refused.sealed {
            let _ = NAMES.with(|names| js_sys::Reflect::set(&error, &names.auth, &sealed.into()));
        }
        error
    }
}

/// `Array.isArray`; a value it throws on counts as an array (refused).
fn is_array(value: &JsValue) -> bool {
    array_is_array(value).unwrap_or(true)
}

/// Strings are taken as `JsValue` and checked here: wasm-bindgen's `&str`
/// glue would turn `undefined` into the passphrase "undefined".
fn text(value: &JsValue, error: Error) -> Result<String> {
    value.as_string().ok_or(error)
}

/// A key copied out of JavaScript, wiped from wasm memory when dropped.
fn key_text(value: &JsValue) -> Result<Zeroizing<String>> {
    text(value, Error::BadKey).map(Zeroizing::new)
}

/// A KEK option: read, and wiped from wasm memory when dropped.
fn kek(option: Option<String>) -> Result<Option<Kek>> {
    option.map(Zeroizing::new).map(|text| Kek::parse(&text)).transpose()
}

/// The key a call works with: the `key` argument as the database row holds
/// it, unwrapped here with the `kek` option when it is wrapped. The plain
/// key exists only in wasm memory, wiped on drop.
fn device_key(key: &JsValue, kek_option: Option<String>, device_id: Option<&str>) -> Result<Zeroizing<String>> {
    let stored = key_text(key)?;
    let kek = kek(kek_option)?;
    if !keywrap::is_wrapped(&stored) {
        return Ok(stored);
    }
    keywrap::unwrap(&stored, device_id.ok_or(Error::BadOptions)?, kek.as_ref())
}

/// The longest body text taken, in UTF-16 units: far above any wire-format
/// message (the nodes stop at 16 KiB), and checked before the copy into
/// wasm memory, which grows for good and never shrinks.
const MAX_BODY_UNITS: u32 = 1 << 20;

/// A request body: its JSON text, as the device sent it.
fn body(body: &JsValue) -> Result<BodyFields> {
    if let Some(text) = body.dyn_ref::<js_sys::JsString>() {
        if text.length() > MAX_BODY_UNITS {
            return Err(Error::TooLarge);
        }
    }
    BodyFields::from_json_text(&text(body, Error::BodyNotText)?)
}

/// Reads an options object: `undefined`, `null` (all defaults) or a plain
/// object whose own keys are all among `allowed` and whose values are all
/// strings or `undefined` (unset, as a caller's `{ deviceId: maybe }` makes
/// it; `null` stays an error). Returns the values in the order of `allowed`.
/// Why not serde-wasm-bindgen: see the module's documentation.
fn options<const N: usize>(value: &JsValue, allowed: impl FnOnce(&Names) -> [&JsValue; N]) -> Result<[Option<String>; N]> {
    let mut values: [Option<String>; N] = core::array::from_fn(|_| None);
    if value.is_undefined() || value.is_null() {
        return Ok(values);
    }
    if !value.is_object() || is_array(value) {
        return Err(Error::BadOptions);
    }
    let keys = js_sys::Reflect::own_keys(value).map_err(|_| Error::BadOptions)?;
    NAMES.with(|names| {
        let allowed = allowed(names);
        for name in keys.iter() {
            let index = allowed.iter().position(|known| **known == name).ok_or(Error::BadOptions)?;
            let option = js_sys::Reflect::get(value, &name).map_err(|_| Error::BadOptions)?;
            if !option.is_undefined() {
                values[index] = Some(option.as_string().ok_or(Error::BadOptions)?);
            }
        }
        Ok(values)
    })
}

/// An option naming one of a type's values (`from_name`); its default when unset.
fn named<T>(name: Option<String>, default: T, from_name: fn(&str) -> Option<T>) -> Result<T> {
    name.map_or(Ok(default), |name| from_name(&name).ok_or(Error::BadOptions))
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

/// Decrypted bytes as a JavaScript string; the copy in wasm memory is wiped
/// (a Rust `String` handed to wasm-bindgen would be freed unwiped).
fn plain_text(plain: Zeroizing<Vec<u8>>) -> Result<js_sys::JsString> {
    Ok(js_sys::JsString::from(encoding::utf8_text(plain)?.as_str()))
}

/// The device's JSON text as JavaScript reads it, with `JSON.parse`, so that
/// it gets exactly the numbers and strings it would read itself, even those
/// beyond 2^53. The text was read by the core's reader already (is it an object,
/// its SEQN, its data): the rules need those answers inside the wasm, and
/// asking the engine's parser for them would be a second crossing.
fn parsed_message(json_text: &str) -> Result<JsValue> {
    js_sys::JSON::parse(json_text).map_err(|_| Error::CannotDecrypt)
}

/// A result written out as a plain JavaScript object. Every shape here is
/// the core's own and small, so serializing fails only on a bug.
fn out<T: Serialize>(value: &T) -> Result<JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|_| Error::ServerError)
}

/// A SEQN or a count as a JavaScript number. Every one the core hands out
/// is at most 2^53 − 1, so exact as a double; written as `f64` rather than
/// serialized as `u64`, whose out-of-range error path links core::fmt's
/// formatting into the module.
#[allow(clippy::cast_precision_loss)]
fn number(value: u64) -> f64 {
    debug_assert!(value <= sequence::MAX_SEQN);
    value as f64
}

/// A raw-format body: `{iv, data}`.
#[derive(Serialize)]
struct RawBody {
    iv: String,
    data: String,
}

/// An authenticated-format body: `{auth}`.
#[derive(Serialize)]
struct AuthBody {
    auth: String,
}

/// What `open` answers. Fields in the order they were always set, so that
/// `JSON.stringify` of a result reads as before.
#[derive(Serialize)]
struct Opened {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seqn: Option<f64>,
    format: &'static str,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    message: JsValue,
}

/// What `openRequest` answers.
#[derive(Serialize)]
struct Taken {
    format: &'static str,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    message: JsValue,
    kind: &'static str,
    seqn: f64,
    stored: f64,
    lost: f64,
    policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
}

/// What `checkSequence` answers.
#[derive(Serialize)]
struct Checked {
    seqn: f64,
    stored: f64,
    lost: f64,
}

pub(crate) fn encrypt_inner(plaintext: &JsValue, passphrase: &JsValue) -> Result<String> {
    let plaintext = text(plaintext, Error::BadOptions)?;
    let passphrase = key_text(passphrase)?;
    cipher::passphrase_encrypt(plaintext.as_bytes(), passphrase.as_bytes())
}

pub(crate) fn decrypt_inner(ciphertext: &JsValue, passphrase: &JsValue) -> Result<js_sys::JsString> {
    let ciphertext = text(ciphertext, Error::BadFormat)?;
    let passphrase = key_text(passphrase)?;
    plain_text(cipher::passphrase_decrypt(&ciphertext, passphrase.as_bytes())?)
}

pub(crate) fn encrypt_raw_inner(plaintext: &JsValue, key_hex: &JsValue) -> Result<JsValue> {
    let plaintext = text(plaintext, Error::BadOptions)?;
    let key = cipher::RawKey::from_hex(&key_text(key_hex)?)?;
    let (iv, data) = cipher::raw_encrypt(&key, plaintext.as_bytes())?;
    out(&RawBody { iv: encoding::encode_base64(&iv), data: encoding::encode_base64(&data) })
}

pub(crate) fn decrypt_raw_inner(iv: &JsValue, data: &JsValue, key_hex: &JsValue) -> Result<js_sys::JsString> {
    let iv = text(iv, Error::BadFormat)?;
    let data = text(data, Error::BadFormat)?;
    let key = cipher::RawKey::from_hex(&key_text(key_hex)?)?;
    plain_text(cipher::raw_decrypt(&key, &iv, &data)?)
}

pub(crate) fn seal_inner(message: &JsValue, key: &JsValue, options: &JsValue) -> Result<JsValue> {
    let [format, device_id, kind, request, kek] = self::options(options, |n| [&n.format, &n.device_id, &n.kind, &n.request, &n.kek])?;
    let format = named(format, Format::Passphrase, Format::from_name)?;
    let key = device_key(key, kek, device_id.as_deref())?;
    let json = js_sys::JSON::stringify(message).ok().and_then(|s| s.as_string()).ok_or(Error::BadJson)?;
    if format != Format::Auth {
        if kind.is_some() || request.is_some() {
            return Err(Error::BadOptions);
        }
        return match envelope::seal(&json, &key, format)? {
            Sealed::Passphrase(ciphertext) => Ok(ciphertext.into()),
            Sealed::Raw { iv, data } => out(&RawBody { iv, data }),
        };
    }
    let device_id = device_id.ok_or(Error::BadOptions)?;
    let kind = kind.as_deref().and_then(Kind::from_name).ok_or(Error::BadOptions)?;
    let bound = request.as_deref().map(request_tag).transpose()?;
    // A query may leave its SEQN out; a SEQN that is there must be one.
    let seqn = match message_member_seqn(message) {
        None if kind == Kind::Query => 0,
        seqn => seqn.and_then(|v| v.as_f64()).ok_or(Error::BadSeqn).and_then(sequence::seqn_from_f64)?,
    };
    let (auth, _) = auth::seal(json.as_bytes(), &key, &device_id, kind, seqn, bound.as_ref())?;
    out(&AuthBody { auth })
}

pub(crate) fn open_inner(body: &JsValue, key: &JsValue, options: &JsValue) -> Result<JsValue> {
    let [device_id, direction, formats, request, kek] =
        self::options(options, |n| [&n.device_id, &n.direction, &n.formats, &n.request, &n.kek])?;
    let direction = named(direction, Direction::Request, Direction::from_name)?;
    let key = device_key(key, kek, device_id.as_deref())?;
    let fields = self::body(body)?;
    let body = fields.request()?;
    if formats.is_some() && !request::allows(formats.as_deref(), body.format()) {
        return Err(Error::FormatNotAllowed);
    }
    // Only the authenticated format binds a reply to its request: a device
    // that asks for a bound reply takes no legacy body for one.
    if (direction == Direction::Reply || request.is_some()) && body.format() != Format::Auth {
        return Err(Error::FormatNotAllowed);
    }
    let (header, json_text) = match body {
        Request::Auth { auth } => {
            let device_id = device_id.ok_or(Error::BadOptions)?;
            let bound = match (direction, request) {
                (Direction::Request, None) => None,
                (Direction::Reply, Some(tag)) => Some(request_tag(&tag)?),
                _ => return Err(Error::BadOptions),
            };
            let verified = auth::verify(auth, &key, &device_id, bound.as_ref())?;
            let kind = verified.kind(direction)?;
            let json_text = encoding::utf8_text(verified.decrypt()?)?;
            if !json::is_object(&json_text) {
                return Err(Error::CannotDecrypt);
            }
            (Some((kind.as_str(), verified.seqn())), json_text)
        }
        legacy => (None, envelope::open_legacy(&legacy, &key)?.json_text),
    };
    out(&Opened {
        kind: header.map(|(kind, _)| kind),
        seqn: header.map(|(_, seqn)| number(seqn)),
        format: body.format().as_str(),
        message: parsed_message(&json_text)?,
    })
}

pub(crate) fn open_request_inner(body: &JsValue, key: &JsValue, stored: &JsValue, options: &JsValue) -> core::result::Result<JsValue, Refused> {
    let [endpoint, device_id, formats, policy, kek] =
        self::options(options, |n| [&n.endpoint, &n.device_id, &n.formats, &n.policy, &n.kek])?;
    let endpoint = endpoint.as_deref().and_then(Endpoint::from_name).ok_or(Error::BadOptions)?;
    let policy = match policy.as_deref() {
        None => Some(Policy::default()),
        Some("none") => None,
        Some(name) => Some(Policy::from_name(name).ok_or(Error::BadOptions)?),
    };
    let stored = stored_seqn(stored)?;
    let key = device_key(key, kek, device_id.as_deref())?;
    let fields = self::body(body)?;
    let options = request::Options { device_id: device_id.as_deref().unwrap_or(""), formats: formats.as_deref(), stored, policy, endpoint };
    let taken = request::take(&fields, &key, &options)?;
    Ok(out(&Taken {
        format: taken.format.as_str(),
        message: parsed_message(&taken.json_text)?,
        kind: taken.kind.as_str(),
        seqn: number(taken.seqn),
        stored: number(taken.stored),
        lost: number(taken.lost),
        policy: taken.policy.map_or("none", Policy::as_str),
        request: taken.request_tag.map(|tag| encoding::encode_base64(&tag)),
    })?)
}

pub(crate) fn formats_allowed_inner(list: &JsValue) -> js_sys::Array {
    request::allowed(list.as_string().as_deref()).into_iter().map(|format| JsValue::from_str(format.as_str())).collect()
}

/// The error a code names; anything else (not a string, an unknown code) is none.
/// Taken as `JsValue`: wasm-bindgen's `&str` glue traps on a non-string.
pub(crate) fn known_error(code: &JsValue) -> Option<Error> {
    code.as_string().as_deref().and_then(Error::from_code)
}

pub(crate) fn check_sequence_inner(message: &JsValue, stored: &JsValue, options: &JsValue) -> Result<JsValue> {
    let [policy] = self::options(options, |n| [&n.policy])?;
    let policy = named(policy, Policy::default(), Policy::from_name)?;
    let stored = stored_seqn(stored)?;
    let received = message_member_seqn(message).and_then(|v| v.as_f64()).ok_or(Error::BadSeqn)?;
    let accepted = sequence::check(stored, sequence::seqn_from_f64(received)?, policy)?;
    out(&Checked { seqn: number(accepted.seqn), stored: number(accepted.stored), lost: number(accepted.lost) })
}

/// What `keyInfo` answers: never the key.
#[derive(Serialize)]
struct KeyInfo {
    wrapped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
}

pub(crate) fn wrap_key_inner(key: &JsValue, device_id: &JsValue, kek: &JsValue) -> Result<String> {
    let key = key_text(key)?;
    let device_id = text(device_id, Error::BadOptions)?;
    let kek = self::kek(Some(text(kek, Error::BadKek)?))?.ok_or(Error::BadKek)?;
    keywrap::wrap(&key, &device_id, &kek)
}

pub(crate) fn rewrap_key_inner(stored: &JsValue, device_id: &JsValue, from: &JsValue, to: &JsValue) -> Result<String> {
    let stored = key_text(stored)?;
    let device_id = text(device_id, Error::BadOptions)?;
    let from = if from.is_undefined() { None } else { Some(text(from, Error::BadKek)?) };
    let from = self::kek(from)?;
    let to = self::kek(Some(text(to, Error::BadKek)?))?.ok_or(Error::BadKek)?;
    keywrap::rewrap(&stored, &device_id, from.as_ref(), &to)
}

pub(crate) fn key_info_inner(stored: &JsValue, device_id: &JsValue, kek: &JsValue) -> Result<JsValue> {
    let stored = key_text(stored)?;
    let label = keywrap::label_of(&stored)?.map(str::to_owned);
    // A plain key's fingerprint needs nothing; a wrapped one's needs its KEK.
    let fingerprint = if label.is_none() || !kek.is_undefined() {
        let device_id = text(device_id, Error::BadOptions)?;
        let kek = if kek.is_undefined() { None } else { self::kek(Some(text(kek, Error::BadKek)?))? };
        Some(keywrap::fingerprint(&keywrap::unwrap(&stored, &device_id, kek.as_ref())?)?)
    } else {
        None
    };
    out(&KeyInfo { wrapped: label.is_some(), label, fingerprint })
}
