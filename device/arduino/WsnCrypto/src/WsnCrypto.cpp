// Sealing requests and opening replies in the authenticated format (auth
// version 2); the layout is in WsnCrypto.h and the package README.
#include "WsnCrypto.h"

#include <string.h>

#include "wsn_backend.h"
#include "wsn_codec.h"
#include "wsn_message.h"

namespace {

WsnRandom customRandom = nullptr;

int fillRandom(uint8_t* out, size_t length) {
  int rc = customRandom != nullptr ? customRandom(out, length) : wsnPlatformRandom(out, length);
  return rc == 0 ? WSN_OK : WSN_ERR_RNG;
}

bool isRequestKind(uint8_t kind) { return kind == 'Q' || kind == 'S' || kind == 'D'; }

// Does a reply of `kind` answer a request of kind `request`?
bool answers(uint8_t kind, uint8_t request) {
  if (kind == 'X') { return true; }
  return request == 'Q' ? kind == 'N' : kind == 'A';
}

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The data member must be an object; the backend checks the rest.
bool isObjectText(const char* json, size_t length) {
  while (length > 0 && isSpace(json[length - 1])) { length--; }
  while (length > 0 && isSpace(*json)) {
    json++;
    length--;
  }
  return length >= 2 && json[0] == '{' && json[length - 1] == '}';
}

}  // namespace

void wsnSetRandom(WsnRandom random) { customRandom = random; }

const char* wsnStatusName(int status) {
  switch (status) {
    case WSN_OK: return "ok";
    case WSN_REFUSED: return "refused";
    case WSN_ERR_ARGUMENT: return "bad_argument";
    case WSN_ERR_BUFFER: return "buffer_too_small";
    case WSN_ERR_RNG: return "rng";
    case WSN_ERR_CRYPTO: return "crypto";
    case WSN_ERR_NO_REQUEST: return "no_request";
    case WSN_ERR_NOT_SEALED: return "not_sealed";
    case WSN_ERR_NOT_AUTHENTIC: return "not_authentic";
    case WSN_ERR_UNEXPECTED_REPLY: return "unexpected_reply";
    case WSN_ERR_SEQN_MISMATCH: return "seqn_mismatch";
    case WSN_ERR_NO_SEQN: return "no_seqn";
    case WSN_ERR_STORE: return "store";
    case WSN_ERR_NOT_READY: return "not_ready";
    default: return "unknown";
  }
}

int WsnDevice::begin(const char* keyHex, const char* deviceId, WsnCounter* counter) {
  end();
  if (keyHex == nullptr || deviceId == nullptr) { return WSN_ERR_ARGUMENT; }
  size_t idLength = strlen(deviceId);
  if (idLength == 0 || idLength > WSN_ID_MAX) { return WSN_ERR_ARGUMENT; }
  int rc = wsnDeriveKeys(keyHex, &keys_);
  if (rc != WSN_OK) { return rc; }
  memcpy(id_, deviceId, idLength);
  id_[idLength] = '\0';
  idLength_ = static_cast<uint8_t>(idLength);
  counter_ = counter;
  ready_ = true;
  if (counter_ != nullptr) { counter_->begin(); }  // WSN_ERR_NO_SEQN shows as synced() == false
  return WSN_OK;
}

void WsnDevice::end() {
  wsnWipe(&keys_, sizeof keys_);
  wsnWipe(pendingTag_, sizeof pendingTag_);
  pendingKind_ = 0;
  pendingSeqn_ = 0;
  ready_ = false;
  counter_ = nullptr;
  memset(id_, 0, sizeof id_);
  idLength_ = 0;
}

int WsnDevice::query(char* body, size_t size, size_t* length) {
  // The header carries the device's SEQN when it has one; the backend does
  // not check it, and a device without one sends 0.
  uint64_t seqn = synced() && counter_->next() > 0 ? counter_->next() - 1 : 0;
  return seal('Q', seqn, nullptr, 0, body, size, length);
}

int WsnDevice::data(const char* dataJson, char* body, size_t size, size_t* length, uint64_t* seqn) {
  if (!ready_) { return WSN_ERR_NOT_READY; }
  if (dataJson == nullptr || body == nullptr) { return WSN_ERR_ARGUMENT; }
  size_t dataLength = strlen(dataJson);
  // The message is built in `body` before the data is copied in: the data
  // may not lie anywhere in it. Compared as integers: ordering pointers into
  // different objects is unspecified in C++.
  uintptr_t data = reinterpret_cast<uintptr_t>(dataJson), start = reinterpret_cast<uintptr_t>(body);
  bool overlaps = data < start + size && start < data + dataLength + 1;
  if (overlaps || !isObjectText(dataJson, dataLength)) { return WSN_ERR_ARGUMENT; }
  // Checked before a SEQN is taken, so a small buffer does not use one up.
  if (size < WSN_DATA_BODY_SIZE(dataLength)) { return WSN_ERR_BUFFER; }
  if (counter_ == nullptr) { return WSN_ERR_NO_SEQN; }
  uint64_t next = 0;
  int rc = counter_->take(&next);
  if (rc != WSN_OK) { return rc; }
  if (seqn != nullptr) { *seqn = next; }
  return seal('D', next, dataJson, dataLength, body, size, length);
}

