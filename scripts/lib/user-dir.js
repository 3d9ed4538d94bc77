"use strict";
// A Node-RED user directory as the harness runs it: settings, the flows (and
// their credentials), this package (linked or installed from a tarball),
// node-red-node-sqlite, and the SQLite database.

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { ROOT, PACKAGE_NAME, SQLITE_FLOWS } = require("./paths.js");
const { settingsFile } = require("./settings-file.js");
const { createDatabase } = require("./sqlite-database.js");

function link(target, linkPath) {
    fs.mkdirSync(path.dirname(linkPath), { recursive: true });
    try { fs.rmSync(linkPath, { recursive: true, force: true }); } catch (e) { /* absent */ }
    fs.symlinkSync(target, linkPath, "dir");
}

/**
 * Credentials written inline in a flows file (the MySQL flows' user and
 * password, as ${ENV} references) go where Node-RED reads them at start,
 * as the editor's import would put them: Node-RED ignores them in flows.json.
 * Written unencrypted; Node-RED encrypts the file when it next saves it.
 */
/** The inline credentials of `nodes`, by node id. */
function credentialsOf(nodes) {
    return Object.fromEntries(nodes.filter((n) => n.credentials).map((n) => [n.id, n.credentials]));
}

function writeCredentials(flowFile, credFile) {
    const credentials = credentialsOf(JSON.parse(fs.readFileSync(flowFile, "utf8")));
    if (Object.keys(credentials).length > 0) {
        fs.writeFileSync(credFile, JSON.stringify(credentials, null, 2) + "\n");
    }
}

/** Adds the inline credentials of the nodes `nodes` to the unencrypted credentials file (extra flows). */
function addCredentials(nodes, credFile) {
    const added = credentialsOf(nodes);
    if (Object.keys(added).length === 0) { return; }
    const credentials = fs.existsSync(credFile) ? JSON.parse(fs.readFileSync(credFile, "utf8")) : {};
    // Node-RED encrypted it when it last saved: only the editor can add to it now.
    if (credentials.$) {
        console.warn(`${credFile} is encrypted: give ${Object.keys(added).join(", ")} their credentials in the editor`);
        return;
    }
    fs.writeFileSync(credFile, JSON.stringify(Object.assign(credentials, added), null, 2) + "\n");
}

/**
 * A Node-RED user directory with settings, the flows, the database and the
 * nodes. `install: "link"` links this checkout (the demo: edits show on
 * restart); `install: <tarball>` unpacks a packed package where npm would.
 * node-red-node-sqlite is linked from this checkout, which compiled sqlite3.
 * `extraFlows` are flows files added beside the flows (the fleet dashboard).
 * For benchmarks: `flowsFile`, `schema` (SQL), `extraSettings` (more
 * settings.js properties) and `extraModules` (packages of this checkout to
 * link into the user directory) replace or add to the shipped set-up.
 * Without `db` no SQLite database is made (flows on another database).
 */
async function prepareUserDir(options) {
    const dir = options.dir;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "settings.js"), settingsFile(options.extraSettings));
    const flowFile = path.join(dir, "flows.json");
    if (options.freshFlows !== false || !fs.existsSync(flowFile)) {
        fs.copyFileSync(options.flowsFile || SQLITE_FLOWS, flowFile);
        writeCredentials(flowFile, path.join(dir, "flows_cred.json"));
    }
    // More flows beside them (the fleet dashboard), each added once: a flows
    // file the user edited keeps their edits, and gains what it lacks.
    for (const extra of options.extraFlows || []) {
        const flows = JSON.parse(fs.readFileSync(flowFile, "utf8"));
        const have = new Set(flows.map((n) => n.id));
        const added = JSON.parse(fs.readFileSync(extra, "utf8"));
        if (!added.some((n) => have.has(n.id))) {
            fs.writeFileSync(flowFile, JSON.stringify(flows.concat(added), null, 2) + "\n");
            addCredentials(added, path.join(dir, "flows_cred.json"));
        }
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

module.exports = { prepareUserDir };
