// Wakes, posts one reading to the wsn-crypto backend in the authenticated
// format, sleeps. The counter survives deep sleep in RTC memory and power
// loss in EEPROM (written every 32 messages), so a wake needs one request.
// The ESP32's timer wakes it by itself; its core's mbedTLS does the crypto.
#include <HTTPClient.h>
#include <WiFi.h>
#include <esp_sleep.h>
#include <WsnCrypto.h>
#include <WsnStores.h>

#include "secrets.h"  // WIFI_SSID, WIFI_PASSWORD, WSN_URL, WSN_ID, WSN_KEY: see secrets.example.h

const uint64_t SLEEP_US = 300ULL * 1000000ULL;  // five minutes

WsnRtcStore rtc;  // RTC slow memory
WsnEepromStore eeprom(0);
WsnCounter counter(&rtc, &eeprom, 32);
WsnDevice wsn;
char body[WSN_DATA_BODY_SIZE(40)];
char answer[WSN_REPLY_SIZE];

// Posts `body` to WSN_URL + path and opens the answer. One retry of the
// same body when no valid answer came back: a copy that was stored is then
// refused as a replay, so nothing is stored twice.
int exchange(const char* path, WsnReply* reply) {
  int rc = WSN_ERR_NOT_AUTHENTIC;
  for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
    WiFiClient client;
    HTTPClient http;
    http.begin(client, String(WSN_URL) + path);
    http.addHeader("Content-Type", "application/json");
    int status = http.POST((uint8_t*)body, strlen(body));
    String text;
    // Any reply of the backend fits `answer`; a longer body is not read.
    if (status > 0 && http.getSize() < (int)sizeof answer) {
      text = http.getString();
      text.toCharArray(answer, sizeof answer);
      rc = wsn.reply(answer, strlen(answer), reply);  // decodes `answer` in place
    } else if (status > 0) {
      rc = WSN_ERR_NOT_SEALED;
      text = "(a longer body, not read)";
    }
    http.end();
    Serial.printf("%s: HTTP %d, %s\n", path, status, status > 0 ? wsnStatusName(rc) : "no answer");
    // No sealed answer: the backend's plain {"error":...} (or whatever
    // answered) says why, e.g. {"error":"unknown_device"} with HTTP 404.
    if (rc == WSN_ERR_NOT_SEALED) { Serial.printf("answer: %s\n", text.c_str()); }
  }
  return rc;
}

// Seals `reading` under the counter's next SEQN, posts it, and says what
// became of it.
int sendReading(const char* reading, WsnReply* reply) {
  uint64_t seqn = 0;
  int rc = wsn.data(reading, body, sizeof body, nullptr, &seqn);
  if (rc == WSN_OK) { rc = exchange("/data/" WSN_ID, reply); }
  if (rc == WSN_OK) {
    Serial.printf("SEQN %llu stored, lost %llu\n", (unsigned long long)seqn, (unsigned long long)reply->lost);
  } else if (rc == WSN_REFUSED) {  // sealed by the backend: the counter moved above its SEQN
    Serial.printf("SEQN %llu refused (%s), backend holds %llu\n", (unsigned long long)seqn, reply->error,
                  (unsigned long long)reply->seqn);
  } else {
    Serial.printf("SEQN %llu not acknowledged: %s\n", (unsigned long long)seqn, wsnStatusName(rc));
  }
  return rc;
}

void goToSleep() {
  Serial.println("sleeping");
  WiFi.disconnect(true);  // and the radio off
  esp_deep_sleep(SLEEP_US);
}

void setup() {
  Serial.begin(115200);
  EEPROM.begin(16);
  // Not persistent: the station's settings stay out of flash (NVS); the
  // sketch gives them at every wake anyway.
  WiFi.persistent(false);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  for (uint32_t start = millis(); WiFi.status() != WL_CONNECTED; delay(100)) {
    if (millis() - start > 15000) { goToSleep(); }
  }
  WsnReply reply;
  if (wsn.begin(WSN_KEY, WSN_ID, &counter) != WSN_OK) { Serial.println("bad WSN_KEY or WSN_ID"); goToSleep(); }
  if (!wsn.synced()) {  // first boot, or both stores lost: ask the backend
    if (wsn.query(body, sizeof body, nullptr) != WSN_OK || exchange("/wsn/" WSN_ID, &reply) != WSN_OK) { goToSleep(); }
    Serial.printf("backend holds SEQN %llu\n", (unsigned long long)reply.seqn);
  }
  char reading[40];
  snprintf(reading, sizeof reading, "{\"value\":%d}", analogRead(A0));
  // "stale": the backend holds a higher SEQN than the one sent (a counter
  // restored from an old backup) and did not store the reading. The sealed
  // refusal moved the counter above what the backend holds, so the reading
  // goes once more, as a new message.
  if (sendReading(reading, &reply) == WSN_REFUSED && strcmp(reply.error, "stale") == 0) { sendReading(reading, &reply); }
  goToSleep();
}

void loop() {}
