"use strict";
// The Node-RED editor in a real browser: Debian's Chromium (installed by
// scripts/lib/ensure-chromium.sh; test tools cannot download a browser here)
// driven by playwright-core, against a Node-RED 4 with the packed tarball
// installed as a user would. It goes through what a user does: finds the
// nodes in the palette, imports the shipped flows from Import > Examples,
// edits both nodes (the fixed key included), reads their help and deploys;
// then checks that the deployed flows answer with the key from credentials
// and that the key stays out of flows.json.
// Screenshots go to tests/artifacts/ (not committed).

const fs = require("fs");
const os = require("os");
const path = require("path");
const should = require("should");
const device = require("./helpers/device.js");
const { request } = require("./helpers/http.js");
const backend = require("../../scripts/lib/backend.js");
const { launchChromium } = require("../../scripts/lib/browser.js");

const ARTIFACTS = path.join(__dirname, "..", "artifacts");
const { ARTICLE: DEVICE } = require("./helpers/article.js");
// Not the device's key in the database, so an answer that opens with it can only come from the credentials.
const FIXED_KEY = "603DEB1015CA71BE2B73AEF0857D7781";
// A KEK typed into the wsn kek config node as a credential, and a device whose
// key the database holds wrapped under it: it answers only if the node's KEK
// reached the deployed flows.
const EDITOR_KEK = `editor:${require("crypto").randomBytes(32).toString("hex")}`;
const WRAPPED_DEVICE = { id: "K7EK", key: "000102030405060708090A0B0C0D0E0F", seqn: 0, formats: "passphrase,raw,auth" };
const PACKAGE = backend.PACKAGE_NAME;
const EXAMPLE = require("../../examples/wsn-sqlite.json");

// The device side: the passphrase format with crypto-js (tests/js/helpers/device.js).
function open(text, key) { return device.openReply(text, key).message; }

/** The first node of `type` wired after the http in node for `method url` in the example flows. */
function nodeOnEndpoint(method, url, type) {
    const byId = new Map(EXAMPLE.map((n) => [n.id, n]));
    const start = EXAMPLE.find((n) => n.type === "http in" && n.method === method && n.url === url);
    should.exist(start, `no http in node for ${method} ${url} in examples/wsn-sqlite.json`);
    const queue = [start.id];
    const seen = new Set(queue);
    while (queue.length) {
        const node = byId.get(queue.shift());
        if (node.type === type) { return node; }
        for (const id of [].concat(...(node.wires || []))) {
            if (!seen.has(id)) { seen.add(id); queue.push(id); }
        }
    }
    throw new Error(`no ${type} node after ${method} ${url} in examples/wsn-sqlite.json`);
}

