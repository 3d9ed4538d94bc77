"use strict";
// Unit tests of the wsn-decrypt and wsn-encrypt nodes in a real Node-RED
// runtime (node-red-node-test-helper), driving the real wasm module.
// Requests are made and replies opened with crypto-js, node:crypto and the
// independent auth v2 implementation (helpers/auth-reference.js), not with
// the module under test, so each format is checked against another client.

const util = require("util");
const crypto = require("crypto");
const should = require("should");
const helper = require("node-red-node-test-helper");
const reference = require("./helpers/auth-reference.js");
const device = require("./helpers/device.js");
const { ALL_FORMATS, ARTICLE_SET_SEQN_BODY, FIRMWARE_MESSAGE } = require("./helpers/article.js");
const { statusClock, STATUS_THROTTLE_MS } = require("../../node-red/lib/common.js");
const decryptNode = require("../../node-red/wsn-decrypt.js");
const encryptNode = require("../../node-red/wsn-encrypt.js");
const kekNode = require("../../node-red/wsn-kek.js");
const wasm = require("../../pkg/wsn_crypto.js");

helper.init(require.resolve("node-red"));

const KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
const DEV = { id: "12FA", key: KEY };
// {"SEQN":120} under KEY: the article's reset.
const ARTICLE_BODY = JSON.parse(ARTICLE_SET_SEQN_BODY);

// The device side (helpers/device.js): crypto-js and node:crypto, as objects the nodes get.
function passphraseBody(message, key) { return JSON.parse(device.passphraseBody(message, key || KEY)); }
function rawBody(message, keyHex) { return JSON.parse(device.rawBody(message, keyHex || KEY)); }
function openRaw(body, keyHex) { return device.openEnvelope(device.rawDecrypt(body.iv, body.data, keyHex || KEY)); }
function openPassphrase(ciphertext, key) { return device.openEnvelope(device.passphraseDecrypt(ciphertext, key || KEY)); }
/** An authenticated request of `kind` from DEV: { body (object), tag (Buffer) }. */
function authRequest(kind, seqn, message, dev) {
    const { text, tag } = reference.requestBody(dev || DEV, kind, seqn, message);
    return { body: JSON.parse(text), tag };
}
/** A device row as the SQLite node returns it; `formats` null leaves the column out. */
function row(seqn, key, formats) {
    const r = { deviceKey: key || KEY, deviceSQN: seqn };
    if (formats !== null) { r.deviceFormats = formats === undefined ? ALL_FORMATS : formats; }
    return [r];
}
/** A message as the flows' HTTP In and device query make it. */
function request(body, rows, id) {
    return { req: { body, params: { id: id || DEV.id }, query: {} }, payload: rows };
}
/** Opens a reply (or a refusal) with the reference helper, bound to `tag`. */
function openBound(payload, tag) {
    return reference.openReply(DEV, JSON.stringify(payload), tag);
}

function decryptFlow(props) {
    return [
        { id: "tab", type: "tab", label: "test" },
        Object.assign({ id: "d", z: "tab", type: "wsn-decrypt", name: "", wires: [["ok"], ["bad"]] }, props || {}),
        { id: "ok", z: "tab", type: "helper" },
        { id: "bad", z: "tab", type: "helper" },
        { id: "c", z: "tab", type: "catch", scope: ["d"], uncaught: false, wires: [["caught"]] },
        { id: "caught", z: "tab", type: "helper" }
    ];
}

function encryptFlow(props) {
    return [
        { id: "tab", type: "tab", label: "test" },
        Object.assign({ id: "e", z: "tab", type: "wsn-encrypt", name: "", wires: [["ok"], ["bad"]] }, props || {}),
        { id: "ok", z: "tab", type: "helper" },
        { id: "bad", z: "tab", type: "helper" }
    ];
}

/**
 * Both nodes, as the shipped flows set them up for a reply to a request:
 * each is run on its own (run("d"), then run("e") with what came out), so a
 * test can put the flow's reply or refusal in between.
 */
function replyFlow(decryptProps, encryptProps) {
    return [
        { id: "tab", type: "tab", label: "test" },
        Object.assign({ id: "d", z: "tab", type: "wsn-decrypt", name: "", wires: [["ok"], ["bad"]] }, decryptProps || {}),
        Object.assign({ id: "e", z: "tab", type: "wsn-encrypt", name: "", key: "wsn.key", message: "reply", formats: "wsn.formats", wires: [["ok"], ["bad"]] }, encryptProps || {}),
        { id: "ok", z: "tab", type: "helper" },
        { id: "bad", z: "tab", type: "helper" }
    ];
}

// Node-RED's nodes keep "input" handlers in a list of their own, so the
// outputs are watched once per loaded flow and each run takes the next answer.
let waiting = null;
function watchOutputs() {
    helper.getNode("ok").on("input", function (m) { answer({ out: 1, msg: m }); });
    helper.getNode("bad").on("input", function (m) { answer({ out: 2, msg: m }); });
    // A decrypt node with three outputs (endpoint "seqn"): resets leave by the second.
    const reset = helper.getNode("reset");
    if (reset) { reset.on("input", function (m) { answer({ out: "reset", msg: m }); }); }
    // Endpoint "any" (four outputs): data messages leave by the third.
    const data = helper.getNode("data");
    if (data) { data.on("input", function (m) { answer({ out: "data", msg: m }); }); }
}
function answer(result) {
    const resolve = waiting;
    waiting = null;
    if (resolve) { resolve(result); }
}

/** Sends msg to the node under test and resolves with the output that answers. */
function run(nodeId, msg) {
    return new Promise(function (resolve) {
        waiting = resolve;
        helper.getNode(nodeId).receive(msg);
    });
}

function loadFlow(flow, credentials) {
    return new Promise(function (resolve) {
        helper.load([decryptNode, encryptNode, kekNode], flow, credentials || {}, function () {
            watchOutputs();
            resolve();
        });
    });
}

/**
 * The status counters wait STATUS_THROTTLE_MS on statusClock before they
 * redraw; the tests hold those callbacks and run them when they look, so no
 * test waits out the throttle.
 */
