"use strict";
// Secure by default, tried as an outsider would: someone who knows the wire
// formats and a device id, has captured some traffic, but has no key. A real
// Node-RED with the shipped SQLite flows and the real SQLite node. The three
// attacks of the secure-by-default issue (raw IV flipping of the backend's
// own reply and of a captured data message into a reset; starving a device's
// reset challenge) worked against the flows before it; each is a regression
// test here, and then 1,000 outsider requests of every kind must leave the
// database exactly as it was.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");
const device = require("./helpers/device.js");
const reference = require("./helpers/auth-reference.js");
const outsider = require("./helpers/outsider.js");
const { request } = require("./helpers/http.js");
const { ALL_FORMATS } = require("./helpers/article.js");

const newDevice = (id, formats) => ({ id, key: crypto.randomBytes(16).toString("hex").toUpperCase(), seqn: 0, formats });

const DEVICES = {
    replyFlip: newDevice("AT01", ALL_FORMATS),
    dataFlip: newDevice("AT02", ALL_FORMATS),
    starved: newDevice("AT03", "auth"),
    seqnFirst: newDevice("AT04", "raw"),
    authOnly: newDevice("AT05", "auth"),
    none: newDevice("AT06", ""),
    flood: newDevice("AT07", ALL_FORMATS)
};
const OUTSIDER_REQUESTS = Number(process.env.WSN_OUTSIDER_REQUESTS) || 1000;

