// WsnCrypto: the device half of wsn-crypto's authenticated format (auth
// version 2) for ESP8266 and ESP32 firmware. It seals the requests a device
// posts to the backend (SEQN query, SEQN reset, data) and opens the backend's
// replies, accepting only a reply bound to the request just sent.
//
// The byte layout is the package README's "The authenticated format". In short:
//   message = 0x02 | kind | seqn (8, BE) | iv (16) | AES-128-CBC(enc, iv, JSON) | tag (16)
//   tag     = HMAC-SHA256(mac, header | idlen | id | bound | iv | ciphertext)[0..16]
//   body    = {"auth":"<base64 of message>"}
//
// Caller's buffers only: nothing on the message path allocates. Every function
// returns a WsnStatus (0 is success, negative an error, positive a sealed
// answer worth acting on). No exceptions, no Arduino String.
#ifndef WSN_CRYPTO_H
#define WSN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/// Results. The numbers are stable: firmware may log or store them.
enum WsnStatus {
  WSN_OK = 0,
  /// The backend refused the request in a sealed refusal (kind X) bound to it:
  /// WsnReply::error says why, and the counter now continues above the SEQN
  /// the backend holds. Only the backend, which has the key, can make this.
  WSN_REFUSED = 1,
  /// A null pointer, a key that is not 32, 48 or 64 hex digits, a device id
  /// that is empty or above 255 bytes, data that is not a JSON object.
  WSN_ERR_ARGUMENT = -1,
  /// The caller's buffer is too small (see WSN_BODY_SIZE, WSN_REPLY_SIZE).
  WSN_ERR_BUFFER = -2,
  /// The random source failed; nothing was sealed.
  WSN_ERR_RNG = -3,
  /// The crypto library failed.
  WSN_ERR_CRYPTO = -4,
  /// reply() without a request waiting for its answer.
  WSN_ERR_NO_REQUEST = -5,
  /// "not_sealed": the answer is not a sealed reply, {"auth":"<base64>"} of
  /// a version 2 message: a plain {"error":...} (unknown device, wrong key,
  /// too large), an HTML error page, a cut-off body. Its HTTP status and
  /// body say what went wrong. (Not the backend's bad_format, which is about
  /// a request.)
  WSN_ERR_NOT_SEALED = -6,
  /// "not_authentic": the reply's tag is wrong: forged, tampered with, made
  /// for another request or another device. Nothing changed on the device.
  WSN_ERR_NOT_AUTHENTIC = -7,
  /// "unexpected_reply": an authentic reply that is no answer to this
  /// request: a kind that does not answer it (an ack to a query), or a
  /// content the format does not allow (bad padding, a malformed "lost" or
  /// "error"). A backend bug; nothing changed on the device.
  WSN_ERR_UNEXPECTED_REPLY = -8,
  /// "seqn_mismatch": a SEQN that does not fit: an ack naming another SEQN
  /// than the one sent, a SEQN above 2^53 - 1 (also: the counter is spent),
  /// or a reset not above the counter. (Not the backend's bad_seqn.)
  WSN_ERR_SEQN_MISMATCH = -9,
  /// The counter knows no SEQN yet: send a query first.
  WSN_ERR_NO_SEQN = -10,
  /// A counter store failed to save; the SEQN was not used.
  WSN_ERR_STORE = -11,
  /// begin() has not succeeded.
  WSN_ERR_NOT_READY = -12,
};

/// The short name of a status ("ok", "refused", "not_authentic", ...), as
/// in the comments above. None is one of the backend's error codes, which
/// a refusal carries in WsnReply::error.
const char* wsnStatusName(int status);

/// The largest SEQN the format carries, 2^53 - 1.
#define WSN_MAX_SEQN 9007199254740991ULL
/// Bytes of a device id, at most.
#define WSN_ID_MAX 255
/// Bytes of a request's and a reply's tag.
#define WSN_TAG_LEN 16

/// The body of a request whose plaintext has `n` bytes, with its closing NUL:
/// {"auth":"..."} around base64 of header (10), IV (16), ciphertext, tag (16).
#define WSN_BODY_SIZE(n) (9u + 4u * ((42u + 16u * ((size_t)(n) / 16u + 1u) + 2u) / 3u) + 2u + 1u)
/// The body of a data message whose data object has `n` bytes of JSON text
/// (its plaintext is {"data":<object>}).
#define WSN_DATA_BODY_SIZE(n) WSN_BODY_SIZE((size_t)(n) + 9u)
/// The body of a query or reset (plaintext {}), 92 bytes.
#define WSN_CONTROL_BODY_SIZE WSN_BODY_SIZE(2)
/// A buffer for any reply of the shipped flows, sealed or not, with its NUL.
#define WSN_REPLY_SIZE 256

/// Fills `out` with `length` random bytes; returns 0 on success. The default
/// is the board's hardware RNG (os_get_random on ESP8266, esp_fill_random on
/// ESP32); a sketch may supply its own. IVs come from here.
typedef int (*WsnRandom)(uint8_t* out, size_t length);
/// Replaces the random source (nullptr restores the default).
void wsnSetRandom(WsnRandom random);

/// Where a counter keeps one number between boots. The sketch supplies it:
/// RTC memory survives deep sleep, EEPROM or a LittleFS file survive power loss.
class WsnCounterStore {
 public:
  /// WSN_OK and the saved value, or WSN_ERR_NO_SEQN when nothing valid is saved.
  virtual int load(uint64_t* value) = 0;
  /// WSN_OK once `value` is saved, WSN_ERR_STORE otherwise.
  virtual int save(uint64_t value) = 0;
 protected:
  ~WsnCounterStore() {}
};

