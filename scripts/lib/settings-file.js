"use strict";
// The settings.js of a harness Node-RED user directory: the device
// endpoints' body limits (node-red/http-limits.js), the editor under /admin,
// and a message to the starting process once the flows run.

const { PACKAGE_NAME } = require("./paths.js");

/** The file's text; `extra` is more module.exports properties (benchmarks). */
function settingsFile(extra) {
    return `// Written by wsn-crypto's scripts/lib/settings-file.js.
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
}

module.exports = { settingsFile };
