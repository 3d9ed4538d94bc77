module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, resolveKey, statusCounter, reject, nodeKek } = require("./lib/common.js");
    const { REPLY_FORMATS, GET_FORMATS, ENCRYPT } = require("./lib/defaults.js");

    const WIRE_FORMATS = REPLY_FORMATS.filter((f) => f !== "auto");

    /**
     * "auto" answers in the format the request used (msg.wsn.format, set by
     * wsn-decrypt); for a GET, in the one it asked for (?format=raw), else
     * the first legacy format the device may use.
     */
    function replyFormat(node, msg, allowed) {
        if (node.format !== "auto") { return node.format; }
        if (msg.wsn && WIRE_FORMATS.includes(msg.wsn.format)) { return msg.wsn.format; }
        const query = (msg.req && msg.req.query) || {};
        if (query.format !== undefined) {
            if (GET_FORMATS.includes(query.format)) { return query.format; }
            throw wsnError("bad_format", "a GET is answered in the passphrase or raw format; the authenticated SEQN query is POST /wsn/:id");
        }
        return GET_FORMATS.find((f) => allowed.includes(f)) || "passphrase";
    }

    /**
     * The authenticated reply's kind: a refusal, the SEQN a query asked for,
     * or the ack of a reset or data message.
     */
    function replyKind(msg, refused) {
        if (refused) { return "refusal"; }
        return msg.wsn && msg.wsn.kind === "query" ? "seqn" : "ack";
    }

    /**
     * The code of a refusal after the conditional write lost: the one the
     * flow gave, or the core's sequence rule applied to the SEQN stored now.
     */
    function refusalCode(msg, message) {
        if (typeof message.error === "string") { return message.error; }
        try {
            wasm.checkSequence({ SEQN: msg.wsn.seqn }, message.SEQN, { policy: msg.wsn.policy === "any" ? "any" : "forward-only" });
        } catch (error) {
            return error.code;
        }
        return "server_error";
    }

    /**
     * The standard reply, for a flow that gives none: a refusal after a lost
     * write, with the SEQN stored now (none: the device is gone); a GET's
     * stored SEQN; a query's; the ack of a reset; the ack of a data message
     * with the gap the database counted (else the one wsn decrypt saw).
     */
    function standardReply(node, msg) {
        const wsn = msg.wsn;
        if (!wsn) {
            // A GET: no wsn decrypt before this node. No row, no reply (404).
            const seqn = messageProperty(RED, msg, node.seqn);
            return typeof seqn === "number" ? { SEQN: seqn } : undefined;
        }
        if (wsn.refused) {
            const seqn = messageProperty(RED, msg, node.seqn);
            return typeof seqn === "number" ? { SEQN: seqn } : { error: "unknown_device" };
        }
        if (wsn.kind === "query") { return { SEQN: wsn.stored }; }
        if (wsn.kind === "reset") {
            wsn.lost = 0;
            return { SEQN: wsn.seqn, ack: true };
        }
        const lost = messageProperty(RED, msg, node.lost);
        if (typeof lost === "number") { wsn.lost = lost; }
        return { SEQN: wsn.seqn, ack: true, lost: wsn.lost };
    }

    function WsnEncryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || ENCRYPT.key;
        node.keyType = config.keyType || ENCRYPT.keyType;
        node.message = config.message || ENCRYPT.message;
        node.format = REPLY_FORMATS.includes(config.format) ? config.format : ENCRYPT.format;
        node.deviceId = config.deviceId || ENCRYPT.deviceId;
        node.seqn = config.seqn || ENCRYPT.seqn;
        node.lost = config.lost || ENCRYPT.lost;
        node.formatsType = config.formatsType === "str" ? "str" : "msg";
        // A fixed list is taken as typed, an empty one included (it refuses all).
        node.formats = node.formatsType === "str" ? String(config.formats || "") : config.formats || ENCRYPT.formats;
        const counter = statusCounter(node, "sealed");
        const kek = nodeKek(RED, node, config);

        node.on("input", function (msg, send, done) {
            try {
                const key = resolveKey(RED, node, msg);
                let message = messageProperty(RED, msg, node.message);
                if (message === undefined) { message = standardReply(node, msg); }
                if (key === undefined || message === undefined) {
                    throw wsnError("unknown_device", "no key or no message for this device");
                }
                const binding = deviceBinding(RED, node, msg);
                // Fail closed: a device without formats gets no reply at all.
                const allowed = wasm.formatsAllowed(binding.formats);
                const format = replyFormat(node, msg, allowed);
                if (!allowed.includes(format)) {
                    throw wsnError("format_not_allowed", "this device may not use this format");
                }
                const refused = Boolean(msg.wsn && msg.wsn.refused);
                let code;
                if (refused) {
                    code = refusalCode(msg, message);
                    message = { error: wasm.publicCode(code), SEQN: message.SEQN };
                    msg.statusCode = wasm.httpStatus(code);
                }
                if (refused && (format !== "auth" || typeof message.SEQN !== "number")) {
                    // A legacy reply cannot be bound to its request (and a
                    // vanished device has no SEQN to report): a plain refusal.
                    msg.payload = { error: message.error };
                } else if (format === "auth") {
                    const deviceId = (msg.wsn && msg.wsn.deviceId) || binding.deviceId;
                    const request = msg.wsn && msg.wsn.request;
                    const sealed = wasm.seal(message, key, { format, deviceId, kind: replyKind(msg, refused), request, kek });
                    msg.payload = refused ? { error: message.error, auth: sealed.auth } : sealed;
                } else {
                    msg.payload = wasm.seal(message, key, { format, deviceId: binding.deviceId, kek });
                }
                if (msg.res) {
                    // Express would call a bare string text/html.
                    msg.headers = Object.assign({}, msg.headers, {
                        "content-type": typeof msg.payload === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8"
                    });
                }
                if (refused) {
                    // A refusal is an answer, not a failure of this node: it
                    // goes out on the first output like any sealed reply.
                    counter.rejected(code);
                    msg.wsn = { format, error: code };
                } else {
                    if (msg.wsn) { msg.wsn.format = format; } else { msg.wsn = { format }; }
                    counter.accepted(msg.wsn.lost);
                }
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
