"use strict";
// One self-rewriting status line on stderr, only when stderr is a terminal:
// piped or captured output stays clean.

const MIN_REDRAW_MS = 100;

/** `stream` null (e.g. with --json) or not a terminal: no progress at all. */
function createProgress(stream, total) {
    if (!stream || !stream.isTTY) {
        return { update() {}, done() {} };
    }
    let lastDraw = 0;
    let drawn = false;
    function draw(counts, force) {
        const now = Date.now();
        if (!force && now - lastDraw < MIN_REDRAW_MS) { return; }
        lastDraw = now;
        drawn = true;
        stream.write(`\r\x1b[Ksent ${counts.sent}/${total}, acknowledged ${counts.acknowledged}, rejected ${counts.rejected}, failed ${counts.failed}`);
    }
    return {
        update(counts) { draw(counts, false); },
        done() { if (drawn) { stream.write("\r\x1b[K"); } }
    };
}

module.exports = { createProgress };
