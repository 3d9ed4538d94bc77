//! The authenticated format, version 2 (README, "The authenticated format (auth version 2)"): `auth::verify` of
//! arbitrary text as a request and as a reply bound to a tag, under the
//! article's key and device 12FA and under arbitrary device ids; and
//! messages this target seals itself from the input and then tampers with.
//!
//! A value or a typed error, never a panic. Nothing verifies that was not
//! sealed with the key, for that device id, with that binding: arbitrary
//! text verifies only if it is one of the messages of tests/vectors/auth.json
//! sealed with the key (the seed corpus holds them), and a message sealed
//! here verifies only untouched, under its own id and its own binding.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wsn_crypto::auth::{self, Direction, Kind, Tag, TAG_LEN};
use wsn_crypto::encoding::decode_base64;
use wsn_crypto::sequence::MAX_SEQN;
use wsn_crypto::Error;

#[path = "common/mod.rs"]
mod common;
use common::{encode_base64, Input};

const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const OTHER_KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3D";
const DEVICE: &str = "12FA";
const KINDS: [Kind; 6] = [Kind::Query, Kind::Reset, Kind::Data, Kind::Seqn, Kind::Ack, Kind::Refusal];

/// A message sealed with the key for the device: its bytes and the tag it is bound to.
struct Known {
    bytes: Vec<u8>,
    bound: Option<Tag>,
}

fn hex_tag(text: &str) -> Tag {
    let mut tag = [0u8; TAG_LEN];
    for (i, byte) in tag.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex tag");
    }
    tag
}

/// The vectors of tests/vectors/auth.json sealed with `KEY` for `DEVICE`.
fn known() -> &'static [Known] {
    static KNOWN: OnceLock<Vec<Known>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        common::vectors_for(KEY, DEVICE)
            .into_iter()
            .map(|(bytes, request)| Known { bytes, bound: request.as_deref().map(hex_tag) })
            .collect()
    })
}

/// The tags replies may be bound to: those of the vectors' requests, and
/// one from the input, so that the fuzzer can try its own.
fn bindings(data: &[u8]) -> Vec<Option<Tag>> {
    let mut bindings: Vec<Option<Tag>> = vec![None];
    bindings.extend(known().iter().filter_map(|known| known.bound).map(Some));
    if let Some(tag) = data.get(..TAG_LEN) {
        bindings.push(Some(tag.try_into().expect("16 bytes")));
    }
    bindings
}

/// What a verified message must be: one sealed with the key for `device_id`
/// with exactly this binding; and its parts read from its own bytes.
fn assert_sealed_with_the_key(text: &str, device_id: &str, bound: Option<&Tag>, verified: &auth::Verified) {
    let bytes = decode_base64(text).expect("verified text is base64");
    assert_eq!(device_id, DEVICE, "verified under a device id nothing was sealed for");
    assert!(
        known().iter().any(|known| known.bytes == bytes && known.bound.as_ref() == bound),
        "verified a message that was never sealed with the key (bound {bound:?})"
    );
    assert_eq!(verified.tag().as_slice(), &bytes[bytes.len() - TAG_LEN..]);
    assert_eq!(verified.seqn(), u64::from_be_bytes(bytes[2..10].try_into().expect("8 bytes")));
    let kind = Kind::from_byte(bytes[1]);
    for direction in [Direction::Request, Direction::Reply] {
        let expected = kind.filter(|kind| kind.direction() == direction).ok_or(Error::WrongKind);
        assert_eq!(verified.kind(direction), expected);
    }
    let _ = verified.decrypt();
}

/// Arbitrary text as a request and as a reply to every binding at hand.
fn verify_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = auth::tag_of(&text);
    for bound in bindings(data) {
        if let Ok(verified) = auth::verify(&text, KEY, DEVICE, bound.as_ref()) {
            assert_sealed_with_the_key(&text, DEVICE, bound.as_ref(), &verified);
        }
    }
    // The first byte splits a device id from the message.
    if let Some((split, rest)) = data.split_first() {
        let at = (*split as usize).min(rest.len());
        let (id, body) = rest.split_at(at);
        let (id, body) = (String::from_utf8_lossy(id), String::from_utf8_lossy(body));
        for bound in [None, known().iter().find_map(|known| known.bound)] {
            if let Ok(verified) = auth::verify(&body, KEY, &id, bound.as_ref()) {
                assert_sealed_with_the_key(&body, &id, bound.as_ref(), &verified);
            }
        }
    }
}


