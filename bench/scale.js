#!/usr/bin/env node
"use strict";
// Scale benchmark (`npm run bench:scale`): how the backend's cost grows with
// the data it holds. Devices POST /data/:id in the authenticated format (made
// by the tests' independent implementation, tests/js/helpers/auth-reference.js),
// each message with that device's next SEQN, to Node-RED on 127.0.0.1 only.
//
//   1. SQLite, the shipped flows/wsn-sqlite.json in a real Node-RED, under
//      autocannon load; A and B each in its own Node-RED, both up at once and
//      timed in interleaved segments (A B, B A, ...: SCALE_ROUNDS) so that the
//      machine's other load falls on both alike:
//      A "empty": SCALE_EMPTY_DEVICES (1,000) provisioned devices, no Data rows;
//      B "full":  SCALE_DEVICES (10,000) devices and SCALE_ROWS (1,000,000)
//                 Data rows spread over them, built with SQL (recursive CTE
//                 INSERT ... SELECT in batches, one transaction; the schema's
//                 trigger sets each device's deviceSQN to its highest dataSEQN).
//   2. MariaDB (scripts/lib/mariadb.js, a private server): the same full data
//      set (INSERT ... SELECT from the SEQUENCE engine in batches), TWO
//      Node-RED instances with flows/wsn-mysql.json on it, and a keep-alive
//      client that alternates requests between them. Afterwards an SQL check
//      of exactly-once: every 200 (an ack of that SEQN) has exactly one row,
//      no (deviceID, dataSEQN) is stored twice, rows added = 200s.
//
// Load comes from SCALE_ACTIVE (1,000) devices chosen at random; a device is
// never in flight twice, so its SEQNs arrive in order. Printed per run:
// req/s, latency p50/p99, errors, Node-RED CPU ms per request (from /proc),
// Node-RED RSS at the start (after the warm-up) and at the end of the timed
// run, database bytes per stored Data row, and the data-set build time; then
// the ratios B/A. Numbers only: nothing is asserted about timings. Exits
// non-zero if a run had errors or the exactly-once check failed.
//
// Environment: SCALE_EMPTY_DEVICES, SCALE_DEVICES, SCALE_ROWS, SCALE_ACTIVE,
// SCALE_SECONDS (10 per timed run), SCALE_ROUNDS (2 SQLite segments per run),
// SCALE_WARMUP (2), SCALE_CONNECTIONS (16),
// SCALE_BATCH (rows per INSERT, 100,000), SCALE_BUILD_MAX_SECONDS (300: a
// build that takes longer stops the benchmark), SCALE_BODIES (request bodies
// pre-built per device, 40; more are made as needed), SCALE_SKIP_MYSQL=1.

const fs = require("fs");
const os = require("os");
const path = require("path");
const http = require("http");
const crypto = require("crypto");
const { cpuMs, rssBytes } = require("./lib/proc.js");
const autocannon = require("autocannon");
const backend = require("../scripts/lib/backend.js");
const reference = require("../tests/js/helpers/auth-reference.js");

const num = (name, fallback) => {
    const v = process.env[name];
    if (v === undefined || v === "") { return fallback; }
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) { throw new Error(`${name} must be a number >= 0, not ${v}`); }
    return n;
};
const CONFIG = {
    emptyDevices: num("SCALE_EMPTY_DEVICES", 1000),
    devices: num("SCALE_DEVICES", 10000),
    rows: num("SCALE_ROWS", 1000000),
    active: num("SCALE_ACTIVE", 1000),
    seconds: num("SCALE_SECONDS", 10),
    rounds: num("SCALE_ROUNDS", 2),
    warmup: num("SCALE_WARMUP", 2),
    connections: num("SCALE_CONNECTIONS", 16),
    batch: num("SCALE_BATCH", 100000),
    buildMaxSeconds: num("SCALE_BUILD_MAX_SECONDS", 300),
    bodies: num("SCALE_BODIES", 40),
    skipMysql: process.env.SCALE_SKIP_MYSQL === "1"
};
const HOST = "127.0.0.1";
const MYSQL_FLOWS = path.join(backend.ROOT, "flows", "wsn-mysql.json");
const REQUEST_TIMEOUT_MS = 30000;
const ROW_SPACING_S = 30; // built rows are 30 s apart, all in the past
const ROW_EPOCH = 1700000000; // 2023-11-14T22:13:20Z
const ROW_EPOCH_SQL = "2023-11-14 22:13:20";


