// What differs by board but not by crypto library: the random source and a
// wipe the optimiser cannot drop.
#include "wsn_backend.h"

#if defined(__unix__)
// A host build (the library's tests, the sketch on the Arduino shim).
#include <stdio.h>
int wsnPlatformRandom(uint8_t* out, size_t length) {
  FILE* urandom = fopen("/dev/urandom", "rb");
  if (urandom == nullptr) { return -1; }
  size_t got = fread(out, 1, length, urandom);
  fclose(urandom);
  return got == length ? 0 : -1;
}
#elif defined(ARDUINO_ARCH_ESP8266)
// The SDK's hardware RNG (the same one the core's BearSSL seeds from).
extern "C" int os_get_random(unsigned char* buf, size_t len);
int wsnPlatformRandom(uint8_t* out, size_t length) { return os_get_random(out, length); }
#elif defined(ARDUINO_ARCH_ESP32) || defined(ESP32)
// ESP-IDF's hardware RNG; true random while the radio runs, which it does
// whenever the device has something to send.
extern "C" void esp_fill_random(void* buf, size_t len);
int wsnPlatformRandom(uint8_t* out, size_t length) {
  esp_fill_random(out, length);
  return 0;
}
#else
// No known source: sealing fails with WSN_ERR_RNG until the sketch calls
// wsnSetRandom.
int wsnPlatformRandom(uint8_t*, size_t) { return -1; }
#endif

void wsnWipe(void* data, size_t length) {
  volatile uint8_t* p = static_cast<volatile uint8_t*>(data);
  while (length-- > 0) { *p++ = 0; }
}