/// A message sealed here with any kind, SEQN, IV, binding and plaintext the
/// input names; untouched it opens exactly as sealed and only so, changed
/// in any way it never verifies.
fn seal_and_tamper(data: &[u8]) -> Option<()> {
    let mut input = Input(data);
    let kind = KINDS[usize::from(input.byte()?) % KINDS.len()];
    let changes = input.byte()?;
    let seqn = u64::from_be_bytes(input.array()?);
    let iv: [u8; 16] = input.array()?;
    let bound: Tag = input.array()?;
    let flips: Vec<(u16, u8)> = (0..changes % 4)
        .filter_map(|_| Some((u16::from_be_bytes(input.array()?), input.byte()?)))
        .collect();
    let plaintext = input.0;
    let bound = (kind.direction() == Direction::Reply).then_some(bound);

    let sealed = auth::seal_with_iv(plaintext, KEY, DEVICE, kind, seqn, bound.as_ref(), &iv);
    if seqn > MAX_SEQN {
        assert_eq!(sealed.err(), Some(Error::BadSeqn));
        return None;
    }
    let (text, tag) = sealed.expect("seals");
    let bytes = decode_base64(&text).expect("base64");
    assert_eq!(encode_base64(&bytes), text, "this encoder writes what the crate writes");
    assert_eq!(auth::tag_of(&text), Ok(tag));

    // Untouched: opens as sealed, with its binding, and with nothing else.
    let verified = auth::verify(&text, KEY, DEVICE, bound.as_ref()).expect("a sealed message verifies");
    assert_eq!((verified.kind(kind.direction()), verified.seqn(), *verified.tag()), (Ok(kind), seqn, tag));
    assert_eq!(verified.decrypt().expect("decrypts").as_slice(), plaintext);
    let mut other_bound = bound.unwrap_or(tag);
    other_bound[usize::from(changes) % TAG_LEN] ^= 1 << (changes % 8);
    let wrong_bindings: [Option<&Tag>; 2] = match &bound {
        Some(_) => [None, Some(&other_bound)],
        None => [Some(&tag), Some(&other_bound)],
    };
    for wrong in wrong_bindings {
        assert_eq!(auth::verify(&text, KEY, DEVICE, wrong).err(), Some(Error::CannotDecrypt), "opened with another binding");
    }
    assert_eq!(auth::verify(&text, KEY, "12FB", bound.as_ref()).err(), Some(Error::CannotDecrypt), "opened for another device");
    assert_eq!(auth::verify(&text, OTHER_KEY, DEVICE, bound.as_ref()).err(), Some(Error::CannotDecrypt), "opened with another key");

    // Changed: flipped bits, then cut or extended by the low bits of `changes`.
    let mut tampered = bytes.clone();
    for (at, mask) in flips {
        let at = usize::from(at) % tampered.len();
        tampered[at] ^= mask;
    }
    match (changes >> 2) % 4 {
        1 => tampered.truncate(usize::from(changes) % bytes.len()),
        2 => tampered.extend_from_slice(&iv[..usize::from(changes) % 17]),
        3 => {
            tampered.insert(usize::from(changes) % bytes.len(), changes);
        }
        _ => {}
    }
    if tampered != bytes {
        let text = encode_base64(&tampered);
        for binding in [bound.as_ref(), None, Some(&tag), Some(&other_bound)] {
            let result = auth::verify(&text, KEY, DEVICE, binding).err();
            assert!(matches!(result, Some(Error::CannotDecrypt | Error::BadFormat)), "a changed message: {result:?}");
        }
    }
    Some(())
}

fuzz_target!(|data: &[u8]| {
    verify_text(data);
    let _ = seal_and_tamper(data);
});
