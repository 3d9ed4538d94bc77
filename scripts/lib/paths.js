"use strict";
// Where this checkout and its shipped files are, for the harness modules.

const path = require("path");

const ROOT = path.join(__dirname, "..", "..");
const PACKAGE_NAME = require(path.join(ROOT, "package.json")).name;
const SQLITE_FLOWS = path.join(ROOT, "flows", "wsn-sqlite.json");

module.exports = { ROOT, PACKAGE_NAME, SQLITE_FLOWS };
