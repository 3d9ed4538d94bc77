// The ESP8266 core's WiFi: always reachable on the host.
#include <ESP8266WiFi.h>

ESP8266WiFiClass WiFi;

bool ESP8266WiFiClass::mode(WiFiMode_t mode) {
  mode_ = mode;
  if (mode == WIFI_OFF) { status_ = WL_DISCONNECTED; }
  return true;
}

wl_status_t ESP8266WiFiClass::begin(const char* ssid, const char* passphrase) {
  (void)passphrase;
  status_ = (mode_ == WIFI_STA || mode_ == WIFI_AP_STA) && ssid != nullptr && ssid[0] != '\0' ? WL_CONNECTED : WL_CONNECT_FAILED;
  return status_;
}

bool ESP8266WiFiClass::disconnect(bool wifioff) {
  bool was = status_ == WL_CONNECTED;
  status_ = WL_DISCONNECTED;
  if (wifioff) { mode_ = WIFI_OFF; }
  return was;
}
