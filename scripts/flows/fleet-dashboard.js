"use strict";
// The fleet dashboard, examples/wsn-fleet-dashboard.json (and flows/): a
// Node-RED Dashboard 2 page at /dashboard/fleet showing what the backend
// knows about each device, read from the shipped flows' SQLite database
// (WSN_DB) through a read-only connection of its own; and its twin on the
// MySQL flows' database, wsn-fleet-dashboard-mysql.json (/dashboard/fleet-mysql).
//
// The database is read by one statement a second at most (an inject node
// drives "Next statement"); the per-device summary is kept in the flow
// context and updated from the new rows, so that a second's work does not
// grow with the fleet's history, and the table gets one page of it.

const { layout, wire } = require("./layout.js");
const fn = require("./fleet-functions.js");

// Every statement answers rows of the same columns, of five kinds: a
// device (its stored SEQN and formats), a device's totals, its losses in one
// hour (dataDate: the hour), a stored row (dataJSON only for the device the
// page shows), and (MySQL) a row already counted at start. The two
// databases differ in their parameters, dates and sums only.
function statements(d) {
    const iso = d.iso("dataDate");
    const deviceRows = "SELECT 'device' AS kind, deviceID, deviceSQN AS seqn, deviceFormats AS formats, NULL AS dataID, NULL AS dataDate, NULL AS dataValue, NULL AS lost, NULL AS stored, NULL AS dataJSON\nFROM Devices";
    const newRows = `SELECT * FROM (SELECT 'row' AS kind, deviceID, dataSEQN AS seqn, NULL AS formats, dataID, ${iso} AS dataDate, dataValue, dataLost AS lost, NULL AS stored,\n  CASE WHEN deviceID = ${d.param("selected")} THEN ${d.text("dataJSON")} END AS dataJSON\nFROM Data WHERE dataID > ${d.param("after")} ORDER BY dataID LIMIT 2000) AS r`;
    return {
        // Once at start, one statement (one snapshot): the devices, their
        // totals, and what each lost in each of the last 24 hours.
        start: deviceRows +
            `\nUNION ALL\nSELECT 'total', deviceID, NULL, NULL, max(dataID), ${d.iso("max(dataDate)")}, NULL, ${d.sum("dataLost")}, count(*), NULL\nFROM Data GROUP BY deviceID` +
            `\nUNION ALL\nSELECT 'hour', deviceID, NULL, NULL, NULL, ${d.hour("dataDate")}, NULL, ${d.sum("dataLost")}, NULL, NULL\nFROM Data WHERE dataDate >= ${d.dayAgo} GROUP BY deviceID, ${d.hour("dataDate")}` +
            (d.reread ? `\nUNION ALL\nSELECT 'seen', deviceID, NULL, NULL, dataID, NULL, NULL, NULL, NULL, NULL\nFROM Data WHERE dataID > (SELECT CAST(max(dataID) AS SIGNED) FROM Data) - ${d.reread}` : ""),
        // Each second: what was stored since the last row read.
        rows: newRows,
        // Each fifth second, in the same statement, the device list too (resets, provisioning, removals).
        rowsAndDevices: deviceRows + "\nUNION ALL\n" + newRows,
        // When a device is picked: its last 24 h.
        history: `SELECT 'row' AS kind, dataID, ${iso} AS dataDate, dataValue, dataSEQN AS seqn, dataLost AS lost, ${d.text("dataJSON")} AS dataJSON\nFROM Data WHERE deviceID = ${d.param("id")} AND dataDate >= ${d.dayAgo} ORDER BY dataID`
    };
}

