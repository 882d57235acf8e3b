import Foundation
import Logging
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import Synchronization

/// What the integration tests talk to: the PostgreSQL server and the broker that
/// `Deploy/test` starts (`SAMTAK_PG_*`, `SAMTAK_KAFKA_BROKERS`). Tests never skip when
/// they are missing: they fail and say what is missing.
public enum TestEnvironment {
    public static let environment = ProcessInfo.processInfo.environment

    public static var postgres: PostgresConfiguration {
        PostgresConfiguration(
            host: environment["SAMTAK_PG_HOST"] ?? "127.0.0.1",
            port: Int(environment["SAMTAK_PG_PORT"] ?? "") ?? 55432,
            user: environment["SAMTAK_PG_USER"] ?? "samtak",
            password: environment["SAMTAK_PG_PASSWORD"],
            database: environment["SAMTAK_PG_DATABASE"] ?? "postgres",
            applicationName: "samtak-tests",
            // The suites run in parallel and start whole services: on two cores a connection
            // has waited more than the services' 5 s to be accepted (a clean-clone CI run,
            // connecting to the template). A server that is really away still fails the test.
            connectTimeoutSeconds: 30
        )
    }

    public static var brokers: String { environment["SAMTAK_KAFKA_BROKERS"] ?? "127.0.0.1:19092" }

    public static func kafka(clientID: String = "samtak-tests") -> KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientID: clientID)
    }

    public static var logger: Logger {
        var logger = Logger(label: "samtak-tests")
        logger.logLevel = Logger.Level(rawValue: environment["SAMTAK_TEST_LOG_LEVEL"] ?? "") ?? .warning
        return logger
    }

    /// A topic prefix of its own for each test, so tests never see each other's events.
    /// Two partitions each: enough for consumers to share, light on the broker (a full run
    /// creates several hundred topics).
    public static func uniqueTopics() -> TopicNaming {
        TopicNaming(prefix: "test.\(UUID().uuidString.prefix(8).lowercased()).", partitions: 2)
    }

    /// The repository root (for Schema/ and the built executables).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Where `swift build` put the executables (`SAMTAK_BIN_DIR` overrides).
    public static var binDirectory: URL {
        if let configured = environment["SAMTAK_BIN_DIR"], !configured.isEmpty { return URL(fileURLWithPath: configured) }
        return repositoryRoot.appendingPathComponent(".build/debug")
    }

    public static var schemaDirectory: URL { repositoryRoot.appendingPathComponent("Schema") }
}

/// The environment is missing something a test needs.
public struct MissingTestDependency: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A database of its own for one test (or suite), created from a migrated template and
/// dropped afterwards. Creating from a template takes a fraction of a second, so every
/// test gets a clean, fully migrated schema and tests run in parallel.
public final class TestDatabase: Sendable {
    public let name: String
    public let configuration: PostgresConfiguration
    public let pool: PostgresPool

    static let templateName = "samtak_test_template"
    static let templateReady = Mutex<Int?>(nil)

    /// - Parameter migrated: false gives an empty database (for migration tests).
    public static func create(migrated: Bool = true, poolSize: Int = 8) async throws -> TestDatabase {
        var admin = TestEnvironment.postgres
        // Copying the template is slow when many suites create their databases at once on a
        // loaded machine (30 s ran out in a full run: query_canceled); the tests' own
        // statements keep the default timeout.
        admin.statementTimeoutMilliseconds = 300_000
        let name = "samtak_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let adminPool = PostgresPool(configuration: admin, maxConnections: 1, logger: TestEnvironment.logger)
        defer { Task { await adminPool.close() } }
        do {
            if migrated { try await ensureTemplate(adminPool) }
            try await adminPool.withConnection { connection in
                let template = migrated ? "TEMPLATE \(templateName)" : "TEMPLATE template0"
                // Creating from a template fails while another session uses it; retry briefly.
                var attempt = 0
                while true {
                    do {
                        try connection.run(script: "CREATE DATABASE \(name) \(template)")
                        return
                    } catch let error as PostgresError where error.sqlState == "55006" && attempt < 50 {
                        attempt += 1
                        Thread.sleep(forTimeInterval: 0.1)
                    }
                }
            }
        } catch let error as PostgresError where error.kind == .connection {
            throw MissingTestDependency("PostgreSQL is not reachable at \(admin.endpointDescription) (\(error)); run the tests with Deploy/test, which starts it")
        }
        var configuration = TestEnvironment.postgres
        configuration.database = name
        return TestDatabase(name: name, configuration: configuration, poolSize: poolSize)
    }

    init(name: String, configuration: PostgresConfiguration, poolSize: Int) {
        self.name = name
        self.configuration = configuration
        self.pool = PostgresPool(configuration: configuration, maxConnections: poolSize, acquireTimeout: .seconds(60), logger: TestEnvironment.logger)
    }

    /// Migrates the template once per test process (and again when Schema/ changed).
    static func ensureTemplate(_ adminPool: PostgresPool) async throws {
        let migrator = try PostgresMigrator(directory: TestEnvironment.schemaDirectory)
        let fingerprint = migrator.migrations.map(\.checksum).joined().hashValue
        if templateReady.withLock({ $0 }) == fingerprint { return }
        let template = {
            var configuration = TestEnvironment.postgres
            configuration.database = templateName
            return configuration
        }()
        try await adminPool.withConnection { connection in
            // Serialize template preparation across concurrently running test processes.
            try connection.execute("SELECT pg_advisory_lock(4242)")
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock(4242)") }
            let exists = try connection.query("SELECT 1 FROM pg_database WHERE datname = \(templateName)").count == 1
            if !exists { try connection.run(script: "CREATE DATABASE \(templateName)") }
            let templateConnection = try PostgresConnection(configuration: template)
            do {
                try migrator.migrate(on: templateConnection, logger: TestEnvironment.logger)
            } catch {
                // A changed migration during development: rebuild the template from scratch.
                try connection.run(script: "DROP DATABASE IF EXISTS \(templateName) WITH (FORCE)")
                try connection.run(script: "CREATE DATABASE \(templateName)")
                let fresh = try PostgresConnection(configuration: template)
                try migrator.migrate(on: fresh, logger: TestEnvironment.logger)
            }
        }
        templateReady.withLock { $0 = fingerprint }
    }

    /// Closes the pool and drops the database.
    public func drop() async {
        await pool.close()
        let adminPool = PostgresPool(configuration: TestEnvironment.postgres, maxConnections: 1, logger: TestEnvironment.logger)
        let name = self.name
        _ = try? await adminPool.withConnection { connection in
            try connection.run(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        await adminPool.close()
    }
}

/// Runs `body` with a fresh migrated database, dropped afterwards even when `body` throws.
public func withTestDatabase<T>(migrated: Bool = true, poolSize: Int = 8, _ body: (TestDatabase) async throws -> T) async throws -> T {
    let database = try await TestDatabase.create(migrated: migrated, poolSize: poolSize)
    do {
        let result = try await body(database)
        await database.drop()
        return result
    } catch {
        await database.drop()
        throw error
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(20), interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
