module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, redactedKey, resolveKey, statusCounter, errorCode, reject, nodeKek } = require("./lib/common.js");
    const refusals = require("./lib/refusal-counts.js").shared;
    const { POLICIES, ENDPOINTS, PARAMS, DECRYPT, LEGACY, DECRYPT_OUTPUTS } = require("./lib/defaults.js");

    /**
     * The request body as the text that crosses into the wasm module: bytes
     * as UTF-8, text as is, a parsed body as its JSON text. A body nested too
     * deeply for JSON.stringify is no wire format.
     */
    function bodyText(body) {
        if (typeof body === "string") { return body; }
        if (Buffer.isBuffer(body)) { return body.toString("utf8"); }
        if (body && typeof body === "object") {
            try {
                return JSON.stringify(body);
            } catch (e) {
                throw wsnError("bad_format", "request body is no wire format");
            }
        }
        throw wsnError("bad_format", "request has no body of any wire format");
    }

    /**
     * wasm.openRequest on the body text. A parsed body's text is JSON by
     * construction (JSON.stringify wrote it), so the core's bad_json can only
     * be its nesting limit: a body nested that deep is no wire format, as
     * when it crossed as an object.
     */
    function openRequest(body, parsed, key, stored, options) {
        try {
            return wasm.openRequest(body, key, stored, options);
        } catch (error) {
            if (parsed && error && error.code === "bad_json") {
                throw wsnError("bad_format", "request body is no wire format");
            }
            throw error;
        }
    }

    /**
     * The parameters of the statement that acts on an accepted request, with
     * exactly the names it uses (node-sqlite3 refuses a named parameter the
     * statement lacks): SQLite's `$name`, or plain names for node-red-node-mysql.
     */
    function statementParams(style, deviceId, taken) {
        let params = { id: deviceId };
        if (taken.kind === "data") {
            const data = taken.message.data;
            params = {
                id: deviceId,
                seqn: taken.seqn,
                // Computed here, not in SQL: SQLite's json_extract would keep
                // integers above 2^53 exactly where the stored rows always
                // held the JavaScript number (and ±Infinity where SQL gives NULL).
                value: typeof data.value === "number" ? data.value : null,
                json: JSON.stringify(data)
            };
        } else if (taken.kind === "reset") {
            params = { id: deviceId, seqn: taken.seqn, any: taken.policy === "any" ? 1 : 0 };
        }
        if (style === "mysql") { return params; }
        const named = {};
        for (const name of Object.keys(params)) { named[`$${name}`] = params[name]; }
        return named;
    }

    function WsnDecryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || DECRYPT.key;
        node.keyType = config.keyType || DECRYPT.keyType;
        node.body = config.body || DECRYPT.body;
        node.stored = config.stored || DECRYPT.stored;
        node.policy = POLICIES.includes(config.policy) ? config.policy : DECRYPT.policy;
        // What the endpoint takes: data messages (POST /data/:id), or SEQN
        // resets and, in the authenticated format, SEQN queries (POST /wsn/:id).
        node.endpoint = ENDPOINTS.includes(config.endpoint) ? config.endpoint : DECRYPT.endpoint;
        node.maxLength = Number(config.maxLength) > 0 ? Number(config.maxLength) : DECRYPT.maxLength;
        // A node saved before the option existed sets no msg.params.
        node.params = PARAMS.includes(config.params) ? config.params : LEGACY.params;
        // On "seqn", queries and resets leave by outputs of their own when the
        // node has three; a node saved with two sends both on the first. On
        // "any", each kind has its own.
        node.outputLabels = node.endpoint === "any" ? DECRYPT_OUTPUTS.any
            : node.endpoint === "seqn" && Number(config.outputs) === 3 ? DECRYPT_OUTPUTS.seqn : DECRYPT_OUTPUTS.data;
        node.outputCount = node.outputLabels.length;
        // The device id is inside every tag of the authenticated format; the
        // formats the device may use are checked before any decryption, and
        // none listed refuses all.
        node.deviceId = config.deviceId || DECRYPT.deviceId;
        node.formatsType = config.formatsType === "str" ? "str" : "msg";
        // A fixed list is taken as typed, an empty one included (it refuses all).
        node.formats = node.formatsType === "str" ? String(config.formats || "") : config.formats || DECRYPT.formats;
        const counter = statusCounter(node, "passed");
        // Read once at start: a KEK changes with a restart (a rotation
        // rewraps the database first, then restarts with the new KEK).
        const kek = nodeKek(RED, node, config);

        node.on("input", function (msg, send, done) {
            try {
                const received = messageProperty(RED, msg, node.body);
                const body = bodyText(received);
                if (body.length > node.maxLength) {
                    throw wsnError("too_large", "request body is too large");
                }

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
                const taken = openRequest(body, typeof received === "object" && !Buffer.isBuffer(received), key, Number(stored), {
                    endpoint: node.endpoint, deviceId: binding.deviceId, formats: binding.formats, policy: node.policy, kek
                });
                msg.payload = taken.message;
                msg.wsn = {
                    format: taken.format, kind: taken.kind, seqn: taken.seqn, stored: taken.stored, lost: taken.lost,
                    policy: taken.policy, deviceId: binding.deviceId, formats: binding.formats, request: taken.request, key: redactedKey(key)
                };
                if (node.params !== "none") {
                    msg.params = statementParams(node.params, binding.deviceId, Object.assign({ message: taken.message }, taken));
                }
                // Lost messages are counted where the database has decided
                // (the reply's wsn encrypt node): under concurrency the gap
                // seen here may already be out of date.
                counter.accepted(0);
                const out = new Array(node.outputCount).fill(null);
                const port = node.outputLabels.indexOf(taken.kind);
                out[port >= 0 ? port : 0] = msg;
                send(out);
                done();
            } catch (error) {
                // Counted in memory (the fleet view reads it): under the
                // device's id only if the flow found its row (a key read
                // from the message, as the shipped flows' device query puts
                // it), so ids made up by an outsider all share one entry. A
                // key fixed in the node or read from the context or the
                // environment says nothing of the id: those share it too.
                const known = node.keyType === "msg" && resolveKey(RED, node, msg) !== undefined;
                refusals.record(known ? deviceBinding(RED, node, msg).deviceId : undefined, errorCode(error));
                reject(node, counter, msg, send, done, error, node.outputCount);
            }
        });

        node.on("close", function () { counter.stop(); });
    }

    RED.nodes.registerType("wsn-decrypt", WsnDecryptNode, {
        credentials: { fixedKey: { type: "password" } }
    });
};
