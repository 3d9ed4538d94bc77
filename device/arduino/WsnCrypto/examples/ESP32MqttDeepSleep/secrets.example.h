// Copy to secrets.h beside the sketch, fill in, and keep secrets.h out of
// source control (a .gitignore line: secrets.h).
// The key and the MQTT password are the ones
// `npx wsn-crypto provision --mqtt` printed for this device; they are not
// the same secret (the broker sees the password, never the key).
// Each value gives way to a definition made before this file, e.g. by
// PlatformIO's build_flags = -DWSN_KEY=\"${sysenv.WSN_KEY}\".
#ifndef WIFI_SSID
#define WIFI_SSID "your-network"
#endif
#ifndef WIFI_PASSWORD
#define WIFI_PASSWORD "your-password"
#endif
#ifndef WSN_MQTT_HOST
#define WSN_MQTT_HOST "192.168.1.10"  // your broker on the LAN (not 127.0.0.1)
#endif
#ifndef WSN_MQTT_PORT
#define WSN_MQTT_PORT 1883
#endif
#ifndef WSN_MQTT_PASSWORD
#define WSN_MQTT_PASSWORD "your-device-mqtt-password"
#endif
#ifndef WSN_ID
#define WSN_ID "7F3A"  // also its MQTT user name
#endif
#ifndef WSN_KEY
#define WSN_KEY "00000000000000000000000000000000"
#endif
