#!/usr/bin/env node
"use strict";
// Writes tests/vectors/auth.json: authenticated-format (auth v2, README section The authenticated format)
// vectors made with node:crypto by tests/js/helpers/auth-reference.js, an
// implementation independent of the Rust one, with fixed IVs, and a list of
// messages a correct implementation must refuse.
// Run: node tests/vectors/generate-auth.js

const fs = require("fs");
const path = require("path");
const reference = require("../js/helpers/auth-reference.js");

const K128 = "2B7E151628AED2A6ABF7158809CF4F3C";
const K192 = "000102030405060708090a0b0c0d0e0f1011121314151617";
const K256 = "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4";
const K256_LOWER = K256.toLowerCase(); // the same key: case of the hex does not matter
// A 255-byte id, the longest idlen allows; a cycle so a cut shows.
const LONG_ID = Array.from({ length: 255 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]).join("");

// `replyTo` is the index of the request (earlier in the list) a reply answers.
const cases = [
    /* 0 */ { key: K128, deviceId: "12FA", kind: "data", seqn: 121, plaintext: "{\"data\":{\"value\":300},\"SEQN\":121}" },
    /* 1 */ { key: K128, deviceId: "12FA", kind: "ack", seqn: 121, plaintext: "{\"SEQN\":121,\"ack\":true,\"lost\":0}", replyTo: 0 },
    /* 2 */ { key: K128, deviceId: "12FA", kind: "refusal", seqn: 121, plaintext: "{\"error\":\"replay\",\"SEQN\":121}", replyTo: 0 },
    /* 3 */ { key: K192, deviceId: "sensor-7", kind: "query", seqn: 0, plaintext: "{}" },
    /* 4 */ { key: K192, deviceId: "sensor-7", kind: "seqn", seqn: 4294967296, plaintext: "{\"SEQN\":4294967296}", replyTo: 3 },
    /* 5 */ { key: K256, deviceId: "Größe", kind: "reset", seqn: 1, plaintext: "{}" },
    /* 6 */ { key: K256, deviceId: "Größe", kind: "ack", seqn: 1, plaintext: "{\"SEQN\":1,\"ack\":true}", replyTo: 5 },
    // exactly 16 bytes: PKCS#7 adds a whole block
    /* 7 */ { key: K128, deviceId: "12FA", kind: "data", seqn: 4294967296, plaintext: "{\"data\":{\"a\":1}}" },
    /* 8 */ { key: K128, deviceId: "12FA", kind: "ack", seqn: 4294967296, plaintext: "{\"SEQN\":4294967296,\"ack\":true,\"lost\":4294967174}", replyTo: 7 },
    // several blocks, the largest seqn, the lowercase key, the longest id
    /* 9 */ { key: K256_LOWER, deviceId: LONG_ID, kind: "data", seqn: 9007199254740991, plaintext: "{\"data\":{\"t\":21.5,\"h\":40,\"where\":\"Größe, 2nd floor\",\"ok\":true,\"list\":[1,2,3]},\"SEQN\":9007199254740991}" },
    /* 10 */ { key: K256_LOWER, deviceId: LONG_ID, kind: "refusal", seqn: 9007199254740991, plaintext: "{\"error\":\"replay\",\"SEQN\":9007199254740991}", replyTo: 9 },
    /* 11 */ { key: K192, deviceId: "sensor-7", kind: "reset", seqn: 1, plaintext: "{}" },
    /* 12 */ { key: K192, deviceId: "sensor-7", kind: "refusal", seqn: 4294967296, plaintext: "{\"error\":\"stale\",\"SEQN\":4294967296}", replyTo: 11 }
];