let pendingStatus = [];
/** In a describe block: its nodes' status counters run on the held clock. */
function holdStatusClock() {
    const realClock = Object.assign({}, statusClock);
    before(function () {
        statusClock.later = function (callback, ms) {
            ms.should.equal(STATUS_THROTTLE_MS);
            pendingStatus.push(callback);
            return callback;
        };
        statusClock.cancel = function (callback) { pendingStatus = pendingStatus.filter((c) => c !== callback); };
    });
    after(function () {
        Object.assign(statusClock, realClock);
        pendingStatus = [];
    });
}

/** The node's status once the throttle has passed. */
function statusShown(node) {
    const due = pendingStatus;
    pendingStatus = [];
    due.forEach((callback) => callback());
    // The helper wraps status in a sinon spy already.
    return (node.status.lastCall && node.status.lastCall.args[0]) || {};
}

/** Nothing the node showed or logged may hold a key (or any other secret given). */
function assertNothingShown(node, secrets) {
    for (const call of node.status.getCalls().concat(helper.log().getCalls())) {
        const shown = JSON.stringify(call.args);
        for (const secret of secrets) { shown.should.not.containEql(secret); }
    }
}

describe("wsn-decrypt node", function () {
    holdStatusClock();
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    it("opens the article's reset on an endpoint 'seqn' node and accepts SEQN 120 over a stored 100", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        const { out, msg } = await run("d", request(ARTICLE_BODY, row(100)));
        out.should.equal(1);
        msg.payload.should.eql({ SEQN: 120 });
        msg.wsn.should.containEql({ format: "passphrase", kind: "reset", seqn: 120, stored: 100, lost: 19, policy: "forward-only", deviceId: "12FA", formats: ALL_FORMATS });
        should.not.exist(msg.wsn.request);
    });

    it("opens the raw-key format of the ESP8266 firmware (AES-128, 192 and 256) as data", async function () {
        await loadFlow(decryptFlow());
        for (const key of [KEY, "000102030405060708090a0b0c0d0e0f1011121314151617", crypto.randomBytes(32).toString("hex")]) {
            const message = { data: { value: -40 }, SEQN: 4, msg: "IT WORKS!!" };
            const { out, msg } = await run("d", request(rawBody(message, key), row(3, key)));
            out.should.equal(1, key.length);
            msg.payload.should.eql(message);
            msg.wsn.should.containEql({ format: "raw", kind: "data", seqn: 4, lost: 0 });
        }
    });

    it("takes the body as JSON text or as a Buffer too", async function () {
        await loadFlow(decryptFlow());
        const text = JSON.stringify(passphraseBody(device.dataMessage(7)));
        for (const body of [text, Buffer.from(text)]) {
            const { out, msg } = await run("d", request(body, row(1)));
            out.should.equal(1);
            msg.payload.SEQN.should.equal(7);
        }
    });

    it("uses a fixed key from the credentials, a fixed list of formats and custom properties", async function () {
        await loadFlow(decryptFlow({ keyType: "cred", key: "", body: "payload", stored: "stored", formats: "passphrase", formatsType: "str" }), { d: { fixedKey: "s3cret ✓" } });
        const { out, msg } = await run("d", { payload: passphraseBody(device.dataMessage(5), "s3cret ✓"), stored: 2 });
        out.should.equal(1);
        msg.wsn.should.containEql({ lost: 2, formats: "passphrase" });
    });

    it("keeps the key for the reply but never lets it print", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        const { msg } = await run("d", request(ARTICLE_BODY, row(0)));
        msg.wsn.key.reveal().should.equal(KEY);
        JSON.stringify(msg).should.not.containEql(KEY);
        util.inspect(msg, { depth: 10 }).should.not.containEql(KEY);
        String(msg.wsn.key).should.equal("[redacted]");
    });

    /** The message with one bit of its last byte (the tag's) flipped. */
    function tagFlipped(auth) {
        const bytes = Buffer.from(auth, "base64");
        bytes[bytes.length - 1] ^= 0x01;
        return { auth: bytes.toString("base64") };
    }
    function authV1() {
        // Version 1's layout (0x01 | 'Q' | iv | ciphertext | tag): refused on its version byte.
        return { auth: Buffer.concat([Buffer.from([0x01, 0x51]), crypto.randomBytes(16 + 16 + 16)]).toString("base64") };
    }

    // On the default endpoint, "data". Every one answers exactly {"error": code}:
    // none of these requests proved it has the key, so none gets a sealed refusal.
    const rejections = [
        ["replayed SEQN", () => request(passphraseBody(device.dataMessage(120)), row(120)), 409, "replay"],
        ["stale SEQN", () => request(passphraseBody(device.dataMessage(120)), row(500)), 409, "stale"],
        ["wrong key", () => request(passphraseBody(device.dataMessage(1), "other"), row(0)), 400, "cannot_decrypt"],
        ["bad base64", () => request({ msg: "U2Fs$$$" }, row(0)), 400, "cannot_decrypt"],
        ["inner text not JSON", () => request({ msg: device.passphraseEncrypt(Buffer.from("not json").toString("base64"), KEY) }, row(0)), 400, "cannot_decrypt"],
        ["raw key, wrong key", () => request(rawBody(device.dataMessage(1), "00".repeat(16)), row(0)), 400, "cannot_decrypt"],
        ["body of neither format", () => request({ msg: "x", iv: "y" }, row(0)), 400, "bad_format"],
        ["body text not JSON", () => request("{", row(0)), 400, "bad_json"],
        ["no body", () => request(undefined, row(0)), 400, "bad_format"],
        ["a number for a body", () => request(42, row(0)), 400, "bad_format"],
        ["deeply nested body", () => request({ msg: JSON.parse("[".repeat(4000) + "]".repeat(4000)) }, row(0)), 400, "bad_format"],
        ["SEQN fractional", () => request(passphraseBody({ data: {}, SEQN: 1.5 }), row(0)), 400, "bad_seqn"],
        ["SEQN as string", () => request(passphraseBody({ data: {}, SEQN: "9" }), row(0)), 400, "bad_seqn"],
        ["SEQN above 2^53-1", () => request(passphraseBody({ data: {}, SEQN: 2 ** 53 }), row(0)), 400, "bad_seqn"],
        ["a data message without data", () => request(passphraseBody({ SEQN: 5 }), row(0)), 400, "bad_format"],
        ["data that is not an object", () => request(passphraseBody({ data: 5, SEQN: 5 }), row(0)), 400, "bad_format"],
        ["raw data whose SEQN starts in the first block", () => request(rawBody({ SEQN: 4, data: { value: 1 } }), row(0)), 400, "malleable_seqn"],
        ["auth, posted under another device id", () => request(authRequest("data", 1, { data: {} }, { id: "12FB", key: KEY }).body, row(0)), 400, "cannot_decrypt"],
        ["auth, wrong key", () => request(authRequest("data", 1, { data: {} }, { id: "12FA", key: "00".repeat(16) }).body, row(0)), 400, "cannot_decrypt"],
        ["auth, a bit of the tag flipped", () => request(tagFlipped(authRequest("data", 1, { data: {} }).body.auth), row(0)), 400, "cannot_decrypt"],
        ["auth, bad base64", () => request({ auth: "$$$" }, row(0)), 400, "cannot_decrypt"],
        ["auth version 1", () => request(authV1(), row(0)), 400, "bad_format"],
        ["unknown device (no row)", () => request(ARTICLE_BODY, []), 404, "unknown_device"],
        ["a row without formats", () => request(passphraseBody(device.dataMessage(1)), row(0, KEY, null)), 403, "format_not_allowed"],
        ["a row with an empty list of formats", () => request(authRequest("data", 1, { data: {} }).body, row(0, KEY, "")), 403, "format_not_allowed"],
        ["a format the row does not list", () => request(rawBody(device.dataMessage(1)), row(0, KEY, "passphrase,auth")), 403, "format_not_allowed"],
        ["oversized body", () => request({ msg: "A".repeat(20000) }, row(0)), 413, "too_large"],
        ["malformed key in the row", () => request(rawBody(device.dataMessage(1)), row(0, "not-hex")), 500, "server_error"]
    ];

    for (const [name, makeMsg, status, code] of rejections) {
        it(`rejects ${name}: output 2, ${status} {"error":"${code}"}, Catch node fires`, async function () {
            await loadFlow(decryptFlow());
            const caught = new Promise(function (resolve) { helper.getNode("caught").once("input", resolve); });
            const { out, msg } = await run("d", makeMsg());
            out.should.equal(2);
            msg.statusCode.should.equal(status);
            msg.payload.should.eql({ error: code });
            JSON.stringify(msg.payload).should.not.containEql(KEY);
            should.not.exist(msg.wsn.key);
            const c = await caught;
            c.error.message.should.match(/wsn-decrypt: [a-z0-9_]+$/);
        });
    }

    it("opens the authenticated format bound to msg.req.params.id and gives what the reply needs in msg.wsn", async function () {
        await loadFlow(decryptFlow());
        const { body, tag } = authRequest("data", 9, { data: { value: 300 } });
        let r = await run("d", request(body, row(3)));
        r.out.should.equal(1);
        r.msg.payload.should.eql({ data: { value: 300 } });
        r.msg.wsn.should.containEql({ format: "auth", kind: "data", seqn: 9, stored: 3, lost: 5, policy: "forward-only", deviceId: "12FA", formats: ALL_FORMATS, request: tag.toString("base64") });
        r = await run("d", request(body, row(3), "12FB"));
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 400, { error: "cannot_decrypt" }]);
        r = await run("d", request(ARTICLE_BODY, row(0, KEY, "auth")));
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }]);
    });

    it("takes on endpoint 'seqn' only queries and resets: auth data there is refused wrong_kind, sealed for the device and bound to its request", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        const data = authRequest("data", 41, { data: { value: 1 } });
        let r = await run("d", request(data.body, row(40)));
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 400, "wrong_kind"]);
        Object.keys(r.msg.payload).sort().should.eql(["auth", "error"]);
        openBound(r.msg.payload, data.tag).should.eql({ kind: "refusal", seqn: 40, message: { error: "wrong_kind", SEQN: 40 } });
        // Bound to that request: under any other request's tag it does not open.
        (() => openBound(r.msg.payload, crypto.randomBytes(16))).should.throw(/bad tag/);

        const query = authRequest("query", 0);
        r = await run("d", request(query.body, row(40)));
        r.out.should.equal(1);
        r.msg.payload.should.eql({});
        r.msg.wsn.should.containEql({ format: "auth", kind: "query", seqn: 0, stored: 40, lost: 0, request: query.tag.toString("base64") });

        const reset = authRequest("reset", 50);
        r = await run("d", request(reset.body, row(40)));
        r.out.should.equal(1);
        r.msg.wsn.should.containEql({ format: "auth", kind: "reset", seqn: 50, stored: 40, request: reset.tag.toString("base64") });
    });

    it("takes on endpoint 'data' only data: an auth query or reset there is refused wrong_kind, sealed", async function () {
        await loadFlow(decryptFlow());
        for (const kind of ["query", "reset"]) {
            const sent = authRequest(kind, 12);
            const r = await run("d", request(sent.body, row(11)));
            [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 400, "wrong_kind"], kind);
            openBound(r.msg.payload, sent.tag).should.eql({ kind: "refusal", seqn: 11, message: { error: "wrong_kind", SEQN: 11 } });
        }
    });

    it("refuses a replayed or stale auth message 409 with a sealed refusal carrying the stored SEQN", async function () {
        await loadFlow(decryptFlow());
        const sent = authRequest("data", 3, { data: { value: 1 } });
        for (const [stored, code] of [[3, "replay"], [7, "stale"]]) {
            const r = await run("d", request(sent.body, row(stored)));
            [r.out, r.msg.statusCode, r.msg.payload.error, r.msg.wsn.error].should.eql([2, 409, code, code]);
            openBound(r.msg.payload, sent.tag).should.eql({ kind: "refusal", seqn: stored, message: { error: code, SEQN: stored } });
        }
    });

    it("refuses an auth plaintext whose SEQN contradicts the header (bad_seqn, sealed): the header is what counts", async function () {
        await loadFlow(decryptFlow());
        const sent = authRequest("data", 5, { data: {}, SEQN: 6 });
        const r = await run("d", request(sent.body, row(0)));
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 400, "bad_seqn"]);
        openBound(r.msg.payload, sent.tag).message.should.eql({ error: "bad_seqn", SEQN: 0 });
    });

    it("fails closed on formats: no column, an empty list, or a fixed list typed into the node that excludes the format", async function () {
        await loadFlow(decryptFlow());
        const auth = authRequest("data", 1, { data: {} }).body;
        for (const rows of [row(0, KEY, null), row(0, KEY, ""), row(0, KEY, " , ")]) {
            const r = await run("d", request(auth, rows));
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }], JSON.stringify(rows));
        }
        await helper.unload();
        // The node's own list wins over the row's.
        await loadFlow(decryptFlow({ formats: "auth", formatsType: "str" }));
        let r = await run("d", request(passphraseBody(device.dataMessage(1)), row(0)));
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }]);
        r = await run("d", request(auth, row(0, KEY, null)));
        r.out.should.equal(1);
        r.msg.wsn.formats.should.equal("auth");
    });

    it("regression: refuses a raw-format reset on endpoint 'seqn' (403 format_not_allowed) before decrypting anything", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        // The raw format is allowed to the device, and the reset would decrypt;
        // a wrong key gets the same answer: nothing was decrypted.
        for (const key of [KEY, "00".repeat(16)]) {
            const r = await run("d", request(rawBody({ SEQN: 9 }, key), row(0)));
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }], key);
        }
    });

    it("regression: refuses raw data whose SEQN an IV flip could rewrite (malleable_seqn), takes the firmware's layout", async function () {
        await loadFlow(decryptFlow());
        let r = await run("d", request(rawBody({ SEQN: 121, data: { value: 300 } }), row(0)));
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 400, { error: "malleable_seqn" }]);
        r = await run("d", request(rawBody({ data: {}, SEQN: 1 }), row(0)));
        [r.out, r.msg.payload.error].should.eql([2, "malleable_seqn"]);
        r = await run("d", request(rawBody(FIRMWARE_MESSAGE), row(0)));
        r.out.should.equal(1);
        r.msg.payload.should.eql({ data: { value: -40 }, SEQN: 4, msg: "IT WORKS!!" });
    });

    it("answers bad padding and bad JSON after decryption identically", async function () {
        await loadFlow(decryptFlow());
        const padding = await run("d", request(passphraseBody(device.dataMessage(1), "wrong"), row(0)));
        const json = await run("d", request({ msg: device.passphraseEncrypt("bm90IGpzb24=", KEY) }, row(0)));
        [padding.msg.statusCode, padding.msg.payload].should.eql([json.msg.statusCode, json.msg.payload]);
    });

    it("accepts a lower passphrase SEQN under policy 'any' but keeps auth resets forward-only; skips the check under 'none'", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn", policy: "any" }));
        let r = await run("d", request(ARTICLE_BODY, row(500)));
        r.out.should.equal(1);
        r.msg.wsn.should.containEql({ seqn: 120, policy: "any" });
        const reset = authRequest("reset", 2);
        r = await run("d", request(reset.body, row(9)));
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 409, "stale"]);
        openBound(r.msg.payload, reset.tag).message.should.eql({ error: "stale", SEQN: 9 });
        await helper.unload();
        await loadFlow(decryptFlow({ policy: "none" }));
        r = await run("d", request(passphraseBody(device.dataMessage(2, 7)), row(500)));
        r.out.should.equal(1);
        r.msg.payload.should.eql({ data: { value: 7 }, SEQN: 2 });
        r.msg.wsn.policy.should.equal("none");
    });

    it("keeps working after a run of hostile inputs", async function () {
        await loadFlow(decryptFlow());
        const hostile = [null, 42, true, [], {}, { msg: null }, { msg: {} }, { iv: 1, data: 2 }, { auth: 1 }, { auth: "" }, "\u0000", "[]",
            "{\"msg\":" + "[".repeat(5000), { msg: "U2FsdGVkX1" + "A".repeat(64) }, { auth: "Ag" + "A".repeat(94) }];
        for (const body of hostile) {
            const r = await run("d", request(body, row(0)));
            r.out.should.equal(2, JSON.stringify(body));
            should.not.exist(r.msg.payload.auth);
        }
        const good = await run("d", request(passphraseBody(device.dataMessage(1)), row(0)));
        good.out.should.equal(1);
    });

    it("shows counts in its status and never a key, plaintext or ciphertext; logs no key", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        const node = helper.getNode("d");
        const auth = authRequest("reset", 130).body;
        await run("d", request(ARTICLE_BODY, row(100)));
        await run("d", request(ARTICLE_BODY, row(120)));
        await run("d", request(auth, row(200)));
        // Throttled: nothing drawn before the clock says so, but the warning at
        // start that this flow has no key-encryption key.
        node.status.args.map((args) => args[0].text).should.eql(["keys not wrapped: no KEK"]);
        const status = statusShown(node);
        status.text.should.match(/passed 1/).and.match(/rejected 2/).and.match(/stale/);
        assertNothingShown(node, [KEY, ARTICLE_BODY.msg, auth.auth, "SEQN\":120"]);
    });
});

