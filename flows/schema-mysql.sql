-- wsn-crypto schema for MariaDB (tested with Debian's 10.11; it needs NO PAD
-- collations, enforced CHECK constraints and JSON_VALID, all there since
-- 10.2.3), the database of flows/wsn-mysql.json. Idempotent: run it again
-- after an upgrade, also on a database made with an older version of this
-- file. Apply it with the command-line client (it uses DELIMITER):
--   mariadb wsn < flows/schema-mysql.sql
--
-- Ids and keys are VARCHAR in utf8mb4 with the collation utf8mb4_nopad_bin,
-- so they are kept and compared exactly as provisioned: a case-insensitive
-- collation would let a request for "12fa" reach device "12FA", and a PAD
-- SPACE one (utf8mb4_bin among them) would let "12FA " reach it. On MySQL 8
-- use utf8mb4_0900_bin, its binary NO PAD collation, in place of
-- utf8mb4_nopad_bin throughout.

CREATE TABLE IF NOT EXISTS Devices (
    deviceID  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    -- The key text, or the key wrapped under a key-encryption key
    -- ("kw1:<label>:<base64>", README "Keys at rest"): a 128-character key
    -- wrapped under a 32-character label takes 221.
    deviceKey VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    deviceSQN BIGINT NOT NULL DEFAULT 0,
    -- Wire formats the device may use, comma-separated. New devices speak
    -- only the authenticated format; the legacy ones are an explicit opt-in
    -- per device ('passphrase,raw,auth'), since neither can be
    -- authenticated. An empty list refuses every format.
    deviceFormats VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'auth',
    PRIMARY KEY (deviceID)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- A database made with an older version of this file: new devices get the
-- new default; the rows already there keep the formats they have.
ALTER TABLE Devices ALTER COLUMN deviceFormats SET DEFAULT 'auth';
-- and room for wrapped keys (the column was VARCHAR(128)).
ALTER TABLE Devices MODIFY deviceKey VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

-- Version 1 of the authenticated format kept reset challenges, written by
-- unauthenticated requests (GET /wsn/:id?nonce=); version 2 needs none
-- (README section The authenticated format, "Why no reset challenge"). The procedures that read the
-- table are replaced below.
DROP TABLE IF EXISTS Challenges;

CREATE TABLE IF NOT EXISTS Data (
    dataID    BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    deviceID  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
    dataDate  DATETIME(3) NOT NULL,      -- UTC, the database server's clock
    dataValue DOUBLE NULL,               -- data.value when it is a number
    dataSEQN  BIGINT NOT NULL,
    dataLost  BIGINT NOT NULL DEFAULT 0, -- messages missing between the previous SEQN and this one
    -- The whole data object as the flow wrote it, so multi-field sensors lose
    -- nothing. LONGTEXT with a check rather than JSON: MySQL's JSON type
    -- would rewrite the text.
    dataJSON  LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL CHECK (JSON_VALID(dataJSON)),
    PRIMARY KEY (dataID),
    UNIQUE KEY Data_by_device_seqn (deviceID, dataSEQN),
    KEY Data_by_device_date (deviceID, dataDate)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- The two writes of the flows are procedures, each answering one row
-- (outcome, seqn, lost): storing a message (POST /data) and setting the SEQN
-- (POST /wsn). The outcome is 'stored', 'unknown' if the device row is gone,
-- or 'refused' with seqn the SEQN stored now: the flow hands that to the
-- wsn encrypt node, which tells replay from stale by the core's sequence
-- rule and seals the refusal for an authenticated request.
--
-- Why procedures: the SQLite flows store a message in one INSERT ... SELECT
-- whose trigger advances Devices.deviceSQN; MariaDB and MySQL refuse a
-- trigger that writes a table its triggering statement reads (error 1442),
-- and the mysql node sends each message's query on whichever pooled
-- connection is free, so a transaction cannot span two of its messages. One
-- CALL is one message, one connection and one transaction.
--
-- Why they are atomic under concurrency, also across several Node-RED
-- instances on the same database: the locking read takes the device row's
-- exclusive lock and reads the latest committed SEQN (not the transaction's
-- snapshot); every other store or reset of that device waits for the lock
-- until this transaction ends. The conditional UPDATE is the compare-and-set;
-- the Data row is inserted in the same transaction, committed before the
-- outcome is answered, so an acknowledged message is always stored, N copies
-- of one request store one row (the others are refused), and the lost count
-- and the SEQN in a refusal are those the database saw. Any error rolls
-- everything back and reaches the flow's Catch node (500).
DROP PROCEDURE IF EXISTS wsn_store;
DROP PROCEDURE IF EXISTS wsn_reset;

DELIMITER //
CREATE PROCEDURE wsn_store(
    IN p_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin,
    IN p_seqn  BIGINT,
    IN p_value DOUBLE,
    IN p_json  LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_stored BIGINT DEFAULT NULL;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    START TRANSACTION;
    SELECT deviceSQN INTO v_stored FROM Devices WHERE deviceID = p_id FOR UPDATE;
    UPDATE Devices SET deviceSQN = p_seqn WHERE deviceID = p_id AND deviceSQN < p_seqn;
    IF ROW_COUNT() = 1 THEN
        INSERT INTO Data (deviceID, dataDate, dataValue, dataSEQN, dataLost, dataJSON)
        VALUES (p_id, UTC_TIMESTAMP(3), p_value, p_seqn, p_seqn - v_stored - 1, p_json);
        COMMIT;
        SELECT 'stored' AS outcome, p_seqn AS seqn, p_seqn - v_stored - 1 AS lost;
    ELSE
        ROLLBACK;
        SELECT IF(v_stored IS NULL, 'unknown', 'refused') AS outcome, v_stored AS seqn, 0 AS lost;
    END IF;
END//

-- Setting the SEQN: forward only unless p_any (the decrypt node's "any"
-- policy, which the core grants the passphrase format alone: an
-- authenticated reset is always forward-only, and a raw one never gets here).
CREATE PROCEDURE wsn_reset(
    IN p_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin,
    IN p_seqn BIGINT,
    IN p_any  TINYINT)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
BEGIN
    DECLARE v_stored BIGINT DEFAULT NULL;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    START TRANSACTION;
    SELECT deviceSQN INTO v_stored FROM Devices WHERE deviceID = p_id FOR UPDATE;
    IF v_stored IS NOT NULL AND (v_stored < p_seqn OR p_any <> 0) THEN
        UPDATE Devices SET deviceSQN = p_seqn WHERE deviceID = p_id;
        COMMIT;
        SELECT 'stored' AS outcome, p_seqn AS seqn, 0 AS lost;
    ELSE
        ROLLBACK;
        SELECT IF(v_stored IS NULL, 'unknown', 'refused') AS outcome, v_stored AS seqn, 0 AS lost;
    END IF;
END//
DELIMITER ;
