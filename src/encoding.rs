//! Base64 as the devices and CryptoJS write it.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Standard alphabet; writes padding. Reading accepts text with or without
/// padding: Node's `Buffer` (the original flows) does, and the 2016 Arduino
/// AES library drops a trailing `=`. Non-zero trailing bits are still refused,
/// so no unpadded text decodes to more than one byte string.
pub const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes base64, ignoring ASCII whitespace (openssl breaks lines every 64
/// characters) and tolerating one lost `=` of a `==` pad.
///
/// # Errors
/// [`Error::BadBase64`] for anything that is not base64.
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let compact: std::borrow::Cow<'_, str> = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        text.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>().into()
    } else {
        text.into()
    };
    // "xx=" is "xx==" with its last character lost: the padding says where the
    // data ends, so restoring it is not a guess.
    let repaired: std::borrow::Cow<'_, str> = if compact.len() % 4 == 3 && compact.ends_with('=') {
        let mut padded = compact.into_owned();
        padded.push('=');
        padded.into()
    } else {
        compact
    };
    BASE64.decode(repaired.as_bytes()).map_err(|_| Error::BadBase64)
}

/// The UTF-8 text of decrypted bytes, moved rather than copied, so that no
/// unwiped copy of a plaintext is left behind; bytes that are not UTF-8 are
/// wiped too.
///
/// # Errors
/// [`Error::CannotDecrypt`] for bytes that are not UTF-8.
pub(crate) fn utf8_text(mut bytes: Zeroizing<Vec<u8>>) -> Result<Zeroizing<String>> {
    match String::from_utf8(core::mem::take(&mut *bytes)) {
        Ok(text) => Ok(Zeroizing::new(text)),
        Err(not_utf8) => {
            drop(Zeroizing::new(not_utf8.into_bytes()));
            Err(Error::CannotDecrypt)
        }
    }
}

/// Encodes with [`BASE64`]. Not `Engine::encode`, whose `expect` on the
/// UTF-8 of its own output linked `Debug` for `FromUtf8Error` and its parts
/// into the wasm module (3 KB); base64 is ASCII, so that check cannot fail.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    let mut text = vec![0; base64::encoded_len(bytes.len(), true).unwrap_or(0)];
    let written = BASE64.encode_slice(bytes, &mut text).unwrap_or(0);
    text.truncate(written);
    String::from_utf8(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_padded_unpadded_and_wrapped_text() {
        assert_eq!(decode_base64("eyJTRVFOIjoxMjB9").unwrap(), br#"{"SEQN":120}"#);
        assert_eq!(decode_base64("YWI=").unwrap(), b"ab");
        assert_eq!(decode_base64("YWI").unwrap(), b"ab");
        assert_eq!(decode_base64("YQ==").unwrap(), b"a");
        assert_eq!(decode_base64("YQ=").unwrap(), b"a");
        assert_eq!(decode_base64("YQ").unwrap(), b"a");
        assert_eq!(decode_base64("ey\r\nJTRV FOIjox\tMjB9\n").unwrap(), br#"{"SEQN":120}"#);
    }

    #[test]
    fn refuses_what_is_not_base64() {
        for bad in ["Y", "YQ=x", "Y===", "****", "YR==", "é"] {
            assert_eq!(decode_base64(bad), Err(Error::BadBase64), "{bad:?}");
        }
    }
}