describe("wsn-encrypt node", function () {
    holdStatusClock();
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    it("seals {SEQN} for a GET in the passphrase format crypto-js opens", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        const { out, msg } = await run("e", { reply: { SEQN: 20 }, payload: row(20), req: { params: { id: "12FA" }, query: {} }, res: {} });
        out.should.equal(1);
        msg.payload.should.startWith("U2FsdGVkX1");
        openPassphrase(msg.payload).should.eql({ SEQN: 20 });
        msg.headers["content-type"].should.startWith("text/plain");
    });

    it("answers a GET that asks ?format=raw in the raw format", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        const { msg } = await run("e", { reply: { SEQN: 8 }, payload: row(8), req: { params: { id: "12FA" }, query: { format: "raw" } } });
        openRaw(msg.payload).should.eql({ SEQN: 8 });
    });

    it("refuses a GET for a device whose formats are 'auth' only (403): a GET has no request to bind a reply to", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        for (const query of [{}, { format: "raw" }]) {
            const r = await run("e", { reply: { SEQN: 2 }, payload: row(2, KEY, "auth"), req: { params: { id: "12FA" }, query } });
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }], JSON.stringify(query));
        }
    });

    it("refuses ?format=auth (or any other) on a GET with 400 bad_format, even for a device that may use auth", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        for (const format of ["auth", "nonsense"]) {
            const r = await run("e", { reply: { SEQN: 2 }, payload: row(2), req: { params: { id: "12FA" }, query: { format } } });
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 400, { error: "bad_format" }], format);
        }
    });

    it("fails closed on formats: a device row without any gets no reply", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        for (const rows of [row(2, KEY, null), row(2, KEY, "")]) {
            const r = await run("e", { reply: { SEQN: 2 }, payload: rows, req: { params: { id: "12FA" }, query: {} } });
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 403, { error: "format_not_allowed" }]);
        }
    });

    it("replies in the format the request used, with the key wsn-decrypt kept", async function () {
        await loadFlow(encryptFlow({ key: "wsn.key", message: "reply", formats: "wsn.formats" }));
        const { redactedKey } = require("../../node-red/lib/common.js");
        const { out, msg } = await run("e", { reply: { SEQN: 3, ack: true }, wsn: { format: "raw", kind: "data", seqn: 3, formats: "raw", key: redactedKey(KEY) }, res: {} });
        out.should.equal(1);
        openRaw(msg.payload).should.eql({ SEQN: 3, ack: true });
        msg.headers["content-type"].should.startWith("application/json");
    });

    it("uses a fixed key from the credentials and a fixed list of formats", async function () {
        await loadFlow(encryptFlow({ keyType: "cred", key: "", message: "payload", format: "passphrase", formats: "passphrase", formatsType: "str" }), { e: { fixedKey: "fixed ✓" } });
        const { out, msg } = await run("e", { payload: { SEQN: 1 } });
        out.should.equal(1);
        openPassphrase(msg.payload, "fixed ✓").should.eql({ SEQN: 1 });
    });

    it("seals a query's answer as kind seqn, a reset's and a data message's as kind ack, each bound to msg.wsn.request", async function () {
        await loadFlow(replyFlow({ endpoint: "seqn" }));
        const cases = [
            // [request kind, its seqn, plaintext, stored, the flow's reply, expected reply kind, header seqn]
            ["query", 0, {}, 40, (wsn) => ({ SEQN: wsn.stored }), "seqn", 40],
            ["reset", 50, {}, 40, (wsn) => ({ SEQN: wsn.seqn, ack: true }), "ack", 50]
        ];
        for (const [kind, seqn, plaintext, stored, reply, replyKind, headerSeqn] of cases) {
            const sent = authRequest(kind, seqn, plaintext);
            const taken = await run("d", request(sent.body, row(stored)));
            taken.out.should.equal(1, kind);
            taken.msg.reply = reply(taken.msg.wsn);
            const r = await run("e", taken.msg);
            r.out.should.equal(1, kind);
            Object.keys(r.msg.payload).should.eql(["auth"]);
            openBound(r.msg.payload, sent.tag).should.eql({ kind: replyKind, seqn: headerSeqn, message: taken.msg.reply });
            (() => openBound(r.msg.payload, authRequest(kind, seqn, plaintext).tag)).should.throw(/bad tag/);
        }
        await helper.unload();
        await loadFlow(replyFlow());
        const sent = authRequest("data", 9, { data: { value: 1 } });
        const taken = await run("d", request(sent.body, row(3)));
        taken.msg.reply = { SEQN: 9, ack: true, lost: taken.msg.wsn.lost };
        const r = await run("e", taken.msg);
        openBound(r.msg.payload, sent.tag).should.eql({ kind: "ack", seqn: 9, message: { SEQN: 9, ack: true, lost: 5 } });
    });

    it("turns a lost race (msg.wsn.refused, message {SEQN: stored now}) into replay or stale, 409, sealed and bound to the request", async function () {
        await loadFlow(replyFlow());
        const sent = authRequest("data", 5, { data: { value: 1 } });
        for (const [storedNow, code] of [[5, "replay"], [8, "stale"]]) {
            const taken = await run("d", request(sent.body, row(4)));
            taken.out.should.equal(1);
            taken.msg.wsn.refused = true;
            taken.msg.reply = { SEQN: storedNow };
            const r = await run("e", taken.msg);
            // A refusal is an answer: output 1, ready for the http response node.
            [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([1, 409, code]);
            Object.keys(r.msg.payload).sort().should.eql(["auth", "error"]);
            openBound(r.msg.payload, sent.tag).should.eql({ kind: "refusal", seqn: storedNow, message: { error: code, SEQN: storedNow } });
            r.msg.wsn.should.eql({ format: "auth", error: code });
        }
        const status = statusShown(helper.getNode("e"));
        status.text.should.match(/sealed 0 · rejected 2 \(stale\)/);
    });

    it("answers a refusal the flow names (the device vanished) with its status, plain: there is no SEQN to seal", async function () {
        await loadFlow(replyFlow());
        const sent = authRequest("data", 5, { data: {} });
        const taken = await run("d", request(sent.body, row(4)));
        taken.msg.wsn.refused = true;
        taken.msg.reply = { error: "unknown_device" };
        const r = await run("e", taken.msg);
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([1, 404, { error: "unknown_device" }]);
    });

    it("keeps a legacy refusal a plain {error}: a legacy reply cannot be bound to its request", async function () {
        await loadFlow(replyFlow());
        for (const body of [passphraseBody(device.dataMessage(120)), rawBody(device.dataMessage(120))]) {
            const taken = await run("d", request(body, row(100)));
            taken.out.should.equal(1);
            taken.msg.wsn.refused = true;
            taken.msg.reply = { SEQN: 120 };
            const r = await run("e", taken.msg);
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([1, 409, { error: "replay" }], taken.msg.wsn.format);
        }
    });

    it("counts the lost messages the flow reports in msg.wsn.lost in its status", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        await run("e", { reply: { SEQN: 9 }, payload: row(9), wsn: { lost: 4 } });
        await run("e", { reply: { SEQN: 12 }, payload: row(12), wsn: { lost: 2 } });
        statusShown(helper.getNode("e")).text.should.equal("sealed 2 · rejected 0 · lost 6");
    });

    it("answers 404 when there is no device row, 500 for a malformed raw key", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        let r = await run("e", { reply: { SEQN: 1 }, payload: [] });
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 404, { error: "unknown_device" }]);
        r = await run("e", { reply: { SEQN: 1 }, payload: row(1, "zz"), wsn: { format: "raw" } });
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 500, { error: "server_error" }]);
        JSON.stringify(r.msg).should.not.containEql("deviceKey");
    });

    it("shows no key, reply or request tag in its status or the log", async function () {
        await loadFlow(replyFlow());
        const sent = authRequest("data", 5, { data: { value: 1 } });
        const taken = await run("d", request(sent.body, row(4)));
        taken.msg.reply = { SEQN: 5, ack: true, lost: 0 };
        const sealed = await run("e", taken.msg);
        await run("e", { reply: { SEQN: 1 }, payload: row(1, "zz"), wsn: { format: "raw" } });
        const node = helper.getNode("e");
        statusShown(node).text.should.match(/sealed 1 · rejected 1/);
        assertNothingShown(node, [KEY, sealed.msg.payload.auth, sent.tag.toString("base64")]);
    });
});

