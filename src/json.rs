//! The few answers the request rules need from a device's JSON text, read
//! by a small reader of our own that takes exactly the texts serde_json
//! takes.
//!
//! The JavaScript exports need a few answers from a JSON text: is it an
//! object (a decrypted message, which JavaScript then `JSON.parse`s), what
//! are its `SEQN` and `data`, and what are the `msg`, `iv`, `data` and `auth`
//! members of a request body.
//!
//! Why the text is read inside the wasm at all, when JavaScript has a JSON
//! parser: the rules of a request (which format the body is, the message's
//! SEQN, whether its `data` is an object, where its SEQN starts in a raw
//! message) are decided inside the core, in the one call a request makes.
//! `JSON.parse` would hand back a tree of `JsValue`s that the core would then
//! have to read property by property across the boundary, or a second call
//! would have to carry the answers in: a second crossing either way.
//!
//! Why not serde_json, which did this until issue 16: it is the largest
//! part of the module (about a quarter of it, with the float parsing and the
//! error formatting it links) for a reader that keeps four strings and one
//! integer. This one is serde_json's grammar and limits, checked against
//! serde_json itself by the tests (a dev-dependency): RFC 8259 syntax, no
//! byte-order mark, strings with no control characters and no lone
//! surrogates, at most 127 nested arrays and objects, numbers refused when
//! they are beyond the range of a double, and the last of a repeated member
//! counting. It differs in one place, on purpose: a `SEQN` is taken only when
//! its digits are exactly an integer (`121`, `121.0`, `1.21e2`), not when a
//! fraction rounds away in a double (`121.00000000000000001`), which is
//! refused as a bad SEQN. No device writes such a number, and reading digits
//! exactly needs no float parser (its tables alone were 8 KB of the module).

use std::borrow::Cow;

use crate::sequence::MAX_SEQN;

/// The text is not JSON as serde_json reads it. Why is not kept: every
/// caller answers a bad text with one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

type Read<T> = core::result::Result<T, Invalid>;

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

/// Whether `text` is JSON of an object.
pub(crate) fn is_object(text: &str) -> bool {
    document(text, |reader| reader.value(false).map(|shape| shape == Shape::Object)) == Ok(true)
}

/// The last `msg`, `iv`, `data` and `auth` members of the object in `text`;
/// `Ok(None)` for JSON that is not an object.
///
/// # Errors
/// [`Invalid`] for text that is not JSON.
pub(crate) fn body_members(text: &str) -> Read<Option<[Member; 4]>> {
    document(text, |reader| {
        let mut members = [Member::Absent, Member::Absent, Member::Absent, Member::Absent];
        let object = reader.object_or_value(|name, reader| {
            match BODY_MEMBERS.iter().position(|member| *member == name) {
                Some(index) => {
                    members[index] = match reader.value(true)? {
                        Shape::Null => Member::Null,
                        Shape::Text(Some(text)) => Member::Text(text.into_owned()),
                        _ => Member::Other,
                    };
                }
                None => {
                    reader.value(false)?;
                }
            }
            Ok(())
        })?;
        Ok(object.then_some(members))
    })
}

/// What the request rules need of a decrypted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MessageMembers {
    /// The `SEQN` member.
    pub seqn: SeqnMember,
    /// Whether the (last) `data` member holds an object.
    pub data_is_object: bool,
    /// Whether there is a `data` member at all.
    pub has_data: bool,
}

/// A message's `SEQN` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqnMember {
    /// Not there.
    Absent,
    /// A number whose digits are exactly an integer from 0 to 2^53 − 1.
    Integer(u64),
    /// Anything else: another type, another number, or the member given
    /// twice (JavaScript would take the last, another reader the first, so
    /// neither is trusted).
    Bad,
}

