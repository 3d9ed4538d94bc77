module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, resolveKey, statusCounter, reject } = require("./lib/common.js");

    const FORMATS = ["auto", "passphrase", "raw", "auth"];
    const WIRE_FORMATS = ["passphrase", "raw", "auth"];

    /**
     * "auto" answers in the format the request used (msg.wsn.format, set by
     * wsn-decrypt); for a GET, in the one it asked for (?format=raw|auth, or
     * auth when it sends a ?nonce to have echoed); else in the first format
     * the device may use, passphrase first as in the original flows.
     */
    function replyFormat(node, msg, allowed) {
        if (node.format !== "auto") { return node.format; }
        if (msg.wsn && WIRE_FORMATS.includes(msg.wsn.format)) { return msg.wsn.format; }
        const query = (msg.req && msg.req.query) || {};
        if (WIRE_FORMATS.includes(query.format)) { return query.format; }
        if (typeof query.nonce === "string") { return "auth"; }
        return WIRE_FORMATS.find((f) => (allowed || WIRE_FORMATS).includes(f)) || "passphrase";
    }

    function WsnEncryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || "payload[0].deviceKey";
        node.keyType = config.keyType || "msg";
        node.message = config.message || "payload";
        node.format = FORMATS.includes(config.format) ? config.format : "auto";
        node.deviceId = config.deviceId || "req.params.id";
        node.formats = config.formats || "payload[0].deviceFormats";
        const counter = statusCounter(node, "sealed");

        node.on("input", function (msg, send, done) {
            try {
                const key = resolveKey(RED, node, msg);
                const message = messageProperty(RED, msg, node.message);
                if (key === undefined || message === undefined) {
                    throw wsnError("unknown_device", "no key or no message for this device");
                }
                const binding = deviceBinding(RED, node, msg);
                const format = replyFormat(node, msg, binding.allowed);
                if (binding.allowed && !binding.allowed.includes(format)) {
                    throw wsnError("format_not_allowed", "this device may not use this format");
                }
                const deviceId = (msg.wsn && msg.wsn.deviceId) || binding.deviceId;
                msg.payload = wasm.seal(message, key, { format, deviceId });
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
