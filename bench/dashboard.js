#!/usr/bin/env node
"use strict";
// Fleet dashboard benchmark (`npm run bench:dashboard`): what the dashboard
// flow costs the Node-RED it runs in. Four Node-RED processes, one after the
// other, each on a database of its own on 127.0.0.1:
//   A "flows, 10 devices"                 the shipped SQLite flows alone (the baseline)
//   B "flows + dashboard, 10 devices"     the same, with examples/wsn-fleet-dashboard.json
//   C "flows, 10,000 devices"             the baseline on DASH_DEVICES devices and DASH_ROWS Data rows
//   D "flows + dashboard, 10,000 devices" the dashboard on that data set
// For each: Node-RED's CPU (ms per second, from /proc) idle and while
// DASH_RATE data messages a second arrive (the authenticated format, made by
// the tests' independent implementation, from 100 devices), its resident
// memory at the end, and for the dashboard the time from the flows' start to
// the first table the dashboard holds (the start-up statement). No browser is
// open: this is the server's share. Numbers only: nothing is asserted.
//
// Environment: DASH_SECONDS (15 per measurement), DASH_RATE (100 messages/s),
// DASH_DEVICES (10,000), DASH_ROWS (1,000,000).

const fs = require("fs");
const os = require("os");
const http = require("http");
const path = require("path");
const backend = require("../scripts/lib/backend.js");
const reference = require("../tests/js/helpers/auth-reference.js");
const { request } = require("../tests/js/helpers/http.js");
const { cpuMs, rssBytes } = require("./lib/proc.js");

const SECONDS = Number(process.env.DASH_SECONDS) || 15;
const RATE = Number(process.env.DASH_RATE) || 100;
const DEVICES = Number(process.env.DASH_DEVICES) || 10000;
const ROWS = Number(process.env.DASH_ROWS) || 1000000;
const DASHBOARD = path.join(backend.ROOT, "flows", "wsn-fleet-dashboard.json");
const TABLE = JSON.parse(fs.readFileSync(DASHBOARD, "utf8")).find((n) => n.type === "ui-table").id;
const KEY = "000102030405060708090A0B0C0D0E0F";
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function post(port, urlPath, text) {
    return new Promise(function (resolve) {
        const req = http.request({ host: "127.0.0.1", port, path: urlPath, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } }, function (res) {
            res.resume();
            res.on("end", () => resolve(res.statusCode));
        });
        req.on("error", () => resolve(0));
        req.end(text);
    });
}

/** The data set: `devices` devices B0000..., `rows` Data rows spread over them (SQL alone; the trigger sets each SEQN). */
async function buildData(db, devices, rows) {
    await backend.write(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) " +
        "INSERT INTO Devices (deviceID, deviceKey) SELECT printf('B%05d', i), ? FROM n", [devices - 1, KEY]);
    if (rows > 0) {
        await backend.write(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) " +
            "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON) " +
            "SELECT printf('B%05d', i % ?), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ? - i / ?)), i % 50, i / ? + 1, 0, '{\"value\":1}' FROM n",
        [rows - 1, devices, rows, 10, devices]);
    }
}

/** DASH_RATE data messages a second for `seconds`, round robin over the first 100 devices, each in SEQN order. */
async function load(port, seconds, seqns) {
    const ids = Object.keys(seqns).slice(0, 100);
    const interval = 1000 / RATE;
    const started = Date.now();
    let sent = 0;
    let ok = 0;
    const inFlight = new Map();
    while (Date.now() - started < seconds * 1000) {
        const id = ids[sent % ids.length];
        sent += 1;
        // A device's next message waits for its previous answer: SEQNs arrive in order.
        await (inFlight.get(id) || Promise.resolve());
        seqns[id] += 1;
        const body = reference.requestBody({ id, key: KEY }, "data", seqns[id], { data: { value: sent % 50 } }).text;
        inFlight.set(id, post(port, `/data/${id}`, body).then((status) => { if (status === 200) { ok += 1; } }));
        const due = started + sent * interval;
        if (due > Date.now()) { await new Promise((r) => setTimeout(r, due - Date.now())); }
    }
    await Promise.all(inFlight.values());
    return { sent, ok };
}

