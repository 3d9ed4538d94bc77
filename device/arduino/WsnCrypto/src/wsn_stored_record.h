// The 16-byte record that the counter stores of WsnStores.h save: a magic
// number, the value, and a check that tells a saved record from the noise RTC
// memory holds after power-on. A header of its own so that WsnStores.cpp,
// which defines the ESP32's RTC record, needs nothing else of WsnStores.h.
#ifndef WSN_STORED_RECORD_H
#define WSN_STORED_RECORD_H

#include <stdint.h>

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
    WsnStoredRecord r = {};
    r.magic = 0x57534E32u;  // "WSN2"
    r.low = (uint32_t)value;
    r.high = (uint32_t)(value >> 32);
    r.check = mix(r.magic, r.low, r.high);
    return r;
  }
  bool valid() const { return magic == 0x57534E32u && check == mix(magic, low, high); }
  uint64_t value() const { return ((uint64_t)high << 32) | low; }
};

#endif  // WSN_STORED_RECORD_H
