// The one definition of WsnStores.h's ESP32 RTC record (WsnStores.h says why
// it is not in the header). Compiled in every build of the library; it holds
// something only in an Arduino build for an ESP32, where WsnRtcStore uses it.
#if defined(ARDUINO) && (defined(ARDUINO_ARCH_ESP32) || defined(ESP32))
#include <esp_attr.h>

#include "wsn_stored_record.h"

// Zero, as the bootloader loads it at power-on and reset: no valid record.
RTC_DATA_ATTR WsnStoredRecord wsnRtcRecord = {};
#endif