const log = (text) => process.stderr.write(`scale: ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms) => (ms / 1000).toFixed(1);

// --- devices, bodies and the pool the load draws from ---

const ID_WIDTH = Math.max(5, String(Math.max(CONFIG.devices, CONFIG.emptyDevices) - 1).length);
const deviceId = (i) => `SC${String(i).padStart(ID_WIDTH, "0")}`;
// One key per device index, the same in every run (each run has its own database).
const KEYS = Array.from({ length: Math.max(CONFIG.devices, CONFIG.emptyDevices) }, () => crypto.randomBytes(16).toString("hex").toUpperCase());
const provisioned = (count) => Array.from({ length: count }, (_, i) => ({ id: deviceId(i), key: KEYS[i] }));

/** SCALE_ACTIVE of `devices` chosen at random (a partial Fisher-Yates shuffle). */
function chooseActive(devices) {
    const all = devices.slice();
    const n = Math.min(CONFIG.active, all.length);
    for (let i = 0; i < n; i++) {
        const j = i + crypto.randomInt(all.length - i);
        [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, n);
}

/**
 * The active devices, each with its next SEQN (read from the database), and
 * its next bodies pre-built so that the client spends little CPU under load.
 * take() hands out a random device that has no request in flight.
 */
class DevicePool {
    constructor(devices, storedSeqns) {
        const started = Date.now();
        this.devices = devices.map((d) => {
            const next = (storedSeqns.get(d.id) || 0) + 1;
            const dev = { id: d.id, key: d.key, next, prebuiltFrom: next, prebuilt: [] };
            for (let i = 0; i < CONFIG.bodies; i++) { dev.prebuilt.push(this.build(dev, next + i)); }
            return dev;
        });
        this.free = this.devices.slice();
        this.onTheFly = 0;
        log(`${this.devices.length * CONFIG.bodies} request bodies for ${this.devices.length} devices in ${Date.now() - started} ms`);
    }
    build(dev, seqn) {
        return reference.requestBody(dev, "data", seqn, { data: { value: 300 + (seqn % 50) } });
    }
    take() {
        if (this.free.length === 0) { return null; }
        const i = crypto.randomInt(this.free.length);
        const dev = this.free[i];
        this.free[i] = this.free[this.free.length - 1];
        this.free.pop();
        return dev;
    }
    release(dev) { this.free.push(dev); }
    /** After a run: requests abandoned in flight (autocannon stops mid-request) free their devices. */
    reset() { this.free = this.devices.slice(); }
    /** The device's next message: { seqn, text, tag }. */
    next(dev) {
        const seqn = dev.next++;
        let body = dev.prebuilt[seqn - dev.prebuiltFrom];
        if (body) {
            dev.prebuilt[seqn - dev.prebuiltFrom] = undefined;
        } else {
            this.onTheFly += 1;
            body = this.build(dev, seqn);
        }
        return { seqn, text: body.text, tag: body.tag };
    }
}

// --- the processes' memory over a run (bench/lib/proc.js reads /proc) ---

/**
 * RSS of `pids` read every 250 ms while a timed run goes on (a measurement's
 * own clock, not a wait): stop() adds the samples to `into` (one list per
 * pid) on a time axis that continues from the last sample there, so that the
 * segments of one run make one series.
 */
function sampleRss(pids, into) {
    const started = Date.now();
    const series = pids.map(() => []);
    const read = () => pids.forEach((pid, i) => { try { series[i].push([(Date.now() - started) / 1000, rssBytes(pid)]); } catch (e) { /* gone */ } });
    read();
    const timer = setInterval(read, 250);
    return function stop() {
        clearInterval(timer);
        read();
        series.forEach(function (samples, i) {
            into[i] = into[i] || [];
            const offset = into[i].length ? into[i][into[i].length - 1][0] : 0;
            into[i].push(...samples.map(([t, b]) => [t + offset, b]));
        });
    };
}

/** {max, trend}: the highest RSS and the least-squares slope in MB per minute of a sample series. */
function rssSummary(samples) {
    if (!samples || samples.length < 2) { return { max: NaN, trend: NaN }; }
    const n = samples.length;
    const mt = samples.reduce((s, [t]) => s + t, 0) / n;
    const mb = samples.reduce((s, [, b]) => s + b, 0) / n;
    const cov = samples.reduce((s, [t, b]) => s + (t - mt) * (b - mb), 0);
    const vt = samples.reduce((s, [t]) => s + (t - mt) * (t - mt), 0);
    return { max: Math.max(...samples.map(([, b]) => b)), trend: vt > 0 ? (cov / vt) * 60 / 1048576 : NaN };
}

// Every Node-RED started here is stopped when this process ends, whatever ends it.
const running = new Set();
process.on("exit", function () { for (const child of running) { try { child.kill("SIGKILL"); } catch (e) { /* gone */ } } });
for (const signal of ["SIGINT", "SIGTERM"]) { process.on(signal, function () { process.exit(130); }); }

async function startNodeRed(options) {
    const server = await backend.startNodeRed(Object.assign({ logLevel: "error" }, options));
    running.add(server.child);
    server.child.once("exit", () => running.delete(server.child));
    return server;
}

// --- one sealed request, checked, outside the load ---

function postOnce(port, urlPath, text, agent) {
    return new Promise(function (resolve) {
        const started = process.hrtime.bigint();
        let done = false;
        const finish = (r) => { if (!done) { done = true; r.ms = Number(process.hrtime.bigint() - started) / 1e6; resolve(r); } };
        const req = http.request({
            host: HOST, port, path: urlPath, method: "POST", agent: agent || false,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) }
        }, function (res) {
            const chunks = [];
            res.setEncoding("utf8");
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => finish({ status: res.statusCode, text: chunks.join("") }));
            res.on("error", (err) => finish({ status: 0, text: "", error: err.code || err.message }));
        });
        req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
        req.on("error", (err) => finish({ status: 0, text: "", error: err.code || err.message }));
        req.end(text);
    });
}

/** True if `res` is a 200 whose sealed reply is the ack of `sent`. */
function isAck(dev, sent, res) {
    if (res.status !== 200) { return false; }
    try {
        const reply = reference.openReply(dev, res.text, sent.tag);
        return reply.kind === "ack" && reply.seqn === sent.seqn;
    } catch (e) {
        return false;
    }
}

/** A first message of one device, answered with its ack, before any load. */
async function checkOne(port, pool, dev, label) {
    const sent = pool.next(dev);
    const res = await postOnce(port, `/data/${dev.id}`, sent.text);
    if (!isAck(dev, sent, res)) { throw new Error(`${label}: POST /data/${dev.id} SEQN ${sent.seqn} answered ${res.status} ${res.text.slice(0, 200)}`); }
    return { id: dev.id, seqn: sent.seqn };
}

// --- load: autocannon (SQLite) ---

/** `raw`: the result unaggregated, for autocannon.aggregateResult over several segments. */
function autocannonLoad(port, duration, pool, tally, raw) {
    const request = {
        method: "POST",
        setupRequest: function (req, context) {
            const dev = pool.take();
            if (!dev) { throw new Error("no free device: SCALE_ACTIVE must exceed SCALE_CONNECTIONS"); }
            const sent = pool.next(dev);
            context.dev = dev;
            req.path = `/data/${dev.id}`;
            req.headers = { "content-type": "application/json" };
            req.body = sent.text;
            return req;
        },
        onResponse: function (status, body, context) {
            if (context.dev) { pool.release(context.dev); context.dev = undefined; }
            tally[status] = (tally[status] || 0) + 1;
            if (status !== 200 && tally.samples.length < 5) { tally.samples.push(`${status} ${String(body).slice(0, 120)}`); }
        }
    };
    return new Promise(function (resolve, reject) {
        autocannon({ url: `http://${HOST}:${port}`, connections: CONFIG.connections, pipelining: 1, duration, timeout: REQUEST_TIMEOUT_MS / 1000, requests: [request], skipAggregateResult: Boolean(raw) },
            function (err, result) {
                pool.reset();
                if (err) { reject(err); } else { resolve(result); }
            });
    });
}

