// A host stand-in for the parts of the ESP8266 Arduino core that the
// WsnCrypto example sketch and src/WsnStores.h call, so that the sketch
// itself runs on a PC against a real backend (tests/js/device-sketch.test.js).
// Each function behaves as the core's does, signatures included; what a
// board would keep in hardware lives in files the test names:
//   WSN_SHIM_RTC      RTC user memory (512 bytes; no file = power-on noise)
//   WSN_SHIM_EEPROM   the EEPROM emulation's flash sector (no file = erased, 0xFF)
//   WSN_SHIM_READING  what analogRead(A0) returns (0..1023; unset: 0, 1, 2, ...)
// ESP.deepSleep ends the process with status 0: the host's "reboot".
#ifndef WSN_SHIM_ARDUINO_H
#define WSN_SHIM_ARDUINO_H

// The Arduino builder passes these; the library's headers choose by them.
#if !defined(ARDUINO) || !defined(ARDUINO_ARCH_ESP8266)
#error "build with -DARDUINO=10819 -DARDUINO_ARCH_ESP8266 -DESP8266, as the Arduino builder does"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

// --- time and the ADC ---

/// Milliseconds since the program started (the core's counts from boot).
unsigned long millis();
/// Waits `ms` milliseconds.
void delay(unsigned long ms);

/// The ESP8266's one analog input (TOUT), as the core numbers it.
static const uint8_t A0 = 17;
/// 0..1023 from A0; see WSN_SHIM_READING above. Other pins read 0.
int analogRead(uint8_t pin);

// --- String: the members the sketch uses, on std::string ---

class String {
 public:
  String(const char* text = "") : text_(text == nullptr ? "" : text) {}
  String operator+(const char* more) const { return String((text_ + (more == nullptr ? "" : more)).c_str()); }
  /// Copies at most `size` - 1 characters from `index` on, and a NUL (the core's getBytes).
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
  // The core's Print::printf, with the same format check.
  size_t printf(const char* format, ...) __attribute__((format(printf, 2, 3)));
};
extern HardwareSerial Serial;

// The core's Arduino.h brings in the ESP object.
#include "Esp.h"

// The sketch's entry points.
void setup();
void loop();

#endif  // WSN_SHIM_ARDUINO_H
