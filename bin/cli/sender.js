"use strict";
// Runs `count` sends with increasing SEQN: at most `concurrency` in flight,
// starts at least `intervalMs` apart. SEQNs are taken in start order, so with
// one in flight the backend sees them strictly increasing; with more, a
// request can overtake another and the backend then refuses the overtaken
// one as stale, which is its replay protection at work. A result that names
// the SEQN the backend stores (an authenticated refusal's, which the device
// may trust) moves the next SEQN above it: the run resynchronises without
// another round trip. Nothing moves it back.

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * sendOne(seqn, index) resolves to a result; a result with `fatal` set, or a
 * rejection, stops the run; a result with `storedSeqn` makes the next SEQN
 * at least storedSeqn + 1 (and gets `resynced: true` if that moved it). Resolves to `{results, error}`: the results so
 * far, and the error that stopped the run early, if any. `shouldStop()`
 * ends it early too.
 */
async function runSends(options) {
    const { count, concurrency, intervalMs, firstSeqn, sendOne, onResult, shouldStop } = options;
    const results = [];
    let next = 0;
    let nextSeqn = firstSeqn;
    let nextStart = Date.now();
    let error = null;

    const stopped = () => Boolean(error) || Boolean(shouldStop && shouldStop());

    async function worker() {
        while (next < count && !stopped()) {
            // Claim the SEQN and its start time together, so starts keep SEQN order.
            const index = next++;
            const seqn = nextSeqn++;
            const startAt = Math.max(Date.now(), nextStart);
            nextStart = startAt + intervalMs;
            if (startAt > Date.now()) { await sleep(startAt - Date.now()); }
            if (stopped()) { return; }
            try {
                const result = await sendOne(seqn, index);
                if (Number.isSafeInteger(result.storedSeqn) && result.storedSeqn >= nextSeqn) {
                    nextSeqn = result.storedSeqn + 1;
                    result.resynced = true;
                }
                results.push(result);
                if (result.fatal) { error = error || result.fatal; }
                if (onResult) { onResult(result); }
            } catch (e) {
                error = error || e;
            }
        }
    }

    const workers = [];
    for (let i = 0; i < Math.min(concurrency, count); i++) { workers.push(worker()); }
    await Promise.all(workers);
    results.sort((a, b) => a.seqn - b.seqn);
    return { results, error };
}

module.exports = { runSends };
