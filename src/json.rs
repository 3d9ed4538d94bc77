//! JSON read exactly as `serde_json::from_str::<Value>` reads it, without
//! building the `Value`.
//!
//! The JavaScript exports need a few answers from a JSON text: is it an
//! object (a decrypted message, which JavaScript then `JSON.parse`s), what
//! are its `SEQN` and `data`, and what are the `msg`, `iv`, `data` and `auth`
//! members of a request body. Getting them through
//! `Value` linked serde_json's map and serde's error formatting into the wasm
//! module, a third of its size, for values and messages that were thrown away.
//!
//! Why serde_json stays in the wasm at all, when JavaScript has a JSON
//! parser: the rules of a request (which format the body is, the message's
//! SEQN, whether its `data` is an object, where its SEQN starts in a raw
//! message) are decided inside the core, in the one call a request makes.
//! `JSON.parse` would hand back a tree of `JsValue`s that the core would then
//! have to read property by property across the boundary, or a second call
//! would have to carry the answers in: a second crossing either way. So the
//! device's JSON text (the body and the decrypted message) is read here, and
//! JavaScript parses the message once more only to get its own values.
//!
//! The visitors here are driven by the same parser through
//! `deserialize_any`, as `Value` is, so the syntax, the reading of numbers
//! (`float_roundtrip` included), the nesting limit and the handling of a
//! repeated member (the last one counts) are serde_json's own.

use core::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The arms of a visitor for every JSON value but an object, all answering
/// `$answer` (an array is still read through, so that its syntax is checked).
macro_rules! not_a_map {
    ($answer:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            AnyValue.visit_seq(seq).map(|()| $answer)
        }

        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($answer)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($answer)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($answer)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($answer)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($answer)
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($answer)
        }
    };
}

/// A member of a request body, as `Option<String>` would read it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Member {
    /// Not there.
    Absent,
    /// `null`.
    Null,
    /// A string.
    Text(String),
    /// Any other value.
    Other,
}

/// The members [`body_members`] reports, in this order.
const BODY_MEMBERS: [&str; 4] = ["msg", "iv", "data", "auth"];

/// Whether serde_json reads `text` as a JSON object.
pub(crate) fn is_object(text: &str) -> bool {
    matches!(read(text, false), Ok(Some(_)))
}

/// The last `msg`, `iv` and `data` members of the object in `text`;
/// `Ok(None)` for JSON that is not an object.
///
/// # Errors
/// serde_json's error for text it does not read as JSON.
pub(crate) fn body_members(text: &str) -> serde_json::Result<Option<[Member; 4]>> {
    read(text, true)
}

/// `serde_json::from_str`, with a seed.
fn read(text: &str, keep_members: bool) -> serde_json::Result<Option<[Member; 4]>> {
    let mut json = serde_json::Deserializer::from_str(text);
    let members = TopLevel { keep_members }.deserialize(&mut json)?;
    json.end()?;
    Ok(members)
}

struct TopLevel {
    keep_members: bool,
}

impl<'de> DeserializeSeed<'de> for TopLevel {
    type Value = Option<[Member; 4]>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel {
    type Value = Option<[Member; 4]>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = [Member::Absent, Member::Absent, Member::Absent, Member::Absent];
        while let Some(name) = map.next_key_seed(MemberName(&BODY_MEMBERS))? {
            match name {
                Some(index) if self.keep_members => members[index] = map.next_value_seed(MemberValue)?,
                _ => map.next_value_seed(AnyValue)?,
            }
        }
        Ok(Some(members))
    }

    not_a_map!(None);
}

/// A member name, read as `Value` reads it (`deserialize_str`), so with the
/// same unescaping and the same errors: its index in [`BODY_MEMBERS`], if any.
struct MemberName<'a>(&'a [&'a str]);

impl<'de> DeserializeSeed<'de> for MemberName<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for MemberName<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|member| *member == name))
    }
}

/// A body member's value: kept if it is a string, classified otherwise.
struct MemberValue;

