"use strict";
// The README's "Install into an existing Node-RED", followed literally: the
// ```sh install block is read from README.md and run line by line in a
// scratch home directory (HOME points there, so `~/.node-red` is a scratch
// Node-RED user directory), with the packed tarball where the README says.
// npm prefers this machine's npm cache (the packages this checkout
// installed) and asks the registry only for what it lacks (package
// metadata, as scripts/lib/node-red-5.js does); sqlite3 compiles from
// source, as in this checkout. The suite skips, saying why, only when the
// registry cannot be reached.
// Then one request is answered, and the ```js settings block, put into the
// settings.js Node-RED wrote, gives the documented 413/400 answers. Last,
// the "Fleet dashboard" section's ```sh dashboard block installs Dashboard 2
// there, and the package's example, deployed, serves the page.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn, execFileSync } = require("child_process");
const should = require("should");
const backend = require("../../scripts/lib/backend.js");
const { request } = require("./helpers/http.js");
const { until } = require("./helpers/until.js");

const README = path.join(backend.ROOT, "README.md");
const SECTION = "## Install into an existing Node-RED";
// npm's codes for "the registry could not be reached": the only install
// failures that make the suite skip rather than fail.
const NETWORK_CODES = /\b(ENOTCACHED|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|ERR_SOCKET_TIMEOUT)\b/;

/** The fenced block with info string `info` in the README's section `title` (the install section), as lines. */
function readmeBlock(info, title) {
    const heading = title || SECTION;
    const text = fs.readFileSync(README, "utf8");
    const start = text.indexOf(`\n${heading}\n`);
    if (start === -1) { throw new Error(`README.md has no section "${heading}"`); }
    const end = text.indexOf("\n## ", start + 1);
    const section = text.slice(start, end === -1 ? undefined : end);
    const found = new RegExp("^```" + info + "\\n([\\s\\S]*?)^```$", "m").exec(section);
    if (!found) { throw new Error(`README.md's "${heading}" has no \`\`\`${info} block`); }
    return found[1].split("\n").filter((line) => line.trim() !== "");
}

/** Runs `line` in bash like a user's terminal; resolves to its output, rejects with it on failure. */
function shell(line, env, cwd) {
    return new Promise(function (resolve, reject) {
        const child = spawn("bash", ["-c", line], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d) => { output += d; });
        child.stderr.on("data", (d) => { output += d; });
        child.on("error", reject);
        child.on("exit", function (code) {
            if (code === 0) { return resolve(output); }
            reject(new Error(`\`${line}\` failed (exit ${code}):\n${output.slice(-3000)}`));
        });
    });
}

/**
 * Starts the README's Node-RED line in the background; resolves once
 * Node-RED has logged that its flows started and its server runs (both
 * lines appear once, in either order); fails at once if it exits.
 */
