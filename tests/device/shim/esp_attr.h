// RTC_DATA_ATTR, as ESP-IDF's esp_attr.h (components/esp_common) declares
// it for the ESP32 Arduino core: a variable so marked lives in RTC slow
// memory, which deep sleep keeps powered.
//
// On the chip the marked variables go to the .rtc.data section, which the
// second-stage bootloader loads from the app image (their initial values) at
// every reset but a wake from deep sleep, when it leaves RTC memory as the
// sketch left it. Here they go to a section the linker brackets with
// __start_/__stop_ symbols (a name without dots, so that it does), and
// esp_sleep.cpp does the bootloader's part with the file WSN_SHIM_RTC.
// `used`: the section is the board's memory whether or not this build reads
// a variable in it. GCC's AddressSanitizer leaves variables in a named
// section without redzones, so the section holds the variables alone.
#ifndef WSN_SHIM_ESP_ATTR_H
#define WSN_SHIM_ESP_ATTR_H

#if !defined(ESP32)
#error "esp_attr.h is ESP-IDF's, for the ESP32 build"
#endif

#define RTC_DATA_ATTR __attribute__((section("wsn_shim_rtc_data"), used))

#endif  // WSN_SHIM_ESP_ATTR_H