// --- load: round robin over several instances, keep-alive (MariaDB) ---

function percentile(sorted, p) {
    if (sorted.length === 0) { return NaN; }
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * CONFIG.connections workers, each sending one request at a time for
 * `duration` seconds; request k goes to servers[k % servers.length]. Waits
 * for every request sent to be answered. Each 200 is opened: an ack of the
 * SEQN sent, or an error. Returns per-instance counts and latencies, and the
 * (device, SEQN) of every ack.
 */
async function roundRobinLoad(servers, duration, pool) {
    const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: CONFIG.connections }));
    const per = servers.map(() => ({ count: 0, errors: 0, latencies: [] }));
    const statuses = {};
    const samples = [];
    const acked = [];
    let turn = 0;
    const started = Date.now();
    const deadline = started + duration * 1000;
    async function worker() {
        while (Date.now() < deadline) {
            const dev = pool.take();
            if (!dev) { throw new Error("no free device: SCALE_ACTIVE must exceed SCALE_CONNECTIONS"); }
            const sent = pool.next(dev);
            const i = turn++ % servers.length;
            const res = await postOnce(servers[i].port, `/data/${dev.id}`, sent.text, agents[i]);
            pool.release(dev);
            const ok = isAck(dev, sent, res);
            const label = ok ? "200" : res.status === 200 ? "200 not an ack" : String(res.status || res.error);
            statuses[label] = (statuses[label] || 0) + 1;
            per[i].count += 1;
            per[i].latencies.push(res.ms);
            if (ok) {
                acked.push({ id: dev.id, seqn: sent.seqn });
            } else {
                per[i].errors += 1;
                if (samples.length < 5) { samples.push(`instance ${i + 1} ${dev.id} SEQN ${sent.seqn}: ${label} ${res.text.slice(0, 120)}`); }
            }
        }
    }
    try {
        await Promise.all(Array.from({ length: CONFIG.connections }, worker));
    } finally {
        agents.forEach((a) => a.destroy());
    }
    const elapsed = (Date.now() - started) / 1000;
    const summary = (list) => { const s = Float64Array.from(list).sort(); return { p50: percentile(s, 50), p99: percentile(s, 99) }; };
    return {
        elapsed, acked, statuses, samples,
        total: per.reduce((n, p) => n + p.count, 0),
        errors: per.reduce((n, p) => n + p.errors, 0),
        latency: summary([].concat(...per.map((p) => p.latencies))),
        per: per.map((p) => Object.assign({ count: p.count, errors: p.errors }, summary(p.latencies)))
    };
}

// --- SQLite ---

function sqlite3() { return require(path.join(backend.ROOT, "node_modules", "sqlite3")); }

