"use strict";
// The same settings for scripts/test.sh, `npm run test:mysql` and a hand-run
// `npx mocha tests/js/x.test.js`.
module.exports = {
    // Suites start Node-RED, MariaDB and Chromium; a 2-core CI machine needs minutes, not mocha's 2 s.
    timeout: 180000,
    // Something the suites start keeps the event loop alive after the last test; not yet tracked down.
    exit: true
};
