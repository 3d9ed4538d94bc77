// The core's basics on the host: time, the ADC, Serial, RTC memory, deep
// sleep, and the main() the core's startup code would be.
#include <Arduino.h>

#include <errno.h>
#include <stdarg.h>
#include <time.h>

namespace {

struct timespec started;

unsigned long msSince(const struct timespec& from) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (unsigned long)((now.tv_sec - from.tv_sec) * 1000L + (now.tv_nsec - from.tv_nsec) / 1000000L);
}

[[noreturn]] void die(const char* what) {
  fflush(stdout);
  fprintf(stderr, "shim: %s\n", what);
  exit(2);
}

const char* fileOf(const char* variable) {
  const char* path = getenv(variable);
  if (path == nullptr || path[0] == '\0') {
    fprintf(stderr, "shim: %s is not set\n", variable);
    die("the test names the file that stands for the board's memory");
  }
  return path;
}

// RTC user memory: 128 blocks of 4 bytes, kept in WSN_SHIM_RTC.
const size_t RTC_USER_BYTES = 512;

void loadRtc(uint8_t image[RTC_USER_BYTES]) {
  FILE* f = fopen(fileOf("WSN_SHIM_RTC"), "rb");
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
  if (got != RTC_USER_BYTES) { die("WSN_SHIM_RTC is not a 512-byte RTC image"); }
}

bool rtcFits(uint32_t offset, size_t size) { return size != 0 && (size_t)offset * 4 + size <= RTC_USER_BYTES; }

}  // namespace

unsigned long millis() { return msSince(started); }

void delay(unsigned long ms) {
  struct timespec wait = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {}
}

int analogRead(uint8_t pin) {
  static int next = 0;  // without WSN_SHIM_READING: 0, 1, 2, ... within one wake
  if (pin != A0) { return 0; }
  const char* text = getenv("WSN_SHIM_READING");
  if (text == nullptr || text[0] == '\0') { return next++ % 1024; }
  char* end = nullptr;
  long value = strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > 1023) { die("WSN_SHIM_READING is not a reading of 0..1023"); }
  return (int)value;
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
  FILE* f = fopen(fileOf("WSN_SHIM_RTC"), "wb");
  if (f == nullptr) { die("cannot write WSN_SHIM_RTC"); }
  bool ok = fwrite(image, 1, RTC_USER_BYTES, f) == RTC_USER_BYTES;
  if (fclose(f) != 0 || !ok) { die("cannot write WSN_SHIM_RTC"); }
  return true;
}

void EspClass::deepSleep(uint64_t time_us, RFMode mode) {
  (void)time_us;
  (void)mode;
  fflush(stdout);
  exit(0);
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
  fprintf(stderr, "shim: the sketch ran setup() and %d loop()s without ESP.deepSleep\n", LOOPS);
  return 3;
}