describe("Node-RED editor in Chromium (packed tarball)", function () {
    const encryptOnGet = nodeOnEndpoint("get", "/wsn/:id", "wsn-encrypt");
    const decryptOnPost = nodeOnEndpoint("post", "/wsn/:id", "wsn-decrypt");
    const decryptOnData = nodeOnEndpoint("post", "/data/:id", "wsn-decrypt");
    let tmp = null;
    let dir = null;
    let server = null;
    let browser = null;
    let page = null;
    const pageErrors = [];

    function shot(name) { return page.screenshot({ path: path.join(ARTIFACTS, name) }); }
    function flowNode(id) { return page.locator(`g.red-ui-flow-node-group[id="${id}"]`); }
    /** Texts of the editor notifications now on screen. */
    function notifications() {
        return page.locator(".red-ui-notification").allTextContents();
    }
    /** Opens a flow node's edit dialog with a double click, as a user does; answers the tray. */
    async function openEditDialog(id, title) {
        await flowNode(id).locator("rect.red-ui-flow-node").dblclick();
        const tray = page.locator(".red-ui-tray");
        await tray.locator("#node-input-name").waitFor({ state: "visible" });
        (await tray.locator(".red-ui-tray-breadcrumbs").textContent()).should.match(title);
        return tray;
    }
    /** Screenshots the dialog, then closes it with Done. */
    async function saveEditDialog(tray, screenshot) {
        await shot(screenshot);
        await page.click("#node-dialog-ok");
        await tray.waitFor({ state: "detached" });
    }
    /**
     * Picks the "Device key" type from its typedInput menu, as a user does. The
     * menu slides open; on a loaded machine a click during the slide can be
     * lost (the menu stays open, the type unchanged), so the choice is made
     * after the slide ends and, like a user would, made again if it did not take.
     */
    async function chooseKeyType(tray, value) {
        const button = tray.locator(".form-row", { has: page.locator("#node-input-key") }).locator("button.red-ui-typedInput-type-select");
        const option = page.locator(`.red-ui-typedInput-options a[value='${value}']`);
        for (let attempt = 1; ; attempt++) {
            if (!(await option.isVisible())) { await button.click(); }
            await option.waitFor({ state: "visible" });
            await page.waitForFunction(function () { return $(".red-ui-typedInput-options:animated").length === 0; });
            await option.click();
            try {
                await page.waitForFunction(function (v) { return $("#node-input-key").typedInput("type") === v; }, value, { timeout: 3000 });
                return;
            } catch (err) {
                if (attempt === 3) { throw err; }
            }
        }
    }
    /** Closes the notifications (a click closes one) so that they hide nothing in the screenshots. */
    async function dismissNotifications() {
        const open = page.locator(".red-ui-notification");
        for (let count = await open.count(); count > 0; count = await open.count()) {
            await open.first().click();
            await page.waitForFunction(function (before) {
                return document.querySelectorAll(".red-ui-notification").length < before;
            }, count);
        }
    }

    before(async function () {
        this.timeout(90000);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-editor-"));
        dir = path.join(tmp, "userdir");
        const db = path.join(tmp, "wsn.db");
        const tarball = backend.packTarball(path.join(tmp, "pack"));
        const wasm = require("../../pkg/wsn_crypto.js");
        const wrapped = Object.assign({}, WRAPPED_DEVICE, { key: wasm.wrapKey(WRAPPED_DEVICE.key, WRAPPED_DEVICE.id, EDITOR_KEK) });
        await backend.prepareUserDir({ dir, db, install: tarball, devices: [DEVICE, wrapped] });
        // Start from an empty workspace: the flows come in through Import > Examples.
        fs.writeFileSync(path.join(dir, "flows.json"), "[]\n");
        server = await backend.startNodeRed({ dir, db });
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        page.setDefaultTimeout(15000);
        page.on("pageerror", function (err) { pageErrors.push(err.message); });
        await page.goto(`http://127.0.0.1:${server.port}/admin/`);
        await page.waitForSelector(".red-ui-palette-node[data-palette-type='wsn-decrypt']");
    });

    after(async function () {
        this.timeout(30000);
        if (browser) { await browser.close(); }
        if (server) { await server.stop(); }
        if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); }
    });

    it("lists both nodes in the palette under 'function', with their icons", async function () {
        // The palette filters on key strokes, not on a filled value.
        await page.locator("#red-ui-palette-search input").pressSequentially("wsn");
        await page.locator(".red-ui-palette-node[data-palette-type='inject']").waitFor({ state: "hidden" });
        const category = page.locator("#red-ui-palette-container-function");
        for (const [type, label, icon] of [["wsn-decrypt", "wsn decrypt", "fa-unlock"], ["wsn-encrypt", "wsn encrypt", "fa-lock"]]) {
            const node = category.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
            await node.waitFor({ state: "visible" });
            (await node.locator(".red-ui-palette-label").textContent()).replace(/\s+/g, " ").trim().should.equal(label);
            (await node.locator(`.red-ui-palette-icon-container i.${icon}`).count()).should.equal(1, `${type} icon`);
        }
        // The other categories fold away with a jQuery animation, which screenshots would catch halfway:
        // the screenshot once no element is animated any more.
        await page.waitForFunction(function () { return $(":animated").length === 0; });
        await page.locator("#red-ui-palette").screenshot({ path: path.join(ARTIFACTS, "palette.png") });
        await page.click("#red-ui-palette-search .red-ui-searchBox-clear");
        await page.locator(".red-ui-palette-node[data-palette-type='inject']").waitFor({ state: "visible" });
    });

    it("imports the shipped flows from Import > Examples with no unknown node", async function () {
        await page.click("#red-ui-header-button-sidemenu");
        await page.click("#menu-item-import");
        await page.click("#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a");
        const examples = page.locator("#red-ui-clipboard-dialog-import-tab-examples");
        await examples.locator(".red-ui-treeList-label", { hasText: PACKAGE }).click();
        await examples.locator(".red-ui-treeList-label", { hasText: "wsn-sqlite" }).click();
        await shot("import-examples.png");
        await page.click("#red-ui-clipboard-dialog-ok");

        await page.locator(".red-ui-notification", { hasText: "Imported" }).waitFor();
        (await notifications()).join("\n").should.not.match(/unrecogni[sz]ed|unknown|missing/i);
        const types = await page.evaluate(function () {
            const all = [];
            RED.nodes.eachNode(function (n) { all.push({ type: n.type, known: Boolean(RED.nodes.getType(n.type)) }); });
            RED.nodes.eachConfig(function (n) { all.push({ type: n.type, known: Boolean(RED.nodes.getType(n.type)) }); });
            return all;
        });
        types.filter((t) => !t.known).should.eql([]);
        types.length.should.equal(EXAMPLE.filter((n) => n.type !== "tab" && n.type !== "group").length);
        // One group per endpoint, with the nodes the flows file puts in it.
        const tabId = EXAMPLE.find((n) => n.type === "tab").id;
        const groups = await page.evaluate(function (z) {
            return RED.nodes.groups(z).map(function (g) { return { name: g.name, nodes: g.nodes.map(function (n) { return n.id; }).sort() }; });
        }, tabId);
        groups.should.eql(EXAMPLE.filter((n) => n.type === "group").map((g) => ({ name: g.name, nodes: g.nodes.slice().sort() })));
        types.map((t) => t.type).should.containDeep(["wsn-decrypt", "wsn-encrypt", "sqlite", "sqlitedb"]);

        const tab = EXAMPLE.find((n) => n.type === "tab");
        await page.locator("#red-ui-workspace-tabs .red-ui-tab", { hasText: tab.label }).click();
        await flowNode(encryptOnGet.id).waitFor();
        // The whole flow on one screen.
        await page.click("#red-ui-view-zoom-out");
        await page.click("#red-ui-view-zoom-out");
        await dismissNotifications();
        await shot("imported-flow.png");
    });

    it("edits the wsn encrypt node and keeps its fixed key as a credential", async function () {
        const tray = await openEditDialog(encryptOnGet.id, /wsn encrypt/);
        (await tray.locator("#node-input-fixedKey").isVisible()).should.be.false();

        await tray.locator("#node-input-name").fill("Encrypt SEQN (fixed key)");
        await chooseKeyType(tray, "cred");
        await tray.locator("#node-input-fixedKey").fill(FIXED_KEY);
        await tray.locator("#node-input-format").selectOption("passphrase");
        await saveEditDialog(tray, "edit-encrypt.png");

        const saved = await page.evaluate(function (id) {
            const n = RED.nodes.node(id);
            return { name: n.name, keyType: n.keyType, format: n.format, changed: n.changed, hasKey: Boolean(n.credentials && n.credentials.fixedKey) };
        }, encryptOnGet.id);
        saved.should.eql({ name: "Encrypt SEQN (fixed key)", keyType: "cred", format: "passphrase", changed: true, hasKey: true });
    });

    it("edits the wsn decrypt node, fixed key included", async function () {
        const tray = await openEditDialog(decryptOnPost.id, /wsn decrypt/);

        await tray.locator("#node-input-name").fill("Decrypt (fixed key)");
        await chooseKeyType(tray, "cred");
        await tray.locator("#node-input-fixedKey").fill(FIXED_KEY);
        await tray.locator("#node-input-maxLength").fill("4096");
        await saveEditDialog(tray, "edit-decrypt.png");

        const saved = await page.evaluate(function (id) {
            const n = RED.nodes.node(id);
            return { name: n.name, keyType: n.keyType, maxLength: Number(n.maxLength), policy: n.policy, valid: n.valid, hasKey: Boolean(n.credentials && n.credentials.fixedKey) };
        }, decryptOnPost.id);
        saved.should.eql({ name: "Decrypt (fixed key)", keyType: "cred", maxLength: 4096, policy: "forward-only", valid: true, hasKey: true });
    });

    it("edits the shipped flows' wsn kek config node from a decrypt node's dialog (its pencil button): the KEK typed as a credential", async function () {
        const tray = await openEditDialog(decryptOnData.id, /wsn decrypt/);
        const kekId = await page.evaluate(function (id) { return RED.nodes.node(id).kek; }, decryptOnData.id);
        should.exist(kekId, "the shipped decrypt node names a wsn kek node");
        // The editor disables this button for a config node with a property named
        // `env` (it takes it for a subflow's environment variable): the node has none.
        const pencil = tray.locator("#node-input-btn-kek-edit");
        await page.waitForFunction(function () { return !$("#node-input-btn-kek-edit").hasClass("disabled"); });
        await pencil.click();
        const source = page.locator("#node-config-input-source");
        await source.waitFor({ state: "visible" });
        (await source.inputValue()).should.equal("env", "the shipped node reads WSN_KEK");
        (await page.locator("#node-config-input-variable").inputValue()).should.equal("WSN_KEK");
        (await page.locator("#node-config-input-kek").isVisible()).should.be.false();
        await source.selectOption("credential");
        await page.locator("#node-config-input-kek").fill(EDITOR_KEK);
        (await page.locator("#node-config-input-variable").isVisible()).should.be.false();
        // The tray slides open: the screenshot once it has stopped.
        await page.waitForFunction(function () { return $(".red-ui-tray:animated").length === 0; });
        await shot("edit-kek.png");
        await page.click("#node-config-dialog-ok");
        await source.waitFor({ state: "detached" });
        await saveEditDialog(tray, "edit-decrypt-kek.png");

        const saved = await page.evaluate(function (id) {
            const n = RED.nodes.node(id);
            return { source: n.source, label: RED.utils.getNodeLabel(n), hasKek: Boolean(n.credentials && n.credentials.kek) };
        }, kekId);
        saved.should.eql({ source: "credential", label: "KEK (credential)", hasKek: true });
    });

    it("shows each node's help in the help sidebar", async function () {
        const expected = [
            [encryptOnGet.id, "Encrypts a reply for a device", "help-encrypt.png"],
            [decryptOnPost.id, "Decrypts a device's request", "help-decrypt.png"]
        ];
        await page.click("#red-ui-tab-help-link-button");
        for (const [id, firstParagraph, screenshot] of expected) {
            await flowNode(id).locator("rect.red-ui-flow-node").click();
            // The sidebar nests the node's help in a .red-ui-help of its own: take the innermost.
            const help = page.locator(".red-ui-help", { hasText: firstParagraph }).last();
            await help.waitFor({ state: "visible" });
            for (const heading of ["Inputs", "Outputs", "Details", "References"]) {
                (await help.locator("h3", { hasText: heading }).count()).should.equal(1, `${heading} in the help of ${id}`);
            }
            (await help.locator("dl.message-properties").count()).should.be.above(0);
            await shot(screenshot);
        }
    });

    it("deploys, and the deployed flows use the fixed keys without writing them to flows.json", async function () {
        const started = server.nextFlowsStart();
        await page.click("#red-ui-header-button-deploy");
        await page.locator(".red-ui-notification", { hasText: "Successfully deployed" }).waitFor();
        await page.locator(".red-ui-deploy-button-spinner").waitFor({ state: "hidden" });
        await started; // HTTP In routes are added node by node while the flows start
        (await page.evaluate(function () { return RED.nodes.dirty(); })).should.be.false();
        await shot("deployed.png");

        const flowsText = fs.readFileSync(path.join(dir, "flows.json"), "utf8");
        const flows = JSON.parse(flowsText);
        flows.find((n) => n.id === encryptOnGet.id).should.have.properties({ name: "Encrypt SEQN (fixed key)", keyType: "cred" });
        flows.find((n) => n.id === decryptOnPost.id).should.have.properties({ name: "Decrypt (fixed key)", keyType: "cred" });
        flowsText.should.not.containEql(FIXED_KEY);
        const credentials = fs.readFileSync(path.join(dir, "flows_cred.json"), "utf8");
        credentials.should.not.containEql(FIXED_KEY); // encrypted at rest
        const kekSecret = EDITOR_KEK.slice(EDITOR_KEK.indexOf(":") + 1);
        flowsText.should.not.containEql(kekSecret);
        credentials.should.not.containEql(kekSecret);
        flows.find((n) => n.type === "wsn-kek").should.have.properties({ source: "credential" });
        // The wrapped device's data opens with the KEK the editor gave the config node.
        const data = await request(server.port, "POST", `/data/${WRAPPED_DEVICE.id}`, device.passphraseBody({ data: { value: 1 }, SEQN: 1 }, WRAPPED_DEVICE.key));
        data.status.should.equal(200, data.text);
        open(data.text, WRAPPED_DEVICE.key).should.have.properties({ SEQN: 1, ack: true });

        // The edited decrypt node opens a request sealed with its fixed key (the ack
        // goes back under the same key); the edited encrypt node seals the GET reply with its own.
        const set = await request(server.port, "POST", "/wsn/12FA", device.passphraseBody({ SEQN: 7 }, FIXED_KEY));
        set.status.should.equal(200, set.text);
        open(set.text, FIXED_KEY).should.have.properties({ SEQN: 7, ack: true });
        const refused = await request(server.port, "POST", "/wsn/12FA", device.passphraseBody({ SEQN: 8 }, DEVICE.key));
        refused.status.should.equal(400, refused.text);
        const get = await request(server.port, "GET", "/wsn/12FA");
        get.status.should.equal(200, get.text);
        open(get.text, FIXED_KEY).should.eql({ SEQN: 7 });
    });

    it("raised no error in the page", function () {
        pageErrors.should.eql([]);
    });
});
