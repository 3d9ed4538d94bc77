#include "wsn_codec.h"

#include <string.h>

#include "WsnCrypto.h"

static int hexValue(char c) {
  if (c >= '0' && c <= '9') { return c - '0'; }
  if (c >= 'a' && c <= 'f') { return c - 'a' + 10; }
  if (c >= 'A' && c <= 'F') { return c - 'A' + 10; }
  return -1;
}

bool wsnHexDecode(const char* hex, size_t digits, uint8_t* out) {
  if (digits % 2 != 0) { return false; }
  for (size_t i = 0; i < digits; i += 2) {
    int high = hexValue(hex[i]);
    int low = hexValue(hex[i + 1]);
    if (high < 0 || low < 0) { return false; }
    out[i / 2] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t wsnBase64Encode(const uint8_t* in, size_t length, char* out) {
  size_t o = 0;
  for (size_t i = 0; i < length; i += 3) {
    // The whole group is read before any of it is written: see the overlap rule.
    uint32_t a = in[i];
    uint32_t b = i + 1 < length ? in[i + 1] : 0;
    uint32_t c = i + 2 < length ? in[i + 2] : 0;
    uint32_t group = a << 16 | b << 8 | c;
    out[o++] = kAlphabet[group >> 18 & 63];
    out[o++] = kAlphabet[group >> 12 & 63];
    out[o++] = i + 1 < length ? kAlphabet[group >> 6 & 63] : '=';
    out[o++] = i + 2 < length ? kAlphabet[group & 63] : '=';
  }
  return o;
}

static int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') { return c - 'A'; }
  if (c >= 'a' && c <= 'z') { return c - 'a' + 26; }
  if (c >= '0' && c <= '9') { return c - '0' + 52; }
  if (c == '+') { return 62; }
  if (c == '/') { return 63; }
  return -1;
}

long wsnBase64Decode(const char* in, size_t length, uint8_t* out) {
  if (length % 4 != 0) { return -1; }
  size_t o = 0;
  for (size_t i = 0; i < length; i += 4) {
    bool last = i + 4 == length;
    size_t padding = 0;
    if (last && in[i + 3] == '=') { padding = in[i + 2] == '=' ? 2 : 1; }
    uint32_t group = 0;
    for (size_t j = 0; j < 4; j++) {
      int v = j >= 4 - padding ? 0 : base64Value(in[i + j]);
      if (v < 0) { return -1; }
      group = group << 6 | static_cast<uint32_t>(v);
    }
    // Bits below the last byte must be zero, as the backend's decoder requires.
    if ((padding == 1 && (group & 0xFF) != 0) || (padding == 2 && (group & 0xFFFF) != 0)) { return -1; }
    out[o++] = static_cast<uint8_t>(group >> 16);
    if (padding < 2) { out[o++] = static_cast<uint8_t>(group >> 8); }
    if (padding < 1) { out[o++] = static_cast<uint8_t>(group); }
  }
  return static_cast<long>(o);
}

namespace {

// A cursor over untrusted text: every read is bounds-checked.
struct Cursor {
  const char* p;
  const char* end;
  bool more() const { return p < end; }
  char peek() const { return p < end ? *p : '\0'; }
  void spaces() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) { p++; }
  }
  // Past a string whose opening quote is at p; its content's span out.
  bool string(const char** start, size_t* length) {
    if (peek() != '"') { return false; }
    const char* s = ++p;
    while (p < end && *p != '"') {
      if (static_cast<unsigned char>(*p) < 0x20) { return false; }
      if (*p == '\\') {
        if (end - p < 2) { return false; }
        p++;
      }
      p++;
    }
    if (p >= end) { return false; }
    *start = s;
    *length = static_cast<size_t>(p - s);
    p++;
    return true;
  }
  // Past any value; nesting counted, not recursed into, so depth costs no stack.
  bool value() {
    const char* ignored;
    size_t ignoredLength;
    if (peek() == '"') { return string(&ignored, &ignoredLength); }
    if (peek() != '{' && peek() != '[') {
      const char* s = p;
      while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') { p++; }
      return p > s;
    }
    size_t depth = 0;
    do {
      char c = peek();
      if (c == '"') {
        if (!string(&ignored, &ignoredLength)) { return false; }
        continue;
      }
      if (c == '{' || c == '[') { depth++; }
      if (c == '}' || c == ']') { depth--; }
      p++;
    } while (depth > 0 && more());
    return depth == 0;
  }
};

}  // namespace

char wsnJsonMember(const char* text, size_t length, const char* name, const char** value, size_t* valueLength) {
  Cursor at{text, text + length};
  size_t nameLength = strlen(name);
  at.spaces();
  if (at.peek() != '{') { return 0; }
  at.p++;
  at.spaces();
  if (at.peek() == '}') { return 0; }
  while (at.more()) {
    const char* key;
    size_t keyLength;
    if (!at.string(&key, &keyLength)) { return 0; }
    at.spaces();
    if (at.peek() != ':') { return 0; }
    at.p++;
    at.spaces();
    const char* start = at.p;
    char type = at.peek() == '"' ? 's' : ((at.peek() == '-' || (at.peek() >= '0' && at.peek() <= '9')) ? 'n' : 'o');
    if (!at.value()) { return 0; }
    if (keyLength == nameLength && memcmp(key, name, nameLength) == 0) {
      *value = type == 's' ? start + 1 : start;
      *valueLength = static_cast<size_t>(at.p - start) - (type == 's' ? 2 : 0);
      return type;
    }
    at.spaces();
    if (at.peek() == ',') {
      at.p++;
      at.spaces();
      continue;
    }
    return 0;  // '}' without the member, or not JSON
  }
  return 0;
}

bool wsnParseSeqn(const char* digits, size_t length, uint64_t* out) {
  if (length == 0 || length > 16 || (length > 1 && digits[0] == '0')) { return false; }
  uint64_t n = 0;
  for (size_t i = 0; i < length; i++) {
    if (digits[i] < '0' || digits[i] > '9') { return false; }
    n = n * 10 + static_cast<uint64_t>(digits[i] - '0');
  }
  if (n > WSN_MAX_SEQN) { return false; }
  *out = n;
  return true;
}
