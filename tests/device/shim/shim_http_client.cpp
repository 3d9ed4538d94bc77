// HTTPClient over WiFiClient, as the cores': POST sends the request and
// reads the status line and headers; getString reads the body.
#include "shim_http_client.h"

#include <strings.h>

// What the two cores send and name differently.
#if defined(ARDUINO_ARCH_ESP8266)
static const int CONNECT_FAILED = HTTPC_ERROR_CONNECTION_FAILED;
static const char USER_AGENT[] = "ESP8266HTTPClient";
#else
static const int CONNECT_FAILED = HTTPC_ERROR_CONNECTION_REFUSED;
static const char USER_AGENT[] = "ESP32HTTPClient";
#endif

#if defined(ARDUINO_ARCH_ESP8266)
bool HTTPClient::begin(WiFiClient& client, const String& url) {
#else
bool HTTPClient::begin(WiFiClient& client, String url) {
#endif
  end();
  std::string u = url.c_str();
  const std::string scheme = "http://";
  if (u.compare(0, scheme.size(), scheme) != 0) { return false; }
  std::string rest = u.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  uri_ = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  port_ = 80;
  if (colon != std::string::npos) {
    char* end = nullptr;
    long port = strtol(authority.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) { return false; }
    port_ = (uint16_t)port;
    authority.resize(colon);
  }
  if (authority.empty()) { return false; }
  host_ = authority;
  client_ = &client;
  return true;
}

void HTTPClient::end() {
  if (client_ != nullptr) { client_->stop(); }
  client_ = nullptr;
  headers_.clear();
  buffered_.clear();
  headersRead_ = false;
  chunked_ = false;
  size_ = -1;
}

void HTTPClient::addHeader(const String& name, const String& value, bool first, bool replace) {
  // The core sets these itself and ignores the caller's.
  for (const char* own : {"Connection", "User-Agent", "Host"}) {
    if (strcasecmp(name.c_str(), own) == 0) { return; }
  }
  std::string line = std::string(name.c_str()) + ": " + value.c_str() + "\r\n";
  if (replace) {
    std::string prefix = std::string(name.c_str()) + ":";
    for (size_t at = 0; at < headers_.size();) {
      size_t eol = headers_.find("\r\n", at) + 2;
      if (strncasecmp(headers_.c_str() + at, prefix.c_str(), prefix.size()) == 0) {
        headers_.erase(at, eol - at);
      } else {
        at = eol;
      }
    }
  }
  headers_ = first ? line + headers_ : headers_ + line;
}

int HTTPClient::fail(int error) {
  if (client_ != nullptr) { client_->stop(); }
  return error;
}

// One line of the header, without its CRLF; false on timeout or close.
bool HTTPClient::readLine(std::string* line) {
  for (;;) {
    size_t eol = buffered_.find("\r\n");
    if (eol != std::string::npos) {
      *line = buffered_.substr(0, eol);
      buffered_.erase(0, eol + 2);
      return true;
    }
    if (buffered_.size() > 8192) { return false; }  // no header line is that long
    uint8_t chunk[512];
    int n = client_->read(chunk, sizeof chunk);
    if (n <= 0) { return false; }
    buffered_.append(reinterpret_cast<char*>(chunk), (size_t)n);
  }
}

bool HTTPClient::readExactly(size_t n, std::string* out) {
  while (buffered_.size() < n) {
    uint8_t chunk[512];
    int got = client_->read(chunk, sizeof chunk);
    if (got <= 0) { return false; }
    buffered_.append(reinterpret_cast<char*>(chunk), (size_t)got);
  }
  out->append(buffered_, 0, n);
  buffered_.erase(0, n);
  return true;
}

#if defined(ARDUINO_ARCH_ESP8266)
int HTTPClient::POST(const uint8_t* payload, size_t size) { return send(payload, size); }
#else
int HTTPClient::POST(uint8_t* payload, size_t size) { return send(payload, size); }
#endif

int HTTPClient::send(const uint8_t* payload, size_t size) {
  if (client_ == nullptr) { return CONNECT_FAILED; }
  client_->setTimeout(timeout_);
  if (!client_->connect(host_.c_str(), port_)) { return fail(CONNECT_FAILED); }
  std::string host = host_;
  if (port_ != 80) { host += ":" + std::to_string(port_); }
  std::string head = "POST " + uri_ + " HTTP/1.1\r\nHost: " + host +
                     "\r\nUser-Agent: " + USER_AGENT + "\r\nAccept-Encoding: identity;q=1,chunked;q=0.1,*;q=0\r\n"
                     "Connection: close\r\n" + headers_ + "Content-Length: " + std::to_string(size) + "\r\n\r\n";
  if (client_->write(reinterpret_cast<const uint8_t*>(head.data()), head.size()) != head.size()) {
    return fail(HTTPC_ERROR_SEND_HEADER_FAILED);
  }
  if (size > 0 && client_->write(payload, size) != size) { return fail(HTTPC_ERROR_SEND_PAYLOAD_FAILED); }

  std::string line;
  if (!readLine(&line)) { return fail(client_->connected() ? HTTPC_ERROR_READ_TIMEOUT : HTTPC_ERROR_CONNECTION_LOST); }
  int code = 0;
  if (line.compare(0, 7, "HTTP/1.") == 0 && line.size() >= 12) { code = atoi(line.c_str() + 9); }
  if (code <= 0) { return fail(HTTPC_ERROR_NO_HTTP_SERVER); }
  for (;;) {
    if (!readLine(&line)) { return fail(HTTPC_ERROR_CONNECTION_LOST); }
    if (line.empty()) { break; }
    size_t colon = line.find(':');
    if (colon == std::string::npos) { continue; }
    std::string name = line.substr(0, colon);
    std::string value = line.substr(line.find_first_not_of(' ', colon + 1) == std::string::npos ? line.size() : line.find_first_not_of(' ', colon + 1));
    if (strcasecmp(name.c_str(), "Content-Length") == 0) { size_ = atol(value.c_str()); }
    if (strcasecmp(name.c_str(), "Transfer-Encoding") == 0) {
      if (strcasecmp(value.c_str(), "chunked") == 0) {
        chunked_ = true;
      } else if (strcasecmp(value.c_str(), "identity") != 0) {
        return fail(HTTPC_ERROR_ENCODING);
      }
    }
  }
  headersRead_ = true;
  return code;
}

String HTTPClient::getString() {
  if (client_ == nullptr || !headersRead_) { return String(); }
  headersRead_ = false;  // the body is read once
  std::string body;
  if (chunked_) {
    for (;;) {
      std::string line;
      if (!readLine(&line)) { return String(); }
      char* end = nullptr;
      unsigned long n = strtoul(line.c_str(), &end, 16);
      if (end == line.c_str() || n > 65536) { return String(); }
      if (n == 0) { break; }  // trailers and the last CRLF do not matter: the connection closes
      std::string crlf;
      if (!readExactly(n, &body) || !readExactly(2, &crlf) || crlf != "\r\n") { return String(); }
    }
  } else if (size_ >= 0) {
    if (size_ > 65536 || !readExactly((size_t)size_, &body)) { return String(); }
  } else {
    // Neither: the body ends when the server closes (Connection: close).
    body.swap(buffered_);
    uint8_t chunk[512];
    int n;
    while ((n = client_->read(chunk, sizeof chunk)) > 0 && body.size() < 65536) { body.append(reinterpret_cast<char*>(chunk), (size_t)n); }
    if (n < 0) { return String(); }
  }
  // Arduino's String stops at a NUL, as this one does.
  return String(body.c_str());
}
