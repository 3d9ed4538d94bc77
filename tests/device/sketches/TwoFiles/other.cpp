// The sketch's second file with WsnStores.h (see TwoFiles.ino).
#include <Arduino.h>
#include <WsnStores.h>

int loadInOtherFile(uint64_t* value) {
  WsnRtcStore store;
  return store.load(value);
}
