"use strict";
// Unit tests of the wsn-decrypt and wsn-encrypt nodes in a real Node-RED
// runtime (node-red-node-test-helper), driving the real wasm module.
// Requests are made with crypto-js and node:crypto, not with the module
// under test, so each format is checked against an independent client.

const util = require("util");
const crypto = require("crypto");
const should = require("should");
const helper = require("node-red-node-test-helper");
const authReference = require("./helpers/auth-reference.js");
const device = require("./helpers/device.js");
const decryptNode = require("../../node-red/wsn-decrypt.js");
const encryptNode = require("../../node-red/wsn-encrypt.js");

helper.init(require.resolve("node-red"));

const KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
const ARTICLE_BODY = { msg: "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp" };

// The device side (helpers/device.js): crypto-js and node:crypto, as objects the nodes get.
function passphraseBody(message, key) { return JSON.parse(device.passphraseBody(message, key || KEY)); }
function rawBody(message, keyHex) { return JSON.parse(device.rawBody(message, keyHex || KEY)); }
function openRaw(body, keyHex) { return device.openEnvelope(device.rawDecrypt(body.iv, body.data, keyHex || KEY)); }
function openPassphrase(ciphertext, key) { return device.openEnvelope(device.passphraseDecrypt(ciphertext, key || KEY)); }
function row(seqn, key) { return [{ deviceKey: key || KEY, deviceSQN: seqn }]; }

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

// Node-RED's nodes keep "input" handlers in a list of their own, so the
// outputs are watched once per loaded flow and each run takes the next answer.
let waiting = null;
function watchOutputs() {
    helper.getNode("ok").on("input", function (m) { answer({ out: 1, msg: m }); });
    helper.getNode("bad").on("input", function (m) { answer({ out: 2, msg: m }); });
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
        helper.load([decryptNode, encryptNode], flow, credentials || {}, function () {
            watchOutputs();
            resolve();
        });
    });
}

