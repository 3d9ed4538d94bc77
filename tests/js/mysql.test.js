"use strict";
// The MySQL flows (flows/wsn-mysql.json, node-red-node-mysql as it is)
// against a real MariaDB: Debian's mariadb-server, installed if missing and
// started by scripts/lib/mariadb.js in a temporary data directory, on a unix
// socket and on 127.0.0.1 only. The packed tarball in a real Node-RED, driven
// over HTTP by devices written without this package (helpers/device.js).
// First the core of the SQLite end-to-end suite on one instance, then the
// scale-out shape: two Node-RED instances on different loopback ports, one
// database.

const fs = require("fs");
const os = require("os");
const crypto = require("crypto");
const path = require("path");
const should = require("should");

const backend = require("../../scripts/lib/backend.js");
const mariadb = require("../../scripts/lib/mariadb.js");
const device = require("./helpers/device.js");
const { post, exchange } = require("./helpers/http.js");
const { dataMessage } = device;
const { requestBody: authBody, openReply: openAuthReply } = require("./helpers/auth-reference.js");

const FLOWS = path.join(backend.ROOT, "flows", "wsn-mysql.json");
const { ARTICLE, ARTICLE_SET_SEQN_BODY, FIRMWARE_MESSAGE } = require("./helpers/article.js");
const WRONG_KEY = "2B7E151628AED2A6ABF7158809CF4F3D";

const DEVICES = {
    article: ARTICLE,
    // The firmware example says SEQN 4, so this one has sent 3 before.
    firmware: { id: "ESP1", key: "603DEB1015CA71BE2B73AEF0857D7781", seqn: 3 },
    aes256: { id: "K256", key: "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", seqn: 0 },
    // An id that a numeric column would turn into 12.
    zeros: { id: "0012", key: "000102030405060708090A0B0C0D0E0F", seqn: 0 },
    flood: { id: "F100", key: "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", seqn: 0 },
    concurrent: { id: "C200", key: "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF", seqn: 0 },
    alternating: { id: "A300", key: "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF", seqn: 0 },
    splitFlood: { id: "F400", key: "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", seqn: 0 },
    splitConcurrent: { id: "C500", key: "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF", seqn: 0 },
    // The authenticated format: one device moved to it, one that may use any format.
    authOnly: { id: "A0A1", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "auth" },
    authAny: { id: "A0A2", key: crypto.randomBytes(16).toString("hex"), seqn: 0 },
    authShared: { id: "A0A3", key: crypto.randomBytes(16).toString("hex"), seqn: 0 },
    // Kept out of the authenticated format (spaces as a hand-edited row might have them).
    legacyOnly: { id: "A0A4", key: crypto.randomBytes(16).toString("hex"), seqn: 0, formats: "passphrase, raw" }
};

const FLOOD_COPIES = Number(process.env.WSN_E2E_FLOOD) || 500;
const CONCURRENT_SEQNS = 30;

let workDir;
let db;
let database;
let tarball;
const instances = [];
const pastLogs = [];
const exchanges = [];

// --- the backends ---

/**
 * A Node-RED with the MySQL flows in flows.json or, with `deploy`, started
 * empty and given the example file through the admin API as the editor's
 * Import and Deploy do (its credentials, ${ENV} references, inline).
 */
async function startInstance(name, deploy) {
    const dir = path.join(workDir, name);
    let flowsFile = FLOWS;
    if (deploy) {
        flowsFile = path.join(workDir, "empty-flows.json");
        fs.writeFileSync(flowsFile, "[]\n");
    }
    await backend.prepareUserDir({ dir, install: tarball, flowsFile, extraModules: ["node-red-node-mysql"] });
    const server = await backend.startNodeRed({ dir, env: database.env, logLevel: "debug" });
    server.base = `http://127.0.0.1:${server.port}`;
    instances.push(server);
    if (deploy) {
        const started = server.nextFlowsStart();
        const res = await fetch(`${server.base}/admin/flows`, {
            method: "POST", headers: { "content-type": "application/json", "node-red-deployment-type": "full" },
            body: fs.readFileSync(path.join(backend.ROOT, "examples", "wsn-mysql.json"), "utf8")
        });
        [200, 204].should.containEql(res.status);
        await started;
    }
    // The flows have started, but the MySQL node connects on its own time; until
    // it has, the flows answer 500 server_error.
    for (let tries = 0; ; tries++) {
        const probe = await fetch(`${server.base}/wsn/__probe__`);
        const text = await probe.text();
        if (probe.status === 404 && text.includes("unknown_device")) { break; }
        probe.status.should.equal(500, text); // Express's own 404 would mean a route is missing
        if (tries > 100) { throw new Error(`the flows do not reach MariaDB: ${probe.status} ${text}`); }
        await new Promise((r) => setTimeout(r, 100));
    }
    return server;
}

