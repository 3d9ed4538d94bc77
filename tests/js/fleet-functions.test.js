"use strict";
// The fleet dashboard's function nodes (scripts/flows/fleet-functions.js),
// each body taken from the shipped examples/wsn-fleet-dashboard.json and run
// as Node-RED's function node runs it: in a vm context of its own, with a
// flow context and an environment. The clock is the test's (Date.now in the
// context). What the browser shows is in dashboard.test.js; here, the rules
// of the summary that take hours or thousands of devices to see there.

const vm = require("vm");
const path = require("path");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");

const FLOWS = require(path.join(backend.ROOT, "examples", "wsn-fleet-dashboard.json"));
const body = (name) => FLOWS.find((n) => n.type === "function" && n.name === name).func;

/** The dashboard's functions sharing one flow context, on a clock set by `clock.now`. */
function dashboard(environment) {
    const store = {};
    const clock = { now: Date.UTC(2026, 11, 3, 12, 0, 0) };
    const FakeDate = class extends Date {
        constructor(...args) { if (args.length === 0) { super(clock.now); } else { super(...args); } }
        static now() { return clock.now; }
    };
    const sandbox = {
        flow: { get: (k) => store[k], set: (k, v) => { store[k] = v; } },
        env: { get: (k) => (environment || {})[k] },
        Date: FakeDate
    };
    const make = (name) => {
        const fn = vm.runInNewContext(`(function (msg) {\n${body(name)}\n})`, Object.assign({}, sandbox));
        return (msg) => fn(msg);
    };
    const next = make("Next statement");
    const summary = make("Fleet summary");
    return {
        clock,
        fleet: () => store.fleet,
        /** One tick: the statement it asks for, answered with `rows`, then the refusal counts. Returns the summary's outputs. */
        tick(rows, refusals) {
            const out = next({});
            const statement = out.slice(0, 3).find(Boolean);
            const answers = [];
            if (statement) { answers.push(summary(Object.assign({}, statement, { payload: rows || [] }))); }
            answers.push(summary(Object.assign({}, out[3], { payload: refusals || { since: new Date(clock.now).toISOString(), devices: {}, unknown: { hour: {}, minute: 0 } } })));
            return answers;
        },
        next,
        summary
    };
}

const iso = (ms) => new Date(ms).toISOString();
const deviceRow = (id) => ({ kind: "device", deviceID: id, seqn: 1, formats: "auth" });
const total = (id, at, dataID) => ({ kind: "total", deviceID: id, dataID, dataDate: iso(at), lost: 0, stored: 1 });
const alertsOf = (answers) => [].concat(...answers.map((a) => Array.from((a && a[3]) || [])));