function startNodeRed(line, env, cwd) {
    return new Promise(function (resolve, reject) {
        // Its own process group, so that stopping it stops node-red under bash.
        const child = spawn("bash", ["-c", line], { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let output = "";
        const ready = () => /Started flows/.test(output) && /Server now running at/.test(output);
        const onData = function (d) {
            output += d;
            if (ready()) { resolve(handle); }
        };
        const handle = {
            log: () => output,
            stop: () => new Promise(function (done) {
                if (child.exitCode !== null || child.signalCode !== null) { return done(); }
                child.once("exit", () => done());
                process.kill(-child.pid, "SIGTERM");
            })
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("exit", function (code, signal) {
            if (!ready()) { reject(new Error(`node-red exited (${signal || code}) before its flows started:\n${output.slice(-3000)}`)); }
        });
    });
}

describe("install into an existing Node-RED, as the README says", function () {
    // npm compiles sqlite3 from source (about two minutes).
    this.timeout(10 * 60 * 1000);

    let home;
    let env;
    let userDir;
    let port;
    let server = null;
    let commands;

    before(async function () {
        home = fs.mkdtempSync(path.join(os.tmpdir(), "wsn-install-"));
        userDir = path.join(home, ".node-red");
        // An existing Node-RED user directory: Node-RED writes this package.json on its first start.
        fs.mkdirSync(userDir);
        fs.writeFileSync(path.join(userDir, "package.json"), JSON.stringify({
            name: "node-red-project", description: "A Node-RED Project", version: "0.0.1", private: true
        }, null, 4));
        const tarball = backend.packTarball(path.join(home, "pack"));
        commands = readmeBlock("sh install");
        // The tarball where the README's npm install line takes it from.
        const named = commands.join("\n").match(/~\/(\S+\.tgz)/);
        should.exist(named, "the README's install block names the tarball in ~/");
        named[1].should.equal(path.basename(tarball), "the README names the tarball `npm pack` makes");
        fs.copyFileSync(tarball, path.join(home, named[1]));

        port = await backend.freePort();
        const npmCache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
        env = Object.assign({}, process.env, {
            HOME: home,
            // node-red on PATH, as a global install puts it (this checkout's).
            PATH: `${path.join(backend.ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
            // Node-RED's default settings.js listens on PORT: a free one, not 1880.
            PORT: String(port),
            // npm as this machine's user has it (its config and cache), from
            // the cache where it can; sqlite3 is built, not downloaded prebuilt.
            npm_config_userconfig: path.join(os.homedir(), ".npmrc"),
            npm_config_cache: npmCache,
            npm_config_prefer_offline: "true",
            npm_config_build_from_source: "true",
            npm_config_update_notifier: "false"
        });
        delete env.WSN_DB;
        delete env.WSN_KEY;
        delete env.WSN_KEK;
        delete env.WSN_KEK_FILE;
        delete env.NODE_RED_HOME;
    });

    after(async function () {
        if (server) { await server.stop(); }
        if (home) { fs.rmSync(home, { recursive: true, force: true }); }
    });

    // Runs the README's block: every line in order, `cd` changing the
    // directory of the lines after it as in a terminal, the last one (Node-RED,
    // in the foreground for a user) in the background.
    async function followReadme() {
        const last = commands[commands.length - 1];
        last.should.match(/\bnode-red\b/, "the block ends by starting Node-RED");
        let cwd = home;
        const outputs = [];
        for (const line of commands.slice(0, -1)) {
            const cd = /^cd (\S+)$/.exec(line);
            if (cd) {
                cwd = path.resolve(cwd, cd[1].replace(/^~(?=\/|$)/, home));
                continue;
            }
            outputs.push(await shell(line, env, cwd));
        }
        installOutput = outputs.join("");
        startLine = { line: last, cwd };
        server = await startNodeRed(last, env, cwd);
    }

    let installOutput = "";
    let startLine = null;

    // The README's block once for the suite: installing takes minutes.
    before(async function () {
        try {
            await followReadme();
        } catch (err) {
            if (!NETWORK_CODES.test(err.message) || !/`npm install /.test(err.message)) { throw err; }
            console.warn(`      SKIPPED: the npm registry cannot be reached: ${err.message.split("\n").slice(0, 3).join(" ")}`);
            this.skip();
        }
    });

    const dataRows = () => backend.query(path.join(userDir, "wsn.db"), "SELECT deviceID, dataSEQN FROM Data ORDER BY dataSEQN");

    it("installs the nodes and creates the database with the package's own CLI", async function () {
        installOutput.should.match(/wsn\.db: created with the wsn-crypto schema/);
        installOutput.should.match(/device 7F3A/);
        fs.existsSync(path.join(userDir, "node_modules", "node-red-node-sqlite")).should.be.true();
        fs.existsSync(path.join(userDir, "node_modules", "@wsn-crypto", "node-red-wsn-crypto", "flows", "schema.sql")).should.be.true();
        (await backend.query(path.join(userDir, "wsn.db"), "SELECT deviceID, deviceFormats FROM Devices"))
            .should.eql([{ deviceID: "7F3A", deviceFormats: "auth" }]);
        // Stored wrapped under the KEK the block made, which is outside the user directory, mode 0600.
        const [row] = await backend.query(path.join(userDir, "wsn.db"), "SELECT deviceKey FROM Devices");
        row.deviceKey.should.startWith("kw1:");
        const kekFile = path.join(home, ".wsn-crypto.kek");
        (fs.statSync(kekFile).mode & 0o777).should.equal(0o600);
        row.deviceKey.split(":")[1].should.equal(fs.readFileSync(kekFile, "utf8").split(":")[0], "wrapped under the KEK new-kek made");
    });

    it("the Node-RED it starts answers a device: one message sent, acknowledged and stored", async function () {
        const before = await dataRows();
        // The key comes from the database the README's provision line wrote.
        // As the README's check line: the CLI unwraps the key with the same KEK file.
        const check = fs.readFileSync(README, "utf8").match(/`(WSN_KEK_FILE=\S+ npx wsn-crypto send --db \S+ --id 7F3A --count 1)`/);
        should.exist(check, "the README's check line");
        const send = await shell(`${check[1]} --url http://127.0.0.1:${port}`, env, userDir);
        send.should.match(/sent 1, acknowledged 1, rejected 0, failed 0/);
        const after = await dataRows();
        after.length.should.equal(before.length + 1);
        after[after.length - 1].deviceID.should.equal("7F3A");
    });

    it("the README's settings lines give 413 and 400 for device bodies instead of Node-RED's answers", async function () {
        const settingsFile = path.join(userDir, "settings.js");
        fs.existsSync(settingsFile).should.be.true("Node-RED wrote its settings.js on first start");
        const lines = readmeBlock("js settings");
        const settings = fs.readFileSync(settingsFile, "utf8");
        if (!settings.includes(lines[lines.length - 1])) {
            settings.should.match(/^module\.exports = \{$/m);
            fs.writeFileSync(settingsFile, settings.replace(/^module\.exports = \{$/m, `module.exports = {\n${lines.join("\n")}`));
        }
        await server.stop();
        server = await startNodeRed(startLine.line, env, startLine.cwd);

        const malformed = await request(port, "POST", "/data/7F3A", "{\"msg\":");
        malformed.status.should.equal(400);
        JSON.parse(malformed.text).should.eql({ error: "bad_json" });
        const oversized = await request(port, "POST", "/data/7F3A", JSON.stringify({ msg: "A".repeat(16384) }));
        oversized.status.should.equal(413);
        JSON.parse(oversized.text).should.eql({ error: "too_large" });
        const editor = await request(port, "GET", "/admin/");
        editor.status.should.equal(200, "the editor moved to /admin");
    });

    it("the README's fleet dashboard line, then the example imported and deployed, give the page at /dashboard/fleet", async function () {
        const lines = readmeBlock("sh dashboard", "## Fleet dashboard");
        for (const line of lines) {
            try {
                await shell(line, env, home);
            } catch (err) {
                if (!NETWORK_CODES.test(err.message)) { throw err; }
                console.warn(`      SKIPPED: the npm registry cannot be reached: ${err.message.split("\n").slice(0, 3).join(" ")}`);
                this.skip();
            }
        }
        fs.existsSync(path.join(userDir, "node_modules", "@flowfuse", "node-red-dashboard")).should.be.true();
        // Node-RED loads a new palette module at start.
        await server.stop();
        server = await startNodeRed(startLine.line, env, startLine.cwd);
        // The editor's Import > Examples, then Deploy: the example file as the installed package holds it, added to the flows.
        const admin = (await request(port, "GET", "/admin/flows")).status === 200 ? "/admin" : "";
        const flows = JSON.parse((await request(port, "GET", `${admin}/flows`)).text);
        const example = path.join(userDir, "node_modules", "@wsn-crypto", "node-red-wsn-crypto", "examples", "wsn-fleet-dashboard.json");
        const dashboard = JSON.parse(fs.readFileSync(example, "utf8"));
        const deployed = await fetch(`http://127.0.0.1:${port}${admin}/flows`, {
            method: "POST", headers: { "content-type": "application/json", "node-red-deployment-type": "full" }, body: JSON.stringify(flows.concat(dashboard))
        });
        [200, 204].should.containEql(deployed.status);
        // The deploy answers before the new flows have started.
        await until(async () => (await request(port, "GET", "/dashboard/fleet")).status === 200, { timeout: 15000, what: "the page at /dashboard/fleet" })
            .catch((err) => { throw new Error(`${err.message}\nNode-RED log:\n${server.log().slice(-1500)}`); });
        // What the table widget holds for the page: the README's device, read from the README's database.
        const table = dashboard.find((n) => n.type === "ui-table").id;
        const shown = await until(async function () {
            const res = await request(port, "GET", `/dashboard/_debug/datastore/${table}`);
            const rows = res.status === 200 && res.text ? JSON.parse(res.text).payload : null;
            return Array.isArray(rows) && rows.find((r) => r.id === "7F3A");
        }, { timeout: 15000, what: "device 7F3A in the dashboard's table" });
        shown.formats.should.equal("auth");
        String(shown.seqn).should.equal(String((await backend.query(path.join(userDir, "wsn.db"), "SELECT deviceSQN FROM Devices WHERE deviceID = '7F3A'"))[0].deviceSQN));
    });
});
