"use strict";
// A private MariaDB server for the MySQL flows' tests and the opt-in demo
// (WSN_DB_KIND=mysql npm start): Debian's mariadb-server, installed if
// missing, with its own data directory, listening on a unix socket (for the
// set-up, as root without a password) and on 127.0.0.1 only, on a free port
// (for Node-RED, as an application user with a password). Nothing of the
// machine's own MariaDB configuration or service is used (--no-defaults).
//
//   const mariadb = require("./mariadb.js");
//   const server = await mariadb.start({ dir });        // installs, initialises, starts
//   const db = await server.createDatabase({ devices }); // database, user, schema, devices
//   ... startNodeRed({ env: db.env }) ...
//   await server.stop();
//
// `node scripts/lib/mariadb.js install` only installs (for CI or by hand).

const fs = require("fs");
const os = require("os");
const path = require("path");
const crypto = require("crypto");
const { spawn, execFileSync } = require("child_process");
const { ROOT } = require("./paths.js");
const { freePort } = require("./free-port.js");
const { aptInstallCommand, ensureDebianPackage } = require("./debian-package.js");

const SCHEMA_FILE = path.join(ROOT, "flows", "schema-mysql.sql");
const APT_INSTALL = aptInstallCommand("mariadb-server");

function mysql2() {
    // node-red-node-mysql's driver, a devDependency through it.
    return require(path.join(ROOT, "node_modules", "mysql2", "promise"));
}

