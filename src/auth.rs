//! The authenticated wire format, `auth` version 2: encrypt-then-MAC with an
//! authenticated header (kind and SEQN), replies bound to their request.
//! The byte layout, the order of the backend's checks and the reasons are in
//! README ("The authenticated format"); in short:
//!
//! ```text
//! K    = the device key's bytes (its hex digits decoded)
//! enc  = HMAC-SHA256(K, "wsn-crypto v2 encryption")[0..16]        AES-128 key
//! mac  = HMAC-SHA256(K, "wsn-crypto v2 authentication")            HMAC-SHA256 key
//!
//! message = 0x02 | kind | seqn (8, big-endian) | iv (16) | AES-128-CBC-PKCS#7(enc, iv, JSON) | tag (16)
//! tag     = HMAC-SHA256(mac, header | len(id) | id | bound | iv | ciphertext)[0..16]
//! bound   = the request's tag in a reply, nothing in a request
//! ```
//!
//! Chosen over AES-GCM for ESP8266-class firmware: the devices already run
//! AES-CBC, and the ESP8266 Arduino core ships HMAC-SHA256 (BearSSL); a GCM
//! implementation would be new, slow (no carry-less multiply) and fatal on a
//! repeated IV. The tag is checked in constant time before anything is
//! decrypted or the kind is looked at; every failure to verify is
//! [`Error::CannotDecrypt`].

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::cipher::{self, RawKey, BLOCK_LEN, MAX_CIPHERTEXT_CHARS};
use crate::encoding::{decode_base64, encode_base64};
use crate::error::{Error, Result};
use crate::sequence::MAX_SEQN;

type HmacSha256 = Hmac<Sha256>;

/// The version byte of this layout.
pub const VERSION: u8 = 2;
/// Bytes of the truncated tag.
pub const TAG_LEN: usize = 16;
/// Bytes of the header: version, kind, SEQN.
pub const HEADER_LEN: usize = 10;
/// The shortest message: header, IV, one block of ciphertext, tag.
pub const MIN_LEN: usize = HEADER_LEN + BLOCK_LEN + BLOCK_LEN + TAG_LEN;

/// A request's tag, which its reply covers.
pub type Tag = [u8; TAG_LEN];

/// Who made a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A device's request.
    Request,
    /// The backend's reply.
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
}

/// What a message is, authenticated with it. Each kind has one direction,
/// so the kind also says who made the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A device asks for its stored SEQN (`Q`).
    Query,
    /// A device sets its SEQN forward (`S`).
    Reset,
    /// A device's data message (`D`).
    Data,
    /// The stored SEQN, answering a query (`N`).
    Seqn,
    /// An acknowledgement of a reset or data message (`A`).
    Ack,
    /// A refusal of a request whose tag verified (`X`).
    Refusal,
}

impl Kind {
    const ALL: [Kind; 6] = [Kind::Query, Kind::Reset, Kind::Data, Kind::Seqn, Kind::Ack, Kind::Refusal];

    /// The kind's byte in the header.
    #[must_use]
    pub const fn byte(self) -> u8 {
        match self {
            Kind::Query => b'Q',
            Kind::Reset => b'S',
            Kind::Data => b'D',
            Kind::Seqn => b'N',
            Kind::Ack => b'A',
            Kind::Refusal => b'X',
        }
    }

