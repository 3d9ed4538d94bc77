"use strict";
// A private mosquitto broker for the MQTT flows' tests, benchmark and demo
// (WSN_TRANSPORT=mqtt npm start): Debian's mosquitto, installed if missing,
// run with a configuration of its own on 127.0.0.1 only, on a free port,
// with a password file and an ACL (or, for the demo, the ones it is given).
// Nothing of the machine's own mosquitto configuration or service is used.
//
//   const mosquitto = require("./mosquitto.js");
//   const broker = await mosquitto.start({ dir, users: { "wsn-backend": pw, "12FA": pw2 }, acl });
//   ... broker.url (mqtt://127.0.0.1:port) ...
//   await broker.stop();  await broker.start();   // a restart on the same port
//
// `node scripts/lib/mosquitto.js install` only installs (for CI or by hand).

const fs = require("fs");
const path = require("path");
const { spawn, execFileSync } = require("child_process");
const { ROOT } = require("./paths.js");
const { freePort } = require("./free-port.js");
const { ensureDebianPackage } = require("./debian-package.js");

/** The example ACL the README shows, which the tests run as it is. */
const ACL_EXAMPLE = path.join(ROOT, "flows", "mosquitto", "acl");
/** The largest MQTT packet the example configuration lets through, bytes: room for a 16 KiB body. */
const MAX_PACKET_SIZE = 32768;

/** Installs Debian's mosquitto unless its programs are there. Returns their paths. */
function ensureInstalled() {
    return ensureDebianPackage("mosquitto", { broker: "mosquitto", passwd: "mosquitto_passwd" });
}

/** A mosquitto password file (hashed, as mosquitto_passwd writes it) for `users` {name: password}. */
function writePasswordFile(bin, file, users) {
    fs.writeFileSync(file, "", { mode: 0o600 });
    for (const [name, password] of Object.entries(users)) {
        execFileSync(bin.passwd, ["-b", file, name, password], { stdio: "ignore" });
    }
}

/**
 * Starts a broker in `dir` (made if missing): `users` {name: password} in
 * its password file, `acl` the ACL text (default: the example file), on
 * `port` (default: a free one). Resolves once it listens.
 * Returns { url, port, dir, log(), stop(), start() }.
 */
async function start(options) {
    const bin = ensureInstalled();
    const dir = options.dir;
    fs.mkdirSync(dir, { recursive: true });
    const port = options.port || await freePort();
    const passwordFile = path.join(dir, "passwd");
    const aclFile = path.join(dir, "acl");
    writePasswordFile(bin, passwordFile, options.users || {});
    fs.writeFileSync(aclFile, options.acl === undefined ? fs.readFileSync(ACL_EXAMPLE, "utf8") : options.acl, { mode: 0o600 });
    const conf = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(conf, [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous false",
        `password_file ${passwordFile}`,
        `acl_file ${aclFile}`,
        `max_packet_size ${MAX_PACKET_SIZE}`,
        // A request and its answer are small packets: without this, Nagle's
        // algorithm holds each one for the peer's delayed ACK (about 40 ms).
        "set_tcp_nodelay true",
        "retain_available false",
        "persistence false",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        // Started as root, mosquitto would switch to the user "mosquitto",
        // who cannot read these files in a private temporary directory: this
        // broker runs as whoever started it.
        ...(typeof process.getuid === "function" && process.getuid() === 0 ? ["user root"] : []),
        ""
    ].join("\n"));

    let child = null;
    let output = "";
    // A test process that ends without stop() (a failed hook, a timeout)
    // must not leave its broker running.
    const reap = function () { if (child && child.exitCode === null && child.signalCode === null) { try { child.kill("SIGKILL"); } catch (e) { /* gone */ } } };
    process.on("exit", reap);
    const broker = {
        url: `mqtt://127.0.0.1:${port}`,
        port,
        dir,
        log: () => output,
        /** (Re)starts the broker on the same port; resolves once it listens. */
        start: function () {
            if (!process.listeners("exit").includes(reap)) { process.on("exit", reap); }
            return new Promise(function (resolve, reject) {
                child = spawn(bin.broker, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
                let ready = false;
                child.stderr.on("data", function (d) {
                    output += d;
                    // Its own line once the listener is open.
                    if (!ready && /Opening ipv4 listen socket on port/.test(output) && /mosquitto version [^ ]+ running/.test(output)) {
                        ready = true;
                        resolve(broker);
                    }
                });
                child.on("exit", function (code, signal) {
                    if (!ready) { reject(new Error(`mosquitto exited (${code === null ? signal : code}) before it listened:\n${output}`)); }
                });
            });
        },
        /** Stops the broker; resolves once it has exited. */
        stop: function () {
            process.removeListener("exit", reap);
            const running = child;
            child = null;
            if (!running || running.exitCode !== null || running.signalCode !== null) { return Promise.resolve(); }
            return new Promise(function (resolve) {
                running.on("exit", function () { resolve(); });
                running.kill("SIGTERM");
            });
        }
    };
    return broker.start();
}

if (require.main === module) {
    if (process.argv[2] === "install") {
        const bin = ensureInstalled();
        console.log(`mosquitto: ${bin.broker}`);
    } else {
        console.error("usage: node scripts/lib/mosquitto.js install");
        process.exit(2);
    }
}

module.exports = { start, ensureInstalled, MAX_PACKET_SIZE, ACL_EXAMPLE };
