// The ESP8266 core's EEPROM emulation (libraries/EEPROM): a RAM copy of one
// flash sector, read at begin() and written back by commit(). The sector is
// the file WSN_SHIM_EEPROM; bytes the file does not hold read as erased flash.
#ifndef WSN_SHIM_EEPROM_H
#define WSN_SHIM_EEPROM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

class EEPROMClass {
 public:
  /// `size` bytes (4..4096, rounded up to a multiple of 4, as the core does).
  void begin(size_t size);
  uint8_t read(int address);
  void write(int address, uint8_t value);
  /// Writes the RAM copy to the file if it changed; false when begin() was
  /// not called or the write failed.
  bool commit();
  bool end();

  // As the core's templates: an address out of range leaves `t` as it is.
  template <typename T> T& get(int address, T& t) {
    if (address < 0 || (size_t)address + sizeof(T) > size_) { return t; }
    memcpy(&t, data_ + address, sizeof(T));
    return t;
  }
  template <typename T> const T& put(int address, const T& t) {
    if (address < 0 || (size_t)address + sizeof(T) > size_) { return t; }
    if (memcmp(data_ + address, &t, sizeof(T)) != 0) {
      dirty_ = true;
      memcpy(data_ + address, &t, sizeof(T));
    }
    return t;
  }

 private:
  uint8_t data_[4096];
  size_t size_ = 0;
  bool dirty_ = false;
};
extern EEPROMClass EEPROM;

#endif  // WSN_SHIM_EEPROM_H
