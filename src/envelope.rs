//! The message envelope: in the two formats of the original flows, JSON text,
//! base64-encoded, then encrypted; in the authenticated format ([`crate::auth`]),
//! the JSON text sealed with encrypt-then-MAC. And the reverse.

use serde::Deserialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::auth::{self, Direction};
use crate::cipher::{self, RawKey};
use crate::encoding::{decode_base64, encode_base64, utf8_text};
use crate::error::{Error, Result};
use crate::json::{self, Member};

/// The wire formats devices speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CryptoJS/OpenSSL passphrase format; request body `{"msg":"U2FsdGVkX1..."}`.
    Passphrase,
    /// Raw AES key (hex) with a random IV; body `{"iv":"...","data":"..."}`.
    Raw,
    /// Encrypt-then-MAC ([`crate::auth`]); body `{"auth":"..."}`.
    Auth,
}

impl Format {
    /// The name used in options and in the node's output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Passphrase => "passphrase",
            Format::Raw => "raw",
            Format::Auth => "auth",
        }
    }

    /// Reads a format name.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "passphrase" => Some(Format::Passphrase),
            "raw" => Some(Format::Raw),
            "auth" => Some(Format::Auth),
            _ => None,
        }
    }
}

/// Where a message of the authenticated format belongs: the device it is
/// for and who made it. Both are inside its tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The device id, as in the URL.
    pub device_id: &'a str,
    /// A device's request or the backend's reply.
    pub direction: Direction,
}

/// The fields of a request body that matter; others are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct BodyFields {
    /// Passphrase-format ciphertext.
    pub msg: Option<String>,
    /// Raw-format IV, base64.
    pub iv: Option<String>,
    /// Raw-format ciphertext, base64.
    pub data: Option<String>,
    /// Authenticated-format message, base64.
    pub auth: Option<String>,
}

impl BodyFields {
    /// Reads a request body given as JSON text.
    ///
    /// # Errors
    /// [`Error::BadJson`] if the text is not JSON, [`Error::BadFormat`] if it
    /// is JSON of the wrong shape (not an object, a field not a string).
    pub fn from_json_text(text: &str) -> Result<Self> {
        if text.len() > cipher::MAX_CIPHERTEXT_CHARS + 1024 {
            return Err(Error::TooLarge);
        }
        // Read as a `Value` would be, then the members as the derived
        // `Deserialize` reads them from it; not that reader on the text, which
        // would also take `[msg, iv, data]` as the struct.
        match json::body_members(text).map_err(|_| Error::BadJson)? {
            Some([msg, iv, data, auth]) => Ok(BodyFields {
                msg: member_text(msg)?,
                iv: member_text(iv)?,
                data: member_text(data)?,
                auth: member_text(auth)?,
            }),
            None => Err(Error::BadFormat),
        }
    }

    /// Tells the wire format from the fields present: `msg` alone, `iv`
    /// with `data`, or `auth` alone. Anything else (two formats, none, half
    /// of one) is refused rather than guessed.
    ///
    /// # Errors
    /// [`Error::BadFormat`].
    pub fn request(&self) -> Result<Request<'_>> {
        match (&self.msg, &self.iv, &self.data, &self.auth) {
            (Some(msg), None, None, None) => Ok(Request::Passphrase { msg }),
            (None, Some(iv), Some(data), None) => Ok(Request::Raw { iv, data }),
            (None, None, None, Some(auth)) => Ok(Request::Auth { auth }),
            _ => Err(Error::BadFormat),
        }
    }
}

/// An `Option<String>` member as the derived `Deserialize` reads it from a
/// JSON object: absent or `null` is `None`, a string is itself, anything else
/// is the wrong shape.
fn member_text(member: Member) -> Result<Option<String>> {
    match member {
        Member::Absent | Member::Null => Ok(None),
        Member::Text(text) => Ok(Some(text)),
        Member::Other => Err(Error::BadFormat),
    }
}

/// A request body whose format is known.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// `{"msg": ...}`
    Passphrase {
        /// base64("Salted__" + salt + ciphertext)
        msg: &'a str,
    },
    /// `{"iv": ..., "data": ...}`
    Raw {
        /// base64 of the 16-byte IV
        iv: &'a str,
        /// base64 of the ciphertext
        data: &'a str,
    },
    /// `{"auth": ...}`
    Auth {
        /// base64 of the sealed bytes
        auth: &'a str,
    },
}

impl Request<'_> {
    /// The format of this request, which the reply must use too.
    pub fn format(&self) -> Format {
        match self {
            Request::Passphrase { .. } => Format::Passphrase,
            Request::Raw { .. } => Format::Raw,
            Request::Auth { .. } => Format::Auth,
        }
    }
}

/// Opens a request with the device key and returns the JSON object inside.
///
/// # Errors
/// [`Error::BadKey`] for an empty passphrase or a raw key that is not hex of
/// the right length; the outer-shape errors of [`cipher::passphrase_decrypt`]
/// and [`cipher::raw_decrypt`]; [`Error::CannotDecrypt`] for everything found
/// after decryption.
pub fn open(request: &Request<'_>, key: &str) -> Result<Map<String, Value>> {
    open_bound(request, key, None)
}

/// [`open`] for any format: a request in the authenticated format needs the
/// binding it was sealed with.
///
/// # Errors
/// As [`open`]; [`Error::BadOptions`] for an authenticated request without a binding.
pub fn open_bound(request: &Request<'_>, key: &str, binding: Option<Binding<'_>>) -> Result<Map<String, Value>> {
    let json_text = decrypt_json_text(request, key, binding)?;
    match serde_json::from_str(&json_text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Error::CannotDecrypt),
    }
}

