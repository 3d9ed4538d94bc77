"use strict";
// What the wsn-decrypt and wsn-encrypt nodes share: the wasm module (loaded
// once per process), key lookup, the mapping of error codes to HTTP answers,
// and the node status counters.

const util = require("util");
const wasm = require("../../pkg/wsn_crypto.js");
const { readKek, isKek } = require("./kek.js");

/** The core's codes for a key-encryption key that is missing or does not fit: the operator's problem, never the device's. */
const KEK_CODES = ["kek_missing", "bad_kek", "wrong_kek", "bad_stored_key"];

/** An error with a stable code, as the wasm module throws them. */
function wsnError(code, message) {
    const error = new Error(message);
    error.code = code;
    return error;
}

/**
 * The HTTP answer for an error code, from the core's table: every failure to
 * decode is one code (no padding oracle), and what is not the client's fault
 * is 500 "server_error".
 */
function httpAnswer(code) {
    return { statusCode: wasm.httpStatus(code), body: { error: wasm.publicCode(code) } };
}

/**
 * Keeps a device key in a message without letting it out: JSON, util.inspect
 * and string conversion all print "[redacted]", so a debug node, a log line or
 * an HTTP response that sends the whole object cannot show it. It survives
 * Node-RED's message cloning because the key lives in a closure.
 */
function redactedKey(key) {
    return {
        reveal: function () { return key; },
        toJSON: function () { return "[redacted]"; },
        toString: function () { return "[redacted]"; },
        [util.inspect.custom]: function () { return "[redacted]"; }
    };
}

/**
 * A message property, or undefined where the path runs into nothing (Node-RED
 * throws for "payload[0].deviceKey" when the query found no row).
 */
function messageProperty(RED, msg, property) {
    try {
        return RED.util.getMessageProperty(msg, property);
    } catch (e) {
        return undefined;
    }
}

/**
 * Reads the node's key source: a fixed key from the credentials, or a
 * message/flow/global/env property holding a key string or a redacted key.
 * Returns undefined when there is none (for a database lookup, the device
 * is unknown).
 */
function resolveKey(RED, node, msg) {
    let key;
    if (node.keyType === "cred") {
        key = node.credentials && node.credentials.fixedKey;
    } else if (node.keyType === "msg") {
        key = messageProperty(RED, msg, node.key);
    } else {
        try {
            key = RED.util.evaluateNodeProperty(node.key, node.keyType, node, msg);
        } catch (e) {
            key = undefined;
        }
    }
    if (key && typeof key.reveal === "function") {
        key = key.reveal();
    }
    return typeof key === "string" && key.length > 0 ? key : undefined;
}

/**
 * The clock the status counters wait on. Tests replace `later` with one they
 * drive, so they see a status without waiting out the throttle.
 */
const statusClock = {
    later: function (callback, ms) { return setTimeout(callback, ms); },
    cancel: function (handle) { clearTimeout(handle); }
};

/** How long a status waits for more counts, so a burst of requests redraws it once. */
const STATUS_THROTTLE_MS = 250;

/**
 * Keeps passed/rejected/lost counts and shows them, at most every 250 ms.
 * `label` names what passing means for the node ("passed" the decrypt
 * node's check; "sealed" a reply). It waits on statusClock.
 */
function statusCounter(node, label) {
    const counts = { accepted: 0, rejected: 0, lost: 0, last: "" };
    let timer = null;
    function show() {
        timer = null;
        const text = `${label} ${counts.accepted} · rejected ${counts.rejected}` +
            (counts.lost ? ` · lost ${counts.lost}` : "") +
            (counts.last ? ` (${counts.last})` : "");
        node.status({ fill: counts.last ? "red" : "green", shape: "dot", text });
    }
    function schedule() {
        if (!timer) { timer = statusClock.later(show, STATUS_THROTTLE_MS); }
    }
    return {
        accepted(lost) { counts.accepted++; counts.lost += lost || 0; counts.last = ""; schedule(); },
        rejected(code) { counts.rejected++; counts.last = code; schedule(); },
        stop() { if (timer) { statusClock.cancel(timer); timer = null; } }
    };
}