describe("wsn-decrypt node", function () {
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    it("opens the article's request and accepts SEQN 120 over a stored 100", async function () {
        await loadFlow(decryptFlow());
        const { out, msg } = await run("d", { req: { body: ARTICLE_BODY }, payload: row(100) });
        out.should.equal(1);
        msg.payload.should.eql({ SEQN: 120 });
        msg.wsn.should.containEql({ format: "passphrase", seqn: 120, stored: 100, lost: 19, policy: "forward-only" });
    });

    it("opens the raw-key format of the ESP8266 firmware (AES-128, 192 and 256)", async function () {
        await loadFlow(decryptFlow());
        for (const key of [KEY, "000102030405060708090a0b0c0d0e0f1011121314151617", crypto.randomBytes(32).toString("hex")]) {
            const message = { data: { value: -40 }, SEQN: 4, msg: "IT WORKS!!" };
            const { out, msg } = await run("d", { req: { body: rawBody(message, key) }, payload: row(3, key) });
            out.should.equal(1, key.length);
            msg.payload.should.eql(message);
            msg.wsn.format.should.equal("raw");
            msg.wsn.lost.should.equal(0);
        }
    });

    it("takes the body as JSON text or as a Buffer too", async function () {
        await loadFlow(decryptFlow());
        const text = JSON.stringify(passphraseBody({ SEQN: 7 }));
        for (const body of [text, Buffer.from(text)]) {
            const { out, msg } = await run("d", { req: { body }, payload: row(1) });
            out.should.equal(1);
            msg.payload.SEQN.should.equal(7);
        }
    });

    it("uses a fixed key from the credentials and custom properties", async function () {
        await loadFlow(decryptFlow({ keyType: "cred", key: "", body: "payload", stored: "stored" }), { d: { fixedKey: "s3cret ✓" } });
        const { out, msg } = await run("d", { payload: passphraseBody({ SEQN: 5 }, "s3cret ✓"), stored: 2 });
        out.should.equal(1);
        msg.wsn.lost.should.equal(2);
    });

    it("keeps the key for the reply but never lets it print", async function () {
        await loadFlow(decryptFlow());
        const { msg } = await run("d", { req: { body: ARTICLE_BODY }, payload: row(0) });
        msg.wsn.key.reveal().should.equal(KEY);
        JSON.stringify(msg).should.not.containEql(KEY);
        util.inspect(msg, { depth: 10 }).should.not.containEql(KEY);
        String(msg.wsn.key).should.equal("[redacted]");
    });

    const rejections = [
        ["replayed SEQN", function () { return { req: { body: ARTICLE_BODY }, payload: row(120) }; }, 409, "replay"],
        ["stale SEQN", function () { return { req: { body: ARTICLE_BODY }, payload: row(500) }; }, 409, "stale"],
        ["wrong key", function () { return { req: { body: passphraseBody({ SEQN: 1 }, "other") }, payload: row(0) }; }, 400, "cannot_decrypt"],
        ["bad base64", function () { return { req: { body: { msg: "U2Fs$$$" } }, payload: row(0) }; }, 400, "cannot_decrypt"],
        ["inner text not JSON", function () { return { req: { body: { msg: device.passphraseEncrypt(Buffer.from("not json").toString("base64"), KEY) } }, payload: row(0) }; }, 400, "cannot_decrypt"],
        ["raw key, wrong key", function () { return { req: { body: rawBody({ SEQN: 1 }, "00".repeat(16)) }, payload: row(0) }; }, 400, "cannot_decrypt"],
        ["body of neither format", function () { return { req: { body: { msg: "x", iv: "y" } }, payload: row(0) }; }, 400, "bad_format"],
        ["body text not JSON", function () { return { req: { body: "{" }, payload: row(0) }; }, 400, "bad_json"],
        ["no body", function () { return { req: {}, payload: row(0) }; }, 400, "bad_format"],
        ["a number for a body", function () { return { req: { body: 42 }, payload: row(0) }; }, 400, "bad_format"],
        ["deeply nested body", function () { return { req: { body: { msg: JSON.parse("[".repeat(4000) + "]".repeat(4000)) } }, payload: row(0) }; }, 400, "bad_format"],
        ["SEQN fractional", function () { return { req: { body: passphraseBody({ SEQN: 1.5 }) }, payload: row(0) }; }, 400, "bad_seqn"],
        ["SEQN as string", function () { return { req: { body: passphraseBody({ SEQN: "9" }) }, payload: row(0) }; }, 400, "bad_seqn"],
        ["SEQN above 2^53-1", function () { return { req: { body: passphraseBody({ SEQN: 2 ** 53 }) }, payload: row(0) }; }, 400, "bad_seqn"],
        ["unknown device (no row)", function () { return { req: { body: ARTICLE_BODY }, payload: [] }; }, 404, "unknown_device"],
        ["oversized body", function () { return { req: { body: { msg: "A".repeat(20000) } }, payload: row(0) }; }, 413, "too_large"],
        ["malformed key in the row", function () { return { req: { body: rawBody({ SEQN: 1 }) }, payload: row(0, "not-hex") }; }, 500, "server_error"]
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

    it("opens the authenticated format bound to msg.req.params.id, and refuses formats the row does not allow", async function () {
        await loadFlow(decryptFlow());
        const auth = authReference.seal("{\"SEQN\":9}", KEY, "12FA", "request");
        let r = await run("d", { req: { body: { auth }, params: { id: "12FA" } }, payload: row(3) });
        [r.out, r.msg.wsn.format, r.msg.wsn.deviceId, r.msg.wsn.lost].should.eql([1, "auth", "12FA", 5]);
        r = await run("d", { req: { body: { auth }, params: { id: "12FB" } }, payload: row(3) });
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 400, "cannot_decrypt"]);
        const authOnly = [{ deviceKey: KEY, deviceSQN: 0, deviceFormats: "auth" }];
        r = await run("d", { req: { body: ARTICLE_BODY, params: { id: "12FA" } }, payload: authOnly });
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 403, "format_not_allowed"]);
    });

    it("answers bad padding and bad JSON after decryption identically", async function () {
        await loadFlow(decryptFlow());
        const padding = await run("d", { req: { body: passphraseBody({ SEQN: 1 }, "wrong") }, payload: row(0) });
        const json = await run("d", { req: { body: { msg: device.passphraseEncrypt("bm90IGpzb24=", KEY) } }, payload: row(0) });
        [padding.msg.statusCode, padding.msg.payload].should.eql([json.msg.statusCode, json.msg.payload]);
    });

    it("accepts a lower SEQN under policy 'any' and skips the check under 'none'", async function () {
        await loadFlow(decryptFlow({ policy: "any" }));
        let r = await run("d", { req: { body: ARTICLE_BODY }, payload: row(500) });
        r.out.should.equal(1);
        r.msg.wsn.seqn.should.equal(120);
        await helper.unload();
        await loadFlow(decryptFlow({ policy: "none" }));
        r = await run("d", { req: { body: passphraseBody({ hello: 1 }) }, payload: row(0) });
        r.out.should.equal(1);
        r.msg.payload.should.eql({ hello: 1 });
    });

    it("keeps working after a run of hostile inputs", async function () {
        await loadFlow(decryptFlow());
        const hostile = [null, 42, true, [], {}, { msg: null }, { msg: {} }, { iv: 1, data: 2 }, "\u0000", "[]", "{\"msg\":" + "[".repeat(5000), { msg: "U2FsdGVkX1" + "A".repeat(64) }];
        for (const body of hostile) {
            const r = await run("d", { req: { body }, payload: row(0) });
            r.out.should.equal(2);
        }
        const good = await run("d", { req: { body: ARTICLE_BODY }, payload: row(0) });
        good.out.should.equal(1);
    });

    it("shows counts in its status and never a key, plaintext or ciphertext", async function () {
        await loadFlow(decryptFlow());
        const node = helper.getNode("d");
        // The helper wraps status in a sinon spy already.
        const status = node.status;
        await run("d", { req: { body: ARTICLE_BODY }, payload: row(100) });
        await run("d", { req: { body: ARTICLE_BODY }, payload: row(120) });
        await new Promise((r) => setTimeout(r, 400));
        status.called.should.be.true();
        const text = status.lastCall.args[0].text;
        text.should.match(/passed 1/).and.match(/rejected 1/);
        for (const call of status.getCalls()) {
            const shown = JSON.stringify(call.args);
            shown.should.not.containEql(KEY);
            shown.should.not.containEql(ARTICLE_BODY.msg);
            shown.should.not.containEql("SEQN\":120");
        }
        for (const call of helper.log().getCalls()) {
            JSON.stringify(call.args).should.not.containEql(KEY);
        }
    });
});

