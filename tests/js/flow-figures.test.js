"use strict";
// The shipped flows as a reader meets them in the editor (issue 13): each
// endpoint in its own group, every wire left to right, short success paths,
// no function node. Measured on the JSON scripts/make-flows.js writes, with
// the same measure it prints.

const fs = require("fs");
const path = require("path");
const should = require("should");
const { DIALECTS, MQTT_DIALECTS, build, figures } = require("../../scripts/make-flows.js");

const ROOT = path.join(__dirname, "..", "..");
const read = (dir, file) => JSON.parse(fs.readFileSync(path.join(ROOT, dir, file), "utf8"));

// Nodes strictly between http in and http response, per success path.
const EXPECTED_PATHS = {
    "wsn-sqlite.json": [["GET /wsn/:id", 3], ["POST /wsn/:id", 4], ["POST /wsn/:id", 6], ["POST /data/:id", 6]],
    // The mysql node reads SQL and parameters from msg.topic and msg.payload:
    // one change node more before each write.
    "wsn-mysql.json": [["GET /wsn/:id", 3], ["POST /wsn/:id", 4], ["POST /wsn/:id", 7], ["POST /data/:id", 7]]
};

/**
 * A shipped flows file, read as the editor would import it, with its
 * figures; and the check, in the calling describe(), that it is what
 * scripts/make-flows.js writes for `dialect` and examples/ holds the same.
 */
function shipped(dialect) {
    const flow = read("flows", dialect.file);
    it("is what scripts/make-flows.js writes, and examples/ holds the same", function () {
        JSON.parse(JSON.stringify(build(dialect))).should.eql(flow);
        read("examples", dialect.file).should.eql(flow);
    });
    return { flow, byId: new Map(flow.map((n) => [n.id, n])), flowNodes: flow.filter((n) => Array.isArray(n.wires)), measured: figures(flow) };
}

for (const dialect of DIALECTS) {
    describe(`shipped flows: ${dialect.file}`, function () {
        const { flow, byId, flowNodes, measured } = shipped(dialect);

        it("has no function node: change nodes set what the database nodes need, the wsn nodes do the rest", function () {
            measured.functionNodes.should.equal(0);
            flowNodes.filter((n) => n.type === "function").should.eql([]);
        });

        it("runs every wire left to right", function () {
            measured.rightToLeft.should.equal(0);
            for (const n of flowNodes) {
                for (const t of [].concat(...n.wires)) { byId.get(t).x.should.be.above(n.x, `${n.name || n.type} -> ${byId.get(t).name || byId.get(t).type}`); }
            }
        });

        it("puts each endpoint in a group of its own, with everything its requests pass", function () {
            const groups = flow.filter((n) => n.type === "group");
            groups.length.should.equal(4);
            for (const n of flowNodes) { should.exist(byId.get(n.g), `${n.name || n.type} is in no group`); }
            for (const g of groups) {
                g.nodes.forEach((id) => byId.get(id).g.should.equal(g.id));
                g.name.should.be.a.String().and.not.be.empty();
            }
            for (const start of flowNodes.filter((n) => n.type === "http in")) {
                const queue = [start];
                const seen = new Set([start.id]);
                while (queue.length) {
                    const n = queue.shift();
                    n.g.should.equal(start.g, `${n.name || n.type} after ${start.url}`);
                    for (const t of [].concat(...n.wires)) { if (!seen.has(t)) { seen.add(t); queue.push(byId.get(t)); } }
                }
                byId.get(start.g).name.should.startWith(`${start.method.toUpperCase()} ${start.url}`);
            }
        });

        it("keeps the groups apart and every node inside its group's box", function () {
            const groups = flow.filter((n) => n.type === "group");
            for (const g of groups) {
                for (const id of g.nodes) {
                    const n = byId.get(id);
                    n.x.should.be.within(g.x, g.x + g.w, n.name || n.type);
                    n.y.should.be.within(g.y, g.y + g.h, n.name || n.type);
                }
                for (const other of groups.filter((o) => o !== g)) {
                    const apart = g.y + g.h < other.y || other.y + other.h < g.y || g.x + g.w < other.x || other.x + other.w < g.x;
                    apart.should.be.true(`${g.name} overlaps ${other.name}`);
                }
            }
        });

        it("has short success paths: at most 6 nodes between http in and http response (MySQL: 7)", function () {
            measured.successPaths.map((p) => [p.endpoint, p.between]).should.eql(EXPECTED_PATHS[dialect.file]);
        });

        it("answers a refusal of each node in an http response of its own, on a row below the success line", function () {
            for (const n of flowNodes.filter((x) => x.type === "wsn-decrypt")) {
                const refusal = byId.get(n.wires[n.wires.length - 1][0]);
                refusal.type.should.equal("http response");
                refusal.y.should.be.above(n.y);
                n.outputs.should.equal(n.endpoint === "seqn" ? 3 : 2);
                n.wires.length.should.equal(n.outputs);
                n.params.should.equal(dialect.params);
            }
            for (const n of flowNodes.filter((x) => x.type === "wsn-encrypt")) {
                // The standard reply: no message property the flow sets.
                n.message.should.equal("reply");
                n.wires[1].should.eql(n.wires[0]);
            }
        });

        it("sends database errors to one generic 500 and catches nothing the wsn nodes answered already", function () {
            const catches = flowNodes.filter((n) => n.type === "catch");
            catches.length.should.equal(1);
            const scope = catches[0].scope.map((id) => byId.get(id).type);
            scope.should.not.containEql("wsn-decrypt");
            scope.should.not.containEql("wsn-encrypt");
            flowNodes.filter((n) => n.type === dialect.dbType).forEach((n) => catches[0].scope.should.containEql(n.id));
            const answer = byId.get(catches[0].wires[0][0]);
            answer.rules.should.eql([
                { t: "set", p: "statusCode", pt: "msg", to: "500", tot: "num" },
                { t: "set", p: "payload", pt: "msg", to: "{\"error\":\"server_error\"}", tot: "json" },
                { t: "delete", p: "wsn", pt: "msg" }
            ]);
            byId.get(answer.wires[0][0]).type.should.equal("http response");
        });
    });
}

