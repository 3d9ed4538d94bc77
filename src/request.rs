//! A device's request as the backend takes it, in one call: the device's
//! formats, the message opened, the endpoint's kinds, the SEQN read and the
//! sequence rule applied. The answer is everything the flow needs to write
//! and reply, or the refusal, sealed for the device when the request proved
//! that its sender has the key.
//!
//! The rules that are not the cipher's live here, once, for every format:
//! - the format restriction fails closed: no formats listed refuses all;
//! - the raw format cannot set a SEQN (its IV makes the first block of any
//!   captured ciphertext rewritable: the backend's own SEQN reply becomes
//!   `{"SEQN":9e9}`), and its data messages must keep the SEQN out of that
//!   first block;
//! - the authenticated format's SEQN is the header's, and is always forward-only.

use zeroize::Zeroizing;

use crate::auth::{self, Direction, Kind, Tag};
use crate::encoding::utf8_text;
use crate::envelope::{self, BodyFields, Format, Request};
use crate::error::{Error, Result};
use crate::json::{self, MessageMembers, SeqnMember};
use crate::sequence::{self, Policy, MAX_SEQN};

/// Which request a backend endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /wsn/:id`: a SEQN reset, or in the authenticated format also a SEQN query.
    Seqn,
    /// `POST /data/:id`: a data message.
    Data,
    /// One address for every kind, as an MQTT topic `wsn/<id>/up` is: a
    /// legacy message with a `data` member is a data message, one without
    /// it a reset.
    Any,
}

impl Endpoint {
    /// Reads an endpoint name as options give it: `seqn`, `data` or `any`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Endpoint> {
        match name {
            "seqn" => Some(Endpoint::Seqn),
            "data" => Some(Endpoint::Data),
            "any" => Some(Endpoint::Any),
            _ => None,
        }
    }

    fn takes(self, kind: Kind) -> bool {
        match self {
            Endpoint::Seqn => matches!(kind, Kind::Query | Kind::Reset),
            Endpoint::Data => kind == Kind::Data,
            Endpoint::Any => matches!(kind, Kind::Query | Kind::Reset | Kind::Data),
        }
    }

    /// The kind of a legacy message, which has none of its own: the
    /// endpoint's, or on [`Endpoint::Any`] what its members make it.
    fn legacy_kind(self, members: &MessageMembers) -> Kind {
        match self {
            Endpoint::Seqn => Kind::Reset,
            Endpoint::Data => Kind::Data,
            Endpoint::Any if members.has_data => Kind::Data,
            Endpoint::Any => Kind::Reset,
        }
    }
}

/// What the backend knows of the device and the endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The device id, as in the URL.
    pub device_id: &'a str,
    /// The formats the device may use, comma-separated; `None` or empty refuses every format.
    pub formats: Option<&'a str>,
    /// The SEQN stored for the device.
    pub stored: u64,
    /// The sequence rule for the legacy formats; `None` skips it (the node's
    /// "none", for flows that only decrypt). The authenticated format is
    /// always [`Policy::ForwardOnly`].
    pub policy: Option<Policy>,
    /// The endpoint the request came to.
    pub endpoint: Endpoint,
}

/// A request that passed every rule.
pub struct Taken {
    /// Its wire format, which the reply uses too.
    pub format: Format,
    /// Its kind: in the legacy formats, the endpoint's ([`Kind::Reset`] or [`Kind::Data`]).
    pub kind: Kind,
    /// Its SEQN (in a query, the device's own idea of it).
    pub seqn: u64,
    /// The SEQN stored before it.
    pub stored: u64,
    /// Messages missing between the two (0 for a query and where no rule applied).
    pub lost: u64,
    /// The rule applied, which the conditional write repeats.
    pub policy: Option<Policy>,
    /// The message's JSON text, an object.
    pub json_text: Zeroizing<String>,
    /// In the authenticated format, the request's tag, which its reply must cover.
    pub request_tag: Option<Tag>,
}

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Why.
    pub error: Error,
    /// For an authenticated request whose tag verified: the refusal sealed
    /// for the device (kind `X`, bound to the request, with the stored SEQN),
    /// base64.
    pub sealed: Option<String>,
}

