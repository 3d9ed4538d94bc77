// Wakes, publishes one reading to the wsn-crypto backend over MQTT in the
// authenticated format, sleeps: the ESP32DeepSleep example with an MQTT
// broker between the board and Node-RED (flows/wsn-mqtt-sqlite.json).
// The broker only carries sealed bytes. Needs the PubSubClient library
// (Library Manager: "PubSubClient" by Nick O'Leary; PlatformIO:
// knolleary/PubSubClient), which speaks MQTT 3.1.1: requests go to
// wsn/<id>/up at QoS 0, answers come on wsn/<id>/down.
#include <PubSubClient.h>
#include <WiFi.h>
#include <esp_sleep.h>
#include <WsnCrypto.h>
#include <WsnStores.h>

#include "secrets.h"  // WIFI_SSID, WIFI_PASSWORD, WSN_MQTT_HOST, WSN_MQTT_PORT, WSN_MQTT_PASSWORD, WSN_ID, WSN_KEY

const uint64_t SLEEP_US = 300ULL * 1000000ULL;  // five minutes
const uint32_t ANSWER_WAIT_MS = 5000;
const char* UP_TOPIC = "wsn/" WSN_ID "/up";
const char* DOWN_TOPIC = "wsn/" WSN_ID "/down";

WsnRtcStore rtc;  // RTC slow memory
WsnEepromStore eeprom(0);
WsnCounter counter(&rtc, &eeprom, 32);
WsnDevice wsn;
WiFiClient net;
PubSubClient mqtt(net);
char body[WSN_DATA_BODY_SIZE(40)];
char answer[WSN_REPLY_SIZE];
size_t answerLength = 0;  // set by onAnswer, inside mqtt.loop()

// Keeps the answer; one that does not fit `answer` is no answer of the backend's.
void onAnswer(char* topic, uint8_t* payload, unsigned int length) {
  if (strcmp(topic, DOWN_TOPIC) != 0 || length >= sizeof answer) { return; }
  memcpy(answer, payload, length);
  answer[length] = '\0';
  answerLength = length;
}

// Publishes `body` and opens the answer. One retry of the same body when no
// valid answer came back: a copy that was stored is then refused as a
// replay, so nothing is stored twice. A late answer to the first copy
// opens as the answer to the second: they are the same request.
int exchange(WsnReply* reply) {
  int rc = WSN_ERR_NOT_AUTHENTIC;
  for (int attempt = 0; attempt < 2 && rc < 0; attempt++) {
    answerLength = 0;
    if (!mqtt.publish(UP_TOPIC, body)) {
      Serial.printf("%s: not published (state %d)\n", UP_TOPIC, mqtt.state());
      continue;
    }
    for (uint32_t start = millis(); answerLength == 0 && millis() - start < ANSWER_WAIT_MS && mqtt.loop(); delay(10)) {}
    if (answerLength == 0) {
      Serial.printf("%s: no answer\n", UP_TOPIC);  // an unknown device gets none
      continue;
    }
    rc = wsn.reply(answer, answerLength, reply);  // decodes `answer` in place
    Serial.printf("%s: %s\n", UP_TOPIC, wsnStatusName(rc));
    // No sealed answer: the backend's plain {"error":...} says why.
    if (rc == WSN_ERR_NOT_SEALED) { Serial.printf("answer: %s\n", answer); }
  }
  return rc;
}

// Seals `reading` under the counter's next SEQN, publishes it, and says
// what became of it.
int sendReading(const char* reading, WsnReply* reply) {
  uint64_t seqn = 0;
  int rc = wsn.data(reading, body, sizeof body, nullptr, &seqn);
  if (rc == WSN_OK) { rc = exchange(reply); }
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
  mqtt.disconnect();
  WiFi.disconnect(true);  // and the radio off
  esp_deep_sleep(SLEEP_US);
}

void setup() {
  Serial.begin(115200);
  EEPROM.begin(16);
  WiFi.persistent(false);
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  for (uint32_t start = millis(); WiFi.status() != WL_CONNECTED; delay(100)) {
    if (millis() - start > 15000) { goToSleep(); }
  }
  mqtt.setServer(WSN_MQTT_HOST, WSN_MQTT_PORT);
  mqtt.setCallback(onAnswer);
  // A whole request or answer in one packet (PubSubClient's default is 256 bytes).
  mqtt.setBufferSize(sizeof answer + 64);
  // The user name is the device id: the broker's ACL gives it its own topics only.
  if (!mqtt.connect("wsn-" WSN_ID, WSN_ID, WSN_MQTT_PASSWORD) || !mqtt.subscribe(DOWN_TOPIC, 1)) {
    Serial.printf("broker: not connected (state %d)\n", mqtt.state());
    goToSleep();
  }
  WsnReply reply;
  if (wsn.begin(WSN_KEY, WSN_ID, &counter) != WSN_OK) { Serial.println("bad WSN_KEY or WSN_ID"); goToSleep(); }
  if (!wsn.synced()) {  // first boot, or both stores lost: ask the backend
    if (wsn.query(body, sizeof body, nullptr) != WSN_OK || exchange(&reply) != WSN_OK) { goToSleep(); }
    Serial.printf("backend holds SEQN %llu\n", (unsigned long long)reply.seqn);
  }
  char reading[40];
  snprintf(reading, sizeof reading, "{\"value\":%d}", analogRead(A0));
  // "stale": the backend holds a higher SEQN than the one sent; the sealed
  // refusal moved the counter above it, so the reading goes once more.
  if (sendReading(reading, &reply) == WSN_REFUSED && strcmp(reply.error, "stale") == 0) { sendReading(reading, &reply); }
  goToSleep();
}

void loop() {}