const DIALECTS = [
    {
        file: "wsn-fleet-dashboard.json", db: "sqlite", label: "SQLite", idPrefix: "f", tab: "a1f0c0de00000010", page: "/fleet", pageName: "Fleet",
        ids: { database: "a1f0c0de000000d5", page: "a1f0c0de000000f2", devices: "a1f0c0de000000f3", device: "a1f0c0de000000f4" },
        // Read-only: the dashboard cannot write, whatever a flow of it does.
        database: (id) => ({ id, type: "sqlitedb", db: "${WSN_DB}", mode: "RO" }),
        param: (name) => `$${name}`,
        // Dates are stored as the ISO text Date#toISOString writes.
        iso: (column) => column,
        hour: (column) => `substr(${column}, 1, 13)`,
        sum: (column) => `total(${column})`,
        text: (column) => column,
        dayAgo: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')",
        // One writer, rowids in commit order: a row below the last one read never comes later.
        reread: 0,
        source: "the shipped SQLite flows' database (WSN_DB), read-only"
    },
    {
        file: "wsn-fleet-dashboard-mysql.json", db: "mysql", label: "MySQL/MariaDB", idPrefix: "h", tab: "a1f0c0de00000011", page: "/fleet-mysql", pageName: "Fleet (MySQL)",
        ids: { database: "a1f0c0de000000d6", page: "a1f0c0de000000f5", devices: "a1f0c0de000000f6", device: "a1f0c0de000000f7" },
        // The shipped MySQL flows' connection, from the same environment (a user with SELECT alone will do).
        database: (id) => ({
            id, type: "MySQLdatabase", name: "wsn (fleet view)", host: "${WSN_MYSQL_HOST}", port: "${WSN_MYSQL_PORT}", db: "${WSN_MYSQL_DATABASE}", tz: "Z", charset: "UTF8MB4",
            credentials: { user: "${WSN_MYSQL_USER}", password: "${WSN_MYSQL_PASSWORD}" }
        }),
        param: (name) => `:${name}`,
        // DATETIME(3) in UTC, as the ISO text the SQLite flows store.
        iso: (column) => `CONCAT(DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.'), LPAD(FLOOR(MICROSECOND(${column}) / 1000), 3, '0'), 'Z')`,
        hour: (column) => `DATE_FORMAT(${column}, '%Y-%m-%dT%H')`,
        sum: (column) => `CAST(COALESCE(SUM(${column}), 0) AS SIGNED)`,
        // MariaDB reports a LONGTEXT with a JSON_VALID check as JSON, and the driver would parse it: the text, as stored.
        text: (column) => `CAST(${column} AS CHAR)`,
        dayAgo: "UTC_TIMESTAMP(3) - INTERVAL 1 DAY",
        // Several instances write at once and AUTO_INCREMENT ids are taken
        // before commit: a row can commit after one with a higher id was
        // read. The last 200 ids are read again each second, and a row
        // already counted is skipped. (dataID is unsigned: the subtraction
        // is done on a signed copy.)
        reread: 200,
        source: "the shipped MySQL flows' database (WSN_MYSQL_*)"
    }
];

const TABLE_COLUMNS = [
    ["Device", "id", "start"], ["Formats", "formats", "start"], ["SEQN", "seqn", "end"], ["Last seen (UTC)", "lastSeen", "start"],
    ["State", "state", "start"], ["Rows", "rows", "end"], ["Lost", "lost", "end"], ["Lost, 24 h", "lost24", "end"],
    ["Refused, last hour", "refused", "start"]
].map(([title, key, align]) => ({ title, key, keyType: "key", type: "text", width: "", align }));

const info = (d) => [
    `The fleet view: a Dashboard 2 page at /dashboard${d.page} (needs @flowfuse/node-red-dashboard).`,
    `Reads ${d.source}. One statement a second at most; refusals come from the wsn refusals node (memory, not the database).`,
    "Alerts (environment variables, here on the tab or in the process): WSN_SILENT_AFTER (seconds, default 900), WSN_SILENT_AFTER_BY_DEVICE (JSON, {\"<id>\": seconds}), WSN_LOST_BURST (messages lost in one gap, default 5), WSN_REFUSAL_BURST (refusals of one device in a minute, default 10).",
    "With adminAuth on, put the dashboard behind the editor's users: see the package README, \"Fleet dashboard\"."
].join("\n");

