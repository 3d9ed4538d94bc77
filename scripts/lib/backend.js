"use strict";
// Sets up and runs a Node-RED backend with the shipped flows and an SQLite
// database: used by `npm start` (scripts/demo.js), the end-to-end tests and
// the load benchmark, so that all three run the same thing.

const fs = require("fs");
const path = require("path");
const net = require("net");
const http = require("http");
const { spawn, execFileSync } = require("child_process");

const ROOT = path.join(__dirname, "..", "..");
const PACKAGE_NAME = require(path.join(ROOT, "package.json")).name;
const SCHEMA = fs.readFileSync(path.join(ROOT, "flows", "schema.sql"), "utf8");
const FLOWS = path.join(ROOT, "flows", "wsn-sqlite.json");

const settings = (extra) => `// Written by wsn-crypto's scripts/lib/backend.js.
// Express shows stack traces (with file paths) in error pages unless this is
// "production"; it is read when Node-RED creates its apps, after this file.
process.env.NODE_ENV = process.env.NODE_ENV || "production";
const limits = require("${PACKAGE_NAME}/node-red/http-limits.js");
// startNodeRed() waits for this message: HTTP In nodes add their routes one by
// one while the flows start, so one route answering does not mean all do.
if (process.send) {
    try {
        const path = require("path");
        const util = require(require.resolve("@node-red/util", { paths: [path.dirname(require.main.filename)] }));
        // The starter may be gone by a later deploy: never let a send fail loudly.
        util.events.on("flows:started", function () {
            if (process.connected) { process.send({ wsn: "flows-started" }, function () {}); }
        });
    } catch (err) {
        process.send({ wsn: "no-events", reason: err.message });
    }
}
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: Number(process.env.PORT) || 1880,
    // The editor's own JSON parser would otherwise read device requests first
    // and answer malformed ones with an HTML stack trace.
    httpAdminRoot: "/admin",
    flowFile: "flows.json",
    // Device endpoints: 413 above 16 KiB before reading further, 400 for a body that is not JSON.
    httpNodeMiddleware: limits({ limit: Number(process.env.WSN_MAX_BODY) || 16384 }),
    logging: { console: { level: process.env.WSN_LOG_LEVEL || "info", metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
${extra || ""}
};
`;

function sqlite3() {
    return require(path.join(ROOT, "node_modules", "sqlite3"));
}

// Columns added since the first schema: CREATE TABLE IF NOT EXISTS does not
// add them to a database made before, so they are added here.
const UPGRADES = [
    // A database from before per-device formats: its devices spoke every
    // format and keep doing so; devices added later get the schema's default.
    ["Devices", "deviceFormats", "TEXT NOT NULL DEFAULT 'auth'", "UPDATE Devices SET deviceFormats = 'passphrase,raw,auth'"],
    ["Data", "dataLost", "INTEGER NOT NULL DEFAULT 0"]
];

function run(db, sql, params) {
    return new Promise(function (resolve, reject) {
        db.all(sql, params || [], function (err, rows) { if (err) { reject(err); } else { resolve(rows); } });
    });
}

function exec(db, sql) {
    return new Promise(function (resolve, reject) { db.exec(sql, function (err) { if (err) { reject(err); } else { resolve(); } }); });
}

/**
 * Brings a database to the shipped schema: first adds the columns an older
 * database's tables lack (the schema's indexes and triggers need them), then
 * runs the idempotent schema, which creates what is missing.
 */
