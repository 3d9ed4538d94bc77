"use strict";
// Cross-checks the built package (pkg/, `npm run build`) against independent
// implementations: crypto-js 4.x for the passphrase format, node:crypto for
// the raw-key format, a CryptoJS/node:crypto re-implementation of the
// original flows' envelope, the node:crypto implementation of the
// authenticated format v2 (helpers/auth-reference.js), and the openssl CLI.
//
// Inputs come from a seeded PRNG. Every failure names the seed and the case
// index; rerun one case with
//     WSN_SEED=<seed> WSN_ONLY=<index> node_modules/.bin/mocha tests/js/crypto-js-crosscheck.test.js
// and widen the search with WSN_SEED=$RANDOM or WSN_PAIRS=20000.

const childProcess = require("child_process");
const crypto = require("crypto");
const should = require("should");
const CryptoJS = require("crypto-js");
const authReference = require("./helpers/auth-reference.js");

let wsn;
try {
    wsn = require("../../pkg/wsn_crypto.js");
} catch (err) {
    throw new Error("pkg/wsn_crypto.js is missing or broken: run `npm run build` first (" + err.message + ")");
}

const SEED = Number(process.env.WSN_SEED || 20160527) >>> 0;
const PAIRS = Number(process.env.WSN_PAIRS || 1000);
const ONLY = process.env.WSN_ONLY === undefined ? undefined : Number(process.env.WSN_ONLY);
const MAX_PLAINTEXT_BYTES = 4096;
const MAX_SEQN = Number.MAX_SAFE_INTEGER;
const ARTICLE_KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
const ARTICLE_MSG = "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp";

