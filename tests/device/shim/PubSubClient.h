// PubSubClient (knolleary/pubsubclient 2.8, the Arduino MQTT 3.1.1 client)
// as the sketches use it, on the shim's WiFiClient: a real MQTT client that
// talks to a real broker, with the library's signatures and limits (publish
// at QoS 0 only, subscribe at QoS 0 or 1, one buffer for a whole packet).
#ifndef WSN_SHIM_PUBSUBCLIENT_H
#define WSN_SHIM_PUBSUBCLIENT_H

#include <Arduino.h>
#include <WiFiClient.h>

#include <functional>

#define MQTT_CALLBACK_SIGNATURE std::function<void(char*, uint8_t*, unsigned int)> callback

// state(), as the library numbers it.
#define MQTT_CONNECTION_TIMEOUT -4
#define MQTT_CONNECTION_LOST -3
#define MQTT_CONNECT_FAILED -2
#define MQTT_DISCONNECTED -1
#define MQTT_CONNECTED 0
#define MQTT_CONNECT_BAD_CREDENTIALS 4
#define MQTT_CONNECT_UNAUTHORIZED 5

class PubSubClient {
 public:
  explicit PubSubClient(WiFiClient& client) : client_(&client) {}
  ~PubSubClient() { delete[] buffer_; }
  PubSubClient(const PubSubClient&) = delete;
  PubSubClient& operator=(const PubSubClient&) = delete;

  PubSubClient& setServer(const char* domain, uint16_t port);
  PubSubClient& setCallback(MQTT_CALLBACK_SIGNATURE);
  /// The largest packet sent or taken, header included (256 by default).
  bool setBufferSize(uint16_t size);
  bool connect(const char* id, const char* user, const char* pass);
  bool subscribe(const char* topic, uint8_t qos);
  /// At QoS 0; false if the packet does not fit the buffer or was not sent.
  bool publish(const char* topic, const char* payload);
  /// Handles what has arrived (calls the callback); false once disconnected.
  bool loop();
  bool connected();
  void disconnect();
  int state() const { return state_; }

 private:
  bool sendPacket(uint8_t header, size_t length);
  bool readByte(uint8_t* byte, unsigned long timeoutMs);
  /// One whole packet into the buffer: its type byte and its length. 0: none came.
  int readPacket(uint8_t* type, size_t* length, unsigned long timeoutMs);
  size_t putString(size_t at, const char* text);

  WiFiClient* client_;
  const char* domain_ = nullptr;
  uint16_t port_ = 1883;
  MQTT_CALLBACK_SIGNATURE;
  uint8_t* buffer_ = nullptr;
  uint16_t bufferSize_ = 0;
  uint16_t nextId_ = 1;
  int state_ = MQTT_DISCONNECTED;
};

#endif  // WSN_SHIM_PUBSUBCLIENT_H
