"use strict";
// Device keys at rest, end to end: the packed package in a real Node-RED
// with the shipped flows (SQLite through the real sqlite node; MariaDB
// through the real mysql node), the keys wrapped in the database by the
// CLI's migration (wrap-keys) and the KEK given as WSN_KEK_FILE. Every
// format and request kind works with the wrapped keys; a debug node on every
// wire of the shipped flows (what a user adds to see what a flow does, as the
// editor's sidebar shows it) never shows a device key or the KEK; a wrong
// KEK answers every device the same 500 server_error, logged once per node
// however many requests come; the demo (npm start) leaves no key in its
// database file.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const should = require("should");

const backend = require("../../scripts/lib/backend.js");
const mariadb = require("../../scripts/lib/mariadb.js");
const device = require("./helpers/device.js");
const auth = require("./helpers/auth-reference.js");
const { post, exchange, fetchWithin, textWithin } = require("./helpers/http.js");
const { until, within } = require("./helpers/until.js");
const { ALL_FORMATS } = require("./helpers/article.js");
const { runCli, keyFile: cliKeyFile } = require("./helpers/cli.js");
const { startDemo } = require("./helpers/demo.js");
const wasm = require("../../pkg/wsn_crypto.js");

const WebSocket = require(path.join(backend.ROOT, "node_modules", "ws"));

const KEK = `t1:${crypto.randomBytes(32).toString("hex")}`;
const WRONG_KEK = `t2:${crypto.randomBytes(32).toString("hex")}`;
const KEK_SECRETS = [KEK.slice(3), WRONG_KEK.slice(3)];

let workDir;
let tarball;
let count = 0;
const keysSeen = [];

/** A device no other test uses: all formats (the legacy ones too), a fresh key. */
function newDevice(prefix) {
    count += 1;
    const dev = { id: `${prefix}${count}`, key: crypto.randomBytes(16).toString("hex").toUpperCase(), seqn: 0, formats: ALL_FORMATS };
    keysSeen.push(dev.key);
    return dev;
}

/**
 * Fails if `text` holds a device key of any test (either case, or as the
 * bytes a raw key is, in base64) or a KEK.
 */
function assertNoSecret(text, what) {
    const lower = text.toLowerCase();
    for (const key of keysSeen) {
        if (lower.includes(key.toLowerCase())) { throw new Error(`${what} shows a device key`); }
        if (text.includes(Buffer.from(key, "hex").toString("base64"))) { throw new Error(`${what} shows a device key (base64)`); }
    }
    for (const kek of KEK_SECRETS) {
        if (lower.includes(kek)) { throw new Error(`${what} shows a KEK`); }
    }
}

function keyFile(name, kek) {
    return cliKeyFile(workDir, name, kek);
}

/**
 * The shipped flows with a debug node on every output of every node (the
 * whole message, to the sidebar), each in its node's tab.
 */
function withDebugOnEveryWire(flows) {
    const debugs = [];
    for (const node of flows) {
        if (!Array.isArray(node.wires)) { continue; }
        node.wires.forEach(function (port, index) {
            const id = crypto.createHash("sha256").update(`${node.id}:${index}`).digest("hex").slice(0, 16);
            debugs.push({ id, type: "debug", z: node.z, name: `after ${node.name || node.type} #${index}`, active: true,
                tosidebar: true, console: false, tostatus: false, complete: "true", targetType: "full", x: 0, y: 0, wires: [] });
            port.push(id);
        });
    }
    return { flows: flows.concat(debugs), debugCount: debugs.length };
}

/**
 * What the editor's debug sidebar receives: a client of Node-RED's comms
 * socket subscribed to "debug". `messages` is every message's text as sent.
 */
async function debugSidebar(base) {
    const socket = new WebSocket(`${base.replace("http", "ws")}/admin/comms`);
    const messages = [];
    socket.on("message", function (data) {
        for (const item of JSON.parse(String(data))) {
            if (item.topic === "debug") { messages.push(JSON.stringify(item.data)); }
        }
    });
    await within(new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); }), { what: "the editor's comms socket to open" });
    socket.send(JSON.stringify({ subscribe: "debug" }));
    return { messages, close: () => socket.close() };
}

