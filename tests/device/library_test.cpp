// The device library's host tests, built once per crypto backend (BearSSL,
// mbedTLS) by tests/js/device-library.test.js, which also turns
// tests/vectors/auth.json into the line format read here.
//
//   library_test GROUP [VECTOR_FILE]
//   GROUP: vectors | refused | conversation | counter | codec | names
//
// Prints one line per check ("ok - ..." or "not ok - ...") and exits 1 if
// any failed. The "backend" side of a conversation is the message layer
// (wsn_message.h) sealing replies, as the shared vectors show it does.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "WsnCrypto.h"
#include "wsn_codec.h"
#include "wsn_message.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                            \
  do {                                              \
    checks++;                                       \
    if (cond) {                                     \
      printf("ok - ");                              \
    } else {                                        \
      failures++;                                   \
      printf("not ok - (%s:%d) ", __FILE__, __LINE__); \
    }                                               \
    printf(__VA_ARGS__);                            \
    printf("\n");                                   \
  } while (0)

static std::vector<uint8_t> fromHex(const std::string& hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  if (!wsnHexDecode(hex.c_str(), hex.size(), out.data())) { out.clear(); }
  return out;
}

static std::string hexOf(const uint8_t* p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; i++) {
    snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

static std::string textOf(const std::string& hex) {
  std::vector<uint8_t> bytes = fromHex(hex);
  return std::string(bytes.begin(), bytes.end());
}

// --- a settable random source: IVs of known-answer checks ---
static uint8_t nextIv[16];
static int rngFails = 0;
static int fixedRandom(uint8_t* out, size_t length) {
  if (rngFails) { return -1; }
  for (size_t i = 0; i < length; i++) { out[i] = nextIv[i % 16]; }
  return 0;
}

static uint8_t kindByte(const std::string& kind) {
  if (kind == "query") return 'Q';
  if (kind == "reset") return 'S';
  if (kind == "data") return 'D';
  if (kind == "seqn") return 'N';
  if (kind == "ack") return 'A';
  if (kind == "refusal") return 'X';
  return 0;
}

struct Line {
  std::vector<std::string> fields;
};

static std::vector<Line> readLines(const char* file) {
  std::vector<Line> lines;
  FILE* f = fopen(file, "r");
  if (f == nullptr) {
    printf("not ok - cannot read %s\n", file);
    exit(1);
  }
  char buf[8192];
  while (fgets(buf, sizeof buf, f)) {
    Line line;
    for (char* t = strtok(buf, " \n"); t != nullptr; t = strtok(nullptr, " \n")) { line.fields.push_back(t); }
    if (!line.fields.empty()) { lines.push_back(line); }
  }
  fclose(f);
  return lines;
}

// vector <index> <kind> <keyhex> <idhex> <seqn> <ivhex> <plainhex> <requesthex|-> <taghex> <auth>
static void vectors(const char* file) {
  for (const Line& line : readLines(file)) {
    const std::vector<std::string>& v = line.fields;
    if (v[0] != "vector") { continue; }
    const std::string& index = v[1];
    uint8_t kind = kindByte(v[2]);
    std::string id = textOf(v[4]);
    uint64_t seqn = strtoull(v[5].c_str(), nullptr, 10);
    std::vector<uint8_t> iv = fromHex(v[6]);
    std::string plain = textOf(v[7]);
    std::vector<uint8_t> request = v[8] == "-" ? std::vector<uint8_t>() : fromHex(v[8]);
    const uint8_t* bound = request.empty() ? nullptr : request.data();
    WsnKeys keys;
    CHECK(wsnDeriveKeys(v[3].c_str(), &keys) == WSN_OK, "vector %s: key derivation", index.c_str());
    WsnId wid{id.c_str(), static_cast<uint8_t>(id.size())};
    std::vector<char> body(wsnBodyLength(plain.size()) + 1);
    size_t length = 0;
    uint8_t tag[16];
    int rc = wsnSealMessage(&keys, wid, kind, seqn, bound, iv.data(), WsnPlain{"", plain.data(), plain.size(), ""}, body.data(),
                            body.size(), &length, tag);
    std::string expected = "{\"auth\":\"" + v[10] + "\"}";
    CHECK(rc == WSN_OK && std::string(body.data(), length) == expected, "vector %s (%s): sealed byte for byte", index.c_str(),
          v[2].c_str());
    CHECK(hexOf(tag, 16) == v[9], "vector %s: tag %s", index.c_str(), v[9].c_str());
    CHECK(length + 1 == body.size(), "vector %s: wsnBodyLength is the body's length", index.c_str());
    std::vector<char> text(expected.begin(), expected.end());
    WsnOpened opened;
    rc = wsnOpenMessage(&keys, wid, bound, text.data(), text.size(), &opened);
    CHECK(rc == WSN_OK && opened.kind == kind && opened.seqn == seqn && std::string(opened.json, opened.jsonLength) == plain,
          "vector %s: opens to its kind, SEQN and plaintext", index.c_str());
    if (bound != nullptr) {
      std::vector<char> again(expected.begin(), expected.end());
      CHECK(wsnOpenMessage(&keys, wid, nullptr, again.data(), again.size(), &opened) == WSN_ERR_NOT_AUTHENTIC,
            "vector %s: a reply does not open as a request", index.c_str());
    }
  }
}

// refused <index> <keyhex> <idhex> <requesthex|-> <auth>
static void refused(const char* file) {
  for (const Line& line : readLines(file)) {
    const std::vector<std::string>& v = line.fields;
    if (v[0] != "refused") { continue; }
    WsnKeys keys;
    wsnDeriveKeys(v[2].c_str(), &keys);
    std::string id = textOf(v[3]);
    std::vector<uint8_t> request = v[4] == "-" ? std::vector<uint8_t>() : fromHex(v[4]);
    std::string body = "{\"auth\":\"" + v[5] + "\"}";
    std::vector<char> text(body.begin(), body.end());
    WsnOpened opened;
    int rc = wsnOpenMessage(&keys, WsnId{id.c_str(), static_cast<uint8_t>(id.size())}, request.empty() ? nullptr : request.data(),
                            text.data(), text.size(), &opened);
    CHECK(rc == WSN_ERR_NOT_AUTHENTIC || rc == WSN_ERR_NOT_SEALED, "refused vector %s: %s", v[1].c_str(), wsnStatusName(rc));
  }
}

// --- in-memory counter stores ---
struct MemoryStore : WsnCounterStore {
  bool has = false;
  uint64_t value = 0;
  int saves = 0;
  bool failSave = false;
  int load(uint64_t* out) override {
    if (!has) return WSN_ERR_NO_SEQN;
    *out = value;
    return WSN_OK;
  }
  int save(uint64_t v) override {
    if (failSave) return WSN_ERR_STORE;
    has = true;
    value = v;
    saves++;
    return WSN_OK;
  }
};

static const char* kKey = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char* kId = "12FA";

// The backend's side: opens a request body, seals a reply bound to it.
struct Backend {
  WsnKeys keys;
  WsnId id{kId, 4};
  Backend(const char* key = kKey) { wsnDeriveKeys(key, &keys); }
  // Opens `body` as a request; its tag goes to `tag`.
  bool open(const char* body, WsnOpened* opened, uint8_t tag[16], std::vector<char>* keep) {
    std::string s(body);
    std::vector<uint8_t> bin(s.size());
    const char* a;
    size_t n;
    if (wsnJsonMember(s.c_str(), s.size(), "auth", &a, &n) != 's') return false;
    long len = wsnBase64Decode(a, n, bin.data());
    if (len < 16) return false;
    memcpy(tag, bin.data() + len - 16, 16);
    keep->assign(s.begin(), s.end());
    return wsnOpenMessage(&keys, id, nullptr, keep->data(), keep->size(), opened) == WSN_OK;
  }
  std::string seal(uint8_t kind, uint64_t seqn, const uint8_t tag[16], const std::string& json, const char* prefix = "") {
    char body[512];
    uint8_t iv[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    uint8_t out[16];
    size_t length;
    wsnSealMessage(&keys, id, kind, seqn, tag, iv, WsnPlain{"", json.data(), json.size(), ""}, body, sizeof body, &length, out);
    // A refusal's body has the code beside the sealed part.
    return std::string("{") + prefix + std::string(body + 1, length - 1);
  }
};

static int replyTo(WsnDevice& device, const std::string& text, WsnReply* reply) {
  std::vector<char> buf(text.begin(), text.end());
  buf.push_back('\0');
  return device.reply(buf.data(), text.size(), reply);
}

static void conversation() {
  wsnSetRandom(nullptr);
  WsnDevice device;
  MemoryStore fast, durable;
  WsnCounter counter(&fast, &durable, 8);
  CHECK(device.begin("2B7E", kId, &counter) == WSN_ERR_ARGUMENT, "a key of 4 hex digits is refused");
  CHECK(device.begin("2B7E151628AED2A6ABF7158809CF4F3G", kId, &counter) == WSN_ERR_ARGUMENT, "a key with a non-hex digit is refused");
  CHECK(device.begin(kKey, "", &counter) == WSN_ERR_ARGUMENT, "an empty device id is refused");
  std::string longId(256, 'x');
  CHECK(device.begin(kKey, longId.c_str(), &counter) == WSN_ERR_ARGUMENT, "a 256-byte device id is refused");
  char body[WSN_DATA_BODY_SIZE(40)];
  CHECK(device.query(body, sizeof body, nullptr) == WSN_ERR_NOT_READY, "nothing is sealed before begin succeeds");
  CHECK(device.begin(kKey, kId, &counter) == WSN_OK && !device.synced(), "begin with empty stores: not synced");
  CHECK(device.data("{\"value\":1}", body, sizeof body, nullptr) == WSN_ERR_NO_SEQN, "data before any SEQN is known: no_seqn");
  WsnReply reply;
  CHECK(replyTo(device, "{}", &reply) == WSN_ERR_NO_REQUEST, "a reply with no request sent: no_request");

  char small[WSN_CONTROL_BODY_SIZE - 1];
  CHECK(device.query(small, sizeof small, nullptr) == WSN_ERR_BUFFER, "query into %zu bytes: buffer_too_small", sizeof small);
  size_t length = 0;
  CHECK(device.query(body, sizeof body, &length) == WSN_OK && length + 1 == WSN_CONTROL_BODY_SIZE && strlen(body) == length,
        "query body is %zu bytes, WSN_CONTROL_BODY_SIZE with its NUL", length);
  Backend backend;
  WsnOpened opened;
  uint8_t queryTag[16];
  std::vector<char> keep;
  CHECK(backend.open(body, &opened, queryTag, &keep) && opened.kind == 'Q' && std::string(opened.json, opened.jsonLength) == "{}",
        "the backend opens the query: kind Q, plaintext {}");
  CHECK(replyTo(device, backend.seal('A', 0, queryTag, "{\"SEQN\":0,\"ack\":true}"), &reply) == WSN_ERR_UNEXPECTED_REPLY,
        "an ack in answer to a query: unexpected_reply");
  uint8_t otherTag[16] = {1};
  CHECK(replyTo(device, backend.seal('N', 41, otherTag, "{\"SEQN\":41}"), &reply) == WSN_ERR_NOT_AUTHENTIC && !device.synced(),
        "a SEQN reply bound to another request: not_authentic, still not synced");
  Backend outsider("000102030405060708090A0B0C0D0E0F");
  CHECK(replyTo(device, outsider.seal('N', 41, queryTag, "{\"SEQN\":41}"), &reply) == WSN_ERR_NOT_AUTHENTIC,
        "a SEQN reply sealed under another key: not_authentic");
  CHECK(replyTo(device, backend.seal('N', 41, queryTag, "{\"SEQN\":41}"), &reply) == WSN_OK && reply.kind == 'N' &&
            reply.seqn == 41 && device.synced() && counter.next() == 42,
        "the SEQN reply to the query: synced, next SEQN 42");
  CHECK(replyTo(device, backend.seal('N', 41, queryTag, "{\"SEQN\":41}"), &reply) == WSN_ERR_NO_REQUEST,
        "the same reply again: no_request (one reply per request)");

  char tiny[WSN_DATA_BODY_SIZE(11) - 1];
  CHECK(device.data("{\"value\":1}", tiny, sizeof tiny, nullptr) == WSN_ERR_BUFFER && counter.next() == 42,
        "data into a buffer one byte short: buffer_too_small, no SEQN used");
  CHECK(device.data("[1]", body, sizeof body, nullptr) == WSN_ERR_ARGUMENT, "data that is not an object: bad_argument");
  CHECK(device.data(body + 4, body, sizeof body, nullptr) == WSN_ERR_ARGUMENT, "data that lies in the body buffer: bad_argument");
  char shared[WSN_DATA_BODY_SIZE(40) + 16];
  snprintf(shared, sizeof shared, "{\"value\":1111111111}");
  CHECK(device.data(shared, shared + 8, sizeof shared - 8, nullptr) == WSN_ERR_ARGUMENT && counter.next() == 42,
        "data that starts before the body buffer and runs into it: bad_argument, no SEQN used");
  uint64_t seqn = 0;
  CHECK(device.data("{\"value\":1}", body, sizeof body, &length, &seqn) == WSN_OK && seqn == 42 &&
            length + 1 == WSN_DATA_BODY_SIZE(11),
        "data takes SEQN 42; its body fills WSN_DATA_BODY_SIZE");
  uint8_t dataTag[16];
  CHECK(backend.open(body, &opened, dataTag, &keep) && opened.kind == 'D' && opened.seqn == 42 &&
            std::string(opened.json, opened.jsonLength) == "{\"data\":{\"value\":1}}",
        "the backend opens the data message: kind D, SEQN 42 in the header, {\"data\":{...}}");
  std::string ack = backend.seal('A', 42, dataTag, "{\"SEQN\":42,\"ack\":true,\"lost\":3}");
  CHECK(replyTo(device, backend.seal('N', 42, dataTag, "{\"SEQN\":42}"), &reply) == WSN_ERR_UNEXPECTED_REPLY,
        "a SEQN reply in answer to data: unexpected_reply");
  CHECK(replyTo(device, backend.seal('A', 41, dataTag, "{\"SEQN\":41,\"ack\":true}"), &reply) == WSN_ERR_SEQN_MISMATCH,
        "an ack naming another SEQN: seqn_mismatch");
  CHECK(replyTo(device, backend.seal('A', 42, dataTag, "{\"SEQN\":42,\"ack\":true,\"lost\":-1}"), &reply) == WSN_ERR_UNEXPECTED_REPLY,
        "an authentic ack whose lost is not a count: unexpected_reply");
  // Every bit of the message flipped, one at a time: never accepted.
  const char* a;
  size_t n;
  wsnJsonMember(ack.c_str(), ack.size(), "auth", &a, &n);
  std::vector<uint8_t> bin(n);
  long binLength = wsnBase64Decode(a, n, bin.data());
  int accepted = 0;
  for (long bit = 0; bit < binLength * 8; bit++) {
    std::vector<uint8_t> flipped(bin.begin(), bin.begin() + binLength);
    flipped[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    std::string b64(4 * ((binLength + 2) / 3), '\0');
    wsnBase64Encode(flipped.data(), binLength, &b64[0]);
    int rc = replyTo(device, "{\"auth\":\"" + b64 + "\"}", &reply);
    if (rc != WSN_ERR_NOT_AUTHENTIC && rc != WSN_ERR_NOT_SEALED) { accepted++; }
  }
  CHECK(accepted == 0, "each of the ack's %ld bits flipped: refused every time", binLength * 8);
  CHECK(replyTo(device, ack, &reply) == WSN_OK && reply.kind == 'A' && reply.seqn == 42 && reply.lost == 3,
        "the ack, after all that: accepted, lost 3");

  // A sealed refusal moves the counter above the backend's SEQN; an outsider's does nothing.
  device.data("{\"value\":2}", body, sizeof body, &length, &seqn);
  uint8_t tag2[16];
  backend.open(body, &opened, tag2, &keep);
  CHECK(replyTo(device, outsider.seal('X', 9000, tag2, "{\"error\":\"stale\",\"SEQN\":9000}", "\"error\":\"stale\","), &reply) ==
                WSN_ERR_NOT_AUTHENTIC &&
            counter.next() == 44,
        "an outsider's refusal naming SEQN 9000: not_authentic, next SEQN still 44");
  CHECK(replyTo(device, "{\"error\":\"stale\"}", &reply) == WSN_ERR_NOT_SEALED, "a plain {\"error\"} without a sealed part: not_sealed");
  CHECK(replyTo(device, backend.seal('X', 100, tag2, "{\"error\":\"stale\",\"SEQN\":100}", "\"error\":\"stale\","), &reply) ==
                WSN_REFUSED &&
            strcmp(reply.error, "stale") == 0 && reply.seqn == 100 && counter.next() == 101,
        "the backend's sealed refusal (stale, SEQN 100): refused, next SEQN 101");
  device.data("{\"value\":3}", body, sizeof body, &length, &seqn);
  uint8_t tag3[16];
  backend.open(body, &opened, tag3, &keep);
  CHECK(replyTo(device, backend.seal('X', 7, tag3, "{\"SEQN\":7}"), &reply) == WSN_ERR_UNEXPECTED_REPLY && counter.next() == 102,
        "an authentic refusal without its error code: unexpected_reply, the counter unchanged");
  CHECK(replyTo(device, backend.seal('X', 7, tag3, "{\"error\":\"bad_format\",\"SEQN\":7}"), &reply) == WSN_REFUSED &&
            counter.next() == 102,
        "a refusal naming a SEQN below the counter: the counter does not go down");

  CHECK(device.reset(50, body, sizeof body, &length) == WSN_ERR_SEQN_MISMATCH, "a reset below the counter: seqn_mismatch");
  CHECK(device.reset(500, body, sizeof body, &length) == WSN_OK && counter.next() == 501, "a reset to 500: sealed, next SEQN 501");
  uint8_t resetTag[16];
  CHECK(backend.open(body, &opened, resetTag, &keep) && opened.kind == 'S' && opened.seqn == 500,
        "the backend opens the reset: kind S, SEQN 500");
  CHECK(replyTo(device, backend.seal('A', 500, resetTag, "{\"SEQN\":500,\"ack\":true}"), &reply) == WSN_OK,
        "the reset's ack: accepted");

  rngFails = 1;
  wsnSetRandom(fixedRandom);
  CHECK(device.query(body, sizeof body, &length) == WSN_ERR_RNG, "a failing random source: rng, nothing sealed");
  rngFails = 0;
  wsnSetRandom(nullptr);

  const char* hostile[] = {"", "{", "[]", "{\"auth\":1}", "{\"auth\":\"@@@@\"}", "{\"auth\":\"AAAA\"}", "{\"auth\":\"AA\\\"}",
                           "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"auth\""};
  device.query(body, sizeof body, &length);
  int crashedOrAccepted = 0;
  for (const char* h : hostile) {
    int rc = replyTo(device, h, &reply);
    if (rc != WSN_ERR_NOT_SEALED) { crashedOrAccepted++; }
  }
  CHECK(crashedOrAccepted == 0, "hostile reply bodies: not_sealed each, nothing accepted");

  // The limits of the sizes stated in the header.
  bool sizesHold = true;
  for (size_t n = 2; n < 200 && sizesHold; n++) {
    std::string data = "{" + std::string(n - 2, ' ') + "}";
    std::vector<char> buf(WSN_DATA_BODY_SIZE(n));
    sizesHold = device.data(data.c_str(), buf.data(), buf.size(), &length) == WSN_OK && length + 1 == buf.size() &&
                device.data(data.c_str(), buf.data(), buf.size() - 1, &length) == WSN_ERR_BUFFER;
  }
  CHECK(sizesHold, "WSN_DATA_BODY_SIZE(n) is exact for data of 2..199 bytes");
  device.end();
  CHECK(device.query(body, sizeof body, &length) == WSN_ERR_NOT_READY, "after end(): not_ready");
}

static void counterRules() {
  MemoryStore fast, durable;
  WsnCounter counter(&fast, &durable, 4);
  CHECK(counter.begin() == WSN_ERR_NO_SEQN && !counter.known(), "empty stores: no SEQN known");
  uint64_t s = 0;
  CHECK(counter.take(&s) == WSN_ERR_NO_SEQN, "take() before a SEQN is known: no_seqn");
  CHECK(counter.adopt(0) == WSN_OK && counter.next() == 1, "adopt(0) (a new device): next SEQN 1");
  for (int i = 0; i < 10; i++) { counter.take(&s); }
  CHECK(s == 10 && fast.value == 10 && fast.saves == 11, "ten messages: the fast store holds 10, written each time");
  CHECK(durable.value == 12 && durable.saves == 3, "the durable store written 3 times for 10 messages, reservation 12");
  WsnCounter afterSleep(&fast, &durable, 4);
  CHECK(afterSleep.begin() == WSN_OK && afterSleep.next() == 11, "after deep sleep: next SEQN 11, no query");
  fast.has = false;
  WsnCounter afterPowerLoss(&fast, &durable, 4);
  CHECK(afterPowerLoss.begin() == WSN_OK && afterPowerLoss.next() == 13, "after power loss: next SEQN 13, above the reservation");
  int before = durable.saves;
  CHECK(afterPowerLoss.take(&s) == WSN_OK && s == 13 && durable.value == 16 && durable.saves == before + 1,
        "its first message writes a new reservation (16) before it is sent");
  fast.value = 99;  // the flash holds an older reservation than the RTC memory's last SEQN
  WsnCounter inconsistent(&fast, &durable, 4);
  CHECK(inconsistent.begin() == WSN_OK && inconsistent.next() == 100, "RTC memory above the reservation (an old flash record): next 100, no SEQN reused");
  before = durable.saves;
  CHECK(inconsistent.take(&s) == WSN_OK && s == 100 && durable.value == 103 && durable.saves == before + 1,
        "its first take writes a reservation above it (103)");
  fast.failSave = true;
  fast.has = true;
  uint64_t untouched = 12345;
  CHECK(inconsistent.take(&untouched) == WSN_ERR_STORE && untouched == 12345, "a store that fails to save: store, no SEQN given");
  fast.failSave = false;
  WsnCounter none;
  CHECK(none.begin() == WSN_ERR_NO_SEQN, "no stores: every boot must query");
  MemoryStore big;
  big.has = true;
  big.value = WSN_MAX_SEQN;
  WsnCounter last(&big, nullptr, 4);
  CHECK(last.begin() == WSN_OK && last.take(&s) == WSN_ERR_SEQN_MISMATCH, "past 2^53 - 1: seqn_mismatch, the counter is spent");
  CHECK(last.adopt(WSN_MAX_SEQN + 1) == WSN_ERR_SEQN_MISMATCH, "adopting a SEQN above 2^53 - 1: seqn_mismatch");
  WsnCounter zeroStep(&fast, &durable, 0);
  CHECK(zeroStep.begin() == WSN_OK, "step 0 is taken as 1 (a durable write per message)");
}

static void codec() {
  const char* v;
  size_t n;
  CHECK(wsnJsonMember("{\"a\":{\"auth\":\"x\"},\"auth\":\"y\"}", 29, "auth", &v, &n) == 's' && n == 1 && *v == 'y',
        "a nested member of the same name is not taken");
  CHECK(wsnJsonMember("{\"s\":\"a\\\"b\",\"n\":12}", 19, "n", &v, &n) == 'n' && n == 2, "escaped quotes in strings are skipped");
  CHECK(wsnJsonMember("{\"n\":12", 7, "n", &v, &n) == 'n', "a cut object still yields what was read");
  CHECK(wsnJsonMember("{\"n\":\"12", 8, "n", &v, &n) == 0, "an unterminated string: no member");
  uint64_t x;
  CHECK(wsnParseSeqn("9007199254740991", 16, &x) && x == WSN_MAX_SEQN, "2^53 - 1 parses");
  CHECK(!wsnParseSeqn("9007199254740992", 16, &x) && !wsnParseSeqn("01", 2, &x) && !wsnParseSeqn("-1", 2, &x) &&
            !wsnParseSeqn("1.0", 3, &x),
        "2^53, a leading zero, a sign, a fraction: refused");
  uint8_t out[8];
  CHECK(wsnBase64Decode("AB==", 4, out) == -1 && wsnBase64Decode("AQ==", 4, out) == 1, "non-zero bits under the padding: refused");
  CHECK(wsnBase64Decode("AQ=", 3, out) == -1 && wsnBase64Decode("A=Q=", 4, out) == -1, "bad lengths and inner padding: refused");
}

// One check per status: it has a name of its own. device-library.test.js
// reads the names from these lines and holds them against the backend's
// error codes (src/error.rs), which a refusal carries and a log shows beside
// them: a device status must never read as one of those.
static void names() {
  for (int s = -12; s <= 1; s++) {
    const char* name = wsnStatusName(s);
    bool unique = true;
    for (int t = -12; t < s; t++) { unique = unique && strcmp(wsnStatusName(t), name) != 0; }
    CHECK(strcmp(name, "unknown") != 0 && unique, "status %d is %s", s, name);
  }
  CHECK(strcmp(wsnStatusName(-13), "unknown") == 0 && strcmp(wsnStatusName(2), "unknown") == 0, "a number no status has: unknown");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: library_test vectors|refused|conversation|counter|codec|names [VECTOR_FILE]\n");
    return 2;
  }
  std::string group = argv[1];
  if (group == "vectors" && argc > 2) vectors(argv[2]);
  else if (group == "refused" && argc > 2) refused(argv[2]);
  else if (group == "conversation") conversation();
  else if (group == "counter") counterRules();
  else if (group == "codec") codec();
  else if (group == "names") names();
  else {
    fprintf(stderr, "unknown group %s\n", group.c_str());
    return 2;
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 && checks > 0 ? 0 : 1;
}