    /// The kind a header byte names, if any.
    #[must_use]
    pub fn from_byte(byte: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.byte() == byte)
    }

    /// The name used in options and results.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Reset => "reset",
            Kind::Data => "data",
            Kind::Seqn => "seqn",
            Kind::Ack => "ack",
            Kind::Refusal => "refusal",
        }
    }

    /// Reads a kind name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// Who sends messages of this kind.
    #[must_use]
    pub const fn direction(self) -> Direction {
        match self {
            Kind::Query | Kind::Reset | Kind::Data => Direction::Request,
            Kind::Seqn | Kind::Ack | Kind::Refusal => Direction::Reply,
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
    let enc = expand(b"wsn-crypto v2 encryption")?;
    let mac = expand(b"wsn-crypto v2 authentication")?;
    Ok(Keys { enc: RawKey::from_bytes(&enc[..16])?, mac })
}

/// The device id with its length byte; 1 to 255 bytes of UTF-8.
fn id_field(device_id: &str) -> Result<u8> {
    match u8::try_from(device_id.len()) {
        Ok(len) if len > 0 => Ok(len),
        _ => Err(Error::BadOptions),
    }
}

fn tag(keys: &Keys, header: &[u8], device_id: &str, bound: Option<&Tag>, iv_and_ciphertext: &[u8]) -> Result<Tag> {
    let id_len = id_field(device_id)?;
    let mut mac = HmacSha256::new_from_slice(keys.mac.as_slice()).map_err(|_| Error::BadKey)?;
    mac.update(header);
    mac.update(&[id_len]);
    mac.update(device_id.as_bytes());
    if let Some(bound) = bound {
        mac.update(bound);
    }
    mac.update(iv_and_ciphertext);
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&mac.finalize().into_bytes()[..TAG_LEN]);
    Ok(out)
}

fn header(kind: Kind, seqn: u64) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0] = VERSION;
    header[1] = kind.byte();
    header[2..].copy_from_slice(&seqn.to_be_bytes());
    header
}

fn seal_with_keys(keys: &Keys, plaintext: &[u8], device_id: &str, kind: Kind, seqn: u64, bound: Option<&Tag>, iv: &[u8; BLOCK_LEN]) -> Result<(String, Tag)> {
    if seqn > MAX_SEQN {
        return Err(Error::BadSeqn);
    }
    if plaintext.len() > MAX_CIPHERTEXT_CHARS / 2 {
        return Err(Error::TooLarge);
    }
    // A request is bound to nothing, a reply always to its request.
    if bound.is_some() != (kind.direction() == Direction::Reply) {
        return Err(Error::BadOptions);
    }
    let ciphertext = cipher::cbc_encrypt(&keys.enc, iv, plaintext);
    let mut bytes = Vec::with_capacity(HEADER_LEN + BLOCK_LEN + ciphertext.len() + TAG_LEN);
    bytes.extend_from_slice(&header(kind, seqn));
    bytes.extend_from_slice(iv);
    bytes.extend_from_slice(&ciphertext);
    let tag = tag(keys, &bytes[..HEADER_LEN], device_id, bound, &bytes[HEADER_LEN..])?;
    bytes.extend_from_slice(&tag);
    Ok((encode_base64(&bytes), tag))
}

/// Seals `plaintext` (JSON text) as a message of `kind` for `device_id`,
/// with a fresh IV. A reply needs the tag of the request it answers in
/// `bound`, a request none. Returns the base64 text and the message's tag.
///
/// # Errors
/// [`Error::BadKey`]; [`Error::BadOptions`] for a device id that is empty or
/// over 255 bytes, or a `bound` that does not fit the kind; [`Error::BadSeqn`]
/// above 2^53 − 1; [`Error::TooLarge`]; [`Error::Rng`].
pub fn seal(plaintext: &[u8], key_hex: &str, device_id: &str, kind: Kind, seqn: u64, bound: Option<&Tag>) -> Result<(String, Tag)> {
    let iv = cipher::random_bytes::<BLOCK_LEN>()?;
    seal_with_keys(&derive(key_hex)?, plaintext, device_id, kind, seqn, bound, &iv)
}

/// [`seal`] with a given IV, for known-answer tests. Never reuse an IV.
///
/// # Errors
/// As [`seal`].
#[doc(hidden)]
pub fn seal_with_iv(plaintext: &[u8], key_hex: &str, device_id: &str, kind: Kind, seqn: u64, bound: Option<&Tag>, iv: &[u8; BLOCK_LEN]) -> Result<(String, Tag)> {
    seal_with_keys(&derive(key_hex)?, plaintext, device_id, kind, seqn, bound, iv)
}

