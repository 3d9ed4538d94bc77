//! The message envelope: the request body's fields and the wire format they
//! tell, and the two legacy formats of the original flows: JSON text,
//! base64-encoded, then encrypted, and the reverse. The authenticated format
//! is [`crate::auth`]'s.

use zeroize::Zeroizing;

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

/// The fields of a request body that matter; others are ignored.
// The derived reader is the tests' reference for `from_json_text`.
#[derive(Debug, Default)]
#[cfg_attr(test, derive(serde::Deserialize))]
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

/// A legacy-format message, decrypted.
pub struct LegacyOpened {
    /// The JSON text as the device wrote it, once it reads as an object.
    pub json_text: Zeroizing<String>,
    /// How many of its first bytes anyone can choose without the key: in
    /// the raw format, those from the first cipher block, which the IV sent
    /// beside it flips at will; none in the passphrase format, whose IV is
    /// derived from the key.
    pub malleable_prefix: usize,
}

/// Decrypts and base64-decodes a legacy request to its JSON text, which
/// must be an object. Every way the plaintext can be wrong answers the same,
/// so that a wrong key that happens to leave valid padding looks like any
/// other wrong key.
///
/// # Errors
/// [`Error::BadKey`] for an empty passphrase or a raw key that is not hex of
/// the right length; the outer-shape errors of [`cipher::passphrase_decrypt`]
/// and [`cipher::raw_decrypt`]; [`Error::CannotDecrypt`] for everything found
/// after decryption; [`Error::BadOptions`] for the authenticated format,
/// which [`crate::auth`] and [`crate::request`] open.
pub fn open_legacy(request: &Request<'_>, key: &str) -> Result<LegacyOpened> {
    let (inner, in_first_block) = match *request {
        Request::Passphrase { msg } => (cipher::passphrase_decrypt(msg, passphrase(key)?)?, 0),
        Request::Raw { iv, data } => {
            let inner = cipher::raw_decrypt(&RawKey::from_hex(key)?, iv, data)?;
            // base64 characters (whitespace is skipped when decoding) of the
            // first block; each carries 6 bits of the JSON text.
            let chars = inner.iter().take(cipher::BLOCK_LEN).filter(|b| !b.is_ascii_whitespace()).count();
            (inner, (chars * 6).div_ceil(8))
        }
        Request::Auth { .. } => return Err(Error::BadOptions),
    };
    let inner = core::str::from_utf8(&inner).map_err(|_| Error::CannotDecrypt)?;
    let json_text = utf8_text(Zeroizing::new(decode_base64(inner).map_err(|_| Error::CannotDecrypt)?))?;
    if !json::is_object(&json_text) {
        return Err(Error::CannotDecrypt);
    }
    Ok(LegacyOpened { json_text, malleable_prefix: in_first_block })
}

/// A sealed reply or request, in the shape of its legacy wire format.
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
}

/// Seals JSON text in a legacy format: base64 of it, encrypted with the
/// device key.
///
/// # Errors
/// [`Error::BadKey`] as for [`open_legacy`]; [`Error::TooLarge`]; [`Error::Rng`] if
/// no salt or IV can be drawn; [`Error::BadOptions`] for the authenticated
/// format, which [`crate::auth::seal`] seals.
pub fn seal(json_text: &str, key: &str, format: Format) -> Result<Sealed> {
    if json_text.len() > cipher::MAX_CIPHERTEXT_CHARS / 2 {
        return Err(Error::TooLarge);
    }
    let inner = || Zeroizing::new(encode_base64(json_text.as_bytes()));
    match format {
        Format::Passphrase => Ok(Sealed::Passphrase(cipher::passphrase_encrypt(inner().as_bytes(), passphrase(key)?)?)),
        Format::Raw => {
            let (iv, data) = cipher::raw_encrypt(&RawKey::from_hex(key)?, inner().as_bytes())?;
            Ok(Sealed::Raw { iv: encode_base64(&iv), data: encode_base64(&data) })
        }
        Format::Auth => Err(Error::BadOptions),
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
    use serde_json::Value;

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