int WsnDevice::reset(uint64_t seqn, char* body, size_t size, size_t* length) {
  if (!ready_) { return WSN_ERR_NOT_READY; }
  if (body == nullptr) { return WSN_ERR_ARGUMENT; }
  if (size < WSN_CONTROL_BODY_SIZE) { return WSN_ERR_BUFFER; }
  if (counter_ == nullptr) { return WSN_ERR_NO_SEQN; }
  if (seqn > WSN_MAX_SEQN || (counter_->known() && seqn < counter_->next())) { return WSN_ERR_SEQN_MISMATCH; }
  // The reset's SEQN counts as used from here: the counter never goes back under it.
  int rc = counter_->adopt(seqn);
  if (rc != WSN_OK) { return rc; }
  return seal('S', seqn, nullptr, 0, body, size, length);
}

int WsnDevice::seal(uint8_t kind, uint64_t seqn, const char* data, size_t dataLength, char* body, size_t size, size_t* length) {
  if (!ready_) { return WSN_ERR_NOT_READY; }
  if (body == nullptr) { return WSN_ERR_ARGUMENT; }
  WsnPlain plain = kind == 'D' ? WsnPlain{"{\"data\":", data, dataLength, "}"} : WsnPlain{"{}", "", 0, ""};
  if (size < wsnBodyLength(plain.middleLength + (kind == 'D' ? 9 : 2)) + 1) { return WSN_ERR_BUFFER; }
  uint8_t iv[16];
  if (fillRandom(iv, sizeof iv) != WSN_OK) { return WSN_ERR_RNG; }
  uint8_t tag[WSN_TAG_LEN];
  int rc = wsnSealMessage(&keys_, WsnId{id_, idLength_}, kind, seqn, nullptr, iv, plain, body, size, length, tag);
  if (rc != WSN_OK) { return rc; }
  // The reply to this request must be bound to its tag.
  memcpy(pendingTag_, tag, sizeof tag);
  pendingKind_ = kind;
  pendingSeqn_ = seqn;
  return WSN_OK;
}

int WsnDevice::reply(char* text, size_t length, WsnReply* out) {
  if (!ready_) { return WSN_ERR_NOT_READY; }
  if (text == nullptr || out == nullptr) { return WSN_ERR_ARGUMENT; }
  if (!isRequestKind(pendingKind_)) { return WSN_ERR_NO_REQUEST; }
  WsnOpened opened;
  int rc = wsnOpenMessage(&keys_, WsnId{id_, idLength_}, pendingTag_, text, length, &opened);
  if (rc != WSN_OK) { return rc; }

  // Authentic from here: the backend made it, for this request.
  if (!answers(opened.kind, pendingKind_)) { return WSN_ERR_UNEXPECTED_REPLY; }
  if (opened.seqn > WSN_MAX_SEQN || (opened.kind == 'A' && opened.seqn != pendingSeqn_)) { return WSN_ERR_SEQN_MISMATCH; }
  WsnReply reply;
  memset(&reply, 0, sizeof reply);
  reply.kind = static_cast<char>(opened.kind);
  reply.seqn = opened.seqn;
  const char* value;
  size_t valueLength;
  if (opened.kind == 'A' && pendingKind_ == 'D' && wsnJsonMember(opened.json, opened.jsonLength, "lost", &value, &valueLength) == 'n' &&
      !wsnParseSeqn(value, valueLength, &reply.lost)) {
    return WSN_ERR_UNEXPECTED_REPLY;
  }
  if (opened.kind == 'X') {
    if (wsnJsonMember(opened.json, opened.jsonLength, "error", &value, &valueLength) != 's') { return WSN_ERR_UNEXPECTED_REPLY; }
    if (valueLength >= sizeof reply.error) { valueLength = sizeof reply.error - 1; }
    memcpy(reply.error, value, valueLength);
  }
  // The header's SEQN of N and X is what the backend holds: continue above it.
  if ((opened.kind == 'N' || opened.kind == 'X') && counter_ != nullptr) {
    rc = counter_->adopt(opened.seqn);
    if (rc != WSN_OK) { return rc; }
  }
  pendingKind_ = 0;  // one reply per request
  wsnWipe(pendingTag_, sizeof pendingTag_);
  *out = reply;
  return opened.kind == 'X' ? WSN_REFUSED : WSN_OK;
}
