"use strict";
// The function nodes of the fleet dashboard (scripts/flows/fleet-dashboard.js
// puts their bodies into examples/wsn-fleet-dashboard.json). Written as
// functions so that they are read, linted and tested as code; each runs as a
// Node-RED function node body, with Node-RED's msg, flow and env in scope.
//
// What they share lives in the flow context under "fleet":
//   devices   id -> { formats, seqn, stored, lost, hours: { "YYYY-MM-DDTHH": lost }, lastSeen (ISO),
//             seenAt (ms), lastData, silent (alert raised), refusing (alert raised), refusedAt (ms) }
//   ids       the device ids, sorted (the table's order)
//   after     the last Data row read (dataID)
//   seen      (MySQL) the rows among the last ones read again that were counted already
//   started   whether the start-up statement has run
//   pending   when the statement in flight was sent (0: none)
//   tick      ticks since start
//   page, find, selected   what the page shows
//   refusals  the wsn refusals node's last snapshot
//   refusing  the ids whose refusals alert is raised and not yet cleared
//   seq       the number of the last statement sent; an answer to another is dropped
// All plain objects: the flow context may be a store that saves JSON.

/* global msg, flow, env */

/**
 * "Next statement": on each tick, picks the one statement this second runs:
 * at start the device list, the totals and the last 24 h; then the rows
 * stored since, with the device list every fifth second (resets,
 * provisioning). The last output asks for the refusal counts (memory, not
 * the database).
 */
function nextStatement() {
    // Maps keyed by device id or row id have no prototype: an id such as
    // "constructor" or "__proto__" is a key like any other (also when the
    // context store gave them back from JSON).
    const map = (from) => Object.assign(Object.create(null), from || {});
    const fleet = flow.get("fleet") || { ids: [], after: 0, started: false, tick: 0, seq: 0, pending: 0, page: 0, find: "", selected: null, refusals: null };
    for (const name of ["devices", "seen", "refusing"]) {
        if (!fleet[name] || Object.getPrototypeOf(fleet[name]) !== null) { fleet[name] = map(fleet[name]); }
    }
    for (const d of Object.values(fleet.devices)) { if (Object.getPrototypeOf(d.hours) !== null) { d.hours = map(d.hours); } }
    flow.set("fleet", fleet);
    fleet.tick += 1;
    // The tab's environment says which database: its parameter names (SQLite's
    // start with $), and how many of the last rows to read again (MySQL).
    const mysql = env.get("WSN_FLEET_DB") === "mysql";
    const reread = Number(env.get("WSN_FLEET_REREAD")) || 0;
    const params = (values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [(mysql ? "" : "$") + k, v]));
    const out = [null, null, null, { fleet: "refusals" }];
    msg.fleet = "rows";
    // One statement in flight at most: a slow answer is waited for (a second
    // statement would read the same rows again). A failed one is caught and
    // frees the way at once; one that never answers is given up after 120 s.
    // Each carries its number: a late answer to one given up is dropped.
    if (fleet.pending && Date.now() - fleet.pending < 120000) { return [null, null, null, out[3]]; }
    fleet.pending = Date.now();
    fleet.seq += 1;
    msg.fleetSeq = fleet.seq;
    if (!fleet.started) {
        msg.params = {};
        out[0] = msg;
        return out;
    }
    msg.params = params({ after: Math.max(0, fleet.after - reread), selected: fleet.selected === null ? null : String(fleet.selected) });
    out[fleet.tick % 5 === 0 ? 2 : 1] = msg;
    return out;
}

/**
 * "Fleet summary": folds each statement's answer, the refusal counts and the
 * page's controls into the per-device summary, then sends what changed: the
 * table's page, the line under it, the selected device's new rows, one
 * message per alert, and the alerts' notification text.
 */
