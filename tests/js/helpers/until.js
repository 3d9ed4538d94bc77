"use strict";
// Waiting for something the tests cannot be told about by an event (a row
// in another process's database, a server that starts answering): polling
// with a deadline that fails with what was awaited, well before mocha's
// timeout would fail the test with nothing but "timeout exceeded".

/**
 * Resolves with the first truthy value of `condition()` (which may be async);
 * rejects after `timeout` ms naming `what`, with the last value or error seen.
 * An error thrown by `condition` counts as "not yet" until the deadline,
 * unless it is marked with until.fatal(err): then no waiting helps, and it
 * is thrown at once.
 */
const FATAL = Symbol("until: do not wait");

async function until(condition, { timeout = 10000, interval = 50, what = "a condition" } = {}) {
    const deadline = Date.now() + timeout;
    let last = "nothing";
    for (;;) {
        try {
            const value = await condition();
            if (value) { return value; }
            last = `the last check gave ${JSON.stringify(value)}`;
        } catch (err) {
            if (err && err[FATAL]) { throw err; }
            last = `the last check threw: ${err.message}`;
        }
        if (Date.now() >= deadline) { throw new Error(`gave up after ${timeout} ms waiting for ${what} (${last})`); }
        await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
    }
}

/**
 * `promise`, or a rejection naming `what` once `timeout` ms pass first
 * (for an awaited event, e.g. Node-RED's flows starting after a deploy).
 */
function within(promise, { timeout = 10000, what = "an event" } = {}) {
    let timer;
    const expired = new Promise(function (resolve, reject) {
        timer = setTimeout(() => reject(new Error(`gave up after ${timeout} ms waiting for ${what}`)), timeout);
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Marks `err` so that until() throws it at once instead of trying again. */
until.fatal = function (err) {
    err[FATAL] = true;
    return err;
};

module.exports = { until, within };