impl From<Error> for Refused {
    fn from(error: Error) -> Self {
        Refused { error, sealed: None }
    }
}

/// The formats a comma-separated list allows, in list order, each once.
/// Names are trimmed; unknown names allow nothing. Nothing listed allows
/// nothing. The one reading of a device's format list: the nodes ask for
/// it through `formatsAllowed` instead of splitting the list themselves.
#[must_use]
pub fn allowed(formats: Option<&str>) -> Vec<Format> {
    let mut allowed = Vec::new();
    for format in formats.unwrap_or("").split(',').filter_map(|name| Format::from_name(name.trim())) {
        if !allowed.contains(&format) {
            allowed.push(format);
        }
    }
    allowed
}

/// Whether `format` is among the comma-separated `formats` ([`allowed`]).
#[must_use]
pub fn allows(formats: Option<&str>, format: Format) -> bool {
    allowed(formats).contains(&format)
}

/// Takes a request body for the device.
///
/// # Errors
/// A [`Refused`] with the error and, after a verified tag, the sealed refusal;
/// [`Error::BadStored`] for a stored SEQN above 2^53 − 1.
pub fn take(body: &BodyFields, key: &str, options: &Options<'_>) -> core::result::Result<Taken, Refused> {
    if options.stored > MAX_SEQN {
        return Err(Error::BadStored.into());
    }
    let request = body.request()?;
    if !allows(options.formats, request.format()) {
        return Err(Error::FormatNotAllowed.into());
    }
    match request {
        Request::Auth { auth } => take_auth(auth, key, options),
        legacy => take_legacy(&legacy, key, options).map_err(Refused::from),
    }
}

fn take_legacy(request: &Request<'_>, key: &str, options: &Options<'_>) -> Result<Taken> {
    let format = request.format();
    // The raw format's IV rewrites a captured first block at will, so no
    // raw message can be trusted to set a SEQN (said before decrypting
    // where the endpoint tells; on `any`, once the message has no data).
    if options.endpoint == Endpoint::Seqn && format == Format::Raw {
        return Err(Error::FormatNotAllowed);
    }
    let opened = envelope::open_legacy(request, key)?;
    let members = members(&opened.json_text)?;
    let kind = options.endpoint.legacy_kind(&members);
    if kind == Kind::Reset && format == Format::Raw {
        return Err(Error::FormatNotAllowed);
    }
    // A legacy message has no kind: a captured data message posted as a
    // reset would move the SEQN and be acknowledged without its row.
    if kind == Kind::Reset && members.has_data {
        return Err(Error::BadFormat);
    }
    let seqn = match members.seqn {
        SeqnMember::Integer(n) => n,
        SeqnMember::Absent | SeqnMember::Bad => return Err(Error::BadSeqn),
    };
    check_data(kind, &members)?;
    // The one SEQN member must start after what the IV can rewrite; a SEQN
    // read from there could be anything an outsider chose.
    if json::top_level_member_offsets(&opened.json_text, "SEQN").first().is_some_and(|&at| at < opened.malleable_prefix) {
        return Err(Error::MalleableSeqn);
    }
    // "any" is the article's reset, in the article's format; a raw message
    // (a data message: raw cannot reset) is always forward-only.
    let policy = match (format, options.policy) {
        (Format::Raw, Some(_)) => Some(Policy::ForwardOnly),
        (_, policy) => policy,
    };
    let (stored, lost) = apply(policy, options.stored, seqn)?;
    Ok(Taken { format, kind, seqn, stored, lost, policy, json_text: opened.json_text, request_tag: None })
}

