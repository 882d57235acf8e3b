import Foundation
import Logging
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import SamtakNotifier
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Synchronization

/// A small invented municipality for the notifier's tests, inserted with SQL (the notifier's
/// tests do not depend on SamtakIntake): a school, the health station, PPT and child welfare;
/// a ressursteam whose participants are the school's leader and special-needs coordinator,
/// the school nurse and the PPT advisor; Emma (5th grade) with two guardians and a consent
/// covering school, health station and PPT (so it covers the ressursteam, whose services
/// are exactly those). Its meetings add a child-welfare caseworker as a participant: the
/// consent does not cover child welfare.
struct EngineWorld: Sendable {
    var schoolId = UUID(), healthId = UUID(), pptId = UUID(), welfareId = UUID()
    var rektor = UUID(), coordinator = UUID(), teacher = UUID(), nurse = UUID(), advisor = UUID(), caseworker = UUID()
    var emma = UUID(), hilde = UUID(), tor = UUID(), consent = UUID()
    var arena = UUID()

    static let mailDomain = "nordby.example"

    static func address(_ name: String) -> String {
        let map: [Character: String] = ["æ": "ae", "ø": "o", "å": "a"]
        return name.lowercased().map { map[$0] ?? String($0) }.joined().replacingOccurrences(of: " ", with: ".") + "@" + mailDomain
    }

    static let names: [String: String] = [
        "rektor": "Frode Nygaard", "coordinator": "Halvor Brekke", "teacher": "Guri Solberg", "nurse": "Randi Kvam",
        "advisor": "Tone Engen", "caseworker": "Vigdis Aune", "hilde": "Hilde Nordli", "tor": "Tor Nordli",
    ]

    static let namedTitle = "Emma Nordli: bekymring for skolefravær"
    static let anonymousTitle = "Elev med lese- og skrivevansker, tiltak prøvd ut"
    static let systemTitle = "Rutiner for overgang til ungdomsskolen"

