import Foundation
import Logging

/// Applies numbered SQL migrations (`NNNN_name.sql`) from a directory.
///
/// - Applied versions are recorded in `schema_migrations` (version, name, checksum).
/// - Each migration runs in its own transaction with its version row.
/// - The whole run holds an advisory lock, so two instances starting together apply each
///   migration once; the second waits, then finds nothing to do.
/// - An applied migration whose file changed since is reported as an error (checksum),
///   never silently re-applied.
public struct PostgresMigrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public var version: Int
        public var name: String
        public var sql: String
        public var checksum: String

        public init(version: Int, name: String, sql: String, checksum: String) {
            self.version = version
            self.name = name
            self.sql = sql
            self.checksum = checksum
        }
    }

    public struct MigrationError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Arbitrary constant: the advisory lock key for "migrations in progress".
    static let lockKey = 0x5341_4d54_414b_0001  // "SAMTAK" 1
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Reads `NNNN_name.sql` files from `directory`.
    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        var seen: Set<Int> = []
        for file in files {
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError(description: "migration file \(file) is not named NNNN_name.sql")
            }
            guard seen.insert(version).inserted else {
                throw MigrationError(description: "two migration files have version \(version)")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(
                version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql,
                checksum: Self.checksum(sql)
            ))
        }
        self.init(migrations: migrations)
    }

    /// FNV-1a 64 of the file's bytes: detects edits of applied migrations.
    static func checksum(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate(on connection: PostgresConnection, logger: Logger) throws -> [Int] {
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try connection.run(script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = try connection.query("SELECT version, checksum FROM schema_migrations").map { row throws(PostgresError) in
            (try row.decode(Int.self, 0), try row.decode(String.self, 1))
        }
        let appliedChecksums = Dictionary(uniqueKeysWithValues: applied)
        var done: [Int] = []
        for migration in migrations {
            if let checksum = appliedChecksums[migration.version] {
                if checksum != migration.checksum {
                    throw MigrationError(description: "migration \(migration.version) (\(migration.name)) was changed after it was applied")
                }
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            try connection.run(script: "BEGIN")
            do {
                try connection.run(script: migration.sql)
                try connection.execute("""
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """)
                try connection.run(script: "COMMIT")
            } catch {
                try? connection.run(script: "ROLLBACK")
                // Migrations are our own SQL, not user data: the server's message helps here.
                throw MigrationError(description: "migration \(migration.version) (\(migration.name)) failed: \(error) \(error.unsafeServerMessage ?? "")")
            }
            done.append(migration.version)
        }
        return done
    }

    /// The highest applied version (0 when none): services wait for their schema.
    public static func appliedVersion(on connection: PostgresConnection) throws -> Int {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL").first?.decode(Bool.self, 0) ?? false
        guard exists else { return 0 }
        return try connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations").first?.decode(Int.self, 0) ?? 0
    }
}
