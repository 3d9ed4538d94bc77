//! The one error type of the crate, with stable codes.

use core::fmt;

/// Why an operation failed.
///
/// Every failure to open a message after its outer format has been checked
/// (bad padding, wrong key, invalid UTF-8, bad inner base64, bad inner JSON)
/// is [`Error::CannotDecrypt`] and nothing else, so that a server built on
/// this crate does not become a padding oracle.
///
/// The codes returned by [`Error::code`] are part of the public API: the
/// Node-RED node puts them in HTTP error bodies and tests match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The ciphertext, IV or salt is not valid base64.
    BadBase64,
    /// The request is not one of the two wire formats, or a field has the
    /// wrong length (missing `Salted__` header, ciphertext not a whole number
    /// of blocks, IV not 16 bytes).
    BadFormat,
    /// A request body given to the JavaScript exports as anything but its
    /// JSON text (a parsed object, a Buffer). Its code is `bad_format`, and
    /// only its message differs, to tell the caller what to pass instead.
    BodyNotText,
    /// The message could not be opened: wrong key, bad padding, or a
    /// plaintext that is not base64 of UTF-8 JSON. Deliberately opaque.
    CannotDecrypt,
    /// A request body given as text is not JSON, or a message to seal cannot
    /// be written as JSON.
    BadJson,
    /// The message has no `SEQN`, or it is not an integer in 0..=2^53-1.
    BadSeqn,
    /// The stored sequence number is not an integer in 0..=2^53-1.
    BadStored,
    /// The SEQN equals the stored one: the message was seen before.
    Replay,
    /// The SEQN is below the stored one.
    Stale,
    /// A raw key is not 32, 48 or 64 hex digits, or a passphrase is empty.
    BadKey,
    /// The options object is malformed.
    BadOptions,
    /// The request is in a format the device may not use.
    FormatNotAllowed,
    /// An input is longer than the crate accepts.
    TooLarge,
    /// The platform's random number generator failed.
    Rng,
    /// An authenticated request of a kind this endpoint does not take (a
    /// reset posted as data, a reply posted as a request).
    WrongKind,
    /// A raw-format message whose `SEQN` starts in the first cipher block,
    /// which anyone can rewrite by changing the IV: refused, since its SEQN
    /// cannot be trusted.
    MalleableSeqn,
    /// No key or stored SEQN for the device: it is not provisioned.
    UnknownDevice,
    /// Anything that is not the client's fault (a malformed stored key, bad
    /// node options, a database failure).
    ServerError,
    /// A device key is stored wrapped and no key-encryption key is configured.
    KekMissing,
    /// The key-encryption key given is not `<label>:<64 hex digits>`.
    BadKek,
    /// The key-encryption key does not unwrap the device's stored key (another
    /// KEK, or a row copied from another device).
    WrongKek,
    /// A wrapped key in the database is damaged.
    BadStoredKey,
}

