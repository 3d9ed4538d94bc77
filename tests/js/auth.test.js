"use strict";
// The authenticated format (auth v1) and replay-proof resynchronisation:
// the wasm module against an independent node:crypto implementation, then a
// real Node-RED with the shipped SQLite flows, a device played with that
// implementation.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
require("should");
const wasm = require("../../pkg/wsn_crypto.js");
const backend = require("../../scripts/lib/backend.js");
const reference = require("./helpers/auth-reference.js");
const { request } = require("./helpers/http.js");
const { requestBody: authBody, openReply } = reference;
const device = require("./helpers/device.js");

const KEY = "2B7E151628AED2A6ABF7158809CF4F3C";

describe("auth v1: wasm against node:crypto", function () {
    it("opens what node:crypto seals and the reverse, 300 random messages each way", function () {
        for (let i = 0; i < 300; i++) {
            const key = crypto.randomBytes([16, 24, 32][i % 3]).toString("hex");
            const id = crypto.randomBytes(1 + (i % 40)).toString("base64");
            const message = { SEQN: i, data: { value: i * 1.5, text: "é✓".repeat(i % 7), pad: "x".repeat(i % 33) } };
            const fromReference = { auth: reference.seal(JSON.stringify(message), key, id, "request") };
            wasm.open(fromReference, key, { deviceId: id }).should.eql({ format: "auth", message }, `case ${i}`);
            const fromWasm = wasm.seal(message, key, { format: "auth", deviceId: id });
            JSON.parse(reference.open(fromWasm.auth, key, id, "reply")).should.eql(message, `case ${i}`);
        }
    });

    it("refuses another device id, the other direction, a wrong key and any flipped byte, all alike", function () {
        const sealed = reference.seal("{\"SEQN\":1}", KEY, "12FA", "request");
        const code = (fn) => { try { fn(); return "none"; } catch (e) { return e.code; } };
        code(() => wasm.open({ auth: sealed }, KEY, { deviceId: "12FB" })).should.equal("cannot_decrypt");
        code(() => wasm.open({ auth: sealed }, KEY, { deviceId: "12FA", direction: "reply" })).should.equal("cannot_decrypt");
        code(() => wasm.open({ auth: sealed }, "00".repeat(16), { deviceId: "12FA" })).should.equal("cannot_decrypt");
        code(() => wasm.open({ auth: sealed }, KEY)).should.equal("bad_options");
        const bytes = Buffer.from(sealed, "base64");
        for (let i = 0; i < bytes.length; i++) {
            const tampered = Buffer.from(bytes);
            tampered[i] ^= 0x01;
            ["cannot_decrypt", "bad_format"].should.containEql(code(() => wasm.open({ auth: tampered.toString("base64") }, KEY, { deviceId: "12FA" })));
        }
        code(() => wasm.open({ msg: "U2FsdGVkX1+VRlCORJjs2mxxTljfcdu6Z7G8JVyFx7b+jaqKMLeBx4ecLQnjUOYp" }, KEY, { formats: "auth" })).should.equal("format_not_allowed");
    });
});

