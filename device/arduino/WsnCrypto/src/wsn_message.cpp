#include "wsn_message.h"

#include <string.h>

#include "WsnCrypto.h"
#include "wsn_backend.h"
#include "wsn_codec.h"

namespace {

const uint8_t kVersion = 2;
const size_t kHeader = 10;  // version, kind, SEQN
const size_t kBlock = 16;
const size_t kMinMessage = kHeader + kBlock + kBlock + WSN_TAG_LEN;
const char kBodyStart[] = "{\"auth\":\"";
const size_t kBodyStartLength = sizeof kBodyStart - 1;

// HMAC-SHA256(key, label), the key derivation of the format.
int expand(const uint8_t* key, size_t keyLength, const char* label, uint8_t out[32]) {
  WsnHmac hmac;
  if (wsnHmacBegin(&hmac, key, keyLength) != 0) { return WSN_ERR_CRYPTO; }
  wsnHmacUpdate(&hmac, label, strlen(label));
  return wsnHmacEnd(&hmac, out) == 0 ? WSN_OK : WSN_ERR_CRYPTO;
}

// The tag: HMAC-SHA256(mac, header | idlen | id | bound | iv | ciphertext), whole.
int tagOf(const WsnKeys* keys, WsnId id, const uint8_t* header, const uint8_t* bound, const uint8_t* ivAndCipher, size_t length,
          uint8_t out[32]) {
  WsnHmac hmac;
  if (wsnHmacBegin(&hmac, keys->mac, sizeof keys->mac) != 0) { return WSN_ERR_CRYPTO; }
  wsnHmacUpdate(&hmac, header, kHeader);
  wsnHmacUpdate(&hmac, &id.length, 1);
  wsnHmacUpdate(&hmac, id.text, id.length);
  if (bound != nullptr) { wsnHmacUpdate(&hmac, bound, WSN_TAG_LEN); }
  wsnHmacUpdate(&hmac, ivAndCipher, length);
  return wsnHmacEnd(&hmac, out) == 0 ? WSN_OK : WSN_ERR_CRYPTO;
}

size_t cipherLength(size_t plain) { return kBlock * (plain / kBlock + 1); }

size_t plainLength(const WsnPlain& plain) { return strlen(plain.head) + plain.middleLength + strlen(plain.tail); }

}  // namespace

size_t wsnBodyLength(size_t plain) {
  size_t message = kHeader + kBlock + cipherLength(plain) + WSN_TAG_LEN;
  return kBodyStartLength + 4 * ((message + 2) / 3) + 2;
}

int wsnDeriveKeys(const char* keyHex, WsnKeys* keys) {
  size_t digits = strlen(keyHex);
  if (digits != 32 && digits != 48 && digits != 64) { return WSN_ERR_ARGUMENT; }
  uint8_t key[32];
  int rc = wsnHexDecode(keyHex, digits, key) ? WSN_OK : WSN_ERR_ARGUMENT;
  uint8_t enc[32];
  if (rc == WSN_OK) { rc = expand(key, digits / 2, "wsn-crypto v2 encryption", enc); }
  if (rc == WSN_OK) { rc = expand(key, digits / 2, "wsn-crypto v2 authentication", keys->mac); }
  memcpy(keys->enc, enc, sizeof keys->enc);
  wsnWipe(key, sizeof key);
  wsnWipe(enc, sizeof enc);
  if (rc != WSN_OK) { wsnWipe(keys, sizeof *keys); }
  return rc;
}

