#!/usr/bin/env node
"use strict";
// `npm start`: a Node-RED on 127.0.0.1 (PORT, default 1880) with the shipped
// flows and the fleet dashboard (/dashboard/fleet), this checkout's nodes,
// a demo SQLite database holding the article's device 12FA, and three
// simulated devices sending data for an hour (scripts/lib/demo-devices.js;
// WSN_DEMO_INTERVAL_MS between messages, default 5000). Its user directory
// is .node-red-demo/ (WSN_DEMO_DIR puts it elsewhere: the tests run the
// demo in a temporary directory).
// `WSN_DB_KIND=mysql npm start`: the MySQL flows instead, on a private
// MariaDB (installed if missing, as root) whose data directory is
// .node-red-demo-mysql/mariadb/; stopped with Node-RED.
// `WSN_TRANSPORT=mqtt npm start`: the MQTT flows instead, on the same kind
// of SQLite database, with a private mosquitto (installed if missing, as
// root) on 127.0.0.1:WSN_MQTT_PORT (default 1883), its files in
// .node-red-demo-mqtt/broker/; stopped with Node-RED.

const path = require("path");
const backend = require("./lib/backend.js");
const wasm = require("../pkg/wsn_crypto.js");
const { withDatabase } = require("../bin/cli/sqlite.js");

// The article's device keeps the legacy formats, so that its curl commands
// work as written; a device provisioned with the CLI speaks only the
// authenticated format unless given --formats.
const DEMO_KEY = "2B7E151628AED2A6ABF7158809CF4F3C";
// The demo's key-encryption key: a published value, for this demo only (a
// real one comes from `wsn-crypto new-kek` and lives outside the repository).
// WSN_KEK set by the user wins.
const DEMO_KEK = "demo:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEK = process.env.WSN_KEK || DEMO_KEK;
// Stored wrapped: the database holds no plain key; the device keeps DEMO_KEY.
const DEMO_DEVICE = { id: "12FA", key: wasm.wrapKey(DEMO_KEY, "12FA", KEK), seqn: 0, formats: "passphrase,raw,auth" };

/** A demo database from before wrapped keys holds 12FA's key in plain: wrap it, in place. */
async function wrapDemoKey(db) {
    await withDatabase(db, "write", async function (handle) {
        await handle.run("UPDATE Devices SET deviceKey = ? WHERE deviceID = ? AND deviceKey = ?", [DEMO_DEVICE.key, DEMO_DEVICE.id, DEMO_KEY]);
    });
}

// The fleet dashboard beside the shipped flows (Dashboard 2, a devDependency here).
const DASHBOARD = { extraFlows: [path.join(backend.ROOT, "flows", "wsn-fleet-dashboard.json")], extraModules: ["@flowfuse/node-red-dashboard"] };