describe("auth v1 end to end: a real Node-RED with the SQLite flows", function () {
    this.timeout(120000);
    const AUTH_ONLY = { id: "A0A1", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "auth" };
    const ANY = { id: "A0A2", key: crypto.randomBytes(16).toString("hex"), seqn: 0 };
    // Spaces in the list as a hand-edited row might have them; the nodes trim them.
    const LEGACY = { id: "A0A3", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "passphrase, raw" };
    let dir;
    let db;
    let server;
    let base;

    before(async function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-auth-"));
        db = path.join(dir, "wsn.db");
        await backend.prepareUserDir({ dir, db, install: "link", devices: [AUTH_ONLY, ANY, LEGACY] });
        server = await backend.startNodeRed({ dir, db });
        base = `http://127.0.0.1:${server.port}`;
    });

    after(async function () {
        if (server) { await server.stop(); }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function post(url, body) {
        return request(server.port, "POST", url, body);
    }
    /** The device's current reset challenge, from a GET with a nonce. */
    async function challengeOf() {
        return openReply(ANY, await (await fetch(`${base}/wsn/${ANY.id}?nonce=n`)).text()).challenge;
    }
    async function rows(id) {
        return backend.query(db, "SELECT dataSEQN FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id]);
    }
    async function stored(id) {
        return (await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id]))[0].deviceSQN;
    }

    it("logs data in the authenticated format and acknowledges it in the same format", async function () {
        const res = await post(`/data/${AUTH_ONLY.id}`, authBody(AUTH_ONLY, { data: { value: 300 }, SEQN: 5 }));
        res.status.should.equal(200, res.text);
        openReply(AUTH_ONLY, res.text).should.eql({ SEQN: 5, ack: true, lost: 4 });
        (await rows(AUTH_ONLY.id)).should.eql([{ dataSEQN: 5 }]);
    });

    it("refuses the legacy formats for a device moved to auth (403), before decrypting, storing nothing", async function () {
        for (const body of [device.passphraseBody({ data: { value: 1 }, SEQN: 6 }, AUTH_ONLY.key), device.rawBody({ data: { value: 1 }, SEQN: 6 }, AUTH_ONLY.key)]) {
            const res = await post(`/data/${AUTH_ONLY.id}`, body);
            res.status.should.equal(403);
            JSON.parse(res.text).should.eql({ error: "format_not_allowed" });
        }
        (await rows(AUTH_ONLY.id)).should.eql([{ dataSEQN: 5 }]);
        const get = await fetch(`${base}/wsn/${AUTH_ONLY.id}`);
        openReply(AUTH_ONLY, await get.text()).should.eql({ SEQN: 5 });
    });

    it("answers a tampered message, another device's and a reflected reply with one uniform 400", async function () {
        const good = JSON.parse(authBody(AUTH_ONLY, { data: { value: 1 }, SEQN: 7 }));
        const bytes = Buffer.from(good.auth, "base64");
        bytes[20] ^= 0x04;
        const reflected = (await fetch(`${base}/wsn/${AUTH_ONLY.id}`)).text();
        const answers = [
            await post(`/data/${AUTH_ONLY.id}`, JSON.stringify({ auth: bytes.toString("base64") })),
            await post(`/data/${ANY.id}`, authBody(Object.assign({}, ANY, { id: AUTH_ONLY.id }), { data: { value: 1 }, SEQN: 7 })),
            await post(`/data/${AUTH_ONLY.id}`, await reflected)
        ];
        for (const res of answers) {
            [res.status, res.text].should.eql([400, "{\"error\":\"cannot_decrypt\"}"]);
        }
        (await rows(AUTH_ONLY.id)).should.eql([{ dataSEQN: 5 }]);
    });

    it("echoes a GET's nonce with a fresh challenge, authenticated, so an old reply cannot be replayed", async function () {
        const nonce = crypto.randomBytes(16).toString("base64url");
        const res = await fetch(`${base}/wsn/${ANY.id}?nonce=${nonce}`);
        res.status.should.equal(200);
        const reply = openReply(ANY, await res.text());
        reply.SEQN.should.equal(0);
        reply.nonce.should.equal(nonce);
        reply.challenge.should.match(/^[0-9a-f]{32}$/);
        const again = openReply(ANY, await (await fetch(`${base}/wsn/${ANY.id}?nonce=other`)).text());
        again.challenge.should.not.equal(reply.challenge);
        (await fetch(`${base}/wsn/${ANY.id}?nonce=${"x".repeat(65)}`)).status.should.equal(400);
    });

    it("issues no challenge to a device whose formats exclude auth: its GET with a nonce is 403, nothing written", async function () {
        const res = await fetch(`${base}/wsn/${LEGACY.id}?nonce=n`);
        [res.status, await res.text()].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
        (await backend.query(db, "SELECT count(*) AS n FROM Challenges WHERE deviceID = ?", [LEGACY.id]))[0].n.should.equal(0);
        const plain = await fetch(`${base}/wsn/${LEGACY.id}`);
        plain.status.should.equal(200);
        device.openReply(await plain.text(), LEGACY.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
        // The same list with auth in it, spaces and all, does get a challenge.
        await backend.write(db, "UPDATE Devices SET deviceFormats = 'passphrase, auth' WHERE deviceID = ?", [LEGACY.id]);
        const authed = await fetch(`${base}/wsn/${LEGACY.id}?nonce=n`);
        authed.status.should.equal(200);
        openReply(LEGACY, await authed.text()).challenge.should.match(/^[0-9a-f]{32}$/);
        (await backend.query(db, "SELECT count(*) AS n FROM Challenges WHERE deviceID = ?", [LEGACY.id]))[0].n.should.equal(1);
    });

    it("takes a reset only with the current challenge, once; a captured reset cannot be replayed", async function () {
        let res = await post(`/wsn/${ANY.id}`, authBody(ANY, { SEQN: 50 }));
        [res.status, res.text].should.eql([403, "{\"error\":\"bad_challenge\"}"]);
        res = await post(`/wsn/${ANY.id}`, authBody(ANY, { SEQN: 50, challenge: "0".repeat(32) }));
        res.status.should.equal(403);
        (await stored(ANY.id)).should.equal(0);

        const challenge = await challengeOf();
        const reset = authBody(ANY, { SEQN: 50, challenge });
        res = await post(`/wsn/${ANY.id}`, reset);
        res.status.should.equal(200, res.text);
        openReply(ANY, res.text).should.eql({ SEQN: 50, ack: true });
        (await stored(ANY.id)).should.equal(50);

        // The captured reset, replayed: refused; and its challenge is spent.
        res = await post(`/wsn/${ANY.id}`, reset);
        res.status.should.equal(409);
        res = await post(`/wsn/${ANY.id}`, authBody(ANY, { SEQN: 60, challenge }));
        [res.status, res.text].should.eql([403, "{\"error\":\"bad_challenge\"}"]);
        (await stored(ANY.id)).should.equal(50);
    });

    it("refuses an expired challenge and withdraws one when the SEQN moves", async function () {
        let challenge = await challengeOf();
        await backend.write(db, "UPDATE Challenges SET expires = 0 WHERE deviceID = ?", [ANY.id]);
        let res = await post(`/wsn/${ANY.id}`, authBody(ANY, { SEQN: 70, challenge }));
        res.status.should.equal(403);

        challenge = await challengeOf();
        res = await post(`/data/${ANY.id}`, authBody(ANY, { data: { value: 2 }, SEQN: 51 }));
        res.status.should.equal(200);
        res = await post(`/wsn/${ANY.id}`, authBody(ANY, { SEQN: 80, challenge }));
        res.status.should.equal(403);
        (await stored(ANY.id)).should.equal(51);
    });
});
