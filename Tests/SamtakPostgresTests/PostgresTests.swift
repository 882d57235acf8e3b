import Foundation
@testable import SamtakPostgres
import SamtakTestSupport
import Testing

@Suite("libpq layer against a real PostgreSQL")
struct PostgresTests {
    @Test("parameters with quotes, NULLs, unicode and large text round-trip unchanged")
    func parameterRoundTrip() async throws {
        try await withTestDatabase(migrated: false) { database in
            let large = String(repeating: "æøå 🧒 '\"\\ ; DROP TABLE x; -- ", count: 40_000)  // ~1.3 MB
            let values: [String?] = ["O'Brien", "\"quoted\"", "back\\slash", "Ærlend Øvrebø Åsen", "👩‍👧 emoji", "", nil, large, "$1 $2 ?", "\u{0001}ctrl"]
            let stored = try await database.pool.withConnection { connection in
                try connection.run(script: "CREATE TABLE t (id int PRIMARY KEY, v text)")
                for (index, value) in values.enumerated() {
                    try connection.execute("INSERT INTO t (id, v) VALUES (\(index), \(value))")
                }
                return try connection.query("SELECT v FROM t ORDER BY id").map { row throws(PostgresError) in try row.decode(String?.self, 0) }
            }
            #expect(stored == values)
        }
    }

    @Test("typed values: integers, booleans, doubles, UUIDs, timestamps, arrays, JSON, bytea")
    func typedValues() async throws {
        try await withTestDatabase(migrated: false) { database in
            let id = UUID()
            let instant = Date(timeIntervalSince1970: 1_798_000_000.123456)
            let tags = ["a", "b,c", "d\"e", "NULL", ""]
            let ids = [UUID(), UUID()]
            let bytes = Data([0, 1, 2, 254, 255])
            let row = try await database.pool.withConnection { connection in
                try connection.query("""
                    SELECT \(Int.max)::int8, \(true), \(3.25), \(id), \(instant), \(tags), \(ids), \(PostgresJSON(#"{"k": [1, 2]}"#)), \(bytes), \(Int32(-7))
                    """).map { row throws(PostgresError) in
                    (try row.decode(Int.self, 0), try row.decode(Bool.self, 1), try row.decode(Double.self, 2),
                     try row.decode(UUID.self, 3), try row.decode(Date.self, 4), try row.decode([String].self, 5),
                     try row.decode([UUID].self, 6), try row.decode(PostgresJSON.self, 7), try row.decode(Data.self, 8),
                     try row.decode(Int32.self, 9))
                }[0]
            }
            #expect(row.0 == Int.max)
            #expect(row.1 == true)
            #expect(row.2 == 3.25)
            #expect(row.3 == id)
            #expect(abs(row.4.timeIntervalSince(instant)) < 0.000_001)
            #expect(row.5 == tags)
            #expect(row.6 == ids)
            #expect(row.7.json.replacingOccurrences(of: " ", with: "") == #"{"k":[1,2]}"#)
            #expect(row.8 == bytes)
            #expect(row.9 == -7)
        }
    }

