// Copy to secrets.h beside the sketch, fill in, and keep secrets.h out of
// source control (the library's .gitignore pattern: examples/*/secrets.h).
// The key is the one `npx wsn-crypto provision` printed for this device.
#define WIFI_SSID "your-network"
#define WIFI_PASSWORD "your-password"
#define WSN_URL "http://192.168.1.10:1880"  // the Node-RED backend, no trailing slash
#define WSN_ID "7F3A"
#define WSN_KEY "00000000000000000000000000000000"
