"use strict";
// The fleet dashboard, examples/wsn-fleet-dashboard.json (and flows/): a
// Node-RED Dashboard 2 page at /dashboard/fleet showing what the backend
// knows about each device, read from the shipped flows' SQLite database
// (WSN_DB) through a read-only connection of its own.
//
// The database is read by one statement a second at most (an inject node
// drives "Next statement"); the per-device summary is kept in the flow
// context and updated from the new rows, so that a second's work does not
// grow with the fleet's history, and the table gets one page of it.

const { layout, wire } = require("./layout.js");
const fn = require("./fleet-functions.js");

const TAB = "a1f0c0de00000010";

// Every statement answers rows of the same columns, of four kinds: a
// device (its stored SEQN and formats), a device's totals, its losses in one
// hour (dataDate: the hour), and a stored row (dataJSON only for the device
// the page shows).
const DEVICE_ROWS = "SELECT 'device' AS kind, deviceID, deviceSQN AS seqn, deviceFormats AS formats, NULL AS dataID, NULL AS dataDate, NULL AS dataValue, NULL AS lost, NULL AS stored, NULL AS dataJSON\nFROM Devices";
const NEW_ROWS = "SELECT * FROM (SELECT 'row' AS kind, deviceID, dataSEQN AS seqn, NULL AS formats, dataID, dataDate, dataValue, dataLost AS lost, NULL AS stored,\n  CASE WHEN deviceID = $selected THEN dataJSON END AS dataJSON\nFROM Data WHERE dataID > $after ORDER BY dataID LIMIT 2000)";
const SQL = {
    // Once at start, one statement (one snapshot): the devices, their
    // totals, and what each lost in each of the last 24 hours.
    start: DEVICE_ROWS + "\nUNION ALL\nSELECT 'total', deviceID, NULL, NULL, max(dataID), max(dataDate), NULL, total(dataLost), count(*), NULL\nFROM Data GROUP BY deviceID" +
        "\nUNION ALL\nSELECT 'hour', deviceID, NULL, NULL, NULL, substr(dataDate, 1, 13), NULL, total(dataLost), NULL, NULL\nFROM Data WHERE dataDate >= $since GROUP BY deviceID, substr(dataDate, 1, 13)",
    // Each second: what was stored since the last row read.
    rows: NEW_ROWS,
    // Each fifth second, in the same statement, the device list too (resets, provisioning, removals).
    rowsAndDevices: DEVICE_ROWS + "\nUNION ALL\n" + NEW_ROWS,
    // When a device is picked: its last 24 h.
    history: "SELECT 'row' AS kind, dataID, dataDate, dataValue, dataSEQN AS seqn, dataLost AS lost, dataJSON\nFROM Data WHERE deviceID = $id AND dataDate >= $since ORDER BY dataID"
};

const TABLE_COLUMNS = [
    ["Device", "id", "start"], ["Formats", "formats", "start"], ["SEQN", "seqn", "end"], ["Last seen (UTC)", "lastSeen", "start"],
    ["State", "state", "start"], ["Rows", "rows", "end"], ["Lost", "lost", "end"], ["Lost, 24 h", "lost24", "end"],
    ["Refused, last hour", "refused", "start"]
].map(([title, key, align]) => ({ title, key, keyType: "key", type: "text", width: "", align }));

const INFO = [
    "The fleet view: a Dashboard 2 page at /dashboard/fleet (needs @flowfuse/node-red-dashboard).",
    "Reads the shipped flows' SQLite database (WSN_DB), read-only. One statement a second at most; refusals come from the wsn refusals node (memory, not the database).",
    "Alerts (environment variables, here on the tab or in the process): WSN_SILENT_AFTER (seconds, default 900), WSN_SILENT_AFTER_BY_DEVICE (JSON, {\"<id>\": seconds}), WSN_LOST_BURST (messages lost in one gap, default 5), WSN_REFUSAL_BURST (refusals of one device in a minute, default 10).",
    "With adminAuth on, put the dashboard behind the editor's users: see the package README, \"Fleet dashboard\"."
].join("\n");

