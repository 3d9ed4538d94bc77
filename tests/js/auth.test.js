"use strict";
// The authenticated format, version 2 (README section The authenticated format): the wasm module
// against the independent node:crypto implementation (helpers/auth-reference.js),
// then a real Node-RED with the shipped SQLite flows, a device played with
// that implementation: its requests made, and every reply opened and bound
// to the request it answers, without this package's wasm.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
require("should");
const wasm = require("../../pkg/wsn_crypto.js");
const backend = require("../../scripts/lib/backend.js");
const reference = require("./helpers/auth-reference.js");
const { request } = require("./helpers/http.js");
const device = require("./helpers/device.js");
const { ALL_FORMATS } = require("./helpers/article.js");

const KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
const DEV = { id: "12FA", key: KEY };

/** The error code `fn` throws, or "none". */
function code(fn) {
    try { fn(); return "none"; } catch (e) { return e.code; }
}
const b64 = (tag) => tag.toString("base64");

describe("auth v2: wasm against node:crypto", function () {
    const REQUEST_KINDS = ["query", "reset", "data"];
    const REPLY_KINDS = ["seqn", "ack", "refusal"];

    it("takes what node:crypto seals as requests, and node:crypto opens its replies bound to them, 300 random cases", function () {
        for (let i = 0; i < 300; i++) {
            const key = crypto.randomBytes([16, 24, 32][i % 3]).toString("hex");
            const id = crypto.randomBytes(1 + (i % 40)).toString("base64");
            const dev = { id, key };
            const seqn = i * 1000 + 1;
            const kind = REQUEST_KINDS[i % 3];
            const message = kind === "data" ? { data: { value: i * 1.5, text: "é✓".repeat(i % 7), pad: "x".repeat(i % 33) } } : {};
            const sent = reference.requestBody(dev, kind, seqn, message);
            const endpoint = kind === "data" ? "data" : "seqn";
            const taken = wasm.openRequest(sent.text, key, seqn - 1, { endpoint, deviceId: id, formats: "auth" });
            taken.should.containEql({ format: "auth", kind, seqn, stored: seqn - 1, message, request: b64(sent.tag) }, `case ${i}`);
            // The device's side of wasm.open reads the request as node:crypto made it.
            wasm.open(sent.text, key, { deviceId: id }).should.eql({ format: "auth", kind, seqn, message }, `case ${i}`);

            const replyKind = REPLY_KINDS[i % 3];
            const reply = replyKind === "refusal" ? { error: "stale", SEQN: seqn + 5 } : { SEQN: seqn, ack: true };
            const sealed = wasm.seal(reply, key, { format: "auth", deviceId: id, kind: replyKind, request: taken.request });
            reference.openReply(dev, JSON.stringify(sealed), sent.tag).should.eql({ kind: replyKind, seqn: reply.SEQN, message: reply }, `case ${i}`);
        }
    });

    it("seals a device's requests node:crypto opens, and opens node:crypto's replies bound to them", function () {
        for (let i = 0; i < 60; i++) {
            const dev = { id: `dev-${i}`, key: crypto.randomBytes(16).toString("hex") };
            const kind = REQUEST_KINDS[i % 3];
            const message = kind === "data" ? { data: { value: i }, SEQN: i + 1 } : { SEQN: i + 1 };
            const sent = wasm.seal(message, dev.key, { format: "auth", deviceId: dev.id, kind });
            const opened = reference.open(sent.auth, { key: dev.key, deviceId: dev.id });
            [opened.kind, opened.seqn, JSON.parse(opened.plaintext)].should.eql([kind, i + 1, message], `case ${i}`);

            const tag = reference.tagOf(sent.auth);
            const reply = reference.seal({ key: dev.key, deviceId: dev.id, kind: "ack", seqn: i + 1, plaintext: JSON.stringify({ SEQN: i + 1, ack: true }), request: tag });
            wasm.open(JSON.stringify({ auth: reply.auth }), dev.key, { deviceId: dev.id, direction: "reply", request: b64(tag) })
                .should.eql({ format: "auth", kind: "ack", seqn: i + 1, message: { SEQN: i + 1, ack: true } }, `case ${i}`);
        }
    });

    it("opens every vector of tests/vectors/auth.json and refuses every refused one", function () {
        const file = require("../vectors/auth.json");
        const tagOf = (hex) => Buffer.from(hex, "hex").toString("base64");
        file.vectors.forEach(function (v, i) {
            const options = v.request ? { deviceId: v.deviceId, direction: "reply", request: tagOf(v.request) } : { deviceId: v.deviceId };
            const opened = wasm.open(JSON.stringify({ auth: v.auth }), v.key, options);
            opened.should.eql({ format: "auth", kind: v.kind, seqn: v.seqn, message: JSON.parse(v.plaintext) }, `vector ${i}`);
            reference.tagOf(v.auth).toString("hex").should.equal(v.tag, `vector ${i}`);
        });
        file.refused.forEach(function (r, i) {
            const options = r.request ? { deviceId: r.deviceId, direction: "reply", request: tagOf(r.request) } : { deviceId: r.deviceId };
            (() => wasm.open(JSON.stringify({ auth: r.auth }), r.key, options)).should.throw({ message: /.+/ }, `refused ${i}: ${r.why}`);
        });
    });

    it("a query may leave its SEQN out (the header's is then 0)", function () {
        const sent = wasm.seal({}, KEY, { format: "auth", deviceId: "12FA", kind: "query" });
        reference.open(sent.auth, { key: KEY, deviceId: "12FA" }).should.containEql({ kind: "query", seqn: 0 });
        code(() => wasm.seal({ data: {} }, KEY, { format: "auth", deviceId: "12FA", kind: "data" })).should.equal("bad_seqn");
    });

    it("refuses another device id, another request's tag, the other direction, a wrong key and any flipped byte", function () {
        const sent = reference.requestBody(DEV, "data", 1, { data: {} });
        const auth = JSON.parse(sent.text).auth;
        const asRequest = (body, key, id) => wasm.open(JSON.stringify(body), key || KEY, { deviceId: id || "12FA" });
        code(() => asRequest({ auth }, KEY, "12FB")).should.equal("cannot_decrypt");
        code(() => asRequest({ auth }, "00".repeat(16))).should.equal("cannot_decrypt");
        // A request opened as a reply: the MAC input differs (the bound tag), so its tag fails.
        code(() => wasm.open(JSON.stringify({ auth }), KEY, { deviceId: "12FA", direction: "reply", request: b64(sent.tag) })).should.equal("cannot_decrypt");

        const reply = wasm.seal({ SEQN: 1, ack: true }, KEY, { format: "auth", deviceId: "12FA", kind: "ack", request: b64(sent.tag) });
        code(() => wasm.open(JSON.stringify(reply), KEY, { deviceId: "12FA", direction: "reply", request: b64(crypto.randomBytes(16)) })).should.equal("cannot_decrypt");
        code(() => asRequest(reply)).should.equal("cannot_decrypt");
        code(() => wasm.openRequest(JSON.stringify(reply), KEY, 0, { endpoint: "data", deviceId: "12FA", formats: "auth" })).should.equal("cannot_decrypt");

        const bytes = Buffer.from(auth, "base64");
        for (let i = 0; i < bytes.length; i++) {
            const tampered = Buffer.from(bytes);
            tampered[i] ^= 0x01;
            const thrown = (() => { try { wasm.openRequest(JSON.stringify({ auth: tampered.toString("base64") }), KEY, 0, { endpoint: "data", deviceId: "12FA", formats: "auth" }); } catch (e) { return e; } })();
            ["cannot_decrypt", "bad_format"].should.containEql(thrown.code, `byte ${i}`);
            // Not verified: nothing sealed in the answer.
            (thrown.auth === undefined).should.be.true(`byte ${i}`);
        }
    });

    it("checks its options: kinds by side, a reply's request tag, deviceId, endpoint", function () {
        const tag = b64(crypto.randomBytes(16));
        const seal = (options) => code(() => wasm.seal({ SEQN: 1 }, KEY, Object.assign({ format: "auth", deviceId: "12FA" }, options)));
        seal({ kind: "ack" }).should.equal("bad_options");
        seal({ kind: "data", request: tag }).should.equal("bad_options");
        seal({ kind: "ack", request: "AAAA" }).should.equal("bad_options");
        seal({}).should.equal("bad_options");
        seal({ kind: "data", direction: "request" }).should.equal("bad_options");
        seal({ kind: "data", deviceId: undefined }).should.equal("bad_options");
        code(() => wasm.seal({ SEQN: 1 }, KEY, { kind: "data" })).should.equal("bad_options");
        const sent = reference.requestBody(DEV, "query", 0).text;
        code(() => wasm.open(sent, KEY)).should.equal("bad_options");
        code(() => wasm.open(sent, KEY, { deviceId: "12FA", direction: "reply" })).should.equal("bad_options");
        code(() => wasm.open(sent, KEY, { deviceId: "12FA", request: tag })).should.equal("bad_options");
        code(() => wasm.openRequest(sent, KEY, 0, { deviceId: "12FA", formats: "auth" })).should.equal("bad_options");
        code(() => wasm.openRequest(sent, KEY, 0, { endpoint: "seqn", deviceId: "12FA", formats: "auth", policy: "sometimes" })).should.equal("bad_options");
    });

    it("takes a body only as its JSON text: a parsed object or a Buffer is bad_format", function () {
        const sent = reference.requestBody(DEV, "query", 0).text;
        const options = { endpoint: "seqn", deviceId: "12FA", formats: "auth" };
        wasm.openRequest(sent, KEY, 0, options).kind.should.equal("query");
        for (const body of [JSON.parse(sent), Buffer.from(sent), [sent], null, undefined, 5]) {
            (() => wasm.openRequest(body, KEY, 0, options)).should.throw({ code: "bad_format", message: /JSON text/ });
            (() => wasm.open(body, KEY, { deviceId: "12FA" })).should.throw({ code: "bad_format", message: /JSON text/ });
        }
    });

    it("formats: open refuses a format not listed; openRequest fails closed without a list", function () {
        const passphrase = JSON.stringify({ msg: "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp" });
        code(() => wasm.open(passphrase, KEY, { formats: "auth" })).should.equal("format_not_allowed");
        code(() => wasm.open(passphrase, KEY, { formats: "" })).should.equal("format_not_allowed");
        wasm.open(passphrase, KEY, { formats: "raw , passphrase" }).message.should.eql({ SEQN: 120 });
        const sent = reference.requestBody(DEV, "query", 0).text;
        for (const formats of [undefined, "", " ", "passphrase,raw", "authx"]) {
            code(() => wasm.openRequest(sent, KEY, 0, { endpoint: "seqn", deviceId: "12FA", formats })).should.equal("format_not_allowed", String(formats));
        }
        wasm.openRequest(sent, KEY, 0, { endpoint: "seqn", deviceId: "12FA", formats: " raw , auth " }).kind.should.equal("query");
    });

    it("seals a refusal of a verified request, bound to it, with the stored SEQN; keeps auth forward-only under 'any'", function () {
        const sent = reference.requestBody(DEV, "reset", 4);
        let thrown;
        try { wasm.openRequest(sent.text, KEY, 9, { endpoint: "seqn", deviceId: "12FA", formats: "auth", policy: "any" }); } catch (e) { thrown = e; }
        thrown.code.should.equal("stale");
        wasm.httpStatus(thrown.code).should.equal(409);
        reference.openReply(DEV, JSON.stringify({ auth: thrown.auth }), sent.tag).should.eql({ kind: "refusal", seqn: 9, message: { error: "stale", SEQN: 9 } });
    });
});

