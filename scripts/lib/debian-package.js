"use strict";
// A Debian package the tests need (mariadb-server, mosquitto), installed
// with apt once if its programs are missing, as root; for anyone else, the
// command to run instead.

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { which } = require("./which.js");

/** The apt command that installs `pkg`, quietly, waiting for a held dpkg lock. */
function aptInstallCommand(pkg) {
    return "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq " +
        `-o DPkg::Lock::Timeout=300 --no-install-recommends ${pkg}`;
}

/** {key: path or null} for `programs` {key: program name}. */
function find(programs) {
    return Object.fromEntries(Object.entries(programs).map(([key, name]) => [key, which(name)]));
}

/**
 * The paths of `programs` ({key: program name}), installing Debian's `pkg`
 * first if any is missing. Throws with apt's last lines if that fails, and
 * with the command to run when not root.
 */
function ensureDebianPackage(pkg, programs) {
    let bin = find(programs);
    const missing = () => Object.keys(programs).filter((key) => !bin[key]).map((key) => programs[key]);
    if (missing().length === 0) { return bin; }
    if (typeof process.getuid === "function" && process.getuid() !== 0) {
        throw new Error(`${pkg} is not installed; as root: ${aptInstallCommand(pkg)}`);
    }
    const log = path.join(os.tmpdir(), `wsn-${pkg}-install-${process.pid}.log`);
    try {
        execFileSync("bash", ["-c", `(${aptInstallCommand(pkg)}) >"${log}" 2>&1`], { stdio: "ignore" });
    } catch (err) {
        const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : "";
        throw new Error(`installing ${pkg} failed:\n${tail}`);
    }
    fs.rmSync(log, { force: true });
    bin = find(programs);
    if (missing().length > 0) { throw new Error(`${pkg} installed, but ${missing().join(", ")} not found`); }
    return bin;
}

module.exports = { aptInstallCommand, ensureDebianPackage };
