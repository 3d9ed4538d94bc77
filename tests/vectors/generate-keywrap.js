"use strict";
// Makes tests/vectors/keywrap.json with node:crypto (OpenSSL's RFC 5649
// key wrap with padding, "id-aes256-wrap-pad"), independently of the Rust
// core: the layout is src/keywrap.rs's and README's "Keys at rest".
//   node tests/vectors/generate-keywrap.js > tests/vectors/keywrap.json
const crypto = require("crypto");

function wrap(keyText, deviceId, kekText) {
    const [label, hex] = kekText.split(":");
    const id = Buffer.from(deviceId, "utf8");
    const perDevice = crypto.createHmac("sha256", Buffer.from(hex, "hex"))
        .update(Buffer.concat([Buffer.from("wsn-crypto kek v1"), Buffer.from([id.length]), id])).digest();
    // RFC 5649's alternative initial value (A65959A6 and the length) is OpenSSL's default for this cipher.
    const cipher = crypto.createCipheriv("id-aes256-wrap-pad", perDevice, Buffer.from("A65959A6", "hex"));
    const wrapped = Buffer.concat([cipher.update(Buffer.from(keyText, "utf8")), cipher.final()]);
    return `kw1:${label}:${wrapped.toString("base64")}`;
}

const KEKS = {
    demo: "demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    k2: "k2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
};
const CASES = [
    ["2B7E151628AED2A6ABF7158809CF4F3C", "12FA", KEKS.demo],
    ["2B7E151628AED2A6ABF7158809CF4F3C", "12FB", KEKS.demo],
    ["2B7E151628AED2A6ABF7158809CF4F3C", "12FA", KEKS.k2],
    ["603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", "sensor-7", KEKS.demo],
    ["a passphrase", "Größe", KEKS.demo],
    ["x", "1", KEKS.k2]
];
const vectors = CASES.map(([key, deviceId, kek]) => ({ key, deviceId, kek, stored: wrap(key, deviceId, kek) }));
process.stdout.write(JSON.stringify({
    note: "keys at rest (src/keywrap.rs): stored = kw1:<label>:base64(AES-256-KWP(HMAC-SHA256(KEK, 'wsn-crypto kek v1' | len(id) | id), key text)); made with node:crypto's id-aes256-wrap-pad by tests/vectors/generate-keywrap.js",
    vectors
}, null, 2) + "\n");