function openSqlite(file) {
    return new Promise(function (resolve, reject) {
        const db = new (sqlite3().Database)(file, function (err) {
            if (err) { return reject(err); }
            db.configure("busyTimeout", 10000);
            const call = (method) => (sql, params) => new Promise((res, rej) => db[method](sql, params || [], function (e, r) { if (e) { rej(e); } else { res(method === "run" ? this : r); } }));
            resolve({ run: call("run"), all: call("all"), close: () => new Promise((res, rej) => db.close((e) => (e ? rej(e) : res()))) });
        });
    });
}

function checkDeadline(started, what) {
    if (Date.now() - started > CONFIG.buildMaxSeconds * 1000) {
        throw new Error(`${what}: the data-set build took more than SCALE_BUILD_MAX_SECONDS=${CONFIG.buildMaxSeconds} s; use a smaller SCALE_ROWS or a larger limit`);
    }
}

/**
 * The devices and `rows` Data rows in the database made by the harness
 * (schema flows/schema.sql): row i belongs to device i % devices, with SEQN
 * floor(i / devices) + 1, so each device's SEQNs are 1..n in time order; the
 * schema's trigger moves deviceSQN to each row's SEQN as it is inserted.
 * One transaction. Returns the build time in ms.
 */
async function buildSqlite(file, devices, rows) {
    const started = Date.now();
    const db = await openSqlite(file);
    try {
        await db.run("PRAGMA cache_size = -131072"); // this connection only: 128 MiB for the index inserts
        await db.run("BEGIN IMMEDIATE");
        await db.run("INSERT INTO Devices (deviceID, deviceKey, deviceSQN, deviceFormats) SELECT json_extract(value, '$.id'), json_extract(value, '$.key'), 0, 'auth' FROM json_each(?)",
            [JSON.stringify(devices)]);
        for (let start = 0; start < rows; start += CONFIG.batch) {
            checkDeadline(started, "SQLite");
            const end = Math.min(rows, start + CONFIG.batch);
            await db.run(`WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)
                SELECT printf('SC%0*d', ?, i % ?), strftime('%Y-%m-%dT%H:%M:%fZ', ? + i * ?, 'unixepoch'),
                       300 + i % 50, i / ? + 1, 0, '{"value":' || (300 + i % 50) || '}'
                FROM n`, [start, end, ID_WIDTH, devices.length, ROW_EPOCH, ROW_SPACING_S, devices.length]);
        }
        await db.run("COMMIT");
        const [check] = await db.all(`SELECT (SELECT COUNT(*) FROM Data) AS rows,
            (SELECT COUNT(*) FROM Devices d WHERE deviceSQN <> COALESCE((SELECT MAX(dataSEQN) FROM Data WHERE deviceID = d.deviceID), 0)) AS wrong`);
        if (check.rows !== rows || check.wrong !== 0) { throw new Error(`SQLite build: ${check.rows} rows (wanted ${rows}), ${check.wrong} devices whose deviceSQN is not their highest dataSEQN`); }
        await db.all("PRAGMA wal_checkpoint(TRUNCATE)");
    } finally {
        await db.close();
    }
    return Date.now() - started;
}

/** File size (database and -wal, after a checkpoint) per Data row, and the rows. */
async function sqliteBytesPerRow(file) {
    const db = await openSqlite(file);
    try {
        await db.all("PRAGMA wal_checkpoint(TRUNCATE)");
        const [{ n }] = await db.all("SELECT COUNT(*) AS n FROM Data");
        const size = ["", "-wal"].reduce((sum, s) => sum + (fs.existsSync(file + s) ? fs.statSync(file + s).size : 0), 0);
        return { rows: n, size, perRow: n ? size / n : NaN };
    } finally {
        await db.close();
    }
}

/**
 * One SQLite run made ready: its database built, its Node-RED started, one
 * message checked, the warm-up done. measure() adds one timed segment.
 */
async function prepareSqlite(label, deviceCount, rows) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-scale-sqlite-"));
    const run = { label, deviceCount, rows, dir, db: path.join(dir, "wsn.db"), server: null, segments: [], cpuMs: 0, answered200: 0, samples: [] };
    try {
        const devices = provisioned(deviceCount);
        // The harness's user directory and database (shipped schema, no devices); then the data set.
        await backend.prepareUserDir({ dir, db: run.db, install: "link" });
        run.buildMs = await buildSqlite(run.db, devices, rows);
        log(`${label}: ${deviceCount} devices, ${rows} Data rows built in ${seconds(run.buildMs)} s`);
        const stored = new Map((await backend.query(run.db, "SELECT deviceID, deviceSQN FROM Devices")).map((r) => [r.deviceID, r.deviceSQN]));
        run.pool = new DevicePool(chooseActive(devices), stored);
        run.server = await startNodeRed({ dir, db: run.db });
        await checkOne(run.server.port, run.pool, run.pool.devices[0], label);
        run.answered200 += 1;
        if (CONFIG.warmup > 0) {
            const tally = { samples: [] };
            await autocannonLoad(run.server.port, CONFIG.warmup, run.pool, tally);
            run.answered200 += tally[200] || 0;
            await sleep(300);
        }
        return run;
    } catch (err) {
        await finishSqlite(run).catch(() => {});
        throw err;
    }
}

