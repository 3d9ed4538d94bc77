"use strict";
// Runs Node-RED on a user directory (scripts/lib/user-dir.js makes one) and
// tells when it is ready: every flow started (settings-file.js reports it
// over the IPC channel) and the HTTP server answering.

const path = require("path");
const http = require("http");
const { spawn } = require("child_process");
const { ROOT } = require("./paths.js");
const { freePort } = require("./free-port.js");

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

module.exports = { startNodeRed };
