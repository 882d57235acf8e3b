import Foundation
import Hummingbird
import Logging
import SamtakDomain
import SamtakIntake
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Synchronization

/// The intake API running in-process on a free port, over real HTTP, against a fresh test
/// database with the seeded world, with its outbox relay publishing to the broker and an
/// event tap reading the topics back.
final class IntakeHarness: Sendable {
    let database: TestDatabase
    let topics: TopicNaming
    let configuration: IntakeConfiguration
    let world: SeedWorld
    let port: Int
    let tap: EventTap
    /// Every route of the router, "METHOD /path/{param}" (for the authorization matrix).
    let routes: [String]
    private let task: Task<Void, any Error>

    struct Response: Sendable {
        var status: Int
        var body: Data
        var headers: [String: String]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        /// Problem rule codes, for asserting which rule a 4xx names.
        var rules: [String] { ((try? decode(API.Problem.self))?.errors ?? []).map(\.rule) }
        var fields: [String] { ((try? decode(API.Problem.self))?.errors ?? []).map(\.field) }
        func string(_ key: String) -> String? { json[key] as? String }
        var id: UUID? { string("id").flatMap(UUID.init(uuidString:)) }
        /// The top-level keys of the body as sent (for asserting that one is absent, not null).
        var keys: Set<String> { API.keys(of: body) }
        /// The body as a typed resource (the API's JSON: snake_case keys, ISO 8601 dates).
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try API.decode(type, from: body) }
    }

    /// `relaying: false` leaves the outbox unpublished (a test of thousands of calls that
    /// asserts no events spares the shared broker the load).
    /// `family`: the municipality's choices for families (issue 17), default the standard ones.
    static func start(relaying: Bool = true, family: FamilyPolicy = .standard) async throws -> IntakeHarness {
        let database = try await TestDatabase.create(poolSize: 8)
        let world = try await database.pool.withTransaction { try SeedWorld.create(on: $0) }
        return try await IntakeHarness(database: database, world: world, relaying: relaying, family: family)
    }

    /// The intake is started through the production root (`IntakeService.run(host:intake:)`,
    /// what `main` runs): a `ServiceHost` configured from an environment as the executable
    /// would be (the test database, unique topics, port 0), its relay woken by its own pool
    /// and gated on the dependencies.
    private init(database: TestDatabase, world: SeedWorld, relaying: Bool, family: FamilyPolicy) async throws {
        self.database = database
        self.world = world
        let topics = TestEnvironment.uniqueTopics()
        self.topics = topics
        var configuration = try IntakeConfiguration(environment: [:])
        configuration.family = family
        self.configuration = configuration
        tap = try await EventTap(topics: topics)
        let postgres = database.configuration
        var environment = [
            "SAMTAK_PG_HOST": postgres.host, "SAMTAK_PG_PORT": String(postgres.port), "SAMTAK_PG_USER": postgres.user,
            "SAMTAK_PG_DATABASE": postgres.database, "SAMTAK_PG_POOL_SIZE": "8",
            "SAMTAK_KAFKA_BROKERS": TestEnvironment.brokers, "SAMTAK_TOPIC_PREFIX": topics.prefix,
            "SAMTAK_TOPIC_PARTITIONS": String(topics.partitions), "SAMTAK_HTTP_HOST": "127.0.0.1", "SAMTAK_HTTP_PORT": "0",
        ]
        if let password = postgres.password { environment["SAMTAK_PG_PASSWORD"] = password }
        let host = try ServiceHost(configuration: RuntimeConfiguration(serviceName: "samtak-intake", defaultHTTPPort: 0, environment: environment),
                                   logger: TestEnvironment.logger)
        routes = IntakeService.router(host: host, intake: configuration).routes.map { "\($0.method) \($0.path)" }
        let portBox = PortBox()
        task = Task {
            try await IntakeService.run(host: host, intake: configuration, relaying: relaying) { portBox.set($0) }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while portBox.value == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard let port = portBox.value, port > 0 else { throw MissingTestDependency("the intake API did not start") }
        self.port = port
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        await tap.stop()
        await database.drop()
    }

    func token(_ person: UUID) -> String { configuration.token(for: person) }

    /// One HTTP request; `json` is serialized with JSONSerialization, `raw` is sent as is.
    func call(_ method: String, _ path: String, as person: UUID?, json: Any? = nil, raw: Data? = nil,
              contentType: String = "application/json", headers: [String: String] = [:]) async throws -> Response {
        var allHeaders = headers
        if let person { allHeaders["Authorization"] = "Bearer \(token(person))" }
        var body = raw
        if let json { body = try JSONSerialization.data(withJSONObject: json) }
        if body != nil { allHeaders["Content-Type"] = contentType }
        guard let response = await HTTPProbe.request(port: port, method: method, path: path, headers: allHeaders, body: body) else {
            throw MissingTestDependency("no answer from the intake API on port \(port)")
        }
        return Response(status: response.status, body: response.body, headers: response.headers)
    }

    /// GET `path` as `person`, the answer decoded as `T` (a test-side resource, `API`): throws
    /// when the status is not 200 or the body is not a `T`, naming the status and the body.
    func get<T: Decodable>(_ path: String, as person: UUID?, decoding type: T.Type = T.self) async throws -> T {
        let response = try await call("GET", path, as: person)
        guard response.status == 200 else { throw UnexpectedAnswer(path: path, status: response.status, body: response.text) }
        return try response.decode(type)
    }

    /// Registers a seed arena through the API as the administrator; returns its id.
    @discardableResult
    func registerArena(_ arena: SeedArena) async throws -> UUID {
        let owner = arena.ownerRole.flatMap { world.staff["\(arena.owner.rawValue).\($0.rawValue)"] }
        let response = try await call("POST", "/v1/arenas", as: world.person(.municipality, .administrator),
                                      json: arena.requestBody(unitIds: world.units, ownerPersonId: owner))
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("registering \(arena.name) failed: \(response.status) \(response.text)")
        }
        return id
    }

    func arena(named prefix: String) -> SeedArena { SeedArena.all.first { $0.name.hasPrefix(prefix) }! }

    /// Records a consent through the API as `by`; returns its id.
    func recordConsent(child: SeedWorld.SeedChild, by: UUID, services: [ServiceKind], arenas: [UUID] = [],
                       from: String = "2026-01-01", youngPerson: Bool = false) async throws -> UUID {
        let response = try await call("POST", "/v1/consents", as: by, json: [
            "child_id": child.id.uuidString, "given_by": child.guardians.map { $0.id.uuidString }, "services": services.map(\.rawValue),
            "arena_ids": arenas.map(\.uuidString), "valid_from": from, "method": "written", "young_person_consented": youngPerson,
        ] as [String: Any])
        guard response.status == 201, let id = response.id else {
            throw MissingTestDependency("recording consent failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Runs SQL on the test database (setting up meetings the scheduler would create).
    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.pool.withTransaction(body)
    }
}

/// The port the server bound, set from its `onServerRunning` callback.
final class PortBox: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ value: Int) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

/// Runs `body` with a started harness, stopping it afterwards.
func withIntake<T>(relaying: Bool = true, family: FamilyPolicy = .standard, _ body: (IntakeHarness) async throws -> T) async throws -> T {
    let harness = try await IntakeHarness.start(relaying: relaying, family: family)
    do {
        let result = try await body(harness)
        await harness.stop()
        return result
    } catch {
        await harness.stop()
        throw error
    }
}
