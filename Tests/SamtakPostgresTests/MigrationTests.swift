import Foundation
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test("from empty, then a second run is a no-op")
    func fromEmptyAndTwice() async throws {
        try await withTestDatabase(migrated: false) { database in
            let migrator = try PostgresMigrator(directory: TestEnvironment.schemaDirectory)
            let first = try await database.pool.withConnection { try migrator.migrate(on: $0, logger: TestEnvironment.logger) }
            #expect(first == migrator.migrations.map(\.version))
            let second = try await database.pool.withConnection { try migrator.migrate(on: $0, logger: TestEnvironment.logger) }
            #expect(second.isEmpty)
            let version = try await database.pool.withConnection { try PostgresMigrator.appliedVersion(on: $0) }
            #expect(version == migrator.latestVersion)
        }
    }

    @Test("the services' required schema version is the newest migration")
    func requiredVersionIsCurrent() throws {
        let migrator = try PostgresMigrator(directory: TestEnvironment.schemaDirectory)
        #expect(SamtakSchema.requiredVersion == migrator.latestVersion)
    }

    @Test("two `samtak-admin migrate` processes at once apply each migration exactly once")
    func twoProcessesAtOnce() async throws {
        try await withTestDatabase(migrated: false) { database in
            let environment = [
                "SAMTAK_PG_DATABASE": database.name,
                "SAMTAK_PG_PORT": String(database.configuration.port),
                "SAMTAK_SCHEMA_DIR": TestEnvironment.schemaDirectory.path,
            ]
            let first = try ServiceProcess("samtak-admin", port: 0, arguments: ["migrate"], environment: environment)
            let second = try ServiceProcess("samtak-admin", port: 0, arguments: ["migrate"], environment: environment)
            #expect(await first.waitForExit(timeout: .seconds(60)) == 0)
            #expect(await second.waitForExit(timeout: .seconds(60)) == 0)
            let outputs = [first.log, second.log]
            // Exactly one of the two applied the migrations; the other found the schema current.
            #expect(outputs.filter { $0.contains("schema is current") }.count == 1, "\(outputs)")
            let rows = try await database.pool.withConnection { try $0.query("SELECT count(*)::int8 FROM schema_migrations").first!.decode(Int.self, 0) }
            let migrator = try PostgresMigrator(directory: TestEnvironment.schemaDirectory)
            #expect(rows == migrator.migrations.count)
        }
    }

    @Test("a migration edited after it was applied is refused")
    func editedMigrationRefused() async throws {
        try await withTestDatabase(migrated: false) { database in
            let original = PostgresMigrator(migrations: [.init(version: 1, name: "a", sql: "CREATE TABLE a (x int)", checksum: "1")])
            let edited = PostgresMigrator(migrations: [.init(version: 1, name: "a", sql: "CREATE TABLE a (y int)", checksum: "2")])
            try await database.pool.withConnection { _ = try original.migrate(on: $0, logger: TestEnvironment.logger) }
            await #expect(throws: PostgresMigrator.MigrationError.self) {
                try await database.pool.withConnection { _ = try edited.migrate(on: $0, logger: TestEnvironment.logger) }
            }
        }
    }

    @Test("a failing migration leaves no trace and no version row")
    func failingMigrationRollsBack() async throws {
        try await withTestDatabase(migrated: false) { database in
            let broken = PostgresMigrator(migrations: [.init(version: 1, name: "broken", sql: "CREATE TABLE ok (x int); SELECT 1/0;", checksum: "x")])
            await #expect(throws: PostgresMigrator.MigrationError.self) {
                try await database.pool.withConnection { _ = try broken.migrate(on: $0, logger: TestEnvironment.logger) }
            }
            let state = try await database.pool.withConnection { connection in
                (try connection.query("SELECT to_regclass('ok') IS NULL").first!.decode(Bool.self, 0),
                 try PostgresMigrator.appliedVersion(on: connection))
            }
            #expect(state.0)
            #expect(state.1 == 0)
        }
    }
}
