//! The backend's one call, `request::take`, as the decrypt node makes it:
//! body text through `envelope::BodyFields::from_json_text`, the article's
//! key, device 12FA, either endpoint, any stored SEQN, any formats and
//! policy. The body is either the input's own text or a message this target
//! seals in the authenticated format from the input (any kind, SEQN, IV,
//! plaintext), perhaps with one bit changed.
//!
//! Never a panic, and:
//! - what it takes obeys the rules (the formats, the endpoint's kinds, the
//!   raw format kept out of SEQN, forward-only for the authenticated format
//!   and for raw data, the SEQN and `lost` against the stored SEQN);
//! - what it takes in the authenticated format was sealed with the key: in
//!   the input's own text only the vectors of tests/vectors/auth.json sealed
//!   with it, in a message sealed here only the untouched one;
//! - a refusal carries a sealed refusal (`sealed: Some(_)`) only for a body
//!   whose auth verified, and that refusal opens bound to the request, kind
//!   refusal, with the stored SEQN and `{"error":code,"SEQN":stored}`; a
//!   verified request is never refused without one (while the stored SEQN is
//!   one the boundary lets through).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wsn_crypto::auth::{self, Direction, Kind, Tag, TAG_LEN};
use wsn_crypto::encoding::decode_base64;
use wsn_crypto::envelope::{BodyFields, Format};
use wsn_crypto::request::{self, Endpoint, Options, Refused, Taken};
use wsn_crypto::sequence::{Policy, MAX_SEQN};
use wsn_crypto::Error;

#[path = "common/mod.rs"]
mod common;
use common::{encode_base64, Input};

const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
const DEVICE: &str = "12FA";
const KINDS: [Kind; 6] = [Kind::Query, Kind::Reset, Kind::Data, Kind::Seqn, Kind::Ack, Kind::Refusal];
const FORMATS: [Option<&str>; 7] = [
    None,
    Some(""),
    Some("auth"),
    Some("passphrase,raw"),
    Some("passphrase,raw,auth"),
    Some(" raw , auth "),
    Some("passphrase"),
];

/// The bytes of the vectors of tests/vectors/auth.json sealed with `KEY` for `DEVICE`.
fn known() -> &'static [Vec<u8>] {
    static KNOWN: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        common::vectors_for(KEY, DEVICE).into_iter().map(|(bytes, _)| bytes)
            .collect()
    })
}


/// A message sealed here, as the target made it.
struct Sealed {
    kind: Kind,
    seqn: u64,
    plaintext: Vec<u8>,
    tag: Tag,
    changed: bool,
}

