// The ESP8266's RTC user memory, kept in WSN_SHIM_RTC, and its deep sleep.
#include <Arduino.h>

#include "shim_board.h"

namespace {

// RTC user memory: 128 blocks of 4 bytes.
const size_t RTC_USER_BYTES = 512;

void loadRtc(uint8_t image[RTC_USER_BYTES]) {
  FILE* f = fopen(shimMemoryFile("WSN_SHIM_RTC"), "rb");
  if (f == nullptr) {
    // Power-on: RTC memory holds whatever the cells settled to. A fixed
    // noise pattern (xorshift32) stands for it, so runs are repeatable.
    uint32_t x = 0x9E3779B9u;
    for (size_t i = 0; i < RTC_USER_BYTES; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      image[i] = (uint8_t)x;
    }
    return;
  }
  size_t got = fread(image, 1, RTC_USER_BYTES, f);
  fclose(f);
  if (got != RTC_USER_BYTES) { shimFail("WSN_SHIM_RTC is not a 512-byte RTC image"); }
}

bool rtcFits(uint32_t offset, size_t size) { return size != 0 && (size_t)offset * 4 + size <= RTC_USER_BYTES; }

}  // namespace

EspClass ESP;

bool EspClass::rtcUserMemoryRead(uint32_t offset, uint32_t* data, size_t size) {
  if (!rtcFits(offset, size)) { return false; }
  uint8_t image[RTC_USER_BYTES];
  loadRtc(image);
  memcpy(data, image + offset * 4, size);
  return true;
}

bool EspClass::rtcUserMemoryWrite(uint32_t offset, uint32_t* data, size_t size) {
  if (!rtcFits(offset, size)) { return false; }
  uint8_t image[RTC_USER_BYTES];
  loadRtc(image);
  memcpy(image + offset * 4, data, size);
  FILE* f = fopen(shimMemoryFile("WSN_SHIM_RTC"), "wb");
  if (f == nullptr) { shimFail("cannot write WSN_SHIM_RTC"); }
  bool ok = fwrite(image, 1, RTC_USER_BYTES, f) == RTC_USER_BYTES;
  if (fclose(f) != 0 || !ok) { shimFail("cannot write WSN_SHIM_RTC"); }
  return true;
}

void EspClass::deepSleep(uint64_t time_us, RFMode mode) {
  (void)time_us;
  (void)mode;
  shimDeepSleep();
}
