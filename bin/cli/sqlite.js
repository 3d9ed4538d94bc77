"use strict";
// SQLite through the sqlite3 package, found at run time: this package does
// not depend on it, but every Node-RED that runs the flows has it (through
// node-red-node-sqlite), usually in ~/.node-red/node_modules.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { PACKAGE_ROOT } = require("./core.js");
const { CliError } = require("./errors.js");

function searchPaths(databaseFile) {
    return [...new Set([
        process.cwd(),
        path.dirname(path.resolve(databaseFile)),
        path.join(os.homedir(), ".node-red"),
        PACKAGE_ROOT
    ])];
}

function loadSqlite3(databaseFile) {
    const paths = searchPaths(databaseFile);
    let resolved;
    try {
        resolved = require.resolve("sqlite3", { paths });
    } catch (error) {
        throw new CliError([
            "the sqlite3 package was not found; wsn-crypto uses the one Node-RED's node-red-node-sqlite installs.",
            `  Looked from: ${paths.join(", ")}`,
            "  Either run wsn-crypto from your Node-RED user directory (cd ~/.node-red),",
            "  or install it in the current directory: npm install sqlite3"
        ].join("\n"));
    }
    try {
        return require(resolved);
    } catch (error) {
        throw new CliError(`the sqlite3 package at ${resolved} does not load with this Node.js ${process.version} (${error.message.split("\n")[0]}); reinstall it there: npm rebuild sqlite3`);
    }
}

/**
 * Opens the database file: mode "create" makes it if missing, "write" and
 * "read" refuse a missing file (a typo in --db must not create an empty one).
 * Returns promise-returning run/get/all/exec/close.
 */
function openDatabase(file, mode) {
    if (mode !== "create" && !fs.existsSync(file)) {
        throw new CliError(`there is no database at ${file} (wsn-crypto init --db ${file} creates one, as does provisioning a device)`);
    }
    const sqlite3 = loadSqlite3(file);
    const flags = mode === "read" ? sqlite3.OPEN_READONLY
        : sqlite3.OPEN_READWRITE | (mode === "create" ? sqlite3.OPEN_CREATE : 0);
    return new Promise(function (resolve, reject) {
        const db = new sqlite3.Database(file, flags, function (error) {
            if (error) {
                return reject(new CliError(`cannot open the database ${file}: ${error.message}`));
            }
            // Node-RED may be writing to the same file.
            db.configure("busyTimeout", 5000);
            resolve(wrap(db));
        });
    });
}

function wrap(db) {
    function call(method, sql, params) {
        return new Promise(function (resolve, reject) {
            db[method](sql, params || [], function (error, result) {
                if (error) { return reject(error); }
                // For run(), sqlite3 reports changes and lastID on `this`.
                resolve(method === "run" ? { changes: this.changes, lastID: this.lastID } : result);
            });
        });
    }
    const exec = (sql) => new Promise(function (resolve, reject) {
        db.exec(sql, (error) => error ? reject(error) : resolve());
    });
    return {
        kind: "sqlite",
        // SQLite locks the whole file in a write transaction: no row locks to ask for.
        forUpdate: "",
        run: (sql, params) => call("run", sql, params),
        get: (sql, params) => call("get", sql, params),
        all: (sql, params) => call("all", sql, params),
        exec,
        // IMMEDIATE: the write lock from the start, so no other writer slips in between the read and the writes.
        begin: () => exec("BEGIN IMMEDIATE"),
        commit: () => exec("COMMIT"),
        rollback: () => exec("ROLLBACK"),
        close: () => new Promise(function (resolve, reject) {
            db.close((error) => error ? reject(error) : resolve());
        })
    };
}

/** Runs `work(db)` on the opened database and always closes it. */
async function withDatabase(file, mode, work) {
    const created = mode === "create" && !fs.existsSync(file);
    const db = await openDatabase(file, mode);
    try {
        // A new database holds device keys: readable by its owner only (SQLite
        // gives its -wal and -shm files the same mode).
        if (created) { fs.chmodSync(file, 0o600); }
        // What this connection overwrites or deletes (a rotated key, a removed
        // device, a key replaced by its wrapping) is zeroed, not left in free space.
        if (mode !== "read") { await db.exec("PRAGMA secure_delete = ON"); }
        return await work(db);
    } finally {
        await db.close();
    }
}

module.exports = { withDatabase };