/** Installs Debian's mariadb-server unless its programs are there. Returns their paths. */
function ensureInstalled() {
    return ensureDebianPackage("mariadb-server", { server: "mariadbd", installDb: "mariadb-install-db", client: "mariadb" });
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

/** mariadbd as root needs --user=root; as anyone else it runs as that user. */
function userArgs() {
    return typeof process.getuid === "function" && process.getuid() === 0 ? ["--user=root"] : [];
}

/**
 * Starts a MariaDB server whose data directory is `dir`/data (initialised if
 * it does not exist yet: a kept directory is reused, with its rows).
 * Resolves once it accepts connections. Returns the server handle.
 */
async function start(options) {
    const bin = ensureInstalled();
    const dir = options.dir;
    const dataDir = path.join(dir, "data");
    fs.mkdirSync(dir, { recursive: true });
    // The socket lets root in without a password: only this directory's owner may reach it.
    fs.chmodSync(dir, 0o700);
    // A unix socket path has a limit of about 107 bytes.
    let socket = path.join(dir, "mysqld.sock");
    if (socket.length > 100) { socket = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wsn-mariadb-")), "mysqld.sock"); }
    const errorLog = path.join(dir, "mariadbd.err");
    const common = ["--no-defaults", `--datadir=${dataDir}`].concat(userArgs());

    const initialise = !fs.existsSync(path.join(dataDir, "mysql"));
    if (initialise) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        // root@localhost: no password, no unix_socket plugin: the set-up
        // connects through this server's own socket (root over TCP is
        // dropped below).
        execFileSync(bin.installDb, common.concat([
            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
            "--innodb-log-file-size=16M"
        ]), { stdio: ["ignore", "pipe", "pipe"] });
    }

    const port = options.port || await freePort();
    const args = common.concat([
        `--socket=${socket}`, `--port=${port}`,
        // TCP on the loopback address only; no name lookups.
        "--bind-address=127.0.0.1", "--skip-name-resolve",
        `--pid-file=${path.join(dir, "mariadbd.pid")}`, `--log-error=${errorLog}`,
        // The server's default character set stays latin1: the schema names its own.
        "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--max-connections=400"
    ]);
    const child = spawn(bin.server, args, { stdio: "ignore" });
    let exited = null;
    child.on("exit", function (code, signal) { exited = { code, signal }; });
    // Never leave a server behind, whatever ends this process.
    const reap = function () { if (!exited) { try { child.kill("SIGKILL"); } catch (e) { /* gone */ } } };
    process.on("exit", reap);

    const errorTail = () => (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, "utf8").split("\n").slice(-15).join("\n") : "");
    const deadline = Date.now() + (options.timeoutMs || 60000);
    for (;;) {
        if (exited) { throw new Error(`mariadbd exited during start (${exited.code || exited.signal}):\n${errorTail()}`); }
        try {
            const conn = await rootConnection(socket);
            await conn.end();
            break;
        } catch (err) {
            // Only "not listening yet" is worth waiting for.
            if (!["ENOENT", "ECONNREFUSED", "ECONNRESET", "PROTOCOL_CONNECTION_LOST"].includes(err.code) || Date.now() > deadline) {
                child.kill("SIGKILL");
                throw new Error(`mariadbd did not accept a connection (${err.code || err.message}):\n${errorTail()}`);
            }
            await sleep(100);
        }
    }

    if (initialise) {
        // mariadb-install-db also makes password-less root accounts for
        // 127.0.0.1, ::1 and the host name: anyone on this machine could use them.
        const conn = await rootConnection(socket);
        try {
            const [others] = await conn.query("SELECT User, Host FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'");
            for (const account of others) { await conn.query("DROP USER ?@?", [account.User, account.Host]); }
        } finally {
            await conn.end();
        }
    }

    const server = {
        port, socket, dir, child, errorLog,
        /** One query as root through the socket (mysql2 `?` placeholders); resolves to rows or a result header. */
        query: async function (sql, params, database) {
            const conn = await rootConnection(socket, database);
            try {
                const [rows] = await conn.query(sql, params || []);
                return rows;
            } finally {
                await conn.end();
            }
        },
        /** Runs an SQL file with the command-line client, as a user would (it understands DELIMITER). */
        source: function (file, database) {
            execFileSync(bin.client, ["--no-defaults", `--socket=${socket}`, "-uroot", database], {
                input: fs.readFileSync(file), stdio: ["pipe", "pipe", "pipe"]
            });
        },
        /**
         * Creates (idempotently) a database in utf8mb4, the schema, an
         * application user that may connect from 127.0.0.1 only and has
         * rights on that database only, and the given devices unless present
         * ({id, key, seqn, formats}; a given `formats` is also set on a
         * device already there; without it, the schema's default 'auth').
         * Returns { database, user, password, env } with `env` the
         * environment variables that the MySQL flows read.
         */
        createDatabase: async function (spec) {
            const s = Object.assign({ database: "wsn", user: "wsn", devices: [] }, spec);
            const password = s.password || crypto.randomBytes(18).toString("base64url");
            await server.query(`CREATE DATABASE IF NOT EXISTS \`${s.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`);
            server.source(SCHEMA_FILE, s.database);
            await server.query("CREATE USER IF NOT EXISTS ?@'127.0.0.1' IDENTIFIED BY ?", [s.user, password]);
            await server.query("ALTER USER ?@'127.0.0.1' IDENTIFIED BY ?", [s.user, password]);
            // What the flows need: the device row's SELECT, and the
            // procedures (SQL SECURITY INVOKER, so also their writes: the
            // UPDATE of Devices, the INSERT into Data). No DELETE: nothing in
            // the flows removes a row.
            await server.query(`GRANT SELECT, INSERT, UPDATE, EXECUTE ON \`${s.database}\`.* TO ?@'127.0.0.1'`, [s.user]);
            // A database made with an older set-up granted DELETE (for the
            // reset challenges, gone): take it back.
            const [granted] = await server.query("SELECT COUNT(*) AS n FROM mysql.db WHERE Db = ? AND User = ? AND Host = '127.0.0.1' AND Delete_priv = 'Y'", [s.database, s.user]);
            if (granted.n > 0) { await server.query(`REVOKE DELETE ON \`${s.database}\`.* FROM ?@'127.0.0.1'`, [s.user]); }
            for (const d of s.devices) {
                await server.query("INSERT IGNORE INTO Devices (deviceID, deviceKey, deviceSQN) VALUES (?, ?, ?)", [d.id, d.key, d.seqn || 0], s.database);
                // `formats` as given, even "" (a row locked out of every
                // format), as the SQLite harness does; without it, the
                // schema's default ('auth').
                if (d.formats !== undefined) { await server.query("UPDATE Devices SET deviceFormats = ? WHERE deviceID = ?", [d.formats, d.id], s.database); }
            }
            return {
                database: s.database, user: s.user, password,
                env: {
                    WSN_MYSQL_HOST: "127.0.0.1", WSN_MYSQL_PORT: String(port), WSN_MYSQL_DATABASE: s.database,
                    WSN_MYSQL_USER: s.user, WSN_MYSQL_PASSWORD: password
                }
            };
        },
        /** Stops the server (a clean shutdown; SIGKILL after 30 s). */
        stop: function () {
            return new Promise(function (resolve) {
                process.removeListener("exit", reap);
                if (exited) { return resolve(); }
                child.once("exit", function () { resolve(); });
                child.kill("SIGTERM");
                setTimeout(function () { if (!exited) { child.kill("SIGKILL"); } }, 30000).unref();
            });
        }
    };
    return server;
}

function rootConnection(socket, database) {
    return mysql2().createConnection({
        socketPath: socket, user: "root", database, multipleStatements: false,
        charset: "UTF8MB4", timezone: "Z", dateStrings: false, jsonStrings: true, decimalNumbers: true
    });
}

module.exports = { ensureInstalled, start, SCHEMA_FILE, APT_INSTALL };

if (require.main === module) {
    if (process.argv[2] === "install") {
        const t0 = Date.now();
        const bin = ensureInstalled();
        console.log(`mariadb: ${bin.server} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } else {
        console.error("usage: node scripts/lib/mariadb.js install");
        process.exit(2);
    }
}
