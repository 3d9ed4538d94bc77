// The `wsn refusals` node: on any input, sends the refusals every wsn decrypt
// node of this Node-RED made in the last hour, per device and code
// (node-red/lib/refusal-counts.js). Memory only: nothing is written for a
// refused request, and a restart starts the counts at zero.
module.exports = function (RED) {
    "use strict";
    const { shared } = require("./lib/refusal-counts.js");

    function WsnRefusalsNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.on("input", function (msg, send, done) {
            msg.payload = shared.snapshot();
            send(msg);
            done();
        });
    }

    RED.nodes.registerType("wsn-refusals", WsnRefusalsNode);
};