describe("wsn-decrypt node: outputs and msg.params for the database", function () {
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    /** Endpoint "seqn" with three outputs: query, reset, refused. */
    function seqnFlow(props) {
        return decryptFlow(Object.assign({ endpoint: "seqn", outputs: 3, params: "sqlite", wires: [["ok"], ["reset"], ["bad"]] }, props))
            .concat([{ id: "reset", z: "tab", type: "helper" }]);
    }

    it("sends an auth query on output 1, a reset on output 2, a refusal on output 3 (endpoint 'seqn', three outputs)", async function () {
        await loadFlow(seqnFlow());
        let r = await run("d", request(authRequest("query", 0).body, row(40)));
        [r.out, r.msg.wsn.kind].should.eql([1, "query"]);
        r.msg.params.should.eql({ $id: "12FA" });
        r = await run("d", request(authRequest("reset", 50).body, row(40)));
        [r.out, r.msg.wsn.kind].should.eql(["reset", "reset"]);
        r.msg.params.should.eql({ $id: "12FA", $seqn: 50, $any: 0 });
        r = await run("d", request(ARTICLE_BODY, row(100)));
        [r.out, r.msg.wsn.kind, r.msg.params.$seqn].should.eql(["reset", "reset", 120]);
        r = await run("d", request(authRequest("reset", 30).body, row(40)));
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 409, "stale"]);
        should.not.exist(r.msg.params);
    });

    it("on endpoint 'any' (one MQTT topic) sends each kind on its own output: query, reset, data, refused; legacy messages by their data member", async function () {
        await loadFlow(decryptFlow({ endpoint: "any", outputs: 4, params: "sqlite", wires: [["ok"], ["reset"], ["data"], ["bad"]] })
            .concat([{ id: "reset", z: "tab", type: "helper" }, { id: "data", z: "tab", type: "helper" }]));
        let r = await run("d", request(authRequest("query", 0).body, row(40)));
        [r.out, r.msg.wsn.kind].should.eql([1, "query"]);
        r = await run("d", request(authRequest("reset", 50).body, row(40)));
        [r.out, r.msg.wsn.kind, r.msg.params.$seqn].should.eql(["reset", "reset", 50]);
        r = await run("d", request(authRequest("data", 41, { data: { value: 1 } }).body, row(40)));
        [r.out, r.msg.wsn.kind, r.msg.params.$seqn].should.eql(["data", "data", 41]);
        r = await run("d", request(ARTICLE_BODY, row(100)));
        [r.out, r.msg.wsn.kind, r.msg.params.$seqn].should.eql(["reset", "reset", 120]);
        r = await run("d", request(passphraseBody({ data: { value: 300 }, SEQN: 121 }), row(100)));
        [r.out, r.msg.wsn.kind, r.msg.params.$seqn].should.eql(["data", "data", 121]);
        r = await run("d", request(authRequest("data", 41, { data: { value: 1 } }).body, row(41)));
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 409, "replay"]);
    });

    it("keeps two outputs on endpoint 'seqn' for a node saved without 'outputs': query and reset on the first", async function () {
        await loadFlow(decryptFlow({ endpoint: "seqn" }));
        for (const kind of ["query", "reset"]) {
            const r = await run("d", request(authRequest(kind, 50).body, row(40)));
            [r.out, r.msg.wsn.kind].should.eql([1, kind]);
            // Saved before the option: no msg.params.
            should.not.exist(r.msg.params);
        }
        const r = await run("d", request(authRequest("data", 50, { data: {} }).body, row(40)));
        [r.out, r.msg.payload.error].should.eql([2, "wrong_kind"]);
    });

    it("sets msg.params for the SQLite write with exactly the statement's names: data {$id,$seqn,$value,$json}, 'any' reset $any 1", async function () {
        await loadFlow(decryptFlow({ params: "sqlite" }));
        const data = { value: 21.5, unit: "°C", nested: { a: [1, 2] } };
        let r = await run("d", request(authRequest("data", 9, { data }).body, row(3)));
        r.msg.params.should.eql({ $id: "12FA", $seqn: 9, $value: 21.5, $json: JSON.stringify(data) });
        for (const value of ["300", true, null, undefined]) {
            r = await run("d", request(passphraseBody({ data: { value }, SEQN: 10 }), row(3)));
            r.out.should.equal(1);
            should(r.msg.params.$value).equal(null, String(value));
        }
        await helper.unload();
        await loadFlow(seqnFlow({ policy: "any" }));
        r = await run("d", request(ARTICLE_BODY, row(500)));
        r.msg.params.should.eql({ $id: "12FA", $seqn: 120, $any: 1 });
    });

    it("sets plain names for node-red-node-mysql ('mysql'), nothing with 'none'", async function () {
        await loadFlow(decryptFlow({ params: "mysql" }));
        let r = await run("d", request(authRequest("data", 9, { data: { value: 1 } }).body, row(3)));
        r.msg.params.should.eql({ id: "12FA", seqn: 9, value: 1, json: "{\"value\":1}" });
        await helper.unload();
        await loadFlow(decryptFlow({ params: "none" }));
        const msg = request(authRequest("data", 9, { data: { value: 1 } }).body, row(3));
        msg.params = { mine: true };
        r = await run("d", msg);
        r.msg.params.should.eql({ mine: true });
    });

    it("measures the body limit on the text that crosses into the core", async function () {
        await loadFlow(decryptFlow({ maxLength: 100 }));
        const text = JSON.stringify({ msg: "A".repeat(93) }); // 103 characters, 93 of them in the field
        for (const body of [text, Buffer.from(text), JSON.parse(text)]) {
            const r = await run("d", request(body, row(0)));
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 413, { error: "too_large" }], typeof body);
        }
    });
});

