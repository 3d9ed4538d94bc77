//! Device keys at rest: each key stored wrapped under a key-encryption key
//! (KEK) that lives outside the database, and unwrapped only inside the call
//! that opens or seals a message, so that a plain key never becomes a
//! JavaScript string.
//!
//! ```text
//! KEK      = "<label>:<64 hex digits>"                 256 bits, from the environment or a key file
//! kek(id)  = HMAC-SHA256(KEK, "wsn-crypto kek v1" | len(id) | id)    one wrapping key per device
//! stored   = "kw1:<label>:" base64(AES-256-KWP(kek(id), key text))   RFC 5649
//! ```
//!
//! Why AES Key Wrap with Padding and not an AEAD: it is the standard for
//! wrapping keys (RFC 5649; The Things Stack wraps root keys with RFC 3394),
//! deterministic, so there is no nonce to draw or store, and its 64-bit
//! integrity check refuses a wrong KEK. With padding because a device key is
//! its *text* (a passphrase for the passphrase format, hex digits for the
//! others), of any length. The device id enters through the per-device
//! wrapping key, which does what an AEAD's associated data would: a wrapped
//! key copied into another device's row fails to unwrap there. The label
//! names the KEK a row was wrapped under, so that KEKs can be rotated row by
//! row and a wrong KEK is told from a damaged row.

use aes_kw::KekAes256;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::cipher::RawKey;
use crate::encoding::{decode_base64, encode_base64};
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// What a wrapped key starts with.
pub const PREFIX: &str = "kw1:";
/// Longest KEK label.
const MAX_LABEL: usize = 32;
/// Longest key text taken for wrapping (far above any device key).
const MAX_KEY_TEXT: usize = 1024;

/// A key-encryption key and its label. Zeroized on drop; `Debug` shows the label only.
pub struct Kek {
    label: String,
    key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for Kek {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Kek({})", self.label)
    }
}