/** The nodes of one fleet dashboard flows file. */
function build(d) {
    const SQL = statements(d);
    const TAB = d.tab;
    // What the function nodes need to know of the database: its parameter names, and how many rows to read again.
    const env = [{ name: "WSN_FLEET_DB", value: d.db, type: "str" }, { name: "WSN_FLEET_REREAD", value: String(d.reread), type: "num" }];
    const tab = { id: TAB, type: "tab", label: `wsn-crypto fleet (${d.label})`, disabled: false, info: info(d), env };
    const database = d.database(d.ids.database);
    const base = {
        id: "a1f0c0de000000f0", type: "ui-base", name: "wsn-crypto", path: "/dashboard", appIcon: "", includeClientData: true,
        acceptsClientConfig: ["ui-notification", "ui-control"], showPathInSidebar: false, headerContent: "page", navigationStyle: "default",
        titleBarStyle: "default", showReconnectNotification: true, notificationDisplayTime: 1, showDisconnectNotification: true, allowInstall: false
    };
    const theme = {
        id: "a1f0c0de000000f1", type: "ui-theme", name: "wsn-crypto",
        colors: { surface: "#2f4858", primary: "#2f6f8f", bgPage: "#f4f6f8", groupBg: "#ffffff", groupOutline: "#d9d9e0" },
        sizes: { density: "compact", pagePadding: "12px", groupGap: "12px", groupBorderRadius: "4px", widgetGap: "8px" }
    };
    const page = {
        id: d.ids.page, type: "ui-page", name: d.pageName, ui: base.id, path: d.page, icon: "router-wireless", layout: "grid", theme: theme.id,
        breakpoints: [{ name: "Default", px: 0, cols: 3 }, { name: "Tablet", px: 576, cols: 6 }, { name: "Small Desktop", px: 768, cols: 9 }, { name: "Desktop", px: 1024, cols: 12 }],
        order: 1, className: "", visible: "true", disabled: "false"
    };
    const uiGroup = (id, name, order) => ({ id, type: "ui-group", name, page: page.id, width: "12", height: "1", order, showTitle: true, className: "", visible: "true", disabled: "false", groupType: "default" });
    const devicesGroup = uiGroup(d.ids.devices, "Devices", 1);
    const deviceGroup = uiGroup(d.ids.device, "Selected device: data.value, last 24 h (gaps: lost messages)", 2);
    const nodes = [tab, database, base, theme, page, devicesGroup, deviceGroup];
    const { id, group } = layout(nodes, TAB, d.idPrefix);

    const func = (name, body, outputs, outputLabels) => ({ id: id("2"), type: "function", name, func: fn.bodyOf(body), outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], outputLabels, wires: [] });
    // A statement, placed at column c, row r of group g: on SQLite one node
    // holding it (its parameters in msg.params); on MySQL a change node that
    // puts it and its parameters where the mysql node reads them (msg.topic,
    // msg.payload), then the mysql node: one column more. Returns both ends.
    const shift = d.db === "mysql" ? 1 : 0;
    function query(g, name, sql, c, r) {
        if (d.db === "sqlite") {
            const n = g.add({ id: id("3"), type: "sqlite", mydb: database.id, sqlquery: "prepared", sql, name, wires: [] }, c, r);
            return { input: n, output: n };
        }
        const set = (p, to, tot) => ({ t: "set", p, pt: "msg", to, tot });
        const before = g.add({ id: id("7"), type: "change", name: `${name} query`, rules: [set("topic", sql, "str"), set("payload", "params", "msg")], wires: [] }, c, r);
        const n = g.add({ id: id("3"), type: "mysql", mydb: database.id, name, wires: [] }, c + 1, r);
        wire(before, [n]);
        return { input: before, output: n };
    }
    const widget = (type, ui, props) => Object.assign({ id: id("u"), type, group: ui.id, order: 0, width: 0, height: 0, className: "", wires: [] }, props);

    const g1 = group("Every second: one statement and the refusal counts into the summary; out of it the table, its line and the alerts");
    g1.add({ id: id("8"), type: "comment", name: `/dashboard${d.page}`, info: info(d), wires: [] }, 0, 0);
    const tick = g1.add({ id: id("0"), type: "inject", name: "every second", props: [], repeat: "1", crontab: "", once: true, onceDelay: "0.5", topic: "", wires: [] }, 0, 2);
    const next = g1.add(func("Next statement", fn.nextStatement, 4, ["start: devices, totals, last 24 h", "new rows", "new rows and devices (each fifth second)", "refusal counts"]), 1, 2);
    const start = query(g1, "Devices, totals, 24 h", SQL.start, 2, 1);
    const rows = query(g1, "New rows", SQL.rows, 2, 2);
    const rowsAndDevices = query(g1, "New rows, devices", SQL.rowsAndDevices, 2, 3);
    const refusals = g1.add({ id: id("4"), type: "wsn-refusals", name: "", wires: [] }, 2 + shift, 4);
    const summary = g1.add(func("Fleet summary", fn.fleetSummary, 5, ["the table's page", "the line under it", "the selected device's new rows", "alerts, one message each", "the alerts' notification"]), 3 + shift, 2);
    const table = g1.add(widget("ui-table", devicesGroup, {
        name: "devices", label: "", order: 1, maxrows: 0, passthru: false, autocols: false, showSearch: false, deselect: false, selectionType: "click",
        columns: TABLE_COLUMNS, mobileBreakpoint: "sm", mobileBreakpointType: "defaults", action: "replace"
    }), 4 + shift, 0);
    const line = g1.add(widget("ui-text", devicesGroup, { name: "page line", label: "", order: 2, format: "{{msg.payload}}", layout: "row-left", style: false, font: "", fontSize: 14, color: "#555555", wrapText: true, value: "payload", valueType: "msg" }), 4 + shift, 1);
    // Row 2 of this column stays free: the selected device's rows leave the
    // summary's middle output there, straight to the chart.
    const debug = g1.add({ id: id("9"), type: "debug", name: "alerts", active: true, tosidebar: true, console: false, tostatus: false, complete: "payload", targetType: "msg", statusVal: "", statusType: "auto", wires: [] }, 4 + shift, 3);
    // Wire a link in node on a flow of your own (email, chat) to this one.
    const out = g1.add({ id: id("5"), type: "link out", name: "wsn alerts", mode: "link", links: [], l: true, wires: [] }, 4 + shift, 4);
    const notify = g1.add({
        id: id("u"), type: "ui-notification", ui: base.id, name: "alert", position: "top right", colorDefault: false, color: "#b3261e", displayTime: "10",
        showCountdown: true, outputs: 1, allowDismiss: true, dismissText: "Close", allowConfirm: false, confirmText: "Confirm", raw: false, className: "", wires: [[]]
    }, 4 + shift, 5);
    // A statement that fails (the database away) is caught, so the next tick tries again at once.
    const failed = g1.add({ id: id("9"), type: "catch", name: "statement failed", scope: [start, rows, rowsAndDevices].flatMap((q) => [q.input.id, q.output.id]), uncaught: false, wires: [] }, 1, 4);
    wire(failed, [summary]);
    wire(tick, [next]);
    wire(next, [start.input], [rows.input], [rowsAndDevices.input], [refusals]);
    [start.output, rows.output, rowsAndDevices.output, refusals].forEach((n) => wire(n, [summary]));
    g1.close();

    const g2 = group("The device a click on the table picks: its last 24 h, then each new row", { beside: true });
    const pick = g2.add(func("Pick device", fn.pickDevice, 1, ["the device's history query"]), 5 + shift, 1);
    const history = query(g2, "Device history", SQL.history, 6 + shift, 1);
    const points = g2.add(func("Chart points", fn.chartPoints, 2, ["chart points", "latest dataJSON"]), 7 + 2 * shift, 2);
    const chart = g2.add(widget("ui-chart", deviceGroup, {
        name: "data.value", label: "data.value", order: 1, chartType: "line", category: "series", categoryType: "property",
        xAxisLabel: "", xAxisProperty: "t", xAxisPropertyType: "property", xAxisType: "time", xAxisFormat: "", xAxisFormatType: "auto", xmin: "", xmax: "",
        yAxisLabel: "", yAxisProperty: "v", yAxisPropertyType: "property", ymin: "", ymax: "", bins: 10, action: "append", stackSeries: false,
        pointShape: "circle", pointRadius: 3, showLegend: true, removeOlder: "24", removeOlderUnit: "3600", removeOlderPoints: "",
        colors: ["#2f6f8f", "#d62728", "#ff7f0e", "#2ca02c", "#a347e1", "#9467bd", "#ff9896", "#c5b0d5", "#0095ff"],
        textColor: ["#666666"], textColorDefault: true, gridColor: ["#e5e5e5"], gridColorDefault: true, width: "12", height: "6", interpolation: "linear"
    }), 8 + 2 * shift, 2);
    // Vue's {{ }} escapes: a device's dataJSON is shown as text, never as markup.
    const latest = g2.add(widget("ui-template", deviceGroup, {
        name: "latest dataJSON", order: 2, width: "12", height: "2", page: "", ui: "", head: "", templateScope: "local", storeOutMessages: true, passthru: false, resendOnRefresh: true,
        format: "<template>\n  <div class=\"wsn-latest\">\n    <template v-if=\"msg && msg.payload\">\n      <div>Latest dataJSON of <b class=\"wsn-latest-id\">{{ msg.payload.id }}</b><span v-if=\"msg.payload.seqn !== null\"> (SEQN {{ msg.payload.seqn }}, {{ msg.payload.at }})</span></div>\n      <pre class=\"wsn-latest-json\" style=\"white-space: pre-wrap; margin: 4px 0 0\">{{ msg.payload.json }}</pre>\n    </template>\n    <div v-else>Click a device in the table to see its data.</div>\n  </div>\n</template>\n"
    }), 8 + 2 * shift, 3);
    wire(table, [pick]);
    wire(pick, [history.input]);
    wire(history.output, [points]);
    wire(points, [chart], [latest]);
    g2.close();

    const g3 = group("Table controls: pages of 20, find a device by id");
    const button = (name, label, payload, order) => widget("ui-button", devicesGroup, {
        name, label, order, tooltip: "", color: "", bgcolor: "", icon: "", iconPosition: "left", payload, payloadType: "num", topic: "page", topicType: "str",
        buttonColor: "", textColor: "", iconColor: "", enableClick: true, enablePointerdown: false, pointerdownPayload: "", pointerdownPayloadType: "str",
        enablePointerup: false, pointerupPayload: "", pointerupPayloadType: "str", emulateClick: false, width: "2", height: "1"
    });
    const previous = g3.add(button("previous page", "◀ previous", "-1", 3), 2 + shift, 0);
    const nextPage = g3.add(button("next page", "next ▶", "1", 4), 2 + shift, 1);
    const find = g3.add(widget("ui-text-input", devicesGroup, {
        name: "find device", label: "Find device (part of its id)", order: 5, width: "4", height: "1", topic: "find", topicType: "str", mode: "text", tooltip: "",
        delay: 300, passthru: false, sendOnDelay: true, sendOnBlur: true, sendOnEnter: true, clearable: true, sendOnClear: true, icon: "", iconPosition: "left", iconInnerPosition: "inside"
    }), 2 + shift, 2);
    [previous, nextPage, find].forEach((n) => wire(n, [summary]));
    g3.close();

    wire(summary, [table], [line], [points], [debug, out], [notify]);
    return nodes;
}

module.exports = { build, DIALECTS };
