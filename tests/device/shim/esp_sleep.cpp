// The ESP32's RTC slow memory across deep sleep, and the sleep itself. The
// RTC_DATA_ATTR variables (esp_attr.h) are the bytes between the linker's
// __start_ and __stop_ symbols of their section; the file WSN_SHIM_RTC holds
// them while the board sleeps.
#include <Arduino.h>

#include "shim_board.h"

// Weak: a sketch with no RTC_DATA_ATTR variable has no such section, and
// then no symbols; both read as null and the memory is empty.
extern "C" {
extern uint8_t __start_wsn_shim_rtc_data[] __attribute__((weak));
extern uint8_t __stop_wsn_shim_rtc_data[] __attribute__((weak));
}

namespace {

size_t rtcSize() { return (size_t)(__stop_wsn_shim_rtc_data - __start_wsn_shim_rtc_data); }

// The bootloader's part, before any constructor of the sketch's (priority
// 101 is the first a program may take): on a wake from deep sleep the
// variables hold what the last wake left in them; with no file the board
// was powered on or reset, and the bootloader loaded their initial values
// from the image, which is what the section holds already.
__attribute__((constructor(101))) void wakeRtcMemory() {
  const char* path = shimMemoryFile("WSN_SHIM_RTC");
  FILE* f = fopen(path, "rb");
  if (f == nullptr) { return; }
  size_t size = rtcSize();
  size_t got = size == 0 ? 0 : fread(__start_wsn_shim_rtc_data, 1, size, f);
  bool longer = fgetc(f) != EOF;
  fclose(f);
  // Another build's variables would be read at this build's offsets: a test
  // that mixed them up must fail, not pass on whatever the bytes mean.
  if (got != size || longer) { shimFail("WSN_SHIM_RTC does not hold this build's RTC_DATA_ATTR variables"); }
}

}  // namespace

void esp_deep_sleep(uint64_t time_in_us) {
  (void)time_in_us;
  FILE* f = fopen(shimMemoryFile("WSN_SHIM_RTC"), "wb");
  if (f == nullptr) { shimFail("cannot write WSN_SHIM_RTC"); }
  size_t size = rtcSize();
  bool ok = size == 0 || fwrite(__start_wsn_shim_rtc_data, 1, size, f) == size;
  if (fclose(f) != 0 || !ok) { shimFail("cannot write WSN_SHIM_RTC"); }
  shimDeepSleep();
}
