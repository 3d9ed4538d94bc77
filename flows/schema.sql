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
    -- Wire formats the device may use, comma-separated. New devices speak
    -- only the authenticated format; the legacy ones are an explicit opt-in
    -- per device ('passphrase,raw,auth'), since neither can be
    -- authenticated. An empty list refuses every format.
    deviceFormats TEXT NOT NULL DEFAULT 'auth'
);

-- Version 1 of the authenticated format kept reset challenges, written by
-- unauthenticated requests; version 2 needs none (README, "Why no reset
-- challenge"). Trigger first: it names the table.
DROP TRIGGER IF EXISTS Devices_SEQN_withdraws_challenge;
DROP TABLE IF EXISTS Challenges;

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
CREATE TRIGGER IF NOT EXISTS Data_advances_deviceSQN AFTER INSERT ON Data
BEGIN
    UPDATE Devices SET deviceSQN = NEW.dataSEQN
    WHERE deviceID = NEW.deviceID AND deviceSQN < NEW.dataSEQN;
END;
