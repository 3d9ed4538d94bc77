"use strict";
// An independent implementation of the authenticated wire format (auth v1)
// on node:crypto, written from the byte layout in the README and
// src/auth.rs, for vectors and cross-checks:
//   enc = HMAC-SHA256(K, "wsn-crypto v1 encryption")[0..16]
//   mac = HMAC-SHA256(K, "wsn-crypto v1 authentication")
//   bytes = 0x01 | dir | iv | AES-128-CBC(enc, iv, JSON) | tag16
//   tag16 = HMAC-SHA256(mac, 0x01 | dir | len(id) | id | iv | ciphertext)[0..16]

const crypto = require("crypto");

const DIRECTION = { request: 0x51, reply: 0x52 };

function keys(keyHex) {
    const k = Buffer.from(keyHex, "hex");
    const hmac = (label) => crypto.createHmac("sha256", k).update(label).digest();
    return { enc: hmac("wsn-crypto v1 encryption").subarray(0, 16), mac: hmac("wsn-crypto v1 authentication") };
}

function tag(mac, dir, deviceId, ivAndCiphertext) {
    const id = Buffer.from(deviceId, "utf8");
    return crypto.createHmac("sha256", mac).update(Buffer.from([0x01, dir, id.length])).update(id).update(ivAndCiphertext).digest().subarray(0, 16);
}

/** Seals a JSON text; `iv` may be fixed for known answers. Returns base64. */
function seal(jsonText, keyHex, deviceId, direction, iv) {
    const { enc, mac } = keys(keyHex);
    const dir = DIRECTION[direction];
    const ivBytes = iv ? Buffer.from(iv) : crypto.randomBytes(16);
    const cipher = crypto.createCipheriv("aes-128-cbc", enc, ivBytes);
    const body = Buffer.concat([ivBytes, cipher.update(Buffer.from(jsonText, "utf8")), cipher.final()]);
    return Buffer.concat([Buffer.from([0x01, dir]), body, tag(mac, dir, deviceId, body)]).toString("base64");
}

/** Opens base64 sealed bytes; throws on any failure. Returns the JSON text. */
function open(text, keyHex, deviceId, direction) {
    const { enc, mac } = keys(keyHex);
    const bytes = Buffer.from(text, "base64");
    const body = bytes.subarray(2, bytes.length - 16);
    if (bytes[0] !== 0x01 || bytes[1] !== DIRECTION[direction] || body.length < 32 || body.length % 16) { throw new Error("bad format"); }
    if (!crypto.timingSafeEqual(tag(mac, bytes[1], deviceId, body), bytes.subarray(bytes.length - 16))) { throw new Error("bad tag"); }
    const decipher = crypto.createDecipheriv("aes-128-cbc", enc, body.subarray(0, 16));
    return Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]).toString("utf8");
}

/** A device's request body in the authenticated format, carrying `message`. */
function requestBody(dev, message) {
    return JSON.stringify({ auth: seal(JSON.stringify(message), dev.key, dev.id, "request") });
}

/** The message inside the backend's authenticated reply text to `dev`. */
function openReply(dev, text) {
    return JSON.parse(open(JSON.parse(text).auth, dev.key, dev.id, "reply"));
}

module.exports = { seal, open, requestBody, openReply };
