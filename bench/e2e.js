#!/usr/bin/env node
"use strict";
// Backend load benchmark (`npm run bench:e2e`): the original CryptoJS flows
// (a), this package's flows (b), a no-crypto ceiling (c), the package's flows
// with devices in the authenticated format (d), and (d) with every device key
// stored wrapped under a key-encryption key (e), each in its own
// Node-RED of the same version, one after another, under the same autocannon
// load on 127.0.0.1: GET /wsn/:id and POST /data/:id with fresh SEQNs; and
// (f), (d)'s devices over MQTT (flows/wsn-mqtt-sqlite.json, a private
// mosquitto), the same requests published by one MQTT client per device.
// Prints req/s, latency p50/p99, errors, Node-RED CPU per request and peak
// RSS, and the ratios (b)/(a), (b)/(c), (d)/(b), (e)/(d) and (f)/(d). Bounded: BENCH_SECONDS per run
// (default 10) and BENCH_CONNECTIONS connections (default 16). BENCH_VARIANTS=b,d
// runs only those; BENCH_CPU_PROFILE=DIR writes a CPU profile of each Node-RED there.

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const autocannon = require("autocannon");
const backend = require("../scripts/lib/backend.js");
const device = require("../tests/js/helpers/device.js");
const reference = require("../tests/js/helpers/auth-reference.js");
const flows = require("./flows.js");
const { cpuMs, peakRssBytes } = require("./lib/proc.js");
const mqttLoad = require("./lib/mqtt-load.js");
const mosquitto = require("../scripts/lib/mosquitto.js");
const wasm = require("../pkg/wsn_crypto.js");

const SECONDS = Number(process.env.BENCH_SECONDS) || 10;
const WARMUP_SECONDS = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS) || 16;
// Enough fresh SEQNs per device for the fastest variant's whole run.
const BODIES_PER_DEVICE = Number(process.env.BENCH_BODIES) || 6000;

const DEVICES = Array.from({ length: CONNECTIONS }, function (_, i) {
    return { id: `BENCH${String(i).padStart(2, "0")}`, key: crypto.randomBytes(16).toString("hex").toUpperCase(), seqn: 0, formats: "passphrase,raw,auth" };
});
// A KEK for the wrapped-keys run, made fresh: nothing of it is kept.
const BENCH_KEK = `bench:${crypto.randomBytes(32).toString("hex")}`;
const CHECK = { id: "CHECK", key: crypto.randomBytes(16).toString("hex").toUpperCase(), seqn: 0, formats: "passphrase,raw,auth" };

const dataMessage = (seqn) => JSON.stringify({ data: { value: 300 + (seqn % 50) }, SEQN: seqn });
// Requests are made with crypto-js (the tests' device helper), the original
// clients' library, so that the client is the same for (a) and (b) and
// independent of the module measured.
const passphraseBody = device.passphraseBody;
const openPassphrase = (text, key) => device.openEnvelope(device.passphraseDecrypt(text, key));

// The authenticated format (v2), made by the tests' independent node:crypto
// implementation. Its SEQN query is a sealed POST /wsn/:id, measured in the
// GET row's place; the data bodies carry their SEQN in the header.
const authBody = (text, key, dev) => reference.requestBody(dev, "data", JSON.parse(text).SEQN, JSON.parse(text)).text;
const authQuery = (dev) => reference.requestBody(dev, "query", 0, {});

const VARIANTS = [
    { name: "a", label: "(a) original CryptoJS flows", flows: flows.original, schema: flows.ORIGINAL_SCHEMA, settings: flows.ORIGINAL_SETTINGS, modules: ["crypto-js"], body: passphraseBody, open: openPassphrase },
    { name: "b", label: "(b) wsn-crypto flows", flows: null, body: passphraseBody, open: openPassphrase },
    { name: "c", label: "(c) ceiling, no crypto", flows: flows.ceiling, body: (message) => message, open: (text) => JSON.parse(text) },
    { name: "d", label: "(d) wsn-crypto flows, auth v2", flows: null, body: authBody, query: authQuery },
    // (d) with every key stored wrapped under a KEK (keys at rest): the cost of the unwrap in each request's call.
    { name: "e", label: "(e) auth v2, keys wrapped", flows: null, body: authBody, query: authQuery, kek: BENCH_KEK },
    // (d) over MQTT: the same bodies, published on wsn/<id>/up, answered on wsn/<id>/down.
    { name: "f", label: "(f) auth v2 over MQTT", flows: null, flowsFile: path.join(backend.ROOT, "flows", "wsn-mqtt-sqlite.json"), body: authBody, query: authQuery, mqtt: true }
];