describe("fleet dashboard functions (the shipped bodies, in a vm)", function () {
    it("sends more than five alerts at once as one message holding them all (every silent device after a restart)", function () {
        const d = dashboard({ WSN_SILENT_AFTER: "60" });
        const old = d.clock.now - 3600 * 1000;
        const ids = Array.from({ length: 1000 }, (_, i) => `S${i}`);
        const answers = d.tick(ids.map(deviceRow).concat(ids.map((id, i) => total(id, old, i + 1))));
        const alerts = alertsOf(answers);
        alerts.length.should.equal(1);
        alerts[0].topic.should.equal("wsn/alert/many");
        // Objects made in the vm have its Object.prototype, without should's getter: should(x).
        should(alerts[0].payload).have.properties({ kind: "many", count: 1000 });
        alerts[0].payload.alerts.length.should.equal(1000);
        // Raised once: the next second says nothing more.
        alertsOf(d.tick([])).should.eql([]);
    });

    it("raises a silence once, and again only after the device was heard", function () {
        const d = dashboard({ WSN_SILENT_AFTER: "60" });
        d.tick([deviceRow("A"), total("A", d.clock.now, 1)]);
        d.clock.now += 61 * 1000;
        alertsOf(d.tick([])).map((a) => a.payload.kind).should.eql(["silent"]);
        d.clock.now += 1000;
        alertsOf(d.tick([])).should.eql([]);
        d.tick([{ kind: "row", deviceID: "A", dataID: 2, dataDate: iso(d.clock.now), seqn: 2, lost: 0, dataValue: 1 }]);
        d.clock.now += 61 * 1000;
        alertsOf(d.tick([])).map((a) => a.payload.device).should.eql(["A"]);
    });

    it("clears a refusal alert after a quiet minute and raises it again ten minutes after the last at the soonest", function () {
        const d = dashboard({ WSN_REFUSAL_BURST: "3" });
        d.tick([deviceRow("A")]);
        const counts = (minute) => ({ since: iso(0), devices: minute === null ? {} : { A: { hour: { replay: 5 }, minute } }, unknown: { hour: {}, minute: 0 } });
        alertsOf(d.tick([], counts(4))).map((a) => a.payload.kind).should.eql(["refusals"]);
        alertsOf(d.tick([], counts(2))).should.eql([]);
        alertsOf(d.tick([], counts(0))).should.eql([]);
        d.clock.now += 60 * 1000;
        alertsOf(d.tick([], counts(5))).should.eql([], "within ten minutes of the last");
        alertsOf(d.tick([], counts(0))).should.eql([]);
        d.clock.now += 10 * 60 * 1000;
        alertsOf(d.tick([], counts(5))).map((a) => a.payload.device).should.eql(["A"]);
    });

    it("drops the answer to a statement given up, and frees the way when a statement fails", function () {
        const d = dashboard({});
        d.tick([deviceRow("A")]);
        const first = d.next({}).slice(0, 3).find(Boolean);
        should.exist(first);
        // Still in flight: the next tick asks for nothing but the refusal counts.
        d.next({}).slice(0, 3).filter(Boolean).length.should.equal(0);
        // It failed (the catch node's message carries it and msg.error): the next tick asks again.
        d.summary(Object.assign({}, first, { error: { message: "database locked" } }));
        const second = d.next({}).slice(0, 3).find(Boolean);
        second.fleetSeq.should.be.above(first.fleetSeq);
        // The first one's answer, arriving late, is not counted.
        d.summary(Object.assign({}, first, { payload: [{ kind: "row", deviceID: "A", dataID: 5, dataDate: iso(d.clock.now), seqn: 5, lost: 0 }] }));
        d.fleet().devices.A.stored.should.equal(0);
        d.summary(Object.assign({}, second, { payload: [{ kind: "row", deviceID: "A", dataID: 5, dataDate: iso(d.clock.now), seqn: 5, lost: 0 }] }));
        d.fleet().devices.A.stored.should.equal(1);
    });

    it("on MySQL, counts a row read again once, and one that commits late below the last row read", function () {
        const d = dashboard({ WSN_FLEET_DB: "mysql", WSN_FLEET_REREAD: "200" });
        d.tick([deviceRow("A"), total("A", d.clock.now, 10), { kind: "seen", deviceID: "A", dataID: 10 }]);
        const row = (dataID) => ({ kind: "row", deviceID: "A", dataID, dataDate: iso(d.clock.now), seqn: dataID, lost: 0 });
        const statement = d.next({}).slice(0, 3).find(Boolean);
        JSON.parse(JSON.stringify(statement.params)).should.eql({ after: 0, selected: null });
        // 10 again (counted at start), 12, then 11 committing after 12 was read.
        d.summary(Object.assign({}, statement, { payload: [row(10), row(12)] }));
        d.fleet().devices.A.stored.should.equal(2);
        const again = d.next({}).slice(0, 3).find(Boolean);
        d.summary(Object.assign({}, again, { payload: [row(10), row(11), row(12)] }));
        d.fleet().devices.A.stored.should.equal(3);
    });
});
