/// # Utviklingssamtaler and foreldresamtaler (talk rounds)
///
/// The design (tables, events, the booking's states) is in `SamtakDomain/Talks/TalkRound.swift`.
///
/// - `POST /v1/talk-rounds`: the contact teacher (or the unit's leader) plans a round for a
///   class (unit and grade): days, time windows, slot length, pause, breaks. Weekends, public
///   holidays and the school's holidays are left out (``TalkRoundPlanner``); a plan with fewer
///   slots than pupils is a 422 naming `days`.
/// - `GET /v1/talk-rounds`: the rounds the caller manages, or her children's rounds.
/// - `GET /v1/talk-rounds/{id}`: the manager sees every booking with the pupil's name; a
///   guardian sees which slots are free and her own children's bookings (and summaries) only.
/// - `POST /v1/talk-rounds/{id}/bookings`: a guardian books (or moves) her child's slot, the
///   teacher assigns one; first come first served (the slot's primary key; 409 `slot_taken`).
/// - `POST /v1/talk-slots/{id}/cancel`, `PUT /v1/talk-slots/{id}/summary`.
/// - `GET /v1/talk-reports?unit_id=&grade=&school_year=`: who has had both talks of the year.
///
/// Every pupil's name shown is written to the access log (basis `own_unit` for staff,
/// `guardian` for guardians).
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct TalkRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("talk-rounds", use: plan)
        group.get("talk-rounds", use: list)
        group.get("talk-rounds/{id}", use: show)
        group.post("talk-rounds/{id}/bookings", use: book)
        group.post("talk-slots/{id}/cancel", use: cancel)
        group.put("talk-slots/{id}/summary", use: summarize)
        group.get("talk-reports", use: report)
    }

    // MARK: Bodies and resources

    struct WindowBody: Codable, Sendable {
        var from: LocalTime
        var to: LocalTime
    }

    struct PlanBody: StrictRequestBody {
        var kind: TalkKind
        var unitId: UUID
        var grade: Int
        var days: [LocalDate]
        var windows: [WindowBody]
        var slotMinutes: Int
        var pauseMinutes: Int?
        var breaks: [WindowBody]?

        var plan: TalkRoundPlan {
            TalkRoundPlan(days: days, windows: windows.map { TalkWindow(from: $0.from, to: $0.to) }, slotMinutes: slotMinutes,
                          pauseMinutes: pauseMinutes ?? 0, breaks: (breaks ?? []).map { TalkWindow(from: $0.from, to: $0.to) })
        }
    }

    struct BookBody: StrictRequestBody {
        var slotId: UUID
        var childId: UUID
        var pupilAttends: Bool?
        var interpreterLanguage: String?
    }

    struct SummaryBody: StrictRequestBody {
        var agreedSchool: String
        var agreedHome: String
        var agreedPupil: String
    }

    struct SummaryResource: Codable, Sendable {
        var heldOn: LocalDate
        var agreedSchool: String
        var agreedHome: String
        var agreedPupil: String
    }

    struct BookingResource: Codable, Sendable {
        var childId: UUID
        var childName: String
        var pupilAttends: Bool
        var interpreterLanguage: String?
        var summary: SummaryResource?
    }

    struct SlotResource: Codable, Sendable {
        var id: UUID
        var startsAt: LocalDateTime
        var endsAt: LocalDateTime
        var free: Bool
        /// Shown to the manager, and to a guardian for her own child's slot only.
        var booking: BookingResource?
    }

    struct PupilResource: Codable, Sendable {
        var childId: UUID
        var name: String
        var slotId: UUID?
    }

    struct RoundResource: Codable, Sendable {
        var id: UUID
        var kind: TalkKind
        var unitId: UUID
        var unitName: String
        var grade: Int
        var schoolYear: String
        var teacherId: UUID
        var teacherName: String
        /// `manager` or `guardian`.
        var viewerRole: String
        var slots: [SlotResource]
        /// The manager: every pupil; a guardian: her own children in the class.
        var pupils: [PupilResource]
        /// Planned days the round left out, in bokmål (when it was planned).
        var excludedDays: [String]?
    }

    struct RoundListItem: Codable, Sendable {
        var id: UUID
        var kind: TalkKind
        var unitName: String
        var grade: Int
        var schoolYear: String
        var teacherName: String
        var firstDay: LocalDate?
        var lastDay: LocalDate?
    }

    struct RoundList: Codable, Sendable {
        var items: [RoundListItem]
    }

    struct ReportPupil: Codable, Sendable {
        var childId: UUID
        var name: String
        var held: Int
    }

    struct ReportResource: Codable, Sendable {
        var unitId: UUID
        var grade: Int
        var schoolYear: String
        var talksPerYear: Int
        var complete: [ReportPupil]
        var missing: [ReportPupil]
    }

    static func problem(_ violations: [TalkRuleViolation]) -> Problem {
        Problem.validation(violations.map { .init(field: $0.field, rule: $0.rule, message: $0.message) })
    }

    static func now() -> LocalDateTime { OsloTime.localDateTime(at: Date()) }

    // MARK: Planning

    @Sendable func plan(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(PlanBody.self, from: request)
        if !(0...13).contains(body.grade) { throw Problem.field("grade", "range", "must be from 0 to 13") }
        let plan = body.plan
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            // Facts: the unit's service, the class, the school's holidays.
            guard let service = try TalkStore.unitService(body.unitId, on: connection) else {
                throw Problem.field("unit_id", "not_found", "is not an active unit")
            }
            guard TalkRoundRole.mayPlan(principal, unitId: body.unitId) else {
                throw Problem.forbidden("a talk round is planned by a teacher or the leader of the unit")
            }
            guard TalkRoundRole.kindFits(body.kind, service: service) else {
                throw Problem.field("kind", "unit", "utviklingssamtaler are held at a school, foreldresamtaler in a kindergarten")
            }
            let pupils = try TalkStore.pupils(unitId: body.unitId, grade: body.grade, on: connection)
            guard !pupils.isEmpty else { throw Problem.field("grade", "no_pupils", "the unit has no pupils in this grade") }
            let holidays = try TalkStore.schoolHolidays(on: connection)
            // Decide.
            let violations = TalkRoundPlanner.violations(of: plan, pupils: pupils.count, schoolHolidays: holidays)
            guard violations.isEmpty else { throw Self.problem(violations) }
            let (slots, excluded) = TalkRoundPlanner.slots(for: plan, schoolHolidays: holidays)
            let today = OsloTime.localDate(at: Date())
            guard let first = slots.first, first.date > today else {
                throw Problem.field("days", "past", "the round's days must be after today")
            }
            let id = try TalkStore.insertRound(kind: body.kind, unitId: body.unitId, grade: body.grade, schoolYear: TalkCoverage.schoolYear(of: first.date),
                                               teacherId: principal.personId, plan: plan, slots: slots, on: connection)
            guard var resource = try Self.resource(id, principal: principal, requestId: context.id, on: connection) else { throw Problem.notFound("Talk round") }
            resource.excludedDays = excluded.map(\.message)
            return try MutationResult(resource, status: .created, location: "/v1/talk-rounds/\(id)")
        }
    }

    // MARK: Reading

    /// The round as `principal` may see it (nil: not at all), with the access log of the names shown.
    static func resource(_ id: UUID, principal: Principal, requestId: String, on connection: PostgresConnection) throws -> RoundResource? {
        guard let facts = try TalkStore.facts(id, viewer: principal.personId, on: connection) else { return nil }
        let round = facts.round
        let role = TalkRoundRole.of(principal, teacherId: round.teacherId, unitId: round.unitId, pupilsInCare: facts.inCare)
        let shownChildren: Set<UUID>
        let basis: AccessBasis
        switch role {
        case .none: return nil
        case .manager: shownChildren = Set(facts.pupils.map(\.id)); basis = .ownUnit
        case .guardian(let children): shownChildren = children; basis = .guardian
        }
        let names = Dictionary(uniqueKeysWithValues: facts.pupils.map { ($0.id, $0.name) })
        var disclosures = Disclosures()
        var slotOf: [UUID: UUID] = [:]
        let slots = facts.slots.map { slot -> SlotResource in
            let booking = facts.bookings[slot.id]
            var shown: BookingResource?
            if let booking, shownChildren.contains(booking.childId) {
                slotOf[booking.childId] = slot.id
                let summary = facts.summaries[slot.id].map {
                    SummaryResource(heldOn: $0.heldOn, agreedSchool: $0.agreedSchool, agreedHome: $0.agreedHome, agreedPupil: $0.agreedPupil)
                }
                shown = BookingResource(childId: booking.childId, childName: names[booking.childId] ?? "", pupilAttends: booking.pupilAttends,
                                        interpreterLanguage: booking.interpreterLanguage, summary: summary)
            }
            return SlotResource(id: slot.id, startsAt: slot.startsAt, endsAt: slot.endsAt, free: booking == nil, booking: shown)
        }
        let pupils = facts.pupils.filter { shownChildren.contains($0.id) }.map { PupilResource(childId: $0.id, name: $0.name, slotId: slotOf[$0.id]) }
        for pupil in pupils {
            disclosures.add(Disclosure(resource: "talk_round", resourceId: id, childId: pupil.childId, basis: basis, consentId: nil))
        }
        try AccessLog.record(disclosures, actor: principal.personId, requestId: requestId, on: connection)
        return RoundResource(id: id, kind: round.kind, unitId: round.unitId, unitName: round.unitName, grade: round.grade, schoolYear: round.schoolYear,
                             teacherId: round.teacherId, teacherName: round.teacherName, viewerRole: role == .manager ? "manager" : "guardian",
                             slots: slots, pupils: pupils, excludedDays: nil)
    }

    @Sendable func show(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "talk round")
        let resource = try await environment.read(context) { connection, principal in
            guard let resource = try Self.resource(id, principal: principal, requestId: context.id, on: connection) else { throw Problem.notFound("Talk round") }
            return resource
        }
        return try APIJSON.response(resource)
    }

    @Sendable func list(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let list = try await environment.read(context) { connection, principal -> RoundList in
            let led = principal.memberships.filter { $0.role == .unitLeader }.map(\.unitId)
            let children = try TalkStore.childrenInCare(principal.personId, on: connection)
            let rounds = try TalkStore.rounds(teacherId: principal.personId, leaderUnits: led, childClasses: children.map { ($0.unitId, $0.grade) },
                                              on: connection)
            let days = try TalkStore.roundDays(rounds.map(\.id), on: connection)
            return RoundList(items: rounds.map {
                RoundListItem(id: $0.id, kind: $0.kind, unitName: $0.unitName, grade: $0.grade, schoolYear: $0.schoolYear, teacherName: $0.teacherName,
                              firstDay: days[$0.id]?.first, lastDay: days[$0.id]?.last)
            })
        }
        return try APIJSON.response(list)
    }

    // MARK: Booking

    @Sendable func book(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let roundId = try request.uuidParameter("id", context: context, resource: "talk round")
        let (body, raw) = try await APIJSON.decode(BookBody.self, from: request)
        var v = Violations()
        v.text(body.interpreterLanguage, "interpreter_language", required: false, max: 60)
        if let language = body.interpreterLanguage, language.trimmed.isEmpty { v.add("interpreter_language", "required", "must not be empty when given") }
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let round = try TalkStore.round(roundId, on: connection) else { throw Problem.notFound("Talk round") }
            let pupils = try TalkStore.pupils(unitId: round.unitId, grade: round.grade, on: connection)
            let inCare = try TalkStore.inCare(principal.personId, among: pupils.map(\.id), on: connection)
            let role = TalkRoundRole.of(principal, teacherId: round.teacherId, unitId: round.unitId, pupilsInCare: inCare)
            guard role != .none else { throw Problem.notFound("Talk round") }
            guard pupils.contains(where: { $0.id == body.childId }) else { throw Problem.field("child_id", "not_pupil", "is not a pupil of the round's class") }
            guard let target = try TalkStore.slot(body.slotId, on: connection), target.slot.roundId == roundId else {
                throw Problem.field("slot_id", "not_found", "is not a slot of this round")
            }
            let current = try TalkStore.booking(round: roundId, child: body.childId, on: connection)
            if let current, try TalkStore.slot(current.slot.id, on: connection)?.summaryWritten == true {
                throw Problem.conflict("held", "the pupil's talk is held and has a summary; it cannot be moved")
            }
            let outcome = TalkBookingRules.decide(
                slot: target.slot.slot, slotTakenBy: target.booking?.childId.uuidString, pupil: body.childId.uuidString,
                pupilsCurrentSlot: current?.slot.slot, bookerIsGuardian: inCare.contains(body.childId), bookerIsTeacher: role == .manager,
                now: Self.now())
            let attends = body.pupilAttends ?? current?.booking.pupilAttends ?? true
            let language = body.interpreterLanguage?.trimmed ?? current?.booking.interpreterLanguage
            let status: HTTPResponse.Status
            switch outcome {
            case .refused(let violation):
                switch violation.rule {
                case "not_allowed": throw Problem.forbidden("only guardians with parental responsibility and the contact teacher book a pupil's talk")
                case "taken": throw Problem(.conflict, code: "slot_taken", title: "The slot is taken",
                                            violations: [.init(field: violation.field, rule: violation.rule, message: violation.message)])
                default: throw Self.problem([violation])
                }
            case .book:
                guard try TalkStore.book(slotId: body.slotId, roundId: roundId, childId: body.childId, bookedBy: principal.personId,
                                         pupilAttends: attends, interpreterLanguage: language, outbox: outbox, on: connection) else {
                    throw Self.taken
                }
                status = .created
            case .move:
                guard let current, try TalkStore.move(from: current.booking, to: body.slotId, roundId: roundId, bookedBy: principal.personId,
                                                      pupilAttends: attends, interpreterLanguage: language, outbox: outbox, on: connection) else {
                    throw Self.taken
                }
                status = .ok
            }
            guard let resource = try Self.resource(roundId, principal: principal, requestId: context.id, on: connection) else { throw Problem.notFound("Talk round") }
            return try MutationResult(resource, status: status, location: "/v1/talk-rounds/\(roundId)")
        }
    }

    /// Another booking got the slot first (a concurrent request committed before this one).
    static let taken = Problem(.conflict, code: "slot_taken", title: "The slot is taken",
                               violations: [.init(field: "slot_id", rule: "taken", message: "Denne samtaletiden er tatt. Velg en annen.")])

    @Sendable func cancel(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let slotId = try request.uuidParameter("id", context: context, resource: "talk slot")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let (slot, booking, summaryWritten) = try TalkStore.slot(slotId, on: connection),
                  let round = try TalkStore.round(slot.roundId, on: connection) else { throw Problem.notFound("Talk slot") }
            let inCare = try booking.map { try TalkStore.inCare(principal.personId, among: [$0.childId], on: connection) } ?? []
            let role = TalkRoundRole.of(principal, teacherId: round.teacherId, unitId: round.unitId, pupilsInCare: inCare)
            guard role != .none, let booking else { throw Problem.notFound("Talk slot") }
            if let violation = TalkBookingRules.mayCancel(role: role, child: booking.childId, slot: slot.slot, summaryWritten: summaryWritten, now: Self.now()) {
                throw Problem(.conflict, code: violation.rule, title: "The talk cannot be cancelled",
                              violations: [.init(field: violation.field, rule: violation.rule, message: violation.message)])
            }
            try TalkStore.cancel(booking, roundId: round.id, outbox: outbox, on: connection)
            guard let resource = try Self.resource(round.id, principal: principal, requestId: context.id, on: connection) else { throw Problem.notFound("Talk round") }
            return try MutationResult(resource)
        }
    }

    @Sendable func summarize(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let slotId = try request.uuidParameter("id", context: context, resource: "talk slot")
        let (body, raw) = try await APIJSON.decode(SummaryBody.self, from: request)
        var v = Violations()
        v.text(body.agreedSchool, "agreed_school", max: 2000)
        v.text(body.agreedHome, "agreed_home", max: 2000)
        v.text(body.agreedPupil, "agreed_pupil", max: 2000)
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let (slot, booking, _) = try TalkStore.slot(slotId, on: connection),
                  let round = try TalkStore.round(slot.roundId, on: connection) else { throw Problem.notFound("Talk slot") }
            let inCare = try booking.map { try TalkStore.inCare(principal.personId, among: [$0.childId], on: connection) } ?? []
            let role = TalkRoundRole.of(principal, teacherId: round.teacherId, unitId: round.unitId, pupilsInCare: inCare)
            guard role != .none else { throw Problem.notFound("Talk slot") }
            if let violation = TalkBookingRules.maySummarize(role: role, slot: slot.slot, now: Self.now()) {
                if violation.rule == "not_allowed" { throw Problem.forbidden("only the contact teacher writes the talk's summary") }
                throw Self.problem([violation])
            }
            guard let booking else { throw Problem.conflict("not_booked", "the slot has no booking") }
            try TalkStore.writeSummary(slot: slot, childId: booking.childId, school: body.agreedSchool.trimmed, home: body.agreedHome.trimmed,
                                       pupil: body.agreedPupil.trimmed, by: principal.personId, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "talk_summary", resourceId: slotId,
                                 childId: booking.childId, basis: .ownUnit, requestId: context.id)
            guard let resource = try Self.resource(round.id, principal: principal, requestId: context.id, on: connection) else { throw Problem.notFound("Talk round") }
            return try MutationResult(resource)
        }
    }

    // MARK: The class report

    @Sendable func report(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        var v = Violations()
        let unitId = request.query("unit_id").flatMap(UUID.init(uuidString:))
        let grade = request.query("grade").flatMap { Int($0) }
        let schoolYear = request.query("school_year") ?? TalkCoverage.schoolYear(of: OsloTime.localDate(at: Date()))
        if unitId == nil { v.add("unit_id", "format", "must be a unit id") }
        if grade.map({ !(0...13).contains($0) }) ?? true { v.add("grade", "range", "must be a grade from 0 to 13") }
        if schoolYear.wholeMatch(of: /[0-9]{4}\/[0-9]{4}/) == nil { v.add("school_year", "format", "must be like 2026/2027") }
        try v.throwIfAny()
        guard let unitId, let grade else { throw Problem.field("unit_id", "format", "must be a unit id") }
        let resource = try await environment.read(context) { connection, principal -> ReportResource in
            guard TalkRoundRole.mayReadReport(principal, unitId: unitId) else {
                throw Problem.forbidden("the class report is read by the unit's teachers and its leader")
            }
            let pupils = try TalkStore.pupils(unitId: unitId, grade: grade, on: connection)
            let held = try TalkStore.heldTalks(of: pupils.map(\.id), now: Self.now(), on: connection)
            let names = Dictionary(uniqueKeysWithValues: pupils.map { ($0.id, $0.name) })
            let (complete, missing) = TalkCoverage.report(pupils: pupils.map(\.id), held: held.map { ($0.child, $0.date) }, schoolYear: schoolYear)
            var disclosures = Disclosures()
            for pupil in pupils {
                disclosures.add(Disclosure(resource: "talk_report", resourceId: nil, childId: pupil.id, basis: .ownUnit, consentId: nil))
            }
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            let counts = Dictionary(held.filter { TalkCoverage.schoolYear(of: $0.date) == schoolYear }.map { ($0.child, 1) }, uniquingKeysWith: +)
            return ReportResource(
                unitId: unitId, grade: grade, schoolYear: schoolYear, talksPerYear: TalkCoverage.talksPerYear,
                complete: complete.map { ReportPupil(childId: $0, name: names[$0] ?? "", held: counts[$0] ?? 0) },
                missing: missing.map { ReportPupil(childId: $0.pupil, name: names[$0.pupil] ?? "", held: $0.held) })
        }
        return try APIJSON.response(resource)
    }
}