const vectors = [];
const tags = [];
cases.forEach(function (c, index) {
    const iv = Buffer.alloc(16, index + 1);
    let request;
    if (c.replyTo !== undefined) {
        if (!(c.replyTo < index) || !reference.isRequestKind(cases[c.replyTo].kind)) { throw new Error(`case ${index}: replyTo must name an earlier request`); }
        request = tags[c.replyTo];
    }
    const { auth, tag } = reference.seal({ key: c.key, deviceId: c.deviceId, kind: c.kind, seqn: c.seqn, plaintext: c.plaintext, iv, request });
    tags.push(tag);
    const v = { key: c.key, deviceId: c.deviceId, kind: c.kind, seqn: c.seqn, iv: iv.toString("hex"), plaintext: c.plaintext };
    if (request !== undefined) { v.request = request.toString("hex"); }
    vectors.push(Object.assign(v, { tag: tag.toString("hex"), auth }));
});

/** The bytes of vector `i` changed by `change`, as a refused case. */
function altered(why, i, change, request) {
    const v = vectors[i];
    const bytes = Buffer.from(v.auth, "base64");
    const out = change(Buffer.from(bytes));
    const r = { why, key: v.key, deviceId: v.deviceId };
    const bound = request === undefined ? v.request : request;
    if (bound) { r.request = bound; }
    r.auth = out.toString("base64");
    return r;
}

const flip = (offset) => (b) => { b[offset < 0 ? b.length + offset : offset] ^= 0x01; return b; };
const refused = [
    altered("version byte 1 (a v1-style message): refused before the tag", 0, (b) => { b[0] = 0x01; return b; }),
    altered("a flipped tag byte", 0, flip(-1)),
    altered("the kind byte changed D (0x44) -> S (0x53), another request kind: the kind is under the tag", 0, (b) => { b[1] = 0x53; return b; }),
    altered("a flipped kind byte (D 0x44 -> E 0x45)", 0, flip(1)),
    altered("a flipped byte of the seqn field under the tag", 0, flip(9)),
    altered("a flipped ciphertext byte", 5, flip(26)),
    altered("the ack of vector 1 opened without its request (as a request): its tag covers bound", 1, (b) => b, null),
    altered("the ack of vector 1 bound to another request's tag (vector 7's)", 1, (b) => b, vectors[7].tag),
    altered("the request of vector 9 with its ciphertext cut by one block (tag kept)", 9, (b) => Buffer.concat([b.subarray(0, b.length - 32), b.subarray(b.length - 16)])),
    Object.assign(altered("vector 0 opened under another device id (12FB)", 0, (b) => b), { deviceId: "12FB" })
];

// A generator that writes what it cannot open is worse than none.
vectors.forEach(function (v, i) {
    const got = reference.open(v.auth, { key: v.key, deviceId: v.deviceId, request: v.request === undefined ? undefined : Buffer.from(v.request, "hex") });
    if (got.plaintext !== v.plaintext || got.kind !== v.kind || got.seqn !== v.seqn) { throw new Error(`vector ${i} does not open to itself`); }
});
refused.forEach(function (r, i) {
    let opened = false;
    try {
        reference.open(r.auth, { key: r.key, deviceId: r.deviceId, request: r.request === undefined ? undefined : Buffer.from(r.request, "hex") });
        opened = true;
    } catch (e) { /* refused, as it must be */ }
    if (opened) { throw new Error(`refused case ${i} opens`); }
});

fs.writeFileSync(path.join(__dirname, "auth.json"), JSON.stringify({
    note: "auth v2 (README section The authenticated format) vectors made with node:crypto (tests/js/helpers/auth-reference.js), IV = 16 bytes of (index + 1); "
        + "`request` (hex) is the tag a reply is bound to, the `tag` of an earlier request vector; `refused` must all fail to open; "
        + "regenerate with node tests/vectors/generate-auth.js",
    vectors,
    refused
}, null, 2) + "\n");
console.log(`generate-auth: ${vectors.length} vectors (${vectors.filter((v) => v.request === undefined).length} requests, ${vectors.filter((v) => v.request !== undefined).length} replies), ${refused.length} refused`);