/**
 * The user directory of one Node-RED: the packed package, `flowsFile`,
 * the debug sidebar unlimited (a key cut off at 1000 characters would not
 * show, but could be there).
 */
async function userDir(name, flowsFile, extraModules) {
    const dir = path.join(workDir, name);
    await backend.prepareUserDir({ dir, install: tarball, flowsFile, extraModules, extraSettings: "    debugMaxLength: 10000000," });
    return dir;
}

function debugFlows(name, shipped) {
    const { flows, debugCount } = withDebugOnEveryWire(JSON.parse(fs.readFileSync(shipped, "utf8")));
    debugCount.should.be.above(10, "the shipped flows have wires");
    const file = path.join(workDir, name);
    fs.writeFileSync(file, JSON.stringify(flows, null, 2));
    return file;
}

/**
 * Every wire format and request kind as a device sends them, with the
 * device's (plain) key, against a backend whose database holds it wrapped.
 * Returns the answers by step; the SEQNs are 5 (passphrase reset), 6 (raw
 * data), 7 (auth data, then replayed; stale after the reset), 10 (auth reset).
 */
async function converse(base, dev, log) {
    const send = (request) => exchange(base, request, log);
    const answers = {};
    answers.get = await send({ path: `/wsn/${dev.id}` });
    answers.getRaw = await send({ path: `/wsn/${dev.id}?format=raw` });
    answers.passphraseReset = await send(post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: 5 }, dev.key)));
    answers.rawData = await send(post(`/data/${dev.id}`, device.rawBody(device.dataMessage(6, 6.5), dev.key)));
    const data = auth.requestBody(dev, "data", 7, { data: { value: 7.5 } });
    answers.authData = Object.assign(await send(post(`/data/${dev.id}`, data.text)), { tag: data.tag });
    answers.replay = Object.assign(await send(post(`/data/${dev.id}`, data.text)), { tag: data.tag });
    const query = auth.requestBody(dev, "query", 0);
    answers.authQuery = Object.assign(await send(post(`/wsn/${dev.id}`, query.text)), { tag: query.tag });
    const reset = auth.requestBody(dev, "reset", 10);
    answers.authReset = Object.assign(await send(post(`/wsn/${dev.id}`, reset.text)), { tag: reset.tag });
    answers.stale = Object.assign(await send(post(`/data/${dev.id}`, data.text)), { tag: data.tag });
    const stranger = { id: dev.id, key: crypto.randomBytes(16).toString("hex") };
    answers.stranger = await send(post(`/data/${dev.id}`, auth.requestBody(stranger, "data", 11, { data: { value: 0 } }).text));
    return answers;
}

/** What converse() must have seen from a backend that unwraps the keys. */
function assertConversation(dev, answers) {
    answers.get.status.should.equal(200, answers.get.text);
    device.openReply(answers.get.text, dev.key).message.should.eql({ SEQN: 0 });
    device.openReply(answers.getRaw.text, dev.key).should.eql({ format: "raw", message: { SEQN: 0 } });
    answers.getRaw.status.should.equal(200, answers.getRaw.text);
    answers.passphraseReset.status.should.equal(200, answers.passphraseReset.text);
    answers.rawData.status.should.equal(200, answers.rawData.text);
    answers.authData.status.should.equal(200, answers.authData.text);
    auth.openReply(dev, answers.authData.text, answers.authData.tag).kind.should.equal("ack");
    answers.authQuery.status.should.equal(200, answers.authQuery.text);
    auth.openReply(dev, answers.authQuery.text, answers.authQuery.tag).seqn.should.equal(7);
    answers.authReset.status.should.equal(200, answers.authReset.text);
    answers.replay.status.should.equal(409, answers.replay.text);
    auth.openReply(dev, answers.replay.text, answers.replay.tag).message.error.should.equal("replay");
    answers.stale.status.should.equal(409, answers.stale.text);
    auth.openReply(dev, answers.stale.text, answers.stale.tag).message.error.should.equal("stale");
    answers.stranger.status.should.be.within(400, 499);
}

