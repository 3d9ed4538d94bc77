module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, redactedKey, resolveKey, statusCounter, reject } = require("./lib/common.js");

    const POLICIES = ["forward-only", "any", "none"];
    const ENDPOINTS = ["data", "seqn"];

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
        // What the endpoint takes: data messages (POST /data/:id), or SEQN
        // resets and, in the authenticated format, SEQN queries (POST /wsn/:id).
        node.endpoint = ENDPOINTS.includes(config.endpoint) ? config.endpoint : "data";
        node.maxLength = Number(config.maxLength) > 0 ? Number(config.maxLength) : 16384;
        // The device id is inside every tag of the authenticated format; the
        // formats the device may use are checked before any decryption, and
        // none listed refuses all.
        node.deviceId = config.deviceId || "req.params.id";
        node.formatsType = config.formatsType === "str" ? "str" : "msg";
        // A fixed list is taken as typed, an empty one included (it refuses all).
        node.formats = node.formatsType === "str" ? String(config.formats || "") : config.formats || "payload[0].deviceFormats";
        const counter = statusCounter(node, "passed");

        node.on("input", function (msg, send, done) {
            try {
                let body = messageProperty(RED, msg, node.body);
                if (body === undefined || body === null || typeof body === "number" || typeof body === "boolean") {
                    throw wsnError("bad_format", "request has no body of any wire format");
                }
                if (bodyLength(body) > node.maxLength) {
                    throw wsnError("too_large", "request body is too large");
                }
                if (Buffer.isBuffer(body)) { body = body.toString("utf8"); }

                const key = resolveKey(RED, node, msg);
                // The stored SEQN is read under every policy: the authenticated
                // format is always forward-only, and its refusals report it.
                // Only a flow that just decrypts ("none") may lack one.
                let stored = messageProperty(RED, msg, node.stored);
                if ((stored === undefined || stored === null) && node.policy === "none") { stored = 0; }
                if (key === undefined || stored === undefined || stored === null) {
                    throw wsnError("unknown_device", "no key or sequence number for this device");
                }

                const binding = deviceBinding(RED, node, msg);
                // One call: formats, tag, decryption, kind, SEQN and the sequence rule.
                const taken = wasm.openRequest(body, key, Number(stored), {
                    endpoint: node.endpoint, deviceId: binding.deviceId, formats: binding.formats, policy: node.policy
                });
                msg.payload = taken.message;
                msg.wsn = {
                    format: taken.format, kind: taken.kind, seqn: taken.seqn, stored: taken.stored, lost: taken.lost,
                    policy: taken.policy, deviceId: binding.deviceId, formats: binding.formats, request: taken.request, key: redactedKey(key)
                };
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
