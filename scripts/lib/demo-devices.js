"use strict";
// The demo's simulated devices (npm start): three devices that send data to
// the demo backend for an hour, each by running the CLI's `send` as a user
// would, so that the fleet dashboard has something to show:
//   SIM-1  the authenticated format, a temperature every 5 s;
//   SIM-2  the authenticated format, a humidity every 5 s, skipping 3 SEQNs
//          every 30 messages (the dashboard's lost messages and their gaps);
//   SIM-3  a legacy device (passphrase), three messages, then silent (the
//          dashboard's silence alert after 60 s).
// Their keys are published, as the demo device's is: for this demo only.

const path = require("path");
const crypto = require("crypto");
const { spawn } = require("child_process");
const { ROOT } = require("./paths.js");
const { query } = require("./sqlite-database.js");

/** A published demo key, the same at every start (the database keeps it, wrapped). */
const demoKey = (id) => crypto.createHash("sha256").update(`wsn-crypto demo device ${id}`).digest("hex").slice(0, 32).toUpperCase();

const SIMULATED = [
    { id: "SIM-1", formats: "auth", format: "auth", values: Array.from({ length: 24 }, (_, i) => Math.round((21 + 2.5 * Math.sin(i / 24 * 2 * Math.PI)) * 10) / 10) },
    { id: "SIM-2", formats: "auth", format: "auth", gap: 3, values: Array.from({ length: 30 }, (_, i) => 55 + (i % 10) - (i % 7)) },
    { id: "SIM-3", formats: "passphrase,auth", format: "passphrase", count: 3, values: [7.5, 7.75, 8] }
].map((d) => Object.assign({ key: demoKey(d.id) }, d));

/** How long SIM-3 may stay silent before the dashboard says so (seconds). */
const SILENT_AFTER_BY_DEVICE = { "SIM-3": 60 };

/**
 * Starts the simulated devices against the backend on `port`, their keys
 * read from `db` (wrapped under `kek`). Each sends one message every
 * `intervalMs` for an hour at most (SIM-3: three). Returns { stop() }.
 */
function startSimulation({ port, db, kek, intervalMs = 5000, log = console.log }) {
    const children = new Set();
    let stopped = false;
    const rounds = Math.ceil(3600 * 1000 / intervalMs / 30);

    /** One run of `send`; resolves when it ends. */
    function send(d, args) {
        return new Promise(function (resolve) {
            const child = spawn(process.execPath, [path.join(ROOT, "bin", "wsn-crypto.js"), "send", "--db", db, "--id", d.id, "--format", d.format,
                "--url", `http://127.0.0.1:${port}`, "--interval", String(intervalMs)].concat(args, d.values.map(String)),
            { env: Object.assign({}, process.env, { WSN_KEK: kek }), stdio: ["ignore", "ignore", "pipe"] });
            children.add(child);
            let errors = "";
            child.stderr.on("data", (text) => { errors += text; });
            child.on("exit", function (code) {
                children.delete(child);
                if (code !== 0 && !stopped) { log(`demo: ${d.id}: send ended with status ${code}: ${errors.trim().split("\n").pop()}`); }
                resolve(code);
            });
        });
    }

    async function run(d) {
        if (d.count) { await send(d, ["--count", String(d.count)]); return; }
        for (let round = 0; round < rounds && !stopped; round++) {
            // Every round after the first skips `gap` SEQNs: messages the backend counts as lost.
            const [row] = await query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [d.id]);
            const start = row.deviceSQN + 1 + (round > 0 && d.gap ? d.gap : 0);
            if (await send(d, ["--count", "30", "--start", String(start)]) !== 0) { return; }
        }
    }

    for (const d of SIMULATED) { run(d).catch((err) => log(`demo: ${d.id}: ${err.message}`)); }
    return {
        stop() {
            stopped = true;
            for (const child of children) { child.kill("SIGTERM"); }
        }
    };
}

module.exports = { SIMULATED, SILENT_AFTER_BY_DEVICE, startSimulation };
