#!/usr/bin/env node
"use strict";
// Writes tests/vectors/auth.json: authenticated-format (auth v1) vectors made
// with node:crypto by tests/js/helpers/auth-reference.js, an implementation
// independent of the Rust one, with fixed IVs. Run: node tests/vectors/generate-auth.js

const fs = require("fs");
const path = require("path");
const reference = require("../js/helpers/auth-reference.js");

const cases = [
    { key: "2B7E151628AED2A6ABF7158809CF4F3C", deviceId: "12FA", direction: "request", plaintext: "{\"data\":{\"value\":300},\"SEQN\":121}" },
    { key: "2B7E151628AED2A6ABF7158809CF4F3C", deviceId: "12FA", direction: "reply", plaintext: "{\"SEQN\":121,\"ack\":true,\"lost\":0}" },
    { key: "000102030405060708090a0b0c0d0e0f1011121314151617", deviceId: "sensor-7", direction: "request", plaintext: "{\"SEQN\":1,\"challenge\":\"k3Jd0e1Yl2mQv9h8n4T5aw==\"}" },
    { key: "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", deviceId: "Größe", direction: "request", plaintext: "{\"data\":{\"t\":21.5,\"h\":40},\"SEQN\":9007199254740991}" },
    { key: "2B7E151628AED2A6ABF7158809CF4F3C", deviceId: "12FA", direction: "reply", plaintext: "{\"SEQN\":0,\"nonce\":\"AAECAwQFBgcICQoLDA0ODw==\",\"challenge\":\"ZmVkY2JhOTg3NjU0MzIxMA==\"}" },
    { key: "2B7E151628AED2A6ABF7158809CF4F3C", deviceId: "12FA", direction: "request", plaintext: "{\"SEQN\":16,\"pad\":\"0123456789\"}" }
];

const vectors = cases.map(function (c, index) {
    const iv = Buffer.alloc(16, index + 1);
    return Object.assign({}, c, { iv: iv.toString("hex"), auth: reference.seal(c.plaintext, c.key, c.deviceId, c.direction, iv) });
});

fs.writeFileSync(path.join(__dirname, "auth.json"), JSON.stringify({
    note: "auth v1 vectors made with node:crypto (tests/js/helpers/auth-reference.js), IV = 16 bytes of (index + 1); regenerate with node tests/vectors/generate-auth.js",
    vectors
}, null, 2) + "\n");
console.log(`generate-auth: ${vectors.length} vectors`);
