"use strict";
// Debian's Chromium, driven by playwright-core, as the editor and dashboard
// tests and the screenshot scripts open it (test tools cannot download a
// browser here; scripts/lib/ensure-chromium.sh installs Debian's).

const fs = require("fs");
const { chromium } = require("playwright-core");

const CHROMIUM = "/usr/bin/chromium";
// Without the background-networking flags Chromium keeps trying to reach
// Google's hosts, which this machine's closed network refuses.
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A headless Chromium; fails at once, saying how to install it, if it is missing. */
async function launchChromium() {
    if (!fs.existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} is missing: run scripts/lib/ensure-chromium.sh (installs Debian's chromium)`);
    }
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

module.exports = { launchChromium };