async function measureSqlite(run, duration) {
    const pid = run.server.child.pid;
    if (run.rssStart === undefined) { run.rssStart = rssBytes(pid); }
    const before = cpuMs(pid);
    const tally = { samples: [] };
    run.rss = run.rss || [];
    const stopRss = sampleRss([pid], run.rss);
    const result = await autocannonLoad(run.server.port, duration, run.pool, tally, true);
    stopRss();
    run.cpuMs += cpuMs(pid) - before;
    run.rssEnd = rssBytes(pid);
    run.answered200 += tally[200] || 0;
    run.samples.push(...tally.samples);
    run.segments.push(result);
    log(`${run.label}: segment ${run.segments.length}: ${Math.round(result.totalCompletedRequests / result.duration)} req/s`);
    // Let the requests autocannon abandoned in flight finish before the next segment.
    await sleep(300);
}

/** Stops the run's Node-RED, measures the database, removes the directory; the run's row of the table. */
async function finishSqlite(run) {
    try {
        if (run.server) { await run.server.stop("SIGTERM"); run.server = null; }
        if (run.segments.length === 0) { return null; }
        const bytes = await sqliteBytesPerRow(run.db);
        const result = autocannon.aggregateResult(run.segments, { url: `http://${HOST}:1`, connections: CONFIG.connections });
        const duration = run.segments.reduce((s, r) => s + r.duration, 0);
        const total = run.segments.reduce((s, r) => s + r.totalCompletedRequests, 0);
        const errors = result.errors + result.timeouts + result.non2xx;
        log(`${run.label}: rows added ${bytes.rows - run.rows}, 200 answers ${run.answered200} (requests autocannon left in flight when it stopped may be stored unanswered); bodies made under load: ${run.pool.onTheFly}`);
        return {
            label: run.label, devices: run.deviceCount, rowsAtStart: run.rows, buildMs: run.buildMs,
            reqs: total / duration, p50: result.latency.p50, p99: result.latency.p99,
            segmentReqs: run.segments.map((r) => r.totalCompletedRequests / r.duration),
            errors, total, cpuPerReq: run.cpuMs / Math.max(1, total),
            rssStart: run.rssStart, rssEnd: run.rssEnd, rss: rssSummary(run.rss && run.rss[0]), bytesPerRow: bytes.perRow, dbBytes: bytes.size,
            problems: errors ? [`${run.label}: ${errors} errors (${Object.keys(result.statusCodeStats || {}).map((c) => `${c}x${result.statusCodeStats[c].count}`).join(" ")}; ${result.errors} connection errors, ${result.timeouts} timeouts) ${run.samples.join(" | ")}`] : []
        };
    } finally {
        if (run.server) { await run.server.stop("SIGTERM"); }
        fs.rmSync(run.dir, { recursive: true, force: true });
    }
}

/**
 * A and B, both up at once, timed in SCALE_ROUNDS interleaved segments (A B,
 * B A, A B, ...) of SCALE_SECONDS / SCALE_ROUNDS each, so that a change in
 * the machine's other load falls on both alike.
 */
async function runSqlite() {
    const runs = [];
    try {
        runs.push(await prepareSqlite("SQLite A empty", CONFIG.emptyDevices, 0));
        runs.push(await prepareSqlite("SQLite B full", CONFIG.devices, CONFIG.rows));
        const duration = CONFIG.seconds / CONFIG.rounds;
        for (let round = 0; round < CONFIG.rounds; round++) {
            for (const run of round % 2 === 0 ? runs : runs.slice().reverse()) { await measureSqlite(run, duration); }
        }
        const rows = [];
        while (runs.length) { rows.push(await finishSqlite(runs.shift())); }
        return rows;
    } finally {
        for (const run of runs) { await finishSqlite(run).catch(() => {}); }
    }
}

// --- MariaDB ---

function mysql2() { return require(path.join(backend.ROOT, "node_modules", "mysql2", "promise")); }

async function rootConnection(server, database) {
    return mysql2().createConnection({ socketPath: server.socket, user: "root", database, charset: "UTF8MB4", timezone: "Z" });
}

/**
 * The same data set in MariaDB (schema flows/schema-mysql.sql): devices in
 * multi-row INSERTs, Data rows as INSERT ... SELECT from the SEQUENCE engine
 * (multi-row INSERTs made here if the engine is missing), each batch its own
 * transaction; then each device's deviceSQN set to its highest dataSEQN.
 */