// The MQTT flows: one group for the topic, one for database errors.
const EXPECTED_MQTT_PATHS = {
    // The legacy SEQN query, the auth query, a reset and a data message.
    "wsn-mqtt-sqlite.json": [4, 5, 7, 7],
    // On MySQL a change node puts the reply topic back into msg.topic (the SQL's place) before each publish.
    "wsn-mqtt-mysql.json": [5, 6, 9, 9]
};

for (const dialect of MQTT_DIALECTS) {
    describe(`shipped flows: ${dialect.file}`, function () {
        const { flow, byId, flowNodes, measured } = shipped(dialect);

        it("has no function node and runs every wire left to right, each node in a group", function () {
            measured.functionNodes.should.equal(0);
            measured.rightToLeft.should.equal(0);
            for (const n of flowNodes) { should.exist(byId.get(n.g), `${n.name || n.type} is in no group`); }
        });

        it("takes every request of wsn/+/up through one decrypt node on endpoint 'any', four outputs", function () {
            const inputs = flowNodes.filter((n) => n.type === "mqtt in");
            inputs.length.should.equal(1);
            inputs[0].topic.should.endWith("wsn/+/up");
            const decrypts = flowNodes.filter((n) => n.type === "wsn-decrypt");
            decrypts.length.should.equal(1);
            [decrypts[0].endpoint, decrypts[0].outputs, decrypts[0].wires.length, decrypts[0].body, decrypts[0].deviceId].should.eql(["any", 4, 4, "request", "device"]);
        });

        it("publishes every answer at QoS 1, never retained, on the topic the message carries", function () {
            const outs = flowNodes.filter((n) => n.type === "mqtt out");
            outs.length.should.be.above(4);
            for (const n of outs) { [n.topic, n.qos, n.retain].should.eql(["", "1", "false"]); }
        });

        it("has short success paths", function () {
            measured.successPaths.map((p) => p.between).should.eql(EXPECTED_MQTT_PATHS[dialect.file]);
        });
    });
}
