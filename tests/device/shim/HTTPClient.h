// The ESP32 core's libraries/HTTPClient: the HTTPClient class in
// shim_http_client.h, as the ESP32 declares it.
#ifndef WSN_SHIM_HTTPCLIENT_H
#define WSN_SHIM_HTTPCLIENT_H

#if !defined(ESP32)
#error "this HTTPClient.h is the ESP32 core's; the ESP8266 core's is ESP8266HTTPClient.h"
#endif

#include "shim_http_client.h"

#endif  // WSN_SHIM_HTTPCLIENT_H