describe("wsn-encrypt node: the standard reply when the flow gives none", function () {
    holdStatusClock();
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    it("answers a GET with the stored SEQN of the device row, and 404 without a row", async function () {
        await loadFlow(encryptFlow({}));
        let r = await run("e", { payload: row(20), req: { params: { id: "12FA" }, query: {} } });
        r.out.should.equal(1);
        openPassphrase(r.msg.payload).should.eql({ SEQN: 20 });
        r = await run("e", { payload: [], req: { params: { id: "12FA" }, query: {} } });
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 404, { error: "unknown_device" }]);
    });

    it("answers a query with the stored SEQN, a reset with its ack, a data message with the gap the database counted", async function () {
        await loadFlow(replyFlow({ endpoint: "seqn" }, { message: "reply" }));
        let sent = authRequest("query", 0);
        let taken = await run("d", request(sent.body, row(40)));
        let r = await run("e", taken.msg);
        openBound(r.msg.payload, sent.tag).should.eql({ kind: "seqn", seqn: 40, message: { SEQN: 40 } });
        sent = authRequest("reset", 50);
        taken = await run("d", request(sent.body, row(40)));
        r = await run("e", taken.msg);
        openBound(r.msg.payload, sent.tag).should.eql({ kind: "ack", seqn: 50, message: { SEQN: 50, ack: true } });
        r.msg.wsn.lost.should.equal(0);
        await helper.unload();

        await loadFlow(replyFlow({}, { lost: "payload[0].dataLost" }));
        sent = authRequest("data", 9, { data: { value: 1 } });
        taken = await run("d", request(sent.body, row(3)));
        // What the SQLite store statement's RETURNING gives: another request got in between.
        taken.msg.payload = [{ dataSEQN: 9, dataLost: 2 }];
        r = await run("e", taken.msg);
        openBound(r.msg.payload, sent.tag).should.eql({ kind: "ack", seqn: 9, message: { SEQN: 9, ack: true, lost: 2 } });
        statusShown(helper.getNode("e")).text.should.equal("sealed 1 · rejected 0 · lost 2");
    });

    it("answers a lost write (msg.wsn.refused) with the SEQN stored now read from its property; none there: 404 unknown_device", async function () {
        await loadFlow(replyFlow({}, { seqn: "payload[0][0].seqn" }));
        const sent = authRequest("data", 5, { data: {} });
        let taken = await run("d", request(sent.body, row(4)));
        taken.msg.wsn.refused = true;
        taken.msg.payload = [[{ outcome: "refused", seqn: 6, lost: 0 }], {}];
        let r = await run("e", taken.msg);
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([1, 409, "stale"]);
        openBound(r.msg.payload, sent.tag).message.should.eql({ error: "stale", SEQN: 6 });
        taken = await run("d", request(sent.body, row(4)));
        taken.msg.wsn.refused = true;
        taken.msg.payload = [[{ outcome: "unknown", seqn: null, lost: 0 }], {}];
        r = await run("e", taken.msg);
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([1, 404, { error: "unknown_device" }]);
    });
});