// Variants with the same client share one set of bodies: each variant has a
// fresh database, so the same SEQNs are fresh again.
const bodySets = new Map();

function bodiesFor(variant) {
    if (bodySets.has(variant.body)) { return bodySets.get(variant.body); }
    const started = Date.now();
    const bodies = new Map();
    for (const dev of DEVICES) {
        const list = new Array(BODIES_PER_DEVICE);
        for (let i = 0; i < BODIES_PER_DEVICE; i++) { list[i] = variant.body(dataMessage(i + 1), dev.key, dev); }
        bodies.set(dev.id, list);
    }
    process.stderr.write(`bench: ${variant.label}: ${DEVICES.length * BODIES_PER_DEVICE} request bodies in ${Date.now() - started} ms\n`);
    bodySets.set(variant.body, bodies);
    return bodies;
}

function load(port, endpoint, seconds, state) {
    let assigned = 0;
    const query = state.queries && { method: "POST", setupRequest: function (req, context) {
        if (context.device === undefined) { context.device = DEVICES[assigned++ % DEVICES.length]; }
        req.path = `/wsn/${context.device.id}`;
        req.headers = { "content-type": "application/json" };
        req.body = state.queries.get(context.device.id);
        return req;
    } };
    const request = endpoint === "get"
        ? query || { method: "GET", setupRequest: function (req, context) {
            if (context.device === undefined) { context.device = DEVICES[assigned++ % DEVICES.length]; }
            req.path = `/wsn/${context.device.id}`;
            return req;
        } }
        : { method: "POST", setupRequest: function (req, context) {
            if (context.device === undefined) { context.device = DEVICES[assigned++ % DEVICES.length]; }
            const list = state.bodies.get(context.device.id);
            const next = state.sent.get(context.device.id) || 0;
            state.sent.set(context.device.id, next + 1);
            req.path = `/data/${context.device.id}`;
            req.headers = { "content-type": "application/json" };
            req.body = list[Math.min(next, list.length - 1)];
            return req;
        } };
    return new Promise(function (resolve, reject) {
        autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, pipelining: 1, duration: seconds, requests: [request] },
            function (err, result) { if (err) { reject(err); } else { resolve(result); } });
    });
}

/** Every variant must answer correctly before it is timed. */
async function check(port, variant) {
    if (variant.query) { return checkAuth(port, variant); }
    const key = CHECK.key;
    const get = await fetch(`http://127.0.0.1:${port}/wsn/${CHECK.id}`);
    const seqn = variant.open(await get.text(), key).SEQN;
    if (get.status !== 200 || seqn !== 0) { throw new Error(`${variant.label}: GET answered ${get.status}, SEQN ${seqn}`); }
    const post = await fetch(`http://127.0.0.1:${port}/data/${CHECK.id}`, { method: "POST", headers: { "content-type": "application/json" }, body: variant.body(dataMessage(1), key) });
    const ack = variant.open(await post.text(), key);
    if (post.status !== 200 || ack.SEQN !== 1) { throw new Error(`${variant.label}: POST answered ${post.status}, ack ${JSON.stringify(ack)}`); }
}

/** The same for the authenticated format: each reply opened bound to its request. */
async function checkAuth(port, variant) {
    const post = async (url, sent) => {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: sent.text });
        return { status: res.status, reply: reference.openReply(CHECK, await res.text(), sent.tag) };
    };
    const query = await post(`/wsn/${CHECK.id}`, variant.query(CHECK));
    if (query.status !== 200 || query.reply.kind !== "seqn" || query.reply.seqn !== 0) { throw new Error(`${variant.label}: query answered ${query.status}, ${JSON.stringify(query.reply)}`); }
    const data = await post(`/data/${CHECK.id}`, reference.requestBody(CHECK, "data", 1, JSON.parse(dataMessage(1))));
    if (data.status !== 200 || data.reply.kind !== "ack" || data.reply.seqn !== 1) { throw new Error(`${variant.label}: POST answered ${data.status}, ${JSON.stringify(data.reply)}`); }
}