function fleetSummary() {
    const fleet = flow.get("fleet");
    if (!fleet) { return null; }
    const PAGE_SIZE = 20;
    const DAY_MS = 24 * 3600 * 1000;
    const now = Date.now();
    const number = (name, fallback) => {
        const v = Number(env.get(name));
        return Number.isFinite(v) && v > 0 ? v : fallback;
    };
    const silentAfter = number("WSN_SILENT_AFTER", 900);
    let perDevice = {};
    try { perDevice = JSON.parse(env.get("WSN_SILENT_AFTER_BY_DEVICE") || "{}") || {}; } catch (e) { perDevice = {}; }
    const lostBurst = number("WSN_LOST_BURST", 5);
    const refusalBurst = number("WSN_REFUSAL_BURST", 10);
    const hourOf = (iso) => String(iso).slice(0, 13);
    const reread = Number(env.get("WSN_FLEET_REREAD")) || 0;
    const dayAgo = hourOf(new Date(now - DAY_MS).toISOString());
    /** A device's messages lost in the last 24 h; its older hours are dropped (memory stays a day per device). */
    const lostLastDay = (d) => {
        let lost = 0;
        for (const [hour, n] of Object.entries(d.hours)) {
            if (hour > dayAgo) { lost += n; } else { delete d.hours[hour]; }
        }
        return lost;
    };
    // The page line is rendered as (sanitised) HTML, and holds what a browser typed into "find".
    const text = (value) => String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const device = (id) => {
        if (!fleet.devices[id]) {
            fleet.devices[id] = { formats: "", seqn: 0, stored: 0, lost: 0, hours: Object.create(null), lastSeen: null, seenAt: 0, lastData: 0, silent: false, refusing: false, refusedAt: 0 };
            fleet.resort = true;
        }
        return fleet.devices[id];
    };
    const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
    const alerts = [];
    const newRows = [];

    if (msg.fleet === "rows" && msg.fleetSeq !== fleet.seq) {
        // The answer to a statement given up: what it holds may be counted already.
        return null;
    }
    if (msg.fleet === "rows" && msg.error) {
        // Caught: the statement failed (the database is away, say). The next tick tries again.
        fleet.pending = 0;
        return null;
    }
    if (msg.fleet === "rows") {
        fleet.pending = 0;
        // The statements answer rows of five kinds: a device (the whole list
        // comes at once), its totals and its losses of one hour (at start),
        // a row counted at start (read again on MySQL), and a stored row.
        const listed = msg.payload.some((row) => row.kind === "device") ? Object.create(null) : null;
        for (const row of msg.payload) {
            const d = device(row.deviceID);
            if (row.kind === "device") {
                d.formats = row.formats;
                d.seqn = row.seqn;
                listed[row.deviceID] = true;
            } else if (row.kind === "total") {
                d.stored = row.stored;
                d.lost = row.lost;
                d.lastSeen = row.dataDate;
                d.seenAt = Date.parse(row.dataDate);
                d.lastData = row.dataID;
                fleet.after = Math.max(fleet.after, row.dataID);
            } else if (row.kind === "hour") {
                d.hours[row.dataDate] = row.lost;
            } else if (row.kind === "seen") {
                fleet.seen[row.dataID] = true;
            } else if (!fleet.seen[row.dataID] && row.dataID > fleet.after - reread) {
                // A row at or below the window read again was counted already (or is out of reach).
                if (reread) { fleet.seen[row.dataID] = true; }
                d.stored += 1;
                d.lost += row.lost;
                d.hours[hourOf(row.dataDate)] = (d.hours[hourOf(row.dataDate)] || 0) + row.lost;
                lostLastDay(d);
                // Rows may come in any order (MySQL's): the latest date wins.
                const storedAt = Date.parse(row.dataDate);
                if (storedAt >= d.seenAt) { d.lastSeen = row.dataDate; d.seenAt = storedAt; }
                d.lastData = row.dataID;
                d.seqn = Math.max(d.seqn, row.seqn);
                fleet.after = Math.max(fleet.after, row.dataID);
                if (fleet.started && row.lost >= lostBurst) {
                    alerts.push({ kind: "lost", device: row.deviceID, lost: row.lost, text: `${row.deviceID}: ${row.lost} messages lost before SEQN ${row.seqn}` });
                }
                if (row.deviceID === fleet.selected) { newRows.push(row); }
            }
        }
        if (listed) {
            for (const id of Object.keys(fleet.devices)) {
                if (!listed[id]) { delete fleet.devices[id]; delete fleet.refusing[id]; fleet.resort = true; }
            }
        }
        if (fleet.resort) { fleet.ids = Object.keys(fleet.devices).sort(); fleet.resort = false; }
        for (const dataID of Object.keys(fleet.seen)) {
            if (Number(dataID) <= fleet.after - reread) { delete fleet.seen[dataID]; }
        }
        fleet.started = true;
    } else if (msg.fleet === "refusals") {
        fleet.refusals = msg.payload;
        // The devices with refusals counted, and those whose alert is still raised.
        // Raised at WSN_REFUSAL_BURST in a minute, cleared when a minute
        // passes without refusals, and raised again for a device ten minutes
        // after the last time at the soonest.
        for (const id of new Set(Object.keys(msg.payload.devices).concat(Object.keys(fleet.refusing)))) {
            const d = fleet.devices[id];
            const minute = own(msg.payload.devices, id) ? msg.payload.devices[id].minute : 0;
            if (!d) { delete fleet.refusing[id]; continue; }
            if (minute >= refusalBurst && !d.refusing && now - d.refusedAt >= 10 * 60 * 1000) {
                d.refusing = fleet.refusing[id] = true;
                d.refusedAt = now;
                alerts.push({ kind: "refusals", device: id, refusals: minute, text: `${id}: ${minute} requests refused in the last minute` });
            } else if (minute === 0 && d.refusing) {
                d.refusing = false;
                delete fleet.refusing[id];
            }
        }
        const unknown = msg.payload.unknown;
        if (unknown.minute >= refusalBurst && !fleet.unknownAlerted) {
            fleet.unknownAlerted = true;
            alerts.push({ kind: "refusals", device: null, refusals: unknown.minute, text: `${unknown.minute} requests for unknown devices refused in the last minute` });
        } else if (unknown.minute === 0) {
            fleet.unknownAlerted = false;
        }
    } else if (msg.topic === "page") {
        fleet.page = Math.max(0, fleet.page + Number(msg.payload));
    } else if (msg.topic === "find") {
        fleet.find = String(msg.payload || "").trim();
        fleet.page = 0;
    }

    // On the output one message per alert, up to five at a time; more at once
    // (every silent device after a restart, say) are one message holding them
    // all, so that an email or chat wired there gets one, not thousands. One
    // notification for them all (the page shows one at a time).
    const at = new Date(now).toISOString();
    const raised = () => [
        alerts.length <= 5 ? alerts.map((a) => ({ topic: `wsn/alert/${a.kind}`, payload: Object.assign({ at }, a) }))
            : [{ topic: "wsn/alert/many", payload: { at, kind: "many", count: alerts.length, text: `${alerts.length} alerts: ${alerts.slice(0, 3).map((a) => a.text).join("; ")}; …`, alerts } }],
        alerts.length === 0 ? null : { payload: alerts.length === 1 ? alerts[0].text : `${alerts.length} alerts: ` + alerts.slice(0, 5).map((a) => a.text).join("; ") + (alerts.length > 5 ? "; …" : "") }
    ];
    // No table before the start-up statement has run: no half-loaded figures.
    if (!fleet.started) { return [null, null, null].concat(raised()); }

    // Silence, once a second (the refusal counts come each second): once per
    // device and silence, cleared when it is heard again.
    if (msg.fleet === "refusals") {
        for (const id of fleet.ids) {
            const d = fleet.devices[id];
            if (!d.seenAt) { continue; }
            const period = own(perDevice, id) && perDevice[id] > 0 ? Number(perDevice[id]) : silentAfter;
            const silent = now - d.seenAt > period * 1000;
            if (silent === d.silent) { continue; }
            d.silent = silent;
            if (silent) { alerts.push({ kind: "silent", device: id, since: d.lastSeen, text: `${id}: silent since ${d.lastSeen} (longer than ${period} s)` }); }
        }
    }

    // The page the table shows: paged here, so the browser gets PAGE_SIZE rows, never the fleet.
    const matching = fleet.find ? fleet.ids.filter((id) => id.toLowerCase().includes(fleet.find.toLowerCase())) : fleet.ids;
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
    fleet.page = Math.min(fleet.page, pages - 1);
    const first = fleet.page * PAGE_SIZE;
    const refusals = (fleet.refusals && fleet.refusals.devices) || {};
    const rows = matching.slice(first, first + PAGE_SIZE).map(function (id) {
        const d = fleet.devices[id];
        const formats = String(d.formats || "").split(",").filter(Boolean);
        const refused = own(refusals, id) ? Object.entries(refusals[id].hour).map(([code, n]) => `${code} ${n}`).join(", ") : "";
        return {
            id,
            // The legacy formats are unauthenticated: flagged, so that an operator sees which devices still use them.
            formats: formats.length === 0 ? "none (locked)" : formats.map((f) => (f === "auth" ? f : `${f} (legacy)`)).join(", "),
            seqn: d.seqn,
            lastSeen: d.lastSeen ? d.lastSeen.replace("T", " ").replace(/\.\d+Z$/, "") : "never",
            state: d.silent ? "silent" : d.refusing ? "refusals" : d.lastSeen ? "ok" : "no data",
            rows: d.stored,
            lost: d.lost,
            lost24: lostLastDay(d),
            refused
        };
    });
    const shown = JSON.stringify(rows);
    const table = shown === fleet.shownRows ? null : { payload: rows, action: "replace" };
    fleet.shownRows = shown;
    const unknown = fleet.refusals ? Object.values(fleet.refusals.unknown.hour).reduce((a, b) => a + b, 0) : 0;
    const line = `Devices ${matching.length === 0 ? 0 : first + 1}–${Math.min(first + PAGE_SIZE, matching.length)} of ${matching.length}` +
        (fleet.find ? ` matching "${text(fleet.find)}"` : "") + ` · page ${fleet.page + 1} of ${pages}` +
        ` · refused for unknown ids in the last hour: ${unknown}` +
        (fleet.refusals ? ` · refusals counted since ${fleet.refusals.since.replace("T", " ").replace(/\.\d+Z$/, " UTC")}` : "");
    const label = line === fleet.shownLine ? null : { payload: line };
    fleet.shownLine = line;
    newRows.sort((a, b) => a.dataID - b.dataID);
    return [table, label, newRows.length ? { topic: "rows", payload: newRows } : null].concat(raised());
}

