// Counter stores for ESP8266 and ESP32 sketches: RTC memory (survives deep
// sleep, lost on power loss) and EEPROM (the cores' flash emulation: survives
// power loss, wears, so WsnCounter writes it only every `step` messages).
// Header-only and Arduino-only: include it from the sketch, after the board's
// headers. The protocol code (WsnCrypto.h) never includes it.
#ifndef WSN_STORES_H
#define WSN_STORES_H

#include <Arduino.h>
#include <EEPROM.h>
#include <string.h>

#include "WsnCrypto.h"

// One saved value as 16 bytes: a magic number, the value, and a check that
// tells a saved record from the noise RTC memory holds after power-on.
struct WsnStoredRecord {
  uint32_t magic;
  uint32_t low;
  uint32_t high;
  uint32_t check;

  static uint32_t mix(uint32_t magic, uint32_t low, uint32_t high) {
    uint32_t h = 2166136261u;  // FNV-1a over the three words
    const uint32_t words[3] = {magic, low, high};
    for (uint32_t w : words) {
      for (int i = 0; i < 4; i++) { h = (h ^ ((w >> (8 * i)) & 0xFFu)) * 16777619u; }
    }
    return h;
  }
  static WsnStoredRecord of(uint64_t value) {
    WsnStoredRecord r;
    r.magic = 0x57534E32u;  // "WSN2"
    r.low = (uint32_t)value;
    r.high = (uint32_t)(value >> 32);
    r.check = mix(r.magic, r.low, r.high);
    return r;
  }
  bool valid() const { return magic == 0x57534E32u && check == mix(magic, low, high); }
  uint64_t value() const { return ((uint64_t)high << 32) | low; }
};

#if defined(ARDUINO_ARCH_ESP8266)
/// RTC user memory at `block` (4-byte blocks; 4 are used, so 32..124). Blocks
/// 0..31 hold the boot loader's command during an OTA update, which would
/// wipe a record there.
class WsnRtcStore : public WsnCounterStore {
 public:
  explicit WsnRtcStore(uint32_t block = 32) : block_(block) {}
  int load(uint64_t* value) override {
    WsnStoredRecord r;
    if (!ESP.rtcUserMemoryRead(block_, reinterpret_cast<uint32_t*>(&r), sizeof r) || !r.valid()) { return WSN_ERR_NO_SEQN; }
    *value = r.value();
    return WSN_OK;
  }
  int save(uint64_t value) override {
    WsnStoredRecord r = WsnStoredRecord::of(value);
    return ESP.rtcUserMemoryWrite(block_, reinterpret_cast<uint32_t*>(&r), sizeof r) ? WSN_OK : WSN_ERR_STORE;
  }
 private:
  uint32_t block_;
};
#elif defined(ESP32)
// The ESP32 keeps RTC slow memory across deep sleep for variables so marked.
RTC_DATA_ATTR static WsnStoredRecord wsnRtcRecord;
/// A record in RTC slow memory.
class WsnRtcStore : public WsnCounterStore {
 public:
  int load(uint64_t* value) override {
    if (!wsnRtcRecord.valid()) { return WSN_ERR_NO_SEQN; }
    *value = wsnRtcRecord.value();
    return WSN_OK;
  }
  int save(uint64_t value) override {
    wsnRtcRecord = WsnStoredRecord::of(value);
    return WSN_OK;
  }
};
#endif

/// 16 bytes of EEPROM at `address`. The sketch calls EEPROM.begin(size)
/// first, with a size that covers them.
class WsnEepromStore : public WsnCounterStore {
 public:
  explicit WsnEepromStore(int address = 0) : address_(address) {}
  int load(uint64_t* value) override {
    WsnStoredRecord r;
    EEPROM.get(address_, r);
    if (!r.valid()) { return WSN_ERR_NO_SEQN; }
    *value = r.value();
    return WSN_OK;
  }
  int save(uint64_t value) override {
    EEPROM.put(address_, WsnStoredRecord::of(value));
    return EEPROM.commit() ? WSN_OK : WSN_ERR_STORE;
  }
 private:
  int address_;
};

#endif  // WSN_STORES_H
