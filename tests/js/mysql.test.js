"use strict";
// The MySQL flows (flows/wsn-mysql.json, node-red-node-mysql as it is)
// against a real MariaDB: Debian's mariadb-server, installed if missing and
// started by scripts/lib/mariadb.js in a temporary data directory, on a unix
// socket and on 127.0.0.1 only. The packed tarball in a real Node-RED, driven
// over HTTP by devices written without this package (helpers/device.js,
// helpers/auth-reference.js). First the schema and its procedures, then the
// core of the SQLite end-to-end suite on one instance, then the scale-out
// shape: two Node-RED instances on different loopback ports, one database;
// last the attacks that auth v2 and the format fences stop ("regression: ...").

const fs = require("fs");
const os = require("os");
const crypto = require("crypto");
const path = require("path");
const should = require("should");

const backend = require("../../scripts/lib/backend.js");
const mariadb = require("../../scripts/lib/mariadb.js");
const device = require("./helpers/device.js");
const outsider = require("./helpers/outsider.js");
const { post, exchange, fetchWithin, textWithin } = require("./helpers/http.js");
const { until, within } = require("./helpers/until.js");
const { dataMessage } = device;
const { requestBody: authBody, openReply: openAuthReply } = require("./helpers/auth-reference.js");

const FLOWS = path.join(backend.ROOT, "flows", "wsn-mysql.json");
const { ARTICLE, ARTICLE_SET_SEQN_BODY, FIRMWARE_MESSAGE, ALL_FORMATS } = require("./helpers/article.js");
const WRONG_KEY = "2B7E151628AED2A6ABF7158809CF4F3D";
const randomKey = () => crypto.randomBytes(16).toString("hex");

const DEVICES = {
    article: ARTICLE,
    // Devices of the legacy formats are provisioned for them explicitly (the
    // schema's default is 'auth' alone). The firmware example says SEQN 4,
    // so this one has sent 3 before.
    firmware: { id: "ESP1", key: "603DEB1015CA71BE2B73AEF0857D7781", seqn: 3, formats: ALL_FORMATS },
    aes256: { id: "K256", key: "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", seqn: 0, formats: ALL_FORMATS },
    // An id that a numeric column would turn into 12.
    zeros: { id: "0012", key: "000102030405060708090A0B0C0D0E0F", seqn: 0, formats: ALL_FORMATS },
    flood: { id: "F100", key: "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF", seqn: 0, formats: ALL_FORMATS },
    concurrent: { id: "C200", key: "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF", seqn: 0, formats: ALL_FORMATS },
    alternating: { id: "A300", key: "C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF", seqn: 0, formats: ALL_FORMATS },
    splitFlood: { id: "F400", key: "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", seqn: 0, formats: ALL_FORMATS },
    splitConcurrent: { id: "C500", key: "E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF", seqn: 0, formats: ALL_FORMATS },
    // The authenticated format. No formats given: the schema's default, 'auth'.
    authOnly: { id: "A0A1", key: randomKey(), seqn: 0 },
    authReset: { id: "A0A2", key: randomKey(), seqn: 0 },
    authShared: { id: "A0A3", key: randomKey(), seqn: 0 },
    authCopies: { id: "A0A5", key: randomKey(), seqn: 0 },
    // Kept out of the authenticated format (spaces as a hand-edited row might have them).
    legacyOnly: { id: "A0A4", key: randomKey(), seqn: 0, formats: "passphrase, raw" },
    // No format at all: refused everything (fail closed).
    locked: { id: "A0A6", key: randomKey(), seqn: 0, formats: "" },
    // The regression tests' victims, each with the legacy formats the attacks need.
    rawReply: { id: "R800", key: randomKey(), seqn: 0, formats: ALL_FORMATS },
    rawData: { id: "R900", key: randomKey(), seqn: 0, formats: ALL_FORMATS },
    starved: { id: "S700", key: randomKey(), seqn: 0 },
    victim: { id: "V600", key: randomKey(), seqn: 0, formats: ALL_FORMATS }
};

const FLOOD_COPIES = Number(process.env.WSN_E2E_FLOOD) || 500;
const CONCURRENT_SEQNS = 30;
const OUTSIDER_REQUESTS = 1000;

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
        const res = await fetchWithin(`${server.base}/admin/flows`, {
            method: "POST", headers: { "content-type": "application/json", "node-red-deployment-type": "full" },
            body: fs.readFileSync(path.join(backend.ROOT, "examples", "wsn-mysql.json"), "utf8")
        });
        [200, 204].should.containEql(res.status);
        await within(started, { timeout: 30000, what: `${name}'s flows to start after the deploy` });
    }
    // The flows have started, but the MySQL node connects on its own time; until
    // it has, the flows answer 500 server_error.
    await until(async function () {
        const probe = await fetchWithin(`${server.base}/wsn/__probe__`);
        const text = await textWithin(probe, "GET /wsn/__probe__");
        if (probe.status === 404 && text.includes("unknown_device")) { return true; }
        // Express's own 404 would mean a route is missing: no use waiting.
        if (probe.status !== 500) { throw until.fatal(new Error(`${name}: GET /wsn/__probe__ answered ${probe.status} ${text}`)); }
        return false;
    }, { timeout: 15000, interval: 100, what: `${name}'s flows to reach MariaDB (GET /wsn/__probe__ -> 404 unknown_device)` });
    return server;
}

async function stopAll() {
    while (instances.length) {
        const server = instances.pop();
        await server.stop("SIGTERM");
        pastLogs.push(server.log());
    }
}

// --- HTTP as a device, and as an outsider ---

function send(server, request) {
    return exchange(server.base, request, exchanges);
}

/**
 * Sends `requests` ({method, path, body}) `concurrency` at a time, request i
 * through servers[i % servers.length]; answers in the order of the requests.
 */
