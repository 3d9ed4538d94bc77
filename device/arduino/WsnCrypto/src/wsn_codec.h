// Text codecs of the wire format: hex keys, base64 (RFC 4648, standard
// alphabet, padded) and the little JSON the device reads: members of one
// object, found without building anything.
#ifndef WSN_CODEC_H
#define WSN_CODEC_H

#include <stddef.h>
#include <stdint.h>

/// Decodes `digits` hex digits (either case) into `out`; false on any other character.
bool wsnHexDecode(const char* hex, size_t digits, uint8_t* out);

/// Base64 of `length` bytes at `in` into `out`. `out` may overlap `in` when
/// it starts at least ceil(length / 3) bytes before it. Returns the length.
size_t wsnBase64Encode(const uint8_t* in, size_t length, char* out);
/// Decodes `length` characters of padded base64 into `out` (which may be
/// `in` itself). Returns the byte count, or -1 for anything not base64.
long wsnBase64Decode(const char* in, size_t length, uint8_t* out);

/// A member of the JSON object in `text[0..length)`: the first whose name is
/// `name` (no escapes), its value's span in `*value`/`*valueLength` (a
/// string's without its quotes). Returns 's' (string), 'n' (number), 'o'
/// (anything else), or 0 when the text is not an object or has no such member.
char wsnJsonMember(const char* text, size_t length, const char* name, const char** value, size_t* valueLength);

/// An unsigned integer of at most 2^53 - 1 written as JSON writes it (no
/// sign, fraction, exponent or leading zero); false otherwise.
bool wsnParseSeqn(const char* digits, size_t length, uint64_t* out);

#endif  // WSN_CODEC_H
