// The station half of the ESP32 core's WiFi (libraries/WiFi: WiFiType.h,
// WiFiGeneric.h, WiFiSTA.h) with ESP-IDF's wifi_mode_t: on the host the
// network is always there, so begin() connects at once.
#ifndef WSN_SHIM_WIFI_H
#define WSN_SHIM_WIFI_H

#if !defined(ESP32)
#error "this WiFi.h is the ESP32 core's; the ESP8266 core's is ESP8266WiFi.h"
#endif

#include <Arduino.h>
#include <WiFiClient.h>

// ESP-IDF's esp_wifi_types.h.
typedef enum { WIFI_MODE_NULL = 0, WIFI_MODE_STA, WIFI_MODE_AP, WIFI_MODE_APSTA, WIFI_MODE_MAX } wifi_mode_t;

// WiFiType.h: the core's names are macros over IDF's.
#define WiFiMode_t wifi_mode_t
#define WIFI_OFF WIFI_MODE_NULL
#define WIFI_STA WIFI_MODE_STA
#define WIFI_AP WIFI_MODE_AP
#define WIFI_AP_STA WIFI_MODE_APSTA

typedef enum {
  WL_NO_SHIELD = 255,
  WL_IDLE_STATUS = 0,
  WL_NO_SSID_AVAIL = 1,
  WL_SCAN_COMPLETED = 2,
  WL_CONNECTED = 3,
  WL_CONNECT_FAILED = 4,
  WL_CONNECTION_LOST = 5,
  WL_DISCONNECTED = 6
} wl_status_t;

class WiFiClass {
 public:
  static bool mode(wifi_mode_t mode);
  static wifi_mode_t getMode();
  /// Joins the network: WL_CONNECTED, or WL_CONNECT_FAILED without an SSID.
  /// As the core's, it turns station mode on if the sketch did not.
  wl_status_t begin(const char* ssid, const char* passphrase = nullptr, int32_t channel = 0, const uint8_t* bssid = nullptr,
                    bool connect = true);
  static wl_status_t status();
  /// WiFiGeneric: whether the station's settings go to NVS.
  static void persistent(bool persistent);
  /// WiFiSTA: leaves the network; `wifioff` also turns the radio off,
  /// `eraseap` clears the settings kept in NVS.
  static bool disconnect(bool wifioff = false, bool eraseap = false);
};
extern WiFiClass WiFi;

#endif  // WSN_SHIM_WIFI_H