/// The `SEQN` and `data` members of the object in `text`; `Ok(None)` for
/// JSON that is not an object.
///
/// # Errors
/// [`Invalid`] for text that is not JSON.
pub(crate) fn message_members(text: &str) -> Read<Option<MessageMembers>> {
    document(text, |reader| {
        let mut members = MessageMembers { seqn: SeqnMember::Absent, data_is_object: false, has_data: false };
        let object = reader.object_or_value(|name, reader| {
            match name {
                "SEQN" => {
                    let value = match reader.value(false)? {
                        Shape::Number(number) => exact_integer(number).filter(|&n| n <= MAX_SEQN).map_or(SeqnMember::Bad, SeqnMember::Integer),
                        _ => SeqnMember::Bad,
                    };
                    members.seqn = if members.seqn == SeqnMember::Absent { value } else { SeqnMember::Bad };
                }
                "data" => {
                    members.data_is_object = reader.value(false)? == Shape::Object;
                    members.has_data = true;
                }
                _ => {
                    reader.value(false)?;
                }
            }
            Ok(())
        })?;
        Ok(object.then_some(members))
    })
}

/// The byte offsets of the opening quotes of the top-level members named
/// `name` in `text`, which must be JSON of an object (checked before: this
/// scanner does not validate). The raw format's rule on where the SEQN may
/// start needs positions, which the reader above does not report.
pub(crate) fn top_level_member_offsets(text: &str, name: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut offsets = Vec::new();
    let (mut depth, mut expect_name, mut at) = (0usize, false, 0usize);
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => {
                let start = at;
                let mut reader = Reader { text, at, depth: 0 };
                // The text is valid, so every string reads.
                let unescaped = reader.string(true).ok().flatten();
                at = reader.at - 1;
                if depth == 1 && expect_name {
                    if unescaped.as_deref() == Some(name) {
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

/// serde_json's nesting limit: its 128th level is refused.
const MAX_DEPTH: usize = 127;

/// What a value was, once read through to its end.
#[derive(Debug, PartialEq, Eq)]
enum Shape<'a> {
    Null,
    /// A string, unescaped if it was asked for.
    Text(Option<Cow<'a, str>>),
    /// A number's text, checked against the grammar and the range.
    Number(&'a str),
    Object,
    /// `true`, `false` or an array.
    Other,
}

/// The whole of `text` as one JSON value, read by `read`, with only white
/// space after it.
fn document<T>(text: &str, read: impl FnOnce(&mut Reader<'_>) -> Read<T>) -> Read<T> {
    let mut reader = Reader { text, at: 0, depth: 0 };
    let answer = read(&mut reader)?;
    reader.skip_space();
    if reader.at == text.len() {
        Ok(answer)
    } else {
        Err(Invalid)
    }
}

struct Reader<'a> {
    text: &'a str,
    /// A byte offset; always at a character boundary between tokens.
    at: usize,
    /// Arrays and objects open around `at`.
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Read<u8> {
        let byte = self.peek().ok_or(Invalid)?;
        self.at += 1;
        Ok(byte)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Skips white space, then takes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Read<()> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// One value, read through; what it was. Strings are unescaped only
    /// when `keep_text` asks for them.
    fn value(&mut self, keep_text: bool) -> Read<Shape<'a>> {
        self.skip_space();
        match self.peek().ok_or(Invalid)? {
            b'"' => self.string(keep_text).map(Shape::Text),
            b'-' | b'0'..=b'9' => self.number().map(Shape::Number),
            b'{' => self.nested(|reader| reader.members(|_, reader| reader.value(false).map(drop))).map(|()| Shape::Object),
            b'[' => self.nested(Reader::elements).map(|()| Shape::Other),
            b'n' => self.word("null").map(|()| Shape::Null),
            b't' => self.word("true").map(|()| Shape::Other),
            b'f' => self.word("false").map(|()| Shape::Other),
            _ => Err(Invalid),
        }
    }

    /// The members of an object, each name given to `member`, which must
    /// read the value; for any other value, reads it through. Whether it
    /// was an object.
    fn object_or_value(&mut self, member: impl FnMut(&str, &mut Self) -> Read<()>) -> Read<bool> {
        self.skip_space();
        if self.peek() == Some(b'{') {
            self.nested(|reader| reader.members(member)).map(|()| true)
        } else {
            self.value(false).map(|_| false)
        }
    }

    /// An array or object opening at `at`, read by `read` after its opening
    /// bracket, within the nesting limit.
    fn nested(&mut self, read: impl FnOnce(&mut Self) -> Read<()>) -> Read<()> {
        if self.depth == MAX_DEPTH {
            return Err(Invalid);
        }
        self.depth += 1;
        self.at += 1;
        read(self)?;
        self.depth -= 1;
        Ok(())
    }

    /// An object's members and its closing brace.
    fn members(&mut self, mut member: impl FnMut(&str, &mut Self) -> Read<()>) -> Read<()> {
        if self.eat(b'}') {
            return Ok(());
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(Invalid);
            }
            // Names are compared unescaped, as serde_json compares them.
            let name = self.string(true)?.unwrap_or_default();
            self.expect(b':')?;
            member(&name, self)?;
            if !self.eat(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// An array's elements and its closing bracket.
    fn elements(&mut self) -> Read<()> {
        if self.eat(b']') {
            return Ok(());
        }
        loop {
            self.value(false)?;
            if !self.eat(b',') {
                return self.expect(b']');
            }
        }
    }

    fn word(&mut self, word: &str) -> Read<()> {
        if self.text.as_bytes().get(self.at..).is_some_and(|rest| rest.starts_with(word.as_bytes())) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// A string opening at `at`, unescaped if `keep` asks for it (borrowed
    /// from the text when it has no escapes, as most have not).
    fn string(&mut self, keep: bool) -> Read<Option<Cow<'a, str>>> {
        self.at += 1;
        let start = self.at;
        let mut unescaped: Option<String> = None;
        loop {
            let run = self.at;
            while matches!(self.peek(), Some(byte) if byte != b'"' && byte != b'\\' && byte >= 0x20) {
                self.at += 1;
            }
            // The run ends before an ASCII byte or at the end: a boundary.
            let piece = self.text.get(run..self.at).ok_or(Invalid)?;
            match self.next()? {
                b'"' if !keep => return Ok(None),
                b'"' => {
                    return Ok(Some(match unescaped {
                        Some(mut text) => {
                            text.push_str(piece);
                            Cow::Owned(text)
                        }
                        None => Cow::Borrowed(self.text.get(start..self.at - 1).ok_or(Invalid)?),
                    }))
                }
                b'\\' => {
                    let escaped = self.escape()?;
                    if keep {
                        let text = unescaped.get_or_insert_with(String::new);
                        text.push_str(piece);
                        text.push(escaped);
                    }
                }
                // A control character.
                _ => return Err(Invalid),
            }
        }
    }

    /// The character of an escape, after its backslash. A `\u` escape of a
    /// surrogate must be the first of a pair, and the pair whole.
    fn escape(&mut self) -> Read<char> {
        let unit = match self.next()? {
            b'"' => return Ok('"'),
            b'\\' => return Ok('\\'),
            b'/' => return Ok('/'),
            b'b' => return Ok('\u{8}'),
            b'f' => return Ok('\u{c}'),
            b'n' => return Ok('\n'),
            b'r' => return Ok('\r'),
            b't' => return Ok('\t'),
            b'u' => self.hex_unit()?,
            _ => return Err(Invalid),
        };
        let code = match unit {
            0xD800..=0xDBFF => {
                if self.next()? != b'\\' || self.next()? != b'u' {
                    return Err(Invalid);
                }
                match self.hex_unit()? {
                    low @ 0xDC00..=0xDFFF => 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00),
                    _ => return Err(Invalid),
                }
            }
            unit => unit,
        };
        char::from_u32(code).ok_or(Invalid)
    }

    /// Four hex digits, either case.
    fn hex_unit(&mut self) -> Read<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(Invalid)?;
            unit = unit * 16 + digit;
        }
        Ok(unit)
    }

    /// A number starting at `at`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`,
    /// refused, as serde_json refuses it, when it is beyond the range of a
    /// double.
    fn number(&mut self) -> Read<&'a str> {
        let start = self.at;
        self.at += usize::from(self.peek() == Some(b'-'));
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(Invalid),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        let number = self.text.get(start..self.at).ok_or(Invalid)?;
        if beyond_double(&Decimal::of(number)) {
            Err(Invalid)
        } else {
            Ok(number)
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Read<()> {
        let start = self.at;
        self.digits();
        if self.at > start {
            Ok(())
        } else {
            Err(Invalid)
        }
    }
}

/// A number's magnitude as `0.<digits> × 10^point`: `digits` has no leading
/// or trailing zeros, and is empty for zero.
struct Decimal<'a> {
    /// The significant digits, possibly with a `.` among them.
    digits: &'a str,
    point: i64,
}

impl<'a> Decimal<'a> {
    /// Of a number's text, already checked against the grammar.
    fn of(number: &'a str) -> Self {
        let unsigned = number.strip_prefix('-').unwrap_or(number);
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (unsigned.get(..at).unwrap_or(""), unsigned.get(at + 1..).unwrap_or("")),
            None => (unsigned, ""),
        };
        let integer_digits = mantissa.find('.').unwrap_or(mantissa.len());
        // Exponents beyond any text's length saturate: the result is the
        // same zero or infinity either way.
        let exponent = {
            let (negative, digits) = match exponent.as_bytes().first() {
                Some(b'-') => (true, exponent.get(1..).unwrap_or("")),
                Some(b'+') => (false, exponent.get(1..).unwrap_or("")),
                _ => (false, exponent),
            };
            let magnitude = digits.bytes().fold(0i64, |n, digit| n.saturating_mul(10).saturating_add(i64::from(digit - b'0')));
            if negative {
                -magnitude
            } else {
                magnitude
            }
        };
        let Some(first) = mantissa.find(|c: char| c.is_ascii_digit() && c != '0') else {
            return Decimal { digits: "", point: 0 };
        };
        let last = mantissa.rfind(|c: char| c.is_ascii_digit() && c != '0').unwrap_or(first);
        // Digits before the point, counted from the first significant one
        // (negative when it comes after the point).
        let leading = integer_digits.saturating_sub(first);
        let zeros_after_point = first.saturating_sub(integer_digits + 1);
        let point = i64::try_from(leading).unwrap_or(i64::MAX) - i64::try_from(zeros_after_point).unwrap_or(i64::MAX);
        Decimal { digits: mantissa.get(first..=last).unwrap_or(""), point: point.saturating_add(exponent) }
    }

    fn significant(&self) -> impl Iterator<Item = u8> + 'a {
        self.digits.bytes().filter(u8::is_ascii_digit)
    }
}

/// Whether a number rounds to infinity as a double: it is at least
/// 2^1024 − 2^970, halfway between the largest double and 2^1024 (a tie
/// rounds to even, which is 2^1024).
fn beyond_double(decimal: &Decimal<'_>) -> bool {
    const HALFWAY: &[u8; 309] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
    match decimal.point {
        _ if decimal.digits.is_empty() => false,
        ..=308 => false,
        309 => {
            // Both have 309 digits before the point: compare digit by
            // digit, the number's missing ones being zeros.
            let mut digits = decimal.significant();
            for &bound in HALFWAY {
                match digits.next().unwrap_or(b'0').cmp(&bound) {
                    core::cmp::Ordering::Equal => {}
                    order => return order == core::cmp::Ordering::Greater,
                }
            }
            true
        }
        _ => true,
    }
}

/// The value of a non-negative number whose digits are exactly an integer
/// that fits 17 digits; `None` for any other.
fn exact_integer(number: &str) -> Option<u64> {
    let decimal = Decimal::of(number);
    if decimal.digits.is_empty() {
        return Some(0);
    }
    if number.starts_with('-') {
        return None;
    }
    let count = i64::try_from(decimal.significant().count()).ok()?;
    if decimal.point < count || decimal.point > 17 {
        return None;
    }
    let mut value = decimal.significant().try_fold(0u64, |n, digit| n.checked_mul(10)?.checked_add(u64::from(digit - b'0')))?;
    for _ in count..decimal.point {
        value = value.checked_mul(10)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn message_members_read_seqn_and_data() {
        let read = |text: &str| message_members(text).unwrap();
        let members = |seqn, data_is_object| Some(MessageMembers { seqn, data_is_object, has_data: data_is_object });
        assert_eq!(read(r#"{"data":{"value":1},"SEQN":121}"#), members(SeqnMember::Integer(121), true));
        assert_eq!(read(r#"{"SEQN":1.5e2,"data":[1]}"#), Some(MessageMembers { seqn: SeqnMember::Integer(150), data_is_object: false, has_data: true }));
        assert_eq!(read(r#"{"SEQN":1,"SEQN":2}"#), members(SeqnMember::Bad, false));
        assert_eq!(read(r#"{"SEQN":"1"}"#), members(SeqnMember::Bad, false));
        assert_eq!(read(r#"{"S\u0045QN":7}"#), members(SeqnMember::Integer(7), false));
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

    #[test]
    fn a_seqn_is_taken_only_when_its_digits_are_an_integer() {
        let seqn = |number: &str| message_members(&format!(r#"{{"SEQN":{number}}}"#)).map(|members| members.map(|m| m.seqn));
        for (number, expected) in [
            ("0", SeqnMember::Integer(0)),
            ("-0", SeqnMember::Integer(0)),
            ("-0.0e7", SeqnMember::Integer(0)),
            ("121.000", SeqnMember::Integer(121)),
            ("12100e-2", SeqnMember::Integer(121)),
            ("0.00121e5", SeqnMember::Integer(121)),
            ("1.21E+2", SeqnMember::Integer(121)),
            ("9007199254740991", SeqnMember::Integer(MAX_SEQN)),
            ("9007199254740992", SeqnMember::Bad),
            ("9.007199254740991e15", SeqnMember::Integer(MAX_SEQN)),
            ("1e17", SeqnMember::Bad),
            ("123456789012345678901234567890", SeqnMember::Bad),
            ("121.00000000000000001", SeqnMember::Bad),
            ("1215e-1", SeqnMember::Bad),
            ("-1", SeqnMember::Bad),
            ("-1e-400", SeqnMember::Bad),
            ("1e-400", SeqnMember::Bad),
        ] {
            assert_eq!(seqn(number), Ok(Some(expected)), "{number}");
        }
        assert_eq!(seqn("1e400"), Err(Invalid));
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
        r#"{"x":179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792}"#,
        r#"{"x":179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.99}"#,
        r#"{"x":-0.179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792e309}"#,
        r#"{"x":0.0000179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791e313}"#,
        r#"{"x":1797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757300702698553e96}"#,
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
        "{\"msg\":\"a\u{1f}\"}",
        "{\"msg\":\"\u{1f}\u{20}\"}",
        r#"{"msg":"\ud800\udb00"}"#,
        r#"{"msg":"\ud800\udbff"}"#,
        r#"{"msg":"\ud800\ue000"}"#,
        r#"{"msg":"\uDBFF\uDFFF\uD800\uDC00"}"#,
        r#"{"msg":"\ud83d\ude00x\ud83d"}"#,
        r#"{"msg":"a\/b\"c\\d\b\f\n\r\t"}"#,
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

        /// A message's members on token soup, against `Value` (which keeps the
        /// last of a repeated member: a repeated SEQN is counted apart). Every
        /// number the soup can make is exact, so the two readings agree.
        #[test]
        fn message_members_read_like_serde_json_value_on_token_soup(
            tokens in proptest::collection::vec(proptest::sample::select(&[
                "{", "}", "[", "]", ",", ":", " ", "\"SEQN\"", "\"S\\u0045QN\"", "\"data\"", "\"x\"",
                "\"\\ud800\"", "\"", "null", "true", "1", "121", "1.5e2", "-0", "-2.5e3", "01",
                "1e999", "{\"SEQN\":", "{\"data\":", "\"SEQN\":121", "\"data\":{}",
            ][..]), 0..16)
        ) {
            let text: String = tokens.concat();
            let reference = serde_json::from_str::<Value>(&text).ok().map(|value| match value {
                Value::Object(map) => {
                    let seqn = if top_level_member_offsets(&text, "SEQN").len() > 1 {
                        SeqnMember::Bad
                    } else {
                        match map.get("SEQN") {
                            None => SeqnMember::Absent,
                            Some(Value::Number(n)) => n.as_f64().and_then(|f| crate::sequence::seqn_from_f64(f).ok()).map_or(SeqnMember::Bad, SeqnMember::Integer),
                            Some(_) => SeqnMember::Bad,
                        }
                    };
                    let data = map.get("data");
                    Some(MessageMembers { seqn, data_is_object: matches!(data, Some(Value::Object(_))), has_data: data.is_some() })
                }
                _ => None,
            });
            proptest::prop_assert_eq!(message_members(&text).ok(), reference, "{:?}", text);
        }

        /// Numbers of every size, the range of a double's edge included:
        /// taken or refused as serde_json takes or refuses them.
        #[test]
        fn numbers_are_in_range_as_serde_json_reads_them(
            sign in proptest::sample::select(&["", "-"][..]),
            leading in "0|[1-9][0-9]{0,3}",
            near_max in proptest::bool::ANY,
            digits in "[0-9]{0,30}",
            fraction in proptest::option::of("[0-9]{1,6}"),
            exponent in -700i32..700,
            exponent_form in proptest::sample::select(&["e", "E", "e+", "E-", ""][..]),
        ) {
            let mantissa = if near_max { format!("17976931348623158{digits}") } else { format!("{leading}{digits}") };
            let mantissa = if mantissa.len() > 1 && mantissa.starts_with('0') { format!("1{mantissa}") } else { mantissa };
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let exponent = match exponent_form {
                "" => String::new(),
                "E-" => format!("E-{}", exponent.unsigned_abs()),
                "e+" => format!("e+{}", exponent.unsigned_abs()),
                form => format!("{form}{exponent}"),
            };
            let text = format!(r#"{{"x":{sign}{mantissa}{fraction}{exponent},"SEQN":1}}"#);
            proptest::prop_assert_eq!(is_object(&text), serde_json::from_str::<Value>(&text).is_ok(), "{}", text);
        }

        /// A SEQN written in any of the ways its digits stay an integer is
        /// that integer; with a fraction that does not vanish, it is refused.
        #[test]
        fn exact_seqns_are_read_whatever_their_notation(value in 0u64..(MAX_SEQN + 1000), shift in 0usize..6, form in 0u8..4) {
            let digits = value.to_string();
            let number = match form {
                0 => digits.clone(),
                1 => format!("{digits}.000"),
                // value × 10^-shift written with its point moved, then e+shift.
                2 => {
                    let padded = format!("{digits:0>width$}", width = shift + 1);
                    let (integer, fraction) = padded.split_at(padded.len() - shift);
                    format!("{integer}.{fraction}0e{shift}")
                }
                _ => format!("{digits}.{}1", "0".repeat(shift)),
            };
            let expected = match form {
                3 => SeqnMember::Bad,
                _ if value > MAX_SEQN => SeqnMember::Bad,
                _ => SeqnMember::Integer(value),
            };
            let members = message_members(&format!(r#"{{"SEQN":{number}}}"#));
            proptest::prop_assert_eq!(members.map(|m| m.map(|m| m.seqn)), Ok(Some(expected)), "{}", number);
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
