"use strict";
// The fleet dashboard (examples/wsn-fleet-dashboard.json, Dashboard 2) in a
// real browser: Debian's Chromium driven by playwright-core, against a real
// Node-RED running the shipped SQLite flows beside the dashboard, with the
// packed tarball installed as a user would, the real SQLite node and the
// real @flowfuse/node-red-dashboard. Devices are played over real HTTP in
// the authenticated and passphrase formats; the alerts' output is wired (a
// link in node, an http request node) to an HTTP server of the test's own.
// Screenshots go to tests/artifacts/ (not committed); the load time and the
// update latency measured in the browser are printed.

const fs = require("fs");
const os = require("os");
const http = require("http");
const path = require("path");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");
const { launchChromium } = require("../../scripts/lib/browser.js");
const reference = require("./helpers/auth-reference.js");
const device = require("./helpers/device.js");
const { request } = require("./helpers/http.js");
const { until } = require("./helpers/until.js");

const ARTIFACTS = path.join(__dirname, "..", "artifacts");
const DASHBOARD_FILE = path.join(backend.ROOT, "examples", "wsn-fleet-dashboard.json");
const DASHBOARD = JSON.parse(fs.readFileSync(DASHBOARD_FILE, "utf8"));
const widget = (type, name) => DASHBOARD.find((n) => n.type === type && (name === undefined || n.name === name));
const TABLE = widget("ui-table").id;
const CHART = widget("ui-chart").id;
const LINE = widget("ui-text", "page line").id;
const LATEST = widget("ui-template", "latest dataJSON").id;

const DEVICES = {
    A1: { id: "A1", key: "000102030405060708090A0B0C0D0E0F", seqn: 0, formats: "auth" },
    B2: { id: "B2", key: "101112131415161718191A1B1C1D1E1F", seqn: 0, formats: "passphrase,raw,auth" },
    C3: { id: "C3", key: "202122232425262728292A2B2C2D2E2F", seqn: 0, formats: "auth" },
    L4: { id: "L4", key: "303132333435363738393A3B3C3D3E3F", seqn: 0, formats: "auth" },
    G5: { id: "G5", key: "404142434445464748494A4B4C4D4E4F", seqn: 0, formats: "auth" }
};
const WRONG_KEY = "F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF";
// Ids an object keyed by id would take for its own properties; the CLI allows them.
const ODD_IDS = [{ id: "constructor", key: "505152535455565758595A5B5C5D5E5F", seqn: 0, formats: "auth" }, { id: "__proto__", key: "606162636465666768696A6B6C6D6E6F", seqn: 0, formats: "auth" }];

/** Posts an authenticated data message as device `dev`; resolves to the HTTP status. */
async function sendAuth(port, dev, seqn, data) {
    const sent = reference.requestBody(dev, "data", seqn, { data });
    return (await request(port, "POST", `/data/${dev.id}`, sent.text)).status;
}

/** A tab with a link in node wired to the dashboard's alert output, posting each alert to `url`. */
function alertCollectorFlow(url, linkOutId) {
    return [
        { id: "a1f0c0de000000c1", type: "tab", label: "test: alerts to HTTP", disabled: false, info: "" },
        { id: "a1f0c0de000000c2", type: "link in", z: "a1f0c0de000000c1", name: "alerts", links: [linkOutId], x: 100, y: 60, wires: [["a1f0c0de000000c3"]] },
        { id: "a1f0c0de000000c3", type: "http request", z: "a1f0c0de000000c1", name: "post alert", method: "POST", ret: "txt", paytoqs: "ignore", url, tls: "", persist: false, proxy: "", insecureHTTPParser: false, authType: "", senderr: false, headers: [], x: 300, y: 60, wires: [[]] }
    ];
}

