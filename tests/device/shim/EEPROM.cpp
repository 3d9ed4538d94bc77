// The EEPROM emulation's sector, kept in the file WSN_SHIM_EEPROM.
#include <EEPROM.h>

#include <stdio.h>
#include <stdlib.h>

EEPROMClass EEPROM;

static const char* sectorFile() {
  const char* path = getenv("WSN_SHIM_EEPROM");
  if (path == nullptr || path[0] == '\0') {
    fprintf(stderr, "shim: WSN_SHIM_EEPROM is not set\n");
    exit(2);
  }
  return path;
}

void EEPROMClass::begin(size_t size) {
  if (size == 0 || size > sizeof data_) { return; }  // the core refuses these too
  size = (size + 3) & ~(size_t)3;
  memset(data_, 0xFF, sizeof data_);  // erased flash
  FILE* f = fopen(sectorFile(), "rb");
  if (f != nullptr) {
    size_t got = fread(data_, 1, size, f);
    (void)got;  // a shorter file: the rest is still erased
    fclose(f);
  }
  size_ = size;
  dirty_ = false;
}

uint8_t EEPROMClass::read(int address) {
  if (address < 0 || (size_t)address >= size_) { return 0; }
  return data_[address];
}

void EEPROMClass::write(int address, uint8_t value) {
  if (address < 0 || (size_t)address >= size_) { return; }
  if (data_[address] != value) {
    data_[address] = value;
    dirty_ = true;
  }
}

bool EEPROMClass::commit() {
  if (size_ == 0) { return false; }
  if (!dirty_) { return true; }
  FILE* f = fopen(sectorFile(), "wb");
  if (f == nullptr) { return false; }
  bool ok = fwrite(data_, 1, size_, f) == size_;
  ok = fclose(f) == 0 && ok;
  if (ok) { dirty_ = false; }
  return ok;
}

bool EEPROMClass::end() {
  bool ok = commit();
  size_ = 0;
  return ok;
}