/** Node-RED's log lines naming a KEK problem. */
function kekLines(log) {
    return log.split("\n").filter((line) => /wrong_kek|kek_missing|bad_kek|bad_stored_key/.test(line));
}

/**
 * The wrong-KEK case on a running backend: every device, every format,
 * answers 500 {"error":"server_error"} (the same for all: nothing tells a
 * device what went wrong), the cause is logged once per node however many
 * requests come, nothing is stored.
 */
async function assertWrongKek(server, base, devices, snapshot) {
    const before = await snapshot();
    const requests = (dev, seqn) => [
        { path: `/wsn/${dev.id}` },
        post(`/wsn/${dev.id}`, device.passphraseBody({ SEQN: seqn }, dev.key)),
        post(`/data/${dev.id}`, device.rawBody(device.dataMessage(seqn + 1, 1), dev.key)),
        post(`/data/${dev.id}`, auth.requestBody(dev, "data", seqn + 2, { data: { value: 1 } }).text),
        post(`/wsn/${dev.id}`, auth.requestBody(dev, "query", 0).text)
    ];
    const log = [];
    let after1;
    for (const round of [100, 200]) {
        for (const dev of devices) {
            for (const request of requests(dev, round)) {
                const answer = await exchange(base, request, log);
                answer.status.should.equal(500, `${request.path}: ${answer.text}`);
                answer.text.should.equal("{\"error\":\"server_error\"}");
            }
        }
        // Logged by the first round; the second adds nothing.
        if (round === 100) { after1 = kekLines(server.log()).length; }
    }
    after1.should.be.above(0, "the cause reaches the log");
    kekLines(server.log()).length.should.equal(after1, "logged once per node, not once per request");
    kekLines(server.log()).every((line) => line.includes("wrong_kek")).should.be.true(kekLines(server.log()).join("\n"));
    (await snapshot()).should.eql(before, "nothing stored");
    for (const answer of log) { assertNoSecret(JSON.stringify(answer), "an answer"); }
    assertNoSecret(server.log(), "the Node-RED log");
}