/** (f): a SEQN query and a data message over MQTT, each answer opened bound to its request. */
async function checkMqtt({ dev, client }, variant) {
    const ask = (sent) => new Promise(function (resolve, reject) {
        const timer = setTimeout(() => reject(new Error(`${variant.label}: no answer on wsn/${dev.id}/down`)), 10000);
        client.once("message", function (topic, payload) { clearTimeout(timer); resolve(reference.openReply(dev, payload.toString("utf8"), sent.tag)); });
        client.publish(`wsn/${dev.id}/up`, sent.text, { qos: 1 });
    });
    const query = await ask(variant.query(dev));
    if (query.kind !== "seqn" || query.seqn !== 0) { throw new Error(`${variant.label}: query answered ${JSON.stringify(query)}`); }
    const data = await ask(reference.requestBody(dev, "data", 1, JSON.parse(dataMessage(1))));
    if (data.kind !== "ack" || data.seqn !== 1) { throw new Error(`${variant.label}: data answered ${JSON.stringify(data)}`); }
}

/** (f)'s load: the SEQN query (the "get" row) or data messages with fresh SEQNs. */
function mqttRun(clients, endpoint, seconds, state) {
    const nextBody = endpoint === "get"
        ? (dev) => state.queries.get(dev.id)
        : function (dev) {
            const list = state.bodies.get(dev.id);
            const next = state.sent.get(dev.id) || 0;
            state.sent.set(dev.id, next + 1);
            return list[Math.min(next, list.length - 1)];
        };
    return mqttLoad.run(clients, seconds, nextBody, 10000);
}

/** The devices of a run; the original article's schema has no formats column. */
function devicesFor(variant) {
    const all = DEVICES.concat([CHECK]);
    if (variant.kek) { return all.map((d) => Object.assign({}, d, { key: wasm.wrapKey(d.key, d.id, variant.kek) })); }
    return variant.schema ? all.map((d) => ({ id: d.id, key: d.key, seqn: d.seqn })) : all;
}

async function runVariant(variant, work) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `wsn-bench-${variant.name}-`));
    const db = path.join(dir, "wsn.db");
    let flowsFile = variant.flowsFile;
    if (variant.flows) {
        flowsFile = path.join(dir, "variant-flows.json");
        fs.writeFileSync(flowsFile, JSON.stringify(variant.flows(), null, 1));
    }
    await backend.prepareUserDir({ dir, db, install: "link", flowsFile, schema: variant.schema, extraSettings: variant.settings, extraModules: variant.modules, devices: devicesFor(variant) });
    // BENCH_CPU_PROFILE=DIR: a CPU profile of each Node-RED (bench/lib/cpu-profile.js), none of this process.
    const env = Object.assign(variant.kek ? { WSN_KEK: variant.kek } : {},
        process.env.BENCH_CPU_PROFILE ? { NODE_OPTIONS: `--require ${path.join(__dirname, "lib", "cpu-profile.js")}` } : {});
    let broker = null;
    if (variant.mqtt) {
        const users = { "wsn-backend": crypto.randomBytes(12).toString("hex") };
        for (const dev of DEVICES.concat([CHECK])) { dev.mqttPassword = dev.mqttPassword || crypto.randomBytes(12).toString("hex"); users[dev.id] = dev.mqttPassword; }
        broker = await mosquitto.start({ dir: path.join(dir, "broker"), users });
        Object.assign(env, { WSN_MQTT_URL: broker.url, WSN_MQTT_USER: "wsn-backend", WSN_MQTT_PASSWORD: users["wsn-backend"] });
    }
    const server = await backend.startNodeRed({ dir, db, logLevel: "error", env });
    const rows = [];
    let clients = null;
    try {
        if (variant.mqtt) {
            clients = await mqttLoad.connectAll(broker.url, DEVICES.concat([CHECK]));
            await checkMqtt(clients.pop(), variant);
        } else {
            await check(server.port, variant);
        }
        const state = { bodies: bodiesFor(variant), sent: new Map() };
        if (variant.query) { state.queries = new Map(DEVICES.map((dev) => [dev.id, variant.query(dev).text])); }
        const timed = (endpoint, seconds) => (clients ? mqttRun(clients, endpoint, seconds, state) : load(server.port, endpoint, seconds, state));
        for (const endpoint of ["get", "post"]) {
            await timed(endpoint, WARMUP_SECONDS);
            const before = cpuMs(server.child.pid);
            const result = await timed(endpoint, SECONDS);
            const usedMs = cpuMs(server.child.pid) - before;
            rows.push({
                variant: variant.name, label: variant.label, endpoint: endpoint === "get" ? (variant.query ? "SEQN query" : "GET /wsn/:id") : "POST /data/:id",
                reqs: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
                errors: result.errors + result.timeouts + result.non2xx, total: result.requests.total,
                statuses: result.statusCodeStats === undefined ? `error answers ${result.non2xx}, timeouts ${result.timeouts}` : Object.keys(result.statusCodeStats).map((code) => `${code}×${result.statusCodeStats[code].count}`).join(" "),
                cpuPerReq: usedMs / Math.max(1, result.requests.total)
            });
            process.stderr.write(`bench: ${variant.label} ${endpoint}: ${Math.round(result.requests.average)} req/s\n`);
        }
        const maxSent = Math.max(...state.sent.values());
        if (maxSent > BODIES_PER_DEVICE) { process.stderr.write(`bench: warning: ran out of fresh SEQNs (${maxSent} > ${BODIES_PER_DEVICE}); raise BENCH_BODIES\n`); }
        const rss = peakRssBytes(server.child.pid);
        for (const row of rows) { row.rss = rss; }
    } finally {
        if (clients) { await mqttLoad.closeAll(clients); }
        await server.stop("SIGTERM");
        if (broker) { await broker.stop(); }
        fs.rmSync(dir, { recursive: true, force: true });
    }
    work.push(...rows);
}

