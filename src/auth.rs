//! The authenticated wire format, `auth` version 1: encrypt-then-MAC.
//!
//! Chosen over AES-GCM for ESP8266-class firmware: the devices already run
//! AES-CBC (the Arduino AES library of the raw format), and the ESP8266
//! Arduino core ships HMAC-SHA256 (BearSSL); a GCM implementation would be a
//! new, slow (no carry-less multiply) and easy-to-misuse piece of firmware.
//!
//! From the device key K (the same 16, 24 or 32 hex-encoded bytes as the raw
//! format) two keys are derived, so that no key serves two purposes:
//!
//! ```text
//! enc = HMAC-SHA256(K, "wsn-crypto v1 encryption")[0..16]   AES-128 key
//! mac = HMAC-SHA256(K, "wsn-crypto v1 authentication")       HMAC-SHA256 key
//! ```
//!
//! A message is base64 of these bytes, sent as `{"auth":"<base64>"}`:
//!
//! ```text
//! 0x01 | dir | iv (16) | AES-128-CBC-PKCS#7(enc, iv, JSON text) | tag (16)
//! tag = HMAC-SHA256(mac, 0x01 | dir | len(id) | id | iv | ciphertext)[0..16]
//! ```
//!
//! `dir` is `Q` (0x51) for a device's request and `R` (0x52) for the
//! backend's reply, so a reply cannot be sent back as a request; `id` is the
//! device id as UTF-8 (at most 255 bytes) with its length in one byte, so a
//! message is bound to the device it was made for. The tag is checked, in
//! constant time, before anything is decrypted; every failure after the
//! outer shape is [`Error::CannotDecrypt`].

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::cipher::{self, RawKey, BLOCK_LEN, MAX_CIPHERTEXT_CHARS};
use crate::encoding::{decode_base64, encode_base64};
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// The version byte of this layout.
pub const VERSION: u8 = 1;
/// Bytes of the truncated tag.
pub const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 2;

/// Who made a message: it is authenticated with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A device's request (`Q`).
    Request,
    /// The backend's reply (`R`).
    Reply,
}

impl Direction {
    /// The direction named as the JavaScript options name it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Direction> {
        match name {
            "request" => Some(Direction::Request),
            "reply" => Some(Direction::Reply),
            _ => None,
        }
    }

    const fn byte(self) -> u8 {
        match self {
            Direction::Request => b'Q',
            Direction::Reply => b'R',
        }
    }
}

/// The encryption and MAC keys of one device. Zeroized on drop.
struct Keys {
    enc: RawKey,
    mac: Zeroizing<[u8; 32]>,
}

fn derive(key_hex: &str) -> Result<Keys> {
    let device = RawKey::from_hex(key_hex)?;
    let expand = |label: &[u8]| -> Result<Zeroizing<[u8; 32]>> {
        let mut mac = HmacSha256::new_from_slice(device.bytes()).map_err(|_| Error::BadKey)?;
        mac.update(label);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&mac.finalize().into_bytes());
        Ok(out)
    };
    let enc = expand(b"wsn-crypto v1 encryption")?;
    let mac = expand(b"wsn-crypto v1 authentication")?;
    Ok(Keys { enc: RawKey::from_bytes(&enc[..16])?, mac })
}

fn tag(keys: &Keys, direction: Direction, device_id: &str, iv_and_ciphertext: &[u8]) -> Result<[u8; TAG_LEN]> {
    let id_len = u8::try_from(device_id.len()).map_err(|_| Error::BadOptions)?;
    let mut mac = HmacSha256::new_from_slice(keys.mac.as_slice()).map_err(|_| Error::BadKey)?;
    mac.update(&[VERSION, direction.byte(), id_len]);
    mac.update(device_id.as_bytes());
    mac.update(iv_and_ciphertext);
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&mac.finalize().into_bytes()[..TAG_LEN]);
    Ok(out)
}