// mulberry32: tiny, fast, and the same on every platform.
function mulberry32(seed) {
    let state = seed >>> 0;
    return function () {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// One generator per case, so a case can be replayed alone (WSN_ONLY).
function caseRandom(stream, index) {
    const random = mulberry32((SEED ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b)) >>> 0);
    const api = {
        int: function (min, max) { return min + Math.floor(random() * (max - min + 1)); },
        pick: function (list) { return list[api.int(0, list.length - 1)]; },
        bytes: function (n) {
            const out = Buffer.alloc(n);
            for (let i = 0; i < n; i++) { out[i] = api.int(0, 255); }
            return out;
        }
    };
    return api;
}

// Code point ranges that exercise every UTF-8 length, including NUL, line
// breaks, combining marks and astral characters (emoji).
const RANGES = [
    [0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0x00, 0x1f],
    [0xa0, 0x24f], [0x300, 0x36f], [0x400, 0x4ff], [0x4e00, 0x9fff], [0xe000, 0xfffd],
    [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x10000, 0x10ffff]
];

function randomCodePoint(rnd) {
    const range = rnd.pick(RANGES);
    return rnd.int(range[0], range[1]);
}

// A string of at most `maxBytes` UTF-8 bytes (exactly, when it can be made so).
function randomText(rnd, maxBytes) {
    let text = "";
    let bytes = 0;
    while (bytes < maxBytes) {
        let char = String.fromCodePoint(randomCodePoint(rnd));
        let size = Buffer.byteLength(char);
        if (bytes + size > maxBytes) {
            char = String.fromCodePoint(rnd.int(0x20, 0x7e));
            size = 1;
        }
        text += char;
        bytes += size;
    }
    return text;
}

function randomPlaintext(rnd, index) {
    if (index === 0) { return ""; }
    if (index === 1) { return randomText(rnd, MAX_PLAINTEXT_BYTES); }
    switch (rnd.int(0, 3)) {
        case 0: return randomText(rnd, rnd.int(0, 40));
        case 1: return randomText(rnd, Math.max(0, 16 * rnd.int(0, 256) + rnd.int(-1, 1))); // around block edges
        default: return randomText(rnd, rnd.int(0, MAX_PLAINTEXT_BYTES));
    }
}

function randomPassphrase(rnd) {
    const length = rnd.int(1, 64);
    let text = "";
    for (let i = 0; i < length; i++) {
        text += String.fromCodePoint(rnd.int(0, 2) === 0 ? randomCodePoint(rnd) : rnd.int(0x21, 0x7e));
    }
    return text;
}

function label(stream, index, plaintext, passphrase) {
    return "seed " + SEED + ", " + stream + " case " + index + " (plaintext " + Buffer.byteLength(plaintext) +
        " bytes, passphrase " + Array.from(passphrase).length + " chars)";
}

function forEachCase(count, body) {
    for (let index = 0; index < count; index++) {
        if (ONLY === undefined || ONLY === index) { body(index); }
    }
}

// --- independent implementations --------------------------------------------

// The original flows' "Encrypt response" function node.
function cryptoJsSeal(message, passphrase) {
    const bdata = Buffer.from(JSON.stringify(message)).toString("base64");
    return CryptoJS.AES.encrypt(bdata, passphrase).toString();
}

// The original "Decrypt Request" function node, made strict.
function cryptoJsOpen(ciphertext, passphrase) {
    const plaintext = CryptoJS.AES.decrypt(ciphertext, passphrase).toString(CryptoJS.enc.Utf8);
    return JSON.parse(Buffer.from(plaintext, "base64").toString("utf8"));
}

function nodeRawEncrypt(plaintext, keyHex, iv) {
    const key = Buffer.from(keyHex, "hex");
    const cipher = crypto.createCipheriv("aes-" + key.length * 8 + "-cbc", key, iv);
    return { iv: iv.toString("base64"), data: Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64") };
}

function nodeRawDecrypt(body, keyHex) {
    const key = Buffer.from(keyHex, "hex");
    const decipher = crypto.createDecipheriv("aes-" + key.length * 8 + "-cbc", key, Buffer.from(body.iv, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(body.data, "base64")), decipher.final()]).toString("utf8");
}

// The ESP8266 firmware's request: base64(JSON) under AES-CBC with the raw key.
function nodeRawSeal(message, keyHex, iv) {
    return nodeRawEncrypt(Buffer.from(JSON.stringify(message)).toString("base64"), keyHex, iv);
}

function nodeRawOpen(body, keyHex) {
    return JSON.parse(Buffer.from(nodeRawDecrypt(body, keyHex), "base64").toString("utf8"));
}

function randomKeyHex(rnd) {
    const hex = rnd.bytes(rnd.pick([16, 24, 32])).toString("hex");
    return rnd.int(0, 1) ? hex.toUpperCase() : hex;
}

// Messages as devices and flows send them. Decimals keep to 15 significant
// digits: see the pending test at the end for longer ones.
function randomMessage(rnd) {
    const message = { SEQN: rnd.pick([0, 1, rnd.int(0, 1e6), rnd.int(0, MAX_SEQN), MAX_SEQN]) };
    if (rnd.int(0, 1)) { message.data = { value: rnd.pick([300, -40, rnd.int(-1e9, 1e9) / 100, rnd.int(-1e6, 1e6)]) }; }
    if (rnd.int(0, 1)) { message.msg = randomText(rnd, rnd.int(0, 200)); }
    if (rnd.int(0, 2) === 0) { message.list = [null, true, false, rnd.int(-5, 5), randomText(rnd, 10), { nested: [] }]; }
    if (rnd.int(0, 3) === 0) { message[randomText(rnd, 12)] = randomText(rnd, rnd.int(0, 1000)); }
    return message;
}

function code(fn) {
    try {
        fn();
    } catch (err) {
        should(err).be.an.instanceOf(Error);
        return err.code;
    }
    return "no error";
}

function opensslAvailable() {
    try {
        childProcess.execFileSync("openssl", ["version"], { stdio: "pipe" });
        return true;
    } catch (err) {
        return false;
    }
}

describe("wsn_crypto cross-check against crypto-js " + require("crypto-js/package.json").version + ", node:crypto and openssl", function () {
    this.timeout(120000);

    before(function () {
        console.log("      seed " + SEED + ", " + PAIRS + " pairs" + (ONLY === undefined ? "" : ", only case " + ONLY));
    });

    describe("passphrase format (CryptoJS.AES with a passphrase)", function () {
        it("decrypts the article's vector", function () {
            should(wsn.decrypt(ARTICLE_MSG, ARTICLE_KEY)).equal("eyJTRVFOIjoxMjB9");
            should(CryptoJS.AES.decrypt(ARTICLE_MSG, ARTICLE_KEY).toString(CryptoJS.enc.Utf8)).equal("eyJTRVFOIjoxMjB9");
        });

        it("our encrypt -> CryptoJS.AES.decrypt, " + PAIRS + " random pairs", function () {
            forEachCase(PAIRS, function (index) {
                const rnd = caseRandom(1, index);
                const plaintext = randomPlaintext(rnd, index);
                const passphrase = randomPassphrase(rnd);
                const where = label("encrypt", index, plaintext, passphrase);
                const ciphertext = wsn.encrypt(plaintext, passphrase);
                const framed = Buffer.from(ciphertext, "base64");
                should(framed.subarray(0, 8).toString("latin1")).equal("Salted__", where);
                should(framed.length).equal(16 + 16 * (Math.floor(Buffer.byteLength(plaintext) / 16) + 1), where);
                const back = CryptoJS.AES.decrypt(ciphertext, passphrase).toString(CryptoJS.enc.Utf8);
                should(back === plaintext).be.true(where);
            });
        });

        it("CryptoJS.AES.encrypt -> our decrypt, " + PAIRS + " random pairs", function () {
            forEachCase(PAIRS, function (index) {
                const rnd = caseRandom(2, index);
                const plaintext = randomPlaintext(rnd, index);
                const passphrase = randomPassphrase(rnd);
                const where = label("decrypt", index, plaintext, passphrase);
                const ciphertext = CryptoJS.AES.encrypt(plaintext, passphrase).toString();
                let back;
                try {
                    back = wsn.decrypt(ciphertext, passphrase);
                } catch (err) {
                    throw new Error(where + ": decrypt threw " + err.code);
                }
                should(back === plaintext).be.true(where);
            });
        });

        it("a wrong passphrase is cannot_decrypt (or, rarely, garbage that is never the plaintext)", function () {
            let refused = 0;
            forEachCase(200, function (index) {
                const rnd = caseRandom(3, index);
                const plaintext = randomPlaintext(rnd, index);
                const passphrase = randomPassphrase(rnd);
                const where = label("wrong key", index, plaintext, passphrase);
                const ciphertext = CryptoJS.AES.encrypt(plaintext, passphrase).toString();
                let got;
                try {
                    got = wsn.decrypt(ciphertext, passphrase + "x");
                } catch (err) {
                    should(err.code).equal("cannot_decrypt", where);
                    refused++;
                    return;
                }
                should(got === plaintext).be.false(where);
            });
            if (ONLY === undefined) { should(refused).be.above(190); }
        });
    });

    describe("raw-key format (node:crypto AES-CBC)", function () {
        it("our encryptRaw -> node:crypto createDecipheriv, " + PAIRS / 2 + " random cases", function () {
            forEachCase(PAIRS / 2, function (index) {
                const rnd = caseRandom(4, index);
                const plaintext = randomPlaintext(rnd, index);
                const keyHex = randomKeyHex(rnd);
                const where = "seed " + SEED + ", encryptRaw case " + index + " (AES-" + keyHex.length * 4 + ")";
                const body = wsn.encryptRaw(plaintext, keyHex);
                should(Object.keys(body).sort()).eql(["data", "iv"], where);
                should(Buffer.from(body.iv, "base64").length).equal(16, where);
                should(nodeRawDecrypt(body, keyHex) === plaintext).be.true(where);
            });
        });

        it("node:crypto createCipheriv -> our decryptRaw, " + PAIRS / 2 + " random cases", function () {
            forEachCase(PAIRS / 2, function (index) {
                const rnd = caseRandom(5, index);
                const plaintext = randomPlaintext(rnd, index);
                const keyHex = randomKeyHex(rnd);
                const where = "seed " + SEED + ", decryptRaw case " + index + " (AES-" + keyHex.length * 4 + ")";
                const body = nodeRawEncrypt(plaintext, keyHex, rnd.bytes(16));
                should(wsn.decryptRaw(body.iv, body.data, keyHex) === plaintext).be.true(where);
            });
        });
    });

    describe("envelope (seal/open) against the original flows' CryptoJS code and the firmware's format", function () {
        it("our seal -> CryptoJS/node:crypto open, both formats", function () {
            forEachCase(300, function (index) {
                const rnd = caseRandom(6, index);
                const message = randomMessage(rnd);
                const passphrase = randomPassphrase(rnd);
                const keyHex = randomKeyHex(rnd);
                const where = "seed " + SEED + ", seal case " + index;
                const reply = wsn.seal(message, passphrase);
                should(reply).be.a.String();
                should(cryptoJsOpen(reply, passphrase)).eql(message, where + " (passphrase)");
                should(cryptoJsOpen(wsn.seal(message, passphrase, { format: "passphrase" }), passphrase)).eql(message, where);
                const body = wsn.seal(message, keyHex, { format: "raw" });
                should(Object.keys(body).sort()).eql(["data", "iv"], where);
                should(nodeRawOpen(body, keyHex)).eql(message, where + " (raw)");
            });
        });

        it("CryptoJS/node:crypto seal -> our open, bodies as JSON text (as objects: bad_format)", function () {
            forEachCase(300, function (index) {
                const rnd = caseRandom(7, index);
                const message = randomMessage(rnd);
                const passphrase = randomPassphrase(rnd);
                const keyHex = randomKeyHex(rnd);
                const where = "seed " + SEED + ", open case " + index;
                const passphraseBody = { msg: cryptoJsSeal(message, passphrase) };
                const rawBody = nodeRawSeal(message, keyHex, rnd.bytes(16));
                should(code(function () { wsn.open(passphraseBody, passphrase); })).equal("bad_format", where);
                should(wsn.open(JSON.stringify(passphraseBody), passphrase)).eql({ format: "passphrase", message: message }, where);
                should(code(function () { wsn.open(rawBody, keyHex); })).equal("bad_format", where);
                should(wsn.open(JSON.stringify(rawBody), keyHex)).eql({ format: "raw", message: message }, where);
            });
        });

        it("a firmware message whose inner base64 lost its final '=' still opens; one that lost data does not", function () {
            const iv = Buffer.alloc(16, 7);
            const message = { data: { value: 300 }, SEQN: 1 };
            const inner = Buffer.from(JSON.stringify(message)).toString("base64");
            should(inner.endsWith("==")).be.true();
            should(wsn.open(JSON.stringify(nodeRawEncrypt(inner.slice(0, -1), ARTICLE_KEY, iv)), ARTICLE_KEY)).eql({ format: "raw", message: message });
            const unpadded = Buffer.from('{"data":{"value":-40}, "SEQN":4 , "msg":"IT WORKS!!" }').toString("base64");
            should(unpadded.endsWith("=")).be.false();
            should(code(function () { wsn.open(JSON.stringify(nodeRawEncrypt(unpadded.slice(0, -1), ARTICLE_KEY, iv)), ARTICLE_KEY); })).equal("cannot_decrypt");
        });

        it("checkSequence agrees with the reference rule on random SEQN pairs", function () {
            forEachCase(PAIRS, function (index) {
                const rnd = caseRandom(8, index);
                const stored = rnd.pick([0, rnd.int(0, 100), rnd.int(0, MAX_SEQN), MAX_SEQN]);
                const seqn = rnd.pick([stored, stored + 1, stored - 1, rnd.int(0, 100), rnd.int(0, MAX_SEQN), MAX_SEQN, MAX_SEQN + 1, -1, 1.5]);
                const policy = rnd.pick(["forward-only", "any"]);
                const where = "seed " + SEED + ", sequence case " + index + ": stored " + stored + ", SEQN " + seqn + ", " + policy;
                let expected;
                if (!Number.isSafeInteger(seqn) || seqn < 0) {
                    expected = "bad_seqn";
                } else if (seqn > stored) {
                    expected = { seqn: seqn, stored: stored, lost: seqn - stored - 1 };
                } else if (policy === "any") {
                    expected = { seqn: seqn, stored: stored, lost: 0 };
                } else {
                    expected = seqn === stored ? "replay" : "stale";
                }
                let got;
                try {
                    got = wsn.checkSequence({ SEQN: seqn }, stored, { policy: policy });
                } catch (err) {
                    got = err.code;
                }
                should(got).eql(expected, where);
            });
        });

        // Regression: serde_json without `float_roundtrip` gave some doubles
        // JSON.stringify writes back one ULP off.
        it("open reads every number JSON.stringify writes as JSON.parse does (e.g. 3.7100000000000004)", function () {
            const message = { SEQN: 1, value: 3.7100000000000004 };
            should(wsn.open(JSON.stringify({ msg: cryptoJsSeal(message, "k") }), "k").message).eql(message);
        });
    });

    describe("authenticated format v2 against node:crypto (helpers/auth-reference.js)", function () {
        const REQUEST_KINDS = ["query", "reset", "data"];
        const REPLY_KINDS = ["seqn", "ack", "refusal"];

        // A request as a device sends it: a data message with a data object,
        // its SEQN member (when there is one) equal to the header's.
        function randomRequest(rnd, index) {
            const kind = rnd.pick(REQUEST_KINDS);
            // Resets and data are forward-only: one above a stored SEQN, so at least 1.
            const seqn = Math.max(kind === "query" ? 0 : 1, rnd.pick([0, 1, rnd.int(0, 1e6), rnd.int(0, MAX_SEQN), MAX_SEQN]));
            const message = kind === "data" ? { data: { value: rnd.int(-1e6, 1e6), text: randomPlaintext(rnd, index) } } : {};
            if (rnd.int(0, 1)) { message.SEQN = seqn; }
            const id = randomText(rnd, rnd.int(1, 40)).replace(/\0/g, "0") || "x";
            return { kind, seqn, message, id, key: randomKeyHex(rnd) };
        }

        it("node:crypto request -> our openRequest, our reply bound to it -> node:crypto open, " + PAIRS / 2 + " random cases", function () {
            forEachCase(PAIRS / 2, function (index) {
                const rnd = caseRandom(10, index);
                const r = randomRequest(rnd, index);
                const where = "seed " + SEED + ", auth request case " + index + " (" + r.kind + ", SEQN " + r.seqn + ")";
                const sealed = authReference.seal({ key: r.key, deviceId: r.id, kind: r.kind, seqn: r.seqn, plaintext: JSON.stringify(r.message) });
                const body = JSON.stringify({ auth: sealed.auth });
                // Stored one below, so that every kind passes the sequence rule (a query is not checked).
                const stored = Math.max(0, r.seqn - 1);
                const taken = wsn.openRequest(body, r.key, r.kind === "query" ? r.seqn : stored, { endpoint: r.kind === "data" ? "data" : "seqn", deviceId: r.id, formats: "auth" });
                should(taken.message).eql(r.message, where);
                should([taken.format, taken.kind, taken.seqn, taken.request]).eql(["auth", r.kind, r.seqn, sealed.tag.toString("base64")], where);

                const replyKind = rnd.pick(REPLY_KINDS);
                const reply = replyKind === "refusal" ? { error: "stale", SEQN: taken.stored } : { SEQN: taken.seqn, ack: replyKind === "ack" };
                const answer = wsn.seal(reply, r.key, { format: "auth", deviceId: r.id, kind: replyKind, request: taken.request });
                const opened = authReference.open(answer.auth, { key: r.key, deviceId: r.id, request: sealed.tag });
                should([opened.kind, opened.seqn, JSON.parse(opened.plaintext)]).eql([replyKind, reply.SEQN, reply], where);
            });
        });

        it("our request -> node:crypto open, node:crypto reply -> our open bound to it, " + PAIRS / 2 + " random cases", function () {
            forEachCase(PAIRS / 2, function (index) {
                const rnd = caseRandom(11, index);
                const r = randomRequest(rnd, index);
                const where = "seed " + SEED + ", auth seal case " + index + " (" + r.kind + ", SEQN " + r.seqn + ")";
                // wasm takes the header's SEQN from the message: give it one (a query may go without).
                const message = r.kind === "query" && r.seqn === 0 ? {} : Object.assign({}, r.message, { SEQN: r.seqn });
                const sealed = wsn.seal(message, r.key, { format: "auth", deviceId: r.id, kind: r.kind });
                const opened = authReference.open(sealed.auth, { key: r.key, deviceId: r.id });
                should([opened.kind, opened.seqn, JSON.parse(opened.plaintext)]).eql([r.kind, r.seqn, message], where);

                const replyKind = rnd.pick(REPLY_KINDS);
                const plaintext = JSON.stringify({ SEQN: r.seqn, text: randomText(rnd, rnd.int(0, 100)) });
                const reply = authReference.seal({ key: r.key, deviceId: r.id, kind: replyKind, seqn: r.seqn, plaintext, request: opened.tag });
                const got = wsn.open(JSON.stringify({ auth: reply.auth }), r.key, { deviceId: r.id, direction: "reply", request: opened.tag.toString("base64") });
                should(got).eql({ format: "auth", kind: replyKind, seqn: r.seqn, message: JSON.parse(plaintext) }, where);
            });
        });
    });

    describe("openssl enc -aes-256-cbc -md md5 -a", function () {
        const cases = [
            ["hello", "secret"],
            ["", "secret"],
            ["0123456789abcdef", ARTICLE_KEY],
            ["Grüße, 世界 🌍", "pässwörd-秘密-🔑"],
            ["eyJTRVFOIjoxMjB9", ARTICLE_KEY],
            ["line one\nline two\n", "-starts-with-a-dash"],
            ["x".repeat(3000), "k"],
            [randomText(caseRandom(9, 0), 1500), randomPassphrase(caseRandom(9, 1)).replace(/\0/g, "0")]
        ];

        before(function () {
            if (!opensslAvailable()) { this.skip(); }
        });

        it("openssl enc -d decrypts our encrypt output", function () {
            cases.forEach(function (pair, index) {
                const ciphertext = wsn.encrypt(pair[0], pair[1]);
                const out = childProcess.execFileSync("openssl",
                    ["enc", "-d", "-aes-256-cbc", "-md", "md5", "-a", "-A", "-pass", "pass:" + pair[1]],
                    { input: ciphertext, stdio: ["pipe", "pipe", "pipe"] });
                should(out.toString("utf8") === pair[0]).be.true("openssl case " + index);
            });
        });

        it("our decrypt reads openssl enc output, line breaks and all", function () {
            cases.forEach(function (pair, index) {
                const out = childProcess.execFileSync("openssl",
                    ["enc", "-aes-256-cbc", "-md", "md5", "-a", "-pass", "pass:" + pair[1]],
                    { input: Buffer.from(pair[0], "utf8"), stdio: ["pipe", "pipe", "pipe"] }).toString();
                if (Buffer.byteLength(pair[0]) > 32) { should(out.trim()).match(/\n/, "openssl wraps long output"); }
                should(wsn.decrypt(out, pair[1]) === pair[0]).be.true("openssl case " + index);
            });
        });
    });
});