    @Test("an SQL error maps to a typed error with SQLSTATE and constraint, and no data in its description")
    func errorsCarrySQLStateWithoutData() async throws {
        try await withTestDatabase(migrated: false) { database in
            let secret = "Kari Nordmann 01017012345"
            let error = await #expect(throws: PostgresError.self) {
                try await database.pool.withConnection { connection in
                    try connection.run(script: "CREATE TABLE people (name text CONSTRAINT people_name_key UNIQUE)")
                    try connection.execute("INSERT INTO people (name) VALUES (\(secret))")
                    try connection.execute("INSERT INTO people (name) VALUES (\(secret))")
                }
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isUniqueViolation == true)
            #expect(error?.constraint == "people_name_key")
            let description = "\(error.map { "\($0)" } ?? "")"
            #expect(description.contains("23505"))
            #expect(!description.contains("Kari"))
            #expect(!description.contains("01017012345"))

            let castError = await #expect(throws: PostgresError.self) {
                try await database.pool.withConnection { connection in
                    _ = try connection.query("SELECT \(secret)::uuid")
                }
            }
            #expect(castError?.sqlState == "22P02")
            #expect(!"\(castError.map { "\($0)" } ?? "")".contains("Kari"))
        }
    }

    @Test("a transaction commits when the body returns and rolls back when it throws")
    func transactions() async throws {
        struct Abort: Error {}
        try await withTestDatabase(migrated: false) { database in
            try await database.pool.withConnection { try $0.run(script: "CREATE TABLE t (v int)") }
            _ = try await database.pool.withTransaction { try $0.execute("INSERT INTO t VALUES (1)") }
            await #expect(throws: Abort.self) {
                try await database.pool.withTransaction { connection in
                    try connection.execute("INSERT INTO t VALUES (2)")
                    throw Abort()
                }
            }
            let values = try await database.pool.withConnection { connection in
                try connection.query("SELECT v FROM t ORDER BY v").map { row throws(PostgresError) in try row.decode(Int.self, 0) }
            }
            #expect(values == [1])
        }
    }

    @Test("BEGIN goes with the first statement and deferred writes with COMMIT; failures leave the connection usable")
    func beginWithFirstStatement() async throws {
        try await withTestDatabase(migrated: false, poolSize: 1) { database in
            let pool = database.pool
            try await pool.withConnection { try $0.run(script: "CREATE TABLE t (v int PRIMARY KEY)") }
            let pid = try await pool.withConnection { $0.backendPID }
            func values() async throws -> [Int] {
                try await pool.withConnection { connection in
                    try connection.query("SELECT v FROM t ORDER BY v").map { row throws(PostgresError) in try row.decode(Int.self, 0) }
                }
            }

            // The isolation level reaches the server before the first statement runs.
            let level = try await pool.withTransaction(isolation: .serializable) { connection in
                try connection.query(SQL("SHOW transaction_isolation")).first!.decode(String.self, 0)
            }
            #expect(level == "serializable")

            // A deferred write is not visible inside its transaction and is committed with it.
            let seenInside = try await pool.withTransaction { connection in
                try connection.executeAtCommit("INSERT INTO t VALUES (\(1))")
                return try connection.query(SQL("SELECT count(*)::int8 FROM t").prepared).first!.decode(Int.self, 0)
            }
            #expect(seenInside == 0)
            #expect(try await values() == [1])

            // A deferred write that fails: nothing of the transaction commits, the error is the server's.
            await #expect {
                try await pool.withTransaction { connection in
                    try connection.execute(SQL("INSERT INTO t VALUES (\(2))").prepared)
                    try connection.executeAtCommit("INSERT INTO t VALUES (\(1))")
                }
            } throws: { ($0 as? PostgresError)?.sqlState == "23505" }
            #expect(try await values() == [1])

            // The first statement fails (a prepared statement on a missing table): the statement
            // is not taken for prepared, and it works once the table exists.
            await #expect {
                try await pool.withTransaction { _ = try $0.query(SQL("SELECT count(*)::int8 FROM later").prepared) }
            } throws: { ($0 as? PostgresError)?.sqlState == "42P01" }
            try await pool.withConnection { try $0.run(script: "CREATE TABLE later (v int)") }
            let count = try await pool.withTransaction { try $0.query(SQL("SELECT count(*)::int8 FROM later").prepared).first!.decode(Int.self, 0) }
            #expect(count == 0)

            // A transaction that runs no statement returns its value, and a script opens one.
            #expect(try await pool.withTransaction { _ in 7 } == 7)
            try await pool.withTransaction { connection in
                try connection.run(script: "INSERT INTO t VALUES (3); INSERT INTO t VALUES (4)")
                try connection.executeAtCommit("INSERT INTO t VALUES (\(5))")
            }
            #expect(try await values() == [1, 3, 4, 5])

            // Outside a transaction a deferred write runs at once.
            try await pool.withConnection { try $0.executeAtCommit("INSERT INTO t VALUES (\(6))") }
            #expect(try await values() == [1, 3, 4, 5, 6])

            // All of it on the one connection the pool started with: no failure broke it or left
            // it in a transaction (the pool would have closed it and opened another).
            #expect(try await pool.withConnection { $0.backendPID } == pid)
        }
    }

    @Test("Reads sent ahead are served once to the same statement, and never after anything else ran")
    func prefetchServesReadsAhead() async throws {
        try await withTestDatabase(migrated: false, poolSize: 1) { database in
            let pool = database.pool
            try await pool.withConnection { try $0.run(script: "CREATE TABLE t (v int PRIMARY KEY); INSERT INTO t VALUES (1), (2)") }
            let pid = try await pool.withConnection { $0.backendPID }
            // Another session, to change the table between a read ahead and its use (used by
            // one transaction body at a time).
            let otherBox = UncheckedConnection(try PostgresConnection(configuration: database.configuration))
            @Sendable func count(_ connection: PostgresConnection) throws -> Int {
                try connection.query(SQL("SELECT count(*)::int8 FROM t").prepared).first!.decode(Int.self, 0)
            }
            @Sendable func value(_ v: Int, _ connection: PostgresConnection) throws -> Int? {
                try connection.query(SQL("SELECT v FROM t WHERE v = \(v)").prepared).first?.decode(Int.self, 0)
            }

            // BEGIN goes with the reads ahead: the isolation level is the transaction's.
            let level = try await pool.withTransaction(isolation: .serializable) { connection in
                try connection.prefetch([SQL("SHOW transaction_isolation"), SQL("SELECT v FROM t WHERE v = \(2)").prepared])
                let level = try connection.query(SQL("SHOW transaction_isolation")).first!.decode(String.self, 0)
                #expect(try value(2, connection) == 2)
                return level
            }
            #expect(level == "serializable")

            // Read committed: a read ahead shows the table as it was when it was sent (a query
            // sent now would see the other session's row); a write of the transaction itself
            // drops what was not asked for yet, so what is asked after it is the server's answer.
            let counts = try await pool.withTransaction { connection in
                try connection.prefetch([SQL("SELECT count(*)::int8 FROM t").prepared, SQL("SELECT v FROM t WHERE v = \(5)").prepared])
                try otherBox.connection.execute("INSERT INTO t VALUES (3)")
                let ahead = try count(connection)
                try connection.execute("INSERT INTO t VALUES (5)")
                return (ahead, try value(5, connection), try count(connection))
            }
            #expect(counts.0 == 2)
            #expect(counts.1 == 5)
            #expect(counts.2 == 4)

            // Another parameter is another statement: not served, and it drops the rest.
            let other4 = try await pool.withTransaction { connection in
                try connection.prefetch([SQL("SELECT v FROM t WHERE v = \(4)").prepared, SQL("SELECT count(*)::int8 FROM t").prepared])
                let four = try value(3, connection)
                try otherBox.connection.execute("INSERT INTO t VALUES (4)")
                return (four, try count(connection))
            }
            #expect(other4.0 == 3)
            #expect(other4.1 == 5)

            // What was not asked for is gone with its transaction, or its lease outside one:
            // the next asks the server.
            try await pool.withTransaction { try $0.prefetch([SQL("SELECT count(*)::int8 FROM t").prepared]) }
            try otherBox.connection.execute("INSERT INTO t VALUES (6)")
            #expect(try await pool.withTransaction { try count($0) } == 6)
            try await pool.withConnection { try $0.prefetch([SQL("SELECT count(*)::int8 FROM t").prepared]) }
            try otherBox.connection.execute("INSERT INTO t VALUES (8)")
            #expect(try await pool.withConnection { try count($0) } == 7)
            try otherBox.connection.execute("DELETE FROM t WHERE v = 8")

            // A failing read ahead throws the server's error, nothing of its transaction commits,
            // and the connection is fine afterwards.
            await #expect {
                try await pool.withTransaction { connection in
                    try connection.execute("INSERT INTO t VALUES (7)")
                    try connection.prefetch([SQL("SELECT count(*)::int8 FROM t").prepared, SQL("SELECT 1 / (\(0)::int)").prepared])
                }
            } throws: { ($0 as? PostgresError)?.sqlState == "22012" }
            #expect(try await pool.withTransaction { try count($0) } == 6)
            #expect(try await pool.withConnection { $0.backendPID } == pid)
        }
    }

    @Test("prepared statements are reused and survive a schema change")
    func preparedStatements() async throws {
        try await withTestDatabase(migrated: false, poolSize: 1) { database in
            let sums = try await database.pool.withConnection { connection in
                try connection.run(script: "CREATE TABLE t (v int)")
                var out: [Int] = []
                for value in 1...50 {
                    try connection.execute(SQL("INSERT INTO t VALUES (\(value))").prepared)
                }
                out.append(try connection.query(SQL("SELECT sum(v)::int8 FROM t").prepared).first!.decode(Int.self, 0))
                try connection.run(script: "ALTER TABLE t ADD COLUMN w int DEFAULT 1")
                out.append(try connection.query(SQL("SELECT sum(v)::int8 FROM t").prepared).first!.decode(Int.self, 0))
                return out
            }
            #expect(sums == [1275, 1275])
        }
    }

    @Test("the pool leases each connection to one task and serves many concurrent tasks")
    func poolConcurrency() async throws {
        try await withTestDatabase(migrated: false, poolSize: 4) { database in
            try await database.pool.withConnection { try $0.run(script: "CREATE TABLE t (v int)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for value in 0..<200 {
                    group.addTask {
                        try await database.pool.withTransaction { connection in
                            try connection.execute("INSERT INTO t VALUES (\(value))")
                            // A session-level marker would leak between tasks if a connection were shared.
                            try connection.execute("SELECT pg_sleep(0.001)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await database.pool.withConnection { try $0.query("SELECT count(*)::int8 FROM t").first!.decode(Int.self, 0) }
            #expect(count == 200)
            #expect(database.pool.statistics.open <= 4)
        }
    }

    @Test("a connection killed by the server is replaced on the next lease")
    func reconnectsAfterTermination() async throws {
        try await withTestDatabase(migrated: false, poolSize: 1) { database in
            let pid = try await database.pool.withConnection { $0.backendPID }
            let admin = PostgresPool(configuration: TestEnvironment.postgres, maxConnections: 1, logger: TestEnvironment.logger)
            _ = try await admin.withConnection { try $0.execute("SELECT pg_terminate_backend(\(pid))") }
            await admin.close()
            try await Task.sleep(for: .milliseconds(200))
            // The pool notices the dead idle connection and opens a new one.
            let value = try await database.pool.withTransaction { try $0.query("SELECT 42::int8").first!.decode(Int.self, 0) }
            #expect(value == 42)
            let newPID = try await database.pool.withConnection { $0.backendPID }
            #expect(newPID != pid)
        }
    }

    @Test("LISTEN wakes a waiter on NOTIFY, and a wait without one times out")
    func listenNotify() async throws {
        try await withTestDatabase(migrated: false) { database in
            let listener = PostgresListener(configuration: database.configuration, channels: ["test_channel"], logger: TestEnvironment.logger)
            listener.start()
            defer { listener.stop() }
            // The first wake-up reports the connection itself.
            #expect(await listener.wait(timeout: .seconds(10)))
            #expect(await listener.wait(timeout: .milliseconds(300)) == false)
            try await database.pool.withConnection { try $0.run(script: "NOTIFY test_channel") }
            #expect(await listener.wait(timeout: .seconds(5)))
            #expect(listener.notificationCount == 1)
        }
    }

    @Test("the pool gives up with a typed timeout when every connection stays leased")
    func acquireTimeout() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = PostgresPool(configuration: database.configuration, maxConnections: 1, acquireTimeout: .milliseconds(300), logger: TestEnvironment.logger)
            async let holder: Void = pool.withConnection { connection in
                try connection.execute("SELECT pg_sleep(1.5)")
            }
            try await Task.sleep(for: .milliseconds(200))
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { _ in 1 }
            }
            #expect(error?.kind == .poolTimeout)
            try await holder
            #expect(try await pool.withConnection { _ in 2 } == 2)
            await pool.close()
        }
    }

    @Test("timestamps and array literals parse and format without Foundation formatters")
    func textFormats() throws {
        let date = try #require(PostgresTimestamp.parse("2026-11-25 19:24:23.830972+00"))
        #expect(PostgresTimestamp.format(date) == "2026-11-25 19:24:23.830972+00")
        #expect(PostgresTimestamp.parse("2026-03-29 01:00:00+02") == Date(timeIntervalSince1970: 1_774_738_800))
        #expect(PostgresTimestamp.parse("1969-12-31 23:59:59+00") == Date(timeIntervalSince1970: -1))
        #expect(PostgresTimestamp.parse("not a date") == nil)
        #expect(try [String](postgresText: "{}") == [])
        #expect(try [String](postgresText: #"{a,"b c","d\"e"}"#) == ["a", "b c", "d\"e"])
        #expect(PostgresArrayLiteral.decode(#"{NULL,"NULL",æø,"å\\b",""}"#) == [nil, "NULL", "æø", "å\\b", ""])
        let items = ["a", "b,c", "d\"e", "f\\g", "NULL", "", "æøå 😀"]
        #expect(PostgresArrayLiteral.encode(items) == #"{"a","b,c","d\"e","f\\g","NULL","","æøå 😀"}"#)
        #expect(PostgresArrayLiteral.decode(PostgresArrayLiteral.encode(items)) == items)
        #expect(PostgresArrayLiteral.encode([]) == "{}")
        for broken in ["", "{", "a}", #"{"a}"#, #"{"a"b}"#, #"{"a\"}"#] { #expect(PostgresArrayLiteral.decode(broken) == nil, "\(broken)") }
        // Id lists are written in one buffer, unquoted (an id never needs quotes), and read back;
        // every `= ANY($1)` of the other tests sends them to the server.
        for ids in [[], [UUID()], (0..<30).map { _ in UUID() }] {
            #expect(ids.postgresText == "{" + ids.map { $0.uuidString.lowercased() }.joined(separator: ",") + "}")
            #expect(try [UUID](postgresText: ids.postgresText) == ids)
        }
    }
}

/// A connection handed to test closures that the compiler cannot prove run one at a time
/// (they do: each transaction body finishes before the next starts).
private final class UncheckedConnection: @unchecked Sendable {
    let connection: PostgresConnection
    init(_ connection: PostgresConnection) { self.connection = connection }
}