int wsnSealMessage(const WsnKeys* keys, WsnId id, uint8_t kind, uint64_t seqn, const uint8_t* bound, const uint8_t iv[16],
                   WsnPlain plain, char* body, size_t size, size_t* length, uint8_t tag[16]) {
  if (id.length == 0 || seqn > WSN_MAX_SEQN) { return seqn > WSN_MAX_SEQN ? WSN_ERR_SEQN_MISMATCH : WSN_ERR_ARGUMENT; }
  size_t plainSize = plainLength(plain);
  size_t cipher = cipherLength(plainSize);
  size_t message = kHeader + kBlock + cipher + WSN_TAG_LEN;
  size_t groups = (message + 2) / 3;
  size_t total = wsnBodyLength(plainSize);
  if (size < total + 1) { return WSN_ERR_BUFFER; }

  // The binary message is built inside `body`, `groups` bytes after where its
  // base64 starts, so that encoding it in place never overwrites a byte not
  // yet read (wsnBase64Encode's overlap rule).
  uint8_t* m = reinterpret_cast<uint8_t*>(body) + kBodyStartLength + groups;
  uint8_t* text = m + kHeader + kBlock;
  m[0] = kVersion;
  m[1] = kind;
  for (int i = 0; i < 8; i++) { m[2 + i] = static_cast<uint8_t>(seqn >> (56 - 8 * i)); }
  memcpy(m + kHeader, iv, kBlock);
  size_t at = 0;
  memcpy(text, plain.head, strlen(plain.head));
  at += strlen(plain.head);
  memmove(text + at, plain.middle, plain.middleLength);  // memmove: a caller may pass text from anywhere
  at += plain.middleLength;
  memcpy(text + at, plain.tail, strlen(plain.tail));
  uint8_t pad = static_cast<uint8_t>(cipher - plainSize);  // PKCS#7
  memset(text + plainSize, pad, pad);
  if (wsnAes128Cbc(true, keys->enc, iv, text, cipher) != 0) { return WSN_ERR_CRYPTO; }
  uint8_t full[32];
  if (tagOf(keys, id, m, bound, m + kHeader, kBlock + cipher, full) != WSN_OK) { return WSN_ERR_CRYPTO; }
  memcpy(text + cipher, full, WSN_TAG_LEN);
  memcpy(tag, full, WSN_TAG_LEN);

  memcpy(body, kBodyStart, kBodyStartLength);
  size_t written = kBodyStartLength + wsnBase64Encode(m, message, body + kBodyStartLength);
  body[written++] = '"';
  body[written++] = '}';
  body[written] = '\0';
  if (length != nullptr) { *length = written; }
  return WSN_OK;
}

int wsnOpenMessage(const WsnKeys* keys, WsnId id, const uint8_t* bound, char* text, size_t length, WsnOpened* out) {
  const char* auth;
  size_t authLength;
  if (wsnJsonMember(text, length, "auth", &auth, &authLength) != 's') { return WSN_ERR_NOT_SEALED; }
  // Decoded over the text itself: base64 is longer than what it encodes,
  // and the member starts after `{"auth":"`, ahead of what is written.
  uint8_t* m = reinterpret_cast<uint8_t*>(text);
  long decoded = wsnBase64Decode(auth, authLength, m);
  if (decoded < 0) { return WSN_ERR_NOT_SEALED; }
  size_t size = static_cast<size_t>(decoded);
  if (size < kMinMessage || (size - kHeader - WSN_TAG_LEN) % kBlock != 0 || m[0] != kVersion) { return WSN_ERR_NOT_SEALED; }
  size_t cipher = size - kHeader - kBlock - WSN_TAG_LEN;
  uint8_t* iv = m + kHeader;
  uint8_t* plain = iv + kBlock;

  uint8_t expected[32];
  if (tagOf(keys, id, m, bound, iv, kBlock + cipher, expected) != WSN_OK) { return WSN_ERR_CRYPTO; }
  uint8_t diff = 0;  // in time that does not depend on where the tags differ
  for (size_t i = 0; i < WSN_TAG_LEN; i++) { diff |= expected[i] ^ plain[cipher + i]; }
  if (diff != 0) { return WSN_ERR_NOT_AUTHENTIC; }

  if (wsnAes128Cbc(false, keys->enc, iv, plain, cipher) != 0) { return WSN_ERR_CRYPTO; }
  uint8_t pad = plain[cipher - 1];
  bool padded = pad >= 1 && pad <= kBlock;
  for (size_t i = 0; padded && i < pad; i++) { padded = plain[cipher - 1 - i] == pad; }
  if (!padded) { return WSN_ERR_UNEXPECTED_REPLY; }  // authentic, so the sender's own mistake
  uint64_t seqn = 0;
  for (int i = 0; i < 8; i++) { seqn = seqn << 8 | m[2 + i]; }
  out->kind = m[1];
  out->seqn = seqn;
  out->json = reinterpret_cast<const char*>(plain);
  out->jsonLength = cipher - pad;
  return WSN_OK;
}
