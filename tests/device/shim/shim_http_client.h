// The members of the cores' HTTPClient the sketches use (the ESP8266's
// libraries/ESP8266HTTPClient, the ESP32's libraries/HTTPClient: one class,
// ported), over WiFiClient: http:// only, one request per connection
// (Connection: close; the cores may keep it alive, which a sketch that
// makes a new WiFiClient per request does not see), answers with
// Content-Length, chunked or read to close. The sketch includes the board's
// header, ESP8266HTTPClient.h or HTTPClient.h; where the two differ (POST's
// payload type, the User-Agent, the name of error -1), the board decides.
#ifndef WSN_SHIM_HTTP_CLIENT_H
#define WSN_SHIM_HTTP_CLIENT_H

#include <Arduino.h>
#include <WiFiClient.h>

#include <string>

#define HTTPCLIENT_DEFAULT_TCP_TIMEOUT (5000)

// The cores' error codes; POST answers the HTTP status or one of these.
#if defined(ARDUINO_ARCH_ESP8266)
#define HTTPC_ERROR_CONNECTION_FAILED (-1)
#else
#define HTTPC_ERROR_CONNECTION_REFUSED (-1)
#endif
#define HTTPC_ERROR_SEND_HEADER_FAILED (-2)
#define HTTPC_ERROR_SEND_PAYLOAD_FAILED (-3)
#define HTTPC_ERROR_NOT_CONNECTED (-4)
#define HTTPC_ERROR_CONNECTION_LOST (-5)
#define HTTPC_ERROR_NO_STREAM (-6)
#define HTTPC_ERROR_NO_HTTP_SERVER (-7)
#define HTTPC_ERROR_TOO_LESS_RAM (-8)
#define HTTPC_ERROR_ENCODING (-9)
#define HTTPC_ERROR_STREAM_WRITE (-10)
#define HTTPC_ERROR_READ_TIMEOUT (-11)

class HTTPClient {
 public:
  /// False for a URL that is not http://host[:port][/path].
#if defined(ARDUINO_ARCH_ESP8266)
  bool begin(WiFiClient& client, const String& url);
#else
  bool begin(WiFiClient& client, String url);
#endif
  void end();
  void addHeader(const String& name, const String& value, bool first = false, bool replace = true);
  /// The HTTP status, or a negative HTTPC_ERROR_*. The ESP32 core's takes
  /// a pointer to non-const bytes (1.0.x and 3.x alike), the ESP8266
  /// core's to const: a sketch that passes const bytes builds for one only.
#if defined(ARDUINO_ARCH_ESP8266)
  int POST(const uint8_t* payload, size_t size);
#else
  int POST(uint8_t* payload, size_t size);
#endif
  /// The answer's body ("" when there is none or it could not be read).
  String getString();
  /// The answer's Content-Length, -1 when it has none (as the cores' getSize).
  int getSize() const { return static_cast<int>(size_); }
  void setTimeout(uint16_t timeout) { timeout_ = timeout; }

 private:
  int send(const uint8_t* payload, size_t size);
  int fail(int error);
  bool readLine(std::string* line);
  bool readExactly(size_t n, std::string* out);

  WiFiClient* client_ = nullptr;
  std::string host_;
  uint16_t port_ = 80;
  std::string uri_;
  std::string headers_;  // added by addHeader, each ending in CRLF
  uint16_t timeout_ = HTTPCLIENT_DEFAULT_TCP_TIMEOUT;
  std::string buffered_;  // read from the socket, not yet taken
  bool headersRead_ = false;
  bool chunked_ = false;
  long size_ = -1;  // Content-Length, -1 when not given
};

#endif  // WSN_SHIM_HTTP_CLIENT_H
