module.exports = function (RED) {
    "use strict";
    const { wasm, wsnError, messageProperty, deviceBinding, resolveKey, statusCounter, reject } = require("./lib/common.js");

    const FORMATS = ["auto", "passphrase", "raw", "auth"];
    const WIRE_FORMATS = FORMATS.slice(1);
    // A reply to a GET, which has no request to bind a reply to: only the
    // legacy formats, passphrase first as in the original flows.
    const GET_FORMATS = ["passphrase", "raw"];

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

    function WsnEncryptNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.key = config.key || "payload[0].deviceKey";
        node.keyType = config.keyType || "msg";
        node.message = config.message || "payload";
        node.format = FORMATS.includes(config.format) ? config.format : "auto";
        node.deviceId = config.deviceId || "req.params.id";
        node.formatsType = config.formatsType === "str" ? "str" : "msg";
        // A fixed list is taken as typed, an empty one included (it refuses all).
        node.formats = node.formatsType === "str" ? String(config.formats || "") : config.formats || "payload[0].deviceFormats";
        const counter = statusCounter(node, "sealed");

        node.on("input", function (msg, send, done) {
            try {
                const key = resolveKey(RED, node, msg);
                let message = messageProperty(RED, msg, node.message);
                if (key === undefined || message === undefined) {
                    throw wsnError("unknown_device", "no key or no message for this device");
                }
                const binding = deviceBinding(RED, node, msg);
                // Fail closed: a device without formats gets no reply at all.
                const allowed = binding.formats === undefined ? [] : binding.formats.split(",").map((f) => f.trim());
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
                    const sealed = wasm.seal(message, key, { format, deviceId, kind: replyKind(msg, refused), request });
                    msg.payload = refused ? { error: message.error, auth: sealed.auth } : sealed;
                } else {
                    msg.payload = wasm.seal(message, key, { format });
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
