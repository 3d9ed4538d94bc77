"use strict";
// MariaDB/MySQL through mysql2, the driver node-red-node-mysql installs,
// found at run time as bin/cli/sqlite.js finds sqlite3: this package does
// not depend on it, but a Node-RED that runs the MySQL flows has it. The
// handle it gives has the same promise-returning run/get/all/exec as the
// SQLite one, so bin/cli/keys-at-rest.js and bin/cli/devices.js serve both.
// Every query has `?` placeholders: nothing of a user or a row is ever
// written into SQL text.

const os = require("os");
const path = require("path");
const { PACKAGE_ROOT } = require("./core.js");
const { CliError, usageError } = require("./errors.js");

const URL_ENV = "WSN_MYSQL_URL";

function searchPaths() {
    return [...new Set([process.cwd(), path.join(os.homedir(), ".node-red"), PACKAGE_ROOT])];
}

/** mysql2/promise from where Node-RED has it: beside node-red-node-mysql, or hoisted. */
function loadMysql2() {
    const paths = searchPaths();
    const candidates = [];
    try {
        // npm may keep it under node-red-node-mysql rather than hoist it.
        candidates.push(path.dirname(require.resolve("node-red-node-mysql/package.json", { paths })));
    } catch (e) { /* not there: the hoisted copy, if any */ }
    let resolved;
    for (const from of candidates.concat(paths)) {
        try {
            resolved = require.resolve("mysql2/promise", { paths: [from] });
            break;
        } catch (e) { /* next */ }
    }
    if (!resolved) {
        throw new CliError([
            "the mysql2 package was not found; wsn-crypto uses the one Node-RED's node-red-node-mysql installs.",
            `  Looked from: ${paths.join(", ")}`,
            "  Either run wsn-crypto from your Node-RED user directory (cd ~/.node-red),",
            "  or install it in the current directory: npm install mysql2"
        ].join("\n"));
    }
    return require(resolved);
}

/**
 * The connection settings of a mysql://user:password@host:port/database URL
 * (user and password percent-encoded). Messages name the part that is wrong,
 * never the URL: it may hold the password.
 */
function parseUrl(text, where) {
    let url;
    try {
        url = new URL(text);
    } catch (e) {
        throw usageError(`${where} is not a URL: it must be mysql://USER:PASSWORD@HOST:PORT/DATABASE`);
    }
    if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
        throw usageError(`${where} must be a mysql:// URL (mysql://USER:PASSWORD@HOST:PORT/DATABASE)`);
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (!url.hostname || !url.username || !database || database.includes("/")) {
        throw usageError(`${where} needs a user, a host and a database: mysql://USER:PASSWORD@HOST:PORT/DATABASE`);
    }
    return {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port ? Number(url.port) : 3306,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database
    };
}

/**
 * The MySQL target of a command: --mysql URL, else WSN_MYSQL_URL (which
 * keeps the password out of the shell history and `ps`). Undefined when
 * neither is given. `values.db` given too: usage error.
 */
function mysqlTarget(values) {
    if (values.mysql !== undefined && values.db !== undefined) {
        throw usageError("give either --db FILE or --mysql URL, not both");
    }
    if (values.mysql !== undefined) { return parseUrl(values.mysql, "--mysql"); }
    if (values.db === undefined && process.env[URL_ENV]) { return parseUrl(process.env[URL_ENV], URL_ENV); }
    return undefined;
}

/** Where the target is, for messages: never the password. */
function describeTarget(target) {
    return `mysql://${target.user}@${target.host}:${target.port}/${target.database}`;
}

function wrap(conn) {
    return {
        kind: "mysql",
        // Row locks for a read inside a transaction: InnoDB's plain SELECT does not take them.
        forUpdate: " FOR UPDATE",
        run: async function (sql, params) {
            const [result] = await conn.execute(sql, params || []);
            return { changes: result.affectedRows, lastID: result.insertId };
        },
        get: async function (sql, params) {
            const [rows] = await conn.execute(sql, params || []);
            return rows[0];
        },
        all: async function (sql, params) {
            const [rows] = await conn.execute(sql, params || []);
            return rows;
        },
        exec: (sql) => conn.query(sql).then(() => undefined),
        begin: () => conn.query("START TRANSACTION").then(() => undefined),
        commit: () => conn.query("COMMIT").then(() => undefined),
        rollback: () => conn.query("ROLLBACK").then(() => undefined),
        close: () => conn.end()
    };
}

/** Runs `work(db)` on a connection to `target` and always closes it. */
async function withMysql(target, work) {
    const mysql = loadMysql2();
    let conn;
    try {
        conn = await mysql.createConnection({
            host: target.host, port: target.port, user: target.user, password: target.password, database: target.database,
            charset: "UTF8MB4", timezone: "Z", dateStrings: true, multipleStatements: false, connectTimeout: 10000
        });
    } catch (error) {
        // mysql2's message names the user and host, never the password.
        throw new CliError(`cannot connect to ${describeTarget(target)}: ${error.code || error.message}`);
    }
    const db = wrap(conn);
    try {
        // Strict for this session whatever the server's default: a value too
        // long for its column (a wrapped key in an old VARCHAR(128)) is an
        // error that rolls the transaction back, never a silent truncation.
        await db.run("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')");
        return await work(db);
    } finally {
        await db.close().catch(() => {});
    }
}

module.exports = { URL_ENV, mysqlTarget, describeTarget, withMysql, parseUrl };