/// A message whose tag verified. Its kind is not checked yet and nothing is
/// decrypted: a caller that refuses it can still answer with a sealed refusal
/// ([`Verified::seal_reply`]), because the sender proved it has the key.
pub struct Verified {
    keys: Keys,
    kind_byte: u8,
    seqn: u64,
    tag: Tag,
    iv: [u8; BLOCK_LEN],
    ciphertext: Vec<u8>,
}

impl Verified {
    /// The kind, if it is one of `direction`'s.
    ///
    /// # Errors
    /// [`Error::WrongKind`] for an unknown kind byte or one of the other direction.
    pub fn kind(&self, direction: Direction) -> Result<Kind> {
        Kind::from_byte(self.kind_byte).filter(|kind| kind.direction() == direction).ok_or(Error::WrongKind)
    }

    /// The header's SEQN, as sent (it may be above 2^53 − 1: the caller checks).
    #[must_use]
    pub fn seqn(&self) -> u64 {
        self.seqn
    }

    /// The message's tag: what a reply to it is bound to.
    #[must_use]
    pub fn tag(&self) -> &Tag {
        &self.tag
    }

    /// The plaintext.
    ///
    /// # Errors
    /// [`Error::CannotDecrypt`] for bad padding (which a verified tag makes
    /// the sender's own mistake).
    pub fn decrypt(&self) -> Result<Zeroizing<Vec<u8>>> {
        cipher::cbc_decrypt(&self.keys.enc, &self.iv, &self.ciphertext)
    }

    /// Seals a reply to this message with the keys already derived for it.
    ///
    /// # Errors
    /// As [`seal`].
    pub fn seal_reply(&self, plaintext: &[u8], device_id: &str, kind: Kind, seqn: u64) -> Result<String> {
        let iv = cipher::random_bytes::<BLOCK_LEN>()?;
        seal_with_keys(&self.keys, plaintext, device_id, kind, seqn, Some(&self.tag), &iv).map(|(text, _)| text)
    }
}

/// Checks the shape, version and tag of a message for `device_id`: a reply
/// (with `bound`, the tag of the request it must answer) or a request
/// (without).
///
/// # Errors
/// [`Error::TooLarge`], [`Error::BadBase64`], [`Error::BadFormat`] (not this
/// layout or version) for the outer shape; [`Error::CannotDecrypt`] for a
/// wrong tag, key, device id or binding, whichever it is.
pub fn verify(text: &str, key_hex: &str, device_id: &str, bound: Option<&Tag>) -> Result<Verified> {
    if text.len() > MAX_CIPHERTEXT_CHARS {
        return Err(Error::TooLarge);
    }
    let keys = derive(key_hex)?;
    let bytes = decode_base64(text)?;
    if bytes.len() < MIN_LEN || (bytes.len() - HEADER_LEN - TAG_LEN) % BLOCK_LEN != 0 || bytes.first() != Some(&VERSION) {
        return Err(Error::BadFormat);
    }
    let (signed, received) = bytes.split_at(bytes.len() - TAG_LEN);
    let (header, iv_and_ciphertext) = signed.split_at(HEADER_LEN);
    let expected = tag(&keys, header, device_id, bound, iv_and_ciphertext)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_slice(), received)) {
        return Err(Error::CannotDecrypt);
    }
    let (iv, ciphertext) = iv_and_ciphertext.split_at(BLOCK_LEN);
    let mut seqn = [0u8; 8];
    seqn.copy_from_slice(&header[2..]);
    let mut iv_block = [0u8; BLOCK_LEN];
    iv_block.copy_from_slice(iv);
    Ok(Verified { keys, kind_byte: header[1], seqn: u64::from_be_bytes(seqn), tag: expected, iv: iv_block, ciphertext: ciphertext.to_vec() })
}

