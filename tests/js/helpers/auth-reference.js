"use strict";
// An independent implementation of the authenticated wire format (auth v2)
// on node:crypto, written from README section The authenticated format only, for vectors and
// cross-checks:
//   enc   = HMAC-SHA256(K, "wsn-crypto v2 encryption")[0..16]
//   mac   = HMAC-SHA256(K, "wsn-crypto v2 authentication")
//   bytes = 0x02 | kind | seqn (8, BE) | iv | AES-128-CBC(enc, iv, JSON) | tag16
//   tag16 = HMAC-SHA256(mac, header | idlen | id | bound | iv | ciphertext)[0..16]
// where header is the first 10 bytes and bound is the request's tag in a
// reply, nothing in a request.

const crypto = require("crypto");

const VERSION = 0x02;
const HEADER = 10;
const IV = 16;
const TAG = 16;
const MIN_LENGTH = HEADER + IV + 16 + TAG; // 58: `{}` pads to one block
const MAX_SEQN = BigInt(Number.MAX_SAFE_INTEGER);

const KINDS = { query: 0x51, reset: 0x53, data: 0x44, seqn: 0x4e, ack: 0x41, refusal: 0x58 };
const REQUEST_KINDS = ["query", "reset", "data"];

/** True for the kinds a device sends (Q, S, D), false for the backend's (N, A, X). */
function isRequestKind(kind) {
    if (!Object.prototype.hasOwnProperty.call(KINDS, kind)) { throw new Error(`unknown kind ${kind}`); }
    return REQUEST_KINDS.includes(kind);
}

function kindName(byte) {
    return Object.keys(KINDS).find((name) => KINDS[name] === byte);
}

function keys(keyHex) {
    // Buffer.from(.., "hex") stops quietly at the first bad digit: check first.
    if (typeof keyHex !== "string" || !/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{48}|[0-9a-fA-F]{64})$/.test(keyHex)) {
        throw new Error("key must be 32, 48 or 64 hex digits");
    }
    const k = Buffer.from(keyHex, "hex");
    const hmac = (label) => crypto.createHmac("sha256", k).update(label, "ascii").digest();
    return { enc: hmac("wsn-crypto v2 encryption").subarray(0, 16), mac: hmac("wsn-crypto v2 authentication") };
}

function idBytes(deviceId) {
    const id = Buffer.from(String(deviceId), "utf8");
    if (id.length < 1 || id.length > 255) { throw new Error("device id must be 1..255 bytes of UTF-8"); }
    return id;
}

function boundBytes(request) {
    if (!Buffer.isBuffer(request) || request.length !== TAG) { throw new Error("request must be the 16-byte tag of a request"); }
    return request;
}

/** The 16-byte tag over header | idlen | id | bound | iv | ciphertext. */
function computeTag(mac, header, id, bound, ivAndCiphertext) {
    return crypto.createHmac("sha256", mac)
        .update(header).update(Buffer.from([id.length])).update(id).update(bound).update(ivAndCiphertext)
        .digest().subarray(0, TAG);
}

/**
 * Seals a JSON text as kind `kind` with sequence number `seqn`; `iv` may be
 * fixed for known answers; `request` (the request's tag) binds a reply.
 * Returns { auth: base64, tag }.
 */
function seal({ key, deviceId, kind, seqn, plaintext, iv, request }) {
    const { enc, mac } = keys(key);
    const id = idBytes(deviceId);
    const reply = !isRequestKind(kind);
    if (reply && request === undefined) { throw new Error(`a ${kind} is a reply: give the request's tag`); }
    if (!reply && request !== undefined) { throw new Error(`a ${kind} is a request: it is bound to nothing`); }
    const bound = reply ? boundBytes(request) : Buffer.alloc(0);
    if (!(typeof seqn === "bigint" || Number.isSafeInteger(seqn))) { throw new Error("seqn must be an integer"); }
    const n = BigInt(seqn);
    if (n < 0n || n > MAX_SEQN) { throw new Error("seqn must be in 0..2^53-1"); }
    if (typeof plaintext !== "string") { throw new Error("plaintext must be a JSON text"); }
    const ivBytes = iv === undefined ? crypto.randomBytes(IV) : Buffer.from(iv);
    if (ivBytes.length !== IV) { throw new Error("iv must be 16 bytes"); }

    const header = Buffer.alloc(HEADER);
    header[0] = VERSION;
    header[1] = KINDS[kind];
    header.writeBigUInt64BE(n, 2);
    const cipher = crypto.createCipheriv("aes-128-cbc", enc, ivBytes); // PKCS#7 by default
    const body = Buffer.concat([ivBytes, cipher.update(Buffer.from(plaintext, "utf8")), cipher.final()]);
    const tag = computeTag(mac, header, id, bound, body);
    return { auth: Buffer.concat([header, body, tag]).toString("base64"), tag: Buffer.from(tag) };
}

