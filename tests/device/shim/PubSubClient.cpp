// The PubSubClient subset of PubSubClient.h: MQTT 3.1.1 CONNECT, SUBSCRIBE,
// PUBLISH at QoS 0, and incoming PUBLISH (QoS 1 ones acknowledged).
#include <PubSubClient.h>

namespace {
const size_t HEADER_ROOM = 5;  // a type byte and up to four of remaining length
const uint16_t DEFAULT_BUFFER = 256;
const uint16_t KEEP_ALIVE_S = 15;
}  // namespace

PubSubClient& PubSubClient::setServer(const char* domain, uint16_t port) {
  domain_ = domain;
  port_ = port;
  return *this;
}

PubSubClient& PubSubClient::setCallback(std::function<void(char*, uint8_t*, unsigned int)> cb) {
  callback = cb;
  return *this;
}

bool PubSubClient::setBufferSize(uint16_t size) {
  if (size == 0) { return false; }
  delete[] buffer_;
  buffer_ = new uint8_t[size];
  bufferSize_ = size;
  return true;
}

size_t PubSubClient::putString(size_t at, const char* text) {
  size_t length = strlen(text);
  if (at + 2 + length > bufferSize_) { return 0; }
  buffer_[at] = (uint8_t)(length >> 8);
  buffer_[at + 1] = (uint8_t)(length & 0xff);
  memcpy(buffer_ + at + 2, text, length);
  return at + 2 + length;
}

// The packet's body is at buffer_[HEADER_ROOM..HEADER_ROOM + length): the
// header goes right before it, and the whole is one write.
bool PubSubClient::sendPacket(uint8_t header, size_t length) {
  uint8_t lengthBytes[4];
  size_t count = 0;
  size_t rest = length;
  do {
    uint8_t digit = rest % 128;
    rest /= 128;
    lengthBytes[count++] = rest > 0 ? (uint8_t)(digit | 0x80) : digit;
  } while (rest > 0 && count < 4);
  size_t start = HEADER_ROOM - 1 - count;
  buffer_[start] = header;
  memcpy(buffer_ + start + 1, lengthBytes, count);
  size_t total = 1 + count + length;
  return client_->write(buffer_ + start, total) == total;
}

bool PubSubClient::readByte(uint8_t* byte, unsigned long timeoutMs) {
  client_->setTimeout(timeoutMs);
  return client_->read(byte, 1) == 1;
}

int PubSubClient::readPacket(uint8_t* type, size_t* length, unsigned long timeoutMs) {
  if (!readByte(type, timeoutMs)) { return 0; }
  size_t value = 0;
  size_t multiplier = 1;
  uint8_t digit;
  int count = 0;
  do {
    if (!readByte(&digit, 1000) || ++count > 4) { return -1; }
    value += (digit & 0x7f) * multiplier;
    multiplier *= 128;
  } while (digit & 0x80);
  // A packet larger than the buffer is read and dropped, as the library does.
  bool fits = value <= bufferSize_;
  for (size_t i = 0; i < value; i++) {
    uint8_t b;
    if (!readByte(&b, 1000)) { return -1; }
    if (fits) { buffer_[i] = b; }
  }
  *length = value;
  return fits ? 1 : 2;
}

bool PubSubClient::connect(const char* id, const char* user, const char* pass) {
  if (buffer_ == nullptr) { setBufferSize(DEFAULT_BUFFER); }
  if (domain_ == nullptr || !client_->connect(domain_, port_)) {
    state_ = MQTT_CONNECT_FAILED;
    return false;
  }
  size_t at = HEADER_ROOM;
  const uint8_t header[] = {0, 4, 'M', 'Q', 'T', 'T', 4, 0xC2, KEEP_ALIVE_S >> 8, KEEP_ALIVE_S & 0xff};
  memcpy(buffer_ + at, header, sizeof header);
  at += sizeof header;
  at = putString(at, id);
  if (at != 0) { at = putString(at, user); }
  if (at != 0) { at = putString(at, pass); }
  uint8_t type;
  size_t length;
  if (at == 0 || !sendPacket(0x10, at - HEADER_ROOM) || readPacket(&type, &length, 5000) != 1 || type != 0x20 || length != 2) {
    client_->stop();
    state_ = MQTT_CONNECTION_TIMEOUT;
    return false;
  }
  state_ = buffer_[1];  // the CONNACK's return code: 0, or why not
  if (state_ != MQTT_CONNECTED) { client_->stop(); }
  return state_ == MQTT_CONNECTED;
}

bool PubSubClient::subscribe(const char* topic, uint8_t qos) {
  if (!connected() || qos > 1) { return false; }
  uint16_t packetId = nextId_++;
  size_t at = HEADER_ROOM;
  buffer_[at++] = (uint8_t)(packetId >> 8);
  buffer_[at++] = (uint8_t)(packetId & 0xff);
  at = putString(at, topic);
  if (at == 0 || at + 1 > bufferSize_) { return false; }
  buffer_[at++] = qos;
  return sendPacket(0x82, at - HEADER_ROOM);
}

bool PubSubClient::publish(const char* topic, const char* payload) {
  if (!connected()) { return false; }
  size_t at = putString(HEADER_ROOM, topic);
  size_t length = strlen(payload);
  if (at == 0 || at + length > bufferSize_) { return false; }
  memcpy(buffer_ + at, payload, length);
  return sendPacket(0x30, at + length - HEADER_ROOM);
}

bool PubSubClient::loop() {
  if (!connected()) { return false; }
  for (;;) {
    uint8_t type;
    size_t length;
    int got = readPacket(&type, &length, 1);
    if (got == 0) { return true; }
    if (got < 0) {
      client_->stop();
      state_ = MQTT_CONNECTION_LOST;
      return false;
    }
    if (got != 1 || (type & 0xf0) != 0x30 || length < 2) { continue; }  // SUBACK, PINGRESP, a packet too long
    size_t topicLength = ((size_t)buffer_[0] << 8) | buffer_[1];
    size_t qos = (type >> 1) & 3;
    size_t payloadAt = 2 + topicLength + (qos > 0 ? 2 : 0);
    if (payloadAt > length || length + 1 > bufferSize_) { continue; }
    if (qos == 1) {
      const uint8_t puback[] = {0x40, 2, buffer_[2 + topicLength], buffer_[3 + topicLength]};
      client_->write(puback, sizeof puback);
    }
    // The library moves the topic one byte down to end it with a NUL.
    memmove(buffer_, buffer_ + 2, topicLength);
    buffer_[topicLength] = 0;
    if (callback) { callback((char*)buffer_, buffer_ + payloadAt, (unsigned int)(length - payloadAt)); }
  }
}

bool PubSubClient::connected() {
  if (state_ == MQTT_CONNECTED && !client_->connected()) { state_ = MQTT_CONNECTION_LOST; }
  return state_ == MQTT_CONNECTED;
}

void PubSubClient::disconnect() {
  if (connected()) { sendPacket(0xE0, 0); }
  client_->stop();
  state_ = MQTT_DISCONNECTED;
}