impl Error {
    /// A short, stable, machine-readable code.
    pub const fn code(self) -> &'static str {
        match self {
            Error::BadBase64 => "bad_base64",
            Error::BadFormat | Error::BodyNotText => "bad_format",
            Error::CannotDecrypt => "cannot_decrypt",
            Error::BadJson => "bad_json",
            Error::BadSeqn => "bad_seqn",
            Error::BadStored => "bad_stored",
            Error::Replay => "replay",
            Error::Stale => "stale",
            Error::BadKey => "bad_key",
            Error::BadOptions => "bad_options",
            Error::FormatNotAllowed => "format_not_allowed",
            Error::TooLarge => "too_large",
            Error::Rng => "rng",
            Error::WrongKind => "wrong_kind",
            Error::MalleableSeqn => "malleable_seqn",
            Error::UnknownDevice => "unknown_device",
            Error::ServerError => "server_error",
            Error::KekMissing => "kek_missing",
            Error::BadKek => "bad_kek",
            Error::WrongKek => "wrong_kek",
            Error::BadStoredKey => "bad_stored_key",
        }
    }

    /// The error a code names, for codes made outside the core (the flows'
    /// database refusals); `bad_format` names [`Error::BadFormat`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Error> {
        Error::ALL.into_iter().find(|error| error.code() == code)
    }

    /// The HTTP status a backend answers this error with. Errors that are
    /// not the client's fault are 500, and their code is not shown to it
    /// ([`Error::public_code`]).
    pub const fn http_status(self) -> u16 {
        match self {
            Error::BadBase64 | Error::BadFormat | Error::BodyNotText | Error::CannotDecrypt | Error::BadJson | Error::BadSeqn => 400,
            Error::WrongKind | Error::MalleableSeqn => 400,
            Error::FormatNotAllowed => 403,
            Error::UnknownDevice => 404,
            Error::Replay | Error::Stale => 409,
            Error::TooLarge => 413,
            Error::BadStored | Error::BadKey | Error::BadOptions | Error::Rng | Error::ServerError => 500,
            Error::KekMissing | Error::BadKek | Error::WrongKek | Error::BadStoredKey => 500,
        }
    }

    /// The code a client is shown: every failure to decode or decrypt is
    /// `cannot_decrypt` (so the backend is no padding oracle), and every
    /// server-side failure `server_error`.
    pub const fn public_code(self) -> &'static str {
        match self {
            Error::BadBase64 => Error::CannotDecrypt.code(),
            _ if self.http_status() == 500 => Error::ServerError.code(),
            _ => self.code(),
        }
    }

    const ALL: [Error; 21] = [
        Error::BadBase64,
        Error::BadFormat,
        Error::CannotDecrypt,
        Error::BadJson,
        Error::BadSeqn,
        Error::BadStored,
        Error::Replay,
        Error::Stale,
        Error::BadKey,
        Error::BadOptions,
        Error::FormatNotAllowed,
        Error::TooLarge,
        Error::Rng,
        Error::WrongKind,
        Error::MalleableSeqn,
        Error::UnknownDevice,
        Error::ServerError,
        Error::KekMissing,
        Error::BadKek,
        Error::WrongKek,
        Error::BadStoredKey,
    ];

    /// A human-readable message. Never contains input data, keys or plaintext.
    pub const fn message(self) -> &'static str {
        match self {
            Error::BadBase64 => "ciphertext, IV or salt is not valid base64",
            Error::BadFormat => "message is not in a supported wire format",
            Error::BodyNotText => "a request body crosses as its JSON text: pass a string (JSON.stringify a parsed body)",
            Error::CannotDecrypt => "message cannot be decrypted",
            Error::BadJson => "body is not valid JSON",
            Error::BadSeqn => "SEQN must be an integer between 0 and 2^53-1",
            Error::BadStored => "stored sequence number is not an integer between 0 and 2^53-1",
            Error::Replay => "SEQN was already used (replay)",
            Error::Stale => "SEQN is below the stored sequence number",
            Error::BadKey => "key must be 32, 48 or 64 hex digits (raw) or a non-empty passphrase",
            Error::BadOptions => "options are malformed",
            Error::FormatNotAllowed => "this device may not use this wire format",
            Error::TooLarge => "input is too large",
            Error::Rng => "random number generator failed",
            Error::WrongKind => "this endpoint does not take messages of this kind",
            Error::MalleableSeqn => "raw format: the SEQN starts in the first cipher block, which anyone can rewrite",
            Error::UnknownDevice => "no such device",
            Error::ServerError => "server error",
            Error::KekMissing => "the device key is stored wrapped and no key-encryption key is configured",
            Error::BadKek => "a key-encryption key is <label>:<64 hex digits>",
            Error::WrongKek => "the key-encryption key does not unwrap this device's key",
            Error::BadStoredKey => "the stored device key is damaged",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

/// Result type of the crate.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_names_its_error_once() {
        for error in Error::ALL {
            assert_eq!(Error::from_code(error.code()), Some(error), "{error:?}");
            assert!(Error::from_code(error.public_code()).is_some(), "{error:?}");
        }
        assert_eq!(Error::from_code("bad_challenge"), None);
        // Not in `ALL`: the same code as `BadFormat`, another message.
        assert_eq!(Error::from_code(Error::BodyNotText.code()), Some(Error::BadFormat));
        assert_eq!(Error::BodyNotText.http_status(), Error::BadFormat.http_status());
    }
}
