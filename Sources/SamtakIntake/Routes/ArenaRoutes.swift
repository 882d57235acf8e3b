import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// Meeting arenas in the seeds' form (target group, purpose, frequency, participants,
/// owner), the municipality's school holidays, and a preview of a recurrence rule.
struct ArenaRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("arenas", use: createArena)
        group.get("arenas", use: listArenas)
        group.get("arenas/{id}", use: getArena)
        group.put("arenas/{id}", use: updateArena)
        group.post("arenas/{id}/deactivate", use: deactivateArena)
        group.post("school-holidays", use: createSchoolHoliday)
        group.get("school-holidays", use: listSchoolHolidays)
        group.get("recurrence/preview", use: preview)
    }

    // MARK: Bodies and resources

    struct ParticipantBody: StrictRequestBody, Codable {
        static let shape = JSONShape.object(["unit_id": .value, "role": .value, "person_id": .value, "presence": .value])
        var unitId: UUID?
        var role: Role?
        var personId: UUID?
        var presence: String?
    }

    struct ArenaBody: StrictRequestBody {
        static let shape = JSONShape.object([
            "name": .value, "kind": .value, "owner_unit_id": .value, "owner_person_id": .value, "target_group": .value,
            "purpose": .value, "frequency_text": .value, "rrule": .value, "series_start": .value, "duration_minutes": .value,
            "location": .value, "capacity": .value, "minutes_per_case": .value, "submission_deadline_hours": .value,
            "agenda_lead_hours": .value, "cancel_when_empty": .value, "holiday_policy": .value, "skip_school_holidays": .value,
            "exception_dates": .array(.value), "delivery_mode": .value, "accepts": .array(.value),
            "young_person_consent_age": .value, "participants": .array(ParticipantBody.shape), "version": .value,
            "follow_up_days": .value,
        ])
        var name: String
        var kind: ArenaKind
        var ownerUnitId: UUID
        var ownerPersonId: UUID?
        var targetGroup: String?
        var purpose: String?
        var frequencyText: String?
        var rrule: String?
        var seriesStart: LocalDateTime?
        var durationMinutes: Int?
        var location: String?
        var capacity: Int?
        var minutesPerCase: Int?
        var submissionDeadlineHours: Int?
        var agendaLeadHours: Int?
        var cancelWhenEmpty: Bool?
        var holidayPolicy: String?
        var skipSchoolHolidays: Bool?
        var exceptionDates: [LocalDate]?
        var deliveryMode: DeliveryMode?
        var accepts: [CaseKind]?
        var youngPersonConsentAge: Int?
        var participants: [ParticipantBody]?
        /// For updates: the version the change is based on (optimistic concurrency).
        var version: Int?
        /// BUP intake: days from a rejection to its follow-up's due date (default 14).
        var followUpDays: Int?
    }

    struct ParticipantResource: Codable, Sendable {
        var unitId: UUID?
        var role: Role?
        var personId: UUID?
        var presence: String
        var service: ServiceKind?
    }

    struct ArenaResource: Codable, Sendable {
        var id: UUID
        var name: String
        var kind: ArenaKind
        var ownerUnitId: UUID
        var ownerPersonId: UUID?
        var targetGroup: String
        var purpose: String
        var frequencyText: String
        var rrule: String?
        var seriesStart: LocalDateTime?
        var durationMinutes: Int
        var location: String
        var capacity: Int
        var minutesPerCase: Int
        var submissionDeadlineHours: Int
        var agendaLeadHours: Int
        var cancelWhenEmpty: Bool
        var holidayPolicy: String
        var skipSchoolHolidays: Bool
        var exceptionDates: [LocalDate]
        var deliveryMode: DeliveryMode
        var accepts: [CaseKind]
        var youngPersonConsentAge: Int?
        var participants: [ParticipantResource]
        var version: Int
        var followUpDays: Int
        var active: Bool
        var createdAt: Date
        var updatedAt: Date
    }

    /// A validated arena, ready to store.
    struct ValidArena: Sendable {
        var body: ArenaBody
        var rule: RecurrenceRule?
        var holidayPolicy: HolidayPolicy
    }

    static func validate(_ body: ArenaBody) throws -> ValidArena {
        var v = Violations()
        v.text(body.name, "name", max: 200)
        v.text(body.targetGroup, "target_group", required: false, max: 2000)
        v.text(body.purpose, "purpose", required: false, max: 4000)
        v.text(body.frequencyText, "frequency_text", required: false, max: 200)
        v.text(body.location, "location", required: false, max: 200)
        var rule: RecurrenceRule?
        if let text = body.rrule {
            rule = v.recurrenceRule(text, "rrule")
            if body.seriesStart == nil { v.add("series_start", "required", "is required with rrule (Europe/Oslo local time, YYYY-MM-DDTHH:MM)") }
        } else if body.seriesStart != nil {
            v.add("rrule", "required", "is required with series_start")
        }
        if body.kind.isPerChild && body.rrule != nil {
            v.add("rrule", "not_allowed", "meetings around one child are called per child, not from a series")
        }
        func range(_ value: Int?, _ field: String, _ bounds: ClosedRange<Int>) {
            if let value, !bounds.contains(value) { v.add(field, "range", "must be from \(bounds.lowerBound) to \(bounds.upperBound)") }
        }
        range(body.durationMinutes, "duration_minutes", 5...1440)
        range(body.capacity, "capacity", 1...200)
        range(body.minutesPerCase, "minutes_per_case", 1...480)
        range(body.submissionDeadlineHours, "submission_deadline_hours", 0...2160)
        range(body.agendaLeadHours, "agenda_lead_hours", 0...2160)
        range(body.youngPersonConsentAge, "young_person_consent_age", 10...18)
        range(body.followUpDays, "follow_up_days", ReferralFollowUpRules.dayRange)
        let policy = body.holidayPolicy.map { HolidayPolicy(code: $0) } ?? .moveToNextWorkingDay
        if policy == nil { v.add("holiday_policy", "enum", "must be keep, skip or move") }
        if let accepts = body.accepts, accepts.isEmpty { v.add("accepts", "required", "must accept at least one kind of case") }
        if (body.exceptionDates?.count ?? 0) > 500 { v.add("exception_dates", "max_items", "must have at most 500 dates") }
        if (body.participants?.count ?? 0) > 200 { v.add("participants", "max_items", "must have at most 200 entries") }
        for (index, participant) in (body.participants ?? []).enumerated() {
            let field = "participants[\(index)]"
            if participant.personId == nil && (participant.unitId == nil || participant.role == nil) {
                v.add(field, "required", "give person_id, or unit_id with role")
            }
            if let presence = participant.presence, presence != "always" && presence != "individual_cases" {
                v.add("\(field).presence", "enum", "must be always or individual_cases")
            }
        }
        try v.throwIfAny()
        return ValidArena(body: body, rule: rule, holidayPolicy: policy ?? .moveToNextWorkingDay)
    }

    // MARK: Handlers

    @Sendable func createArena(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let (body, raw) = try await APIJSON.decode(ArenaBody.self, from: request)
        if body.version != nil { throw Problem.field("version", "not_allowed", "is only given when updating an arena") }
        let arena = try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, _ in
            let id = UUID()
            try Self.checkReferences(arena.body, on: connection)
            try connection.execute("""
                INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id) VALUES (\(id), \(body.name.trimmed), \(body.kind.rawValue),
                    \(body.ownerUnitId), \(body.ownerPersonId))
                """)
            try Self.store(arena, id: id, on: connection)
            try outbox.append(ArenaChanged(arenaId: id, version: 1, change: .created), on: connection)
            guard let resource = try Self.load(id, on: connection) else { throw Problem.notFound("Arena") }
            return try MutationResult(resource, status: .created, location: "/v1/arenas/\(id)")
        }
    }

    @Sendable func updateArena(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let id = try request.uuidParameter("id", context: context, resource: "arena")
        let (body, raw) = try await APIJSON.decode(ArenaBody.self, from: request)
        guard let expected = body.version else { throw Problem.field("version", "required", "give the version your change is based on") }
        let arena = try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, _ in
            guard let current = try connection.query("SELECT version, active FROM arenas WHERE id = \(id) FOR UPDATE").first else {
                throw Problem.notFound("Arena")
            }
            guard try current.decode(Int.self, 0) == expected else {
                throw Problem.conflict("version_mismatch", "the arena was changed since version \(expected); read it again")
            }
            try Self.checkReferences(arena.body, on: connection)
            try connection.execute("""
                UPDATE arenas SET name = \(body.name.trimmed), kind = \(body.kind.rawValue), owner_unit_id = \(body.ownerUnitId),
                    owner_person_id = \(body.ownerPersonId), version = version + 1, updated_at = now() WHERE id = \(id)
                """)
            try connection.execute("DELETE FROM arena_participants WHERE arena_id = \(id)")
            try Self.store(arena, id: id, on: connection)
            try outbox.append(ArenaChanged(arenaId: id, version: expected + 1, change: .updated), on: connection)
            guard let resource = try Self.load(id, on: connection) else { throw Problem.notFound("Arena") }
            return try MutationResult(resource)
        }
    }

    @Sendable func deactivateArena(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let id = try request.uuidParameter("id", context: context, resource: "arena")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, _ in
            guard let row = try connection.query("""
                UPDATE arenas SET active = false, version = version + 1, updated_at = now() WHERE id = \(id) AND active RETURNING version
                """).first else {
                throw Problem.notFound("Active arena")
            }
            try outbox.append(ArenaChanged(arenaId: id, version: try row.decode(Int.self, 0), change: .deactivated), on: connection)
            guard let resource = try Self.load(id, on: connection) else { throw Problem.notFound("Arena") }
            return try MutationResult(resource)
        }
    }

    @Sendable func listArenas(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        let kind = try request.query("kind").map { raw in
            guard let kind = ArenaKind(rawValue: raw) else { throw Problem.field("kind", "enum", "is not a known arena kind") }
            return kind.rawValue
        }
        let unitId: UUID? = try request.query("owner_unit_id").map { raw in
            guard let id = UUID(uuidString: raw) else { throw Problem.field("owner_unit_id", "format", "must be a UUID") }
            return id
        }
        let rows = try await environment.read(context) { connection, _ in
            var filter: SQL = ""
            if let kind { filter = filter + " AND kind = \(kind)" }
            if let unitId { filter = filter + " AND owner_unit_id = \(unitId)" }
            let ids = try connection.query("""
                SELECT id FROM arenas WHERE true \(filter) \(page.keysetCondition()) ORDER BY created_at, id LIMIT \(page.limit + 1)
                """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            return try ids.compactMap { try Self.load($0, on: connection) }.map { (item: $0, createdAt: $0.createdAt, id: $0.id) }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    @Sendable func getArena(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "arena")
        let arena = try await environment.read(context) { connection, _ in try Self.load(id, on: connection) }
        guard let arena else { throw Problem.notFound("Arena") }
        return try APIJSON.response(arena)
    }

    // MARK: School holidays

    struct SchoolHolidayBody: StrictRequestBody, Codable, Sendable {
        static let shape = JSONShape.object(["school_year": .value, "name": .value, "first_day": .value, "last_day": .value])
        var schoolYear: String
        var name: String
        var firstDay: LocalDate
        var lastDay: LocalDate
    }

    struct SchoolHolidayResource: Codable, Sendable {
        var id: UUID
        var schoolYear: String
        var name: String
        var firstDay: LocalDate
        var lastDay: LocalDate
    }

    @Sendable func createSchoolHoliday(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let (body, raw) = try await APIJSON.decode(SchoolHolidayBody.self, from: request)
        var v = Violations()
        v.text(body.name, "name", max: 200)
        if let years = DateInputRules.current().schoolYear(body.schoolYear) {
            if let first = LocalDate(year: years.first, month: 8, day: 1), let last = LocalDate(year: years.second, month: 7, day: 31),
               body.firstDay < first || body.lastDay > last {
                v.add("first_day", "range", "must lie within the school year (1 August to 31 July)")
            }
        } else {
            v.add("school_year", "format", "must be like 2026/2027, within \(DateInputRules.windowYears) years of today")
        }
        if body.lastDay < body.firstDay { v.add("last_day", "range", "must not be before first_day") }
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, _ in
            let id = UUID()
            try connection.execute("""
                INSERT INTO school_holidays (id, school_year, name, first_day, last_day)
                VALUES (\(id), \(body.schoolYear), \(body.name.trimmed), \(body.firstDay), \(body.lastDay))
                """)
            return try MutationResult(SchoolHolidayResource(id: id, schoolYear: body.schoolYear, name: body.name.trimmed, firstDay: body.firstDay, lastDay: body.lastDay),
                                      status: .created, location: "/v1/school-holidays/\(id)")
        }
    }

    @Sendable func listSchoolHolidays(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let year = request.query("school_year")
        let items = try await environment.read(context) { connection, _ in
            let filter: SQL = year.map { " WHERE school_year = \($0)" } ?? ""
            return try connection.query("SELECT id, school_year, name, first_day, last_day FROM school_holidays \(filter) ORDER BY first_day LIMIT 500")
                .map { row throws(PostgresError) in
                    SchoolHolidayResource(id: try row.decode(UUID.self, 0), schoolYear: try row.decode(String.self, 1), name: try row.decode(String.self, 2),
                                          firstDay: try row.decode(LocalDate.self, 3), lastDay: try row.decode(LocalDate.self, 4))
                }
        }
        return try APIJSON.response(["items": items])
    }

    // MARK: Preview

    struct PreviewResource: Codable, Sendable {
        var rrule: String
        var occurrences: [String]
    }

    /// Checks a rule before it is saved: `?rrule=...&start=YYYY-MM-DDTHH:MM&until=YYYY-MM-DD&holidays=keep|skip|move`.
    @Sendable func preview(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        _ = try context.requirePrincipal()
        var v = Violations()
        var rule: RecurrenceRule?
        if let text = request.query("rrule") {
            rule = v.recurrenceRule(text, "rrule")
        } else { v.add("rrule", "required", "is required") }
        let start = request.dateTimeQuery("start", into: &v)
        if request.query("start") == nil { v.add("start", "required", "must be Europe/Oslo local time YYYY-MM-DDTHH:MM") }
        let until = request.dateQuery("until", into: &v)
        if request.query("until") == nil { v.add("until", "required", "must be a date YYYY-MM-DD") }
        let policy = HolidayPolicy(code: request.query("holidays") ?? "keep")
        if policy == nil { v.add("holidays", "enum", "must be keep, skip or move") }
        if let start, let until, until < start.date { v.add("until", "range", "must not be before start") }
        if let start, let until, start.date.days(until: until) > 3660 { v.add("until", "range", "must be within ten years of start") }
        try v.throwIfAny()
        guard let rule, let start, let until, let policy else { throw Problem.validation(v.items) }
        let series = RecurrenceSeries(rule: rule, start: start, exceptionDates: [], holidayPolicy: policy, closedPeriods: [], skipClosedPeriods: false)
        return try APIJSON.response(PreviewResource(rrule: rule.description, occurrences: series.previewLines(from: start.date, through: until, limit: 1000)))
    }

    // MARK: Persistence

    static func checkReferences(_ body: ArenaBody, on connection: PostgresConnection) throws {
        var v = Violations()
        if try connection.query("SELECT 1 FROM units WHERE id = \(body.ownerUnitId)").isEmpty {
            v.add("owner_unit_id", "not_found", "is not a registered unit")
        }
        if let person = body.ownerPersonId, try connection.query("SELECT 1 FROM people WHERE id = \(person) AND kind = 'staff'").isEmpty {
            v.add("owner_person_id", "not_found", "is not registered staff")
        }
        for (index, participant) in (body.participants ?? []).enumerated() {
            if let unit = participant.unitId, try connection.query("SELECT 1 FROM units WHERE id = \(unit)").isEmpty {
                v.add("participants[\(index)].unit_id", "not_found", "is not a registered unit")
            }
            if let person = participant.personId, try connection.query("SELECT 1 FROM people WHERE id = \(person)").isEmpty {
                v.add("participants[\(index)].person_id", "not_found", "is not a registered person")
            }
        }
        try v.throwIfAny()
    }

    /// Writes everything but identity and version (shared by create and update).
    static func store(_ arena: ValidArena, id: UUID, on connection: PostgresConnection) throws {
        let body = arena.body
        try connection.execute("""
            UPDATE arenas SET target_group = \(body.targetGroup?.trimmed ?? ""), purpose = \(body.purpose?.trimmed ?? ""),
                frequency_text = \(body.frequencyText?.trimmed ?? ""), rrule = \(arena.rule?.description), series_start = \(body.seriesStart),
                duration_minutes = \(body.durationMinutes ?? 90), location = \(body.location?.trimmed ?? ""), capacity = \(body.capacity ?? 8),
                minutes_per_case = \(body.minutesPerCase ?? 15), submission_deadline_hours = \(body.submissionDeadlineHours ?? 168),
                agenda_lead_hours = \(body.agendaLeadHours ?? 72), cancel_when_empty = \(body.cancelWhenEmpty ?? false),
                holiday_policy = \(arena.holidayPolicy.code), skip_school_holidays = \(body.skipSchoolHolidays ?? false),
                exception_dates = \(body.exceptionDates ?? []), delivery_mode = \((body.deliveryMode ?? .notice).rawValue),
                accepts = \((body.accepts ?? CaseKind.allCases).map(\.rawValue)), young_person_consent_age = \(body.youngPersonConsentAge),
                follow_up_days = \(body.followUpDays ?? ReferralFollowUpRules.defaultDays)
            WHERE id = \(id)
            """)
        for participant in body.participants ?? [] {
            try connection.execute("""
                INSERT INTO arena_participants (id, arena_id, unit_id, role, person_id, presence)
                VALUES (\(UUID()), \(id), \(participant.unitId), \(participant.role?.rawValue), \(participant.personId), \(participant.presence ?? "always"))
                """)
        }
    }

    static func load(_ id: UUID, on connection: PostgresConnection) throws -> ArenaResource? {
        guard let row = try connection.query("""
            SELECT id, name, kind, owner_unit_id, owner_person_id, target_group, purpose, frequency_text, rrule, series_start,
                   duration_minutes, location, capacity, minutes_per_case, submission_deadline_hours, agenda_lead_hours, cancel_when_empty,
                   holiday_policy, skip_school_holidays, exception_dates, delivery_mode, accepts, young_person_consent_age, version, active,
                   created_at, updated_at, follow_up_days
            FROM arenas WHERE id = \(id)
            """).first else { return nil }
        let participants = try connection.query("""
            SELECT ap.unit_id, ap.role, ap.person_id, ap.presence, u.service
            FROM arena_participants ap LEFT JOIN units u ON u.id = ap.unit_id WHERE ap.arena_id = \(id) ORDER BY ap.id
            """).map { row throws(PostgresError) in
            ParticipantResource(unitId: try row.decode(UUID?.self, 0), role: try row.decode(String?.self, 1).flatMap(Role.init(rawValue:)),
                                personId: try row.decode(UUID?.self, 2), presence: try row.decode(String.self, 3),
                                service: try row.decode(String?.self, 4).flatMap(ServiceKind.init(rawValue:)))
        }
        return ArenaResource(
            id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), kind: try row.decode(ArenaKind.self, 2),
            ownerUnitId: try row.decode(UUID.self, 3), ownerPersonId: try row.decode(UUID?.self, 4), targetGroup: try row.decode(String.self, 5),
            purpose: try row.decode(String.self, 6), frequencyText: try row.decode(String.self, 7), rrule: try row.decode(String?.self, 8),
            seriesStart: try row.decode(LocalDateTime?.self, 9), durationMinutes: try row.decode(Int.self, 10), location: try row.decode(String.self, 11),
            capacity: try row.decode(Int.self, 12), minutesPerCase: try row.decode(Int.self, 13), submissionDeadlineHours: try row.decode(Int.self, 14),
            agendaLeadHours: try row.decode(Int.self, 15), cancelWhenEmpty: try row.decode(Bool.self, 16), holidayPolicy: try row.decode(String.self, 17),
            skipSchoolHolidays: try row.decode(Bool.self, 18), exceptionDates: try row.decode([LocalDate].self, 19),
            deliveryMode: try row.decode(DeliveryMode.self, 20),
            accepts: try row.decode([String].self, 21).compactMap(CaseKind.init(rawValue:)), youngPersonConsentAge: try row.decode(Int?.self, 22),
            participants: participants, version: try row.decode(Int.self, 23), followUpDays: try row.decode(Int.self, 27),
            active: try row.decode(Bool.self, 24),
            createdAt: try row.decode(Date.self, 25), updatedAt: try row.decode(Date.self, 26)
        )
    }
}
