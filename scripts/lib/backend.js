"use strict";
// Sets up and runs a Node-RED backend with the shipped flows and an SQLite
// database: used by `npm start` (scripts/demo.js), the end-to-end tests and
// the load benchmark, so that all three run the same thing. Each job is its
// own module; this one gathers them for the callers:
//   paths.js            the checkout and its shipped files
//   pack.js             npm pack of this checkout
//   settings-file.js    the harness settings.js
//   user-dir.js         a Node-RED user directory with the flows and the nodes
//   sqlite-database.js  the database, through the product's schema (bin/cli/schema.js)
//   node-red-process.js starting Node-RED and waiting until its flows run
//   free-port.js        a free loopback port

const { ROOT, PACKAGE_NAME } = require("./paths.js");
const { packTarball } = require("./pack.js");
const { prepareUserDir } = require("./user-dir.js");
const { createDatabase, query, write } = require("./sqlite-database.js");
const { startNodeRed } = require("./node-red-process.js");
const { freePort } = require("./free-port.js");

module.exports = { ROOT, PACKAGE_NAME, createDatabase, query, write, prepareUserDir, packTarball, startNodeRed, freePort };
