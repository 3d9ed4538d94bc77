"use strict";
// The wsn-crypto command run as a user runs it (node bin/wsn-crypto.js), for
// the suites that drive it: a clean environment (no key, KEK or database URL
// of the caller's leaks in), its output collected. Each suite keeps its own
// check that no secret was printed.

const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const backend = require("../../../scripts/lib/backend.js");

const CLI = path.join(backend.ROOT, "bin", "wsn-crypto.js");
// Variables that carry a device key, a KEK, a database or a broker password.
const SECRET_ENV = ["WSN_KEY", "WSN_KEK", "WSN_KEK_FILE", "WSN_MYSQL_URL", "WSN_MQTT_PASSWORD"];

/** process.env without SECRET_ENV, with `extra` added. */
function cleanEnv(extra) {
    const env = Object.assign({}, process.env);
    for (const name of SECRET_ENV) { delete env[name]; }
    return Object.assign(env, extra || {});
}

/**
 * Runs the CLI with `args`; resolves to {status, signal, stdout, stderr}.
 * options: env (added to cleanEnv()), input (stdin text), cwd, cli (another
 * entry point), onStderr(stderr so far, child) as stderr arrives.
 */
function runCli(args, options) {
    const opts = options || {};
    return new Promise(function (resolve, reject) {
        const child = spawn(process.execPath, [opts.cli || CLI].concat(args), {
            cwd: opts.cwd || backend.ROOT, env: cleanEnv(opts.env), stdio: ["pipe", "pipe", "pipe"]
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => { stdout += d; });
        child.stderr.on("data", function (d) {
            stderr += d;
            if (opts.onStderr) { opts.onStderr(stderr, child); }
        });
        child.on("error", reject);
        child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
        // A command killed early (onStderr) may have closed its stdin already.
        child.stdin.on("error", () => {});
        child.stdin.end(opts.input === undefined ? "" : opts.input);
    });
}

/** A key file of mode 0600 holding `kek`, in `dir`. */
function keyFile(dir, name, kek) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, kek + "\n", { mode: 0o600 });
    return file;
}

module.exports = { CLI, cleanEnv, runCli, keyFile };
