import Foundation
import Logging
import SamtakPostgres

/// The columns that keep children's identity numbers (Schema/0011): `national_id_hash`
/// (``IdentityNumberProtection/lookupHash(digits:)``, unique) and `national_id_sealed`.
public enum IdentityNumberStorage {
    static let conversionLockKey = 0x5341_4d54_414b_0011  // "SAMTAK" 0011
    /// Whether the pre-0011 plain `children.national_id` column is still there.
    public static func plainColumnExists(on connection: PostgresConnection) throws -> Bool {
        try columnExists("national_id", on: connection)
    }

    /// Whether numbers are kept in plain text (so a migration needs the keys to convert them).
    public static func plainNumbersStored(on connection: PostgresConnection) throws -> Bool {
        guard try plainColumnExists(on: connection) else { return false }
        return try !connection.query("SELECT 1 FROM children WHERE national_id IS NOT NULL LIMIT 1").isEmpty
    }

    /// Whether there is something to convert: the plain column and 0011's columns.
    static func conversionPending(on connection: PostgresConnection) throws -> Bool {
        try plainColumnExists(on: connection) && columnExists("national_id_hash", on: connection)
    }

    static func columnExists(_ name: String, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("""
            SELECT 1 FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'children' AND column_name = \(name)
            """).isEmpty
    }

    /// Converts numbers kept in plain text before migration 0011 into hash and sealed copy,
    /// then drops the plain column, in one transaction. Idempotent: without the column (or
    /// before 0011 is applied) it does nothing (returns 0). The numbers pass through memory only; nothing is logged but the count.
    /// `protection` is asked for only when there is something to convert.
    @discardableResult
    public static func convertPlainNumbers(
        on connection: PostgresConnection, protection: () throws -> IdentityNumberProtection, logger: Logger
    ) throws -> Int {
        guard try conversionPending(on: connection) else { return 0 }
        let protection = try protection()
        try connection.run(script: "BEGIN")
        do {
            // Two migrating processes: the second waits here, then finds the column gone.
            try connection.execute("SELECT pg_advisory_xact_lock(\(Self.conversionLockKey))")
            guard try conversionPending(on: connection) else {
                try connection.run(script: "COMMIT")
                return 0
            }
            try connection.run(script: "LOCK TABLE children IN SHARE ROW EXCLUSIVE MODE")
            let rows = try connection.query("""
                SELECT id, national_id FROM children WHERE national_id IS NOT NULL AND national_id_hash IS NULL
                """).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(String.self, 1)) }
            for (id, digits) in rows {
                let hash = Data(protection.lookupHash(digits: digits))
                let sealed = Data(protection.seal(digits: digits))
                try connection.execute("""
                    UPDATE children SET national_id_hash = \(hash), national_id_sealed = \(sealed) WHERE id = \(id)
                    """)
            }
            try connection.run(script: "ALTER TABLE children DROP COLUMN national_id")
            try connection.run(script: "COMMIT")
            logger.info("identity numbers converted to keyed hash and sealed copy; plain column dropped", metadata: ["children": "\(rows.count)"])
            return rows.count
        } catch {
            try? connection.run(script: "ROLLBACK")
            throw error
        }
    }
}