/// Checks the rules on what `take` answered for `body`.
fn check(result: &Result<Taken, Refused>, body: &BodyFields, options: &Options<'_>, sealed: Option<&Sealed>) {
    let auth_text = body.request().ok().and_then(|request| match request {
        wsn_crypto::envelope::Request::Auth { auth } => Some(auth),
        _ => None,
    });
    // Whether the body's auth verifies, as `take` checks it.
    // A verified message of a reply kind (or no kind) is answered like a
    // forgery: only verified requests count.
    let verified = auth_text.and_then(|text| auth::verify(text, KEY, DEVICE, None).ok()).filter(|v| v.kind(Direction::Request).is_ok());
    let auth_allowed = request::allows(options.formats, Format::Auth);
    // A stored SEQN out of range is the server's fault, refused before the body is read.
    if options.stored > MAX_SEQN {
        assert_eq!(result.as_ref().err(), Some(&Refused { error: Error::BadStored, sealed: None }));
        return;
    }
    match result {
        Ok(taken) => {
            assert!(request::allows(options.formats, taken.format), "took a format the device may not use");
            match options.endpoint {
                Endpoint::Seqn => assert!(matches!(taken.kind, Kind::Query | Kind::Reset), "{:?} at the seqn endpoint", taken.kind),
                Endpoint::Data => assert_eq!(taken.kind, Kind::Data, "at the data endpoint"),
                Endpoint::Any => assert!(matches!(taken.kind, Kind::Query | Kind::Reset | Kind::Data), "{:?} at the any endpoint", taken.kind),
            }
            assert!(!(taken.format == Format::Raw && taken.kind != Kind::Data), "a raw request set a SEQN");
            assert_eq!(taken.stored, options.stored);
            assert!(taken.seqn <= MAX_SEQN);
            let message: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&taken.json_text).expect("the message is a JSON object");
            if taken.kind == Kind::Data {
                assert!(message.get("data").is_some_and(|data| data.is_object()), "a data message without a data object");
            }
            // A legacy message has no kind of its own: a reset never carries data.
            if taken.format != Format::Auth && taken.kind == Kind::Reset {
                assert!(message.get("data").is_none(), "a legacy message with data taken as a reset");
            }
            if let Some(seqn) = message.get("SEQN") {
                assert_eq!(seqn.as_f64(), Some(taken.seqn as f64), "the message's SEQN is not the one taken");
            }
            // "any" is the passphrase format's alone: the authenticated format is
            // always forward-only, and raw data is forward-only under any rule.
            let policy = match (taken.format, options.policy) {
                (Format::Auth, _) | (Format::Raw, Some(_)) => Some(Policy::ForwardOnly),
                (Format::Passphrase, policy) | (Format::Raw, policy) => policy,
            };
            assert_eq!(taken.policy, policy);
            if taken.kind != Kind::Query && taken.policy == Some(Policy::ForwardOnly) {
                assert!(taken.seqn > taken.stored, "forward-only took SEQN {} over {}", taken.seqn, taken.stored);
            }
            // Messages lost: the gap when the SEQN moves forward under a rule, else none.
            let lost = match taken.policy {
                Some(_) if taken.kind != Kind::Query && taken.seqn > taken.stored => taken.seqn - taken.stored - 1,
                _ => 0,
            };
            assert_eq!(taken.lost, lost);
            if taken.format == Format::Auth {
                let text = auth_text.expect("taken in the auth format from an auth body");
                let bytes = decode_base64(text).expect("base64");
                assert_eq!(taken.request_tag.as_ref().map(|tag| tag.as_slice()), Some(&bytes[bytes.len() - TAG_LEN..]));
                match sealed {
                    // Only the untouched message sealed here, exactly as sealed.
                    Some(sealed) => {
                        assert!(!sealed.changed, "took a changed message");
                        assert_eq!((taken.kind, taken.seqn, taken.request_tag), (sealed.kind, sealed.seqn, Some(sealed.tag)));
                        assert_eq!(taken.json_text.as_bytes(), sealed.plaintext.as_slice());
                    }
                    None => assert!(known().contains(&bytes), "took an auth message that was never sealed with the key"),
                }
            } else {
                assert_eq!(taken.request_tag, None);
            }
        }
        Err(refused) => {
            if let Some(reply) = &refused.sealed {
                let verified = verified.as_ref().expect("a sealed refusal for a body whose auth did not verify");
                assert!(auth_allowed, "a sealed refusal for a device without the auth format");
                let opened = auth::verify(reply, KEY, DEVICE, Some(verified.tag())).expect("the refusal opens bound to the request");
                assert_eq!((opened.kind(Direction::Reply), opened.seqn()), (Ok(Kind::Refusal), options.stored));
                let plaintext = opened.decrypt().expect("decrypts");
                // Written here with `format!`, independently of the crate's own digits.
                let expected = format!(r#"{{"error":"{}","SEQN":{}}}"#, refused.error.public_code(), options.stored);
                assert_eq!(plaintext.as_slice(), expected.as_bytes());
                assert_eq!(request::refusal_text(refused.error, options.stored), expected);
                assert!(
                    matches!(
                        refused.error,
                        Error::WrongKind | Error::CannotDecrypt | Error::BadSeqn | Error::BadFormat | Error::Replay | Error::Stale
                    ),
                    "sealed a refusal for {:?}",
                    refused.error
                );
                if let Some(sealed) = sealed {
                    assert!(!sealed.changed, "a changed message verified");
                }
            } else if verified.is_some() && auth_allowed && options.stored <= MAX_SEQN {
                panic!("a verified request refused without a sealed refusal: {:?}", refused.error);
            }
            if let Some(sealed) = sealed.filter(|sealed| !sealed.changed && auth_allowed) {
                let expected = match sealed.kind.direction() {
                    // A reply's tag covers a request tag: as a request it fails.
                    Direction::Reply => Some(Error::CannotDecrypt),
                    Direction::Request if !endpoint_takes(options.endpoint, sealed.kind) => Some(Error::WrongKind),
                    Direction::Request => None,
                };
                if let Some(expected) = expected {
                    assert_eq!(refused.error, expected, "{:?} at {:?}", sealed.kind, options.endpoint);
                }
                match refused.error {
                    Error::Replay => assert_eq!(sealed.seqn, options.stored),
                    Error::Stale => assert!(sealed.seqn < options.stored),
                    _ => {}
                }
            }
        }
    }
}