    /// Inserts the world and the ressursteam (`deliveryMode` content or notice).
    static func create(on connection: PostgresConnection, deliveryMode: DeliveryMode = .content) throws -> EngineWorld {
        let w = EngineWorld()
        for (id, name, service) in [(w.schoolId, "Nordby barneskole", "school"), (w.healthId, "Helsestasjonen i Nordby", "health_station"),
                                    (w.pptId, "PPT Nordby", "ppt"), (w.welfareId, "Barneverntjenesten i Nordby", "child_welfare")] {
            try connection.execute("INSERT INTO units (id, name, service) VALUES (\(id), \(name), \(service))")
        }
        let staff: [(UUID, String, UUID, String, String)] = [
            (w.rektor, "rektor", w.schoolId, "unit_leader", "rektor"),
            (w.coordinator, "coordinator", w.schoolId, "special_needs_coordinator", "spesialpedagogisk ansvarlig"),
            (w.teacher, "teacher", w.schoolId, "teacher", "kontaktlærer 5. trinn"),
            (w.nurse, "nurse", w.healthId, "school_nurse", "helsesykepleier"),
            (w.advisor, "advisor", w.pptId, "advisor", "PP-rådgiver"),
            (w.caseworker, "caseworker", w.welfareId, "caseworker", "saksbehandler barnevern"),
        ]
        for (id, key, unit, role, title) in staff {
            let name = names[key]!
            try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'staff', \(name), \(address(name)))")
            try connection.execute("INSERT INTO memberships (person_id, unit_id, role, title) VALUES (\(id), \(unit), \(role), \(title))")
        }
        try connection.execute("""
            INSERT INTO children (id, name, birth_date, unit_id, grade, created_by)
            VALUES (\(w.emma), 'Emma Nordli', '2016-03-14', \(w.schoolId), 5, \(w.rektor))
            """)
        for (id, key) in [(w.hilde, "hilde"), (w.tor, "tor")] {
            let name = names[key]!
            try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'guardian', \(name), \(address(name)))")
            try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(w.emma), \(id))")
        }
        try insertArena(w.arena, name: "Ressursteam – Nordby barneskole", world: w, deliveryMode: deliveryMode, on: connection)
        try connection.execute("""
            INSERT INTO consents (id, child_id, given_by, services, arena_ids, information, valid_from, method, recorded_by)
            VALUES (\(w.consent), \(w.emma), \([w.hilde, w.tor]), \(["school", "health_station", "ppt"]), \([UUID]()),
                    \(["identity", "school_situation"]), '2026-01-01', 'written', \(w.rektor))
            """)
        return w
    }

    static func insertArena(_ id: UUID, name: String, world w: EngineWorld, deliveryMode: DeliveryMode, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id, delivery_mode, location)
            VALUES (\(id), \(name), 'ressursteam', \(w.schoolId), \(w.rektor), \(deliveryMode.rawValue), 'Møterom 2, Nordby barneskole')
            """)
        for (unit, role) in [(w.schoolId, "unit_leader"), (w.schoolId, "special_needs_coordinator"), (w.healthId, "school_nurse"),
                             (w.pptId, "advisor")] {
            try connection.execute("""
                INSERT INTO arena_participants (id, arena_id, unit_id, role) VALUES (\(UUID()), \(id), \(unit), \(role))
                """)
        }
    }

    /// Tuesday 2 March 2027, 14.00–16.00 Oslo time.
    static let meetingStart = OsloTime.instant(for: LocalDateTime(year: 2027, month: 3, day: 2, hour: 14, minute: 0)!)

    /// A meeting of `arena` with its agenda published and, unless `caseworker` is nil, the
    /// child-welfare caseworker added as a participant of this meeting.
    static func insertMeeting(
        arena: UUID, sequence: Int = 1, start: Date = meetingStart, caseworker: UUID?, on connection: PostgresConnection
    ) throws -> UUID {
        let id = UUID()
        try connection.execute("""
            INSERT INTO meetings (id, arena_id, starts_at, ends_at, status, capacity, submission_deadline, agenda_due_at, sequence, agenda_published_at)
            VALUES (\(id), \(arena), \(start), \(start.addingTimeInterval(7200)), 'agenda_published', 6,
                    \(start.addingTimeInterval(-7 * 86400)), \(start.addingTimeInterval(-3 * 86400)), \(sequence), now())
            """)
        if let caseworker {
            try connection.execute("INSERT INTO meeting_participants (meeting_id, person_id) VALUES (\(id), \(caseworker))")
        }
        return id
    }

    /// A meeting of the world's ressursteam, child welfare taking part.
    func insertMeeting(sequence: Int = 1, start: Date = EngineWorld.meetingStart, on connection: PostgresConnection) throws -> UUID {
        try Self.insertMeeting(arena: arena, sequence: sequence, start: start, caseworker: caseworker, on: connection)
    }

    /// The ressursteam's three kinds of case on `meeting`: named (Emma, owned by her teacher),
    /// anonymous (owned by the special-needs coordinator) and system (owned by the rektor).
    func insertCases(meeting: UUID, arena: UUID, on connection: PostgresConnection) throws -> (named: UUID, anonymous: UUID, system: UUID) {
        let named = UUID(), anonymous = UUID(), system = UUID()
        let rows: [(UUID, String, UUID?, UUID?, String, Int?, UUID)] = [
            (named, "named", emma, consent, Self.namedTitle, 5, teacher),
            (anonymous, "anonymous", nil, nil, Self.anonymousTitle, 6, coordinator),
            (system, "system", nil, nil, Self.systemTitle, nil, rektor),
        ]
        for (position, (id, kind, child, consent, title, grade, owner)) in rows.enumerated() {
            try connection.execute("""
                INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                                   concern, status)
                VALUES (\(id), 'case', \(kind), \(arena), \(child), \(consent), \(schoolId), \(owner), \(owner), \(title), \(grade),
                        'Bekymring beskrevet i skjema.', 'scheduled')
                """)
            try connection.execute("""
                INSERT INTO agenda_items (id, meeting_id, case_id, position, presenter_id, minutes_allotted, reason)
                VALUES (\(UUID()), \(meeting), \(id), \(position + 1), \(owner), 20, 'earliest_open_meeting')
                """)
        }
        return (named, anonymous, system)
    }
}

/// The notifier in-process against a test database and a sink: fan-out called directly (as
/// the consumer would, inside a transaction), the delivery worker running in a task.
final class EngineHarness: Sendable {
    let database: TestDatabase
    let notifier: Notifier
    let topics: TopicNaming
    let outbox: Outbox
    private let tasks = Mutex<[Task<Void, any Error>]>([])

    init(database: TestDatabase, smtpURL: String, configure: (inout NotifierConfiguration) -> Void = { _ in }) throws {
        self.database = database
        topics = TestEnvironment.uniqueTopics()
        outbox = Outbox(topics: topics, source: "/samtak/notifier")
        var configuration = NotifierConfiguration(
            from: Recipient(name: "Samtak – Nordby kommune", email: "samtak@nordby.example"),
            publicURL: "https://samtak.nordby.example", workers: 8, lease: .seconds(30), maxAttempts: 20, retryBase: .milliseconds(200),
            retryCap: .seconds(2), pollInterval: .milliseconds(500), sweepInterval: .seconds(1),
            smtp: SMTPConfiguration(url: smtpURL, startTLS: .never, timeout: .seconds(10), heloDomain: "samtak.test"))
        configure(&configuration)
        notifier = try Notifier(pool: database.pool, outbox: outbox, configuration: configuration, logger: TestEnvironment.logger)
    }

    /// Runs the delivery worker (and maintenance) until `stop`.
    func startWorker() {
        let notifier = self.notifier
        let task = Task { try await notifier.runWorkers() }
        tasks.withLock { $0.append(task) }
    }

    /// Runs an outbox relay to the test's topics (for assertions on Kafka).
    func startRelay() throws {
        let kafka = TestEnvironment.kafka(clientID: "notifier-tests")
        let producer = try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
        let relay = OutboxRelay(pool: database.pool, producer: producer, kafka: kafka, topics: topics,
                                configuration: .init(batchSize: 200, idlePoll: .milliseconds(200)), logger: TestEnvironment.logger)
        let task = Task {
            defer { Task { await producer.shutdown() } }
            try await relay.run()
        }
        tasks.withLock { $0.append(task) }
    }

    func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { _ = await task.result }
    }

    /// The consumer's effect for one event, without Kafka.
    @discardableResult
    func fanOut(_ kind: DocumentKind, meeting: UUID, reason: MeetingCancelled.Reason? = nil) async throws -> UUID? {
        let event: EventEnvelope
        switch kind {
        case .agenda: event = try EventEnvelope(AgendaPublished(meetingId: meeting, arenaId: UUID(), itemCount: 0), source: "/samtak/scheduler")
        case .minutes: event = try EventEnvelope(MinutesApproved(meetingId: meeting, arenaId: UUID(), version: 1), source: "/samtak/intake")
        case .cancellation:
            event = try EventEnvelope(MeetingCancelled(meetingId: meeting, arenaId: UUID(), reason: reason ?? .byOwner), source: "/samtak/intake")
        }
        return try await apply(event)
    }

    /// Applies one event as the consumer would (in a transaction); returns the document it made.
    @discardableResult
    func apply(_ event: EventEnvelope) async throws -> UUID? {
        let notifier = self.notifier
        try await database.pool.withTransaction { connection in try notifier.apply(event, on: connection) }
        return try await sql { connection in
            try connection.query("SELECT id FROM documents WHERE source_event_id = \(event.id)").first?.decode(UUID.self, 0)
        }
    }

    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await database.pool.withTransaction(body)
    }

    /// Waits until the document is announced as sent; returns (delivered, failed).
    func waitUntilComplete(_ document: UUID, timeout: Duration = .seconds(60)) async throws -> (delivered: Int, failed: Int)? {
        var result: (Int, Int)?
        _ = try await eventually(timeout: timeout, interval: .milliseconds(50)) {
            result = try await self.sql { connection in
                try connection.query("SELECT delivered, failed FROM documents WHERE id = \(document) AND completed_at IS NOT NULL").first
                    .map { row throws(PostgresError) in (try row.decode(Int.self, 0), try row.decode(Int.self, 1)) }
            }
            return result != nil
        }
        return result
    }

    /// Delivery states of a document: state → count.
    func states(_ document: UUID) async throws -> [String: Int] {
        try await sql { connection in
            var states: [String: Int] = [:]
            for row in try connection.query("SELECT state, count(*) FROM deliveries WHERE document_id = \(document) GROUP BY state") {
                states[try row.decode(String.self, 0)] = try row.decode(Int.self, 1)
            }
            return states
        }
    }

    /// Outbox events of `type` (as the relay will publish them).
    func outboxEvents(_ type: String) async throws -> [[String: Any]] {
        let texts = try await sql { connection in
            try connection.query("SELECT data::text FROM outbox WHERE event_type = \(type) ORDER BY id").map { row throws(PostgresError) in
                try row.decode(String.self, 0)
            }
        }
        return texts.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }
}

/// Runs `body` with a fresh database, a sink and an in-process notifier; cleans up after.
func withEngine<T>(
    sinkRejecting: [String] = [], deliveryMode: DeliveryMode = .content, configure: (inout NotifierConfiguration) -> Void = { _ in },
    _ body: (EngineHarness, SMTPSinkProcess, EngineWorld) async throws -> T
) async throws -> T {
    let sink = try await SMTPSinkProcess.start(rejecting: sinkRejecting)
    defer { sink.stop() }
    return try await withTestDatabase { database in
        let world = try await database.pool.withTransaction { try EngineWorld.create(on: $0, deliveryMode: deliveryMode) }
        let harness = try EngineHarness(database: database, smtpURL: sink.url, configure: configure)
        do {
            let result = try await body(harness, sink, world)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }
}

// MARK: - Reading the sink's mailbox

/// One stored message as Python's email package and icalendar read it.
struct ReceivedMail: Sendable {
    var recipient: String
    var subject: String
    var messageID: String
    var text: String
    var html: String
    var calendarMethod: String?
    var calendarUID: String?
    var calendarSequence: Int?
    var calendarStatus: String?
    var calendarSummary: String?
    var calendarParams: String?
    var defects: [String]

    /// Text and HTML together (for "does this copy mention X anywhere").
    var everything: String { subject + "\n" + text + "\n" + html + "\n" + (calendarSummary ?? "") }
}

enum Mailbox {
    /// Parses every stored message of the sink (one Python process for all).
    static func read(_ sink: SMTPSinkProcess) async throws -> [ReceivedMail] {
        let object = try await PythonTools.json(script: PythonScripts.parseMailbox, arguments: [sink.directory.path])
        let messages = object["messages"] as? [[String: Any]] ?? []
        return messages.map { m in
            ReceivedMail(
                recipient: (m["recipient"] as? String ?? "").lowercased(), subject: m["subject"] as? String ?? "",
                messageID: m["message_id"] as? String ?? "", text: m["text"] as? String ?? "", html: m["html"] as? String ?? "",
                calendarMethod: m["cal_method"] as? String, calendarUID: m["cal_uid"] as? String, calendarSequence: m["cal_sequence"] as? Int,
                calendarStatus: m["cal_status"] as? String, calendarSummary: m["cal_summary"] as? String,
                calendarParams: m["cal_param_method"] as? String, defects: m["defects"] as? [String] ?? [])
        }
    }

    /// (messages stored, re-sends dropped) from the sink's own count (`smtp_sink.py stats`).
    static func stats(_ sink: SMTPSinkProcess) async throws -> (messages: Int, resends: Int) {
        let output = try await PythonTools.runProcess(
            executable: try PythonTools.python(), arguments: [PythonTools.sinkScript, "stats", "--dir", sink.directory.path])
        guard output.status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw ToolFailure("smtp_sink.py stats failed: \(output.stderr)")
        }
        return (object["messages"] as? Int ?? -1, object["resends"] as? Int ?? -1)
    }
}

extension PythonScripts {
    /// Parses every .eml in a directory: headers, decoded text/html, and the calendar part
    /// through icalendar. Prints {"messages": [...]}.
    static let parseMailbox = #"""
import json, sys, pathlib
from email import policy
from email.parser import BytesParser
from icalendar import Calendar

out = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    raw = path.read_bytes()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    item = {"recipient": str(msg["Delivered-To"] or ""), "subject": str(msg["Subject"] or ""),
            "message_id": str(msg["Message-ID"] or ""), "text": "", "html": "", "defects": [str(d) for d in msg.defects]}
    for part in msg.walk():
        item["defects"] += [str(d) for d in part.defects]
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            item["text"] = part.get_content()
        elif ctype == "text/html":
            item["html"] = part.get_content()
        elif ctype == "text/calendar":
            content = part.get_content()
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            cal = Calendar.from_ical(data)
            ev = cal.walk("VEVENT")[0]
            item.update({"cal_method": str(cal.get("METHOD")), "cal_uid": str(ev.get("UID")), "cal_sequence": int(ev.get("SEQUENCE")),
                         "cal_status": str(ev.get("STATUS")), "cal_summary": str(ev.get("SUMMARY")),
                         "cal_param_method": part.get_param("method")})
    out.append(item)
print(json.dumps({"messages": out}))
"""#
}