fn take_auth(text: &str, key: &str, options: &Options<'_>) -> core::result::Result<Taken, Refused> {
    // Until the tag verifies, a refusal says nothing more than its code.
    let verified = auth::verify(text, key, options.device_id, None)?;
    // A reply re-framed as a request (its request's tag moved in front of
    // its IV) verifies as one, since the MAC inputs are then the same bytes;
    // its kind gives it away, and it is answered like any forgery, unsealed,
    // so that no request made without the key gets anything sealed.
    let kind = verified.kind(Direction::Request).map_err(|_| Error::CannotDecrypt)?;
    let checked = (|| {
        if !options.endpoint.takes(kind) {
            return Err(Error::WrongKind);
        }
        let json_text = utf8_text(verified.decrypt()?)?;
        let members = members(&json_text)?;
        let seqn = verified.seqn();
        if seqn > MAX_SEQN {
            return Err(Error::BadSeqn);
        }
        match members.seqn {
            SeqnMember::Absent => {}
            SeqnMember::Integer(n) if n == seqn => {}
            _ => return Err(Error::BadSeqn),
        }
        check_data(kind, &members)?;
        let (stored, lost) = match kind {
            Kind::Query => (options.stored, 0),
            _ => apply(Some(Policy::ForwardOnly), options.stored, seqn)?,
        };
        Ok(Taken {
            format: Format::Auth,
            kind,
            seqn,
            stored,
            lost,
            policy: Some(Policy::ForwardOnly),
            json_text,
            request_tag: Some(*verified.tag()),
        })
    })();
    checked.map_err(|error| Refused { error, sealed: seal_refusal(&verified, options, error).ok() })
}

/// The sealed refusal of a verified request: its code and the stored SEQN,
/// so that the device can trust both and carry on from there.
fn seal_refusal(verified: &auth::Verified, options: &Options<'_>, error: Error) -> Result<String> {
    let plaintext = refusal_text(error, options.stored);
    verified.seal_reply(plaintext.as_bytes(), options.device_id, Kind::Refusal, options.stored)
}

