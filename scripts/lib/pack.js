"use strict";
// `npm pack` of this checkout: the tarball a user installs.

const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { ROOT } = require("./paths.js");

/** Packs this repository into `destination`; returns the tarball path (pkg/ must be built). */
function packTarball(destination) {
    fs.mkdirSync(destination, { recursive: true });
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", destination], { cwd: ROOT, encoding: "utf8" });
    return path.join(destination, out.trim().split("\n").pop());
}

module.exports = { packTarball };
