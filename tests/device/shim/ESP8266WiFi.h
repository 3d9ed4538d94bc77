// The station half of the core's ESP8266WiFi: on the host the network is
// always there, so begin() connects at once.
#ifndef WSN_SHIM_ESP8266WIFI_H
#define WSN_SHIM_ESP8266WIFI_H

#if !defined(ARDUINO_ARCH_ESP8266)
#error "ESP8266WiFi.h is the ESP8266 core's; the ESP32 core's is WiFi.h"
#endif

#include <Arduino.h>
#include <WiFiClient.h>

typedef enum { WIFI_OFF = 0, WIFI_STA = 1, WIFI_AP = 2, WIFI_AP_STA = 3 } WiFiMode_t;

typedef enum {
  WL_NO_SHIELD = 255,
  WL_IDLE_STATUS = 0,
  WL_NO_SSID_AVAIL = 1,
  WL_SCAN_COMPLETED = 2,
  WL_CONNECTED = 3,
  WL_CONNECT_FAILED = 4,
  WL_CONNECTION_LOST = 5,
  WL_WRONG_PASSWORD = 6,
  WL_DISCONNECTED = 7
} wl_status_t;

class ESP8266WiFiClass {
 public:
  bool mode(WiFiMode_t mode);
  /// Joins the network: WL_CONNECTED, or WL_CONNECT_FAILED outside station mode.
  wl_status_t begin(const char* ssid, const char* passphrase = nullptr);
  wl_status_t status() { return status_; }
  /// ESP8266WiFiGeneric: whether begin() and disconnect() write the station's settings to flash.
  void persistent(bool persistent) { persistent_ = persistent; }
  /// ESP8266WiFiSTA: leaves the network; `wifioff` also turns the station off.
  bool disconnect(bool wifioff = false);

 private:
  WiFiMode_t mode_ = WIFI_OFF;
  wl_status_t status_ = WL_DISCONNECTED;
  bool persistent_ = true;
};
extern ESP8266WiFiClass WiFi;

#endif  // WSN_SHIM_ESP8266WIFI_H