describe("status counter", function () {
    const waiting = [];
    const realClock = Object.assign({}, statusClock);
    before(function () {
        statusClock.later = (callback, ms) => { waiting.push({ callback, ms }); return waiting.length; };
        statusClock.cancel = (h) => { waiting[h - 1] = null; };
    });
    after(function () { Object.assign(statusClock, realClock); });

    it("draws once per throttle period on statusClock, and stops its timer on close", function () {
        const { statusCounter } = require("../../node-red/lib/common.js");
        const shown = [];
        const counter = statusCounter({ status: (s) => shown.push(s.text) }, "passed");
        counter.accepted(0);
        counter.accepted(3);
        counter.rejected("replay");
        waiting.length.should.equal(1);
        waiting[0].ms.should.equal(STATUS_THROTTLE_MS);
        shown.should.eql([]);
        waiting[0].callback();
        shown.should.eql(["passed 2 · rejected 1 · lost 3 (replay)"]);
        counter.accepted(0);
        counter.stop();
        should(waiting[1]).equal(null);
    });
});

describe("node defaults: one home (node-red/lib/defaults.js), the editor says the same", function () {
    const fs = require("fs");
    const path = require("path");
    const vm = require("vm");
    const defaults = require("../../node-red/lib/defaults.js");

    /** The defaults the .html file registers with the editor, run against a stand-in RED. */
    function editorDefinition(file) {
        const html = fs.readFileSync(path.join(__dirname, "..", "..", "node-red", file), "utf8");
        const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)[1];
        let definition = null;
        const RED = { validators: { typedInput: () => () => true, number: () => () => true }, nodes: { registerType: (type, def) => { definition = def; } } };
        vm.runInNewContext(script, { RED, $: () => ({}) });
        return definition;
    }
    const valuesOf = (def) => Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value]));

    it("wsn-decrypt.html: every default of defaults.DECRYPT, two outputs at first, labels per endpoint", function () {
        const def = editorDefinition("wsn-decrypt.html");
        const values = valuesOf(def);
        values.should.containEql(defaults.DECRYPT);
        values.outputs.should.equal(2);
        [0, 1].map((i) => def.outputLabels.call({ outputs: 2 }, i)).should.eql(defaults.DECRYPT_OUTPUTS.data);
        [0, 1, 2].map((i) => def.outputLabels.call({ outputs: 3 }, i)).should.eql(defaults.DECRYPT_OUTPUTS.seqn);
        [0, 1, 2, 3].map((i) => def.outputLabels.call({ outputs: 4 }, i)).should.eql(defaults.DECRYPT_OUTPUTS.any);
    });

    it("wsn-encrypt.html: every default of defaults.ENCRYPT", function () {
        valuesOf(editorDefinition("wsn-encrypt.html")).should.containEql(defaults.ENCRYPT);
    });

    it("the editor's selects offer exactly the lists of defaults.js", function () {
        const options = (file, id) => {
            const html = fs.readFileSync(path.join(__dirname, "..", "..", "node-red", file), "utf8");
            const select = new RegExp(`<select id="node-input-${id}"[^>]*>([\\s\\S]*?)</select>`).exec(html)[1];
            return [...select.matchAll(/value="([^"]*)"/g)].map((m) => m[1]);
        };
        options("wsn-decrypt.html", "policy").should.eql(defaults.POLICIES);
        options("wsn-decrypt.html", "endpoint").should.eql(defaults.ENDPOINTS);
        options("wsn-decrypt.html", "params").should.eql(defaults.PARAMS);
        options("wsn-encrypt.html", "format").should.eql(defaults.REPLY_FORMATS);
    });
});