async function stopAll() {
    while (instances.length) {
        const server = instances.pop();
        await server.stop("SIGTERM");
        pastLogs.push(server.log());
    }
}

// --- HTTP as a device ---

function send(server, request) {
    return exchange(server.base, request, exchanges);
}

/** GET /wsn/:id?nonce=...: the reset challenge, after checking the echoed nonce. */
async function challengeOf(server, dev) {
    const nonce = crypto.randomBytes(12).toString("base64url");
    const res = await send(server, { path: `/wsn/${dev.id}?nonce=${nonce}` });
    should(res.status).equal(200, res.text);
    const reply = openAuthReply(dev, res.text);
    reply.nonce.should.equal(nonce);
    reply.challenge.should.match(/^[0-9a-f]{32}$/);
    return reply.challenge;
}


function statuses(responses) {
    const counts = {};
    for (const r of responses) {
        const label = r.status === 200 ? "200" : `${r.status} ${r.json && r.json.error}`;
        counts[label] = (counts[label] || 0) + 1;
    }
    return counts;
}

// --- the database, read as root through the socket ---

async function snapshot() {
    return {
        devices: await db.query("SELECT deviceID, deviceKey, deviceSQN FROM Devices ORDER BY deviceID", [], database.database),
        data: await db.query("SELECT * FROM Data ORDER BY dataID", [], database.database)
    };
}

