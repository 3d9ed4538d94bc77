// An ESP32 sketch of two files that both include WsnStores.h (this one and
// other.cpp), with an RTC_DATA_ATTR variable of its own beside them: it
// builds (no second definition of the RTC record, no section conflict), and
// both files' stores are the one record in RTC memory, across deep sleep.
// Run by tests/js/device-sketch.test.js on the host shim.
#include <WsnCrypto.h>
#include <WsnStores.h>

#include "secrets.h"  // unused; every sketch-host build has one

RTC_DATA_ATTR uint32_t wakes = 0;

int loadInOtherFile(uint64_t* value);  // other.cpp

void show(const char* when) {
  uint64_t value = 0;
  int rc = loadInOtherFile(&value);
  Serial.printf("wake %u, %s: other.cpp loads %s %llu\n", (unsigned)wakes, when, wsnStatusName(rc), (unsigned long long)value);
}

void setup() {
  Serial.begin(115200);
  show("before save");
  WsnRtcStore rtc;
  rtc.save(1000 + wakes);
  show("after save");
  wakes++;
  Serial.println("sleeping");
  esp_deep_sleep(1000000);
}

void loop() {}
