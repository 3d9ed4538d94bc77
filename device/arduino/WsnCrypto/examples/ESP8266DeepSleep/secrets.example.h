// Copy to secrets.h beside the sketch, fill in, and keep secrets.h out of
// source control (a .gitignore line: secrets.h).
// The key is the one `npx wsn-crypto provision` printed for this device.
// Each value gives way to a definition made before this file, e.g. by
// PlatformIO's build_flags = -DWSN_KEY=\"${sysenv.WSN_KEY}\".
#ifndef WIFI_SSID
#define WIFI_SSID "your-network"
#endif
#ifndef WIFI_PASSWORD
#define WIFI_PASSWORD "your-password"
#endif
#ifndef WSN_URL
#define WSN_URL "http://192.168.1.10:1880"  // your Node-RED on the LAN (not 127.0.0.1), no trailing slash
#endif
#ifndef WSN_ID
#define WSN_ID "7F3A"
#endif
#ifndef WSN_KEY
#define WSN_KEY "00000000000000000000000000000000"
#endif
