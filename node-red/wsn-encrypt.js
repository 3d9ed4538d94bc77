module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, resolveKey, statusCounter, reject } = require("./lib/common.js");

    const FORMATS = ["auto", "passphrase", "raw"];

    /**
     * "auto" answers in the format the request used (msg.wsn.format, set by
     * wsn-decrypt), else in the one a GET asked for with ?format=raw, else in
     * the passphrase format of the original flows.
     */
    function replyFormat(node, msg) {
        if (node.format !== "auto") { return node.format; }
        if (msg.wsn && (msg.wsn.format === "raw" || msg.wsn.format === "passphrase")) { return msg.wsn.format; }
        const query = msg.req && msg.req.query;
        return query && query.format === "raw" ? "raw" : "passphrase";
    }

    function WsnEncryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || "payload[0].deviceKey";
        node.keyType = config.keyType || "msg";
        node.message = config.message || "payload";
        node.format = FORMATS.includes(config.format) ? config.format : "auto";
        const counter = statusCounter(node, "sealed");

        node.on("input", function (msg, send, done) {
            try {
                const key = resolveKey(RED, node, msg);
                const message = messageProperty(RED, msg, node.message);
                if (key === undefined || message === undefined) {
                    throw wsnError("unknown_device", "no key or no message for this device");
                }
                const format = replyFormat(node, msg);
                msg.payload = wasm.seal(message, key, { format });
                if (msg.res) {
                    // Express would call a bare string text/html.
                    msg.headers = Object.assign({}, msg.headers, {
                        "content-type": typeof msg.payload === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8"
                    });
                }
                if (msg.wsn) { msg.wsn.format = format; } else { msg.wsn = { format }; }
                counter.accepted(msg.wsn.lost);
                send([msg, null]);
                done();
            } catch (error) {
                reject(node, counter, msg, send, done, error);
            }
        });

        node.on("close", function () { counter.stop(); });
    }

    RED.nodes.registerType("wsn-encrypt", WsnEncryptNode, {
        credentials: { fixedKey: { type: "password" } }
    });
};