async function buildMysql(conn, devices, rows) {
    const started = Date.now();
    for (let i = 0; i < devices.length; i += 1000) {
        await conn.query("INSERT INTO Devices (deviceID, deviceKey, deviceSQN) VALUES ?", [devices.slice(i, i + 1000).map((d) => [d.id, d.key, 0])]);
    }
    const [engines] = await conn.query("SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'SEQUENCE'");
    const sequence = engines.length > 0 && ["YES", "DEFAULT"].includes(engines[0].SUPPORT);
    const n = devices.length;
    for (let start = 0; start < rows; start += CONFIG.batch) {
        checkDeadline(started, "MariaDB");
        const end = Math.min(rows, start + CONFIG.batch);
        if (sequence) {
            // The SEQUENCE engine's table is named by its bounds, and a table name
            // cannot be a parameter: two integers this function computed, checked.
            if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) { throw new Error("MariaDB build: bad batch bounds"); }
            await conn.query(`INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)
                SELECT CONCAT('SC', LPAD(seq % ?, ?, '0')), TIMESTAMPADD(SECOND, seq * ?, ?),
                       300 + seq % 50, seq DIV ? + 1, 0, CONCAT('{"value":', 300 + seq % 50, '}')
                FROM seq_${start}_to_${end - 1}`, [n, ID_WIDTH, ROW_SPACING_S, ROW_EPOCH_SQL, n]);
        } else {
            for (let s = start; s < end; s += 5000) {
                const values = [];
                for (let i = s; i < Math.min(end, s + 5000); i++) {
                    values.push([deviceId(i % n), new Date((ROW_EPOCH + i * ROW_SPACING_S) * 1000), 300 + (i % 50), Math.floor(i / n) + 1, 0, `{"value":${300 + (i % 50)}}`]);
                }
                await conn.query("INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON) VALUES ?", [values]);
            }
        }
    }
    await conn.query("UPDATE Devices d JOIN (SELECT deviceID, MAX(dataSEQN) AS m FROM Data GROUP BY deviceID) x ON x.deviceID = d.deviceID SET d.deviceSQN = x.m");
    const [[check]] = await conn.query(`SELECT (SELECT COUNT(*) FROM Data) AS \`rows\`,
        (SELECT COUNT(*) FROM Devices d WHERE deviceSQN <> COALESCE((SELECT MAX(dataSEQN) FROM Data WHERE deviceID = d.deviceID), 0)) AS wrong`);
    if (Number(check.rows) !== rows || Number(check.wrong) !== 0) { throw new Error(`MariaDB build: ${check.rows} rows (wanted ${rows}), ${check.wrong} devices whose deviceSQN is not their highest dataSEQN`); }
    return Date.now() - started;
}

async function waitForMysqlFlows(server, name) {
    const deadline = Date.now() + 30000;
    for (;;) {
        let status = 0;
        let text = "";
        try {
            const res = await fetch(`http://${HOST}:${server.port}/wsn/__probe__`);
            status = res.status;
            text = await res.text();
        } catch (e) { /* not yet */ }
        // 404 unknown_device: the flows have reached MariaDB; 500 until then.
        if (status === 404 && text.includes("unknown_device")) { return; }
        if (Date.now() > deadline) { throw new Error(`${name}: the flows did not reach MariaDB (GET /wsn/__probe__ answered ${status} ${text.slice(0, 120)})`); }
        await sleep(200);
    }
}

/**
 * Exactly-once, from the rows: the rows added since `maxIdBefore` are
 * exactly the acked (device, SEQN)s, each once; no (deviceID, dataSEQN) is
 * stored twice in the whole table; each device's deviceSQN is its highest
 * acked SEQN.
 */
async function exactlyOnce(conn, acked, rowsBefore, maxIdBefore) {
    const [[{ n }]] = await conn.query("SELECT COUNT(*) AS n FROM Data");
    const [added] = await conn.query("SELECT deviceID, dataSEQN FROM Data WHERE dataID > ?", [maxIdBefore]);
    const [dupes] = await conn.query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM Data GROUP BY deviceID, dataSEQN HAVING COUNT(*) > 1) d");
    const want = new Map();
    const highest = new Map();
    for (const a of acked) {
        const key = `${a.id}/${a.seqn}`;
        want.set(key, (want.get(key) || 0) + 1);
        highest.set(a.id, Math.max(highest.get(a.id) || 0, a.seqn));
    }
    const got = new Map();
    for (const r of added) { const key = `${r.deviceID}/${r.dataSEQN}`; got.set(key, (got.get(key) || 0) + 1); }
    let missing = 0; let twice = 0; let unacked = 0;
    for (const [key, count] of want) { if (count > 1) { twice += 1; } if (got.get(key) !== 1) { missing += 1; } }
    for (const [key, count] of got) { if (count > 1) { twice += 1; } if (!want.has(key)) { unacked += 1; } }
    let wrongSeqn = 0;
    const ids = [...highest.keys()];
    for (let i = 0; i < ids.length; i += 1000) {
        const [devs] = await conn.query("SELECT deviceID, deviceSQN FROM Devices WHERE deviceID IN (?)", [ids.slice(i, i + 1000)]);
        for (const d of devs) { if (Number(d.deviceSQN) !== highest.get(d.deviceID)) { wrongSeqn += 1; } }
    }
    const rowsAdded = Number(n) - rowsBefore;
    const ok = missing === 0 && twice === 0 && unacked === 0 && Number(dupes[0].n) === 0 && rowsAdded === acked.length && wrongSeqn === 0;
    return {
        ok,
        text: `${acked.length} acks (200), ${rowsAdded} rows added; acks without exactly one row: ${missing}; rows without an ack: ${unacked}; ` +
            `(device, SEQN) twice: ${twice} among the new rows, ${dupes[0].n} in the table; devices whose deviceSQN is not their last ack: ${wrongSeqn} => ${ok ? "OK" : "FAILED"}`
    };
}

