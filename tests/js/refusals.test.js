"use strict";
// The refusal counts the fleet dashboard shows (node-red/lib/refusal-counts.js):
// the window and its bound on a clock the test moves, then the wsn decrypt
// node recording into them and the wsn refusals node reading them, in a real
// Node-RED runtime (node-red-node-test-helper) with the real wasm module.

const crypto = require("crypto");
const should = require("should");
const helper = require("node-red-node-test-helper");
const reference = require("./helpers/auth-reference.js");
const { refusalCounts, WINDOW_MINUTES, MAX_DEVICES } = require("../../node-red/lib/refusal-counts.js");
const decryptNode = require("../../node-red/wsn-decrypt.js");
const refusalsNode = require("../../node-red/wsn-refusals.js");

helper.init(require.resolve("node-red"));

const MINUTE = 60 * 1000;

describe("refusal counts (memory, the last hour)", function () {
    let now;
    let counts;
    beforeEach(function () {
        now = Date.UTC(2026, 11, 3, 12, 0, 30);
        counts = refusalCounts(() => now);
    });

    it("counts by device and code, and the last minute apart", function () {
        counts.record("A1", "replay");
        counts.record("A1", "replay");
        counts.record("A1", "cannot_decrypt");
        now += 10 * MINUTE;
        counts.record("A1", "replay");
        const shown = counts.snapshot();
        shown.devices.A1.should.eql({ hour: { replay: 3, cannot_decrypt: 1 }, minute: 1 });
        shown.unknown.should.eql({ hour: {}, minute: 0 });
        shown.since.should.equal("2026-12-03T12:00:30.000Z");
    });

    it("forgets what is older than an hour, and the device with it", function () {
        counts.record("A1", "replay");
        now += (WINDOW_MINUTES - 1) * MINUTE;
        counts.snapshot().devices.A1.hour.should.eql({ replay: 1 });
        now += 2 * MINUTE;
        counts.record("B2", "stale");
        const shown = counts.snapshot();
        should.not.exist(shown.devices.A1);
        shown.devices.B2.hour.should.eql({ stale: 1 });
    });

    it("counts the previous minute by the part of it still inside the last 60 s", function () {
        // Four refusals in minute 12:00. At 12:01:15 the last 60 s hold three quarters of that
        // minute (12:00:15 to 12:01:00), at 12:01:45 one quarter, at 12:02:00 none of it.
        for (let i = 0; i < 4; i++) { counts.record("A1", "replay"); }
        now += 45 * 1000;
        counts.snapshot().devices.A1.minute.should.equal(3);
        now += 30 * 1000;
        counts.snapshot().devices.A1.minute.should.equal(1);
        now += 15 * 1000;
        counts.snapshot().devices.A1.should.eql({ hour: { replay: 4 }, minute: 0 });
    });

    it("counts past MAX_DEVICES ids in the shared entry, and takes any id as a key (__proto__, constructor)", function () {
        for (let i = 0; i < MAX_DEVICES; i++) { counts.record(`D${i}`, "replay"); }
        counts.record("__proto__", "replay");
        counts.record("D0", "stale");
        const shown = counts.snapshot();
        Object.keys(shown.devices).length.should.equal(MAX_DEVICES);
        shown.devices.D0.hour.should.eql({ replay: 1, stale: 1 });
        shown.unknown.hour.should.eql({ replay: 1 });
        const fresh = refusalCounts(() => now);
        fresh.record("__proto__", "replay");
        fresh.record("constructor", "stale");
        const keys = fresh.snapshot().devices;
        Object.keys(keys).sort().should.eql(["__proto__", "constructor"]);
        Object.getPrototypeOf(keys).should.equal(Object.prototype);
        keys.constructor.hour.stale.should.equal(1);
    });

    it("keeps ids the database did not know in one entry, however many are made up", function () {
        for (let i = 0; i < 10000; i++) { counts.record(undefined, "unknown_device"); }
        const shown = counts.snapshot();
        Object.keys(shown.devices).should.eql([]);
        shown.unknown.should.eql({ hour: { unknown_device: 10000 }, minute: 10000 });
    });
});