/**
 * Opens a base64 message: a reply bound to `request` when it is given, a
 * request otherwise. Throws on any failure. Returns { kind, seqn, plaintext, tag }.
 */
function open(authBase64, { key, deviceId, request }) {
    const { enc, mac } = keys(key);
    const id = idBytes(deviceId);
    const reply = request !== undefined;
    const bound = reply ? boundBytes(request) : Buffer.alloc(0);
    if (typeof authBase64 !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(authBase64) || authBase64.length % 4) {
        throw new Error("bad base64");
    }
    const bytes = Buffer.from(authBase64, "base64");
    // Version and length first: a v1 message is refused before its tag is checked.
    if (bytes[0] !== VERSION) { throw new Error("bad version"); }
    if (bytes.length < MIN_LENGTH || (bytes.length - MIN_LENGTH) % 16) { throw new Error("bad length"); }
    const header = bytes.subarray(0, HEADER);
    const body = bytes.subarray(HEADER, bytes.length - TAG);
    const tag = bytes.subarray(bytes.length - TAG);
    if (!crypto.timingSafeEqual(computeTag(mac, header, id, bound, body), tag)) { throw new Error("bad tag"); }
    // Only now is the header trusted.
    const kind = kindName(header[1]);
    if (kind === undefined) { throw new Error("unknown kind"); }
    if (isRequestKind(kind) === reply) { throw new Error(`wrong kind: ${kind} is not a ${reply ? "reply" : "request"}`); }
    const n = header.readBigUInt64BE(2);
    if (n > MAX_SEQN) { throw new Error("bad seqn"); }
    let padded;
    try {
        const decipher = crypto.createDecipheriv("aes-128-cbc", enc, body.subarray(0, IV));
        padded = Buffer.concat([decipher.update(body.subarray(IV)), decipher.final()]);
    } catch (e) {
        throw new Error("bad padding");
    }
    let plaintext;
    try {
        plaintext = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(padded);
    } catch (e) {
        throw new Error("plaintext is not UTF-8");
    }
    return { kind, seqn: Number(n), plaintext, tag: Buffer.from(tag) };
}

/** The tag of a base64 message: what a reply to it is bound to. */
function tagOf(authBase64) {
    return Buffer.from(Buffer.from(authBase64, "base64").subarray(-TAG));
}

/** A device's request body of kind `kind` carrying `message`: { text, tag }. */
function requestBody(dev, kind, seqn, message) {
    if (!isRequestKind(kind)) { throw new Error(`${kind} is not a request kind`); }
    const { auth, tag } = seal({ key: dev.key, deviceId: dev.id, kind, seqn, plaintext: JSON.stringify(message === undefined ? {} : message) });
    return { text: JSON.stringify({ auth }), tag };
}

/** The backend's reply in HTTP body `text` (also a refusal's), opened as bound to `requestTag`. */
function openReply(dev, text, requestTag) {
    const body = JSON.parse(text);
    if (body === null || typeof body !== "object" || typeof body.auth !== "string") { throw new Error("no auth in the reply"); }
    const { kind, seqn, plaintext } = open(body.auth, { key: dev.key, deviceId: dev.id, request: requestTag });
    return { kind, seqn, message: JSON.parse(plaintext) };
}

module.exports = { KINDS, isRequestKind, keys, seal, open, tagOf, requestBody, openReply };