/// The tag of a sealed message (its last 16 bytes), as a reply to it is bound.
///
/// # Errors
/// [`Error::BadBase64`]; [`Error::BadFormat`] for text too short to be a message.
pub fn tag_of(text: &str) -> Result<Tag> {
    let bytes = decode_base64(text)?;
    let start = bytes.len().checked_sub(TAG_LEN).filter(|_| bytes.len() >= MIN_LEN).ok_or(Error::BadFormat)?;
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&bytes[start..]);
    Ok(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

    #[test]
    fn round_trip_and_binding() {
        let (sealed, request_tag) = seal(br#"{"data":{"value":1}}"#, KEY, "12FA", Kind::Data, 7, None).unwrap();
        let verified = verify(&sealed, KEY, "12FA", None).unwrap();
        assert_eq!((verified.kind(Direction::Request), verified.seqn()), (Ok(Kind::Data), 7));
        assert_eq!(verified.decrypt().unwrap().as_slice(), br#"{"data":{"value":1}}"#);
        assert_eq!(verified.kind(Direction::Reply), Err(Error::WrongKind));
        assert_eq!(verify(&sealed, KEY, "12FB", None).err(), Some(Error::CannotDecrypt));
        assert_eq!(verify(&sealed, "00".repeat(16).as_str(), "12FA", None).err(), Some(Error::CannotDecrypt));
        // The request as a reply to itself, and the reply as a request: both fail the tag.
        assert_eq!(verify(&sealed, KEY, "12FA", Some(&request_tag)).err(), Some(Error::CannotDecrypt));
        let reply = verified.seal_reply(br#"{"SEQN":7,"ack":true}"#, "12FA", Kind::Ack, 7).unwrap();
        assert_eq!(verify(&reply, KEY, "12FA", None).err(), Some(Error::CannotDecrypt));
        let opened = verify(&reply, KEY, "12FA", Some(&request_tag)).unwrap();
        assert_eq!((opened.kind(Direction::Reply), opened.seqn()), (Ok(Kind::Ack), 7));
        // Bound to another request: refused.
        let (_, other_tag) = seal(br#"{"data":{"value":1}}"#, KEY, "12FA", Kind::Data, 7, None).unwrap();
        assert_eq!(verify(&reply, KEY, "12FA", Some(&other_tag)).err(), Some(Error::CannotDecrypt));
        assert_eq!(tag_of(&sealed), Ok(request_tag));
    }

    #[test]
    fn sealing_refuses_a_binding_that_does_not_fit_the_kind() {
        let tag = [0u8; TAG_LEN];
        assert_eq!(seal(b"{}", KEY, "12FA", Kind::Query, 0, Some(&tag)).err(), Some(Error::BadOptions));
        assert_eq!(seal(b"{}", KEY, "12FA", Kind::Ack, 0, None).err(), Some(Error::BadOptions));
        assert_eq!(seal(b"{}", KEY, "", Kind::Query, 0, None).err(), Some(Error::BadOptions));
        assert_eq!(seal(b"{}", KEY, &"x".repeat(256), Kind::Query, 0, None).err(), Some(Error::BadOptions));
        assert_eq!(seal(b"{}", KEY, "12FA", Kind::Query, MAX_SEQN + 1, None).err(), Some(Error::BadSeqn));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let (sealed, _) = seal(br#"{"data":{"value":300}}"#, KEY, "12FA", Kind::Data, 121, None).unwrap();
        let bytes = decode_base64(&sealed).unwrap();
        for index in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[index / 8] ^= 1 << (index % 8);
            let result = verify(&encode_base64(&tampered), KEY, "12FA", None).err();
            assert!(matches!(result, Some(Error::CannotDecrypt | Error::BadFormat)), "bit {index}: {result:?}");
        }
    }

    #[test]
    fn kind_names_and_bytes_are_one_table() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_byte(kind.byte()), Some(kind));
            assert_eq!(Kind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::from_byte(0x52), None);
    }
}