async function runMysql(deviceCount, rows) {
    const mariadb = require("../scripts/lib/mariadb.js");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-scale-mysql-"));
    const servers = [];
    let db;
    let conn;
    try {
        let t = Date.now();
        db = await mariadb.start({ dir: path.join(dir, "mariadb") });
        const database = await db.createDatabase({});
        log(`MariaDB: server and schema in ${seconds(Date.now() - t)} s`);
        conn = await rootConnection(db, database.database);
        const devices = provisioned(deviceCount);
        const buildMs = await buildMysql(conn, devices, rows);
        log(`MariaDB: ${deviceCount} devices, ${rows} Data rows built in ${seconds(buildMs)} s`);
        const active = chooseActive(devices);
        const [stored] = await conn.query("SELECT deviceID, deviceSQN FROM Devices");
        const pool = new DevicePool(active, new Map(stored.map((r) => [r.deviceID, Number(r.deviceSQN)])));

        t = Date.now();
        for (const name of ["nr1", "nr2"]) {
            const userDir = path.join(dir, name);
            await backend.prepareUserDir({ dir: userDir, install: "link", flowsFile: MYSQL_FLOWS, extraModules: ["node-red-node-mysql"] });
            const server = await startNodeRed({ dir: userDir, env: database.env });
            servers.push(server);
            await waitForMysqlFlows(server, name);
        }
        log(`MariaDB: two Node-RED instances up in ${seconds(Date.now() - t)} s`);

        const [[before]] = await conn.query("SELECT COUNT(*) AS n, COALESCE(MAX(dataID), 0) AS maxId FROM Data");
        // One device's next two messages, one through each instance.
        const acked = [];
        const first = pool.devices[0];
        acked.push(await checkOne(servers[0].port, pool, first, "MariaDB instance 1"));
        acked.push(await checkOne(servers[1].port, pool, first, "MariaDB instance 2"));
        const problems = [];
        const note = (r, what) => { if (r.errors) { problems.push(`MariaDB ${what}: ${r.errors} errors (${Object.entries(r.statuses).map(([k, v]) => `${k}x${v}`).join(" ")}) ${r.samples.join(" | ")}`); } };
        if (CONFIG.warmup > 0) {
            const warm = await roundRobinLoad(servers, CONFIG.warmup, pool);
            acked.push(...warm.acked);
            note(warm, "warm-up");
        }
        const pids = servers.map((s) => s.child.pid);
        const rssStart = pids.map(rssBytes);
        const cpuBefore = pids.map(cpuMs);
        const dbCpuBefore = cpuMs(db.child.pid);
        const rssSeries = [];
        const stopRss = sampleRss(pids, rssSeries);
        const result = await roundRobinLoad(servers, CONFIG.seconds, pool);
        stopRss();
        const usedMs = pids.map((pid, i) => cpuMs(pid) - cpuBefore[i]);
        const dbCpuMs = cpuMs(db.child.pid) - dbCpuBefore;
        const rssEnd = pids.map(rssBytes);
        acked.push(...result.acked);
        note(result, "run");

        const check = await exactlyOnce(conn, acked, Number(before.n), Number(before.maxId));
        await conn.query("ANALYZE TABLE Data, Devices");
        const [[size]] = await conn.query("SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [database.database]);
        const [[count]] = await conn.query("SELECT COUNT(*) AS n FROM Data");
        const bytesPerRow = Number(size.bytes) / Number(count.n);
        log(`MariaDB: ${Math.round(result.total / result.elapsed)} req/s; bodies made under load: ${pool.onTheFly}`);

        const label = `MariaDB full, 2 instances`;
        const base = { devices: deviceCount, rowsAtStart: rows, buildMs };
        const lines = [Object.assign({}, base, {
            label, reqs: result.total / result.elapsed, p50: result.latency.p50, p99: result.latency.p99,
            errors: result.errors, total: result.total, cpuPerReq: (usedMs[0] + usedMs[1]) / Math.max(1, result.total),
            rssStart: rssStart[0] + rssStart[1], rssEnd: rssEnd[0] + rssEnd[1], bytesPerRow, dbBytes: Number(size.bytes),
            rss: { max: NaN, trend: rssSummary(rssSeries[0]).trend + rssSummary(rssSeries[1]).trend }
        })];
        result.per.forEach((p, i) => lines.push({
            label: `  instance ${i + 1}`, devices: "", rowsAtStart: "", buildMs: null,
            reqs: p.count / result.elapsed, p50: p.p50, p99: p.p99, errors: p.errors, total: p.count,
            cpuPerReq: usedMs[i] / Math.max(1, p.count), rssStart: rssStart[i], rssEnd: rssEnd[i], rss: rssSummary(rssSeries[i]), bytesPerRow: null
        }));
        if (!check.ok) { problems.push(`MariaDB exactly-once check failed: ${check.text}`); }
        return { lines, check, dbCpuPerReq: dbCpuMs / Math.max(1, result.total), problems };
    } finally {
        if (conn) { await conn.end().catch(() => {}); }
        for (const s of servers) { await s.stop("SIGTERM"); }
        if (db) { await db.stop(); }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

// --- the table ---

function table(rows) {
    const mb = (b) => (b / 1048576).toFixed(1);
    const ms = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : "-");
    const header = ["run", "devices", "rows at start", "build s", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req", "RSS start MB", "RSS end MB", "RSS max MB", "RSS trend MB/min", "DB bytes/row"];
    const num = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
    const lines = rows.map((r) => [
        r.label, String(r.devices), String(r.rowsAtStart), r.buildMs === null ? "" : seconds(r.buildMs),
        r.reqs.toFixed(0), ms(r.p50), ms(r.p99), `${r.errors}/${r.total}`, r.cpuPerReq.toFixed(3),
        mb(r.rssStart), mb(r.rssEnd), r.rss && Number.isFinite(r.rss.max) ? mb(r.rss.max) : "-", num(r.rss && r.rss.trend, 1), r.bytesPerRow === null ? "" : Number.isFinite(r.bytesPerRow) ? r.bytesPerRow.toFixed(0) : "-"
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cells) => "| " + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
    return [fmt(header), "|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|", ...lines.map(fmt)].join("\n");
}

async function main() {
    if (CONFIG.active <= CONFIG.connections) { throw new Error(`SCALE_ACTIVE (${CONFIG.active}) must exceed SCALE_CONNECTIONS (${CONFIG.connections})`); }
    if (CONFIG.emptyDevices <= CONFIG.connections || CONFIG.devices <= CONFIG.connections) { throw new Error("SCALE_EMPTY_DEVICES and SCALE_DEVICES must exceed SCALE_CONNECTIONS"); }
    if (CONFIG.batch < 1 || CONFIG.seconds < 1 || CONFIG.rounds < 1 || !Number.isInteger(CONFIG.rounds)) { throw new Error("SCALE_BATCH and SCALE_SECONDS must be at least 1, SCALE_ROUNDS a whole number >= 1"); }
    const started = Date.now();
    const load = os.loadavg()[0];
    const rows = [];
    const problems = [];
    const [a, b] = await runSqlite();
    rows.push(a, b);
    let mysql = null;
    if (!CONFIG.skipMysql) {
        mysql = await runMysql(CONFIG.devices, CONFIG.rows);
        rows.push(...mysql.lines);
    }
    for (const r of rows) { problems.push(...(r.problems || [])); }
    if (mysql) { problems.push(...mysql.problems); }

    console.log(`\nScale benchmark, Node-RED ${require("node-red/package.json").version}, Node ${process.version}, ${os.cpus().length} cores ` +
        `(load average ${load.toFixed(2)} at start), POST /data/:id (auth v2) from ${CONFIG.active} random devices, ` +
        `${CONFIG.connections} connections, ${CONFIG.warmup} s warm-up + ${CONFIG.seconds} s per run ` +
        `(SQLite A and B interleaved in ${CONFIG.rounds} rounds of ${(CONFIG.seconds / CONFIG.rounds).toFixed(1)} s)\n`);
    console.log(table(rows));
    console.log("\nRSS start: after the warm-up; end: after the timed run (MariaDB total: both instances); max and trend (least-squares slope) " +
        "from a reading every 250 ms through the timed run (a run's segments joined). " +
        "DB bytes/row: SQLite file incl. -wal after a checkpoint / Data rows; MariaDB data_length + index_length of the schema / Data rows.");
    console.log(`SQLite B/A: req/s ${(b.reqs / a.reqs).toFixed(2)} (target >= 0.9), p99 ${(b.p99 / a.p99).toFixed(2)} (target <= 1.5), ` +
        `CPU/req ${(b.cpuPerReq / a.cpuPerReq).toFixed(2)}, RSS end-start A ${((a.rssEnd - a.rssStart) / 1048576).toFixed(1)} MB, B ${((b.rssEnd - b.rssStart) / 1048576).toFixed(1)} MB; ` +
        `req/s per segment A ${a.segmentReqs.map((x) => x.toFixed(0)).join(", ")}, B ${b.segmentReqs.map((x) => x.toFixed(0)).join(", ")}`);
    if (mysql) {
        console.log(`MariaDB: mariadbd CPU ${mysql.dbCpuPerReq.toFixed(3)} ms/req; MariaDB full / SQLite full: req/s ${(mysql.lines[0].reqs / b.reqs).toFixed(2)}`);
        console.log(`MariaDB exactly-once: ${mysql.check.text}`);
    } else {
        console.log("MariaDB: skipped (SCALE_SKIP_MYSQL=1)");
    }
    console.log(`Total time ${seconds(Date.now() - started)} s`);
    if (problems.length) {
        for (const p of problems) { console.error(`scale: ${p}`); }
        process.exitCode = 1;
    }
}

main().catch(function (err) { console.error(`scale: ${err.stack || err.message}`); process.exit(1); });
