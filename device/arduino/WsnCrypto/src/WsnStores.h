// Counter stores for ESP8266 and ESP32 sketches: RTC memory (survives deep
// sleep, lost on power loss) and EEPROM (the cores' flash emulation: survives
// power loss, wears, so WsnCounter writes it only every `step` messages).
// Arduino-only: include it from the sketch (from any number of its files),
// after the board's headers. The protocol code (WsnCrypto.h) never includes
// it. All of it is in headers (this one, wsn_stored_record.h) but the
// ESP32's RTC record, which is defined once, in WsnStores.cpp.
#ifndef WSN_STORES_H
#define WSN_STORES_H

#include <Arduino.h>
#include <EEPROM.h>
#include <string.h>

#include "WsnCrypto.h"
#include "wsn_stored_record.h"

#if defined(ARDUINO_ARCH_ESP8266)
/// RTC user memory at `block` (4-byte blocks; 4 are used, so 32..124). Blocks
/// 0..31 hold the boot loader's command during an OTA update, which would
/// wipe a record there.
class WsnRtcStore : public WsnCounterStore {
 public:
  explicit WsnRtcStore(uint32_t block = 32) : block_(block) {}
  int load(uint64_t* value) override {
    WsnStoredRecord r = {};
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
#elif defined(ARDUINO_ARCH_ESP32) || defined(ESP32)
// The ESP32 keeps RTC slow memory across deep sleep for variables marked
// RTC_DATA_ATTR. The record is defined once, in WsnStores.cpp. Here, a
// `static` one would be one record per file that includes this header; a
// C++17 `inline` variable (which the ESP32 core 2.x, gnu++11, lacks) or a
// function's static would be COMDAT data, which GCC refuses to put in one
// section with a sketch's own RTC_DATA_ATTR variable wherever RTC_DATA_ATTR
// names a single section ("section type conflict").
extern WsnStoredRecord wsnRtcRecord;
/// The record in RTC slow memory (one per program: every WsnRtcStore shares it).
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
    WsnStoredRecord r = {};
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