async function sendAll(servers, requests, concurrency) {
    const answers = new Array(requests.length);
    let next = 0;
    async function worker() {
        while (next < requests.length) {
            const i = next++;
            const r = requests[i];
            answers[i] = await send(servers[i % servers.length], r.method === "GET" ? { path: r.path } : post(r.path, r.body));
        }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    return answers;
}

/** "200", or the status and code of a refusal, "+sealed" if it carries a sealed refusal. */
function label(res) {
    if (res.status >= 200 && res.status < 300) { return String(res.status); }
    const error = res.json && res.json.error;
    return `${res.status} ${error}${res.json && res.json.auth ? "+sealed" : ""}`;
}

function statuses(responses) {
    const counts = {};
    for (const r of responses) { counts[label(r)] = (counts[label(r)] || 0) + 1; }
    return counts;
}

/** The device's auth answer (also a refusal's sealed part), opened bound to the request it answers. */
function openAuth(dev, res, request) {
    return openAuthReply(dev, res.text, request.tag);
}

// --- the database, read as root through the socket ---

/** Every table of the database, every row, in primary key order. */
async function dump(name) {
    const schema = name || database.database;
    const tables = await db.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [schema]);
    const out = {};
    for (const { t } of tables) {
        const keys = await db.query("SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", [schema, t]);
        keys.length.should.be.above(0, `table ${t} has no primary key`);
        out[t] = await db.query(`SELECT * FROM \`${t}\` ORDER BY ${keys.map((k) => `\`${k.c}\``).join(", ")}`, [], schema);
    }
    return out;
}

async function storedSeqn(id) {
    const rows = await db.query("SELECT deviceSQN FROM Devices WHERE deviceID = ?", [id], database.database);
    return rows[0].deviceSQN;
}

function rowsOf(id) {
    return db.query("SELECT * FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [id], database.database);
}

// Each test sets up the devices it needs, so that it runs alone (--grep) as
// well as after the others: a device of its own, or a known device put back
// into the state the test starts from.
let provisioned = 0;

/** A new device like `template`, under an id no other test uses (its formats as given, or the schema's default). */
async function provision(template) {
    provisioned += 1;
    const dev = Object.assign({}, template, { id: `${template.id}n${provisioned}` });
    await db.query("INSERT INTO Devices (deviceID, deviceKey, deviceSQN) VALUES (?, ?, ?)", [dev.id, dev.key, dev.seqn || 0], database.database);
    if (dev.formats !== undefined) { await db.query("UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [dev.formats, dev.id], database.database); }
    return dev;
}

/** Device `id` as if just provisioned with SEQN `seqn`: that SEQN stored, none of its rows kept. */
async function setStored(id, seqn) {
    await db.query("DELETE FROM Data WHERE deviceID = ?", [id], database.database);
    await db.query("UPDATE Devices SET deviceSQN = ? WHERE deviceID = ?", [seqn, id], database.database);
    (await storedSeqn(id)).should.equal(seqn);
}

/** One CALL as root: the single row the procedure answers. */
async function call(sql, params, schema) {
    const results = await db.query(sql, params, schema);
    results[0].length.should.equal(1);
    return Object.assign({}, results[0][0]);
}

/** Sends the requests one by one: each refused with `status` {"error": code} and nothing else, the database unchanged. */
async function expectRefused(server, requests, status, code) {
    const before = await dump();
    for (const [i, request] of requests.entries()) {
        const res = await send(server, request);
        should(res.status).equal(status, `request ${i} (${request.path.slice(0, 40)}): ${res.status} ${res.text.slice(0, 120)}`);
        should(res.json).eql({ error: code }, `request ${i} (${request.path.slice(0, 40)}): ${res.text.slice(0, 120)}`);
    }
    should(await dump()).eql(before, "the database changed");
}

/**
 * Posts an auth request ({text, tag}): refused with `status` {"error": code,
 * "auth": sealed refusal}, the refusal bound to the request and naming the
 * stored SEQN `seqn`; the database unchanged.
 */
async function expectSealedRefusal(server, dev, urlPath, request, status, code, seqn) {
    const before = await dump();
    const res = await send(server, post(urlPath, request.text));
    should(res.status).equal(status, res.text);
    Object.keys(res.json).sort().should.eql(["auth", "error"]);
    res.json.error.should.equal(code);
    openAuth(dev, res, request).should.eql({ kind: "refusal", seqn, message: { error: code, SEQN: seqn } });
    should(await dump()).eql(before, "the database changed");
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

/**
 * What anyone can send for device `id` without its key or any captured
 * traffic: GETs (with v1's ?nonce=, which once wrote a reset challenge),
 * auth requests under random keys, random bytes, a passphrase reset under a
 * random passphrase.
 */
function anonymousRequests(id, count) {
    const stranger = () => ({ id, key: randomKey() });
    const makers = [
        () => ({ path: `/wsn/${id}` }),
        () => ({ path: `/wsn/${id}?nonce=${crypto.randomBytes(8).toString("hex")}` }),
        () => ({ path: `/wsn/${id}?format=raw` }),
        () => post(`/wsn/${id}`, authBody(stranger(), "query", 0).text),
        (i) => post(`/wsn/${id}`, authBody(stranger(), "reset", 1e9 + i).text),
        () => post(`/wsn/${id}`, JSON.stringify({ auth: crypto.randomBytes(58).toString("base64") })),
        () => post(`/wsn/${id}`, device.passphraseBody({ SEQN: 1e9 }, randomKey()))
    ];
    return Array.from({ length: count }, (_, i) => makers[i % makers.length](i));
}

/** Prints, per kind of request (in the order they were made), the statuses each run saw. */
function printKinds(title, requests, runs) {
    const kinds = [];
    const seen = runs.map(() => new Map());
    requests.forEach(function (r, i) {
        if (!kinds.includes(r.name)) { kinds.push(r.name); }
        runs.forEach(function (run, k) {
            const counts = seen[k].get(r.name) || {};
            const l = label(run.answers[i]);
            counts[l] = (counts[l] || 0) + 1;
            seen[k].set(r.name, counts);
        });
    });
    const cell = (counts) => Object.keys(counts).sort().map((l) => `${l} x${counts[l]}`).join(", ");
    const width = Math.max(...kinds.map((k) => k.length));
    const lines = [`      ${title}`, `      ${"kind".padEnd(width)}  ${runs.map((run) => `formats ${run.formats}`).join(" | ")}`];
    for (const kind of kinds) {
        lines.push(`      ${kind.padEnd(width)}  ${seen.map((m) => cell(m.get(kind))).join(" | ")}`);
    }
    console.log(lines.join("\n"));
}

// What a database made with the previous schema file had that this one
// changes (its Data table and wsn_store signature are the same): Devices
// with the old default, the Challenges table of auth v1 with a challenge in
// it, and wsn_reset with the challenge's parameters (its body does not matter
// here). As that file made them, statement for statement.
const OLD_SCHEMA = [
    "CREATE TABLE Devices (deviceID VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, " +
        "deviceKey VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, deviceSQN BIGINT NOT NULL DEFAULT 0, " +
        "deviceFormats VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'passphrase,raw,auth', PRIMARY KEY (deviceID)) " +
        "ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin",
    "CREATE TABLE Challenges (deviceID VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, " +
        "challenge CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, expires BIGINT NOT NULL, PRIMARY KEY (deviceID)) " +
        "ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin",
    "CREATE PROCEDURE wsn_reset(IN p_id VARCHAR(64), IN p_seqn BIGINT, IN p_any TINYINT, IN p_auth TINYINT, IN p_challenge VARCHAR(64)) " +
        "SELECT 'bad_challenge' AS outcome, 0 AS seqn, 0 AS lost",
    "INSERT INTO Devices (deviceID, deviceKey) VALUES ('OLD1', '000102030405060708090A0B0C0D0E0F')",
    "INSERT INTO Challenges VALUES ('OLD1', REPEAT('0', 32), 0)"
];

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
        it("keeps ids and keys exactly (utf8mb4, binary NO PAD collation), has no Challenges table, new devices get 'auth'; applying it again changes nothing", async function () {
            const columns = await db.query(
                "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS " +
                "WHERE TABLE_SCHEMA = ? AND COLUMN_NAME IN ('deviceID', 'deviceKey') ORDER BY TABLE_NAME, COLUMN_NAME", [database.database]);
            columns.map((c) => [c.TABLE_NAME, c.COLUMN_NAME, c.CHARACTER_SET_NAME, c.COLLATION_NAME]).should.eql([
                ["Data", "deviceID", "utf8mb4", "utf8mb4_nopad_bin"],
                ["Devices", "deviceID", "utf8mb4", "utf8mb4_nopad_bin"],
                ["Devices", "deviceKey", "utf8mb4", "utf8mb4_nopad_bin"]
            ]);
            Object.keys(await dump()).should.eql(["Data", "Devices"]);
            const indexes = await db.query("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'Data' ORDER BY INDEX_NAME", [database.database]);
            indexes.map((i) => i.INDEX_NAME).should.eql(["Data_by_device_date", "Data_by_device_seqn", "PRIMARY"]);
            // A device provisioned without formats speaks the authenticated format alone.
            (await db.query("SELECT deviceFormats FROM Devices WHERE deviceID = ?", [DEVICES.authOnly.id], database.database)).should.eql([{ deviceFormats: "auth" }]);
            (await db.query("SELECT deviceFormats FROM Devices WHERE deviceID = ?", [DEVICES.locked.id], database.database)).should.eql([{ deviceFormats: "" }]);
            const parameters = await db.query("SELECT SPECIFIC_NAME, PARAMETER_NAME FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = ? ORDER BY SPECIFIC_NAME, ORDINAL_POSITION", [database.database]);
            parameters.map((p) => `${p.SPECIFIC_NAME}.${p.PARAMETER_NAME}`).should.eql([
                "wsn_reset.p_id", "wsn_reset.p_seqn", "wsn_reset.p_any",
                "wsn_store.p_id", "wsn_store.p_seqn", "wsn_store.p_value", "wsn_store.p_json"
            ]);
            const before = await dump();
            db.source(mariadb.SCHEMA_FILE, database.database);
            (await dump()).should.eql(before);
        });

        it("upgrades a database made with the previous schema: Challenges dropped, wsn_reset without challenge, default 'auth' for new devices only, deviceKey wide enough for a wrapped key", async function () {
            const old = "wsn_upgrade";
            await db.query(`CREATE DATABASE \`${old}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
            try {
                for (const sql of OLD_SCHEMA) { await db.query(sql, [], old); }
                db.source(mariadb.SCHEMA_FILE, old);
                const tables = await dump(old);
                Object.keys(tables).should.eql(["Data", "Devices"]);
                // The device already there keeps its formats; a new one gets the new default.
                tables.Devices.map((d) => [d.deviceID, d.deviceFormats]).should.eql([["OLD1", "passphrase,raw,auth"]]);
                await db.query("INSERT INTO Devices (deviceID, deviceKey) VALUES ('NEW1', '000102030405060708090A0B0C0D0E0F')", [], old);
                (await db.query("SELECT deviceFormats FROM Devices WHERE deviceID = 'NEW1'", [], old)).should.eql([{ deviceFormats: "auth" }]);
                const parameters = await db.query("SELECT PARAMETER_NAME FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = ? AND SPECIFIC_NAME = 'wsn_reset' ORDER BY ORDINAL_POSITION", [old]);
                parameters.map((p) => p.PARAMETER_NAME).should.eql(["p_id", "p_seqn", "p_any"]);
                // Room for a wrapped key (README "Keys at rest"); the key already there is unchanged.
                (await db.query("SELECT CHARACTER_MAXIMUM_LENGTH AS n, COLLATION_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'Devices' AND COLUMN_NAME = 'deviceKey'", [old]))
                    .map((r) => [Number(r.n), r.c]).should.eql([[255, "utf8mb4_nopad_bin"]]);
                tables.Devices[0].deviceKey.should.equal("000102030405060708090A0B0C0D0E0F");
                (await call("CALL wsn_reset('OLD1', 5, 0)", [], old)).should.eql({ outcome: "stored", seqn: 5, lost: 0 });
                // And again: nothing more changes.
                const upgraded = await dump(old);
                db.source(mariadb.SCHEMA_FILE, old);
                (await dump(old)).should.eql(upgraded);
            } finally {
                await db.query(`DROP DATABASE \`${old}\``);
            }
        });

        it("the procedures: stored, or refused with the SEQN stored now, or unknown; forward only unless p_any; an error rolls back", async function () {
            const scratch = "wsn_procedures";
            await db.query(`CREATE DATABASE \`${scratch}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
            try {
                db.source(mariadb.SCHEMA_FILE, scratch);
                await db.query("INSERT INTO Devices (deviceID, deviceKey) VALUES ('P1', '000102030405060708090A0B0C0D0E0F')", [], scratch);
                const reset = (id, seqn, any) => call("CALL wsn_reset(?, ?, ?)", [id, seqn, any], scratch);
                const store = (id, seqn, value, json) => call("CALL wsn_store(?, ?, ?, ?)", [id, seqn, value, json], scratch);
                (await reset("P1", 5, 0)).should.eql({ outcome: "stored", seqn: 5, lost: 0 });
                (await reset("P1", 5, 0)).should.eql({ outcome: "refused", seqn: 5, lost: 0 });
                (await reset("P1", 3, 0)).should.eql({ outcome: "refused", seqn: 5, lost: 0 });
                (await reset("P1", 3, 1)).should.eql({ outcome: "stored", seqn: 3, lost: 0 });
                (await reset("NOPE", 9, 1)).should.eql({ outcome: "unknown", seqn: null, lost: 0 });
                (await store("P1", 4, 1.5, "{\"value\":1.5}")).should.eql({ outcome: "stored", seqn: 4, lost: 0 });
                (await store("P1", 4, 1.5, "{\"value\":1.5}")).should.eql({ outcome: "refused", seqn: 4, lost: 0 });
                (await store("P1", 2, 1, "{}")).should.eql({ outcome: "refused", seqn: 4, lost: 0 });
                (await store("P1", 10, null, "{\"t\":\"x\"}")).should.eql({ outcome: "stored", seqn: 10, lost: 5 });
                (await store("NOPE", 1, 1, "{}")).should.eql({ outcome: "unknown", seqn: null, lost: 0 });
                // Not JSON: the CHECK fails after the SEQN moved (MariaDB's error 4025,
                // ER_CONSTRAINT_FAILED; mysql2 names 4025 after a MySQL error); everything rolls back.
                await db.query("CALL wsn_store('P1', 11, 1, 'not json')", [], scratch).should.be.rejectedWith({ errno: 4025 });
                (await db.query("SELECT deviceSQN FROM Devices", [], scratch)).should.eql([{ deviceSQN: 10 }]);
                (await db.query("SELECT dataSEQN, dataLost, dataJSON FROM Data ORDER BY dataSEQN", [], scratch)).should.eql([
                    { dataSEQN: 4, dataLost: 0, dataJSON: "{\"value\":1.5}" }, { dataSEQN: 10, dataLost: 5, dataJSON: "{\"t\":\"x\"}" }
                ]);
            } finally {
                await db.query(`DROP DATABASE \`${scratch}\``);
            }
        });
    });

    describe("one instance: the article's requests", function () {
        it("GET /wsn/12FA answers the encrypted {\"SEQN\":0}, in the raw format with ?format=raw", async function () {
            await setStored("12FA", 0);
            const res = await send(a, { path: "/wsn/12FA" });
            res.status.should.equal(200);
            res.text.should.startWith("U2FsdGVkX1");
            device.openReply(res.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 0 } });
            const raw = await send(a, { path: "/wsn/12FA?format=raw" });
            raw.status.should.equal(200);
            device.openReply(raw.text, ARTICLE.key).should.eql({ format: "raw", message: { SEQN: 0 } });
        });

        it("POST /wsn/12FA with the article's body sets SEQN 120; again: 409 replay; lower: 409 stale; higher: taken; any raw reset: 403 format_not_allowed", async function () {
            await setStored("12FA", 0);
            const res = await send(a, post("/wsn/12FA", ARTICLE_SET_SEQN_BODY));
            res.status.should.equal(200, res.text);
            device.openReply(res.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 120, ack: true } });
            (await storedSeqn("12FA")).should.equal(120);
            await expectRefused(a, [post("/wsn/12FA", ARTICLE_SET_SEQN_BODY)], 409, "replay");
            await expectRefused(a, [post("/wsn/12FA", device.passphraseBody({ SEQN: 50 }, ARTICLE.key))], 409, "stale");
            const higher = await send(a, post("/wsn/12FA", device.passphraseBody({ SEQN: 130 }, ARTICLE.key)));
            higher.status.should.equal(200, higher.text);
            device.openReply(higher.text, ARTICLE.key).should.eql({ format: "passphrase", message: { SEQN: 130, ack: true } });
            // The raw format's IV rewrites a first block at will: no raw reset is trusted, even a genuine one.
            await expectRefused(a, [post("/wsn/12FA", device.rawBody({ SEQN: 140 }, ARTICLE.key))], 403, "format_not_allowed");
            (await storedSeqn("12FA")).should.equal(130);
        });

        it("POST /data/12FA {\"data\":{\"value\":300},\"SEQN\":131} (the next SEQN): one row, an ack; its replay and a stale SEQN: 409, nothing stored", async function () {
            // Where the article's requests above leave it.
            await setStored("12FA", 130);
            const seqn = (await storedSeqn("12FA")) + 1;
            const body = device.passphraseBody({ data: { value: 300 }, SEQN: seqn }, ARTICLE.key);
            const t0 = Date.now();
            const res = await send(a, post("/data/12FA", body));
            const t1 = Date.now();
            res.status.should.equal(200, res.text);
            device.openReply(res.text, ARTICLE.key).message.should.eql({ SEQN: seqn, ack: true, lost: 0 });
            const rows = await rowsOf("12FA");
            rows.length.should.equal(1);
            rows[0].should.containEql({ deviceID: "12FA", dataValue: 300, dataSEQN: seqn, dataLost: 0, dataJSON: "{\"value\":300}" });
            rows[0].dataDate.getTime().should.be.within(t0 - 2000, t1 + 2000);
            (await storedSeqn("12FA")).should.equal(seqn);
            await expectRefused(a, [post("/data/12FA", body)], 409, "replay");
            await expectRefused(a, [post("/data/12FA", device.passphraseBody(dataMessage(seqn - 1), ARTICLE.key))], 409, "stale");
        });
    });

    describe("one instance: logging data", function () {
        it("the firmware's raw message (body built by concatenation) is stored and acknowledged raw; a gap 4 -> 10 reports lost 5", async function () {
            const dev = await provision(DEVICES.firmware);
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
            const dev = await provision(DEVICES.aes256);
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
            // The id itself is the point: its own row put back to SEQN 0.
            await setStored(dev.id, 0);
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
        it("logs data in the authenticated format (a device provisioned without formats) and acknowledges it bound to the request; its replay: 409, sealed", async function () {
            const dev = await provision(DEVICES.authOnly);
            const request = authBody(dev, "data", 5, { data: { value: 300 } });
            const res = await send(a, post(`/data/${dev.id}`, request.text));
            res.status.should.equal(200, res.text);
            Object.keys(res.json).should.eql(["auth"]);
            openAuth(dev, res, request).should.eql({ kind: "ack", seqn: 5, message: { SEQN: 5, ack: true, lost: 4 } });
            // Bound to this request: the same message sent again (a fresh IV, so another tag) would not accept it.
            (() => openAuth(dev, res, authBody(dev, "data", 5, { data: { value: 300 } }))).should.throw();
            (await rowsOf(dev.id)).map((r) => [r.dataSEQN, r.dataLost, r.dataJSON]).should.eql([[5, 4, "{\"value\":300}"]]);
            await expectSealedRefusal(a, dev, `/data/${dev.id}`, request, 409, "replay", 5);
        });

        it("a device with formats 'auth' is refused every legacy request, the plain GET and ?format=raw included: 403 format_not_allowed, nothing changed", async function () {
            const dev = DEVICES.authOnly;
            const seqn = (await storedSeqn(dev.id)) + 1;
            await expectRefused(a, [
                { path: `/wsn/${dev.id}` },
                { path: `/wsn/${dev.id}?format=raw` },
                post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: seqn }, dev.key)),
                post(`/wsn/${dev.id}`, device.rawBody({ SEQN: seqn }, dev.key)),
                post(`/data/${dev.id}`, device.passphraseBody(dataMessage(seqn), dev.key)),
                post(`/data/${dev.id}`, device.rawBody(dataMessage(seqn), dev.key))
            ], 403, "format_not_allowed");
        });

        it("answers an authenticated SEQN query with the stored SEQN, bound to the query, and writes nothing; a GET cannot ask in auth (400)", async function () {
            const dev = DEVICES.authReset;
            const stored = await storedSeqn(dev.id);
            const before = await dump();
            // A query's header seqn is not checked: a device that lost its counter sends 0.
            const queries = [authBody(dev, "query", 0), authBody(dev, "query", 12345)];
            const answers = [];
            for (const query of queries) {
                const res = await send(a, post(`/wsn/${dev.id}`, query.text));
                res.status.should.equal(200, res.text);
                openAuth(dev, res, query).should.eql({ kind: "seqn", seqn: stored, message: { SEQN: stored } });
                answers.push(res);
            }
            (() => openAuth(dev, answers[0], queries[1])).should.throw();
            (await dump()).should.eql(before);
            await expectRefused(a, [{ path: `/wsn/${dev.id}?format=auth` }], 400, "bad_format");
        });

        it("takes an authenticated reset forward only: an ack bound to it; its replay 409 replay, a lower one 409 stale, each sealed with the stored SEQN; unverified: nothing sealed", async function () {
            const dev = DEVICES.authReset;
            const target = (await storedSeqn(dev.id)) + 50;
            const reset = authBody(dev, "reset", target);
            const res = await send(a, post(`/wsn/${dev.id}`, reset.text));
            res.status.should.equal(200, res.text);
            openAuth(dev, res, reset).should.eql({ kind: "ack", seqn: target, message: { SEQN: target, ack: true } });
            (await storedSeqn(dev.id)).should.equal(target);
            await expectSealedRefusal(a, dev, `/wsn/${dev.id}`, reset, 409, "replay", target);
            await expectSealedRefusal(a, dev, `/wsn/${dev.id}`, authBody(dev, "reset", target - 1), 409, "stale", target);
            // Verified, but not what the endpoint takes, or contradicting its header.
            await expectSealedRefusal(a, dev, `/wsn/${dev.id}`, authBody(dev, "data", target + 1, { data: { value: 1 } }), 400, "wrong_kind", target);
            await expectSealedRefusal(a, dev, `/wsn/${dev.id}`, authBody(dev, "reset", target + 1, { SEQN: target + 2 }), 400, "bad_seqn", target);
            // Another key, or another device's id under the tag: the tag fails, nothing is sealed.
            await expectRefused(a, [
                post(`/wsn/${dev.id}`, authBody({ id: dev.id, key: randomKey() }, "reset", target + 1).text),
                post(`/wsn/${dev.id}`, authBody({ id: DEVICES.authOnly.id, key: dev.key }, "reset", target + 1).text)
            ], 400, "cannot_decrypt");
        });

        it("a device whose formats exclude auth (\"passphrase, raw\"): its auth requests 403 format_not_allowed, nothing sealed; its plain GET and passphrase reset answer", async function () {
            const dev = DEVICES.legacyOnly;
            const stored = await storedSeqn(dev.id);
            await expectRefused(a, [
                post(`/wsn/${dev.id}`, authBody(dev, "query", 0).text),
                post(`/wsn/${dev.id}`, authBody(dev, "reset", stored + 5).text),
                post(`/data/${dev.id}`, authBody(dev, "data", stored + 5, { data: { value: 1 } }).text)
            ], 403, "format_not_allowed");
            const plain = await send(a, { path: `/wsn/${dev.id}` });
            plain.status.should.equal(200, plain.text);
            device.openReply(plain.text, dev.key).should.eql({ format: "passphrase", message: { SEQN: stored } });
            const reset = await send(a, post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: stored + 3 }, dev.key)));
            reset.status.should.equal(200, reset.text);
            device.openReply(reset.text, dev.key).should.eql({ format: "passphrase", message: { SEQN: stored + 3, ack: true } });
        });

        it("a device with empty deviceFormats ('') is refused everything, every format on every endpoint: 403 format_not_allowed, nothing changed (fail closed)", async function () {
            const dev = DEVICES.locked;
            await expectRefused(a, [
                { path: `/wsn/${dev.id}` },
                { path: `/wsn/${dev.id}?format=raw` },
                post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: 5 }, dev.key)),
                post(`/wsn/${dev.id}`, device.rawBody({ SEQN: 5 }, dev.key)),
                post(`/wsn/${dev.id}`, authBody(dev, "query", 0).text),
                post(`/wsn/${dev.id}`, authBody(dev, "reset", 5).text),
                post(`/data/${dev.id}`, device.passphraseBody(dataMessage(5), dev.key)),
                post(`/data/${dev.id}`, device.rawBody(dataMessage(5), dev.key)),
                post(`/data/${dev.id}`, authBody(dev, "data", 5, { data: { value: 1 } }).text)
            ], 403, "format_not_allowed");
        });
    });

    describe("one instance: concurrency", function () {
        it(`a flood of ${FLOOD_COPIES} identical valid requests sent at once: exactly one 200 and one row`, async function () {
            await floodOnce([a], await provision(DEVICES.flood));
        });

        it(`${CONCURRENT_SEQNS} distinct SEQNs sent at once (both formats): every 200 has its row, every row had its 200`, async function () {
            await concurrentSeqns([a], await provision(DEVICES.concurrent));
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
            const seqn = (await storedSeqn(dev.id)) + 5;
            const res = await send(a, post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: seqn }, dev.key)));
            res.status.should.equal(200, res.text);
            const read = await send(b, { path: `/wsn/${dev.id}?format=raw` });
            read.status.should.equal(200);
            device.openReply(read.text, dev.key).should.eql({ format: "raw", message: { SEQN: seqn } });
        });

        it("a device alternating between the instances: every message stored once, in order; each one replayed to the other instance: 409", async function () {
            const dev = DEVICES.alternating;
            const base = await storedSeqn(dev.id);
            const before = (await rowsOf(dev.id)).length;
            const sent = [];
            for (let seqn = base + 1; seqn <= base + 10; seqn++) {
                const server = seqn % 2 ? b : a;
                const body = device.body(seqn % 3 ? "raw" : "passphrase", dataMessage(seqn, seqn), dev.key);
                const res = await send(server, post(`/data/${dev.id}`, body));
                should(res.status).equal(200, `SEQN ${seqn} on ${server === a ? "A" : "B"}: ${res.text}`);
                device.openReply(res.text, dev.key).message.should.eql({ SEQN: seqn, ack: true, lost: 0 });
                sent.push({ server, body });
            }
            const rows = (await rowsOf(dev.id)).slice(before);
            rows.map((r) => [r.dataSEQN, r.dataLost]).should.eql(Array.from({ length: 10 }, (_, i) => [base + i + 1, 0]));
            const snapshot = await dump();
            const replays = await Promise.all(sent.map((s) => send(s.server === a ? b : a, post(`/data/${dev.id}`, s.body))));
            replays.forEach(function (r, i) {
                should(r.status).equal(409, `replay ${i}: ${r.text}`);
                should(r.json).eql({ error: i === sent.length - 1 ? "replay" : "stale" });
            });
            (await dump()).should.eql(snapshot);
        });

        it("an auth query answered by one instance, the reset sent to the other: the ack is bound to the reset, and both read the new SEQN", async function () {
            const dev = DEVICES.authShared;
            const query = authBody(dev, "query", 0);
            const answer = await send(a, post(`/wsn/${dev.id}`, query.text));
            answer.status.should.equal(200, answer.text);
            const stored = openAuth(dev, answer, query).seqn;
            const reset = authBody(dev, "reset", stored + 40);
            const res = await send(b, post(`/wsn/${dev.id}`, reset.text));
            res.status.should.equal(200, res.text);
            openAuth(dev, res, reset).should.eql({ kind: "ack", seqn: stored + 40, message: { SEQN: stored + 40, ack: true } });
            (() => openAuth(dev, res, query)).should.throw();
            (() => openAuth(dev, answer, reset)).should.throw();
            for (const server of [a, b]) {
                const again = authBody(dev, "query", 0);
                const read = await send(server, post(`/wsn/${dev.id}`, again.text));
                openAuth(dev, read, again).should.eql({ kind: "seqn", seqn: stored + 40, message: { SEQN: stored + 40 } });
            }
        });

        it("copies of one auth reset split across both instances: one 200; every other copy, and the reset replayed later through the other instance: 409 replay, sealed and bound to it", async function () {
            const dev = DEVICES.authCopies;
            const target = (await storedSeqn(dev.id)) + 40;
            const reset = authBody(dev, "reset", target);
            const servers = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b));
            const responses = await Promise.all(servers.map((server) => send(server, post(`/wsn/${dev.id}`, reset.text))));
            const accepted = responses.filter((r) => r.status === 200);
            should(accepted.length).equal(1, JSON.stringify(statuses(responses)));
            openAuth(dev, accepted[0], reset).should.eql({ kind: "ack", seqn: target, message: { SEQN: target, ack: true } });
            responses.filter((r) => r.status !== 200).forEach(function (r) {
                should(r.status).equal(409, r.text);
                r.json.error.should.equal("replay");
                openAuth(dev, r, reset).should.eql({ kind: "refusal", seqn: target, message: { error: "replay", SEQN: target } });
            });
            (await storedSeqn(dev.id)).should.equal(target);
            const winner = servers[responses.indexOf(accepted[0])];
            await expectSealedRefusal(winner === a ? b : a, dev, `/wsn/${dev.id}`, reset, 409, "replay", target);
        });

        it(`a flood of ${FLOOD_COPIES} copies of one valid request split across both instances: accepted exactly once, one row`, async function () {
            await floodOnce([a, b], await provision(DEVICES.splitFlood));
        });

        it(`${CONCURRENT_SEQNS} distinct SEQNs split across both instances: every 200 has its row, every row had its 200`, async function () {
            await concurrentSeqns([a, b], await provision(DEVICES.splitConcurrent));
        });

        it("regression: attack 1, the backend's raw SEQN reply IV-flipped into {\"SEQN\":9e9} and posted as a reset: 403 format_not_allowed, the SEQN unchanged", async function () {
            const dev = DEVICES.rawReply;
            const stored = await storedSeqn(dev.id);
            // {"SEQN":n} with n <= 999 is base64 of at most 12 bytes: all of it in the first block.
            stored.should.be.below(1000);
            const get = await send(a, { path: `/wsn/${dev.id}?format=raw` });
            get.status.should.equal(200, get.text);
            const forged = outsider.rewriteFirstBlock(JSON.parse(get.text), outsider.firstBlockOf(JSON.stringify({ SEQN: stored })), Buffer.from("eyJTRVFOIjo5ZTl9", "latin1"));
            // The forgery works on the cipher: under the key it reads {"SEQN":9e9}.
            const body = JSON.parse(forged);
            device.openEnvelope(device.rawDecrypt(body.iv, body.data, dev.key)).should.eql({ SEQN: 9e9 });
            await expectRefused(a, [post(`/wsn/${dev.id}`, forged)], 403, "format_not_allowed");
            await expectRefused(b, [post(`/wsn/${dev.id}`, forged)], 403, "format_not_allowed");
            (await storedSeqn(dev.id)).should.equal(stored);
        });

        it("regression: attack 2, a captured raw data message cut to its first block and IV-flipped into {\"SEQN\":99}, posted as a reset: 403 format_not_allowed, the SEQN unchanged", async function () {
            const dev = DEVICES.rawData;
            const seqn = (await storedSeqn(dev.id)) + 1;
            const text = JSON.stringify(dataMessage(seqn, 5));
            const captured = device.rawBody(text, dev.key);
            const res = await send(b, post(`/data/${dev.id}`, captured));
            res.status.should.equal(200, res.text);
            const forged = outsider.rewriteFirstBlock(JSON.parse(captured), outsider.firstBlockOf(text), outsider.paddedBlock("eyJTRVFOIjo5OX0"), 1);
            // One block, which under the key is 15 base64 characters of {"SEQN":99} and its padding.
            const body = JSON.parse(forged);
            Buffer.from(body.data, "base64").length.should.equal(16);
            device.rawDecrypt(body.iv, body.data, dev.key).should.equal("eyJTRVFOIjo5OX0");
            device.openEnvelope("eyJTRVFOIjo5OX0").should.eql({ SEQN: 99 });
            await expectRefused(a, [post(`/wsn/${dev.id}`, forged)], 403, "format_not_allowed");
            await expectRefused(b, [post(`/wsn/${dev.id}`, forged)], 403, "format_not_allowed");
            // As a data message it has no data: 400, nothing stored.
            await expectRefused(a, [post(`/data/${dev.id}`, forged)], 400, "bad_format");
            (await storedSeqn(dev.id)).should.equal(seqn);
        });

        it("regression: challenge starvation is gone, a device's auth query and then its reset succeed while an outsider floods anonymous requests through both instances in between", async function () {
            const dev = DEVICES.starved;
            const query = authBody(dev, "query", 0);
            const answer = await send(a, post(`/wsn/${dev.id}`, query.text));
            answer.status.should.equal(200, answer.text);
            const stored = openAuth(dev, answer, query).seqn;
            const before = await dump();
            // In auth v1 each of these GETs replaced the device's reset challenge.
            const flood = anonymousRequests(dev.id, 300);
            let answered = 0;
            let halfway;
            const half = new Promise((resolve) => { halfway = resolve; });
            const flooding = Promise.all(flood.map((r, i) => send(i % 2 ? a : b, r).then(function (res) {
                if (++answered === flood.length / 2) { halfway(); }
                return res;
            })));
            await half;
            const reset = authBody(dev, "reset", stored + 1);
            const res = await send(b, post(`/wsn/${dev.id}`, reset.text));
            const floodAnswers = await flooding;
            res.status.should.equal(200, res.text);
            openAuth(dev, res, reset).should.eql({ kind: "ack", seqn: stored + 1, message: { SEQN: stored + 1, ack: true } });
            floodAnswers.forEach((r) => r.status.should.be.within(400, 499, JSON.stringify(statuses(floodAnswers))));
            // The reset is the one change: the flood wrote nothing.
            before.Devices.find((d) => d.deviceID === dev.id).deviceSQN = stored + 1;
            (await dump()).should.eql(before);
        });

        it(`regression: no request made without the key changes the database, ${OUTSIDER_REQUESTS} outsider requests from captured traffic through both instances (device on legacy formats, then on auth only)`, async function () {
            this.timeout(600000);
            const dev = DEVICES.victim;
            const id = dev.id;
            const base = await storedSeqn(id);
            base.should.be.below(990);
            async function ok(server, request) {
                const res = await send(server, request);
                should(res.status).equal(200, `${request.path}: ${res.text}`);
                return res;
            }
            // The device's traffic as an outsider captures it on the wire, every request answered already.
            const passphraseRequests = [device.passphraseBody({ SEQN: base + 1 }, dev.key), device.passphraseBody(dataMessage(base + 2, 2), dev.key)];
            await ok(a, post(`/wsn/${id}`, passphraseRequests[0]));
            await ok(b, post(`/data/${id}`, passphraseRequests[1]));
            const rawDataText = JSON.stringify(dataMessage(base + 3, 3));
            const rawData = device.rawBody(rawDataText, dev.key);
            await ok(a, post(`/data/${id}`, rawData));
            const rawReply = (await ok(b, { path: `/wsn/${id}?format=raw` })).text;
            device.openReply(rawReply, dev.key).message.should.eql({ SEQN: base + 3 });
            const query = authBody(dev, "query", 0);
            const reset = authBody(dev, "reset", base + 4);
            const data = authBody(dev, "data", base + 5, { data: { value: 5 } });
            const authReplies = [
                (await ok(a, post(`/wsn/${id}`, query.text))).text,
                (await ok(b, post(`/wsn/${id}`, reset.text))).text,
                (await ok(a, post(`/data/${id}`, data.text))).text
            ];
            const refusal = await send(b, post(`/wsn/${id}`, reset.text));
            refusal.status.should.equal(409, refusal.text);
            authReplies.push(refusal.text);
            const stored = base + 5;
            (await storedSeqn(id)).should.equal(stored);
            // A query is answered whenever it is asked and writes nothing, so a
            // replayed one is a 200 by design: the replayed requests are the reset and the data message.
            const captured = {
                rawReply: JSON.parse(rawReply), rawReplySeqn: base + 3, rawData: JSON.parse(rawData), rawDataText,
                authRequests: [reset.text, data.text], authReplies, passphraseRequests
            };
            const requests = outsider.requests(id, captured, OUTSIDER_REQUESTS);

            const runs = [];
            for (const formats of [ALL_FORMATS, "auth"]) {
                await db.query("UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [formats, id], database.database);
                const before = await dump();
                const answers = await sendAll([a, b], requests, 25);
                (await dump()).should.eql(before, `formats ${formats}: the database changed`);
                runs.push({ formats, answers });
            }
            printKinds(`${OUTSIDER_REQUESTS} outsider requests to ${id}, kind -> statuses seen`, requests, runs);

            for (const { formats, answers } of runs) {
                answers.forEach(function (res, i) {
                    const r = requests[i];
                    const what = `formats ${formats}, request ${i} (${r.name}, ${r.method} ${r.path}): ${res.status} ${res.text.slice(0, 100)}`;
                    // The legacy formats' GET (the article's case 1) answers the stored SEQN to anyone by design; it reads, and writes nothing.
                    const legacyGet = formats === ALL_FORMATS && r.method === "GET" && !r.path.includes("format=auth");
                    if (legacyGet) {
                        should(res.status).equal(200, what);
                        device.openReply(res.text, dev.key).message.should.eql({ SEQN: stored });
                    } else {
                        should(res.status).be.within(400, 499, what);
                    }
                    // Only a request whose tag verifies gets a sealed refusal: a captured one, replayed.
                    should(Boolean(res.json && res.json.auth)).equal(r.name === "auth request replayed", what);
                });
            }
            runs[1].answers.filter((res) => res.status < 300).length.should.equal(0);
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
                const res = await until(async function () {
                    const answer = await send(server, post(`/data/${dev.id}`, device.rawBody(dataMessage(seqn, 1), dev.key)));
                    return answer.status !== 500 && answer;
                }, { timeout: 15000, interval: 250, what: `POST /data/${dev.id} through ${server === a ? "A" : "B"} to answer other than 500 after MariaDB's restart` });
                should(res.status).equal(200, res.text);
                seqn += 1;
            }
            (await storedSeqn(dev.id)).should.equal(seqn - 1);
        });

        it("no key, database password or Devices row in any response or in either Node-RED log", async function () {
            // Traffic of its own, so that it checks something when it runs
            // alone: per legacy device, GETs, a reset, data in both formats,
            // replays, a wrong key, bad JSON and an unknown id, through both instances.
            for (let round = 0; round < 6; round++) {
                for (const template of [ARTICLE, DEVICES.firmware, DEVICES.aes256, DEVICES.zeros]) {
                    const dev = await provision(template);
                    const seqn = dev.seqn + 1;
                    const data = post(`/data/${dev.id}`, device.passphraseBody(dataMessage(seqn + 1), dev.key));
                    await sendAll([a, b], [{ method: "GET", path: `/wsn/${dev.id}` }, { method: "GET", path: `/wsn/${dev.id}?format=raw` }], 2);
                    await send(a, post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: seqn }, dev.key)));
                    await send(b, data);
                    await send(a, post(`/data/${dev.id}`, device.rawBody(dataMessage(seqn + 2), dev.key)));
                    await Promise.all([send(a, data), send(b, post(`/data/${dev.id}`, device.rawBody(dataMessage(seqn + 3), WRONG_KEY))),
                        send(a, post(`/data/${dev.id}`, "{\"msg\":")), send(b, post(`/data/${dev.id}x`, device.passphraseBody(dataMessage(seqn + 3), dev.key)))]);
                }
            }
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
