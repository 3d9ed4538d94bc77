// The EEPROM emulation's bytes, kept in the file WSN_SHIM_EEPROM.
#include <EEPROM.h>

#include <stdio.h>

#include "shim_board.h"

EEPROMClass EEPROM;

namespace {

// Reads what the file holds of the first `size` bytes; the rest stays 0xFF.
std::vector<uint8_t> load(size_t size) {
  std::vector<uint8_t> bytes(size, 0xFF);
  FILE* f = fopen(shimMemoryFile("WSN_SHIM_EEPROM"), "rb");
  if (f != nullptr) {
    size_t got = fread(bytes.data(), 1, size, f);
    (void)got;  // a shorter file: the rest was never written
    fclose(f);
  }
  return bytes;
}

}  // namespace

#if defined(ARDUINO_ARCH_ESP8266)
void EEPROMClass::begin(size_t size) {
  if (size == 0 || size > 4096) { return; }  // the core refuses these too
  data_ = load((size + 3) & ~(size_t)3);
  dirty_ = false;
}

bool EEPROMClass::end() {
  bool ok = commit();
  data_.clear();
  return ok;
}
#else
bool EEPROMClass::begin(size_t size) {
  if (size == 0) { return false; }
  data_ = load(size);
  dirty_ = false;
  return true;
}

void EEPROMClass::end() {
  commit();
  data_.clear();
}
#endif

uint8_t EEPROMClass::read(int address) {
  if (address < 0 || (size_t)address >= data_.size()) { return 0; }
  return data_[address];
}

void EEPROMClass::write(int address, uint8_t value) {
  if (address < 0 || (size_t)address >= data_.size()) { return; }
  if (data_[address] != value) {
    data_[address] = value;
    dirty_ = true;
  }
}

bool EEPROMClass::commit() {
  if (data_.empty()) { return false; }
  if (!dirty_) { return true; }
  FILE* f = fopen(shimMemoryFile("WSN_SHIM_EEPROM"), "wb");
  if (f == nullptr) { return false; }
  bool ok = fwrite(data_.data(), 1, data_.size(), f) == data_.size();
  ok = fclose(f) == 0 && ok;
  if (ok) { dirty_ = false; }
  return ok;
}
