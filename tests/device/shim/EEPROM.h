// The cores' EEPROM emulation: a RAM copy of the bytes, read at begin() and
// written back by commit(). On the ESP8266 the bytes are one flash sector,
// on the ESP32 a blob in NVS; here both are the file WSN_SHIM_EEPROM, and
// bytes the file does not hold read as never written: 0xFF on both (erased
// flash; the ESP32 core fills a new blob with 0xFF too). Where the two cores
// differ (begin's and end's types, rounding, when put() marks a change), the
// board the build defines decides, as on the board.
#ifndef WSN_SHIM_EEPROM_H
#define WSN_SHIM_EEPROM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

class EEPROMClass {
 public:
#if defined(ARDUINO_ARCH_ESP8266)
  /// `size` bytes (4..4096, rounded up to a multiple of 4, as the core does;
  /// other sizes are refused and leave EEPROM unusable).
  void begin(size_t size);
  bool end();
#else
  /// `size` bytes, as asked; false for 0.
  bool begin(size_t size);
  void end();
#endif
  uint8_t read(int address);
  void write(int address, uint8_t value);
  /// Writes the RAM copy to the file if it changed; false when begin() was
  /// not called or the write failed.
  bool commit();

  // As the cores' templates: an address out of range leaves `t` as it is.
  template <typename T> T& get(int address, T& t) {
    if (address < 0 || (size_t)address + sizeof(T) > data_.size()) { return t; }
    memcpy(&t, data_.data() + address, sizeof(T));
    return t;
  }
  template <typename T> const T& put(int address, const T& t) {
    if (address < 0 || (size_t)address + sizeof(T) > data_.size()) { return t; }
#if defined(ARDUINO_ARCH_ESP8266)
    // The ESP8266 core compares, and commits only a change.
    if (memcmp(data_.data() + address, &t, sizeof(T)) == 0) { return t; }
#endif
    // The ESP32 core marks every put() as a change.
    memcpy(data_.data() + address, &t, sizeof(T));
    dirty_ = true;
    return t;
  }

 private:
  std::vector<uint8_t> data_;  // empty until begin()
  bool dirty_ = false;
};
extern EEPROMClass EEPROM;

#endif  // WSN_SHIM_EEPROM_H
