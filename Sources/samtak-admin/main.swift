// samtak-admin: operations that are not a service: migrate the schema, print development
// tokens, load the demo municipality. See README, "Operations".
import ArgumentParser
import Foundation
import Logging
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

@main
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samtak-admin",
        abstract: "Samtak operations: schema migrations, development tokens, demo data.",
        subcommands: [Migrate.self, CreateAdministrator.self, Token.self, Demo.self, Duplicates.self]
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
        let environment = configuration.environment
        let (applied, converted) = try await pool.withConnection { connection in
            // Identity numbers kept in plain text before 0011 need the keys (SQL cannot hash
            // them): without them, stop before changing anything.
            var protection: IdentityNumberProtection?
            if try IdentityNumberStorage.plainNumbersStored(on: connection) {
                protection = try IdentityNumberProtection(environment: environment)
            }
            let applied = try migrator.migrate(on: connection, logger: logger)
            let converted = try IdentityNumberStorage.convertPlainNumbers(
                on: connection, protection: { try protection ?? IdentityNumberProtection(environment: environment) }, logger: logger)
            return (applied, converted)
        }
        print(applied.isEmpty
              ? "schema is current (version \(migrator.latestVersion))"
              : "applied \(applied.map(String.init).joined(separator: ", ")); schema version \(migrator.latestVersion)")
        if converted > 0 { print("identity numbers of \(converted) children moved to keyed hash and sealed copy; plain column dropped") }
    }
}

/// Registrations whose identity number was already registered to a child the registrar
/// could not see (see README, "Privacy"): the register's administrators reconcile them.
struct Duplicates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List children registered with an identity number that was already registered (ids only: new record, registered child, unit, when)."
    )

    func run() async throws {
        let configuration = try RuntimeConfiguration(serviceName: "samtak-admin", defaultHTTPPort: 0)
        JSONLogHandler.bootstrap(configuration)
        let pool = PostgresPool(configuration: configuration.postgres, maxConnections: 1, logger: Logger(label: "samtak-admin"))
        let rows = try await pool.withConnection { connection in
            try connection.query("""
                SELECT id, duplicate_of, unit_id, created_at FROM children WHERE duplicate_of IS NOT NULL ORDER BY created_at, id
                """).map { row throws(PostgresError) in
                (try row.decode(UUID.self, 0), try row.decode(UUID.self, 1), try row.decode(UUID?.self, 2), try row.decode(Date.self, 3))
            }
        }
        await pool.close()
        if rows.isEmpty { print("no duplicate registrations") }
        for (id, original, unit, createdAt) in rows {
            print("\(id.uuidString.lowercased()) duplicates \(original.uuidString.lowercased()) unit \(unit?.uuidString.lowercased() ?? "-") at \(createdAt)")
        }
    }
}

/// The first administrator: someone has to register the register's keeper.
struct CreateAdministrator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-administrator",
        abstract: "Register an administrator (and the municipality's administration unit if missing); print their id and a token."
    )

    @Option(help: "The administrator's name.") var name: String
    @Option(help: "The administrator's e-mail address.") var email: String?
    @Option(help: "Name of the municipality's administration unit.") var unit = "Kommunen"

    func run() async throws {
        let configuration = try RuntimeConfiguration(serviceName: "samtak-admin", defaultHTTPPort: 0)
        JSONLogHandler.bootstrap(configuration)
        let intake = try IntakeConfiguration(environment: configuration.environment)
        let pool = PostgresPool(configuration: configuration.postgres, maxConnections: 1, logger: Logger(label: "samtak-admin"))
        let (name, email, unit) = (name, email, unit)
        let personId = try await pool.withTransaction { connection in
            let unitId = try connection.query("""
                SELECT id FROM units WHERE name = \(unit) AND service = 'municipal_administration' ORDER BY created_at LIMIT 1
                """).first?.decode(UUID.self, 0) ?? {
                    let id = UUID()
                    try connection.execute("INSERT INTO units (id, name, service) VALUES (\(id), \(unit), 'municipal_administration')")
                    return id
                }()
            let id = UUID()
            try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'staff', \(name), \(email))")
            try connection.execute("INSERT INTO memberships (person_id, unit_id, role, title) VALUES (\(id), \(unitId), 'administrator', 'administrator')")
            return id
        }
        await pool.close()
        print("administrator: \(personId.uuidString.lowercased())")
        print("token: \(intake.token(for: personId))")
    }
}