/// [`open_bound`] without building the map: the JSON text as the device
/// wrote it, once it reads as an object. For the JavaScript export, which
/// `JSON.parse`s the text, so that it gets exactly the numbers and strings
/// JavaScript would read.
pub(crate) fn open_json_text(request: &Request<'_>, key: &str, binding: Option<Binding<'_>>) -> Result<Zeroizing<String>> {
    let json_text = decrypt_json_text(request, key, binding)?;
    if json::is_object(&json_text) {
        Ok(json_text)
    } else {
        Err(Error::CannotDecrypt)
    }
}

/// Decrypts and base64-decodes to the JSON text. Every way the plaintext
/// can be wrong answers the same, so that a wrong key that happens to leave
/// valid padding looks like any other wrong key.
fn decrypt_json_text(request: &Request<'_>, key: &str, binding: Option<Binding<'_>>) -> Result<Zeroizing<String>> {
    let inner = match *request {
        Request::Passphrase { msg } => cipher::passphrase_decrypt(msg, passphrase(key)?)?,
        Request::Raw { iv, data } => cipher::raw_decrypt(&RawKey::from_hex(key)?, iv, data)?,
        Request::Auth { auth } => {
            let binding = binding.ok_or(Error::BadOptions)?;
            // Authenticated messages carry the JSON text itself, not its base64.
            return utf8_text(auth::open(auth, key, binding.device_id, binding.direction)?);
        }
    };
    let inner = core::str::from_utf8(&inner).map_err(|_| Error::CannotDecrypt)?;
    utf8_text(Zeroizing::new(decode_base64(inner).map_err(|_| Error::CannotDecrypt)?))
}

/// A sealed reply or request, in the shape of its wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    /// base64("Salted__" + salt + ciphertext)
    Passphrase(String),
    /// base64 IV and base64 ciphertext
    Raw {
        /// base64 of the 16-byte IV
        iv: String,
        /// base64 of the ciphertext
        data: String,
    },
    /// base64 of the authenticated bytes
    Auth(String),
}

/// Seals JSON text: base64 of it, encrypted in `format` with the device key.
///
/// # Errors
/// [`Error::BadKey`] as for [`open`]; [`Error::Rng`] if no salt or IV can be drawn.
pub fn seal(json_text: &str, key: &str, format: Format) -> Result<Sealed> {
    seal_bound(json_text, key, format, None)
}

/// [`seal`] for any format: the authenticated one needs a binding.
///
/// # Errors
/// As [`seal`]; [`Error::BadOptions`] for the authenticated format without a binding.
pub fn seal_bound(json_text: &str, key: &str, format: Format, binding: Option<Binding<'_>>) -> Result<Sealed> {
    if json_text.len() > cipher::MAX_CIPHERTEXT_CHARS / 2 {
        return Err(Error::TooLarge);
    }
    // The legacy formats encrypt base64 of the JSON text; auth the text itself.
    let inner = || Zeroizing::new(encode_base64(json_text.as_bytes()));
    match format {
        Format::Passphrase => Ok(Sealed::Passphrase(cipher::passphrase_encrypt(inner().as_bytes(), passphrase(key)?)?)),
        Format::Raw => {
            let (iv, data) = cipher::raw_encrypt(&RawKey::from_hex(key)?, inner().as_bytes())?;
            Ok(Sealed::Raw { iv: encode_base64(&iv), data: encode_base64(&data) })
        }
        Format::Auth => {
            let binding = binding.ok_or(Error::BadOptions)?;
            auth::seal(json_text.as_bytes(), key, binding.device_id, binding.direction).map(Sealed::Auth)
        }
    }
}

fn passphrase(key: &str) -> Result<&[u8]> {
    if key.is_empty() {
        Err(Error::BadKey)
    } else {
        Ok(key.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_json_text` as it was before it stopped building a `Value`:
    /// the reference it must agree with.
    fn by_value(text: &str) -> Result<BodyFields> {
        match serde_json::from_str(text).map_err(|_| Error::BadJson)? {
            Value::Object(map) => serde_json::from_value(Value::Object(map)).map_err(|_| Error::BadFormat),
            _ => Err(Error::BadFormat),
        }
    }

    #[test]
    fn body_text_reads_like_the_value_based_reader() {
        let cases = [
            r#"{"msg":"a"}"#,
            r#"{"iv":"b","data":"c","x":[1,{"y":null}]}"#,
            r#"{"msg":null,"iv":"b"}"#,
            r#"{"msg":"a","msg":"b"}"#,
            r#"{"msg":5,"msg":"b"}"#,
            r#"{"msg":"a","msg":5}"#,
            r#"{"msg":5}"#,
            r#"{"data":[]}"#,
            r#"{"iv":{}}"#,
            r#"{"msg":true}"#,
            r#"{"msg":5,}"#,
            r#"["a",null,null]"#,
            r#""a""#,
            "5",
            "null",
            "{",
            "",
        ];
        for (index, text) in cases.iter().enumerate() {
            let fields = |r: Result<BodyFields>| r.map(|b| (b.msg, b.iv, b.data));
            assert_eq!(fields(BodyFields::from_json_text(text)), fields(by_value(text)), "case {index}: {text}");
        }
    }
}
