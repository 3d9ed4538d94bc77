// A TCP client (cores' WiFiClient), on POSIX sockets.
#ifndef WSN_SHIM_WIFICLIENT_H
#define WSN_SHIM_WIFICLIENT_H

#include <Arduino.h>

class WiFiClient {
 public:
  WiFiClient() {}
  ~WiFiClient() { stop(); }
  WiFiClient(const WiFiClient&) = delete;
  WiFiClient& operator=(const WiFiClient&) = delete;

  /// 1 once connected to `host` (a name or an address) on `port`, 0 otherwise.
  int connect(const char* host, uint16_t port);
  /// Bytes written: all of them, or 0 on failure.
  size_t write(const uint8_t* data, size_t size);
  /// Up to `size` bytes, waiting at most the timeout for the first; 0 at the
  /// end of the stream, -1 on error or when the timeout passed.
  int read(uint8_t* data, size_t size);
  uint8_t connected();
  void stop();
  /// For read(), in milliseconds (Stream::setTimeout; 1000 by default).
  void setTimeout(unsigned long ms) { timeout_ = ms; }

 private:
  int fd_ = -1;
  bool ended_ = false;
  unsigned long timeout_ = 1000;
};

#endif  // WSN_SHIM_WIFICLIENT_H