async function run(label, options) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-bench-dash-"));
    const db = path.join(dir, "wsn.db");
    try {
        await backend.prepareUserDir({ dir: path.join(dir, "userdir"), db, install: "link", extraFlows: options.dashboard ? [DASHBOARD] : [], extraModules: ["@flowfuse/node-red-dashboard"] });
        await buildData(db, options.devices, options.rows);
        const seqns = {};
        for (const row of await backend.query(db, "SELECT deviceID, deviceSQN FROM Devices ORDER BY deviceID LIMIT 100")) { seqns[row.deviceID] = row.deviceSQN; }
        const server = await backend.startNodeRed({ dir: path.join(dir, "userdir"), db, logLevel: "error" });
        const result = { label };
        try {
            const started = Date.now();
            if (options.dashboard) {
                for (;;) {
                    const res = await request(server.port, "GET", `/dashboard/_debug/datastore/${TABLE}`);
                    if (res.status === 200 && res.text && Array.isArray((JSON.parse(res.text) || {}).payload)) { break; }
                    if (Date.now() - started > 120000) { throw new Error(`${label}: the dashboard's table never came`); }
                    await new Promise((r) => setTimeout(r, 20));
                }
                result.firstTable = Date.now() - started;
            }
            // Settle, then idle.
            await new Promise((r) => setTimeout(r, 2000));
            let cpu = cpuMs(server.child.pid);
            await new Promise((r) => setTimeout(r, SECONDS * 1000));
            result.idle = (cpuMs(server.child.pid) - cpu) / SECONDS;
            cpu = cpuMs(server.child.pid);
            const t = Date.now();
            const sent = await load(server.port, SECONDS, seqns);
            result.loaded = (cpuMs(server.child.pid) - cpu) / ((Date.now() - t) / 1000);
            result.rate = sent.ok / ((Date.now() - t) / 1000);
            result.failed = sent.sent - sent.ok;
            result.rss = rssBytes(server.child.pid);
        } finally {
            await server.stop();
        }
        return result;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function main() {
    const rows = [
        await run("A flows, 10 devices", { devices: 10, rows: 0 }),
        await run("B flows + dashboard, 10 devices", { devices: 10, rows: 0, dashboard: true }),
        await run(`C flows, ${DEVICES} devices, ${ROWS} rows`, { devices: DEVICES, rows: ROWS }),
        await run(`D flows + dashboard, ${DEVICES} devices, ${ROWS} rows`, { devices: DEVICES, rows: ROWS, dashboard: true })
    ];
    const pad = (s, n) => String(s).padStart(n);
    console.log(`\nNode-RED CPU and memory, ${SECONDS} s per measurement, load ${RATE} data messages/s (machine: ${os.cpus().length} × ${os.cpus()[0].model})`);
    console.log(`${"run".padEnd(52)}${pad("idle ms/s", 11)}${pad("loaded ms/s", 13)}${pad("acked/s", 9)}${pad("failed", 8)}${pad("RSS MB", 8)}${pad("first table ms", 16)}`);
    for (const r of rows) {
        console.log(`${r.label.padEnd(52)}${pad(r.idle.toFixed(1), 11)}${pad(r.loaded.toFixed(1), 13)}${pad(r.rate.toFixed(0), 9)}${pad(r.failed, 8)}${pad((r.rss / 1048576).toFixed(0), 8)}${pad(r.firstTable === undefined ? "-" : r.firstTable, 16)}`);
    }
    const [a, b, c, d] = rows;
    console.log(`\ndashboard's share (B − A, D − C): idle ${(b.idle - a.idle).toFixed(1)} and ${(d.idle - c.idle).toFixed(1)} ms/s; loaded ${(b.loaded - a.loaded).toFixed(1)} and ${(d.loaded - c.loaded).toFixed(1)} ms/s; RSS ${((b.rss - a.rss) / 1048576).toFixed(0)} and ${((d.rss - c.rss) / 1048576).toFixed(0)} MB`);
}

main().catch(function (err) { console.error(err); process.exit(1); });
