import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The whole system as an operator runs it: the three executables as processes, a fresh
/// database with the demo municipality, a broker of its own (so the test can restart it),
/// PostgreSQL reached through a proxy (so the test can cut it), and an SMTP sink whose
/// mailboxes the test reads. Everything is reached only through public interfaces: the
/// HTTP API, the mailboxes, the broker's topics and the database for assertions.
final class SystemHarness: @unchecked Sendable {
    // @unchecked: the processes are replaced only by the test that owns the harness.
    let database: TestDatabase
    let demo: DemoMunicipality.Summary
    let topics: TopicNaming
    let intakeConfiguration: IntakeConfiguration
    let postgresProxy: TCPProxy
    let broker: PrivateBroker
    let sink: MailSink
    let tap: EventTap
    private(set) var services: [String: ServiceProcess] = [:]
    let ports: [String: Int]
    let extraEnvironment: [String: String]

    var world: SeedWorld { demo.world }

    static let serviceNames = ["samtak-intake", "samtak-scheduler", "samtak-notifier"]

    /// Starts everything and waits until the three services are ready.
    static func start(environment: [String: String] = [:]) async throws -> SystemHarness {
        let database = try await TestDatabase.create(poolSize: 4)
        let topics = TestEnvironment.uniqueTopics()
        let demo = try await database.pool.withTransaction { connection in
            try DemoMunicipality.load(on: connection, outbox: Outbox(topics: topics, source: "/samtak/admin"))
        }
        let broker = try await PrivateBroker.start()
        let sink = try await MailSink.start()
        let harness = try await SystemHarness(database: database, demo: demo, topics: topics, broker: broker, sink: sink, environment: environment)
        for name in serviceNames { try harness.startService(name) }
        for name in serviceNames {
            guard await harness.services[name]!.waitUntilReady(timeout: .seconds(90)) else {
                throw MissingTestDependency("\(name) did not become ready: \(harness.services[name]!.log.suffix(3000))")
            }
        }
        return harness
    }

    private init(database: TestDatabase, demo: DemoMunicipality.Summary, topics: TopicNaming, broker: PrivateBroker, sink: MailSink,
                 environment: [String: String]) async throws {
        self.database = database
        self.demo = demo
        self.topics = topics
        self.broker = broker
        self.sink = sink
        intakeConfiguration = try IntakeConfiguration(environment: [:])
        postgresProxy = TCPProxy(targetPort: database.configuration.port)
        try postgresProxy.start()
        tap = try await EventTap(topics: topics, brokers: broker.address)
        ports = Dictionary(uniqueKeysWithValues: Self.serviceNames.map { ($0, freePort()) })
        extraEnvironment = environment
    }

    func environment(for name: String) -> [String: String] {
        var environment = [
            "SAMTAK_PG_DATABASE": database.name,
            "SAMTAK_PG_PORT": String(postgresProxy.port),
            "SAMTAK_KAFKA_BROKERS": broker.address,
            "SAMTAK_TOPIC_PREFIX": topics.prefix,
            "SAMTAK_TOPIC_PARTITIONS": String(topics.partitions),
            "SAMTAK_SMTP_URL": "smtp://127.0.0.1:\(sink.port)",
            "SAMTAK_SMTP_STARTTLS": "never",
            "SAMTAK_SCHEDULER_TICK_MS": "200",
            "SAMTAK_SCHEDULER_RECONCILE_S": "3",
            "SAMTAK_LOG_LEVEL": "info",
        ]
        environment.merge(extraEnvironment) { _, new in new }
        return environment
    }

    func startService(_ name: String) throws {
        services[name] = try ServiceProcess(name, port: ports[name]!, environment: environment(for: name))
    }

    func restartService(_ name: String, kill: Bool = false) async throws {
        if let process = services[name] {
            if kill { await process.kill9() } else { await process.terminate() }
        }
        try startService(name)
        guard await services[name]!.waitUntilReady(timeout: .seconds(90)) else {
            throw MissingTestDependency("\(name) did not become ready after a restart")
        }
    }

    func stop() async {
        // Every service must still be alive and stop cleanly: a crash the scenario survived
        // (e.g. in a broker restart) is a failure too.
        for (name, process) in services {
            let status = await process.terminate()
            if status != 0 {
                Issue.record("\(name) did not stop cleanly (exit status \(status.map(String.init) ?? "none: hung or crashed")); its log is kept under $SAMTAK_HOME/logs")
            }
        }
        await tap.stop()
        postgresProxy.stop()
        broker.stop()
        sink.stop()
        await database.drop()
    }

    // MARK: API

    func token(_ person: UUID) -> String { intakeConfiguration.token(for: person) }