/// A development token for a registered person.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a bearer token for a person (signed with SAMTAK_JWT_SECRET).")

    @Argument(help: "The person's id.") var personId: String
    @Option(help: "Lifetime in hours.") var hours = 24 * 30

    func run() async throws {
        guard let id = UUID(uuidString: personId) else { throw ValidationError("person-id must be a UUID") }
        let intake = try IntakeConfiguration(environment: ProcessInfo.processInfo.environment)
        print(intake.token(for: id, lifetime: TimeInterval(hours * 3600)))
    }
}

/// The demo municipality ("Nordby"): invented people, the seeds' arenas, a school calendar,
/// children with and without consent.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo municipality (once; a second run does nothing) and print the demo users with a token each."
    )

    @Option(help: "Also write the users and tokens as JSON to this file.") var tokensFile: String?

    func run() async throws {
        let configuration = try RuntimeConfiguration(serviceName: "samtak-admin", defaultHTTPPort: 0)
        JSONLogHandler.bootstrap(configuration)
        let intake = try IntakeConfiguration(environment: configuration.environment)
        let pool = PostgresPool(configuration: configuration.postgres, maxConnections: 1, logger: Logger(label: "samtak-admin"))
        let outbox = Outbox(topics: configuration.topics, source: "/samtak/admin")
        let protection = try IdentityNumberProtection(environment: configuration.environment)
        let people = try await pool.withTransaction { connection -> [DemoUser] in
            // One demo per database: the marker is the municipality unit.
            if try connection.query("SELECT 1 FROM units WHERE name = \(SeedUnit.municipality.name)").isEmpty {
                _ = try DemoMunicipality.load(on: connection, outbox: outbox)
            }
            // Guardians sign in as citizens with these (synthetic) numbers at the local provider.
            let numbers = try DemoIdentityNumbers.assign(on: connection, protection: protection)
            return try connection.query("""
                SELECT p.id, p.name, p.kind, coalesce(string_agg(DISTINCT m.title || ', ' || u.name, '; '), ''), p.email
                FROM people p LEFT JOIN memberships m ON m.person_id = p.id LEFT JOIN units u ON u.id = m.unit_id
                GROUP BY p.id, p.name, p.kind ORDER BY p.kind DESC, p.name
                """).map { row throws(PostgresError) in
                let id = try row.decode(UUID.self, 0)
                return DemoUser(id: id, name: try row.decode(String.self, 1), kind: try row.decode(String.self, 2),
                                roles: try row.decode(String.self, 3), token: "", email: try row.decode(String?.self, 4), pid: numbers[id])
            }
        }
        await pool.close()
        let users = people.map { user in
            var user = user
            user.token = intake.token(for: user.id)
            return user
        }
        if let tokensFile {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(users).write(to: URL(fileURLWithPath: tokensFile))
        }
        for user in users {
            print("\(user.name) (\(user.roles.isEmpty ? user.kind : user.roles))")
            print("  id:    \(user.id.uuidString.lowercased())")
            print("  token: \(user.token)")
        }
    }
}

struct DemoUser: Codable, Sendable {
    var id: UUID
    var name: String
    var kind: String
    var roles: String
    var token: String
    /// For the local identity provider: staff sign in with their e-mail as subject,
    /// guardians also with their (synthetic) identity number as `pid`.
    var email: String?
    var pid: String?
}
