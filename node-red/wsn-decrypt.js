module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, redactedKey, resolveKey, statusCounter, reject } = require("./lib/common.js");

    const POLICIES = ["forward-only", "any", "none"];

    /** The size of a request body as it arrived: text, bytes or parsed JSON. */
    function bodyLength(body) {
        if (typeof body === "string" || Buffer.isBuffer(body)) { return body.length; }
        if (body && typeof body === "object") {
            let length = 0;
            for (const field of ["msg", "iv", "data", "auth"]) {
                if (typeof body[field] === "string") { length += body[field].length; }
            }
            return length;
        }
        return 0;
    }

    function WsnDecryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || "payload[0].deviceKey";
        node.keyType = config.keyType || "msg";
        node.body = config.body || "req.body";
        node.stored = config.stored || "payload[0].deviceSQN";
        node.policy = POLICIES.includes(config.policy) ? config.policy : "forward-only";
        node.maxLength = Number(config.maxLength) > 0 ? Number(config.maxLength) : 16384;
        // The device id is inside every tag of the authenticated format; the
        // formats column keeps a device that moved to it out of the others.
        node.deviceId = config.deviceId || "req.params.id";
        node.formats = config.formats || "payload[0].deviceFormats";
        const counter = statusCounter(node, "passed");

        node.on("input", function (msg, send, done) {
            try {
                let body = messageProperty(RED, msg, node.body);
                if (body === undefined || body === null || typeof body === "number" || typeof body === "boolean") {
                    throw wsnError("bad_format", "request has no body of either wire format");
                }
                if (bodyLength(body) > node.maxLength) {
                    throw wsnError("too_large", "request body is too large");
                }
                if (Buffer.isBuffer(body)) { body = body.toString("utf8"); }

                const key = resolveKey(RED, node, msg);
                const stored = node.policy === "none" ? 0 : messageProperty(RED, msg, node.stored);
                if (key === undefined || stored === undefined || stored === null) {
                    throw wsnError("unknown_device", "no key or sequence number for this device");
                }

                const binding = deviceBinding(RED, node, msg);
                const opened = wasm.open(body, key, { deviceId: binding.deviceId, formats: binding.formats });
                const wsn = { format: opened.format, policy: node.policy, deviceId: binding.deviceId, key: redactedKey(key) };
                if (node.policy !== "none") {
                    const accepted = wasm.checkSequence(opened.message, Number(stored), { policy: node.policy });
                    wsn.seqn = accepted.seqn;
                    wsn.stored = accepted.stored;
                    wsn.lost = accepted.lost;
                }
                msg.payload = opened.message;
                msg.wsn = wsn;
                // Lost messages are counted where the database has decided
                // (the reply's wsn encrypt node): under concurrency the gap
                // seen here may already be out of date.
                counter.accepted(0);
                send([msg, null]);
                done();
            } catch (error) {
                reject(node, counter, msg, send, done, error);
            }
        });

        node.on("close", function () { counter.stop(); });
    }

    RED.nodes.registerType("wsn-decrypt", WsnDecryptNode, {
        credentials: { fixedKey: { type: "password" } }
    });
};
