#!/usr/bin/env node
"use strict";
// Screenshots of the shipped flows as the Node-RED editor draws them:
// docs/flow-sqlite.png, docs/flow-mysql.png, docs/flow-mqtt-sqlite.png, docs/flow-mqtt-mysql.png
// and docs/flow-fleet-dashboard.png. A Node-RED of this checkout runs all
// of them (linked package, node-red-node-sqlite and -mysql, Dashboard 2) and
// Debian's Chromium, driven by playwright-core, opens each tab.
// Run: node scripts/screenshot-flows.js   (needs /usr/bin/chromium:
// scripts/lib/ensure-chromium.sh installs it)

const fs = require("fs");
const os = require("os");
const path = require("path");
const backend = require("./lib/backend.js");
const { launchChromium } = require("./lib/browser.js");

const SHOTS = [
    { flows: "wsn-sqlite.json", png: "flow-sqlite.png" },
    { flows: "wsn-mysql.json", png: "flow-mysql.png" },
    { flows: "wsn-mqtt-sqlite.json", png: "flow-mqtt-sqlite.png" },
    { flows: "wsn-mqtt-mysql.json", png: "flow-mqtt-mysql.png" },
    { flows: "wsn-fleet-dashboard.json", png: "flow-fleet-dashboard.png" }
];

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-shots-"));
    let server = null;
    let browser = null;
    try {
        // Both flows side by side, as an import of both examples would give.
        const both = [].concat(...SHOTS.map((s) => JSON.parse(fs.readFileSync(path.join(backend.ROOT, "flows", s.flows), "utf8"))));
        const flowsFile = path.join(tmp, "both.json");
        fs.writeFileSync(flowsFile, JSON.stringify(both));
        const dir = path.join(tmp, "userdir");
        const db = path.join(tmp, "wsn.db");
        await backend.prepareUserDir({ dir, db, install: "link", flowsFile, extraModules: ["node-red-node-mysql", "@flowfuse/node-red-dashboard"] });
        server = await backend.startNodeRed({ dir, db });
        browser = await launchChromium();
        const page = await browser.newPage({ viewport: { width: 2700, height: 1100 }, deviceScaleFactor: 1 });
        page.setDefaultTimeout(20000);
        await page.goto(`http://127.0.0.1:${server.port}/admin/`);
        await page.waitForSelector(".red-ui-palette-node[data-palette-type='wsn-decrypt']");
        // The workspace alone, as wide as the window.
        await page.evaluate(function () {
            RED.menu.setSelected("menu-item-palette", false);
            RED.menu.setSelected("menu-item-sidebar", false);
            // A picture of the flow, not of this Node-RED's database connections.
            RED.actions.invoke("core:toggle-status", false);
        });
        for (const shot of SHOTS) {
            const tab = JSON.parse(fs.readFileSync(path.join(backend.ROOT, "flows", shot.flows), "utf8")).find((n) => n.type === "tab");
            await page.evaluate(function (id) { RED.workspaces.show(id); }, tab.id);
            await page.waitForFunction(function (id) { return RED.workspaces.active() === id; }, tab.id);
            await page.waitForSelector("g.red-ui-flow-group");
            // Nothing selected, the workspace scrolled to its top left corner, drawn.
            await page.evaluate(function () {
                RED.view.select("");
                document.getElementById("red-ui-workspace-chart").scrollTo(0, 0);
                return new Promise(function (resolve) { requestAnimationFrame(function () { requestAnimationFrame(resolve); }); });
            });
            // The bounding box of every node and group drawn, plus a margin.
            const box = await page.evaluate(function () {
                const chart = document.getElementById("red-ui-workspace-chart").getBoundingClientRect();
                let right = 0;
                let bottom = 0;
                document.querySelectorAll("#red-ui-workspace-chart g.red-ui-flow-node-group, #red-ui-workspace-chart g.red-ui-flow-group").forEach(function (g) {
                    const r = g.getBoundingClientRect();
                    if (r.width > 0) { right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom); }
                });
                return { x: chart.left, y: chart.top, width: Math.min(chart.width, right - chart.left + 20), height: Math.min(chart.height, bottom - chart.top + 20) };
            });
            const file = path.join(backend.ROOT, "docs", shot.png);
            await page.screenshot({ path: file, clip: box });
            console.log(`screenshot-flows: ${path.relative(backend.ROOT, file)} (${Math.round(box.width)}x${Math.round(box.height)})`);
        }
    } finally {
        if (browser) { await browser.close(); }
        if (server) { await server.stop(); }
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(function (err) { console.error(err); process.exit(1); });
