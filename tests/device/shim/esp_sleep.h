// ESP-IDF's esp_sleep.h, the one call the ESP32 sketch makes.
#ifndef WSN_SHIM_ESP_SLEEP_H
#define WSN_SHIM_ESP_SLEEP_H

#if !defined(ESP32)
#error "esp_sleep.h is ESP-IDF's, for the ESP32 build"
#endif

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Sleeps `time_in_us` and wakes by reset; does not return. Here: writes
/// the RTC_DATA_ATTR variables to WSN_SHIM_RTC, flushes Serial and ends the
/// process with status 0, and the next process is the next wake.
void esp_deep_sleep(uint64_t time_in_us) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif  // WSN_SHIM_ESP_SLEEP_H
