"use strict";
// An outsider: someone who knows the wire formats, a device id and what the
// device's messages look like, and has captured some of its traffic, but not
// its key. Builds the requests such a person can make; the suites send them
// to a real backend and check that the database did not change.

const crypto = require("crypto");

const reference = require("./auth-reference.js");

function xor(a, b) {
    return Buffer.from(a.map((byte, i) => byte ^ b[i]));
}

/**
 * The raw format's IV flip: CBC decrypts the first block as D(c1) XOR IV, so
 * whoever knows the first 16 plaintext bytes of a captured {iv, data} can make
 * them anything by changing the IV alone. `keepBlocks` cuts the ciphertext
 * (1: the first block only, which then must end in its own padding).
 */
function rewriteFirstBlock(body, knownFirst16, wantedFirst16, keepBlocks) {
    const iv = Buffer.from(body.iv, "base64");
    const data = Buffer.from(body.data, "base64");
    const kept = keepBlocks ? data.subarray(0, 16 * keepBlocks) : data;
    const newIv = xor(xor(iv, Buffer.from(knownFirst16)), Buffer.from(wantedFirst16));
    return JSON.stringify({ iv: newIv.toString("base64"), data: kept.toString("base64") });
}

/** The first 16 bytes of the raw format's plaintext: base64 of the JSON text. */
function firstBlockOf(jsonText) {
    return Buffer.from(Buffer.from(jsonText, "utf8").toString("base64").slice(0, 16), "latin1");
}

/** A block of 15 base64 characters and one byte of PKCS#7 padding. */
function paddedBlock(base64Text15) {
    return Buffer.concat([Buffer.from(base64Text15, "latin1"), Buffer.from([1])]);
}

function flipBit(base64Text, bit) {
    const bytes = Buffer.from(base64Text, "base64");
    bytes[Math.floor(bit / 8) % bytes.length] ^= 1 << (bit % 8);
    return bytes.toString("base64");
}

const json = (value) => JSON.stringify(value);

/**
 * Requests an outsider can make against device `id` from `captured`:
 * { rawReply: {iv, data} of GET ?format=raw with the stored SEQN `rawReplySeqn`,
 *   rawData: {iv, data} of a data message whose JSON text is `rawDataText`,
 *   authRequests: [body text] of the device's auth requests (already answered),
 *   authReplies: [body text] of the backend's auth replies,
 *   passphraseRequests: [body text] already answered }.
 * Returns `count` requests {name, method, path, body}, cycling through every
 * kind, each a little different (random bits, random keys).
 */
function requests(id, captured, count) {
    const wrongKey = () => crypto.randomBytes(16).toString("hex");
    const pick = (list, i) => list[i % list.length];
    const makers = [
        // Attack 1: the backend's own raw SEQN reply turned into a reset of 9e9.
        () => ({ name: "raw reply as reset {SEQN:9e9}", method: "POST", path: `/wsn/${id}`,
            body: rewriteFirstBlock(captured.rawReply, firstBlockOf(json({ SEQN: captured.rawReplySeqn })), Buffer.from("eyJTRVFOIjo5ZTl9", "latin1")) }),
        // Attack 2: a captured data message cut to its first block, read as {"SEQN":99}.
        () => ({ name: "raw data as reset {SEQN:99}", method: "POST", path: `/wsn/${id}`,
            body: rewriteFirstBlock(captured.rawData, firstBlockOf(captured.rawDataText), paddedBlock("eyJTRVFOIjo5OX0"), 1) }),
        // The same forgery posted as data: a 12-byte message cannot hold data and a SEQN.
        () => ({ name: "raw data, first block rewritten", method: "POST", path: `/data/${id}`,
            body: rewriteFirstBlock(captured.rawData, firstBlockOf(captured.rawDataText), firstBlockOf("{\"data\":{\"xa")) }),
        () => ({ name: "raw reply as data", method: "POST", path: `/data/${id}`,
            body: rewriteFirstBlock(captured.rawReply, firstBlockOf(json({ SEQN: captured.rawReplySeqn })), Buffer.from("eyJkYXRhIjp7fX0g", "latin1")) }),
        (i) => ({ name: "raw reply replayed as request", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: json(captured.rawReply) }),
        (i) => ({ name: "auth request replayed", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: pick(captured.authRequests, i) }),
        (i) => ({ name: "auth reply posted as request", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: pick(captured.authReplies, i) }),
        (i) => {
            const body = JSON.parse(pick(captured.authRequests, i));
            return { name: "auth request, one bit flipped", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: json({ auth: flipBit(body.auth, crypto.randomInt(1 << 16)) }) };
        },
        (i) => {
            const kind = pick(["query", "reset", "data"], i);
            const sealed = reference.requestBody({ id, key: wrongKey() }, kind, 1e9 + i, kind === "data" ? { data: { value: 1 } } : {});
            return { name: `auth ${kind} under a wrong key`, method: "POST", path: kind === "data" ? `/data/${id}` : `/wsn/${id}`, body: sealed.text };
        },
        (i) => ({ name: "passphrase request replayed", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: pick(captured.passphraseRequests, i) }),
        (i) => {
            const body = JSON.parse(pick(captured.passphraseRequests, i));
            return { name: "passphrase request, one bit flipped", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i), body: json({ msg: flipBit(body.msg, 64 + crypto.randomInt(1 << 12)) }) };
        },
        (i) => ({ name: "version 1 auth body", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i),
            body: json({ auth: Buffer.concat([Buffer.from([1, 0x51]), crypto.randomBytes(64)]).toString("base64") }) }),
        (i) => ({ name: "garbage body", method: "POST", path: pick([`/wsn/${id}`, `/data/${id}`], i),
            body: pick([json({ msg: crypto.randomBytes(48).toString("base64") }), json({ iv: "AAAA", data: "BBBB" }), "{not json", json({ auth: "" }), json([1, 2]), json({ data: { value: 1 }, SEQN: 1e9 })], i) }),
        (i) => ({ name: "GET", method: "GET", path: pick([`/wsn/${id}`, `/wsn/${id}?format=raw`, `/wsn/${id}?format=auth`, `/wsn/${id}?nonce=${crypto.randomBytes(8).toString("hex")}`], i) })
    ];
    return Array.from({ length: count }, (_, i) => makers[i % makers.length](Math.floor(i / makers.length)));
}

module.exports = { rewriteFirstBlock, firstBlockOf, paddedBlock, flipBit, requests };