/// The plaintext of a refusal: `{"error":"<code>","SEQN":<stored>}`.
#[must_use]
pub fn refusal_text(error: Error, stored: u64) -> String {
    // Written out, not with `format!`: core::fmt's machinery is a tenth of
    // the wasm module, and nothing else on the request path needs it.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = stored;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(40);
    text.push_str(r#"{"error":""#);
    text.push_str(error.public_code());
    text.push_str(r#"","SEQN":"#);
    text.extend(digits[at..].iter().map(|&digit| char::from(digit)));
    text.push('}');
    text
}

fn members(json_text: &str) -> Result<MessageMembers> {
    match json::message_members(json_text) {
        Ok(Some(members)) => Ok(members),
        _ => Err(Error::CannotDecrypt),
    }
}

/// A data message's `data` must be an object (its row's `dataJSON`).
fn check_data(kind: Kind, members: &MessageMembers) -> Result<()> {
    if kind == Kind::Data && !members.data_is_object {
        return Err(Error::BadFormat);
    }
    Ok(())
}

/// The sequence rule, when one applies: the stored SEQN and the messages lost.
fn apply(policy: Option<Policy>, stored: u64, seqn: u64) -> Result<(u64, u64)> {
    match policy {
        Some(policy) => sequence::check(stored, seqn, policy).map(|accepted| (accepted.stored, accepted.lost)),
        None => Ok((stored, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "2B7E151628AED2A6ABF7158809CF4F3C";

    fn options(endpoint: Endpoint, stored: u64) -> Options<'static> {
        Options { device_id: "12FA", formats: Some("passphrase,raw,auth"), stored, policy: Some(Policy::ForwardOnly), endpoint }
    }

    fn auth_body(kind: Kind, seqn: u64, plaintext: &str) -> (BodyFields, Tag) {
        let (auth, tag) = auth::seal(plaintext.as_bytes(), KEY, "12FA", kind, seqn, None).unwrap();
        (BodyFields { auth: Some(auth), ..BodyFields::default() }, tag)
    }

    fn refusal_of(refused: &Refused, tag: &Tag) -> (Kind, u64, String) {
        let verified = auth::verify(refused.sealed.as_deref().expect("sealed"), KEY, "12FA", Some(tag)).unwrap();
        let text = String::from_utf8(verified.decrypt().unwrap().to_vec()).unwrap();
        (verified.kind(Direction::Reply).unwrap(), verified.seqn(), text)
    }

    #[test]
    fn refusal_text_is_json_for_every_seqn() {
        for stored in [0, 7, 10, 121, MAX_SEQN] {
            let text = refusal_text(Error::Stale, stored);
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value, serde_json::json!({ "error": "stale", "SEQN": stored }), "{text}");
        }
    }

    #[test]
    fn allowed_keeps_list_order_once_each() {
        assert_eq!(allowed(Some(" auth , raw,auth,,passphrase ,authx")), [Format::Auth, Format::Raw, Format::Passphrase]);
        for formats in [None, Some(""), Some(" , "), Some("AUTH"), Some("raw auth")] {
            assert_eq!(allowed(formats), [], "{formats:?}");
        }
    }

    #[test]
    fn formats_fail_closed() {
        let (body, _) = auth_body(Kind::Data, 1, r#"{"data":{}}"#);
        for formats in [None, Some(""), Some(" "), Some("passphrase,raw"), Some("authx")] {
            let refused = take(&body, KEY, &Options { formats, ..options(Endpoint::Data, 0) }).err().unwrap();
            assert_eq!(refused, Refused { error: Error::FormatNotAllowed, sealed: None }, "{formats:?}");
        }
        assert!(take(&body, KEY, &Options { formats: Some(" raw , auth "), ..options(Endpoint::Data, 0) }).is_ok());
    }

    #[test]
    fn auth_kinds_go_to_their_endpoint_and_refusals_are_sealed() {
        let (data, data_tag) = auth_body(Kind::Data, 5, r#"{"data":{"value":1}}"#);
        let taken = take(&data, KEY, &options(Endpoint::Data, 3)).ok().unwrap();
        assert_eq!((taken.kind, taken.seqn, taken.stored, taken.lost), (Kind::Data, 5, 3, 1));
        assert_eq!(taken.request_tag, Some(data_tag));

        let refused = take(&data, KEY, &options(Endpoint::Seqn, 3)).err().unwrap();
        assert_eq!(refused.error, Error::WrongKind);
        assert_eq!(refusal_of(&refused, &data_tag), (Kind::Refusal, 3, r#"{"error":"wrong_kind","SEQN":3}"#.to_string()));

        let refused = take(&data, KEY, &options(Endpoint::Data, 5)).err().unwrap();
        assert_eq!(refused.error, Error::Replay);
        assert_eq!(refusal_of(&refused, &data_tag).2, r#"{"error":"replay","SEQN":5}"#);

        let (query, _) = auth_body(Kind::Query, 0, "{}");
        let taken = take(&query, KEY, &options(Endpoint::Seqn, 40)).ok().unwrap();
        assert_eq!((taken.kind, taken.stored, taken.lost), (Kind::Query, 40, 0));
    }

    #[test]
    fn auth_resets_stay_forward_only_under_any_policy() {
        let (reset, _) = auth_body(Kind::Reset, 2, "{}");
        let any = Options { policy: Some(Policy::Any), ..options(Endpoint::Seqn, 9) };
        assert_eq!(take(&reset, KEY, &any).err().map(|r| r.error), Some(Error::Stale));
    }

    #[test]
    fn auth_plaintext_cannot_contradict_the_header() {
        for (plaintext, expected) in [
            (r#"{"data":{},"SEQN":6}"#, Err(Error::BadSeqn)),
            (r#"{"data":{},"SEQN":"5"}"#, Err(Error::BadSeqn)),
            (r#"{"data":{},"SEQN":5,"SEQN":5}"#, Err(Error::BadSeqn)),
            (r#"{"data":5,"SEQN":5}"#, Err(Error::BadFormat)),
            ("[]", Err(Error::CannotDecrypt)),
            (r#"{"data":{},"SEQN":5.0}"#, Ok(5)),
        ] {
            let (body, _) = auth_body(Kind::Data, 5, plaintext);
            let got = take(&body, KEY, &options(Endpoint::Data, 0)).map(|t| t.seqn).map_err(|r| r.error);
            assert_eq!(got, expected, "{plaintext}");
        }
    }

    #[test]
    fn regression_a_reply_reframed_as_a_request_gets_nothing_sealed() {
        let (data, data_tag) = auth_body(Kind::Data, 5, r#"{"data":{}}"#);
        let refused = take(&data, KEY, &options(Endpoint::Data, 5)).err().unwrap();
        // The sealed refusal: header | iv | ct | tag, whose MAC input is header | id | data_tag | iv | ct.
        let reply = crate::encoding::decode_base64(refused.sealed.as_deref().unwrap()).unwrap();
        let reframed = [&reply[..auth::HEADER_LEN], &data_tag[..], &reply[auth::HEADER_LEN..]].concat();
        let body = BodyFields { auth: Some(crate::encoding::encode_base64(&reframed)), ..BodyFields::default() };
        for endpoint in [Endpoint::Data, Endpoint::Seqn] {
            assert_eq!(take(&body, KEY, &options(endpoint, 5)).err(), Some(Refused { error: Error::CannotDecrypt, sealed: None }));
        }
    }

    #[test]
    fn regression_a_legacy_data_message_is_no_reset() {
        let Ok(envelope::Sealed::Passphrase(msg)) = envelope::seal(r#"{"data":{"value":1},"SEQN":50}"#, KEY, Format::Passphrase) else { panic!("seal") };
        let body = BodyFields { msg: Some(msg), ..BodyFields::default() };
        assert_eq!(take(&body, KEY, &options(Endpoint::Seqn, 9)).err().map(|r| r.error), Some(Error::BadFormat));
        assert!(take(&body, KEY, &options(Endpoint::Data, 9)).is_ok());
    }

    #[test]
    fn unverified_requests_get_no_sealed_refusal() {
        let (body, _) = auth_body(Kind::Data, 5, r#"{"data":{}}"#);
        let other_key = "00".repeat(16);
        assert_eq!(take(&body, &other_key, &options(Endpoint::Data, 0)).err(), Some(Refused { error: Error::CannotDecrypt, sealed: None }));
    }

    #[test]
    fn raw_cannot_reset_and_its_seqn_must_leave_the_first_block() {
        let raw = |json: &str| {
            let Ok(envelope::Sealed::Raw { iv, data }) = envelope::seal(json, KEY, Format::Raw) else { panic!("seal") };
            BodyFields { iv: Some(iv), data: Some(data), ..BodyFields::default() }
        };
        assert_eq!(take(&raw(r#"{"SEQN":9}"#), KEY, &options(Endpoint::Seqn, 0)).err().map(|r| r.error), Some(Error::FormatNotAllowed));
        // The firmware's layout: the SEQN last, far from the first block.
        assert!(take(&raw(r#"{"data":{"value":300},"SEQN":121}"#), KEY, &options(Endpoint::Data, 0)).is_ok());
        // Its first 12 JSON bytes come from the first block.
        assert_eq!(
            take(&raw(r#"{"SEQN":121,"data":{"value":300}}"#), KEY, &options(Endpoint::Data, 0)).err().map(|r| r.error),
            Some(Error::MalleableSeqn)
        );
        assert_eq!(take(&raw(r#"{"data":{},"SEQN":1}"#), KEY, &options(Endpoint::Data, 0)).err().map(|r| r.error), Some(Error::MalleableSeqn));
        assert!(take(&raw(r#"{"data":{},  "SEQN":1}"#), KEY, &options(Endpoint::Data, 0)).is_ok());
    }

    #[test]
    fn raw_data_is_forward_only_under_any_policy() {
        let Ok(envelope::Sealed::Raw { iv, data }) = envelope::seal(r#"{"data":{},  "SEQN":2}"#, KEY, Format::Raw) else { panic!("seal") };
        let body = BodyFields { iv: Some(iv), data: Some(data), ..BodyFields::default() };
        let any = Options { policy: Some(Policy::Any), ..options(Endpoint::Data, 9) };
        assert_eq!(take(&body, KEY, &any).err().map(|r| r.error), Some(Error::Stale));
    }

    #[test]
    fn passphrase_resets_follow_the_policy() {
        let Ok(envelope::Sealed::Passphrase(msg)) = envelope::seal(r#"{"SEQN":2}"#, KEY, Format::Passphrase) else { panic!("seal") };
        let body = BodyFields { msg: Some(msg), ..BodyFields::default() };
        assert_eq!(take(&body, KEY, &options(Endpoint::Seqn, 9)).err().map(|r| r.error), Some(Error::Stale));
        let any = Options { policy: Some(Policy::Any), ..options(Endpoint::Seqn, 9) };
        assert_eq!(take(&body, KEY, &any).ok().map(|t| (t.kind, t.seqn)), Some((Kind::Reset, 2)));
    }

    #[test]
    fn the_any_endpoint_takes_every_kind_and_tells_legacy_ones_by_their_data() {
        let any = |stored| Options { endpoint: Endpoint::Any, ..options(Endpoint::Any, stored) };
        for (kind, plaintext) in [(Kind::Query, r#"{"SEQN":4}"#), (Kind::Reset, r#"{"SEQN":4}"#), (Kind::Data, r#"{"data":{},"SEQN":4}"#)] {
            let (body, _) = auth_body(kind, 4, plaintext);
            assert_eq!(take(&body, KEY, &any(3)).ok().map(|t| (t.kind, t.seqn)), Some((kind, 4)), "{kind:?}");
        }
        let passphrase = |json: &str| {
            let Ok(envelope::Sealed::Passphrase(msg)) = envelope::seal(json, KEY, Format::Passphrase) else { panic!("seal") };
            BodyFields { msg: Some(msg), ..BodyFields::default() }
        };
        assert_eq!(take(&passphrase(r#"{"data":{"value":1},"SEQN":8}"#), KEY, &any(3)).ok().map(|t| (t.kind, t.lost)), Some((Kind::Data, 4)));
        assert_eq!(take(&passphrase(r#"{"SEQN":8}"#), KEY, &any(3)).ok().map(|t| (t.kind, t.lost)), Some((Kind::Reset, 4)));
        assert_eq!(take(&passphrase(r#"{"data":5,"SEQN":8}"#), KEY, &any(3)).err().map(|r| r.error), Some(Error::BadFormat));
        assert_eq!(take(&passphrase(r#"{"SEQN":3}"#), KEY, &any(3)).err().map(|r| r.error), Some(Error::Replay));
        // Raw: data only. An outsider who flips the IV so that the first
        // block no longer names `data` has made a reset, which raw cannot be.
        let Ok(envelope::Sealed::Raw { iv, data }) = envelope::seal(r#"{"data":{},  "SEQN":8}"#, KEY, Format::Raw) else { panic!("seal") };
        let raw = |iv: String| BodyFields { iv: Some(iv), data: Some(data.clone()), ..BodyFields::default() };
        assert_eq!(take(&raw(iv.clone()), KEY, &any(3)).ok().map(|t| t.kind), Some(Kind::Data));
        let mut flipped = crate::encoding::decode_base64(&iv).unwrap();
        // The message is base64 before it is encrypted: eyJk YXRh = {"d ata.
        flipped[4] ^= b'Y' ^ b'e'; // {"data" -> {"dyta"
        let refused = take(&raw(crate::encoding::encode_base64(&flipped)), KEY, &any(3)).err().map(|r| r.error);
        assert_eq!(refused, Some(Error::FormatNotAllowed));
    }
}