/// The device's SEQN, never reused and never lowered. With a `fast` store
/// (RTC memory) it is saved after every message; with a `durable` store
/// (flash) only every `step` messages, as a reservation: the store holds the
/// highest SEQN the device may use before it writes again, and a device that
/// lost its fast store starts above that (OSCORE, RFC 8613 Appendix B.1.1).
/// A reboot then needs no round trip; it costs the backend a gap of up to
/// `step` SEQNs, counted as lost. Without either store, every boot queries.
class WsnCounter {
 public:
  explicit WsnCounter(WsnCounterStore* fast = nullptr, WsnCounterStore* durable = nullptr, uint32_t step = 32);
  /// Reads the stores: WSN_OK when a SEQN is known, WSN_ERR_NO_SEQN when the
  /// device must query the backend first.
  int begin();
  /// True once a SEQN is known.
  bool known() const { return known_; }
  /// The next SEQN to use, saved in the stores before it is returned.
  int take(uint64_t* seqn);
  /// The backend holds `stored` (a SEQN reply or a sealed refusal): continue
  /// above it. Never moves the counter down.
  int adopt(uint64_t stored);
  /// The SEQN the next take() returns (meaningful when known()).
  uint64_t next() const { return next_; }

 private:
  int commit(uint64_t last);
  WsnCounterStore* fast_;
  WsnCounterStore* durable_;
  uint32_t step_;
  bool known_ = false;
  uint64_t next_ = 0;
  uint64_t reserved_ = 0;  // the durable store's value; 0 when none is saved
};

/// A device's two keys, derived from its key (the package README, "Keys").
struct WsnKeys {
  uint8_t enc[16];  // AES-128
  uint8_t mac[32];  // HMAC-SHA256
};

/// What an accepted reply said.
struct WsnReply {
  /// 'N' (SEQN reply to a query), 'A' (ack of a reset or data), 'X' (refusal).
  char kind;
  /// N and X: the SEQN the backend holds. A: the SEQN acknowledged.
  uint64_t seqn;
  /// A to data: messages missing before this one, as the backend counted.
  uint64_t lost;
  /// X: the backend's code, e.g. "replay", "stale", "bad_format" (the
  /// backend's words for the request; wsnStatusName's are the device's).
  char error[24];
};

/// One device: its key, id and counter. Seals one request at a time and
/// accepts only the reply to the last request it sealed.
class WsnDevice {
 public:
  WsnDevice() {}
  ~WsnDevice() { end(); }
  WsnDevice(const WsnDevice&) = delete;
  WsnDevice& operator=(const WsnDevice&) = delete;

  /// Derives the device's keys from `keyHex` (32, 48 or 64 hex digits) for
  /// `deviceId` (as in the URL path, 1..255 bytes, copied). `counter` may be null
  /// for a device that only queries; data() and reset() need one. Runs the
  /// counter's begin(); returns WSN_OK even if it knows no SEQN yet.
  int begin(const char* keyHex, const char* deviceId, WsnCounter* counter);
  /// Wipes the keys and the pending request.
  void end();

  /// A SEQN query: the body for POST /wsn/<id>, NUL-terminated, in `body`
  /// (WSN_CONTROL_BODY_SIZE bytes); its length in `*length` if not null.
  int query(char* body, size_t size, size_t* length);
  /// A data message carrying `dataJson` (a JSON object, e.g. {"value":21.5})
  /// under the counter's next SEQN: the body for POST /data/<id>
  /// (WSN_DATA_BODY_SIZE(strlen(dataJson)) bytes). The SEQN used goes to
  /// `*seqn` if not null. Each call uses a new SEQN; to retry, post the same
  /// body again (a copy that was stored is then refused as a replay).
  int data(const char* dataJson, char* body, size_t size, size_t* length, uint64_t* seqn = nullptr);
  /// A SEQN reset to `seqn` (above the counter): the body for POST /wsn/<id>.
  int reset(uint64_t seqn, char* body, size_t size, size_t* length);

  /// Opens the backend's answer to the last request: `text` is the HTTP
  /// body, whatever the status (a refusal's body carries the sealed part),
  /// decoded in place. WSN_OK for N (the counter adopts its SEQN) and for an
  /// A naming the SEQN sent; WSN_REFUSED for a sealed refusal (the counter
  /// continues above its SEQN). After any error the request still waits for
  /// its reply and the counter is where it was; `text` has been decoded over,
  /// so a second try needs the answer's text again.
  int reply(char* text, size_t length, WsnReply* out);

  /// True when the counter knows a SEQN (no query needed).
  bool synced() const { return counter_ != nullptr && counter_->known(); }

 private:
  int seal(uint8_t kind, uint64_t seqn, const char* data, size_t dataLength, char* body, size_t size, size_t* length);
  bool ready_ = false;
  WsnKeys keys_ = {};
  char id_[WSN_ID_MAX + 1] = {};  // a copy: a String's c_str() may be gone after begin()
  uint8_t idLength_ = 0;
  WsnCounter* counter_ = nullptr;
  // The request waiting for its reply.
  uint8_t pendingKind_ = 0;
  uint64_t pendingSeqn_ = 0;
  uint8_t pendingTag_[WSN_TAG_LEN] = {};
};

#endif  // WSN_CRYPTO_H
