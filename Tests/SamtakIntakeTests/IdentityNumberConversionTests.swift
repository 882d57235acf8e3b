import Foundation
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Synchronization
import Testing

// Issue 12, finding 5: numbers stored in plain text before migration 0011 are converted by
// `samtak-admin migrate` (IdentityNumberStorage), which then drops the plain column.
@Suite("Identity numbers stored before 0011 are converted, once", .timeLimit(.minutes(2)))
struct IdentityNumberConversionTests {
    @Test("0011 keeps a plain column that holds numbers; the conversion hashes and seals them, drops it, and does nothing before 0011 or a second time")
    func conversion() async throws {
        try await withTestDatabase(migrated: false) { database in
            let all = try PostgresMigrator(directory: TestEnvironment.schemaDirectory)
            let before = PostgresMigrator(migrations: all.migrations.filter { $0.version < 11 })
            let protection = IdentityNumberProtection(hashKey: String(repeating: "h", count: 32), encryptionKey: String(repeating: "e", count: 32))
            let numbers = ["14031651200", "01020312345"]
            let asked = Mutex(0)
            let provide: @Sendable () throws -> IdentityNumberProtection = { asked.withLock { $0 += 1 }; return protection }
            let (early, ids, columnAfterMigrate, converted, columnAfterConversion, again) = try await database.pool.withConnection { connection in
                try before.migrate(on: connection, logger: TestEnvironment.logger)
                // Before 0011 there is nowhere to put the hash: nothing to do yet.
                let early = try IdentityNumberStorage.convertPlainNumbers(on: connection, protection: provide, logger: TestEnvironment.logger)
                let staff = UUID()
                try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(staff), 'staff', 'Registrar')")
                var ids: [UUID] = []
                for number in numbers {
                    let id = UUID()
                    try connection.execute("INSERT INTO children (id, name, national_id, created_by) VALUES (\(id), 'Barn', \(number), \(staff))")
                    ids.append(id)
                }
                try connection.execute("INSERT INTO children (id, name, created_by) VALUES (\(UUID()), 'Uten nummer', \(staff))")
                try all.migrate(on: connection, logger: TestEnvironment.logger)
                let columnAfterMigrate = try IdentityNumberStorage.plainColumnExists(on: connection)
                let converted = try IdentityNumberStorage.convertPlainNumbers(on: connection, protection: provide, logger: TestEnvironment.logger)
                let columnAfterConversion = try IdentityNumberStorage.plainColumnExists(on: connection)
                let again = try IdentityNumberStorage.convertPlainNumbers(on: connection, protection: provide, logger: TestEnvironment.logger)
                return (early, ids, columnAfterMigrate, converted, columnAfterConversion, again)
            }
            #expect(early == 0)
            #expect(columnAfterMigrate)
            #expect(converted == 2)
            #expect(!columnAfterConversion)
            #expect(again == 0)
            #expect(asked.withLock { $0 } == 1, "the keys are needed only when there is something to convert")
            try await database.pool.withConnection { connection in
                for (id, number) in zip(ids, numbers) {
                    let row = try connection.query("SELECT national_id_hash, national_id_sealed FROM children WHERE id = \(id)").first!
                    #expect(try row.decode(Data.self, 0) == Data(protection.lookupHash(digits: number)))
                    #expect(protection.open(Array(try row.decode(Data.self, 1))) == number)
                }
                #expect(try connection.query("SELECT 1 FROM children WHERE national_id_hash IS NULL AND name = 'Uten nummer'").count == 1)
            }
        }
    }

    @Test("a database without numbers loses the plain column in the migration itself")
    func fresh() async throws {
        try await withTestDatabase { database in
            let exists = try await database.pool.withConnection { try IdentityNumberStorage.plainColumnExists(on: $0) }
            #expect(!exists)
        }
    }
}
