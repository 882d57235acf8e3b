// samtak-admin: operations that are not a service: migrate the schema, print development
// tokens, load the demo municipality. See README, "Operations".
import ArgumentParser
import Foundation
import Logging
import SamtakPostgres
import SamtakRuntime

@main
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samtak-admin",
        abstract: "Samtak operations: schema migrations, development tokens, demo data.",
        subcommands: [Migrate.self]
    )
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations in Schema/ that are not applied yet (safe to run twice, or from two processes at once)."
    )

    @Option(help: "Directory with NNNN_name.sql files (default: SAMTAK_SCHEMA_DIR, ./Schema, or the source tree's).")
    var schemaDir: String?

    func run() async throws {
        let configuration = try RuntimeConfiguration(serviceName: "samtak-admin", defaultHTTPPort: 0)
        JSONLogHandler.bootstrap(configuration)
        let logger = Logger(label: "samtak-admin")
        let directory = try schemaDir.map { URL(fileURLWithPath: $0) } ?? SchemaLocation.directory()
        let migrator = try PostgresMigrator(directory: directory)
        let pool = PostgresPool(configuration: configuration.postgres, maxConnections: 1, logger: logger)
        defer { Task { await pool.close() } }
        let applied = try await pool.withConnection { connection in
            try migrator.migrate(on: connection, logger: logger)
        }
        print(applied.isEmpty
              ? "schema is current (version \(migrator.latestVersion))"
              : "applied \(applied.map(String.init).joined(separator: ", ")); schema version \(migrator.latestVersion)")
    }
}