async function upgradeSchema(db) {
    const tables = (await run(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name);
    for (const [table, column, declaration, fill] of UPGRADES) {
        if (!tables.includes(table)) { continue; }
        const columns = (await run(db, `PRAGMA table_info(${table})`)).map((r) => r.name);
        if (!columns.includes(column)) {
            await run(db, `ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
            if (fill) { await run(db, fill); }
        }
    }
    await exec(db, SCHEMA);
}

/**
 * Runs the idempotent schema (upgrading an older database) and adds the given
 * devices unless present. `schema` replaces the shipped one (the benchmark's
 * copy of the article's tables).
 */
async function createDatabase(file, devices, schema) {
    const sqlite = sqlite3();
    const db = new sqlite.Database(file);
    try {
        if (schema) {
            await exec(db, schema);
        } else {
            await upgradeSchema(db);
        }
        for (const d of devices || []) {
            await run(db, "INSERT OR IGNORE INTO Devices (deviceID, deviceKey, deviceSQN) VALUES (?, ?, ?)", [d.id, d.key, d.seqn || 0]);
            if (d.formats !== undefined) { await run(db, "UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [d.formats, d.id]); }
        }
    } finally {
        await new Promise(function (resolve) { db.close(function () { resolve(); }); });
    }
}

function once(file, mode, sql, params) {
    const sqlite = sqlite3();
    return new Promise(function (resolve, reject) {
        const db = new sqlite.Database(file, sqlite[mode]);
        db.all(sql, params || [], function (err, rows) {
            db.close();
            if (err) { reject(err); } else { resolve(rows); }
        });
    });
}

/** Runs one query on the database file, read-only (tests and the demo's checks). */
function query(file, sql, params) {
    return once(file, "OPEN_READONLY", sql, params);
}

/** Runs one writing statement on the database file, as an operator would by hand (tests). */
function write(file, sql, params) {
    return once(file, "OPEN_READWRITE", sql, params);
}

function link(target, linkPath) {
    fs.mkdirSync(path.dirname(linkPath), { recursive: true });
    try { fs.rmSync(linkPath, { recursive: true, force: true }); } catch (e) { /* absent */ }
    fs.symlinkSync(target, linkPath, "dir");
}

/** `npm pack` of this repository; returns the tarball path (pkg/ must be built). */
function packTarball(destination) {
    fs.mkdirSync(destination, { recursive: true });
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", destination], { cwd: ROOT, encoding: "utf8" });
    return path.join(destination, out.trim().split("\n").pop());
}

/**
 * Credentials written inline in a flows file (the MySQL flows' user and
 * password, as ${ENV} references) go where Node-RED reads them at start,
 * as the editor's import would put them: Node-RED ignores them in flows.json.
 * Written unencrypted; Node-RED encrypts the file when it next saves it.
 */
function writeCredentials(flowFile, credFile) {
    const credentials = {};
    for (const node of JSON.parse(fs.readFileSync(flowFile, "utf8"))) {
        if (node.credentials) { credentials[node.id] = node.credentials; }
    }
    if (Object.keys(credentials).length > 0) {
        fs.writeFileSync(credFile, JSON.stringify(credentials, null, 2) + "\n");
    }
}

/**
 * A Node-RED user directory with settings, the flows, the database and the
 * nodes. `install: "link"` links this checkout (the demo: edits show on
 * restart); `install: <tarball>` installs a packed package as a user would.
 * node-red-node-sqlite is linked from this checkout, which compiled sqlite3.
 * For benchmarks: `flowsFile`, `schema` (SQL), `extraSettings` (more
 * settings.js properties) and `extraModules` (packages of this checkout to
 * link into the user directory) replace or add to the shipped set-up.
 * Without `db` no SQLite database is made (flows on another database).
 */
async function prepareUserDir(options) {
    const dir = options.dir;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "settings.js"), settings(options.extraSettings));
    const flowFile = path.join(dir, "flows.json");
    if (options.freshFlows !== false || !fs.existsSync(flowFile)) {
        fs.copyFileSync(options.flowsFile || FLOWS, flowFile);
        writeCredentials(flowFile, path.join(dir, "flows_cred.json"));
    }
    if (!fs.existsSync(path.join(dir, "package.json"))) {
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "wsn-backend", private: true }, null, 2) + "\n");
    }
    for (const name of ["node-red-node-sqlite"].concat(options.extraModules || [])) {
        link(path.join(ROOT, "node_modules", name), path.join(dir, "node_modules", name));
    }
    const installed = path.join(dir, "node_modules", ...PACKAGE_NAME.split("/"));
    if (options.install === "link" || !options.install) {
        link(ROOT, installed);
    } else {
        fs.rmSync(installed, { recursive: true, force: true });
        fs.mkdirSync(installed, { recursive: true });
        execFileSync("tar", ["-xzf", options.install, "-C", installed, "--strip-components=1"]);
    }
    // No `db`: the flows use another database (the MySQL flows), set up by the caller.
    if (options.db) { await createDatabase(options.db, options.devices, options.schema); }
    return dir;
}

function freePort() {
    return new Promise(function (resolve, reject) {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", function () {
            const port = server.address().port;
            server.close(function () { resolve(port); });
        });
    });
}

function get(port, urlPath) {
    return new Promise(function (resolve) {
        const req = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 1000 }, function (res) {
            res.resume();
            res.on("end", function () { resolve(res.statusCode); });
        });
        req.on("error", function () { resolve(0); });
        req.on("timeout", function () { req.destroy(); resolve(0); });
    });
}

/**
 * Starts Node-RED on 127.0.0.1:port and resolves once every flow has started
 * (empty flows too) and the server answers.
 * `nodeBinary` and `redJs` run another Node.js and Node-RED than this
 * checkout's (the Node-RED 5 on Node 22 test); both default to this one's.
 * Returns { port, child, log(), nextFlowsStart(), stop(signal) }.
 */
async function startNodeRed(options) {
    const port = options.port || await freePort();
    const env = Object.assign({}, process.env, {
        PORT: String(port),
        WSN_DB: options.db,
        WSN_LOG_LEVEL: options.logLevel || "warn",
        NODE_ENV: "production",
        NODE_RED_ENABLE_PROJECTS: "false"
    }, options.env || {});
    const nodeBin = options.nodeBinary || process.execPath;
    const red = options.redJs || path.join(ROOT, "node_modules", "node-red", "red.js");
    const child = spawn(nodeBin, [red, "-u", options.dir, "-p", String(port)], {
        env, stdio: (options.inherit ? ["inherit", "inherit", "inherit"] : ["ignore", "pipe", "pipe"]).concat(["ipc"])
    });
    let output = "";
    if (!options.inherit) {
        child.stdout.on("data", function (d) { output += d; });
        child.stderr.on("data", function (d) { output += d; });
    }
    let exited = false;
    let flowsStarted = false;
    let noEvents = null;
    let waiting = [];
    child.on("exit", function () { exited = true; });
    child.on("message", function (m) {
        if (m && m.wsn === "flows-started") {
            flowsStarted = true;
            waiting.forEach((resolve) => resolve());
            waiting = [];
        }
        if (m && m.wsn === "no-events") { noEvents = m.reason; }
    });
    // Only readiness travels on this channel; it must not keep this process alive.
    child.channel.unref();

    const deadline = Date.now() + (options.timeoutMs || 60000);
    // Ready once every flow has started and the HTTP server answers: Node-RED may
    // start its flows before or after it listens.
    for (;;) {
        if (exited) { throw new Error(`Node-RED exited during start:\n${output}`); }
        if (noEvents) { child.kill("SIGKILL"); throw new Error(`settings.js could not watch the flows start: ${noEvents}`); }
        if (flowsStarted) {
            // A path no flow routes: only the server answers it, and no flow logs it.
            const status = await get(port, "/__ready__");
            if (status !== 0) { break; }
        }
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`Node-RED did not start in time${flowsStarted ? "" : " (its flows never started)"}:\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }

    return {
        port,
        child,
        log: function () { return output; },
        // Resolves when the flows next finish starting (after a deploy through the admin API).
        nextFlowsStart: function () { return new Promise(function (resolve) { waiting.push(resolve); }); },
        stop: function (signal) {
            return new Promise(function (resolve) {
                if (exited) { return resolve(); }
                child.once("exit", function () { resolve(); });
                child.kill(signal || "SIGTERM");
                setTimeout(function () { if (!exited) { child.kill("SIGKILL"); } }, 10000).unref();
            });
        }
    };
}

module.exports = { ROOT, PACKAGE_NAME, createDatabase, query, write, prepareUserDir, packTarball, startNodeRed, freePort };