impl<'de> DeserializeSeed<'de> for MemberValue {
    type Value = Member;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Member, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberValue {
    type Value = Member;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_str<E>(self, text: &str) -> Result<Member, E> {
        Ok(Member::Text(text.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Member, E> {
        Ok(Member::Null)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Member, E> {
        Ok(Member::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Member, E> {
        Ok(Member::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Member, E> {
        Ok(Member::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Member, E> {
        Ok(Member::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Member, A::Error> {
        AnyValue.visit_seq(seq).map(|()| Member::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Member, A::Error> {
        AnyValue.visit_map(map).map(|()| Member::Other)
    }
}

/// Any JSON value, read to the end and dropped. Arrays and objects recurse,
/// as `Value` does; serde_json's nesting limit bounds the depth.
struct AnyValue;

impl<'de> DeserializeSeed<'de> for AnyValue {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyValue {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(AnyValue)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(MemberName(&BODY_MEMBERS))?.is_some() {
            map.next_value_seed(AnyValue)?;
        }
        Ok(())
    }
}

/// The members [`message_members`] reads, in this order.
const MESSAGE_MEMBERS: [&str; 2] = ["SEQN", "data"];

/// What the request rules need of a decrypted message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MessageMembers {
    /// The `SEQN` member.
    pub seqn: SeqnMember,
    /// Whether a `data` member holds an object.
    pub data_is_object: bool,
    /// Whether there is a `data` member at all.
    pub has_data: bool,
}

/// A message's `SEQN` member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SeqnMember {
    /// Not there.
    Absent,
    /// A number, as JavaScript's `JSON.parse` reads it (a double).
    Number(f64),
    /// Anything else, or the member given twice: JavaScript would take the
    /// last, another reader the first, so neither is trusted.
    Bad,
}

/// The `SEQN` and `data` members of the object in `text`; `Ok(None)` for
/// JSON that is not an object.
///
/// # Errors
/// serde_json's error for text it does not read as JSON.
pub(crate) fn message_members(text: &str) -> serde_json::Result<Option<MessageMembers>> {
    let mut json = serde_json::Deserializer::from_str(text);
    let members = Message.deserialize(&mut json)?;
    json.end()?;
    Ok(members)
}

struct Message;

impl<'de> DeserializeSeed<'de> for Message {
    type Value = Option<MessageMembers>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Message {
    type Value = Option<MessageMembers>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = MessageMembers { seqn: SeqnMember::Absent, data_is_object: false, has_data: false };
        while let Some(name) = map.next_key_seed(MemberName(&MESSAGE_MEMBERS))? {
            match name {
                Some(0) => {
                    let value = map.next_value_seed(SeqnValue)?;
                    members.seqn = if members.seqn == SeqnMember::Absent { value } else { SeqnMember::Bad };
                }
                Some(_) => {
                    members.data_is_object = map.next_value_seed(IsObject)?;
                    members.has_data = true;
                }
                None => map.next_value_seed(AnyValue)?,
            }
        }
        Ok(Some(members))
    }

    not_a_map!(None);
}

/// A `SEQN` value: numbers as doubles, as `JSON.parse` reads them.
struct SeqnValue;

impl<'de> DeserializeSeed<'de> for SeqnValue {
    type Value = SeqnMember;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<SeqnMember, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SeqnValue {
    type Value = SeqnMember;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_u64<E>(self, value: u64) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Number(value as f64))
    }

    fn visit_i64<E>(self, value: i64) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Number(value as f64))
    }

    fn visit_f64<E>(self, value: f64) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Number(value))
    }

    fn visit_unit<E>(self) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Bad)
    }

    fn visit_bool<E>(self, _: bool) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Bad)
    }

    fn visit_str<E>(self, _: &str) -> Result<SeqnMember, E> {
        Ok(SeqnMember::Bad)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SeqnMember, A::Error> {
        AnyValue.visit_seq(seq).map(|()| SeqnMember::Bad)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SeqnMember, A::Error> {
        AnyValue.visit_map(map).map(|()| SeqnMember::Bad)
    }
}

/// Whether a value is an object.
struct IsObject;

impl<'de> DeserializeSeed<'de> for IsObject {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IsObject {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        AnyValue.visit_map(map).map(|()| true)
    }

    not_a_map!(false);
}

/// The byte offsets of the opening quotes of the top-level members named
/// `name` in `text`, which must be JSON of an object (checked before: this
/// scanner does not validate). The raw format's rule on where the SEQN may
/// start needs positions, which no deserializer reports.
pub(crate) fn top_level_member_offsets(text: &str, name: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut offsets = Vec::new();
    let (mut depth, mut expect_name, mut at) = (0usize, false, 0usize);
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => {
                let start = at;
                at += 1;
                while let Some(&inside) = bytes.get(at) {
                    match inside {
                        b'\\' => at += 2,
                        b'"' => break,
                        _ => at += 1,
                    }
                }
                if depth == 1 && expect_name {
                    // Quotes are ASCII, so both ends are character boundaries.
                    let token = text.get(start..=at).unwrap_or("");
                    let named = match token.get(1..token.len().saturating_sub(1)) {
                        Some(plain) if !plain.contains('\\') => plain == name,
                        // Through `deserialize_any`: `deserialize_str` on
                        // a whole text links serde's formatting of what it
                        // found instead (floats included, 10 KB of wasm).
                        _ => MemberValue.deserialize(&mut serde_json::Deserializer::from_str(token)).is_ok_and(|member| member == Member::Text(name.to_string())),
                    };
                    if named {
                        offsets.push(start);
                    }
                    expect_name = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expect_name = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_name = true,
            _ => {}
        }
        at += 1;
    }
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn message_members_read_seqn_and_data() {
        let read = |text: &str| message_members(text).unwrap();
        let members = |seqn, data_is_object| Some(MessageMembers { seqn, data_is_object, has_data: data_is_object });
        assert_eq!(read(r#"{"data":{"value":1},"SEQN":121}"#), members(SeqnMember::Number(121.0), true));
        assert_eq!(read(r#"{"SEQN":1.5e2,"data":[1]}"#), Some(MessageMembers { seqn: SeqnMember::Number(150.0), data_is_object: false, has_data: true }));
        assert_eq!(read(r#"{"SEQN":1,"SEQN":2}"#), members(SeqnMember::Bad, false));
        assert_eq!(read(r#"{"SEQN":"1"}"#), members(SeqnMember::Bad, false));
        assert_eq!(read(r#"{"S\u0045QN":7}"#), members(SeqnMember::Number(7.0), false));
        assert_eq!(read(r#"{"x":{"SEQN":7}}"#), members(SeqnMember::Absent, false));
        assert_eq!(read("[1]"), None);
        assert!(message_members("{").is_err());
    }

    #[test]
    fn member_offsets_are_top_level_names_only() {
        assert_eq!(top_level_member_offsets(r#"{"data":{"SEQN":1},"SEQN":121}"#, "SEQN"), vec![19]);
        assert_eq!(top_level_member_offsets(r#"{"SEQN":1,"a":"SEQN","b":["SEQN"]}"#, "SEQN"), vec![1]);
        assert_eq!(top_level_member_offsets(r#"{"a":"x\"SEQN","S\u0045QN":2}"#, "SEQN"), vec![15]);
        assert_eq!(top_level_member_offsets(r#"{"a":"é","SEQN":2}"#, "SEQN"), vec![10]);
        assert!(top_level_member_offsets(r#"{"data":1}"#, "SEQN").is_empty());
    }

    /// The reference: the `Value` that `serde_json::from_str` builds.
    fn by_value(text: &str) -> serde_json::Result<Option<[Member; 4]>> {
        let member = |map: &serde_json::Map<String, Value>, name: &str| match map.get(name) {
            None => Member::Absent,
            Some(Value::Null) => Member::Null,
            Some(Value::String(text)) => Member::Text(text.clone()),
            Some(_) => Member::Other,
        };
        Ok(match serde_json::from_str::<Value>(text)? {
            Value::Object(map) => Some(BODY_MEMBERS.map(|name| member(&map, name))),
            _ => None,
        })
    }

    fn same_as_value(text: &str) -> Result<(), String> {
        let (ours, reference) = (body_members(text), by_value(text));
        let agree = match (&ours, &reference) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        let object = matches!(reference, Ok(Some(_)));
        if agree && is_object(text) == object {
            Ok(())
        } else {
            Err(format!("{text:?}: got {ours:?}, Value gives {reference:?}"))
        }
    }

    // Hand-picked: repeated members, wrong types, syntax errors after a wrong
    // type, escapes in names, numbers at the edges of f64, nesting at serde_json's limit.
    const CASES: &[&str] = &[
        r#"{"msg":"U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp"}"#,
        r#"{"iv":"AAAAAAAAAAAAAAAAAAAAAA==","data":"abc"}"#,
        r#" { "msg" : "a" , "other" : [1, {"x": null}] } "#,
        r#"{"msg":null}"#,
        r#"{"msg":"a","msg":"b"}"#,
        r#"{"msg":5,"msg":"b"}"#,
        r#"{"msg":"a","msg":5}"#,
        r#"{"msg":5}"#,
        r#"{"msg":5,}"#,
        r#"{"msg":5 garbage"#,
        r#"{"msg":[1,2]}"#,
        r#"{"msg":{"a":[]}}"#,
        r#"{"msg":true}"#,
        r#"{"msg":tru}"#,
        r#"{"msg":-}"#,
        r#"{"msg":01}"#,
        r#"{"msg":1e999}"#,
        r#"{"x":1e999,"msg":"a"}"#,
        r#"{"x":-1e999}"#,
        r#"{"x":1.7976931348623157e308}"#,
        r#"{"x":1.7976931348623158e308}"#,
        r#"{"x":1.7976931348623159e308}"#,
        r#"{"x":2.4703282292062327e-324}"#,
        r#"{"x":123456789012345678901234567890}"#,
        r#"{"x":-9223372036854775809}"#,
        r#"{"x":0.1e-99999999999999999999}"#,
        r#"{"x":1e99999999999999999999}"#,
        r#"{"x":0e99999999999999999999}"#,
        r#"{"msg":"\u00e9\ud83d\ude00"}"#,
        r#"{"msg":"\ud800"}"#,
        r#"{"msg":"\udc00"}"#,
        r#"{"msg":"\ud800\u0041"}"#,
        r#"{"msg":"\x"}"#,
        r#"{"m\u0073g":"a"}"#,
        r#"{"x":"\uZZZZ","msg":"a"}"#,
        r#"{"msg":"a"} x"#,
        r#"{"msg":"a"}}"#,
        r#"{"msg":"a",}"#,
        r#"{,}"#,
        r#"{1:"a"}"#,
        r#"{"a" "b"}"#,
        "{}",
        "[]",
        r#"["a",null,"b"]"#,
        r#"["a",]"#,
        "[",
        "{",
        "",
        "   ",
        "null",
        "true",
        "12",
        "-0.5e-3",
        r#""text""#,
        r#""unterminated"#,
        "nul",
        "\u{feff}{}",
        "{\"msg\":\"a\u{1}\"}",
        "{\"msg\":\"a\u{7f}\"}",
    ];

    #[test]
    fn reads_like_serde_json_value_on_hand_picked_cases() {
        let failures: Vec<_> = CASES.iter().filter_map(|text| same_as_value(text).err()).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn reads_like_serde_json_value_at_the_nesting_limit() {
        for depth in [126, 127, 128, 129, 100_000] {
            let member = format!(r#"{{"x":{}{},"msg":"a"}}"#, "[".repeat(depth), "]".repeat(depth));
            let objects = format!(r#"{}1{}"#, r#"{"a":"#.repeat(depth), "}".repeat(depth));
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            for text in [member, objects, arrays] {
                if let Err(e) = same_as_value(&text) {
                    panic!("depth {depth}: {}", &e[e.len().saturating_sub(200)..]);
                }
            }
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Token soup: mostly near-JSON, so that members, types and syntax
        /// errors meet in every order.
        #[test]
        fn reads_like_serde_json_value_on_token_soup(
            tokens in proptest::collection::vec(proptest::sample::select(&[
                "{", "}", "[", "]", ",", ":", " ", "\"msg\"", "\"iv\"", "\"data\"", "\"x\"",
                "\"a\"", "\"\\u0041\"", "\"\\ud800\"", "\"", "null", "true", "nul", "1",
                "-2.5e3", "01", "1e999", "-", "\\", "\n", "{\"msg\":", "\"msg\":\"b\"",
            ][..]), 0..16)
        ) {
            let text: String = tokens.concat();
            if let Err(e) = same_as_value(&text) {
                proptest::prop_assert!(false, "{}", e);
            }
        }

        /// Arbitrary text, for whatever the token soup does not reach.
        #[test]
        fn reads_like_serde_json_value_on_any_text(text in "\\PC{0,40}") {
            if let Err(e) = same_as_value(&text) {
                proptest::prop_assert!(false, "{}", e);
            }
        }
    }
}
