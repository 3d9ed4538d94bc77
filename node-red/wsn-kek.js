// The `wsn kek` configuration node: where the key-encryption key comes from
// (node-red/lib/kek.js). The decrypt and encrypt nodes that name it hand the
// KEK to the wasm core with each call, which unwraps the device's stored key
// inside that call. The KEK itself is never in flows.json: it is an
// environment variable, a file, or a credential (flows_cred.json).
module.exports = function (RED) {
    "use strict";
    const { readKek, kekLabel } = require("./lib/kek.js");

    const SOURCES = ["env", "file", "credential"];

    function WsnKekNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.source = SOURCES.includes(config.source) ? config.source : "env";
        // `env` is the property's name in flows saved before it was renamed.
        node.variable = config.variable || config.env || "WSN_KEK";
        node.file = config.file || "";
        let kek;
        let problem;
        try {
            // The default variable also means its file twin, WSN_KEK_FILE, as for the CLI.
            if (node.source === "env") { kek = node.variable === "WSN_KEK" ? readKek() : readKek({ env: node.variable }); }
            if (node.source === "file") { kek = node.file ? readKek({ file: node.file }) : undefined; }
            if (node.source === "credential") { kek = readKek({ text: (node.credentials && node.credentials.kek) || "" }); }
        } catch (err) {
            problem = err.message;  // names the file, never the KEK
        }
        /** The KEK text, or undefined when none is configured (or it could not be read). */
        node.kek = function () { return kek; };
        /**
         * What to say in a log about where the KEK came from: the source, and
         * the label with `label: true` (for a KEK the core takes: the caller checks).
         */
        node.describe = function (options) {
            const where = node.source === "env" ? `environment variable ${node.variable}` : node.source === "file" ? `file ${node.file}` : "credential";
            if (!kek) { return `${where}: ${problem || "not set"}`; }
            return options && options.label ? `${where}, label ${kekLabel(kek) || "?"}` : where;
        };
    }

    RED.nodes.registerType("wsn-kek", WsnKekNode, {
        credentials: { kek: { type: "password" } }
    });
};
