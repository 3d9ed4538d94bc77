// One auth version 2 message: sealing and opening, with the keys already
// derived. WsnDevice adds the rules of a conversation (which reply answers
// which request, the counter) on top; the tests drive this layer with the
// shared vectors byte for byte, in both directions.
#ifndef WSN_MESSAGE_H
#define WSN_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "WsnCrypto.h"

/// Derives the keys from 32, 48 or 64 hex digits. WSN_OK or WSN_ERR_ARGUMENT.
int wsnDeriveKeys(const char* keyHex, WsnKeys* keys);

/// The device id the tag covers.
struct WsnId {
  const char* text;
  uint8_t length;  // 1..255
};

/// Plaintext in three pieces, so that {"data":<object>} needs no copy first.
struct WsnPlain {
  const char* head;
  const char* middle;
  size_t middleLength;
  const char* tail;
};

/// Bytes of the body {"auth":"..."} (without NUL) of a plaintext of `plain` bytes.
size_t wsnBodyLength(size_t plain);

/// Seals a message of `kind` under `seqn` with `iv` as {"auth":"..."} in
/// `body` (NUL-terminated; `*length` without it). `bound` is the request's
/// tag for a reply, null for a request. The message's tag goes to `tag`.
int wsnSealMessage(const WsnKeys* keys, WsnId id, uint8_t kind, uint64_t seqn, const uint8_t* bound, const uint8_t iv[16],
                   WsnPlain plain, char* body, size_t size, size_t* length, uint8_t tag[16]);

/// What an authentic message holds; `json` points into the caller's text.
struct WsnOpened {
  uint8_t kind;
  uint64_t seqn;
  const char* json;
  size_t jsonLength;
};

/// Opens the message in the `auth` member of the JSON body `text` (decoded
/// and decrypted in place) as a reply bound to `bound` (null: as a request).
/// WSN_ERR_NOT_SEALED for anything but a version 2 message in {"auth":...},
/// WSN_ERR_NOT_AUTHENTIC for a wrong tag, WSN_ERR_UNEXPECTED_REPLY for an
/// authentic message whose padding is wrong; nothing is decrypted before
/// the tag has verified.
int wsnOpenMessage(const WsnKeys* keys, WsnId id, const uint8_t* bound, char* text, size_t length, WsnOpened* out);

#endif  // WSN_MESSAGE_H
