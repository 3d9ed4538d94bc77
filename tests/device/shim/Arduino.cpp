// The cores' basics on the host: time, the ADC, Serial, and the main() the
// core's startup code would be. The board's RTC memory and deep sleep are in
// Esp.cpp (ESP8266) and esp_sleep.cpp (ESP32).
#include <Arduino.h>

#include <errno.h>
#include <stdarg.h>
#include <time.h>

#include "shim_board.h"

namespace {

struct timespec started;

unsigned long msSince(const struct timespec& from) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (unsigned long)((now.tv_sec - from.tv_sec) * 1000L + (now.tv_nsec - from.tv_nsec) / 1000000L);
}

#if defined(ARDUINO_ARCH_ESP8266)
const long ADC_MAX = 1023;  // 10 bits
#else
const long ADC_MAX = 4095;  // 12 bits
#endif

}  // namespace

void shimFail(const char* what) {
  fflush(stdout);
  fprintf(stderr, "shim: %s\n", what);
  exit(2);
}

const char* shimMemoryFile(const char* variable) {
  const char* path = getenv(variable);
  if (path == nullptr || path[0] == '\0') {
    fprintf(stderr, "shim: %s is not set\n", variable);
    shimFail("the test names the file that stands for the board's memory");
  }
  return path;
}

void shimDeepSleep() {
  fflush(stdout);
  exit(0);
}

unsigned long millis() { return msSince(started); }

#if defined(ARDUINO_ARCH_ESP8266)
void delay(unsigned long ms) {
#else
void delay(uint32_t ms) {
#endif
  struct timespec wait = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {}
}

#if defined(ARDUINO_ARCH_ESP8266)
int analogRead(uint8_t pin) {
#else
uint16_t analogRead(uint8_t pin) {
#endif
  static long next = 0;  // without WSN_SHIM_READING: 0, 1, 2, ... within one wake
  if (pin != A0) { return 0; }
  const char* text = getenv("WSN_SHIM_READING");
  if (text == nullptr || text[0] == '\0') { return next++ % (ADC_MAX + 1); }
  char* end = nullptr;
  long value = strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > ADC_MAX) { shimFail("WSN_SHIM_READING is not a reading the board's ADC gives"); }
  return value;
}

HardwareSerial Serial;

size_t HardwareSerial::print(const char* text) { return fputs(text, stdout) < 0 ? 0 : strlen(text); }

size_t HardwareSerial::println(const char* text) { return print(text) + print("\r\n"); }

size_t HardwareSerial::printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  int n = vprintf(format, args);
  va_end(args);
  return n < 0 ? 0 : (size_t)n;
}

// How often loop() runs before the shim gives up on a sketch that never
// sleeps (a board would run it for ever).
static const int LOOPS = 3;

int main() {
  clock_gettime(CLOCK_MONOTONIC, &started);
  setvbuf(stdout, nullptr, _IOLBF, 0);  // lines as printed, even through a pipe
  setup();
  for (int i = 0; i < LOOPS; i++) { loop(); }
  fflush(stdout);
  fprintf(stderr, "shim: the sketch ran setup() and %d loop()s without going to deep sleep\n", LOOPS);
  return 3;
}
