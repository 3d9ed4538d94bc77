// The crypto interface on BearSSL (ESP8266): br_hmac over br_sha256, and
// the constant-time AES (br_aes_ct_*), which has no table lookups that a
// cache could leak; the ESP8266 has no AES hardware either way.
#include "wsn_backend.h"

#if defined(WSN_BACKEND_BEARSSL)

int wsnHmacBegin(WsnHmac* hmac, const uint8_t* key, size_t keyLength) {
  br_hmac_key_init(&hmac->key, &br_sha256_vtable, key, keyLength);
  br_hmac_init(&hmac->ctx, &hmac->key, 0);
  return 0;
}

void wsnHmacUpdate(WsnHmac* hmac, const void* data, size_t length) { br_hmac_update(&hmac->ctx, data, length); }

int wsnHmacEnd(WsnHmac* hmac, uint8_t out[32]) {
  size_t written = br_hmac_out(&hmac->ctx, out);
  wsnWipe(hmac, sizeof *hmac);
  return written == 32 ? 0 : -1;
}

int wsnAes128Cbc(bool encrypt, const uint8_t key[16], const uint8_t iv[16], uint8_t* data, size_t length) {
  uint8_t chain[16];  // BearSSL advances the IV it is given
  for (int i = 0; i < 16; i++) { chain[i] = iv[i]; }
  if (encrypt) {
    br_aes_ct_cbcenc_keys keys;
    br_aes_ct_cbcenc_init(&keys, key, 16);
    br_aes_ct_cbcenc_run(&keys, chain, data, length);
    wsnWipe(&keys, sizeof keys);
  } else {
    br_aes_ct_cbcdec_keys keys;
    br_aes_ct_cbcdec_init(&keys, key, 16);
    br_aes_ct_cbcdec_run(&keys, chain, data, length);
    wsnWipe(&keys, sizeof keys);
  }
  return 0;
}

#endif  // WSN_BACKEND_BEARSSL
