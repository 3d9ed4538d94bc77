// The ESP object's RTC user memory and deep sleep (cores/esp8266/Esp.h).
#ifndef WSN_SHIM_ESP_H
#define WSN_SHIM_ESP_H

#if !defined(ARDUINO_ARCH_ESP8266)
#error "this Esp.h is the ESP8266 core's (rtcUserMemory*, deepSleep)"
#endif

#include <stddef.h>
#include <stdint.h>

enum RFMode { RF_DEFAULT = 0, RF_CAL = 1, RF_NO_CAL = 2, RF_DISABLED = 4 };

class EspClass {
 public:
  /// `size` bytes from 4-byte block `offset` of the 512 bytes of RTC user
  /// memory; false, as on the chip, when they do not fit or size is 0.
  bool rtcUserMemoryRead(uint32_t offset, uint32_t* data, size_t size);
  bool rtcUserMemoryWrite(uint32_t offset, uint32_t* data, size_t size);
  /// Flushes Serial and ends the process with status 0: the board would
  /// sleep and reset, and the next process is its next wake. RTC user
  /// memory is written through at each rtcUserMemoryWrite, so nothing is
  /// left to save here.
  void deepSleep(uint64_t time_us, RFMode mode = RF_DEFAULT);
};
extern EspClass ESP;

#endif  // WSN_SHIM_ESP_H
