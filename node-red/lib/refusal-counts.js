"use strict";
// The refusals the wsn decrypt nodes of this Node-RED made in the last hour,
// per device and code, kept in memory, never in the database: a request
// made without the key must not be able to grow anything stored. The
// `wsn refusals` node reads them (the fleet dashboard shows them).
//
// Bounded: a device is counted under its id only when the database knew it
// (the flow found its row); every other id is counted in one shared entry,
// so inventing ids grows nothing (and past MAX_DEVICES ids, all go to the
// shared entry). Per entry, one bucket per minute and code for the last 60
// minutes; a snapshot drops what is older. A restart starts every count at zero.

const WINDOW_MINUTES = 60;
const MINUTE_MS = 60 * 1000;
// More devices than this with refusals in the hour are counted in the shared
// entry: a safety net should a flow call devices known that are not.
const MAX_DEVICES = 100000;

/** A counter; `now` (ms) is the clock, replaceable in tests. */
function refusalCounts(now) {
    const clock = now || Date.now;
    // entry key -> Map(minute number -> Map(code -> n))
    const entries = new Map();
    const unknown = new Map();
    const since = clock();

    /** Drops an entry's minutes outside the window; true when nothing is left. */
    function prune(minutes, current) {
        for (const minute of minutes.keys()) {
            if (minute <= current - WINDOW_MINUTES) { minutes.delete(minute); }
        }
        return minutes.size === 0;
    }

    return {
        /** Counts one refusal of code `code`; `deviceId` undefined for a device the database did not know. */
        record(deviceId, code) {
            const current = Math.floor(clock() / MINUTE_MS);
            let minutes = unknown;
            if (deviceId !== undefined && (entries.has(deviceId) || entries.size < MAX_DEVICES)) {
                minutes = entries.get(deviceId);
                if (!minutes) { minutes = new Map(); entries.set(deviceId, minutes); }
            }
            prune(minutes, current);
            let codes = minutes.get(current);
            if (!codes) { codes = new Map(); minutes.set(current, codes); }
            codes.set(code, (codes.get(code) || 0) + 1);
        },
        /**
         * The last hour: { since, devices: { id: { hour: { code: n }, minute: n } },
         * unknown: { hour, minute } }, `minute` the refusals of the last 60 s
         * (the current and the previous minute bucket, the older weighted by
         * the part of it still inside the last 60 s).
         */
        snapshot() {
            const t = clock();
            const current = Math.floor(t / MINUTE_MS);
            const previousWeight = 1 - (t % MINUTE_MS) / MINUTE_MS;
            function summary(minutes) {
                const hour = new Map();
                let minute = 0;
                for (const [m, codes] of minutes) {
                    for (const [code, n] of codes) {
                        hour.set(code, (hour.get(code) || 0) + n);
                        if (m === current) { minute += n; }
                        if (m === current - 1) { minute += n * previousWeight; }
                    }
                }
                return { hour: Object.fromEntries(hour), minute: Math.round(minute) };
            }
            // Object.fromEntries makes every id an own property ("__proto__" too, not the prototype).
            const devices = [];
            for (const [id, minutes] of entries) {
                if (prune(minutes, current)) { entries.delete(id); continue; }
                devices.push([id, summary(minutes)]);
            }
            prune(unknown, current);
            return { since: new Date(since).toISOString(), devices: Object.fromEntries(devices), unknown: summary(unknown) };
        }
    };
}

// One counter per Node-RED process: every wsn decrypt node records into it.
const shared = refusalCounts();

module.exports = { refusalCounts, shared, WINDOW_MINUTES, MAX_DEVICES };
