#!/usr/bin/env node
"use strict";
// A screenshot of the fleet dashboard as a user sees it, for the README:
// docs/dashboard-fleet.png. A Node-RED of this checkout runs the shipped
// SQLite flows and the dashboard; the demo's devices get a day of history
// (written to the database as the flows would have stored it, one reading
// every 10 minutes, SIM-2 losing some), a few live messages and refusals
// over HTTP; Debian's Chromium opens the page and picks SIM-2.
// Run: node scripts/screenshot-dashboard.js   (needs /usr/bin/chromium)

const fs = require("fs");
const os = require("os");
const path = require("path");
const backend = require("./lib/backend.js");
const { launchChromium } = require("./lib/browser.js");
const { SIMULATED } = require("./lib/demo-devices.js");
const reference = require("../tests/js/helpers/auth-reference.js");
const { request } = require("../tests/js/helpers/http.js");

const DASHBOARD = path.join(backend.ROOT, "flows", "wsn-fleet-dashboard.json");
const TABLE = JSON.parse(fs.readFileSync(DASHBOARD, "utf8")).find((n) => n.type === "ui-table").id;
const ARTICLE = { id: "12FA", key: "2B7E151628AED2A6ABF7158809CF4F3C", seqn: 0, formats: "passphrase,raw,auth" };

/** A day of readings, one every 10 minutes, ending 10 minutes ago; SIM-2 misses some. */
async function history(db) {
    const now = Date.now();
    for (const d of SIMULATED.slice(0, 2)) {
        let seqn = 0;
        for (let i = 143; i >= 1; i--) {
            const lost = d.gap && (i === 100 || i === 40) ? 6 : 0;
            seqn += 1 + lost;
            const value = d.values[i % d.values.length];
            await backend.write(db, "INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON) VALUES (?, ?, ?, ?, ?, ?)",
                [d.id, new Date(now - i * 600000).toISOString(), value, seqn, lost, JSON.stringify({ value })]);
        }
    }
}

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-dashboard-shot-"));
    let server = null;
    let browser = null;
    try {
        const dir = path.join(tmp, "userdir");
        const db = path.join(tmp, "wsn.db");
        const devices = [ARTICLE].concat(SIMULATED.map((d) => ({ id: d.id, key: d.key, seqn: 0, formats: d.formats })));
        await backend.prepareUserDir({ dir, db, install: "link", devices, extraFlows: [DASHBOARD], extraModules: ["@flowfuse/node-red-dashboard"] });
        await history(db);
        server = await backend.startNodeRed({ dir, db });
        // Now: a reading from each, and an outsider trying SIM-1 with a wrong key.
        for (const d of SIMULATED.slice(0, 2)) {
            const [row] = await backend.query(db, "SELECT deviceSQN FROM Devices WHERE deviceID = ?", [d.id]);
            await request(server.port, "POST", `/data/${d.id}`, reference.requestBody(d, "data", row.deviceSQN + 1, { data: { value: d.values[0] } }).text);
        }
        for (let seqn = 1000; seqn < 1004; seqn++) {
            await request(server.port, "POST", "/data/SIM-1", reference.requestBody({ id: "SIM-1", key: "00".repeat(16) }, "data", seqn, { data: { value: 0 } }).text);
        }
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 1300, height: 1000 }, deviceScaleFactor: 1 });
        page.setDefaultTimeout(20000);
        await page.goto(`http://127.0.0.1:${server.port}/dashboard/fleet`);
        await page.waitForSelector(`#nrdb-ui-widget-${TABLE} tbody tr td[data-column-key='refused']:has-text("cannot_decrypt")`);
        await page.locator(`#nrdb-ui-widget-${TABLE} tbody tr`, { hasText: "SIM-2" }).first().click();
        await page.waitForSelector(".wsn-latest-id:has-text('SIM-2')");
        // The chart's animation, then one frame.
        await page.waitForTimeout(1500);
        const file = path.join(backend.ROOT, "docs", "dashboard-fleet.png");
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot-dashboard: ${path.relative(backend.ROOT, file)}`);
    } finally {
        if (browser) { await browser.close(); }
        if (server) { await server.stop(); }
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(function (err) { console.error(err); process.exit(1); });