async function main() {
    const { SIMULATED, SILENT_AFTER_BY_DEVICE, startSimulation } = require("./lib/demo-devices.js");
    const dir = process.env.WSN_DEMO_DIR || path.join(backend.ROOT, ".node-red-demo");
    const db = path.join(dir, "wsn.db");
    const port = Number(process.env.PORT) || 1880;
    const simulated = SIMULATED.map((d) => ({ id: d.id, key: wasm.wrapKey(d.key, d.id, KEK), seqn: 0, formats: d.formats }));
    // Keep flows the user edited in the editor (the dashboard is added once); the database keeps its rows.
    await backend.prepareUserDir(Object.assign({ dir, db, install: "link", devices: [DEMO_DEVICE].concat(simulated), freshFlows: false }, DASHBOARD));
    await wrapDemoKey(db);
    console.log(`demo: database ${db} (device ${DEMO_DEVICE.id} and the simulated ${SIMULATED.map((d) => d.id).join(", ")}, keys stored wrapped), user directory ${dir}`);
    if (KEK === DEMO_KEK) { console.log("demo: key-encryption key WSN_KEK = the published demo KEK (scripts/demo.js): for this demo only"); }
    const env = { WSN_KEK: KEK, WSN_SILENT_AFTER_BY_DEVICE: process.env.WSN_SILENT_AFTER_BY_DEVICE || JSON.stringify(SILENT_AFTER_BY_DEVICE) };
    const server = await backend.startNodeRed({ dir, db, port, inherit: true, logLevel: "info", env });
    console.log(`demo: Node-RED is up: editor http://127.0.0.1:${server.port}/admin/  fleet dashboard http://127.0.0.1:${server.port}/dashboard/fleet  try: curl http://127.0.0.1:${server.port}/wsn/12FA`);
    const intervalMs = Number(process.env.WSN_DEMO_INTERVAL_MS) || 5000;
    const simulation = startSimulation({ port: server.port, db, kek: KEK, intervalMs });
    console.log(`demo: ${SIMULATED.map((d) => d.id).join(", ")} send data for an hour (the CLI's send, one message every ${intervalMs / 1000} s)`);
    const stop = function () { simulation.stop(); server.stop("SIGTERM").then(function () { process.exit(0); }); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    server.child.on("exit", function (code) { process.exit(code || 0); });
}

/**
 * Runs until Ctrl-C or SIGTERM, then stops Node-RED and the server it
 * needs (`service`: MariaDB, mosquitto), in that order; if Node-RED exits
 * by itself, stops the service too.
 */
function serveUntilStopped(server, service) {
    const stop = function () { server.stop("SIGTERM").then(() => service.stop()).then(function () { process.exit(0); }); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    server.child.on("exit", function (code) { service.stop().then(function () { process.exit(code || 0); }); });
}

async function mysqlDemo() {
    const mariadb = require("./lib/mariadb.js");
    const dir = path.join(backend.ROOT, ".node-red-demo-mysql");
    const port = Number(process.env.PORT) || 1880;
    const db = await mariadb.start({ dir: path.join(dir, "mariadb") });
    try {
        const database = await db.createDatabase({ database: "wsn", devices: [DEMO_DEVICE] });
        await backend.prepareUserDir({
            dir, install: "link", flowsFile: path.join(backend.ROOT, "flows", "wsn-mysql.json"), freshFlows: false,
            extraFlows: [path.join(backend.ROOT, "flows", "wsn-fleet-dashboard-mysql.json")], extraModules: ["node-red-node-mysql", "@flowfuse/node-red-dashboard"]
        });
        console.log(`demo: MariaDB on 127.0.0.1:${db.port} (database wsn, device ${DEMO_DEVICE.id}; as root: mariadb --socket=${db.socket} wsn), user directory ${dir}`);
        const server = await backend.startNodeRed({ dir, port, inherit: true, logLevel: "info", env: Object.assign({ WSN_KEK: KEK }, database.env) });
        console.log(`demo: Node-RED is up: editor http://127.0.0.1:${server.port}/admin/  fleet dashboard http://127.0.0.1:${server.port}/dashboard/fleet-mysql  try: curl http://127.0.0.1:${server.port}/wsn/12FA`);
        serveUntilStopped(server, db);
    } catch (err) {
        await db.stop();
        throw err;
    }
}

// The demo device's broker password: published, as the demo KEY is; a real
// device gets a random one (wsn-crypto provision --mqtt prints the lines).
const DEMO_MQTT_PASSWORD = "demo-12FA";

async function mqttDemo() {
    const crypto = require("crypto");
    const mosquitto = require("./lib/mosquitto.js");
    const dir = process.env.WSN_DEMO_DIR || path.join(backend.ROOT, ".node-red-demo-mqtt");
    const db = path.join(dir, "wsn.db");
    const port = Number(process.env.PORT) || 1880;
    // The backend's password is made anew at each start: only Node-RED needs it.
    const backendPassword = crypto.randomBytes(18).toString("base64url");
    const broker = await mosquitto.start({
        dir: path.join(dir, "broker"), port: Number(process.env.WSN_MQTT_PORT) || 1883,
        users: { "wsn-backend": backendPassword, [DEMO_DEVICE.id]: DEMO_MQTT_PASSWORD }
    });
    try {
        await backend.prepareUserDir(Object.assign({ dir, db, install: "link", devices: [DEMO_DEVICE], freshFlows: false, flowsFile: path.join(backend.ROOT, "flows", "wsn-mqtt-sqlite.json") }, DASHBOARD));
        await wrapDemoKey(db);
        console.log(`demo: mosquitto on ${broker.url} (users wsn-backend and ${DEMO_DEVICE.id}, ACL flows/mosquitto/acl), database ${db}, user directory ${dir}`);
        const env = { WSN_KEK: KEK, WSN_MQTT_URL: broker.url, WSN_MQTT_USER: "wsn-backend", WSN_MQTT_PASSWORD: backendPassword };
        const server = await backend.startNodeRed({ dir, db, port, inherit: true, logLevel: "info", env });
        console.log(`demo: Node-RED is up: editor http://127.0.0.1:${server.port}/admin/  fleet dashboard http://127.0.0.1:${server.port}/dashboard/fleet  try: WSN_MQTT_PASSWORD=${DEMO_MQTT_PASSWORD} ` +
            `WSN_KEY=${DEMO_KEY} npx wsn-crypto send --mqtt ${broker.url} --id ${DEMO_DEVICE.id} --format passphrase 300`);
        serveUntilStopped(server, broker);
    } catch (err) {
        await broker.stop();
        throw err;
    }
}

const DEMOS = { sqlite: main, mysql: mysqlDemo, mqtt: mqttDemo };
(DEMOS[process.env.WSN_TRANSPORT === "mqtt" ? "mqtt" : process.env.WSN_DB_KIND === "mysql" ? "mysql" : "sqlite"]())
    .catch(function (err) { console.error(`demo: ${err.message}`); process.exit(1); });