/** The nodes of the fleet dashboard flows file. */
function build() {
    const tab = { id: TAB, type: "tab", label: "wsn-crypto fleet (SQLite)", disabled: false, info: INFO, env: [] };
    const database = { id: "a1f0c0de000000d5", type: "sqlitedb", db: "${WSN_DB}", mode: "RO" };
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
        id: "a1f0c0de000000f2", type: "ui-page", name: "Fleet", ui: base.id, path: "/fleet", icon: "router-wireless", layout: "grid", theme: theme.id,
        breakpoints: [{ name: "Default", px: 0, cols: 3 }, { name: "Tablet", px: 576, cols: 6 }, { name: "Small Desktop", px: 768, cols: 9 }, { name: "Desktop", px: 1024, cols: 12 }],
        order: 1, className: "", visible: "true", disabled: "false"
    };
    const uiGroup = (id, name, order) => ({ id, type: "ui-group", name, page: page.id, width: "12", height: "1", order, showTitle: true, className: "", visible: "true", disabled: "false", groupType: "default" });
    const devicesGroup = uiGroup("a1f0c0de000000f3", "Devices", 1);
    const deviceGroup = uiGroup("a1f0c0de000000f4", "Selected device: data.value, last 24 h (gaps: lost messages)", 2);
    const nodes = [tab, database, base, theme, page, devicesGroup, deviceGroup];
    const { id, group } = layout(nodes, TAB, "f");

    const func = (name, body, outputs, outputLabels) => ({ id: id("2"), type: "function", name, func: fn.bodyOf(body), outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], outputLabels, wires: [] });
    const sqlite = (name, sql) => ({ id: id("3"), type: "sqlite", mydb: database.id, sqlquery: "prepared", sql, name, wires: [] });
    const widget = (type, ui, props) => Object.assign({ id: id("u"), type, group: ui.id, order: 0, width: 0, height: 0, className: "", wires: [] }, props);

    const g1 = group("Every second: one statement and the refusal counts into the summary; out of it the table, its line and the alerts");
    g1.add({ id: id("8"), type: "comment", name: "/dashboard/fleet", info: INFO, wires: [] }, 0, 0);
    const tick = g1.add({ id: id("0"), type: "inject", name: "every second", props: [], repeat: "1", crontab: "", once: true, onceDelay: "0.5", topic: "", wires: [] }, 0, 2);
    const next = g1.add(func("Next statement", fn.nextStatement, 4, ["start: devices, totals, last 24 h", "new rows", "new rows and devices (each fifth second)", "refusal counts"]), 1, 2);
    const start = g1.add(sqlite("Devices, totals, 24 h", SQL.start), 2, 1);
    const rows = g1.add(sqlite("New rows", SQL.rows), 2, 2);
    const rowsAndDevices = g1.add(sqlite("New rows, devices", SQL.rowsAndDevices), 2, 3);
    const refusals = g1.add({ id: id("4"), type: "wsn-refusals", name: "", wires: [] }, 2, 4);
    const summary = g1.add(func("Fleet summary", fn.fleetSummary, 5, ["the table's page", "the line under it", "the selected device's new rows", "alerts, one message each", "the alerts' notification"]), 3, 2);
    const table = g1.add(widget("ui-table", devicesGroup, {
        name: "devices", label: "", order: 1, maxrows: 0, passthru: false, autocols: false, showSearch: false, deselect: false, selectionType: "click",
        columns: TABLE_COLUMNS, mobileBreakpoint: "sm", mobileBreakpointType: "defaults", action: "replace"
    }), 4, 0);
    const line = g1.add(widget("ui-text", devicesGroup, { name: "page line", label: "", order: 2, format: "{{msg.payload}}", layout: "row-left", style: false, font: "", fontSize: 14, color: "#555555", wrapText: true, value: "payload", valueType: "msg" }), 4, 1);
    // Row 2 of this column stays free: the selected device's rows leave the
    // summary's middle output there, straight to the chart.
    const debug = g1.add({ id: id("9"), type: "debug", name: "alerts", active: true, tosidebar: true, console: false, tostatus: false, complete: "payload", targetType: "msg", statusVal: "", statusType: "auto", wires: [] }, 4, 3);
    // Wire a link in node on a flow of your own (email, chat) to this one.
    const out = g1.add({ id: id("5"), type: "link out", name: "wsn alerts", mode: "link", links: [], l: true, wires: [] }, 4, 4);
    const notify = g1.add({
        id: id("u"), type: "ui-notification", ui: base.id, name: "alert", position: "top right", colorDefault: false, color: "#b3261e", displayTime: "10",
        showCountdown: true, outputs: 1, allowDismiss: true, dismissText: "Close", allowConfirm: false, confirmText: "Confirm", raw: false, className: "", wires: [[]]
    }, 4, 5);
    wire(tick, [next]);
    wire(next, [start], [rows], [rowsAndDevices], [refusals]);
    [start, rows, rowsAndDevices, refusals].forEach((n) => wire(n, [summary]));
    g1.close();

    const g2 = group("The device a click on the table picks: its last 24 h, then each new row", { beside: true });
    const pick = g2.add(func("Pick device", fn.pickDevice, 1, ["the device's history query"]), 5, 1);
    const history = g2.add(sqlite("Device history", SQL.history), 6, 1);
    const points = g2.add(func("Chart points", fn.chartPoints, 2, ["chart points", "latest dataJSON"]), 7, 2);
    const chart = g2.add(widget("ui-chart", deviceGroup, {
        name: "data.value", label: "data.value", order: 1, chartType: "line", category: "series", categoryType: "property",
        xAxisLabel: "", xAxisProperty: "t", xAxisPropertyType: "property", xAxisType: "time", xAxisFormat: "", xAxisFormatType: "auto", xmin: "", xmax: "",
        yAxisLabel: "", yAxisProperty: "v", yAxisPropertyType: "property", ymin: "", ymax: "", bins: 10, action: "append", stackSeries: false,
        pointShape: "circle", pointRadius: 3, showLegend: true, removeOlder: "24", removeOlderUnit: "3600", removeOlderPoints: "",
        colors: ["#2f6f8f", "#d62728", "#ff7f0e", "#2ca02c", "#a347e1", "#9467bd", "#ff9896", "#c5b0d5", "#0095ff"],
        textColor: ["#666666"], textColorDefault: true, gridColor: ["#e5e5e5"], gridColorDefault: true, width: "12", height: "6", interpolation: "linear"
    }), 8, 2);
    // Vue's {{ }} escapes: a device's dataJSON is shown as text, never as markup.
    const latest = g2.add(widget("ui-template", deviceGroup, {
        name: "latest dataJSON", order: 2, width: "12", height: "2", page: "", ui: "", head: "", templateScope: "local", storeOutMessages: true, passthru: false, resendOnRefresh: true,
        format: "<template>\n  <div class=\"wsn-latest\">\n    <template v-if=\"msg && msg.payload\">\n      <div>Latest dataJSON of <b class=\"wsn-latest-id\">{{ msg.payload.id }}</b><span v-if=\"msg.payload.seqn !== null\"> (SEQN {{ msg.payload.seqn }}, {{ msg.payload.at }})</span></div>\n      <pre class=\"wsn-latest-json\" style=\"white-space: pre-wrap; margin: 4px 0 0\">{{ msg.payload.json }}</pre>\n    </template>\n    <div v-else>Click a device in the table to see its data.</div>\n  </div>\n</template>\n"
    }), 8, 3);
    wire(table, [pick]);
    wire(pick, [history]);
    wire(history, [points]);
    wire(points, [chart], [latest]);
    g2.close();

    const g3 = group("Table controls: pages of 20, find a device by id");
    const button = (name, label, payload, order) => widget("ui-button", devicesGroup, {
        name, label, order, tooltip: "", color: "", bgcolor: "", icon: "", iconPosition: "left", payload, payloadType: "num", topic: "page", topicType: "str",
        buttonColor: "", textColor: "", iconColor: "", enableClick: true, enablePointerdown: false, pointerdownPayload: "", pointerdownPayloadType: "str",
        enablePointerup: false, pointerupPayload: "", pointerupPayloadType: "str", emulateClick: false, width: "2", height: "1"
    });
    const previous = g3.add(button("previous page", "◀ previous", "-1", 3), 2, 0);
    const nextPage = g3.add(button("next page", "next ▶", "1", 4), 2, 1);
    const find = g3.add(widget("ui-text-input", devicesGroup, {
        name: "find device", label: "Find device (part of its id)", order: 5, width: "4", height: "1", topic: "find", topicType: "str", mode: "text", tooltip: "",
        delay: 300, passthru: false, sendOnDelay: true, sendOnBlur: true, sendOnEnter: true, clearable: true, sendOnClear: true, icon: "", iconPosition: "left", iconInnerPosition: "inside"
    }), 2, 2);
    [previous, nextPage, find].forEach((n) => wire(n, [summary]));
    g3.close();

    wire(summary, [table], [line], [points], [debug, out], [notify]);
    return nodes;
}

module.exports = { build, SQL, FILE: "wsn-fleet-dashboard.json" };