describe("wsn-encrypt node", function () {
    beforeEach(function (done) { helper.startServer(done); });
    afterEach(function (done) {
        helper.unload().then(function () { helper.stopServer(done); });
    });

    it("seals {SEQN} for a GET in the passphrase format crypto-js opens", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        const { out, msg } = await run("e", { reply: { SEQN: 20 }, payload: row(20) });
        out.should.equal(1);
        msg.payload.should.startWith("U2FsdGVkX1");
        openPassphrase(msg.payload).should.eql({ SEQN: 20 });
    });

    it("replies in the format the request used, with the key wsn-decrypt kept", async function () {
        await loadFlow(encryptFlow({ key: "wsn.key", message: "reply" }));
        const { wasm, redactedKey } = require("../../node-red/lib/common.js");
        wasm.should.be.ok();
        const { out, msg } = await run("e", { reply: { SEQN: 3, ack: true }, wsn: { format: "raw", key: redactedKey(KEY) }, res: {} });
        out.should.equal(1);
        openRaw(msg.payload).should.eql({ SEQN: 3, ack: true });
        msg.headers["content-type"].should.startWith("application/json");
    });

    it("replies in the authenticated format to a GET with a nonce and to an auth-only device", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        let r = await run("e", { reply: { SEQN: 8, nonce: "n1" }, payload: row(8), req: { params: { id: "12FA" }, query: { nonce: "n1" } } });
        JSON.parse(authReference.open(r.msg.payload.auth, KEY, "12FA", "reply")).should.eql({ SEQN: 8, nonce: "n1" });
        r = await run("e", { reply: { SEQN: 2 }, payload: [{ deviceKey: KEY, deviceSQN: 2, deviceFormats: "auth" }], req: { params: { id: "12FA" }, query: {} } });
        JSON.parse(authReference.open(r.msg.payload.auth, KEY, "12FA", "reply")).should.eql({ SEQN: 2 });
        r = await run("e", { reply: { SEQN: 2 }, payload: [{ deviceKey: KEY, deviceSQN: 2, deviceFormats: "auth" }], req: { params: { id: "12FA" }, query: { format: "raw" } } });
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 403, "format_not_allowed"]);
    });

    it("answers a GET that asks ?format=raw in the raw format", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        const { msg } = await run("e", { reply: { SEQN: 8 }, payload: row(8), req: { query: { format: "raw" } } });
        openRaw(msg.payload).should.eql({ SEQN: 8 });
    });

    it("uses a fixed key from the credentials", async function () {
        await loadFlow(encryptFlow({ keyType: "cred", key: "", format: "passphrase" }), { e: { fixedKey: "fixed ✓" } });
        const { out, msg } = await run("e", { payload: { SEQN: 1 } });
        out.should.equal(1);
        openPassphrase(msg.payload, "fixed ✓").should.eql({ SEQN: 1 });
    });

    it("counts the lost messages the flow reports in msg.wsn.lost in its status", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        await run("e", { reply: { SEQN: 9 }, payload: row(9), wsn: { lost: 4 } });
        await run("e", { reply: { SEQN: 12 }, payload: row(12), wsn: { lost: 2 } });
        await new Promise((r) => setTimeout(r, 400));
        helper.getNode("e").status.lastCall.args[0].text.should.equal("sealed 2 · rejected 0 · lost 6");
    });

    it("answers 404 when there is no device row, 500 for a malformed raw key", async function () {
        await loadFlow(encryptFlow({ message: "reply" }));
        let r = await run("e", { reply: { SEQN: 1 }, payload: [] });
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 404, "unknown_device"]);
        r = await run("e", { reply: { SEQN: 1 }, payload: row(1, "zz"), wsn: { format: "raw" } });
        [r.out, r.msg.statusCode, r.msg.payload.error].should.eql([2, 500, "server_error"]);
        JSON.stringify(r.msg).should.not.containEql("deviceKey");
    });
});
