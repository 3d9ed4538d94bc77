-- wsn-crypto schema for SQLite (3.35 or later, for RETURNING). Idempotent.
-- Column names follow the original article; TEXT keeps ids and keys exactly
-- as provisioned (the article's "String" type has numeric affinity and would
-- turn a device id "0012" into 12).

-- Write-ahead logging: one sync per commit instead of two, and readers do not
-- wait for the writer. Kept in the database file once set.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS Devices (
    deviceID  TEXT PRIMARY KEY NOT NULL,
    deviceKey TEXT NOT NULL,
    deviceSQN INTEGER NOT NULL DEFAULT 0,
    -- Wire formats the device may use, comma-separated: "auth" alone moves a
    -- device to the authenticated format and out of the legacy ones.
    deviceFormats TEXT NOT NULL DEFAULT 'passphrase,raw,auth'
);

-- One outstanding reset challenge per device, issued by GET /wsn/:id?nonce=...
-- and good for one reset until it expires or the device's SEQN moves.
CREATE TABLE IF NOT EXISTS Challenges (
    deviceID  TEXT PRIMARY KEY NOT NULL,
    challenge TEXT NOT NULL,
    expires   INTEGER NOT NULL      -- milliseconds since the epoch
);

CREATE TABLE IF NOT EXISTS Data (
    dataID    INTEGER PRIMARY KEY,
    deviceID  TEXT NOT NULL,
    dataDate  TEXT NOT NULL,      -- ISO 8601, UTC
    dataValue NUMERIC,            -- data.value when it is a number
    dataSEQN  INTEGER NOT NULL,
    dataLost  INTEGER NOT NULL DEFAULT 0,  -- messages missing between the previous SEQN and this one
    dataJSON  TEXT NOT NULL,      -- the whole data object, so multi-field sensors lose nothing
    UNIQUE (deviceID, dataSEQN)
);

CREATE INDEX IF NOT EXISTS Data_by_device_date ON Data (deviceID, dataDate);

-- Storing a message and advancing the device's SEQN happen in one statement
-- (the flows' conditional INSERT fires this trigger inside it), so a crash
-- can never leave an acknowledged message unstored or a stored one
-- re-acceptable.
-- A challenge is single-use: any move of the SEQN (a reset it allowed, or a
-- data message) withdraws it, inside the statement that moved the SEQN.
CREATE TRIGGER IF NOT EXISTS Devices_SEQN_withdraws_challenge AFTER UPDATE OF deviceSQN ON Devices
BEGIN
    DELETE FROM Challenges WHERE deviceID = NEW.deviceID;
END;

CREATE TRIGGER IF NOT EXISTS Data_advances_deviceSQN AFTER INSERT ON Data
BEGIN
    UPDATE Devices SET deviceSQN = NEW.dataSEQN
    WHERE deviceID = NEW.deviceID AND deviceSQN < NEW.dataSEQN;
END;
