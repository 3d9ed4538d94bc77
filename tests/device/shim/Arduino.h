// A host stand-in for the parts of the ESP8266 and ESP32 Arduino cores that
// the WsnCrypto example sketches and src/WsnStores.h call, so that a sketch
// itself runs on a PC against a real backend (tests/js/device-sketch.test.js).
// Each function behaves as the board's core has it, signatures included; the
// board is the one the build defines, as the Arduino builder does. What a
// board keeps in hardware lives in files the test names:
//   WSN_SHIM_RTC      RTC memory. ESP8266: the 512 bytes of RTC user memory
//                     (no file: power-on noise). ESP32: the RTC_DATA_ATTR
//                     variables (no file: a cold boot, their initial values).
//   WSN_SHIM_EEPROM   the EEPROM emulation's bytes (no file: erased, 0xFF)
//   WSN_SHIM_READING  what analogRead(A0) returns (unset: 0, 1, 2, ...)
// Deep sleep ends the process with status 0: the host's "reboot".
#ifndef WSN_SHIM_ARDUINO_H
#define WSN_SHIM_ARDUINO_H

// The Arduino builder passes these; the library's headers choose by them.
#if !defined(ARDUINO)
#error "build with -DARDUINO=10819 and the board's defines, as the Arduino builder does"
#elif defined(ARDUINO_ARCH_ESP8266) == defined(ESP32)
#error "build for one board: -DARDUINO_ARCH_ESP8266 -DESP8266, or -DARDUINO_ARCH_ESP32 -DESP32"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

// --- time and the ADC ---

/// Milliseconds since the program started (the cores count from boot).
unsigned long millis();

#if defined(ARDUINO_ARCH_ESP8266)
/// Waits `ms` milliseconds.
void delay(unsigned long ms);
/// The ESP8266's one analog input (TOUT), as the core numbers it.
static const uint8_t A0 = 17;
/// 0..1023 (10 bits) from A0; see WSN_SHIM_READING above. Other pins read 0.
int analogRead(uint8_t pin);
#else
void delay(uint32_t ms);
/// ADC1 channel 0 (GPIO36), as the ESP32 core's pins_arduino.h numbers A0.
static const uint8_t A0 = 36;
/// 0..4095 (the core's default 12 bits) from A0; other pins read 0.
uint16_t analogRead(uint8_t pin);
#endif

// --- String: the members the sketches use, on std::string ---

class String {
 public:
  String(const char* text = "") : text_(text == nullptr ? "" : text) {}
  String operator+(const char* more) const { return String((text_ + (more == nullptr ? "" : more)).c_str()); }
  /// Copies at most `size` - 1 characters from `index` on, and a NUL (the cores' getBytes).
  void toCharArray(char* buf, unsigned int size, unsigned int index = 0) const {
    if (buf == nullptr || size == 0) { return; }
    if (index >= text_.size()) { buf[0] = '\0'; return; }
    size_t n = text_.size() - index;
    if (n > size - 1) { n = size - 1; }
    memcpy(buf, text_.data() + index, n);
    buf[n] = '\0';
  }
  const char* c_str() const { return text_.c_str(); }
  unsigned int length() const { return (unsigned int)text_.size(); }

 private:
  std::string text_;
};

// --- Serial, written to stdout ---

class HardwareSerial {
 public:
  void begin(unsigned long baud) { (void)baud; }
  size_t print(const char* text);
  size_t print(const String& text) { return print(text.c_str()); }
  size_t println(const char* text = "");
  size_t println(const String& text) { return println(text.c_str()); }
  // The cores' Print::printf, with the same format check.
  size_t printf(const char* format, ...) __attribute__((format(printf, 2, 3)));
};
extern HardwareSerial Serial;

#if defined(ARDUINO_ARCH_ESP8266)
// The core's Arduino.h brings in the ESP object.
#include "Esp.h"
#else
// The core's Arduino.h brings these in through esp32-hal.h (esp_system.h
// has esp_attr.h): RTC_DATA_ATTR and esp_deep_sleep need no include of
// their own in a sketch, and WsnStores.h relies on that.
#include "esp_attr.h"
#include "esp_sleep.h"
#endif

// The sketch's entry points.
void setup();
void loop();

#endif  // WSN_SHIM_ARDUINO_H