/// Seals `plaintext` (the JSON text) for `device_id`; returns the base64 text.
///
/// # Errors
/// [`Error::BadKey`] for a key that is not 32, 48 or 64 hex digits,
/// [`Error::BadOptions`] for a device id over 255 bytes, [`Error::Rng`].
pub fn seal(plaintext: &[u8], key_hex: &str, device_id: &str, direction: Direction) -> Result<String> {
    let keys = derive(key_hex)?;
    let (iv, ciphertext) = cipher::raw_encrypt(&keys.enc, plaintext)?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + BLOCK_LEN + ciphertext.len() + TAG_LEN);
    bytes.extend_from_slice(&[VERSION, direction.byte()]);
    bytes.extend_from_slice(&iv);
    bytes.extend_from_slice(&ciphertext);
    let tag = tag(&keys, direction, device_id, &bytes[HEADER_LEN..])?;
    bytes.extend_from_slice(&tag);
    Ok(encode_base64(&bytes))
}

/// Checks and opens a sealed message; returns the plaintext.
///
/// # Errors
/// [`Error::TooLarge`], [`Error::BadBase64`], [`Error::BadFormat`] (not this
/// layout or version) for the outer shape; [`Error::CannotDecrypt`] for a
/// wrong tag, key, device id or direction, whichever it is.
pub fn open(text: &str, key_hex: &str, device_id: &str, direction: Direction) -> Result<Zeroizing<Vec<u8>>> {
    if text.len() > MAX_CIPHERTEXT_CHARS {
        return Err(Error::TooLarge);
    }
    let keys = derive(key_hex)?;
    let bytes = decode_base64(text)?;
    let body_len = bytes.len().checked_sub(HEADER_LEN + TAG_LEN).ok_or(Error::BadFormat)?;
    if body_len < 2 * BLOCK_LEN || body_len % BLOCK_LEN != 0 || bytes.first() != Some(&VERSION) {
        return Err(Error::BadFormat);
    }
    let (signed, received) = bytes.split_at(HEADER_LEN + body_len);
    let (header, iv_and_ciphertext) = signed.split_at(HEADER_LEN);
    let expected = tag(&keys, direction, device_id, iv_and_ciphertext)?;
    let tag_ok = subtle::ConstantTimeEq::ct_eq(expected.as_slice(), received);
    // The direction byte is checked after the tag, with the same answer.
    if !bool::from(tag_ok) || header.get(1) != Some(&direction.byte()) {
        return Err(Error::CannotDecrypt);
    }
    let (iv, ciphertext) = iv_and_ciphertext.split_at(BLOCK_LEN);
    let mut iv_block = [0u8; BLOCK_LEN];
    iv_block.copy_from_slice(iv);
    cipher::cbc_decrypt(&keys.enc, &iv_block, ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

    #[test]
    fn round_trip_and_binding() {
        let sealed = seal(br#"{"SEQN":1}"#, KEY, "12FA", Direction::Request).unwrap();
        assert_eq!(open(&sealed, KEY, "12FA", Direction::Request).unwrap().as_slice(), br#"{"SEQN":1}"#);
        assert_eq!(open(&sealed, KEY, "12FB", Direction::Request), Err(Error::CannotDecrypt));
        assert_eq!(open(&sealed, KEY, "12FA", Direction::Reply), Err(Error::CannotDecrypt));
        assert_eq!(open(&sealed, "00".repeat(16).as_str(), "12FA", Direction::Request), Err(Error::CannotDecrypt));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let sealed = seal(br#"{"data":{"value":300},"SEQN":121}"#, KEY, "12FA", Direction::Request).unwrap();
        let bytes = decode_base64(&sealed).unwrap();
        for index in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[index / 8] ^= 1 << (index % 8);
            let result = open(&encode_base64(&tampered), KEY, "12FA", Direction::Request);
            assert!(matches!(result, Err(Error::CannotDecrypt | Error::BadFormat)), "bit {index}: {result:?}");
        }
    }
}
