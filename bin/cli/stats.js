"use strict";
// The summary of a send run.

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN when empty. */
function percentile(values, p) {
    if (values.length === 0) { return NaN; }
    const sorted = values.slice().sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1];
}

function tally(results) {
    const counts = { sent: results.length, acknowledged: 0, rejected: 0, failed: 0, lost: 0, codes: {}, resynced: 0 };
    for (const r of results) {
        counts[r.outcome]++;
        // Refusals whose sealed SEQN moved the run's counter (auth format only).
        if (r.resynced) {
            counts.resynced++;
            counts.resyncedTo = Math.max(counts.resyncedTo || 0, r.storedSeqn);
        }
        if (r.code) { counts.codes[r.code] = (counts.codes[r.code] || 0) + 1; }
        if (r.lost) { counts.lost += r.lost; }
    }
    return counts;
}

/** `results` in SEQN order, as runSends returns them. */
function summarize(results, elapsedMs) {
    const counts = tally(results);
    const latencies = results.map((r) => r.latencyMs);
    return Object.assign(counts, {
        firstSeqn: results.length ? results[0].seqn : null,
        lastSeqn: results.length ? results[results.length - 1].seqn : null,
        latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
        elapsedMs: round(elapsedMs)
    });
}

function round(number) {
    return Number.isFinite(number) ? Math.round(number * 10) / 10 : null;
}

function describeCodes(codes) {
    return Object.keys(codes).sort().map((code) => `${code} ${codes[code]}`).join(", ");
}

/** The summary as the lines printed after a run. */
function formatSummary(summary) {
    const lines = [];
    let counts = `sent ${summary.sent}, acknowledged ${summary.acknowledged}, rejected ${summary.rejected}, failed ${summary.failed}`;
    if (summary.rejected || summary.failed) { counts += ` (${describeCodes(summary.codes)})`; }
    lines.push(counts);
    if (summary.sent > 0) {
        lines.push(`SEQN ${summary.firstSeqn}..${summary.lastSeqn}, lost ${summary.lost} (SEQN gaps the backend reported)`);
        if (summary.resynced) {
            lines.push(`resynchronised by ${summary.resynced} sealed refusal(s): carried on above the stored SEQN ${summary.resyncedTo}`);
        }
        lines.push(`latency p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, ${summary.sent} in ${(summary.elapsedMs / 1000).toFixed(2)} s`);
    }
    return lines.join("\n");
}

module.exports = { summarize, formatSummary };
