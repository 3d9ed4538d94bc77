// The ESP8266 core's libraries/ESP8266HTTPClient: the HTTPClient class in
// shim_http_client.h, as the ESP8266 declares it.
#ifndef WSN_SHIM_ESP8266HTTPCLIENT_H
#define WSN_SHIM_ESP8266HTTPCLIENT_H

#if !defined(ARDUINO_ARCH_ESP8266)
#error "ESP8266HTTPClient.h is the ESP8266 core's; the ESP32 core's is HTTPClient.h"
#endif

#include "shim_http_client.h"

#endif  // WSN_SHIM_ESP8266HTTPCLIENT_H
