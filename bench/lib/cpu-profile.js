"use strict";
// Preloaded into a Node-RED under benchmark (NODE_OPTIONS=--require, which
// --cpu-prof may not be in): samples the whole process with the inspector's
// profiler and writes a .cpuprofile into BENCH_CPU_PROFILE when the process
// exits (Node-RED exits on SIGTERM). The in-process session answers
// synchronously, so this works inside the 'exit' handler.

const fs = require("fs");
const path = require("path");
const inspector = require("inspector");

const dir = process.env.BENCH_CPU_PROFILE;
if (dir) {
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 200 });
    session.post("Profiler.start");
    process.on("exit", function () {
        session.post("Profiler.stop", function (err, result) {
            if (!err) { fs.writeFileSync(path.join(dir, `node-red-${process.pid}.cpuprofile`), JSON.stringify(result.profile)); }
        });
    });
}
