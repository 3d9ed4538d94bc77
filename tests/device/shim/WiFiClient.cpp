// WiFiClient on POSIX sockets; the same class on both cores.
#include <WiFiClient.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int WiFiClient::connect(const char* host, uint16_t port) {
  stop();
  ended_ = false;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  char service[8];
  snprintf(service, sizeof service, "%u", (unsigned)port);
  struct addrinfo* found = nullptr;
  if (getaddrinfo(host, service, &hints, &found) != 0) { return 0; }
  for (struct addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) { continue; }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      close(fd);
    }
  }
  freeaddrinfo(found);
  return fd_ >= 0 ? 1 : 0;
}

size_t WiFiClient::write(const uint8_t* data, size_t size) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < size) {
    ssize_t n = send(fd_, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) { continue; }
    if (n <= 0) { return 0; }
    sent += (size_t)n;
  }
  return sent == size ? size : 0;
}

int WiFiClient::read(uint8_t* data, size_t size) {
  if (fd_ < 0 || ended_) { return ended_ ? 0 : -1; }
  struct pollfd p = {fd_, POLLIN, 0};
  int ready;
  do { ready = poll(&p, 1, (int)timeout_); } while (ready < 0 && errno == EINTR);
  if (ready <= 0) { return -1; }
  ssize_t n;
  do { n = recv(fd_, data, size, 0); } while (n < 0 && errno == EINTR);
  if (n == 0) { ended_ = true; }
  return n < 0 ? -1 : (int)n;
}

uint8_t WiFiClient::connected() { return fd_ >= 0 && !ended_ ? 1 : 0; }

void WiFiClient::stop() {
  if (fd_ >= 0) { close(fd_); }
  fd_ = -1;
}