describe("auth v2 end to end: a real Node-RED with the SQLite flows", function () {
    this.timeout(120000);
    const AUTH = { id: "A0A1", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "auth" };
    // No formats given: the schema's default, the authenticated format alone.
    const NEW = { id: "A0A2", key: crypto.randomBytes(16).toString("hex"), seqn: 0 };
    // Spaces in the list as a hand-edited row might have them; the nodes trim them.
    const LEGACY = { id: "A0A3", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "passphrase, raw" };
    const ALL = { id: "A0A4", key: crypto.randomBytes(24).toString("hex"), seqn: 0, formats: ALL_FORMATS };
    // Its list is emptied by the test that shows an empty list fails closed.
    const EMPTIED = { id: "A0A5", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "auth" };
    let dir;
    let db;
    let server;
    let base;

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-auth-"));
        db = path.join(dir, "wsn.db");
        await backend.prepareUserDir({ dir, db, install: "link", devices: [AUTH, NEW, LEGACY, ALL, EMPTIED] });
        server = await backend.startNodeRed({ dir, db });
        base = `http://127.0.0.1:${server.port}`;
    });

    after(async function () {
        if (server) { await server.stop(); }
        if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
    });

    function post(url, body) {
        return request(server.port, "POST", url, body);
    }
    /** Sends a request of `kind` as `dev`: { status, text, json, tag }. */
    async function send(dev, kind, seqn, message) {
        const sent = reference.requestBody(dev, kind, seqn, message);
        const res = await post(kind === "data" ? `/data/${dev.id}` : `/wsn/${dev.id}`, sent.text);
        let json;
        try { json = JSON.parse(res.text); } catch (e) { json = undefined; }
        return { status: res.status, text: res.text, json, tag: sent.tag };
    }
    /** What the database holds for a device: its SEQN and its data rows. */
    async function state(id) {
        const seqn = (await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]))[0].deviceSQN;
        const rows = await backend.query(db, "SELECT dataSEQN, dataLost, dataJSON FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id]);
        return { seqn, rows };
    }
    // Each test moves AUTH's SEQN to a range of its own first, so that each
    // runs alone (--grep) as well as after the others.
    async function setStored(id, seqn) {
        await backend.write(db, "UPDATE Devices SET deviceSQN = ? WHERE deviceID = ?", [seqn, id]);
    }

    it("answers a SEQN query with a seqn reply bound to it, and writes nothing", async function () {
        await setStored(AUTH.id, 17);
        const before = await state(AUTH.id);
        // The device lost its counter: it asks with 0, or with what it last had.
        for (const seqn of [0, 3]) {
            const res = await send(AUTH, "query", seqn);
            res.status.should.equal(200, res.text);
            Object.keys(res.json).should.eql(["auth"]);
            reference.openReply(AUTH, res.text, res.tag).should.eql({ kind: "seqn", seqn: 17, message: { SEQN: 17 } });
        }
        (await state(AUTH.id)).should.eql(before);
    });

    it("logs data and acknowledges it with an ack bound to the request, naming its SEQN and the messages lost", async function () {
        await setStored(AUTH.id, 17);
        const res = await send(AUTH, "data", 22, { data: { value: 300 } });
        res.status.should.equal(200, res.text);
        reference.openReply(AUTH, res.text, res.tag).should.eql({ kind: "ack", seqn: 22, message: { SEQN: 22, ack: true, lost: 4 } });
        const after = await state(AUTH.id);
        after.seqn.should.equal(22);
        after.rows.filter((r) => r.dataSEQN === 22).should.eql([{ dataSEQN: 22, dataLost: 4, dataJSON: "{\"value\":300}" }]);
    });

    it("takes a reset forward only, acknowledged; the same reset replayed is 409 replay with a sealed refusal", async function () {
        await setStored(AUTH.id, 30);
        const reset = reference.requestBody(AUTH, "reset", 50);
        let res = await post(`/wsn/${AUTH.id}`, reset.text);
        res.status.should.equal(200, res.text);
        reference.openReply(AUTH, res.text, reset.tag).should.eql({ kind: "ack", seqn: 50, message: { SEQN: 50, ack: true } });
        (await state(AUTH.id)).seqn.should.equal(50);

        // Captured and replayed: refused, and the device that sent it could trust why.
        res = await post(`/wsn/${AUTH.id}`, reset.text);
        res.status.should.equal(409);
        const body = JSON.parse(res.text);
        body.error.should.equal("replay");
        reference.openReply(AUTH, res.text, reset.tag).should.eql({ kind: "refusal", seqn: 50, message: { error: "replay", SEQN: 50 } });

        // A reset below the stored SEQN is stale; the device carries on from the sealed SEQN + 1.
        const stale = await send(AUTH, "reset", 20);
        stale.status.should.equal(409);
        const refusal = reference.openReply(AUTH, stale.text, stale.tag);
        refusal.should.eql({ kind: "refusal", seqn: 50, message: { error: "stale", SEQN: 50 } });
        const next = await send(AUTH, "data", refusal.seqn + 1, { data: { value: 1 } });
        next.status.should.equal(200, next.text);
        reference.openReply(AUTH, next.text, next.tag).message.should.eql({ SEQN: 51, ack: true, lost: 0 });
        (await state(AUTH.id)).seqn.should.equal(51);
    });

    it("answers N copies of one data message sent at once with one ack and sealed replay refusals, one row", async function () {
        await setStored(AUTH.id, 100);
        const sent = reference.requestBody(AUTH, "data", 109, { data: { value: 6 } });
        const answers = await Promise.all(Array.from({ length: 6 }, () => post(`/data/${AUTH.id}`, sent.text)));
        answers.filter((r) => r.status === 200).length.should.equal(1);
        for (const res of answers) {
            const reply = reference.openReply(AUTH, res.text, sent.tag);
            if (res.status === 200) {
                reply.should.eql({ kind: "ack", seqn: 109, message: { SEQN: 109, ack: true, lost: 8 } });
            } else {
                [res.status, JSON.parse(res.text).error].should.eql([409, "replay"]);
                reply.should.eql({ kind: "refusal", seqn: 109, message: { error: "replay", SEQN: 109 } });
            }
        }
        (await state(AUTH.id)).rows.filter((r) => r.dataSEQN === 109).length.should.equal(1);
    });

    it("refuses a kind the endpoint does not take (400 wrong_kind), sealed, writing nothing", async function () {
        await setStored(AUTH.id, 200);
        const before = await state(AUTH.id);
        const sent = reference.requestBody(AUTH, "data", 201, { data: { value: 7 } });
        const onSeqn = await post(`/wsn/${AUTH.id}`, sent.text);
        [onSeqn.status, JSON.parse(onSeqn.text).error].should.eql([400, "wrong_kind"]);
        reference.openReply(AUTH, onSeqn.text, sent.tag).message.should.eql({ error: "wrong_kind", SEQN: before.seqn });
        for (const kind of ["query", "reset"]) {
            const wrong = reference.requestBody(AUTH, kind, 202);
            const res = await post(`/data/${AUTH.id}`, wrong.text);
            [res.status, JSON.parse(res.text).error].should.eql([400, "wrong_kind"], kind);
            reference.openReply(AUTH, res.text, wrong.tag).kind.should.equal("refusal");
        }
        (await state(AUTH.id)).should.eql(before);
    });

    it("regression: a reply posted back as a request is 400 cannot_decrypt, with nothing sealed", async function () {
        await setStored(AUTH.id, 300);
        const before = await state(AUTH.id);
        const query = await send(AUTH, "query", 0);
        const ack = await send(AUTH, "data", before.seqn + 1, { data: { value: 8 } });
        ack.status.should.equal(200, ack.text);
        const after = await state(AUTH.id);
        for (const reply of [query.text, ack.text]) {
            for (const url of [`/wsn/${AUTH.id}`, `/data/${AUTH.id}`]) {
                const res = await post(url, reply);
                [res.status, res.text].should.eql([400, "{\"error\":\"cannot_decrypt\"}"], url);
            }
        }
        (await state(AUTH.id)).should.eql(after);
    });

    it("regression: a device rejects a refusal forged by an outsider, and a genuine reply to another request", async function () {
        await setStored(AUTH.id, 400);
        const stored = (await state(AUTH.id)).seqn;
        const mine = reference.requestBody(AUTH, "data", stored + 1, { data: { value: 9 } });
        const wrongKey = Object.assign({}, AUTH, { key: crypto.randomBytes(16).toString("hex") });
        // A genuine sealed refusal, but to another request of the same device (e.g. one captured earlier).
        const other = await send(AUTH, "reset", 1);
        other.status.should.equal(409);
        const forgeries = [
            JSON.stringify({ error: "stale" }),
            JSON.stringify({ error: "stale", SEQN: 1e9 }),
            JSON.stringify({ error: "stale", auth: reference.seal({ key: wrongKey.key, deviceId: AUTH.id, kind: "refusal", seqn: 1e9, plaintext: "{\"error\":\"stale\",\"SEQN\":1000000000}", request: mine.tag }).auth }),
            JSON.stringify({ error: "stale", auth: reference.seal({ key: AUTH.key, deviceId: "A0A9", kind: "refusal", seqn: 1e9, plaintext: "{\"error\":\"stale\",\"SEQN\":1000000000}", request: mine.tag }).auth }),
            other.text
        ];
        for (const text of forgeries) {
            (() => reference.openReply(AUTH, text, mine.tag)).should.throw();
        }
        // The genuine answer to this request opens; a genuine answer to it does not open for another.
        const res = await post(`/data/${AUTH.id}`, mine.text);
        res.status.should.equal(200, res.text);
        reference.openReply(AUTH, res.text, mine.tag).message.SEQN.should.equal(stored + 1);
        (() => reference.openReply(AUTH, res.text, other.tag)).should.throw(/bad tag/);
        (() => reference.openReply(AUTH, res.text, reference.requestBody(AUTH, "data", stored + 1, { data: { value: 9 } }).tag)).should.throw(/bad tag/);
    });

    it("answers every bit of one request flipped with 400 and nothing sealed, storing nothing; the request itself is then taken", async function () {
        await setStored(AUTH.id, 500);
        const before = await state(AUTH.id);
        const sent = reference.requestBody(AUTH, "data", before.seqn + 1, { data: { value: 10 } });
        const bytes = Buffer.from(JSON.parse(sent.text).auth, "base64");
        const statuses = new Set();
        for (let bit = 0; bit < bytes.length * 8; bit++) {
            const tampered = Buffer.from(bytes);
            tampered[bit >> 3] ^= 1 << (bit & 7);
            const res = await post(`/data/${AUTH.id}`, JSON.stringify({ auth: tampered.toString("base64") }));
            res.status.should.equal(400, `bit ${bit}: ${res.text}`);
            // The version byte is checked first (bad_format), everything else fails the tag.
            ["{\"error\":\"cannot_decrypt\"}", "{\"error\":\"bad_format\"}"].should.containEql(res.text, `bit ${bit}`);
            statuses.add(res.text);
        }
        statuses.size.should.equal(2);
        (await state(AUTH.id)).should.eql(before);
        const res = await post(`/data/${AUTH.id}`, sent.text);
        res.status.should.equal(200, res.text);
        (await state(AUTH.id)).seqn.should.equal(before.seqn + 1);
    });

    it("refuses a request sealed under another device id (400 cannot_decrypt), nothing sealed", async function () {
        const before = await state(ALL.id);
        const sent = reference.requestBody(Object.assign({}, ALL, { id: AUTH.id }), "data", 5, { data: { value: 1 } });
        const res = await post(`/data/${ALL.id}`, sent.text);
        [res.status, res.text].should.eql([400, "{\"error\":\"cannot_decrypt\"}"]);
        (await state(ALL.id)).should.eql(before);
    });

    it("gives a new device the authenticated format alone: its legacy requests and GET are 403, its auth query is answered", async function () {
        for (const body of [device.passphraseBody(device.dataMessage(1), NEW.key), device.rawBody(device.dataMessage(1), NEW.key)]) {
            const res = await post(`/data/${NEW.id}`, body);
            [res.status, res.text].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        }
        const get = await fetch(`${base}/wsn/${NEW.id}`);
        [get.status, await get.text()].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        const query = await send(NEW, "query", 0);
        query.status.should.equal(200, query.text);
        reference.openReply(NEW, query.text, query.tag).should.eql({ kind: "seqn", seqn: 0, message: { SEQN: 0 } });
        (await state(NEW.id)).should.eql({ seqn: 0, rows: [] });
    });

    it("answers a GET only in a legacy format: ?format=auth is 400 bad_format, even for a device that may use auth", async function () {
        const res = await fetch(`${base}/wsn/${ALL.id}?format=auth`);
        [res.status, await res.text()].should.eql([400, "{\"error\":\"bad_format\"}"]);
        const plain = await fetch(`${base}/wsn/${ALL.id}`);
        plain.status.should.equal(200);
        device.openReply(await plain.text(), ALL.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
    });

    it("refuses auth to a device whose formats exclude it (403, nothing sealed), and takes it once the list names it, spaces and all", async function () {
        await backend.write(db, "UPDATE Devices SET deviceFormats = 'passphrase, raw' WHERE deviceID = ?", [LEGACY.id]);
        const sent = reference.requestBody(LEGACY, "query", 0);
        let res = await post(`/wsn/${LEGACY.id}`, sent.text);
        [res.status, res.text].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        const plain = await fetch(`${base}/wsn/${LEGACY.id}`);
        plain.status.should.equal(200);
        device.openReply(await plain.text(), LEGACY.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
        await backend.write(db, "UPDATE Devices SET deviceFormats = 'passphrase, auth' WHERE deviceID = ?", [LEGACY.id]);
        res = await post(`/wsn/${LEGACY.id}`, sent.text);
        res.status.should.equal(200, res.text);
        reference.openReply(LEGACY, res.text, sent.tag).kind.should.equal("seqn");
    });

    it("fails closed for a device row whose formats were emptied: every request refused 403", async function () {
        await backend.write(db, "UPDATE Devices SET deviceFormats = '' WHERE deviceID = ?", [EMPTIED.id]);
        const query = await send(EMPTIED, "query", 0);
        [query.status, query.text].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        const data = await send(EMPTIED, "data", 1, { data: {} });
        [data.status, data.text].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        const get = await fetch(`${base}/wsn/${EMPTIED.id}`);
        [get.status, await get.text()].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        (await state(EMPTIED.id)).should.eql({ seqn: 0, rows: [] });
    });

    it("regression: keeps no reset challenges: the schema has no Challenges table and a GET's ?nonce= changes nothing", async function () {
        (await backend.query(db, "SELECT name FROM sqlite_master WHERE name LIKE 'Challenges%' OR sql LIKE '%Challenges%'")).should.eql([]);
        const res = await fetch(`${base}/wsn/${AUTH.id}?nonce=n`);
        [res.status, await res.text()].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        const legacy = await fetch(`${base}/wsn/${ALL.id}?nonce=n`);
        legacy.status.should.equal(200);
        device.openReply(await legacy.text(), ALL.key).message.should.eql({ SEQN: 0 });
    });
});
