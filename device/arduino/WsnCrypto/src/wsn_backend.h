// The crypto the protocol code needs, as one small interface with one
// implementation per platform library: BearSSL (the ESP8266 core ships it)
// in wsn_backend_bearssl.cpp, mbedTLS (the ESP32 core ships it) in
// wsn_backend_mbedtls.cpp. Nothing else in the library calls either.
#ifndef WSN_BACKEND_H
#define WSN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#if !defined(WSN_BACKEND_BEARSSL) && !defined(WSN_BACKEND_MBEDTLS)
#if defined(ARDUINO_ARCH_ESP8266)
#define WSN_BACKEND_BEARSSL 1
#elif defined(ARDUINO_ARCH_ESP32) || defined(ESP32)
#define WSN_BACKEND_MBEDTLS 1
#else
#error "WsnCrypto: define WSN_BACKEND_BEARSSL or WSN_BACKEND_MBEDTLS for this platform"
#endif
#endif

#if defined(WSN_BACKEND_BEARSSL)
#include <bearssl/bearssl.h>
// BearSSL's HMAC: the key context holds the inner and outer pad states.
struct WsnHmac {
  br_hmac_key_context key;
  br_hmac_context ctx;
};
#else
#include <mbedtls/sha256.h>
// mbedTLS's HMAC (mbedtls_md_*) allocates its context on the heap; this one
// is HMAC (RFC 2104) over mbedTLS's SHA-256, on the caller's stack.
struct WsnHmac {
  mbedtls_sha256_context sha;
  uint8_t outerPad[64];
};
#endif

/// Starts HMAC-SHA256 under `key` (at most 64 bytes). 0 on success.
int wsnHmacBegin(WsnHmac* hmac, const uint8_t* key, size_t keyLength);
/// Adds `length` bytes.
void wsnHmacUpdate(WsnHmac* hmac, const void* data, size_t length);
/// The 32-byte MAC; wipes the context. 0 on success.
int wsnHmacEnd(WsnHmac* hmac, uint8_t out[32]);

/// AES-128-CBC over `length` bytes (a multiple of 16) of `data`, in place,
/// under `key` from `iv` (which is not changed). 0 on success.
int wsnAes128Cbc(bool encrypt, const uint8_t key[16], const uint8_t iv[16], uint8_t* data, size_t length);

/// The board's random source: 0 on success.
int wsnPlatformRandom(uint8_t* out, size_t length);

/// Overwrites `length` bytes with zeros in a way the compiler keeps.
void wsnWipe(void* data, size_t length);

#endif  // WSN_BACKEND_H
