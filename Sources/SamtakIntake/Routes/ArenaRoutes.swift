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
        var unitId: UUID?
        var role: Role?
        var personId: UUID?
        var presence: String?
    }

    struct ArenaBody: StrictRequestBody {
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
            if let presence = participant.presence, !["always", "individual_cases", "with_consent"].contains(presence) {
                v.add("\(field).presence", "enum", "must be always, individual_cases or with_consent")
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
            try ArenaStore.insert(id, name: body.name.trimmed, kind: body.kind, ownerUnitId: body.ownerUnitId, ownerPersonId: body.ownerPersonId,
                                  on: connection)
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
            guard let currentVersion = try ArenaStore.lockVersion(id, on: connection) else {
                throw Problem.notFound("Arena")
            }
            guard currentVersion == expected else {
                throw Problem.conflict("version_mismatch", "the arena was changed since version \(expected); read it again")
            }
            try Self.checkReferences(arena.body, on: connection)
            try ArenaStore.updateIdentity(id, name: body.name.trimmed, kind: body.kind, ownerUnitId: body.ownerUnitId,
                                          ownerPersonId: body.ownerPersonId, on: connection)
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
            guard let version = try ArenaStore.deactivate(id, on: connection) else {
                throw Problem.notFound("Active arena")
            }
            try outbox.append(ArenaChanged(arenaId: id, version: version, change: .deactivated), on: connection)
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
            let ids = try ArenaStore.ids(kind: kind, ownerUnitId: unitId, after: page.keysetCondition(), limit: page.limit + 1, on: connection)
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
            try ArenaStore.insertSchoolHoliday(id, schoolYear: body.schoolYear, name: body.name.trimmed, firstDay: body.firstDay, lastDay: body.lastDay,
                                               on: connection)
            return try MutationResult(SchoolHolidayResource(id: id, schoolYear: body.schoolYear, name: body.name.trimmed, firstDay: body.firstDay, lastDay: body.lastDay),
                                      status: .created, location: "/v1/school-holidays/\(id)")
        }
    }

    @Sendable func listSchoolHolidays(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let year = request.query("school_year")
        let items = try await environment.read(context) { connection, _ in
            try ArenaStore.schoolHolidays(year: year, on: connection)
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
        if try !OrganisationStore.unitExists(body.ownerUnitId, on: connection) {
            v.add("owner_unit_id", "not_found", "is not a registered unit")
        }
        if let person = body.ownerPersonId, try !OrganisationStore.isStaff(person, on: connection) {
            v.add("owner_person_id", "not_found", "is not registered staff")
        }
        for (index, participant) in (body.participants ?? []).enumerated() {
            if let unit = participant.unitId, try !OrganisationStore.unitExists(unit, on: connection) {
                v.add("participants[\(index)].unit_id", "not_found", "is not a registered unit")
            }
            if let person = participant.personId, try !OrganisationStore.personExists(person, on: connection) {
                v.add("participants[\(index)].person_id", "not_found", "is not a registered person")
            }
        }
        try v.throwIfAny()
    }

    /// Writes everything but identity and version (shared by create and update).
    static func store(_ arena: ValidArena, id: UUID, on connection: PostgresConnection) throws {
        try ArenaStore.writeSettings(arena, id: id, on: connection)
    }

    static func load(_ id: UUID, on connection: PostgresConnection) throws -> ArenaResource? {
        try ArenaStore.arena(id, on: connection)
    }
}