async function storedSeqn(id) {
    const rows = await db.query("SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id], database.database);
    return rows[0].deviceSQN;
}

function rowsOf(id) {
    return db.query("SELECT * FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id], database.database);
}

/** Sends the requests one by one: each refused with `status` {"error": code}, the database unchanged. */
async function expectRefused(server, requests, status, code) {
    const before = await snapshot();
    for (const [i, request] of requests.entries()) {
        const res = await send(server, request);
        should(res.status).equal(status, `request ${i} (${request.path.slice(0, 40)}): ${res.status} ${res.text.slice(0, 120)}`);
        should(res.json).eql({ error: code }, `request ${i} (${request.path.slice(0, 40)}): ${res.text.slice(0, 120)}`);
    }
    should(await snapshot()).eql(before, "the database changed");
}

/** N copies of one valid request sent at once, spread over the servers: exactly one accepted, one row. */
async function floodOnce(servers, dev) {
    const body = device.passphraseBody(dataMessage(1, 99), dev.key);
    const responses = await Promise.all(Array.from({ length: FLOOD_COPIES }, (_, i) => send(servers[i % servers.length], post(`/data/${dev.id}`, body))));
    const accepted = responses.filter((r) => r.status === 200);
    should(accepted.length).equal(1, JSON.stringify(statuses(responses)));
    responses.filter((r) => r.status !== 200).forEach((r) => should(r.json).eql({ error: "replay" }, `${r.status} ${r.text}`));
    device.openReply(accepted[0].text, dev.key).message.should.eql({ SEQN: 1, ack: true, lost: 0 });
    const rows = await rowsOf(dev.id);
    rows.map((r) => r.dataSEQN).should.eql([1]);
    (await storedSeqn(dev.id)).should.equal(1);
}

/** Distinct SEQNs sent at once (both formats), spread over the servers: every 200 has its row, every row had its 200. */
async function concurrentSeqns(servers, dev) {
    const seqns = Array.from({ length: CONCURRENT_SEQNS }, (_, i) => i + 1);
    // A fixed shuffle, so that a failure can be reproduced.
    let state = 11;
    for (let i = seqns.length - 1; i > 0; i--) {
        state = (state * 1103515245 + 12345) % 2147483648;
        const j = state % (i + 1);
        [seqns[i], seqns[j]] = [seqns[j], seqns[i]];
    }
    const responses = await Promise.all(seqns.map((s, i) => send(servers[i % servers.length],
        post(`/data/${dev.id}`, device.body(i % 2 ? "raw" : "passphrase", dataMessage(s, s * 10), dev.key)))));
    const acknowledged = [];
    responses.forEach(function (res, i) {
        if (res.status === 200) {
            const ack = device.openReply(res.text, dev.key);
            ack.format.should.equal(i % 2 ? "raw" : "passphrase");
            ack.message.SEQN.should.equal(seqns[i]);
            acknowledged.push(seqns[i]);
        } else {
            should(res.status).equal(409, res.text);
            ["replay", "stale"].should.containEql(res.json.error);
        }
    });
    acknowledged.sort((a, b) => a - b);
    acknowledged.should.containEql(CONCURRENT_SEQNS);
    const rows = await rowsOf(dev.id);
    rows.map((r) => r.dataSEQN).should.eql(acknowledged);
    rows.forEach((r) => r.dataValue.should.equal(r.dataSEQN * 10));
    // Each row's lost count is the gap to the row before it, as the database saw it.
    rows.forEach((r, i) => r.dataLost.should.equal(r.dataSEQN - (i ? rows[i - 1].dataSEQN : 0) - 1));
    (await storedSeqn(dev.id)).should.equal(CONCURRENT_SEQNS);
}

describe("MySQL flows on a real MariaDB", function () {
    this.timeout(120000);
    let a;

    before(async function () {
        // A cold machine installs mariadb-server first.
        this.timeout(900000);
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-mysql-"));
        db = await mariadb.start({ dir: path.join(workDir, "mariadb") });
        database = await db.createDatabase({ database: "wsn", devices: Object.values(DEVICES) });
        tarball = backend.packTarball(path.join(workDir, "pack"));
        a = await startInstance("node-red-a");
    });

    afterEach(function () {
        if (this.currentTest.state === "failed") {
            const logs = pastLogs.concat(instances.map((s) => s.log())).join("\n").trim().split("\n");
            console.log(`  Node-RED log (last 15 lines):\n    ${logs.slice(-15).join("\n    ")}`);
        }
    });

    after(async function () {
        await stopAll();
        if (db) { await db.stop(); }
        if (workDir && !process.env.WSN_E2E_KEEP) { fs.rmSync(workDir, { recursive: true, force: true }); }
    });

    describe("the schema", function () {
        it("keeps ids and keys exactly (utf8mb4, binary NO PAD collation) and applying it again changes nothing", async function () {
            const columns = await db.query(
                "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS " +
                "WHERE TABLE_SCHEMA = ? AND COLUMN_NAME IN ('deviceID', 'deviceKey') ORDER BY TABLE_NAME, COLUMN_NAME", [database.database]);
            columns.map((c) => [c.TABLE_NAME, c.COLUMN_NAME, c.CHARACTER_SET_NAME, c.COLLATION_NAME]).should.eql([
                ["Challenges", "deviceID", "utf8mb4", "utf8mb4_nopad_bin"],
                ["Data", "deviceID", "utf8mb4", "utf8mb4_nopad_bin"],
                ["Devices", "deviceID", "utf8mb4", "utf8mb4_nopad_bin"],
                ["Devices", "deviceKey", "utf8mb4", "utf8mb4_nopad_bin"]
            ]);
            const indexes = await db.query("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'Data' ORDER BY INDEX_NAME", [database.database]);
            indexes.map((i) => i.INDEX_NAME).should.eql(["Data_by_device_date", "Data_by_device_seqn", "PRIMARY"]);
            const before = await snapshot();
            db.source(mariadb.SCHEMA_FILE, database.database);
            (await snapshot()).should.eql(before);
        });
    });

    describe("one instance: the article's requests", function () {
        it("GET /wsn/12FA answers the encrypted {\"SEQN\":0}, in the raw format with ?format=raw", async function () {
            const res = await send(a, { path: "/wsn/12FA" });
            res.status.should.equal(200);
            res.text.should.startWith("U2FsdGVkX1");
            device.openReply(res.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
            const raw = await send(a, { path: "/wsn/12FA?format=raw" });
            raw.status.should.equal(200);
            device.openReply(raw.text, ARTICLE.key).should.eql({ format: "raw", message: { SEQN: 0 } });
        });

        it("POST /wsn/12FA with the article's body sets SEQN 120; again: 409 replay; lower: 409 stale; a raw reset is acknowledged raw", async function () {
            const res = await send(a, post("/wsn/12FA", ARTICLE_SET_SEQN_BODY));
            res.status.should.equal(200, res.text);
            device.openReply(res.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 120, ack: true } });
            (await storedSeqn("12FA")).should.equal(120);
            await expectRefused(a, [post("/wsn/12FA", ARTICLE_SET_SEQN_BODY)], 409, "replay");
            await expectRefused(a, [post("/wsn/12FA", device.passphraseBody({ SEQN: 50 }, ARTICLE.key))], 409, "stale");
            const body = device.rawBody({ SEQN: 130 }, ARTICLE.key);
            const rawRes = await send(a, post("/wsn/12FA", body));
            rawRes.status.should.equal(200, rawRes.text);
            device.openReply(rawRes.text, ARTICLE.key).should.eql({ format: "raw", message: { SEQN: 130, ack: true } });
            await expectRefused(a, [post("/wsn/12FA", body)], 409, "replay");
        });

        it("POST /data/12FA {\"data\":{\"value\":300},\"SEQN\":131}: one row, an ack; its replay and a stale SEQN: 409, nothing stored", async function () {
            const body = device.passphraseBody({ data: { value: 300 }, SEQN: 131 }, ARTICLE.key);
            const t0 = Date.now();
            const res = await send(a, post("/data/12FA", body));
            const t1 = Date.now();
            res.status.should.equal(200, res.text);
            device.openReply(res.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 131, ack: true, lost: 0 } });
            const rows = await rowsOf("12FA");
            rows.length.should.equal(1);
            rows[0].should.containEql({ deviceID: "12FA", dataValue: 300, dataSEQN: 131, dataLost: 0, dataJSON: "{\"value\":300}" });
            rows[0].dataDate.getTime().should.be.within(t0 - 2000, t1 + 2000);
            (await storedSeqn("12FA")).should.equal(131);
            await expectRefused(a, [post("/data/12FA", body)], 409, "replay");
            await expectRefused(a, [post("/data/12FA", device.passphraseBody(dataMessage(100), ARTICLE.key))], 409, "stale");
        });
    });

    describe("one instance: logging data", function () {
        it("the firmware's raw message (body built by concatenation) is stored and acknowledged raw; a gap 4 -> 10 reports lost 5", async function () {
            const dev = DEVICES.firmware;
            const sealed = device.rawEncrypt(device.envelope(FIRMWARE_MESSAGE), dev.key);
            const body = device.rawBodyText(sealed.iv, sealed.data);
            const res = await send(a, post(`/data/${dev.id}`, body));
            res.status.should.equal(200, res.text);
            device.openReply(res.text, dev.key).should.eql({ format: "raw", message: { SEQN: 4, ack: true, lost: 0 } });
            await expectRefused(a, [post(`/data/${dev.id}`, body)], 409, "replay");
            const gap = await send(a, post(`/data/${dev.id}`, device.rawBody(dataMessage(10, 7), dev.key)));
            gap.status.should.equal(200, gap.text);
            device.openReply(gap.text, dev.key).message.should.eql({ SEQN: 10, ack: true, lost: 5 });
            (await rowsOf(dev.id)).map((r) => [r.dataSEQN, r.dataValue, r.dataLost, r.dataJSON]).should.eql([
                [4, -40, 0, "{\"value\":-40}"], [10, 7, 5, "{\"value\":7}"]
            ]);
        });

        it("keeps a multi-field data object exactly, 4-byte UTF-8 included (raw, AES-256)", async function () {
            const dev = DEVICES.aes256;
            const data = { value: 21.5, humidity: 40, unit: "°C", note: "🌡️ ok", extra: { battery: 3.1 } };
            const res = await send(a, post(`/data/${dev.id}`, device.rawBody({ data, SEQN: 122 }, dev.key)));
            res.status.should.equal(200, res.text);
            device.openReply(res.text, dev.key).message.should.eql({ SEQN: 122, ack: true, lost: 121 });
            const row = (await rowsOf(dev.id))[0];
            row.dataValue.should.equal(21.5);
            row.dataJSON.should.equal(JSON.stringify(data));
        });

        it("an id with leading zeros is its own device; ids that a case-insensitive or PAD SPACE collation would match are unknown (404), nothing stored", async function () {
            const dev = DEVICES.zeros;
            const ok = await send(a, post(`/data/${dev.id}`, device.passphraseBody(dataMessage(1, 12), dev.key)));
            ok.status.should.equal(200, ok.text);
            (await rowsOf("0012")).length.should.equal(1);
            const seqn = (await storedSeqn("12FA")) + 1000;
            const ids = ["12fa", "12FA ", " 12FA", "12FA\u00a0", "１２ＦＡ", "12FA\u0000", "12FA%", "_2FA", "' OR 1=1 --", "12FA'; DROP TABLE Data; --", "x".repeat(8000), "12", "012"];
            const requests = ids.map(encodeURIComponent).flatMap((e) => [
                { path: `/wsn/${e}` },
                post(`/wsn/${e}`, device.passphraseBody({ SEQN: seqn }, ARTICLE.key)),
                post(`/data/${e}`, device.rawBody(dataMessage(seqn), ARTICLE.key))
            ]);
            await expectRefused(a, requests, 404, "unknown_device");
        });
    });

    describe("one instance: refusals, the right status and nothing stored", function () {
        const next = () => storedSeqn("12FA").then((s) => s + 1000);
        const cases = [
            {
                name: "malformed JSON", status: 400, code: "bad_json",
                requests: async () => ["{\"msg\":", "not json", "{\"msg\":\"a\",}"].flatMap((b) => [post("/wsn/12FA", b), post("/data/12FA", b)])
            },
            {
                name: "missing or extra fields, body an array", status: 400, code: "bad_format",
                requests: async function () {
                    const raw = JSON.parse(device.rawBody({ SEQN: await next() }, ARTICLE.key));
                    return [{}, { iv: raw.iv }, { msg: 123 }, { message: "x" }, [raw]].flatMap((b) => [post("/wsn/12FA", JSON.stringify(b)), post("/data/12FA", JSON.stringify(b))]);
                }
            },
            {
                name: "wrong key, either format", status: 400, code: "cannot_decrypt",
                requests: async function () {
                    const seqn = await next();
                    return [
                        post("/wsn/12FA", device.passphraseBody({ SEQN: seqn }, WRONG_KEY)),
                        post("/data/12FA", device.passphraseBody(dataMessage(seqn), WRONG_KEY)),
                        post("/data/12FA", device.rawBody(dataMessage(seqn), WRONG_KEY)),
                        post("/data/12FA", device.passphraseBody(dataMessage(seqn), DEVICES.flood.key))
                    ];
                }
            },
            {
                name: "bad SEQN (negative, fractional, string, > 2^53, missing)", status: 400, code: "bad_seqn",
                requests: async function () {
                    const seqn = await next();
                    return ["-1", `${seqn}.5`, `"${seqn}"`, "9007199254740992", "null"].flatMap((v) => [
                        post("/wsn/12FA", device.passphraseBody(`{"SEQN":${v}}`, ARTICLE.key)),
                        post("/data/12FA", device.rawBody(`{"data":{"value":1},"SEQN":${v}}`, ARTICLE.key))
                    ]).concat([post("/data/12FA", device.passphraseBody("{\"data\":{\"value\":1}}", ARTICLE.key))]);
                }
            },
            {
                name: "/data without a data object", status: 400, code: "bad_format",
                requests: async function () {
                    const seqn = await next();
                    return [{ SEQN: seqn }, { data: 5, SEQN: seqn }, { data: null, SEQN: seqn }, { data: "300", SEQN: seqn }]
                        .flatMap((m) => [post("/data/12FA", device.passphraseBody(m, ARTICLE.key)), post("/data/12FA", device.rawBody(m, ARTICLE.key))]);
                }
            },
            {
                name: "unknown device", status: 404, code: "unknown_device",
                requests: async function () {
                    const seqn = await next();
                    return [{ path: "/wsn/NOPE" }, post("/wsn/NOPE", device.passphraseBody({ SEQN: seqn }, ARTICLE.key)), post("/data/NOPE", device.rawBody(dataMessage(seqn), ARTICLE.key))];
                }
            },
            {
                name: "oversized body", status: 413, code: "too_large",
                requests: async () => [post("/data/12FA", JSON.stringify({ msg: "A".repeat(16384) })), post("/wsn/12FA", JSON.stringify({ msg: "A".repeat(40000) }))]
            }
        ];
        for (const c of cases) {
            it(`${c.name} -> ${c.status} ${c.code}`, async function () {
                await expectRefused(a, await c.requests(), c.status, c.code);
            });
        }

        it("a database error answers 500 {\"error\":\"server_error\"} and the procedure rolls back: the SEQN does not move", async function () {
            const dev = DEVICES.firmware;
            const seqn = (await storedSeqn(dev.id)) + 1;
            const body = device.rawBody(dataMessage(seqn, 5), dev.key);
            await db.query("RENAME TABLE Data TO Data_away", [], database.database);
            let res;
            try {
                const before = await db.query("SELECT * FROM Devices ORDER BY deviceID", [], database.database);
                // The procedure has advanced the SEQN when its INSERT fails.
                res = await send(a, post(`/data/${dev.id}`, body));
                (await db.query("SELECT * FROM Devices ORDER BY deviceID", [], database.database)).should.eql(before);
            } finally {
                await db.query("RENAME TABLE Data_away TO Data", [], database.database);
            }
            res.status.should.equal(500);
            res.text.should.equal("{\"error\":\"server_error\"}");
            await db.query("RENAME TABLE Devices TO Devices_away", [], database.database);
            let get;
            try {
                get = await send(a, { path: `/wsn/${dev.id}` });
            } finally {
                await db.query("RENAME TABLE Devices_away TO Devices", [], database.database);
            }
            get.status.should.equal(500);
            get.text.should.equal("{\"error\":\"server_error\"}");
            // The same message is taken once the table is back.
            const again = await send(a, post(`/data/${dev.id}`, body));
            again.status.should.equal(200, again.text);
            (await rowsOf(dev.id)).map((r) => r.dataSEQN).should.containEql(seqn);
        });
    });

    describe("one instance: the authenticated format", function () {
        it("logs data in the authenticated format and acknowledges it in the same format", async function () {
            const dev = DEVICES.authOnly;
            const res = await send(a, post(`/data/${dev.id}`, authBody(dev, { data: { value: 300 }, SEQN: 5 })));
            res.status.should.equal(200, res.text);
            openAuthReply(dev, res.text).should.eql({ SEQN: 5, ack: true, lost: 4 });
            (await rowsOf(dev.id)).map((r) => [r.dataSEQN, r.dataLost]).should.eql([[5, 4]]);
        });

        it("refuses the legacy formats for a device moved to auth (403 format_not_allowed), storing nothing; its GET answers in auth", async function () {
            const dev = DEVICES.authOnly;
            await expectRefused(a, [
                post(`/data/${dev.id}`, device.passphraseBody(dataMessage(6), dev.key)),
                post(`/data/${dev.id}`, device.rawBody(dataMessage(6), dev.key)),
                post(`/wsn/${dev.id}`, device.rawBody({ SEQN: 6 }, dev.key))
            ], 403, "format_not_allowed");
            const get = await send(a, { path: `/wsn/${dev.id}` });
            openAuthReply(dev, get.text).should.eql({ SEQN: 5 });
        });

        it("echoes a GET's nonce with a fresh challenge each time; a nonce over 64 characters is 400", async function () {
            const dev = DEVICES.authAny;
            const first = await challengeOf(a, dev);
            const second = await challengeOf(a, dev);
            second.should.not.equal(first);
            const rows = await db.query("SELECT challenge FROM Challenges WHERE deviceID = ?", [dev.id], database.database);
            rows.should.eql([{ challenge: second }]);
            (await send(a, { path: `/wsn/${dev.id}?nonce=${"x".repeat(65)}` })).status.should.equal(400);
            (await send(a, { path: "/wsn/NOPE?nonce=n" })).status.should.equal(404);
            (await db.query("SELECT * FROM Challenges WHERE deviceID = 'NOPE'", [], database.database)).should.eql([]);
        });

        it("issues no challenge to a device whose formats exclude auth: 403 format_not_allowed, nothing written; its plain GET answers", async function () {
            const dev = DEVICES.legacyOnly;
            const res = await send(a, { path: `/wsn/${dev.id}?nonce=n` });
            [res.status, res.text].should.eql([403, "{\"error\":\"format_not_allowed\"}"]);
            (await db.query("SELECT * FROM Challenges WHERE deviceID = ?", [dev.id], database.database)).should.eql([]);
            const plain = await send(a, { path: `/wsn/${dev.id}` });
            plain.status.should.equal(200, plain.text);
            device.openReply(plain.text, dev.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
        });

        it("takes an authenticated reset only with the current challenge, once: 403 bad_challenge without it, 409 for its replay", async function () {
            const dev = DEVICES.authAny;
            await expectRefused(a, [
                post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 50 })),
                post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 50, challenge: "0".repeat(32) }))
            ], 403, "bad_challenge");
            const challenge = await challengeOf(a, dev);
            const reset = authBody(dev, { SEQN: 50, challenge });
            const res = await send(a, post(`/wsn/${dev.id}`, reset));
            res.status.should.equal(200, res.text);
            openAuthReply(dev, res.text).should.eql({ SEQN: 50, ack: true });
            (await storedSeqn(dev.id)).should.equal(50);
            (await db.query("SELECT * FROM Challenges WHERE deviceID = ?", [dev.id], database.database)).should.eql([]);
            await expectRefused(a, [post(`/wsn/${dev.id}`, reset)], 409, "replay");
            await expectRefused(a, [post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 60, challenge }))], 403, "bad_challenge");
        });

        it("refuses an expired challenge, and a data message withdraws the challenge", async function () {
            const dev = DEVICES.authAny;
            let challenge = await challengeOf(a, dev);
            await db.query("UPDATE Challenges SET expires = 0 WHERE deviceID = ?", [dev.id], database.database);
            await expectRefused(a, [post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 70, challenge }))], 403, "bad_challenge");
            challenge = await challengeOf(a, dev);
            const data = await send(a, post(`/data/${dev.id}`, authBody(dev, { data: { value: 2 }, SEQN: 51 })));
            data.status.should.equal(200, data.text);
            await expectRefused(a, [post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 80, challenge }))], 403, "bad_challenge");
            (await storedSeqn(dev.id)).should.equal(51);
        });
    });

    describe("one instance: concurrency", function () {
        it(`a flood of ${FLOOD_COPIES} identical valid requests sent at once: exactly one 200 and one row`, async function () {
            await floodOnce([a], DEVICES.flood);
        });

        it(`${CONCURRENT_SEQNS} distinct SEQNs sent at once (both formats): every 200 has its row, every row had its 200`, async function () {
            await concurrentSeqns([a], DEVICES.concurrent);
        });
    });

    describe("scale-out: two Node-RED instances, one MariaDB", function () {
        let b;

        before(async function () {
            // The second one gets the example file as a user imports it in the editor.
            b = await startInstance("node-red-b", true);
            b.port.should.not.equal(a.port);
        });

        it("both answer for the same devices: a reset through one is read through the other", async function () {
            const dev = DEVICES.alternating;
            const res = await send(a, post(`/wsn/${dev.id}`, device.rawBody({ SEQN: 5 }, dev.key)));
            res.status.should.equal(200, res.text);
            const read = await send(b, { path: `/wsn/${dev.id}` });
            read.status.should.equal(200);
            device.openReply(read.text, dev.key).message.should.eql({ SEQN: 5 });
        });

        it("a device alternating between the instances: every message stored once, in order; each one replayed to the other instance: 409", async function () {
            const dev = DEVICES.alternating;
            const sent = [];
            for (let seqn = 6; seqn <= 15; seqn++) {
                const server = seqn % 2 ? b : a;
                const body = device.body(seqn % 3 ? "raw" : "passphrase", dataMessage(seqn, seqn), dev.key);
                const res = await send(server, post(`/data/${dev.id}`, body));
                should(res.status).equal(200, `SEQN ${seqn} on ${server === a ? "A" : "B"}: ${res.text}`);
                device.openReply(res.text, dev.key).message.should.eql({ SEQN: seqn, ack: true, lost: 0 });
                sent.push({ server, body });
            }
            const rows = await rowsOf(dev.id);
            rows.map((r) => [r.dataSEQN, r.dataLost]).should.eql(Array.from({ length: 10 }, (_, i) => [i + 6, 0]));
            const before = await snapshot();
            const replays = await Promise.all(sent.map((s) => send(s.server === a ? b : a, post(`/data/${dev.id}`, s.body))));
            replays.forEach(function (r, i) {
                should(r.status).equal(409, `replay ${i}: ${r.text}`);
                should(r.json.error).equal(i === sent.length - 1 ? "replay" : "stale");
            });
            (await snapshot()).should.eql(before);
        });

        it("a reset challenge issued by one instance is taken by the other, once; copies of the reset split across both: one 200", async function () {
            const dev = DEVICES.authShared;
            const challenge = await challengeOf(a, dev);
            const reset = authBody(dev, { SEQN: 40, challenge });
            const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 ? a : b, post(`/wsn/${dev.id}`, reset))));
            const accepted = responses.filter((r) => r.status === 200);
            should(accepted.length).equal(1, JSON.stringify(statuses(responses)));
            openAuthReply(dev, accepted[0].text).should.eql({ SEQN: 40, ack: true });
            responses.filter((r) => r.status !== 200).forEach((r) => should([r.status, r.json]).eql([409, { error: "replay" }]));
            (await storedSeqn(dev.id)).should.equal(40);
            await expectRefused(b, [post(`/wsn/${dev.id}`, authBody(dev, { SEQN: 41, challenge }))], 403, "bad_challenge");
        });

        it(`a flood of ${FLOOD_COPIES} copies of one valid request split across both instances: accepted exactly once, one row`, async function () {
            await floodOnce([a, b], DEVICES.splitFlood);
        });

        it(`${CONCURRENT_SEQNS} distinct SEQNs split across both instances: every 200 has its row, every row had its 200`, async function () {
            await concurrentSeqns([a, b], DEVICES.splitConcurrent);
        });

        it("MariaDB restarted under both instances: they answer 500 while it is down and recover by themselves", async function () {
            const dev = DEVICES.alternating;
            const port = db.port;
            await db.stop();
            const down = await Promise.all([send(a, { path: `/wsn/${dev.id}` }), send(b, { path: `/wsn/${dev.id}` })]);
            down.forEach((r) => should(r.text).equal("{\"error\":\"server_error\"}", `status ${r.status}`));
            down.forEach((r) => r.status.should.equal(500));
            db = await mariadb.start({ dir: path.join(workDir, "mariadb"), port });
            let seqn = (await storedSeqn(dev.id)) + 1;
            for (const server of [a, b]) {
                // Pooled connections that died with the server fail once each, at most.
                let res;
                for (let tries = 0; tries < 60; tries++) {
                    res = await send(server, post(`/data/${dev.id}`, device.rawBody(dataMessage(seqn, 1), dev.key)));
                    if (res.status !== 500) { break; }
                    await new Promise((r) => setTimeout(r, 250));
                }
                should(res.status).equal(200, res.text);
                seqn += 1;
            }
            (await storedSeqn(dev.id)).should.equal(seqn - 1);
        });

        it("no key, database password or Devices row in any response or in either Node-RED log", function () {
            const secrets = Object.values(DEVICES).map((d) => d.key.toLowerCase()).concat([database.password.toLowerCase(), "devicekey", "devicesqn"]);
            const responses = exchanges.map((x) => (JSON.stringify(x.headers) + "\n" + x.text).toLowerCase());
            const log = pastLogs.concat(instances.map((s) => s.log())).join("\n").toLowerCase();
            exchanges.length.should.be.above(200);
            for (const secret of secrets) {
                const leaking = responses.findIndex((r) => r.includes(secret));
                should(leaking).equal(-1, `a response to ${leaking >= 0 ? exchanges[leaking].path : ""} contains ${secret.slice(0, 6)}…`);
                log.includes(secret).should.equal(false, `a log contains ${secret.slice(0, 6)}…`);
            }
        });
    });
});