describe("keys at rest in a real Node-RED: wrapped keys, the KEK outside the flows", function () {
    this.timeout(120000);

    before(function () {
        this.timeout(300000);
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-keys-"));
        tarball = backend.packTarball(path.join(workDir, "pack"));
    });

    after(function () {
        if (workDir && !process.env.WSN_E2E_KEEP) { fs.rmSync(workDir, { recursive: true, force: true }); }
    });

    describe("SQLite flows (flows/wsn-sqlite.json)", function () {
        let dbFile;
        let kekFile;
        let server;
        let base;
        let sidebar;
        let migratedDevices = [];

        const snapshot = async () => ({
            devices: await backend.query(dbFile, "SELECT deviceID, deviceKey, deviceSQN FROM Devices ORDER BY deviceID"),
            data: await backend.query(dbFile, "SELECT * FROM Data ORDER BY dataID")
        });

        async function provisionWrapped(dev) {
            await backend.write(dbFile, "INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) VALUES (?, ?, 0, ?)",
                [dev.id, wasm.wrapKey(dev.key, dev.id, KEK), dev.formats]);
            return dev;
        }

        before(async function () {
            this.timeout(120000);
            dbFile = path.join(workDir, "wsn.db");
            kekFile = keyFile("kek", KEK);
            // Plain keys first, as a database from before keys at rest holds them; the migration wraps them.
            const devices = [newDevice("SQ"), newDevice("SQ")];
            const dir = await userDir("node-red-sqlite", debugFlows("sqlite-debug.json", path.join(backend.ROOT, "flows", "wsn-sqlite.json")));
            await backend.createDatabase(dbFile, devices);
            const migrated = await runCli(["wrap-keys", "--db", dbFile, "--kek", kekFile]);
            migrated.status.should.equal(0, migrated.stderr);
            for (const row of (await snapshot()).devices) { row.deviceKey.should.startWith("kw1:t1:"); }
            server = await backend.startNodeRed({ dir, db: dbFile, logLevel: "info", env: { WSN_KEK_FILE: kekFile } });
            base = `http://127.0.0.1:${server.port}`;
            sidebar = await debugSidebar(base);
            migratedDevices = devices;
        });

        after(async function () {
            if (sidebar) { sidebar.close(); }
            if (server) { await server.stop(); }
        });

        it("every format and request kind works with keys the migration wrapped: stored, acknowledged, replays refused", async function () {
            const dev = await provisionWrapped(newDevice("SQ"));
            const answers = await converse(base, dev, []);
            assertConversation(dev, answers);
            const rows = await backend.query(dbFile, "SELECT dataSEQN, dataValue FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [dev.id]);
            rows.should.eql([{ dataSEQN: 6, dataValue: 6.5 }, { dataSEQN: 7, dataValue: 7.5 }]);
            (await backend.query(dbFile, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [dev.id]))[0].deviceSQN.should.equal(10);
            // And a device the CLI's migration wrapped (not this test's own wrapping).
            migratedDevices.length.should.equal(2);
            for (const old of migratedDevices) {
                const answer = await exchange(base, post(`/data/${old.id}`, auth.requestBody(old, "data", 1, { data: { value: 1 } }).text), []);
                answer.status.should.equal(200, answer.text);
            }
        });

        it("a debug node on every wire of the shipped flows never shows a device key or the KEK", async function () {
            const dev = await provisionWrapped(newDevice("SQ"));
            const seenBefore = sidebar.messages.length;
            const log = [];
            const answers = await converse(base, dev, log);
            assertConversation(dev, answers);
            // The refusals' paths too: an unknown device, a bad body.
            await exchange(base, { path: "/wsn/NOSUCH" }, log);
            await exchange(base, post(`/data/${dev.id}`, "{\"msg\":\"not a ciphertext\"}"), log);
            // The last request's messages reach the sidebar after its answer: wait for
            // the one on the wire into its HTTP response (it names the request's id).
            const marker = `ENDM${count}`;
            await exchange(base, { path: `/wsn/${marker}` }, log);
            await until(() => sidebar.messages.slice(seenBefore).some((m) => m.includes(marker) && m.includes("statusCode")),
                { timeout: 10000, what: "the debug messages of the last request" });
            const seen = sidebar.messages.slice(seenBefore);
            seen.length.should.be.above(40, "every request passed several debug nodes");
            // The wrapped key is what the "Get device" wire carries: the debug nodes saw it.
            seen.some((m) => m.includes("kw1:t1:")).should.be.true("the device row, its key wrapped, crossed a wire");
            seen.forEach((m, i) => assertNoSecret(m, `debug message ${i}`));
            for (const answer of log) { assertNoSecret(JSON.stringify(answer), "an answer"); }
            assertNoSecret(server.log(), "the Node-RED log");
        });

        it("the exported flows and the flows file hold no KEK; the node names where it comes from", async function () {
            const res = await fetchWithin(`${base}/admin/flows`);
            const text = await textWithin(res, "GET /admin/flows");
            res.status.should.equal(200);
            assertNoSecret(text, "the exported flows");
            const kekNodes = JSON.parse(text).filter((n) => n.type === "wsn-kek");
            kekNodes.length.should.equal(1);
            kekNodes[0].source.should.equal("env");
            assertNoSecret(fs.readFileSync(path.join(workDir, "node-red-sqlite", "flows.json"), "utf8"), "flows.json");
        });

        it("a wrong KEK: every device, every format, 500 server_error alike, logged once per node, nothing stored", async function () {
            const devices = [await provisionWrapped(newDevice("SQ")), await provisionWrapped(newDevice("SQ"))];
            // A second Node-RED on the same database, given another KEK.
            const dir = await userDir("node-red-sqlite-wrong", path.join(backend.ROOT, "flows", "wsn-sqlite.json"));
            const wrong = await backend.startNodeRed({ dir, db: dbFile, logLevel: "info", env: { WSN_KEK_FILE: keyFile("wrong-kek", WRONG_KEK) } });
            try {
                await assertWrongKek(wrong, `http://127.0.0.1:${wrong.port}`, devices, snapshot);
            } finally {
                await wrong.stop();
            }
        });
        it("no KEK at all: plain keys work as before, each wsn node warns once at start; a wrapped key is 500, logged once per node", async function () {
            const plain = newDevice("SQ");
            await backend.write(dbFile, "INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) VALUES (?, ?, 0, ?)", [plain.id, plain.key, plain.formats]);
            const wrapped = await provisionWrapped(newDevice("SQ"));
            const dir = await userDir("node-red-sqlite-nokek", path.join(backend.ROOT, "flows", "wsn-sqlite.json"));
            const bare = await backend.startNodeRed({ dir, db: dbFile, logLevel: "info", env: { WSN_KEK: "", WSN_KEK_FILE: "" } });
            try {
                const wsnNodes = JSON.parse(fs.readFileSync(path.join(dir, "flows.json"), "utf8")).filter((n) => /^wsn-(de|en)crypt$/.test(n.type)).length;
                const warnings = () => bare.log().split("\n").filter((line) => line.includes("device keys are used as the database stores them"));
                warnings().length.should.equal(wsnNodes, "one warning per wsn node, at start");
                const bareBase = `http://127.0.0.1:${bare.port}`;
                const answers = await converse(bareBase, plain, []);
                assertConversation(plain, answers);
                for (const seqn of [1, 2, 3]) {
                    const refused = await exchange(bareBase, post(`/data/${wrapped.id}`, auth.requestBody(wrapped, "data", seqn, { data: { value: 1 } }).text), []);
                    refused.status.should.equal(500, refused.text);
                    refused.text.should.equal("{\"error\":\"server_error\"}");
                }
                kekLines(bare.log()).filter((line) => line.includes("kek_missing")).length.should.equal(1, "logged once, by the one node that met it");
                warnings().length.should.equal(wsnNodes, "no more warnings per request");
                assertNoSecret(bare.log(), "the Node-RED log");
            } finally {
                await bare.stop();
            }
        });
    });

    describe("MySQL flows (flows/wsn-mysql.json) on a real MariaDB", function () {
        let db;
        let database;
        let url;
        let kekFile;
        let server;
        let base;
        let sidebar;

        const snapshot = async () => ({
            devices: await db.query("SELECT deviceID, deviceKey, deviceSQN FROM Devices ORDER BY deviceID", [], database.database),
            data: await db.query("SELECT dataID, deviceID, dataSEQN, dataValue FROM Data ORDER BY dataID", [], database.database)
        });

        async function provisionWrapped(dev) {
            await db.query("INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) VALUES (?, ?, 0, ?)",
                [dev.id, wasm.wrapKey(dev.key, dev.id, KEK), dev.formats], database.database);
            return dev;
        }

        async function startInstance(name, kekPath) {
            const dir = await userDir(name, debugFlows(`${name}.json`, path.join(backend.ROOT, "flows", "wsn-mysql.json")), ["node-red-node-mysql"]);
            const instance = await backend.startNodeRed({ dir, logLevel: "info", env: Object.assign({ WSN_KEK_FILE: kekPath }, database.env) });
            const instanceBase = `http://127.0.0.1:${instance.port}`;
            // The mysql node connects on its own time; until it has, the flows answer 500.
            await until(async function () {
                const probe = await fetchWithin(`${instanceBase}/wsn/__probe__`);
                return probe.status === 404 && (await textWithin(probe, "the probe")).includes("unknown_device");
            }, { timeout: 15000, interval: 100, what: `${name}'s flows to reach MariaDB` });
            return { instance, instanceBase };
        }

        before(async function () {
            // A cold machine installs mariadb-server first.
            this.timeout(900000);
            db = await mariadb.start({ dir: path.join(workDir, "mariadb") });
            const devices = [newDevice("MY"), newDevice("MY")];
            database = await db.createDatabase({ database: "wsnkeys", user: "wsnkeys", devices });
            url = `mysql://${database.user}:${encodeURIComponent(database.password)}@127.0.0.1:${db.port}/${database.database}`;
            kekFile = keyFile("kek-mysql", KEK);
            const migrated = await runCli(["wrap-keys", "--kek", kekFile], { env: { WSN_MYSQL_URL: url } });
            migrated.status.should.equal(0, migrated.stderr);
            for (const row of (await snapshot()).devices) { row.deviceKey.should.startWith("kw1:t1:"); }
            ({ instance: server, instanceBase: base } = await startInstance("node-red-mysql", kekFile));
            sidebar = await debugSidebar(base);
        });

        after(async function () {
            if (sidebar) { sidebar.close(); }
            if (server) { await server.stop(); }
            if (db) { await db.stop(); }
        });

        it("every format and request kind works with wrapped keys; a debug node on every wire never shows a key or the KEK", async function () {
            const dev = await provisionWrapped(newDevice("MY"));
            const seenBefore = sidebar.messages.length;
            const log = [];
            const answers = await converse(base, dev, log);
            assertConversation(dev, answers);
            const rows = await db.query("SELECT dataSEQN, dataValue FROM Data WHERE deviceID = ? ORDER BY dataSEQN", [dev.id], database.database);
            rows.map((r) => [Number(r.dataSEQN), r.dataValue]).should.eql([[6, 6.5], [7, 7.5]]);
            const marker = `ENDM${count}`;
            await exchange(base, { path: `/wsn/${marker}` }, log);
            await until(() => sidebar.messages.slice(seenBefore).some((m) => m.includes(marker) && m.includes("statusCode")),
                { timeout: 10000, what: "the debug messages of the last request" });
            const seen = sidebar.messages.slice(seenBefore);
            seen.some((m) => m.includes("kw1:t1:")).should.be.true("the device row, its key wrapped, crossed a wire");
            seen.forEach((m, i) => assertNoSecret(m, `debug message ${i}`));
            for (const answer of log) { assertNoSecret(JSON.stringify(answer), "an answer"); }
            assertNoSecret(server.log(), "the Node-RED log");
        });

        it("a wrong KEK: every device, every format, 500 server_error alike, logged once per node, nothing stored", async function () {
            const devices = [await provisionWrapped(newDevice("MY")), await provisionWrapped(newDevice("MY"))];
            const { instance, instanceBase } = await startInstance("node-red-mysql-wrong", keyFile("wrong-kek-mysql", WRONG_KEK));
            try {
                await assertWrongKek(instance, instanceBase, devices, snapshot);
            } finally {
                await instance.stop();
            }
        });
    });

    describe("the demo (npm start)", function () {
        it("stores 12FA's key wrapped under the demo KEK and answers the article's GET; its database file holds no device key", async function () {
            this.timeout(120000);
            const dir = path.join(workDir, "demo");
            const demo = await startDemo(dir, "Node-RED is up");
            try {
                const answer = await exchange(`http://127.0.0.1:${demo.port}`, { path: "/wsn/12FA" }, []);
                answer.status.should.equal(200, answer.text);
                device.openReply(answer.text, "2B7E151628AED2A6ABF7158809CF4F3C").message.should.have.property("SEQN");
            } finally {
                await demo.stop();
            }
            const dbFile = path.join(dir, "wsn.db");
            const rows = await backend.query(dbFile, "SELECT deviceKey FROM Devices WHERE deviceID = '12FA'");
            rows[0].deviceKey.should.startWith("kw1:demo:");
            // The whole file and its journal, byte for byte, not only what a query returns.
            for (const file of fs.readdirSync(dir).filter((f) => f.startsWith("wsn.db"))) {
                const bytes = fs.readFileSync(path.join(dir, file)).toString("latin1").toLowerCase();
                bytes.includes("2b7e151628aed2a6abf7158809cf4f3c").should.be.false(`${file} holds the demo device's key`);
            }
            // What a `.dump` prints: the schema and every table's rows, as text.
            const tables = await backend.query(dbFile, "SELECT name, sql FROM sqlite_master");
            tables.filter((t) => t.sql && /^CREATE TABLE/.test(t.sql)).map((t) => t.name).sort().should.eql(["Data", "Devices"]);
            const dump = [tables, await backend.query(dbFile, "SELECT * FROM Devices"), await backend.query(dbFile, "SELECT * FROM Data")];
            JSON.stringify(dump).toLowerCase().should.not.containEql("2b7e151628aed2a6abf7158809cf4f3c");
        });
    });
});