/**
 * "Pick device": a click on a table row selects its device; its last 24 h
 * are read once, then new rows come from the summary.
 */
function pickDevice() {
    const id = msg.payload && msg.payload.id;
    if (typeof id !== "string") { return null; }
    const fleet = flow.get("fleet");
    if (fleet) { fleet.selected = id; }
    return { fleet: "history", device: id, params: env.get("WSN_FLEET_DB") === "mysql" ? { id } : { $id: id } };
}

/**
 * "Chart points": the selected device's rows as chart points, a lost message
 * drawn as a gap (a point with no value between the two it separates), and
 * its latest dataJSON. The history replaces the chart; new rows add to it.
 */
function chartPoints() {
    const fleet = flow.get("fleet");
    const history = msg.fleet === "history";
    const id = history ? msg.device : fleet && fleet.selected;
    if (history && fleet && fleet.selected !== id) { return null; }
    const rows = msg.payload || [];
    const points = [];
    let previous = history ? null : flow.get("fleetLastPoint");
    for (const row of rows) {
        const t = Date.parse(row.dataDate);
        if (row.lost > 0 && previous !== null) {
            points.push({ t: Math.round((previous + t) / 2), v: null, series: id });
        }
        points.push({ t, v: typeof row.dataValue === "number" ? row.dataValue : null, series: id });
        previous = t;
    }
    flow.set("fleetLastPoint", previous);
    const last = rows.length ? rows[rows.length - 1] : null;
    let latest = null;
    if (last && typeof last.dataJSON === "string") {
        latest = { payload: { id, seqn: last.seqn, at: last.dataDate, json: last.dataJSON } };
    } else if (history) {
        latest = { payload: { id, seqn: null, at: null, json: "(nothing stored in the last 24 h)" } };
    }
    const chart = history ? { payload: points, action: "replace" } : points.length ? { payload: points } : null;
    return [chart, latest];
}

/** The body of a function, as a function node holds it. */
function bodyOf(fn) {
    const text = fn.toString();
    return text.slice(text.indexOf("{") + 1, text.lastIndexOf("}")).replace(/^\n/, "").replace(/\n {4}/g, "\n").replace(/^ {4}/, "").trimEnd() + "\n";
}

module.exports = { nextStatement, fleetSummary, pickDevice, chartPoints, bodyOf };
