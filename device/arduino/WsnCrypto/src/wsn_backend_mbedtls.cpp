// The crypto interface on mbedTLS (ESP32; its AES runs on the chip's AES
// unit). mbedTLS 2.28 (ESP32 Arduino core 2.x) names the SHA-256 calls
// *_ret, mbedTLS 3 (core 3.x) drops the suffix.
#include "wsn_backend.h"

#if defined(WSN_BACKEND_MBEDTLS)

#include <mbedtls/aes.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define WSN_SHA256_STARTS mbedtls_sha256_starts
#define WSN_SHA256_UPDATE mbedtls_sha256_update
#define WSN_SHA256_FINISH mbedtls_sha256_finish
#else
#define WSN_SHA256_STARTS mbedtls_sha256_starts_ret
#define WSN_SHA256_UPDATE mbedtls_sha256_update_ret
#define WSN_SHA256_FINISH mbedtls_sha256_finish_ret
#endif

static const size_t kBlock = 64;  // SHA-256's block: HMAC pads the key to it

int wsnHmacBegin(WsnHmac* hmac, const uint8_t* key, size_t keyLength) {
  if (keyLength > kBlock) { return -1; }  // the library's keys are 16 to 32 bytes
  uint8_t innerPad[kBlock];
  for (size_t i = 0; i < kBlock; i++) {
    uint8_t k = i < keyLength ? key[i] : 0;
    innerPad[i] = k ^ 0x36;
    hmac->outerPad[i] = k ^ 0x5c;
  }
  mbedtls_sha256_init(&hmac->sha);
  int rc = WSN_SHA256_STARTS(&hmac->sha, 0);
  if (rc == 0) { rc = WSN_SHA256_UPDATE(&hmac->sha, innerPad, kBlock); }
  wsnWipe(innerPad, sizeof innerPad);
  if (rc != 0) {
    mbedtls_sha256_free(&hmac->sha);
    wsnWipe(hmac, sizeof *hmac);  // the outer pad is the key in disguise
  }
  return rc;
}

void wsnHmacUpdate(WsnHmac* hmac, const void* data, size_t length) {
  // A failure here shows in wsnHmacEnd: the context is then unusable and
  // the finish call fails too.
  (void)WSN_SHA256_UPDATE(&hmac->sha, static_cast<const uint8_t*>(data), length);
}

int wsnHmacEnd(WsnHmac* hmac, uint8_t out[32]) {
  uint8_t inner[32];
  int rc = WSN_SHA256_FINISH(&hmac->sha, inner);
  mbedtls_sha256_free(&hmac->sha);
  if (rc == 0) {
    mbedtls_sha256_init(&hmac->sha);
    rc = WSN_SHA256_STARTS(&hmac->sha, 0);
    if (rc == 0) { rc = WSN_SHA256_UPDATE(&hmac->sha, hmac->outerPad, kBlock); }
    if (rc == 0) { rc = WSN_SHA256_UPDATE(&hmac->sha, inner, sizeof inner); }
    if (rc == 0) { rc = WSN_SHA256_FINISH(&hmac->sha, out); }
    mbedtls_sha256_free(&hmac->sha);
  }
  wsnWipe(inner, sizeof inner);
  wsnWipe(hmac, sizeof *hmac);
  return rc;
}

int wsnAes128Cbc(bool encrypt, const uint8_t key[16], const uint8_t iv[16], uint8_t* data, size_t length) {
  uint8_t chain[16];  // mbedTLS advances the IV it is given
  for (int i = 0; i < 16; i++) { chain[i] = iv[i]; }
  mbedtls_aes_context aes;
  mbedtls_aes_init(&aes);
  int rc = encrypt ? mbedtls_aes_setkey_enc(&aes, key, 128) : mbedtls_aes_setkey_dec(&aes, key, 128);
  if (rc == 0) {
    rc = mbedtls_aes_crypt_cbc(&aes, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT, length, chain, data, data);
  }
  mbedtls_aes_free(&aes);
  return rc;
}

#endif  // WSN_BACKEND_MBEDTLS