fn label_ok(label: &str) -> bool {
    !label.is_empty() && label.len() <= MAX_LABEL && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Kek {
    /// Reads `<label>:<64 hex digits>`; surrounding white space (a key file's
    /// final newline) is ignored.
    ///
    /// # Errors
    /// [`Error::BadKek`] for anything else.
    pub fn parse(text: &str) -> Result<Kek> {
        // ASCII white space only: str::trim would link Unicode's tables.
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let (label, hex) = text.split_once(':').ok_or(Error::BadKek)?;
        if !label_ok(label) || hex.len() != 64 {
            return Err(Error::BadKek);
        }
        let raw = RawKey::from_hex(hex).map_err(|_| Error::BadKek)?;
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(raw.bytes());
        Ok(Kek { label: label.to_owned(), key })
    }

    /// The label.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The wrapping key of one device.
    fn for_device(&self, device_id: &str) -> Result<KekAes256> {
        let id_len = u8::try_from(device_id.len()).ok().filter(|len| *len > 0).ok_or(Error::BadOptions)?;
        let mut mac = HmacSha256::new_from_slice(self.key.as_slice()).map_err(|_| Error::BadKek)?;
        mac.update(b"wsn-crypto kek v1");
        mac.update(&[id_len]);
        mac.update(device_id.as_bytes());
        let derived = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        Ok(KekAes256::new(&(*derived).into()))
    }
}

/// Whether a stored key is wrapped (else it is a plain key, as before).
#[must_use]
pub fn is_wrapped(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The label of the KEK a stored key is wrapped under; `None` for a plain key.
///
/// # Errors
/// [`Error::BadStoredKey`] for a wrapped key that is not of the layout.
pub fn label_of(stored: &str) -> Result<Option<&str>> {
    let Some(rest) = stored.strip_prefix(PREFIX) else { return Ok(None) };
    let (label, _) = rest.split_once(':').ok_or(Error::BadStoredKey)?;
    if label_ok(label) { Ok(Some(label)) } else { Err(Error::BadStoredKey) }
}

/// Wraps the key text `key` of `device_id` under `kek`.
///
/// # Errors
/// [`Error::BadKey`] for an empty key, one too long, or one already wrapped;
/// [`Error::BadOptions`] for a device id that is empty or above 255 bytes.
pub fn wrap(key: &str, device_id: &str, kek: &Kek) -> Result<String> {
    if key.is_empty() || key.len() > MAX_KEY_TEXT || is_wrapped(key) {
        return Err(Error::BadKey);
    }
    let wrapper = kek.for_device(device_id)?;
    let wrapped = wrapper.wrap_with_padding_vec(key.as_bytes()).map_err(|_| Error::BadKey)?;
    // Not format!: core::fmt would add kilobytes to the module.
    let mut stored = String::from(PREFIX);
    stored.push_str(&kek.label);
    stored.push(':');
    stored.push_str(&encode_base64(&wrapped));
    Ok(stored)
}

/// The key text of a stored key: a plain one as it is, a wrapped one
/// unwrapped with `kek`.
///
/// # Errors
/// [`Error::KekMissing`] for a wrapped key without a KEK;
/// [`Error::WrongKek`] when the KEK's label is not the row's, or the key does
/// not unwrap (another KEK under the same label, or a row copied from
/// another device); [`Error::BadStoredKey`] for a damaged row;
/// [`Error::BadOptions`] for a device id that is empty or above 255 bytes.
pub fn unwrap(stored: &str, device_id: &str, kek: Option<&Kek>) -> Result<Zeroizing<String>> {
    let Some(label) = label_of(stored)? else { return Ok(Zeroizing::new(stored.to_owned())) };
    let kek = kek.ok_or(Error::KekMissing)?;
    if kek.label != label {
        return Err(Error::WrongKek);
    }
    // get, not indexing: a str index links core::fmt (slice_error_fail) for a panic that cannot happen.
    let encoded = stored.get(PREFIX.len() + label.len() + 1..).ok_or(Error::BadStoredKey)?;
    let wrapped = decode_base64(encoded).map_err(|_| Error::BadStoredKey)?;
    if wrapped.len() < 16 || wrapped.len() % 8 != 0 {
        return Err(Error::BadStoredKey);
    }
    let mut out = Zeroizing::new(vec![0u8; wrapped.len() - 8]);
    let length = kek.for_device(device_id)?.unwrap_with_padding(&wrapped, &mut out).map_err(|_| Error::WrongKek)?.len();
    out.truncate(length);
    let text = core::str::from_utf8(&out).map_err(|_| Error::WrongKek)?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// A stored key wrapped under `to` instead of `from` (a plain key: wrapped
/// under `to`).
///
/// # Errors
/// As [`unwrap`] and [`wrap`].
pub fn rewrap(stored: &str, device_id: &str, from: Option<&Kek>, to: &Kek) -> Result<String> {
    let key = unwrap(stored, device_id, from)?;
    wrap(&key, device_id, to)
}

/// A fingerprint of a key text, for lists and logs: 64 bits of
/// HMAC-SHA256(key, "wsn-crypto key fingerprint"), in hex. One-way: it tells
/// keys apart without saying anything usable about them.
///
/// # Errors
/// [`Error::BadKey`] for an empty key.
pub fn fingerprint(key: &str) -> Result<String> {
    if key.is_empty() {
        return Err(Error::BadKey);
    }
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).map_err(|_| Error::BadKey)?;
    mac.update(b"wsn-crypto key fingerprint");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Ok(mac.finalize().into_bytes()[..8].iter().flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]).map(char::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEK_A: &str = "demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const KEK_B: &str = "k2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

    #[test]
    fn wraps_and_unwraps_per_device() {
        let a = Kek::parse(KEK_A).unwrap();
        let stored = wrap(KEY, "12FA", &a).unwrap();
        assert!(stored.starts_with("kw1:demo:"), "{stored}");
        assert!(!stored.to_lowercase().contains(&KEY.to_lowercase()));
        assert_eq!(unwrap(&stored, "12FA", Some(&a)).unwrap().as_str(), KEY);
        // Deterministic: the same key, device and KEK wrap to the same text.
        assert_eq!(wrap(KEY, "12FA", &a).unwrap(), stored);
        // Moved to another device's row: does not unwrap.
        assert_eq!(unwrap(&stored, "12FB", Some(&a)).err(), Some(Error::WrongKek));
        assert_eq!(unwrap(&stored, "12FA", None).err(), Some(Error::KekMissing));
        let b = Kek::parse(KEK_B).unwrap();
        assert_eq!(unwrap(&stored, "12FA", Some(&b)).err(), Some(Error::WrongKek));
        // Another KEK under the same label: the integrity check refuses it.
        let a2 = Kek::parse("demo:1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100").unwrap();
        assert_eq!(unwrap(&stored, "12FA", Some(&a2)).err(), Some(Error::WrongKek));
        let rewrapped = rewrap(&stored, "12FA", Some(&a), &b).unwrap();
        assert!(rewrapped.starts_with("kw1:k2:"));
        assert_eq!(unwrap(&rewrapped, "12FA", Some(&b)).unwrap().as_str(), KEY);
        // A plain key passes through unwrap, and rewrap wraps it.
        assert_eq!(unwrap(KEY, "12FA", None).unwrap().as_str(), KEY);
        assert_eq!(rewrap(KEY, "12FA", None, &a).unwrap(), stored);
        assert_eq!(wrap(&stored, "12FA", &a).err(), Some(Error::BadKey));
    }

    #[test]
    fn any_key_text_round_trips() {
        let a = Kek::parse(KEK_A).unwrap();
        for key in ["x", "a passphrase with spaces", "Größe", &"f".repeat(64), &"p".repeat(1024)] {
            let stored = wrap(key, "sensor-7", &a).unwrap();
            assert_eq!(unwrap(&stored, "sensor-7", Some(&a)).unwrap().as_str(), key);
        }
        assert_eq!(wrap("", "12FA", &a).err(), Some(Error::BadKey));
        assert_eq!(wrap(&"p".repeat(1025), "12FA", &a).err(), Some(Error::BadKey));
        assert_eq!(wrap(KEY, "", &a).err(), Some(Error::BadOptions));
    }

    #[test]
    fn malformed_keks_and_rows_are_refused() {
        for bad in ["", "demo", ":00", "demo:00", "de mo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                    "demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g"] {
            assert_eq!(Kek::parse(bad).err(), Some(Error::BadKek), "{bad}");
        }
        assert!(Kek::parse(&format!("{KEK_A}\n")).is_ok());
        let a = Kek::parse(KEK_A).unwrap();
        assert_eq!(format!("{a:?}"), "Kek(demo)");
        for bad in ["kw1:", "kw1:demo", "kw1:demo:!!!!", "kw1:demo:AAAA", "kw1:de mo:AAAAAAAAAAAAAAAAAAAAAA=="] {
            assert!(matches!(unwrap(bad, "12FA", Some(&a)).err(), Some(Error::BadStoredKey | Error::WrongKek)), "{bad}");
        }
    }

    #[test]
    fn fingerprints_tell_keys_apart() {
        let f = fingerprint(KEY).unwrap();
        assert_eq!(f.len(), 16);
        assert_ne!(f, fingerprint("2B7E151628AED2A6ABF7158809CF4F3D").unwrap());
        assert!(!KEY.to_lowercase().contains(&f));
    }
}
