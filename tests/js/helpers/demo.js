"use strict";
// `npm start` (scripts/demo.js) as the tests run it: in a directory of the
// test's own, on a free port, without the caller's KEK or demo choices, until
// it prints `ready`.

const path = require("path");
const { spawn } = require("child_process");
const backend = require("../../../scripts/lib/backend.js");
const { freePort } = require("../../../scripts/lib/free-port.js");
const { within } = require("./until.js");

/**
 * Starts the demo with its user directory `dir` and the variables `extra`;
 * resolves once its output holds `ready`, to { port, output(), stop() }.
 */
async function startDemo(dir, ready, extra) {
    const port = await freePort();
    const env = Object.assign({}, process.env, { PORT: String(port), WSN_DEMO_DIR: dir }, extra || {});
    for (const name of ["WSN_KEK", "WSN_KEK_FILE", "WSN_DB_KIND", "WSN_TRANSPORT"]) {
        if (!(extra && name in extra)) { delete env[name]; }
    }
    const demo = spawn(process.execPath, [path.join(backend.ROOT, "scripts", "demo.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const exited = new Promise((resolve) => demo.on("exit", resolve));
    const up = new Promise(function (resolve, reject) {
        const look = (d) => { output += d; if (output.includes(ready)) { resolve(); } };
        demo.stdout.on("data", look);
        demo.stderr.on("data", look);
        demo.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${output}`)));
    });
    const handle = {
        port,
        output: () => output,
        async stop() {
            demo.kill("SIGTERM");
            await within(exited, { timeout: 30000, what: "the demo to stop" });
        }
    };
    try {
        await within(up, { timeout: 90000, what: "the demo to start" });
    } catch (err) {
        await handle.stop();
        throw err;
    }
    return handle;
}

module.exports = { startDemo };