describe("keys at rest: the nodes with a wsn-kek config node", function () {
    holdStatusClock();
    const KEK = "demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const OTHER_KEK = "k2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    const WRAPPED = wasm.wrapKey(KEY, DEV.id, KEK);
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    /** A decrypt flow whose node names a credential KEK config node holding `kek`. */
    async function loadWithKek(kek, props) {
        const flow = decryptFlow(Object.assign({ kek: "k" }, props || {}));
        flow.push({ id: "k", type: "wsn-kek", source: "credential" });
        await loadFlow(flow, { k: { kek } });
    }

    function caughtCount() {
        let count = 0;
        helper.getNode("caught").on("input", function () { count += 1; });
        return () => count;
    }

    it("opens every format with the key stored wrapped, and the message carries only the wrapped text", async function () {
        await loadWithKek(KEK);
        const node = helper.getNode("d");
        let r = await run("d", request(passphraseBody(device.dataMessage(5, 300)), row(4, WRAPPED)));
        [r.out, r.msg.payload.data.value].should.eql([1, 300]);
        r = await run("d", request(rawBody({ data: { value: 301 }, SEQN: 6 }), row(5, WRAPPED)));
        [r.out, r.msg.payload.data.value].should.eql([1, 301]);
        r = await run("d", request(authRequest("data", 7, { data: { value: 302 } }).body, row(6, WRAPPED)));
        [r.out, r.msg.wsn.seqn].should.eql([1, 7]);
        // The key the message carries on is the row's text, redacted; the plain key is nowhere.
        r.msg.wsn.key.reveal().should.equal(WRAPPED);
        JSON.stringify(r.msg).should.not.match(new RegExp(KEY, "i"));
        util.inspect(r.msg, { depth: 10 }).should.not.match(new RegExp(KEY, "i"));
        assertNothingShown(node, [KEY, KEK.slice(5)]);
        node.status.args.map((args) => args[0].text).should.not.containEql("keys not wrapped: no KEK");
    });

    it("a wrong KEK: every request is 500 server_error, the cause reaches the log and Catch once", async function () {
        await loadWithKek(OTHER_KEK);
        const caught = caughtCount();
        for (let seqn = 5; seqn < 9; seqn++) {
            const r = await run("d", request(passphraseBody(device.dataMessage(seqn)), row(4, WRAPPED)));
            [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 500, { error: "server_error" }]);
        }
        caught().should.equal(1);
        // A plain key still works beside it: the KEK unwraps only wrapped rows.
        const r = await run("d", request(passphraseBody(device.dataMessage(9)), row(4)));
        r.out.should.equal(1);
        assertNothingShown(helper.getNode("d"), [KEY, OTHER_KEK.slice(3)]);
    });

    it("reads the KEK from the variable the node names, also from a node saved with the old property name `env`", async function () {
        process.env.WSN_TEST_KEK = KEK;
        try {
            for (const props of [{ source: "env", variable: "WSN_TEST_KEK" }, { source: "env", env: "WSN_TEST_KEK" }]) {
                const flow = decryptFlow({ kek: "k" });
                flow.push(Object.assign({ id: "k", type: "wsn-kek" }, props));
                await loadFlow(flow);
                const r = await run("d", request(passphraseBody(device.dataMessage(5)), row(4, WRAPPED)));
                r.out.should.equal(1, JSON.stringify(props));
                helper.getNode("k").describe({ label: true }).should.equal("environment variable WSN_TEST_KEK, label demo");
                await helper.unload();
            }
        } finally {
            delete process.env.WSN_TEST_KEK;
        }
    });

    it("a mistyped KEK is said once at start (bad_kek, red status), without any of its text; requests are 500", async function () {
        const mistyped = "2B7E151628AED2A6:not a kek";
        await loadWithKek(mistyped);
        const node = helper.getNode("d");
        node.error.callCount.should.equal(1);
        node.error.firstCall.args[0].should.match(/is not one line <label>:<64 hex digits> \(bad_kek\)/);
        node.status.args.map((args) => args[0]).should.containEql({ fill: "red", shape: "ring", text: "bad KEK" });
        const r = await run("d", request(passphraseBody(device.dataMessage(5)), row(4, WRAPPED)));
        [r.out, r.msg.statusCode, r.msg.payload].should.eql([2, 500, { error: "server_error" }]);
        assertNothingShown(node, ["2B7E151628AED2A6", "not a kek"]);
    });

    it("no KEK at all: plain keys work, a warning once at start, a wrapped key is 500 (kek_missing, logged once)", async function () {
        const saved = [process.env.WSN_KEK, process.env.WSN_KEK_FILE];
        delete process.env.WSN_KEK;
        delete process.env.WSN_KEK_FILE;
        try {
            await loadFlow(decryptFlow());
            const node = helper.getNode("d");
            node.warn.callCount.should.equal(1);
            node.warn.firstCall.args[0].should.match(/no key-encryption key/);
            node.status.firstCall.args[0].should.eql({ fill: "yellow", shape: "ring", text: "keys not wrapped: no KEK" });
            (await run("d", request(passphraseBody(device.dataMessage(5)), row(4)))).out.should.equal(1);
            const caught = caughtCount();
            for (let i = 0; i < 3; i++) {
                const r = await run("d", request(passphraseBody(device.dataMessage(6)), row(4, WRAPPED)));
                [r.out, r.msg.statusCode, r.msg.payload.error, r.msg.wsn.error].should.eql([2, 500, "server_error", "kek_missing"]);
            }
            caught().should.equal(1);
        } finally {
            if (saved[0] !== undefined) { process.env.WSN_KEK = saved[0]; }
            if (saved[1] !== undefined) { process.env.WSN_KEK_FILE = saved[1]; }
        }
    });

    it("the encrypt node seals replies with the wrapped key: the device opens them with its plain key", async function () {
        const flow = replyFlow({ endpoint: "data", kek: "k" }, { kek: "k" });
        flow.push({ id: "k", type: "wsn-kek", source: "credential" });
        await loadFlow(flow, { k: { kek: KEK } });
        const query = authRequest("data", 12, { data: { value: 1 } });
        const taken = await run("d", request(query.body, row(11, WRAPPED)));
        taken.out.should.equal(1);
        taken.msg.reply = { SEQN: 12, ack: true, lost: 0 };
        const sealed = await run("e", taken.msg);
        sealed.out.should.equal(1);
        openBound(sealed.msg.payload, query.tag).message.should.eql({ SEQN: 12, ack: true, lost: 0 });
    });
});