/** A dashboard table's rows as the browser shows them, by device id (cells by column key). */
function tableRows(page, table) {
    return page.evaluate(function (id) {
        const rows = [];
        for (const tr of document.querySelectorAll(`#nrdb-ui-widget-${id} tbody tr`)) {
            const row = {};
            for (const td of tr.querySelectorAll("td[data-column-key]")) { row[td.dataset.columnKey] = td.innerText.trim(); }
            if (row.id) { rows.push([row.id, row]); }
        }
        return rows;
    }, table).then((rows) => Object.fromEntries(rows));
}

/** Waits until `check(rows)` holds for the table the browser shows; returns the rows. */
function rowsWhen(page, table, check, what, timeout) {
    return until(async function () {
        const rows = await tableRows(page, table);
        return check(rows) ? rows : false;
    }, { timeout: timeout || 10000, what });
}

describe("fleet dashboard (Dashboard 2) in Chromium, beside the shipped SQLite flows", function () {
    this.timeout(60000);
    let tmp;
    let db;
    let server;
    let browser;
    let page;
    let collector;
    const alerts = [];
    const pageErrors = [];

    before(async function () {
        this.timeout(120000);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-dashboard-"));
        const dir = path.join(tmp, "userdir");
        db = path.join(tmp, "wsn.db");
        collector = http.createServer(function (req, res) {
            let body = "";
            req.on("data", (d) => { body += d; });
            req.on("end", function () { alerts.push(JSON.parse(body)); res.end("ok"); });
        });
        await new Promise((resolve) => collector.listen(0, "127.0.0.1", resolve));
        // The dashboard as shipped, its alert output linked to the test's collector.
        const linkOut = widget("link out");
        const collectorFlow = alertCollectorFlow(`http://127.0.0.1:${collector.address().port}/alert`, linkOut.id);
        const dashboard = DASHBOARD.map((n) => (n.id === linkOut.id ? Object.assign({}, n, { links: [collectorFlow[1].id] }) : n));
        fs.writeFileSync(path.join(tmp, "dashboard.json"), JSON.stringify(dashboard));
        fs.writeFileSync(path.join(tmp, "collector.json"), JSON.stringify(collectorFlow));
        const tarball = backend.packTarball(path.join(tmp, "pack"));
        await backend.prepareUserDir({
            dir, db, install: tarball, devices: Object.values(DEVICES).concat(ODD_IDS),
            extraFlows: [path.join(tmp, "dashboard.json"), path.join(tmp, "collector.json")], extraModules: ["@flowfuse/node-red-dashboard"]
        });
        server = await backend.startNodeRed({
            dir, db,
            env: { WSN_SILENT_AFTER_BY_DEVICE: JSON.stringify({ C3: 2 }), WSN_LOST_BURST: "3", WSN_REFUSAL_BURST: "3" }
        });
        // The known sequence: A1 stores 1, 2, 3, then 7 (3 lost) and has two
        // replays refused; B2 stores one passphrase message and has three
        // requests with a wrong key refused; two requests name an unknown id.
        const port = server.port;
        for (const [seqn, value] of [[1, 10], [2, 20], [3, 30], [7, 70]]) {
            (await sendAuth(port, DEVICES.A1, seqn, { value })).should.equal(200);
        }
        for (let i = 0; i < 2; i++) { (await sendAuth(port, DEVICES.A1, 3, { value: 30 })).should.equal(409); }
        const passphrase = device.passphraseBody({ data: { value: 5, unit: "<b>°C</b>" }, SEQN: 1 }, DEVICES.B2.key);
        (await request(port, "POST", "/data/B2", passphrase)).status.should.equal(200);
        for (let seqn = 2; seqn < 5; seqn++) {
            (await sendAuth(port, Object.assign({}, DEVICES.B2, { key: WRONG_KEY }), seqn, { value: 0 })).should.equal(400);
        }
        for (let i = 0; i < 2; i++) { (await sendAuth(port, { id: "ZZ", key: WRONG_KEY }, 1, { value: 0 })).should.equal(404); }
        for (const dev of ODD_IDS) { (await sendAuth(port, dev, 1, { value: 1 })).should.equal(200); }

        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
        page.setDefaultTimeout(15000);
        page.on("pageerror", function (err) { pageErrors.push(err.message); });
        // Dashboard 2 registers each chart in window.uiCharts under this flag (its own tests use it).
        await page.addInitScript(function () { window.Cypress = true; });
        const started = Date.now();
        await page.goto(`http://127.0.0.1:${port}/dashboard/fleet`);
        await page.waitForSelector(`#nrdb-ui-widget-${TABLE} tbody tr td[data-column-key='seqn']`);
        console.log(`      page load: first table row ${Date.now() - started} ms after navigation started`);
    });

    after(async function () {
        this.timeout(30000);
        if (browser) { await browser.close(); }
        if (server) { await server.stop(); }
        if (collector) { collector.close(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    const shownRows = (check, what, timeout) => rowsWhen(page, TABLE, check, what, timeout);

    it("lists the devices with their SEQN, rows, losses and refusals after a known sequence", async function () {
        const rows = await shownRows((r) => r.A1 && r.A1.seqn === "7" && r.B2 && r.B2.refused !== "" && r.A1.refused !== "", "A1 at SEQN 7 and both devices' refusals");
        rows.A1.should.containEql({ formats: "auth", seqn: "7", rows: "4", lost: "3", lost24: "3", refused: "stale 2", state: "ok" });
        rows.B2.should.containEql({ formats: "passphrase (legacy), raw (legacy), auth", seqn: "1", rows: "1", lost: "0", refused: "cannot_decrypt 3" });
        rows.C3.should.containEql({ seqn: "0", rows: "0", lastSeen: "never", state: "no data", refused: "" });
        rows.A1.lastSeen.should.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        should.not.exist(rows.ZZ);
        // Ids an object would take for its own properties are devices like any other.
        const odd = await shownRows((r) => Object.hasOwn(r, "constructor") && Object.hasOwn(r, "__proto__") && r["__proto__"].rows === "1", "the devices constructor and __proto__");
        odd.constructor.should.containEql({ seqn: "1", rows: "1", state: "ok" });
        odd["__proto__"].should.containEql({ seqn: "1", rows: "1", state: "ok" });
        const line = await page.locator(`#nrdb-ui-widget-${LINE}`).innerText();
        line.should.match(/refused for unknown ids in the last hour: 2/);
        await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-table.png"), fullPage: true });
    });

    it("charts a picked device's data.value over 24 h with the lost messages as a gap, and shows its latest dataJSON", async function () {
        await shownRows((r) => r.A1 && r.A1.seqn === "7", "A1 at SEQN 7");
        await page.locator(`#nrdb-ui-widget-${TABLE} tbody tr`, { hasText: "A1" }).first().click();
        const data = await until(() => page.evaluate(function (chart) {
            const c = window.uiCharts && window.uiCharts[chart];
            const series = c && c.chart.getOption().series;
            return series && series[0] && series[0].data.length === 5 ? series[0].data : false;
        }, CHART), { what: "A1's five points on the chart" });
        data.map((p) => p[1]).should.eql([10, 20, 30, null, 70]);
        // The gap sits between the points it separates.
        (data[3][0] > data[2][0] && data[3][0] < data[4][0]).should.be.true();
        const latest = page.locator(`#nrdb-ui-widget-${LATEST}`);
        await until(async () => (await latest.innerText()).includes("{\"value\":70}"), { what: "A1's latest dataJSON" });
        (await latest.innerText()).should.match(/Latest dataJSON of A1 \(SEQN 7/);
    });

    it("shows a device's dataJSON as text, never as markup", async function () {
        await shownRows((r) => r.B2 && r.B2.seqn === "1", "B2 at SEQN 1");
        await page.locator(`#nrdb-ui-widget-${TABLE} tbody tr`, { hasText: "B2" }).first().click();
        const latest = page.locator(`#nrdb-ui-widget-${LATEST}`);
        await until(async () => (await latest.innerText()).includes("<b>°C</b>"), { what: "B2's dataJSON with its tags as text" });
        (await latest.locator("b", { hasText: "°C" }).count()).should.equal(0);
    });

    it("updates the table and the chart within seconds of a stored message (latency measured in the browser)", async function () {
        const port = server.port;
        (await sendAuth(port, DEVICES.L4, 1, { value: 1 })).should.equal(200);
        await shownRows((r) => r.L4 && r.L4.seqn === "1", "L4 at SEQN 1");
        await page.locator(`#nrdb-ui-widget-${TABLE} tbody tr`, { hasText: "L4" }).first().click();
        await until(() => page.evaluate((chart) => window.uiCharts[chart].chart.getOption().series[0].data.length === 1, CHART), { what: "L4's first point" });
        const latencies = [];
        for (let seqn = 2; seqn <= 6; seqn++) {
            (await sendAuth(port, DEVICES.L4, seqn, { value: seqn * 10 })).should.equal(200);
            const stored = Date.now();
            // Both clocks are this machine's: the page notes when it shows the new SEQN.
            const shown = await page.waitForFunction(function ([table, chart, seqn]) {
                const cells = [...document.querySelectorAll(`#nrdb-ui-widget-${table} tbody tr`)].map((tr) => tr.innerText);
                const inTable = cells.some((text) => /^L4\b/.test(text) && text.split(/\s+/).includes(String(seqn)));
                const points = window.uiCharts[chart].chart.getOption().series[0].data;
                return inTable && points.some((p) => p[1] === seqn * 10) ? Date.now() : false;
            }, [TABLE, CHART, seqn], { polling: "raf", timeout: 10000 });
            latencies.push((await shown.jsonValue()) - stored);
        }
        latencies.sort((a, b) => a - b);
        console.log(`      update latency (stored → shown in table and chart): ${latencies.join(", ")} ms; median ${latencies[2]} ms`);
    });

    it("raises a silence alert as a notification and on the alert output", async function () {
        const port = server.port;
        (await sendAuth(port, DEVICES.C3, 1, { value: 3 })).should.equal(200);
        // C3's period is 2 s (WSN_SILENT_AFTER_BY_DEVICE): the alert comes after it, on a page already open.
        const note = page.locator(".nrdb-ui-notification", { hasText: "C3: silent since" });
        await note.waitFor({ state: "visible", timeout: 10000 });
        await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-alert.png"), fullPage: true });
        const alert = await until(() => alerts.find((a) => a.kind === "silent" && a.device === "C3"), { what: "C3's silence alert on the output" });
        alert.should.have.property("since").match(/^\d{4}-/);
        const rows = await shownRows((r) => r.C3 && r.C3.state === "silent", "C3 shown silent");
        rows.C3.seqn.should.equal("1");
    });

    it("sends a burst of lost messages and a burst of refusals to the alert output", async function () {
        // A gap of 3 (WSN_LOST_BURST) in a message stored while the page is open.
        (await sendAuth(server.port, DEVICES.G5, 1, { value: 1 })).should.equal(200);
        (await sendAuth(server.port, DEVICES.G5, 5, { value: 5 })).should.equal(200);
        const lost = await until(() => alerts.find((a) => a.kind === "lost" && a.device === "G5"), { what: "G5's lost-messages alert" });
        lost.should.containEql({ lost: 3 });
        const refused = await until(() => alerts.find((a) => a.kind === "refusals" && a.device === "B2"), { what: "B2's refusals alert" });
        refused.refusals.should.be.aboveOrEqual(3);
        // Two refusals (A1's stale requests, the unknown id's) stay under the threshold of 3.
        should.not.exist(alerts.find((a) => a.kind === "refusals" && a.device !== "B2"));
    });

    it("shows no key, on the page or in any widget's data the dashboard serves", async function () {
        const html = (await page.content()).toLowerCase();
        const served = [];
        for (const node of DASHBOARD.filter((n) => n.type.startsWith("ui-") && n.group)) {
            const res = await request(server.port, "GET", `/dashboard/_debug/datastore/${node.id}`);
            res.status.should.equal(200);
            served.push(res.text.toLowerCase());
        }
        for (const dev of Object.values(DEVICES).concat([{ key: WRONG_KEY }])) {
            html.should.not.containEql(dev.key.toLowerCase());
            for (const text of served) { text.should.not.containEql(dev.key.toLowerCase()); }
        }
        html.should.not.containEql("devicekey");
        served.join("").should.not.containEql("devicekey");
        pageErrors.should.eql([]);
    });

    it("pages 10,000 devices 20 at a time and finds one by its id", async function () {
        this.timeout(90000);
        // 10,000 more devices, as an operator's bulk provisioning would add them.
        await backend.write(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999) " +
            "INSERT INTO Devices (deviceID, deviceKey) SELECT printf('D%05d', i), '00000000000000000000000000000000' FROM n");
        const line = page.locator(`#nrdb-ui-widget-${LINE}`);
        const count = Object.keys(DEVICES).length + ODD_IDS.length + 10000;
        await until(async () => new RegExp(`of ${count} `).test(await line.innerText()), { timeout: 15000, what: `the line to count ${count} devices` });
        const reload = Date.now();
        await page.reload();
        await page.waitForSelector(`#nrdb-ui-widget-${TABLE} tbody tr td[data-column-key='seqn']`);
        console.log(`      page load with ${count} devices: first table row ${Date.now() - reload} ms after navigation started`);
        (await page.locator(`#nrdb-ui-widget-${TABLE} tbody tr`).count()).should.equal(20);
        const clicked = Date.now();
        await page.getByRole("button", { name: "next ▶" }).click();
        // Sorted by id: A1, B2, C3 and D00000 to D00016 fill the first page.
        await shownRows((r) => Boolean(r.D00017) && !r.D00016 && !r.A1, "the second page (D00017 to D00036)");
        console.log(`      next page with ${count} devices: shown ${Date.now() - clicked} ms after the click`);
        (await line.innerText()).should.startWith(`Devices 21–40 of ${count} · page 2 of ${Math.ceil(count / 20)}`);
        await page.locator(`#nrdb-ui-widget-${widget("ui-text-input").id} input`).fill("D09999");
        await page.keyboard.press("Enter");
        const found = await shownRows((r) => Object.keys(r).length === 1 && r.D09999, "only D09999");
        found.D09999.should.containEql({ state: "no data", rows: "0" });
        (await line.innerText()).should.match(/^Devices 1–1 of 1 matching "D09999"/);
        // What one browser types is shown to all: as text.
        await page.locator(`#nrdb-ui-widget-${widget("ui-text-input").id} input`).fill("<b>nobody</b>");
        await page.keyboard.press("Enter");
        await until(async () => (await line.innerText()).startsWith("Devices 0–0 of 0 matching \"<b>nobody</b>\""), { what: "the search echoed as text" });
        (await line.locator("b").count()).should.equal(0);
        await page.locator(`#nrdb-ui-widget-${widget("ui-text-input").id} input`).fill("");
        await page.keyboard.press("Enter");
        await shownRows((r) => Boolean(r.A1), "the first page again");
    });
});

describe("fleet dashboard behind adminAuth (node-red/dashboard-auth.js)", function () {
    this.timeout(60000);
    const USER = "operator";
    const PASSWORD = require("crypto").randomBytes(12).toString("base64url");
    const basic = (user, password) => "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
    let tmp;
    let server;
    let browser;

    before(async function () {
        this.timeout(120000);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-dashboard-auth-"));
        const dir = path.join(tmp, "userdir");
        const db = path.join(tmp, "wsn.db");
        const hash = require("bcryptjs").hashSync(PASSWORD, 8);
        const adminAuth = JSON.stringify({ type: "credentials", users: [{ username: USER, password: hash, permissions: "*" }] });
        await backend.prepareUserDir({
            dir, db, install: "link", devices: [DEVICES.A1], extraFlows: [DASHBOARD_FILE], extraModules: ["@flowfuse/node-red-dashboard"],
            // As the README tells a user to write it: the editor's users guard the dashboard.
            extraSettings: `    adminAuth: ${adminAuth},\n    dashboard: require("${backend.PACKAGE_NAME}/node-red/dashboard-auth.js")(${adminAuth}),`
        });
        server = await backend.startNodeRed({ dir, db });
        (await sendAuth(server.port, DEVICES.A1, 1, { value: 1 })).should.equal(200);
    });

    after(async function () {
        this.timeout(30000);
        if (browser) { await browser.close(); }
        if (server) { await server.stop(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    /** GET `urlPath` with these headers: status, headers, body. */
    async function get(urlPath, headers) {
        const res = await fetch(`http://127.0.0.1:${server.port}${urlPath}`, { headers: headers || {}, redirect: "manual" });
        return { status: res.status, headers: res.headers, text: await res.text() };
    }

    it("asks for the editor's credentials on the page, its files and its debug routes", async function () {
        for (const urlPath of ["/dashboard/fleet", "/dashboard/_setup", `/dashboard/_debug/datastore/${TABLE}`, "/dashboard/index.html"]) {
            const anonymous = await get(urlPath);
            anonymous.status.should.equal(401, urlPath);
            anonymous.headers.get("www-authenticate").should.startWith("Basic ");
            anonymous.text.should.not.containEql("A1");
            (await get(urlPath, { authorization: basic(USER, "wrong") })).status.should.equal(401, urlPath);
            (await get(urlPath, { authorization: basic("nobody", PASSWORD) })).status.should.equal(401, urlPath);
        }
        const page = await get("/dashboard/fleet", { authorization: basic(USER, PASSWORD) });
        page.status.should.equal(200);
        const data = await get(`/dashboard/_debug/datastore/${TABLE}`, { authorization: basic(USER, PASSWORD) });
        data.status.should.equal(200);
    });

    it("refuses the socket to a client without credentials, and gives it no widget's data", async function () {
        /** An Engine.IO polling session: opens it, asks Socket.IO to connect, returns what the server answers. */
        async function connect(headers) {
            const base = "/dashboard/socket.io/?EIO=4&transport=polling";
            const open = await get(base, headers);
            if (open.status !== 200) { return { status: open.status, text: open.text }; }
            const sid = JSON.parse(open.text.slice(1)).sid;
            const url = `http://127.0.0.1:${server.port}${base}&sid=${sid}`;
            (await fetch(url, { method: "POST", headers: Object.assign({ "content-type": "text/plain;charset=UTF-8" }, headers), body: "40" })).status.should.equal(200);
            const answer = await get(`${base}&sid=${sid}`, headers);
            return { status: answer.status, text: answer.text };
        }
        const anonymous = await connect({});
        anonymous.text.should.match(/^44\{"message":"unauthorized"\}/);
        const wrong = await connect({ authorization: basic(USER, "wrong") });
        wrong.text.should.match(/^44\{"message":"unauthorized"\}/);
        const user = await connect({ authorization: basic(USER, PASSWORD) });
        user.text.should.match(/^40\{"sid":/);
    });

    it("shows the page to an editor user in the browser, and leaves the device endpoints without a login", async function () {
        browser = await launchChromium();
        const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD, send: "always" } });
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/dashboard/fleet`);
        const cell = page.locator(`#nrdb-ui-widget-${TABLE} tbody tr td[data-column-key='seqn']`).first();
        await cell.waitFor({ timeout: 15000 });
        // A device needs no login: its key is its credential.
        (await sendAuth(server.port, DEVICES.A1, 2, { value: 2 })).should.equal(200);
        await until(async () => (await cell.innerText()).trim() === "2", { what: "A1's SEQN 2 on the page" });
        // The editor keeps its own login.
        (await get("/admin/flows")).status.should.equal(401);
    });
});

describe("npm start: the fleet dashboard with the demo and its simulated devices", function () {
    this.timeout(120000);
    const { startDemo } = require("./helpers/demo.js");

    it("serves /dashboard/fleet beside the flows, with 12FA and three devices sending data, a gap and a legacy device among them", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-dashboard-demo-"));
        const demo = await startDemo(dir, "send data for an hour", { WSN_DEMO_INTERVAL_MS: "100" });
        const port = demo.port;
        let browser;
        try {
            demo.output().should.containEql(`fleet dashboard http://127.0.0.1:${port}/dashboard/fleet`);
            browser = await launchChromium();
            const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
            await page.goto(`http://127.0.0.1:${port}/dashboard/fleet`);
            // SIM-2 skips 3 SEQNs after its first 30 messages (3 s at 100 ms).
            const rows = await rowsWhen(page, TABLE, (r) => r["SIM-2"] && Number(r["SIM-2"].lost) >= 3 && r["SIM-3"] && r["SIM-3"].rows === "3",
                "SIM-2's first gap and SIM-3's three messages", 30000);
            Object.keys(rows).sort().should.eql(["12FA", "SIM-1", "SIM-2", "SIM-3"]);
            Number(rows["SIM-1"].rows).should.be.above(0);
            rows["SIM-3"].formats.should.equal("passphrase (legacy), auth");
            rows["12FA"].formats.should.equal("passphrase (legacy), raw (legacy), auth");
        } finally {
            if (browser) { await browser.close(); }
            await demo.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("fleet dashboard on MariaDB (examples/wsn-fleet-dashboard-mysql.json), two Node-RED instances writing", function () {
    this.timeout(120000);
    const mariadb = require("../../scripts/lib/mariadb.js");
    const MYSQL_DASHBOARD = JSON.parse(fs.readFileSync(path.join(backend.ROOT, "examples", "wsn-fleet-dashboard-mysql.json"), "utf8"));
    const M_TABLE = MYSQL_DASHBOARD.find((n) => n.type === "ui-table").id;
    const M_CHART = MYSQL_DASHBOARD.find((n) => n.type === "ui-chart").id;
    // Twenty devices, thirty messages each, sent eight at a time through both instances.
    const FLEET = Array.from({ length: 20 }, (_, i) => ({ id: `M${String(i).padStart(2, "0")}`, key: require("crypto").randomBytes(16).toString("hex"), seqn: 0, formats: "auth" }));
    const MESSAGES = 30;
    let tmp;
    let db;
    let database;
    const servers = [];
    let browser;
    let page;

    before(async function () {
        // A cold machine installs mariadb-server first.
        this.timeout(900000);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-dashboard-mysql-"));
        db = await mariadb.start({ dir: path.join(tmp, "mariadb") });
        database = await db.createDatabase({ database: "wsn", devices: FLEET });
        // A few rows before the dashboard starts: fewer ids than it reads again each second.
        for (let seqn = 1; seqn <= 3; seqn++) { await db.query("CALL wsn.wsn_store(?, ?, ?, ?)", ["M19", seqn, seqn, JSON.stringify({ value: seqn })]); }
        for (const name of ["a", "b"]) {
            const dir = path.join(tmp, name);
            // Instance a serves the dashboard too; b only the device endpoints.
            await backend.prepareUserDir({
                dir, install: "link", flowsFile: path.join(backend.ROOT, "flows", "wsn-mysql.json"),
                extraFlows: name === "a" ? [path.join(backend.ROOT, "examples", "wsn-fleet-dashboard-mysql.json")] : [],
                extraModules: ["node-red-node-mysql", "@flowfuse/node-red-dashboard"]
            });
            servers.push(await backend.startNodeRed({ dir, env: database.env }));
        }
        // The mysql node connects on its own time: until then the flows answer 500.
        for (const server of servers) {
            await until(async () => (await request(server.port, "GET", "/wsn/__probe__")).status === 404, { timeout: 15000, what: "the flows to reach MariaDB" });
        }
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
        await page.addInitScript(function () { window.Cypress = true; });
        await page.goto(`http://127.0.0.1:${servers[0].port}/dashboard/fleet-mysql`);
        try {
            await page.waitForSelector(`#nrdb-ui-widget-${M_TABLE} tbody tr td[data-column-key='seqn']`);
        } catch (err) {
            throw new Error(`${err.message}\nNode-RED log:\n${servers[0].log().slice(-3000)}`);
        }
    });

    after(async function () {
        this.timeout(60000);
        if (browser) { await browser.close(); }
        for (const server of servers) { await server.stop(); }
        if (db) { await db.stop(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    it("counts every row once while two instances store concurrently, and charts a device's points with its gap", async function () {
        const jobs = [];
        // Each device skips SEQN 10 (one message lost). Devices interleave, so a device's
        // messages are mostly in order; one overtaken is refused as stale (409), and counts as lost.
        for (let seqn = 1; seqn <= MESSAGES + 1; seqn++) {
            if (seqn !== 10) { for (const dev of FLEET) { jobs.push([dev, seqn]); } }
        }
        let next = 0;
        await Promise.all(Array.from({ length: 8 }, async function (_, worker) {
            while (next < jobs.length) {
                const [dev, seqn] = jobs[next++];
                (await sendAuth(servers[(worker + seqn) % 2].port, dev, seqn, { value: seqn })).should.be.oneOf([200, 409]);
            }
        }));
        const stored = await db.query("SELECT deviceID, COUNT(*) AS n, CAST(SUM(dataLost) AS SIGNED) AS lost, MAX(dataSEQN) AS seqn FROM wsn.Data GROUP BY deviceID ORDER BY deviceID");
        stored.length.should.equal(FLEET.length);
        const expected = Object.fromEntries(stored.map((r) => [r.deviceID, { rows: String(r.n), lost: String(r.lost), seqn: String(r.seqn) }]));
        const rows = await rowsWhen(page, M_TABLE, (r) => Object.keys(r).length === FLEET.length &&
            Object.entries(expected).every(([id, e]) => r[id] && r[id].rows === e.rows && r[id].seqn === e.seqn), "the table to match the database's counts", 15000);
        for (const [id, e] of Object.entries(expected)) {
            rows[id].should.containEql(Object.assign({ lost24: e.lost }, e), id);
        }
        await page.locator(`#nrdb-ui-widget-${M_TABLE} tbody tr`, { hasText: "M07" }).first().click();
        // Its stored rows, a gap before each that reports lost messages (SEQN 10 at least).
        const history = await db.query("SELECT dataValue, dataLost FROM wsn.Data WHERE deviceID = 'M07' ORDER BY dataID");
        const expectedValues = [].concat(...history.map((r, i) => (r.dataLost > 0 && i > 0 ? [null, r.dataValue] : [r.dataValue])));
        expectedValues.should.containEql(null);
        const points = await until(() => page.evaluate(function ([chart, length]) {
            const c = window.uiCharts && window.uiCharts[chart];
            const series = c && c.chart.getOption().series;
            return series && series[0] && series[0].data.length === length ? series[0].data : false;
        }, [M_CHART, expectedValues.length]), { what: `M07's ${expectedValues.length} points and gaps` });
        points.map((p) => p[1]).should.eql(expectedValues);
        // Its latest dataJSON, as stored (MariaDB's driver would hand the JSON column over parsed).
        const [last] = await db.query("SELECT dataJSON, dataSEQN FROM wsn.Data WHERE deviceID = 'M07' ORDER BY dataID DESC LIMIT 1");
        const latest = page.locator(`#nrdb-ui-widget-${MYSQL_DASHBOARD.find((n) => n.type === "ui-template").id}`);
        await until(async () => (await latest.innerText()).includes(last.dataJSON), { what: "M07's latest dataJSON" });
        (await latest.innerText()).should.containEql(`SEQN ${last.dataSEQN}`);
    });
});