/**
 * The KEK a node hands the core: from the `wsn kek` config node it names,
 * else from WSN_KEK / WSN_KEK_FILE (a flow saved before the config node
 * existed). Without one, keys are used as stored: the node says so once in
 * the log and in its status, since plain keys in a database are every key
 * in every backup.
 */
function nodeKek(RED, node, config) {
    const kekNode = config.kek ? RED.nodes.getNode(config.kek) : null;
    const fromNode = Boolean(kekNode && typeof kekNode.kek === "function");
    let kek;
    let where = "WSN_KEK or WSN_KEK_FILE";
    if (fromNode) {
        kek = kekNode.kek();
    } else {
        try { kek = readKek(); } catch (err) { where = err.message; }
    }
    // Checked at start, so that a mistyped KEK is said once now rather than
    // found on the first request (the core parses it). Only a KEK the core
    // takes has its label named: the text before a mistyped one's ':' may be secret.
    const valid = Boolean(kek) && isKek(wasm, kek);
    if (fromNode) { where = kekNode.describe({ label: valid }); }
    if (!kek) {
        node.warn(`no key-encryption key (${where}): device keys are used as the database stores them; ` +
            "a wrapped key is answered server_error. See the README, \"Deployment\".");
        node.status({ fill: "yellow", shape: "ring", text: "keys not wrapped: no KEK" });
        return kek;
    }
    if (!valid) {
        node.error(`the key-encryption key (${where}) is not one line <label>:<64 hex digits> (bad_kek): ` +
            "every request is answered server_error. See the README, \"Keys at rest\".");
        node.status({ fill: "red", shape: "ring", text: "bad KEK" });
    }
    return kek;
}

/** An error's stable code: the core's, or server_error for anything else. */
function errorCode(error) {
    return error && typeof error.code === "string" ? error.code : "server_error";
}

/**
 * Sends a failed message on the last output, with the HTTP status and a
 * short error body in place of whatever it carried (the device row, the key
 * and the request never go back to the client), and reports it to Catch nodes.
 */
function reject(node, counter, msg, send, done, error, outputs) {
    const code = errorCode(error);
    const answer = httpAnswer(code);
    counter.rejected(code);
    msg.statusCode = answer.statusCode;
    msg.payload = answer.body;
    // A refusal of a request that proved it has the key is also sealed for
    // the device, bound to that request, so that it can trust the code.
    if (error && typeof error.auth === "string") { msg.payload.auth = error.auth; }
    msg.wsn = { error: code };
    // The refusal is the last output.
    const out = new Array((outputs || 2) - 1).fill(null);
    out.push(msg);
    send(out);
    // A KEK problem fails every request alike: it is logged (and reaches
    // Catch nodes) once per node and code, not once per device request.
    if (KEK_CODES.includes(code)) {
        node.wsnLogged = node.wsnLogged || new Set();
        if (node.wsnLogged.has(code)) { done(); return; }
        node.wsnLogged.add(code);
        done(wsnError(code, `${node.type}: ${code}: ${error.message} (every such request is answered server_error; logged once)`));
        return;
    }
    done(wsnError(code, `${node.type}: ${code}`));
}

/**
 * The device id (for the authenticated format) and the formats the device
 * may use (the comma-separated list, from a message property or fixed in
 * the node), undefined where there is none: the core then refuses every
 * format, so a device row without formats is locked out, not let in.
 */
function deviceBinding(RED, node, msg) {
    const id = messageProperty(RED, msg, node.deviceId);
    const formats = node.formatsType === "str" ? node.formats : messageProperty(RED, msg, node.formats);
    return {
        deviceId: typeof id === "string" || typeof id === "number" ? String(id) : undefined,
        formats: typeof formats === "string" ? formats : undefined
    };
}


module.exports = { wasm, KEK_CODES, nodeKek, wsnError, messageProperty, deviceBinding, redactedKey, resolveKey, statusClock, STATUS_THROTTLE_MS, statusCounter, errorCode, reject };