function table(rows) {
    const header = ["flows", "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req", "peak RSS MB"];
    const lines = rows.map((r) => [r.label, r.endpoint, r.reqs.toFixed(0), String(r.p50), String(r.p99), `${r.errors}/${r.total}`, r.cpuPerReq.toFixed(3), (r.rss / 1048576).toFixed(1)]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const fmt = (cells) => "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
    return [fmt(header), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...lines.map(fmt)].join("\n");
}

async function main() {
    const rows = [];
    // BENCH_VARIANTS=b,d,e runs only those (the ratios that need a missing run are left out).
    const only = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(",") : null;
    for (const variant of VARIANTS.filter((v) => !only || only.includes(v.name))) { await runVariant(variant, rows); }
    console.log(`\nBackend load, Node-RED ${require("node-red/package.json").version}, Node ${process.version}, ${os.cpus().length} cores, ${CONNECTIONS} connections, ${SECONDS} s per run\n`);
    console.log(table(rows));
    console.log("");
    for (const [endpoint, authEndpoint] of [["GET /wsn/:id", "SEQN query"], ["POST /data/:id", "POST /data/:id"]]) {
        const get = (v, e) => rows.find((r) => r.variant === v && r.endpoint === e);
        const [a, b, c] = ["a", "b", "c"].map((v) => get(v, endpoint));
        const [d, e, f] = ["d", "e", "f"].map((v) => get(v, authEndpoint));
        const parts = [];
        if (a && b) { parts.push(`(b)/(a) = ${(b.reqs / a.reqs).toFixed(2)}x req/s, CPU/req (b)/(a) = ${(b.cpuPerReq / a.cpuPerReq).toFixed(2)}`); }
        if (b && c) { parts.push(`(b)/(c) = ${(b.reqs / c.reqs).toFixed(2)} of the ceiling`); }
        if (b && d) { parts.push(`auth v2 (${authEndpoint}) (d)/(b) = ${(d.reqs / b.reqs).toFixed(2)}x req/s`); }
        if (a && d) { parts.push(`CPU/req (d)/(a) = ${(d.cpuPerReq / a.cpuPerReq).toFixed(2)}`); }
        if (d && e) { parts.push(`keys wrapped (e)/(d) = ${(e.reqs / d.reqs).toFixed(2)}x req/s, CPU/req ${e.cpuPerReq >= d.cpuPerReq ? "+" : "-"}${(Math.abs(e.cpuPerReq - d.cpuPerReq) * 1000).toFixed(0)} µs`); }
        if (d && f) { parts.push(`over MQTT (f)/(d) = ${(f.reqs / d.reqs).toFixed(2)}x req/s, p99 ${f.p99} against ${d.p99} ms, CPU/req (f)/(d) = ${(f.cpuPerReq / d.cpuPerReq).toFixed(2)}`); }
        console.log(`${endpoint}: ${parts.join("; ")}`);
    }
    const errors = rows.filter((r) => r.errors > 0);
    if (errors.length) {
        console.error(`bench: ${errors.length} runs had errors: ${errors.map((r) => `${r.label} ${r.endpoint}: ${r.statuses}`).join("; ")}`);
        process.exitCode = 1;
    }
}

main().catch(function (err) { console.error(`bench: ${err.stack || err.message}`); process.exit(1); });