fn endpoint_takes(endpoint: Endpoint, kind: Kind) -> bool {
    match endpoint {
        Endpoint::Seqn => matches!(kind, Kind::Query | Kind::Reset),
        Endpoint::Data => kind == Kind::Data,
        Endpoint::Any => matches!(kind, Kind::Query | Kind::Reset | Kind::Data),
    }
}

/// A body sealed here in the authenticated format, maybe with one bit changed.
fn seal_body(input: &mut Input<'_>) -> Option<(String, Sealed)> {
    let kind = KINDS[usize::from(input.byte()?) % KINDS.len()];
    let seqn = u64::from_be_bytes(input.array()?) & MAX_SEQN;
    let iv: [u8; 16] = input.array()?;
    let flip = u16::from_be_bytes(input.array()?);
    let plaintext = input.0.to_vec();
    let bound: Tag = iv;
    let bound = (kind.direction() == Direction::Reply).then_some(&bound);
    let (text, tag) = auth::seal_with_iv(&plaintext, KEY, DEVICE, kind, seqn, bound, &iv).expect("seals");
    // 0 leaves it alone; otherwise the bit (flip >> 3) of the message, wrapped.
    let (text, changed) = if flip == 0 {
        (text, false)
    } else {
        let mut bytes = decode_base64(&text).expect("base64");
        assert_eq!(encode_base64(&bytes), text, "this encoder writes what the crate writes");
        let bit = usize::from(flip - 1) % (bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        (encode_base64(&bytes), true)
    };
    Some((format!(r#"{{"auth":"{text}"}}"#), Sealed { kind, seqn, plaintext, tag, changed }))
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(control) = input.byte() else { return };
    let Some(stored) = input.array::<8>() else { return };
    // Bit 56 of `stored` is above any SEQN the boundary lets through (it is
    // masked off below unless the top bit of `control` asks otherwise), so it
    // picks the one-address endpoint without moving the corpus' layout.
    let endpoint = match (control & 1, stored[0] & 1) {
        (_, 1) => Endpoint::Any,
        (0, _) => Endpoint::Seqn,
        _ => Endpoint::Data,
    };
    let policy = [Some(Policy::ForwardOnly), Some(Policy::Any), None, Some(Policy::ForwardOnly)][usize::from(control >> 4) & 3];
    // The boundary lets only 0..=2^53-1 through; the top bit tries what it does not.
    let stored = u64::from_be_bytes(stored);
    let stored = if control & 0x80 == 0 { stored & MAX_SEQN } else { stored };
    let own_formats;
    let formats = match usize::from(control >> 1) & 7 {
        7 => {
            let Some(len) = input.byte() else { return };
            let Some(text) = input.take(usize::from(len) % 32) else { return };
            own_formats = String::from_utf8_lossy(text).into_owned();
            Some(own_formats.as_str())
        }
        index => FORMATS[index],
    };
    let options = Options { device_id: DEVICE, formats, stored, policy, endpoint };
    let (text, sealed) = if control & 0x40 == 0 {
        (String::from_utf8_lossy(input.0).into_owned(), None)
    } else {
        let Some((text, sealed)) = seal_body(&mut input) else { return };
        (text, Some(sealed))
    };
    let Ok(body) = BodyFields::from_json_text(&text) else {
        assert!(sealed.is_none(), "the body sealed here reads");
        return;
    };
    let result = request::take(&body, KEY, &options);
    check(&result, &body, &options, sealed.as_ref());
});
