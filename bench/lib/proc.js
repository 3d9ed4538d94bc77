"use strict";
// What the benchmarks read of a process from /proc (Linux): its CPU time
// (user + system) and its resident memory, now and at its peak.

const fs = require("fs");
const { execFileSync } = require("child_process");

// Clock ticks per second, in which /proc/<pid>/stat counts CPU time.
let clockTick = 100;
try { clockTick = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch (e) { /* 100 */ }

/** CPU time (user + system) the process has used so far, in ms. */
function cpuMs(pid) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * (1000 / clockTick);
}

function statusBytes(pid, field) {
    const line = fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
    return Number(line.split(/\s+/)[1]) * 1024;
}

/** Resident memory now. */
const rssBytes = (pid) => statusBytes(pid, "VmRSS");
/** The highest resident memory the process has had. */
const peakRssBytes = (pid) => statusBytes(pid, "VmHWM");

module.exports = { cpuMs, rssBytes, peakRssBytes };