describe("wsn decrypt records its refusals; wsn refusals reports them", function () {
    // Ids of this test's own: the counter is one per process, shared with other suites.
    const DEV = { id: `R${crypto.randomBytes(4).toString("hex")}`, key: "000102030405060708090A0B0C0D0E0F" };
    const WRONG = { id: DEV.id, key: "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF" };
    const flow = [
        { id: "tab", type: "tab", label: "test" },
        { id: "d", z: "tab", type: "wsn-decrypt", name: "", endpoint: "data", policy: "forward-only", params: "none", wires: [["ok"], ["bad"]] },
        { id: "r", z: "tab", type: "wsn-refusals", name: "", wires: [["counts"]] },
        { id: "ok", z: "tab", type: "helper" },
        { id: "bad", z: "tab", type: "helper" },
        { id: "counts", z: "tab", type: "helper" }
    ];

    before(function (done) { helper.startServer(done); });
    after(function (done) { helper.stopServer(done); });
    beforeEach(function (done) { helper.load([decryptNode, refusalsNode], flow, done); });
    afterEach(function () { return helper.unload(); });

    /** Sends one request to the decrypt node; resolves with its refusal's code. */
    function refused(msg) {
        return new Promise(function (resolve) {
            helper.getNode("bad").once("input", (m) => resolve(m.wsn.error));
            helper.getNode("d").receive(msg);
        });
    }
    function counts() {
        return new Promise(function (resolve) {
            helper.getNode("counts").once("input", (m) => resolve(m.payload));
            helper.getNode("r").receive({});
        });
    }
    const request = (dev, seqn, rows) => ({
        req: { body: JSON.parse(reference.requestBody(dev, "data", seqn, { data: { value: 1 } }).text), params: { id: dev.id }, query: {} },
        payload: rows
    });
    const deviceRow = (seqn) => [{ deviceKey: DEV.key, deviceSQN: seqn, deviceFormats: "auth" }];

    it("counts a known device's refusals under its id and an unknown id's in the shared entry", async function () {
        const before = await counts();
        const unknownBefore = before.unknown.hour.unknown_device || 0;
        (await refused(request(DEV, 3, deviceRow(5)))).should.equal("stale");
        (await refused(request(WRONG, 6, deviceRow(5)))).should.equal("cannot_decrypt");
        (await refused(request(WRONG, 6, deviceRow(5)))).should.equal("cannot_decrypt");
        // No row: the database does not know the id; a fresh id per request, as an outsider would send.
        for (let i = 0; i < 3; i++) {
            const made = { id: `X${crypto.randomBytes(4).toString("hex")}`, key: DEV.key };
            (await refused(request(made, 1, []))).should.equal("unknown_device");
        }
        const after = await counts();
        after.devices[DEV.id].should.eql({ hour: { stale: 1, cannot_decrypt: 2 }, minute: 3 });
        (after.unknown.hour.unknown_device - unknownBefore).should.equal(3);
        Object.keys(after.devices).filter((id) => id.startsWith("X")).should.eql([]);
    });

    it("counts under the shared entry when the key is fixed in the node: the id then says nothing", async function () {
        const fixed = [
            { id: "tab", type: "tab", label: "test" },
            { id: "d", z: "tab", type: "wsn-decrypt", name: "", key: "", keyType: "cred", endpoint: "data", policy: "forward-only", params: "none", stored: "payload.seqn", formats: "auth", formatsType: "str", wires: [["ok"], ["bad"]] },
            { id: "r", z: "tab", type: "wsn-refusals", name: "", wires: [["counts"]] },
            { id: "ok", z: "tab", type: "helper" },
            { id: "bad", z: "tab", type: "helper" },
            { id: "counts", z: "tab", type: "helper" }
        ];
        await helper.unload();
        await new Promise((resolve) => helper.load([decryptNode, refusalsNode], fixed, { d: { fixedKey: DEV.key } }, resolve));
        const before = (await counts()).unknown.hour.cannot_decrypt || 0;
        const made = { id: `Y${crypto.randomBytes(4).toString("hex")}`, key: WRONG.key };
        const msg = request(made, 2, undefined);
        msg.payload = { seqn: 1 };
        (await refused(msg)).should.equal("cannot_decrypt");
        const after = await counts();
        should.not.exist(after.devices[made.id]);
        (after.unknown.hour.cannot_decrypt - before).should.equal(1);
    });

    it("counts a known device's too-large request under its id, before any decryption", async function () {
        const big = request(DEV, 6, deviceRow(5));
        big.req.body = { auth: "A".repeat(20000) };
        (await refused(big)).should.equal("too_large");
        (await counts()).devices[DEV.id].hour.should.have.property("too_large", 1);
    });
});
