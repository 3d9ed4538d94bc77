// The ESP32 core's WiFi: always reachable on the host.
#include <WiFi.h>

WiFiClass WiFi;

namespace {
wifi_mode_t currentMode = WIFI_MODE_NULL;
wl_status_t currentStatus = WL_DISCONNECTED;
bool persistentSettings = true;
}  // namespace

bool WiFiClass::mode(wifi_mode_t mode) {
  if (mode >= WIFI_MODE_MAX) { return false; }
  currentMode = mode;
  if (mode == WIFI_MODE_NULL || mode == WIFI_MODE_AP) { currentStatus = WL_DISCONNECTED; }
  return true;
}

wifi_mode_t WiFiClass::getMode() { return currentMode; }

wl_status_t WiFiClass::begin(const char* ssid, const char* passphrase, int32_t channel, const uint8_t* bssid, bool connect) {
  (void)passphrase;
  (void)channel;
  (void)bssid;
  if (currentMode == WIFI_MODE_NULL) { currentMode = WIFI_MODE_STA; }
  if (currentMode == WIFI_MODE_AP) { currentMode = WIFI_MODE_APSTA; }
  if (ssid == nullptr || ssid[0] == '\0') { return WL_CONNECT_FAILED; }
  if (connect) { currentStatus = WL_CONNECTED; }
  return currentStatus;
}

wl_status_t WiFiClass::status() { return currentStatus; }

void WiFiClass::persistent(bool persistent) { persistentSettings = persistent; }

bool WiFiClass::disconnect(bool wifioff, bool eraseap) {
  (void)eraseap;
  bool was = currentStatus == WL_CONNECTED;
  currentStatus = WL_DISCONNECTED;
  if (wifioff) { currentMode = WIFI_MODE_NULL; }
  return was;
}
