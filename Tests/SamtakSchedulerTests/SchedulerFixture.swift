import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakScheduler
import SamtakTestSupport

/// Rows the scheduler tests stand on, inserted straight into a test database: a school,
/// a staff member who owns arenas and cases, arenas, meetings, cases. Invented data only.
struct SchedulerFixture: Sendable {
    let database: TestDatabase
    let topics: TopicNaming
    let outbox: Outbox
    let scheduler: Scheduler
    let unitId: UUID
    let staffId: UUID

    var pool: PostgresPool { database.pool }

    static func make(_ database: TestDatabase, configuration: SchedulerConfiguration = .init()) async throws -> SchedulerFixture {
        let topics = TestEnvironment.uniqueTopics()
        let outbox = Outbox(topics: topics, source: "/samtak/scheduler")
        let unitId = UUID()
        let staffId = UUID()
        try await database.pool.withTransaction { connection in
            try connection.execute("INSERT INTO units (id, name, service) VALUES (\(unitId), 'Solbakken skole', 'school')")
            try connection.execute("INSERT INTO people (id, kind, name) VALUES (\(staffId), 'staff', 'Kari Testlærer')")
            try connection.execute("INSERT INTO memberships (person_id, unit_id, role) VALUES (\(staffId), \(unitId), 'unit_leader')")
        }
        return SchedulerFixture(
            database: database, topics: topics, outbox: outbox,
            scheduler: Scheduler(pool: database.pool, outbox: outbox, configuration: configuration, logger: TestEnvironment.logger),
            unitId: unitId, staffId: staffId
        )
    }

    // MARK: Arenas

    struct ArenaSpec: Sendable {
        var name = "Ressursteam Solbakken"
        var kind = "ressursteam"
        var rrule: String?
        var seriesStart: LocalDateTime?
        var durationMinutes = 90
        var capacity = 8
        var minutesPerCase = 15
        var deadlineHours = 168
        var leadHours = 72
        var cancelWhenEmpty = false
        var holidayPolicy = "move"
        var skipSchoolHolidays = false
        var location = "Møterom 1"
    }

    @discardableResult
    func arena(_ spec: ArenaSpec = ArenaSpec(), announce: Bool = false) async throws -> UUID {
        let id = UUID()
        let (unitId, staffId, outbox) = (unitId, staffId, outbox)
        try await pool.withTransaction { connection in
            try connection.execute("""
                INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id, rrule, series_start, duration_minutes, location, capacity,
                                    minutes_per_case, submission_deadline_hours, agenda_lead_hours, cancel_when_empty, holiday_policy,
                                    skip_school_holidays)
                VALUES (\(id), \(spec.name), \(spec.kind), \(unitId), \(staffId), \(spec.rrule), \(spec.seriesStart), \(spec.durationMinutes),
                        \(spec.location), \(spec.capacity), \(spec.minutesPerCase), \(spec.deadlineHours), \(spec.leadHours), \(spec.cancelWhenEmpty),
                        \(spec.holidayPolicy), \(spec.skipSchoolHolidays))
                """)
            if announce { try outbox.append(ArenaChanged(arenaId: id, version: 1, change: .created), on: connection) }
        }
        return id
    }

    // MARK: Meetings

    /// A meeting by hand (no series), times relative to now in hours.
    @discardableResult
    func meeting(arena: UUID, startsInHours: Double, deadlineInHours: Double, agendaDueInHours: Double? = nil, capacity: Int = 8,
                 status: String = "planned") async throws -> UUID {
        let id = UUID()
        let now = Date()
        let starts = now.addingTimeInterval(startsInHours * 3600)
        let deadline = now.addingTimeInterval(deadlineInHours * 3600)
        let due = now.addingTimeInterval((agendaDueInHours ?? min(deadlineInHours, startsInHours - 1)) * 3600)
        _ = try await pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO meetings (id, arena_id, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                VALUES (\(id), \(arena), \(starts), \(starts.addingTimeInterval(5400)), \(capacity), \(deadline), \(due), \(status))
                """)
        }
        return id
    }

    // MARK: Cases

    /// A system-level case to an arena (no child, no personal data), optionally with its
    /// `case.submitted` event in the outbox, in one transaction as the API writes it.
    @discardableResult
    func submitCase(arena: UUID, urgent: Bool = false, announce: Bool = false, title: String = "Rutiner for overganger") async throws -> UUID {
        let id = UUID()
        let (unitId, staffId, outbox) = (unitId, staffId, outbox)
        try await pool.withTransaction { connection in
            try Self.insertCase(id, arena: arena, unitId: unitId, staffId: staffId, urgent: urgent, title: title, on: connection)
            if announce {
                try outbox.append(CaseSubmitted(caseId: id, arenaId: arena, unitId: unitId, kind: .system, urgent: urgent), on: connection)
            }
        }
        return id
    }

    static func insertCase(_ id: UUID, arena: UUID, unitId: UUID, staffId: UUID, urgent: Bool = false, title: String = "Rutiner for overganger",
                           on connection: PostgresConnection) throws {
        try connection.execute(SQL("""
            INSERT INTO cases (id, category, kind, arena_id, submitting_unit_id, submitted_by, owner_id, title, concern, urgent)
            VALUES (\(id), 'case', 'system', \(arena), \(unitId), \(staffId), \(staffId), \(title), 'Drøfting på systemnivå', \(urgent))
            """).prepared)
    }

    /// Runs `body` in a transaction on the test database.
    @discardableResult
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withTransaction(body)
    }

    // MARK: Reading back

    struct Item: Sendable, Equatable {
        var caseId: UUID
        var position: Int
        var reason: String
        var overCapacity: Bool
    }

    /// The active agenda of a meeting, in order.
    func agenda(_ meetingId: UUID) async throws -> [Item] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT case_id, position, reason, over_capacity FROM agenda_items WHERE meeting_id = \(meetingId) AND removed_at IS NULL ORDER BY position
                """).map { row throws(PostgresError) in
                Item(caseId: try row.decode(UUID.self, 0), position: try row.decode(Int.self, 1), reason: try row.decode(String.self, 2),
                     overCapacity: try row.decode(Bool.self, 3))
            }
        }
    }

    func status(ofCase id: UUID) async throws -> String? {
        try await scalar("SELECT status FROM cases WHERE id = \(id)")
    }

    func scalar<T: PostgresDecodable & Sendable>(_ sql: SQL, as type: T.Type = T.self) async throws -> T? {
        try await pool.withConnection { connection in try connection.query(sql).first?.decode(T.self, 0) }
    }

    func count(_ sql: SQL) async throws -> Int {
        try await scalar(sql, as: Int.self) ?? 0
    }

    /// The outbox's events of one type, decoded.
    func events<Event: DomainEvent>(_ type: Event.Type) async throws -> [Event] {
        let payloads = try await pool.withConnection { connection in
            try connection.query("SELECT data::text FROM outbox WHERE event_type = \(Event.type) ORDER BY id").map { row throws(PostgresError) in
                try row.decode(String.self, 0)
            }
        }
        return try payloads.map { try EventJSON.decoder().decode(Event.self, from: Data($0.utf8)) }
    }
}

/// A long-running piece (relay, consumer) run as a task and stopped by cancelling it.
struct Running: Sendable {
    let task: Task<Void, any Error>
    init(_ body: @escaping @Sendable () async throws -> Void) { task = Task { try await body() } }
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Percentile of sorted values (nearest rank).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[max(0, min(sorted.count - 1, rank - 1))]
}
