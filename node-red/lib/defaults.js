"use strict";
// The one home of the nodes' defaults: the property paths a node reads when
// its configuration leaves them out, and the lists its options take. The
// node .js files and scripts/make-flows.js read them here; the editor's
// defaults in the .html files must say the same (tests/js/nodes.test.js
// compares them), since an .html file cannot require this module.

/** Policies of the decrypt node: how the legacy formats' SEQN is checked. */
const POLICIES = ["forward-only", "any", "none"];
/**
 * What a decrypt node's endpoint takes: data messages (POST /data/:id), SEQN
 * queries and resets (POST /wsn/:id), or every kind on one address (the MQTT
 * topic wsn/<id>/up).
 */
const ENDPOINTS = ["data", "seqn", "any"];
/**
 * What the decrypt node puts in msg.params for the database write: SQLite's
 * named `$`-parameters, node-red-node-mysql's `:name` ones (plain names), or
 * nothing.
 */
const PARAMS = ["sqlite", "mysql", "none"];
/** The encrypt node's reply formats: "auto" answers in the request's. */
const REPLY_FORMATS = ["auto", "passphrase", "raw", "auth"];
/** What a GET, which has no request to bind a reply to, may be answered in, in order of preference. */
const GET_FORMATS = ["passphrase", "raw"];

/** Shared by both nodes: where the device row and the request are, as the shipped flows have them. */
const COMMON = {
    key: "payload[0].deviceKey",
    keyType: "msg",
    deviceId: "req.params.id",
    formats: "payload[0].deviceFormats",
    formatsType: "msg"
};

const DECRYPT = Object.assign({}, COMMON, {
    body: "req.body",
    stored: "payload[0].deviceSQN",
    endpoint: "data",
    policy: "forward-only",
    params: "sqlite",
    maxLength: 16384
});

const ENCRYPT = Object.assign({}, COMMON, {
    // Absent from the message: the node builds the standard reply itself.
    message: "reply",
    format: "auto",
    // The SEQN stored for the device: a GET's answer, and a refusal's after a lost write.
    seqn: "payload[0].deviceSQN",
    // The gap the database counted when it stored a data message.
    lost: "payload[0].dataLost"
});

/**
 * What a node saved before an option existed behaves as: such a decrypt node
 * put nothing in msg.params. (It also had two outputs on either endpoint:
 * wsn-decrypt.js gives a "seqn" node without "outputs" DECRYPT_OUTPUTS.data's two.)
 */
const LEGACY = { params: "none" };

/** The decrypt node's output labels, by endpoint (its last output is the refusal). */
const DECRYPT_OUTPUTS = { data: ["accepted", "refused"], seqn: ["query", "reset", "refused"], any: ["query", "reset", "data", "refused"] };

module.exports = { POLICIES, ENDPOINTS, PARAMS, REPLY_FORMATS, GET_FORMATS, COMMON, DECRYPT, ENCRYPT, LEGACY, DECRYPT_OUTPUTS };