    func call(_ method: String, _ path: String, as person: UUID?, json: Any? = nil) async throws -> IntakeResponse {
        var headers: [String: String] = [:]
        if let person { headers["Authorization"] = "Bearer \(token(person))" }
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            headers["Content-Type"] = "application/json"
        }
        guard let response = await HTTPProbe.request(port: ports["samtak-intake"]!, method: method, path: path, headers: headers, body: body) else {
            throw MissingTestDependency("the intake API does not answer")
        }
        return IntakeResponse(status: response.status, body: response.body)
    }

    /// GET `path` as `person`, the answer decoded as `T` (`API`): throws when the status is not
    /// 200 or the body is not a `T`.
    func get<T: Decodable>(_ path: String, as person: UUID?, decoding type: T.Type = T.self) async throws -> T {
        let response = try await call("GET", path, as: person)
        guard response.status == 200 else { throw UnexpectedAnswer(path: path, status: response.status, body: response.text) }
        return try response.decode(type)
    }

    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.pool.withTransaction(body)
    }

    func arenaId(_ prefix: String) -> UUID { demo.arenas.first { $0.key.hasPrefix(prefix) }!.value }
}

struct IntakeResponse: Sendable {
    var status: Int
    var body: Data
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    func string(_ key: String) -> String? { json[key] as? String }
    var id: UUID? { string("id").flatMap(UUID.init(uuidString:)) }
    /// The top-level keys of the body as sent (for asserting that one is absent, not null).
    var keys: Set<String> { API.keys(of: body) }
    /// The body as a typed resource (`API`).
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try API.decode(type, from: body) }
}

/// A Tansu broker of the test's own, on a free port, so the test can restart it.
final class PrivateBroker: @unchecked Sendable {
    // @unchecked: `process` is replaced only by restart(), called by the owning test.
    let port: Int
    private var process: ChildProcess
    var address: String { "127.0.0.1:\(port)" }

    static var binary: URL { TestEnvironment.repositoryRoot.appendingPathComponent(".local/bin/tansu") }

    static func start() async throws -> PrivateBroker {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw MissingTestDependency("the broker binary \(binary.path) is missing; run Deploy/bootstrap")
        }
        let port = freePort()
        return PrivateBroker(port: port, process: try await launch(port: port))
    }

    private init(port: Int, process: ChildProcess) {
        self.port = port
        self.process = process
    }

    static func launch(port: Int) async throws -> ChildProcess {
        let process = ChildProcess()
        process.executableURL = binary
        process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
                             "--storage-engine", "memory://tansu/"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let up = await eventually(timeout: .seconds(20), interval: .milliseconds(50)) { portOpen(port) }
        guard up else { throw MissingTestDependency("the private broker did not start on port \(port)") }
        return process
    }

    /// Kills the broker (its memory storage loses every topic, offset and group) and starts
    /// a new one on the same port.
    func restart() async throws {
        stop()
        try await Task.sleep(for: .milliseconds(300))
        process = try await Self.launch(port: port)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The SMTP sink (Tests/tools/smtp_sink.py) on a free port, storing mail in a directory.
final class MailSink: Sendable {
    let port: Int
    let directory: URL
    private let process: ChildProcess

    /// One message as the reader script prints it.
    struct Message: Decodable, Sendable {
        var recipient: String
        var subject: String
        var messageID: String
        var text: String
        var calendarMethod: String?

        enum CodingKeys: String, CodingKey {
            case recipient, subject, text
            case messageID = "message_id"
            case calendarMethod = "method"
        }
    }

    static var python: URL { TestEnvironment.repositoryRoot.appendingPathComponent(".local/venv/bin/python") }

    static func start(arguments: [String] = []) async throws -> MailSink {
        let port = freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-mail-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = try await PythonTool.launch("smtp_sink.py", arguments: ["--port", String(port), "--dir", directory.path, "--exit-with-parent"] + arguments,
                                                  what: "the SMTP sink") { portOpen(port) }
        return MailSink(port: port, directory: directory, process: process)
    }

    private init(port: Int, directory: URL, process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every stored message, decoded by Python's email module (plain text part, subject, calendar method).
    func messages() throws -> [Message] {
        let reader = ChildProcess()
        reader.executableURL = Self.python
        reader.arguments = ["-c", """
            import json, sys, glob
            from email import policy
            from email.parser import BytesParser
            out = []
            for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
                m = BytesParser(policy=policy.default).parse(open(path, "rb"))
                body = m.get_body(preferencelist=("plain",))
                method = None
                for part in m.walk():
                    if part.get_content_type() == "text/calendar":
                        method = part.get_param("method")
                out.append({"recipient": str(m["Delivered-To"] or m["To"]), "subject": str(m["Subject"]),
                            "message_id": str(m["Message-ID"]), "text": body.get_content() if body else "", "method": method})
            print(json.dumps(out))
            """, directory.path]
        let pipe = Pipe()
        reader.standardOutput = pipe
        try reader.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        return try JSONDecoder().decode([Message].self, from: data)
    }

    func messages(to address: String) throws -> [Message] {
        try messages().filter { $0.recipient.lowercased().contains(address.lowercased()) }
    }
}

/// Whether something listens on a loopback port.
func portOpen(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Runs `body` with the whole system, stopping it afterwards.
func withSystem<T>(environment: [String: String] = [:], _ body: (SystemHarness) async throws -> T) async throws -> T {
    let system = try await SystemHarness.start(environment: environment)
    do {
        let result = try await body(system)
        await system.stop()
        return result
    } catch {
        await system.stop()
        throw error
    }
}