describe("an outsider without the key cannot move a device's SEQN (SQLite)", function () {
    let dir;
    let db;
    let server;

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-attacks-"));
        db = path.join(dir, "wsn.db");
        await backend.prepareUserDir({ dir, db, install: "link", devices: Object.values(DEVICES) });
        server = await backend.startNodeRed({ dir, db });
    });

    after(async function () {
        if (server) { await server.stop(); }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const send = (method, url, body) => request(server.port, method, url, body);
    const stored = async (id) => (await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]))[0].deviceSQN;
    const setStored = (id, seqn) => backend.write(db, "UPDATE Devices SET deviceSQN = ? WHERE deviceID = ?", [seqn, id]);
    /** Every table, every row, in a fixed order: what "nothing changed" compares. */
    async function dump() {
        const tables = (await backend.query(db, "SELECT name, sql FROM sqlite_master ORDER BY name")).map((t) => [t.name, t.sql]);
        const devices = await backend.query(db, "SELECT * FROM Devices ORDER BY deviceID");
        const data = await backend.query(db, "SELECT * FROM Data ORDER BY dataID");
        return { tables, devices, data };
    }
    /** A raw GET reply of the device's current SEQN: known plaintext, captured ciphertext. */
    async function rawReply(dev) {
        const res = await send("GET", `/wsn/${dev.id}?format=raw`);
        res.status.should.equal(200, res.text);
        return JSON.parse(res.text);
    }

    it("regression: the backend's own raw SEQN reply IV-flipped into {\"SEQN\":9e9} and posted as a reset is refused 403, SEQN unchanged", async function () {
        const dev = DEVICES.replyFlip;
        const forged = outsider.rewriteFirstBlock(await rawReply(dev), outsider.firstBlockOf("{\"SEQN\":0}"), Buffer.from("eyJTRVFOIjo5ZTl9", "latin1"));
        // The forgery is what the attack says: the device's key opens it to {"SEQN":9e9}.
        const body = JSON.parse(forged);
        device.openEnvelope(device.rawDecrypt(body.iv, body.data, dev.key)).should.eql({ SEQN: 9e9 });
        const res = await send("POST", `/wsn/${dev.id}`, forged);
        res.status.should.equal(403);
        JSON.parse(res.text).should.eql({ error: "format_not_allowed" });
        (await stored(dev.id)).should.equal(0);
    });

    it("regression: a captured raw data message cut to its first block and IV-flipped into {\"SEQN\":99} is refused 403, SEQN unchanged", async function () {
        const dev = DEVICES.dataFlip;
        const text = JSON.stringify(device.dataMessage(1, 300));
        const captured = JSON.parse(device.rawBody(text, dev.key));
        (await send("POST", `/data/${dev.id}`, JSON.stringify(captured))).status.should.equal(200);
        const forged = outsider.rewriteFirstBlock(captured, outsider.firstBlockOf(text), outsider.paddedBlock("eyJTRVFOIjo5OX0"), 1);
        const body = JSON.parse(forged);
        // {"SEQN":99} with its final "=" lost, which the raw format accepts.
        Buffer.from(device.rawDecrypt(body.iv, body.data, dev.key), "base64").toString().should.equal("{\"SEQN\":99}");
        const res = await send("POST", `/wsn/${dev.id}`, forged);
        res.status.should.equal(403);
        JSON.parse(res.text).should.eql({ error: "format_not_allowed" });
        (await stored(dev.id)).should.equal(1);
    });

    it("regression: a device's query and reset succeed while an outsider floods anonymous requests between them (no challenge to starve)", async function () {
        const dev = DEVICES.starved;
        const query = reference.requestBody(dev, "query", 0, {});
        const answer = await send("POST", `/wsn/${dev.id}`, query.text);
        answer.status.should.equal(200, answer.text);
        const seqn = reference.openReply(dev, answer.text, query.tag);
        seqn.should.eql({ kind: "seqn", seqn: 0, message: { SEQN: 0 } });
        const before = await dump();
        // What starved the version 1 challenge, and its version 2 equivalents: none is answered with anything but a refusal.
        const flood = [];
        for (let i = 0; i < 50; i++) {
            flood.push(send("GET", `/wsn/${dev.id}?nonce=${crypto.randomBytes(8).toString("hex")}`));
            flood.push(send("POST", `/wsn/${dev.id}`, reference.requestBody({ id: dev.id, key: crypto.randomBytes(16).toString("hex") }, "query", 0, {}).text));
        }
        for (const res of await Promise.all(flood)) { res.status.should.be.within(400, 499); }
        (await dump()).should.eql(before, "the flood changed the database");
        const reset = reference.requestBody(dev, "reset", 40, { SEQN: 40 });
        const ack = await send("POST", `/wsn/${dev.id}`, reset.text);
        ack.status.should.equal(200, ack.text);
        reference.openReply(dev, ack.text, reset.tag).should.eql({ kind: "ack", seqn: 40, message: { SEQN: 40, ack: true } });
        (await stored(dev.id)).should.equal(40);
    });

    it("a raw data message whose SEQN sits in the first cipher block is refused 400 malleable_seqn, and its IV-flipped copy too", async function () {
        const dev = DEVICES.seqnFirst;
        // {"SEQN":121, is exactly the first 12 JSON bytes: rewritable to {"SEQN":9e9, by the IV alone.
        const text = "{\"SEQN\":121,\"data\":{\"value\":300}}";
        const captured = JSON.parse(device.rawBody(text, dev.key));
        const forged = outsider.rewriteFirstBlock(captured, outsider.firstBlockOf(text), outsider.firstBlockOf("{\"SEQN\":9e9,"));
        const body = JSON.parse(forged);
        device.openEnvelope(device.rawDecrypt(body.iv, body.data, dev.key)).should.eql({ SEQN: 9e9, data: { value: 300 } });
        const before = await dump();
        for (const sent of [JSON.stringify(captured), forged]) {
            const res = await send("POST", `/data/${dev.id}`, sent);
            res.status.should.equal(400);
            JSON.parse(res.text).should.eql({ error: "malleable_seqn" });
        }
        (await dump()).should.eql(before);
        // The firmware's own layout, SEQN last, is taken.
        (await send("POST", `/data/${dev.id}`, device.rawBody(device.dataMessage(121, 300), dev.key))).status.should.equal(200);
    });

    it("a device restricted to auth gets no legacy answer at all, not even to a plain GET", async function () {
        const dev = DEVICES.authOnly;
        for (const url of [`/wsn/${dev.id}`, `/wsn/${dev.id}?format=raw`]) {
            const res = await send("GET", url);
            res.status.should.equal(403, url);
            JSON.parse(res.text).should.eql({ error: "format_not_allowed" });
        }
        const legacy = [device.passphraseBody({ SEQN: 5 }, dev.key), device.passphraseBody(device.dataMessage(5), dev.key), device.rawBody(device.dataMessage(5), dev.key)];
        for (const [i, body] of legacy.entries()) {
            const res = await send("POST", i === 0 ? `/wsn/${dev.id}` : `/data/${dev.id}`, body);
            res.status.should.equal(403);
        }
        (await stored(dev.id)).should.equal(0);
    });

    it("an empty formats value fails closed: every format and the GET are refused", async function () {
        const dev = DEVICES.none;
        const attempts = [
            ["GET", `/wsn/${dev.id}`], ["GET", `/wsn/${dev.id}?format=raw`],
            ["POST", `/wsn/${dev.id}`, device.passphraseBody({ SEQN: 5 }, dev.key)],
            ["POST", `/data/${dev.id}`, device.rawBody(device.dataMessage(5), dev.key)],
            ["POST", `/data/${dev.id}`, reference.requestBody(dev, "data", 5, { data: { value: 1 } }).text],
            ["POST", `/wsn/${dev.id}`, reference.requestBody(dev, "query", 0, {}).text]
        ];
        for (const [method, url, body] of attempts) {
            const res = await send(method, url, body);
            res.status.should.equal(403, `${method} ${url}`);
            JSON.parse(res.text).should.eql({ error: "format_not_allowed" });
        }
        (await stored(dev.id)).should.equal(0);
    });

    it(`${OUTSIDER_REQUESTS} outsider requests of every kind leave the database exactly as it was`, async function () {
        this.timeout(300000);
        const dev = DEVICES.flood;
        // Material an outsider captures on the wire: requests the device made
        // (all answered, so replays), the backend's replies, a raw reply of a known SEQN.
        await setStored(dev.id, 100);
        const rawDataText = JSON.stringify(device.dataMessage(101, 300));
        const captured = { rawReplySeqn: 100, rawReply: await rawReply(dev), rawDataText, authRequests: [], authReplies: [], passphraseRequests: [] };
        captured.rawData = JSON.parse(device.rawBody(rawDataText, dev.key));
        (await send("POST", `/data/${dev.id}`, JSON.stringify(captured.rawData))).status.should.equal(200);
        let seqn = 101;
        for (const kind of ["query", "reset", "data", "data"]) {
            if (kind !== "query") { seqn += 1; }
            const sent = reference.requestBody(dev, kind, seqn, kind === "data" ? { data: { value: seqn } } : {});
            const res = await send("POST", kind === "data" ? `/data/${dev.id}` : `/wsn/${dev.id}`, sent.text);
            res.status.should.equal(200, res.text);
            captured.authRequests.push(sent.text);
            captured.authReplies.push(res.text);
        }
        for (const message of [{ SEQN: seqn + 1 }, device.dataMessage(seqn + 2)]) {
            const body = device.passphraseBody(message, dev.key);
            (await send("POST", message.data ? `/data/${dev.id}` : `/wsn/${dev.id}`, body)).status.should.equal(200);
            captured.passphraseRequests.push(body);
        }

        const before = await dump();
        const statuses = {};
        for (const r of outsider.requests(dev.id, captured, OUTSIDER_REQUESTS)) {
            const res = await send(r.method, r.path, r.body);
            (statuses[r.name] = statuses[r.name] || {})[res.status] = (statuses[r.name][res.status] || 0) + 1;
            // A GET of a legacy device is answered, and so is a replayed
            // query (with a SEQN reply bound to the old request, which no
            // device waits for); both write nothing. Nothing else is answered.
            const query = r.body === captured.authRequests[0];
            if (r.method === "POST" && !query) { should(res.status).be.within(400, 499, `${r.name}: ${res.status} ${res.text.slice(0, 120)}`); }
        }
        const after = await dump();
        console.log("\n" + Object.entries(statuses).map(([name, s]) => `    ${name.padEnd(40)} ${Object.entries(s).map(([code, n]) => `${code} ×${n}`).join(", ")}`).join("\n") + "\n");
        after.should.eql(before, "an outsider's request changed the database");
        // And the device itself carries on.
        const next = reference.requestBody(dev, "data", seqn + 3, { data: { value: 1 } });
        const res = await send("POST", `/data/${dev.id}`, next.text);
        res.status.should.equal(200, res.text);
        reference.openReply(dev, res.text, next.tag).message.should.eql({ SEQN: seqn + 3, ack: true, lost: 0 });
    });
});
