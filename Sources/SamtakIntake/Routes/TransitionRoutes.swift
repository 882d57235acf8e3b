/// # Transition meetings (overføringsmøter) for a school year
///
/// Seed 003: kindergarten → school, primary → lower secondary, lower secondary → upper
/// secondary. The receiving school invites ("det er ungdomsskolen som inviterer"); the
/// sending side's people take part (pedagogisk leder / kontaktlærer, styrer / rektor); PPT
/// takes part for children with special-needs support; information moves only with the
/// guardians' consent.
///
/// A season (`transition_seasons`: school year, stage, transition arena, receiving unit)
/// is planned in one request: one called meeting per sending unit (`transition_meetings`),
/// whose children are the sending unit's children in the leaving grade (or a given list).
/// Per child ``TransitionRules/decide``: with consent the child gets a **named item**: a
/// named case on the meeting's agenda (so agendas and minutes show it per recipient under
/// the usual access rules) plus a `transition_items` row holding the consent, the
/// categories it releases and the sending side's information per category; without consent
/// the child gets **no item** (see ``TransitionRules`` for why not an anonymous one) and
/// only the count is kept for the organiser. PPT is invited when a named child has
/// special-needs support (an open PPT referral, or marked so in the request).
///
/// Endpoints: `POST /v1/transition-seasons`, `GET /v1/transition-seasons/{id}`,
/// `GET/PUT /v1/transition-items/{id}` (the sending side writes only the consented
/// categories; everyone reads only those). Events: `meeting.called` per meeting,
/// `transition_season.planned`.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct TransitionRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("transition-seasons", use: planSeason)
        group.get("transition-seasons/{id}", use: getSeason)
        group.get("transition-items/{id}", use: getItem)
        group.put("transition-items/{id}", use: writeItem)
    }

    // MARK: Bodies and resources

    struct ChildBody: StrictRequestBody {
        static let shape = JSONShape.object(["child_id": .value, "special_needs_support": .value])
        var childId: UUID
        var specialNeedsSupport: Bool?
    }

    struct MeetingBody: StrictRequestBody {
        static let shape = JSONShape.object([
            "sending_unit_id": .value, "starts_at": .value, "duration_minutes": .value, "location": .value,
            "children": .array(ChildBody.shape), "participant_ids": .array(.value),
        ])
        var sendingUnitId: UUID
        var startsAt: LocalDateTime
        var durationMinutes: Int?
        var location: String?
        var children: [ChildBody]?
        var participantIds: [UUID]?
    }

    struct SeasonBody: StrictRequestBody {
        static let shape = JSONShape.object([
            "school_year": .value, "stage": .value, "arena_id": .value, "receiving_unit_id": .value, "meetings": .array(MeetingBody.shape),
        ])
        var schoolYear: String
        var stage: TransitionStage
        var arenaId: UUID
        var receivingUnitId: UUID
        var meetings: [MeetingBody]
    }

    struct ItemChild: Codable, Sendable {
        var id: UUID
        var name: String
        var birthDate: LocalDate?
    }

    struct ItemResource: Codable, Sendable {
        var id: UUID
        var meetingId: UUID
        var visibility: String
        var title: String
        var child: ItemChild?
        var specialNeedsSupport: Bool?
        /// The categories the consent releases (and that this item may carry).
        var information: [InformationCategory]
        var schoolSituation: String?
        var specialNeeds: String?
        var health: String?
        var family: String?
        var updatedAt: Date?
    }

    struct SeasonMeeting: Codable, Sendable {
        var meetingId: UUID
        var sendingUnitId: UUID
        var startsAt: Date
        var location: String
        var status: MeetingStatus
        var participantIds: [UUID]
        /// Organisers only: how many children had no consent (they have no item).
        var childrenWithoutConsent: Int?
        var items: [ItemResource]
    }

    struct SeasonResource: Codable, Sendable {
        var id: UUID
        var schoolYear: String
        var stage: TransitionStage
        var arenaId: UUID
        var receivingUnitId: UUID
        var createdBy: UUID
        var createdAt: Date
        var meetings: [SeasonMeeting]
    }

    // MARK: Planning a season

    static func validate(_ body: SeasonBody) throws {
        var v = Violations()
        let schoolYear = DateInputRules.current().schoolYear(body.schoolYear)
        if schoolYear == nil { v.add("school_year", "format", "must be like 2027/2028, within \(DateInputRules.windowYears) years of today") }
        if body.meetings.isEmpty { v.add("meetings", "required", "plan at least one meeting (one per sending unit)") }
        if body.meetings.count > 50 { v.add("meetings", "max_items", "must have at most 50 meetings") }
        if Set(body.meetings.map(\.sendingUnitId)).count != body.meetings.count {
            v.add("meetings", "unique", "must have one meeting per sending unit")
        }
        let yearEnd = schoolYear.flatMap { LocalDate(year: $0.second, month: 7, day: 31) }
        for (index, meeting) in body.meetings.enumerated() {
            let field = "meetings[\(index)]"
            if meeting.sendingUnitId == body.receivingUnitId { v.add("\(field).sending_unit_id", "same_unit", "must differ from the receiving unit") }
            v.text(meeting.location, "\(field).location", required: false, max: 200)
            if let duration = meeting.durationMinutes, !(5...1440).contains(duration) { v.add("\(field).duration_minutes", "range", "must be from 5 to 1440") }
            if OsloTime.instant(for: meeting.startsAt) <= Date() { v.add("\(field).starts_at", "range", "must be in the future (Europe/Oslo local time)") }
            if let yearEnd, meeting.startsAt.date > yearEnd { v.add("\(field).starts_at", "range", "must be before the end of the school year") }
            let children = meeting.children ?? []
            if children.count > 200 { v.add("\(field).children", "max_items", "must have at most 200 children") }
            if Set(children.map(\.childId)).count != children.count { v.add("\(field).children", "unique", "must not repeat a child") }
            if (meeting.participantIds ?? []).count > 50 { v.add("\(field).participant_ids", "max_items", "must have at most 50 people") }
        }
        try v.throwIfAny()
    }

    @Sendable func planSeason(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(SeasonBody.self, from: request)
        try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let arena = try CalledMeetings.arena(body.arenaId, on: connection), arena.active, arena.kind == .transition else {
                throw Problem.field("arena_id", "not_found", "is not an active transition arena")
            }
            let arenaOwner = try connection.query("SELECT owner_person_id FROM arenas WHERE id = \(arena.id)").first?.decode(UUID?.self, 0)
            guard principal.hasRole(.unitLeader, in: body.receivingUnitId) || arenaOwner == principal.personId else {
                throw Problem.forbidden("the receiving unit's leader (or the arena's owner) invites to transition meetings")
            }
            var v = Violations()
            let services = try Self.unitServices([body.receivingUnitId] + body.meetings.map(\.sendingUnitId), on: connection)
            if services[body.receivingUnitId] != body.stage.receivingService {
                v.add("receiving_unit_id", "service", "must be a \(body.stage.receivingService.rawValue) unit")
            }
            for (index, meeting) in body.meetings.enumerated() where services[meeting.sendingUnitId] != body.stage.sendingService {
                v.add("meetings[\(index)].sending_unit_id", "service", "must be a \(body.stage.sendingService.rawValue) unit for \(body.stage.rawValue)")
            }
            try v.throwIfAny()
            let seasonId = UUID()
            do {
                try connection.execute("""
                    INSERT INTO transition_seasons (id, school_year, stage, arena_id, receiving_unit_id, created_by)
                    VALUES (\(seasonId), \(body.schoolYear), \(body.stage.rawValue), \(arena.id), \(body.receivingUnitId), \(principal.personId))
                    """)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Problem.conflict("season_exists", "this school year's \(body.stage.rawValue) meetings are already planned for the receiving unit")
            }
            guard let scope = try CaseStore.arenaScope(arena.id, on: connection) else { throw Problem.notFound("Arena") }
            var meetingIds: [UUID] = []
            var namedItems = 0
            for (index, meeting) in body.meetings.enumerated() {
                let (id, named) = try Self.planMeeting(meeting, index: index, season: seasonId, body: body, arena: arena, scope: scope,
                                                       principal: principal, outbox: outbox, on: connection, requestId: context.id)
                meetingIds.append(id)
                namedItems += named
            }
            try outbox.append(TransitionSeasonPlanned(seasonId: seasonId, arenaId: arena.id, receivingUnitId: body.receivingUnitId, stage: body.stage,
                                                      meetingIds: meetingIds, namedItems: namedItems), on: connection)
            guard let season = try Self.season(seasonId, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Transition season")
            }
            return try MutationResult(season, status: .created, location: "/v1/transition-seasons/\(seasonId)")
        }
    }

    static func unitServices(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: ServiceKind] {
        var out: [UUID: ServiceKind] = [:]
        for row in try connection.query("SELECT id, service FROM units WHERE id = ANY(\(Array(Set(ids)))) AND active") {
            out[try row.decode(UUID.self, 0)] = ServiceKind(rawValue: try row.decode(String.self, 1))
        }
        return out
    }

    /// One sending unit's meeting: its children's items (named with consent, none without),
    /// its participants, `meeting.called`. Returns the meeting and its number of named items.
    static func planMeeting(
        _ meeting: MeetingBody, index: Int, season: UUID, body: SeasonBody, arena: CalledMeetings.Arena, scope: ArenaScope, principal: Principal,
        outbox: Outbox, on connection: PostgresConnection, requestId: String?
    ) throws -> (UUID, Int) {
        let field = "meetings[\(index)]"
        // The children: as given (they must be at the sending unit), or the leaving grade.
        var children: [(id: UUID, specialNeeds: Bool?)]
        if let given = meeting.children {
            children = given.map { ($0.childId, $0.specialNeedsSupport) }
            let atUnit = Set(try connection.query("""
                SELECT id FROM children WHERE id = ANY(\(given.map(\.childId))) AND unit_id = \(meeting.sendingUnitId)
                """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
            var v = Violations()
            for (childIndex, child) in given.enumerated() where !atUnit.contains(child.childId) {
                v.add("\(field).children[\(childIndex)].child_id", "not_at_sending_unit", "is not a child of the sending unit")
            }
            try v.throwIfAny()
        } else {
            children = try connection.query("""
                SELECT id FROM children WHERE unit_id = \(meeting.sendingUnitId) AND grade = \(body.stage.leavingGrade) ORDER BY name, id
                """).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), nil) }
        }
        let planned: [PlannedMeeting]
        do throws(CalledMeetingPlan.PlanError) {
            planned = try CalledMeetingPlan.meetings(start: meeting.startsAt, rule: nil, holidayPolicy: .keep,
                                                     durationMinutes: meeting.durationMinutes ?? arena.durationMinutes,
                                                     agendaLeadHours: arena.agendaLeadHours, now: Date())
        } catch let error {
            throw Problem.field("\(field).starts_at", error.rule, error.description)
        }
        // Decide per child; named items become named cases on the agenda.
        var items: [(caseId: UUID, childId: UUID, consent: ConsentGrant, categories: [InformationCategory], specialNeeds: Bool)] = []
        var withoutConsent = 0
        for child in children {
            guard let facts = try CoordinationStore.child(child.id, on: connection) else { continue }
            guard case .named(let consent, let categories) = TransitionRules.decide(consents: facts.consents, arena: scope, childAge: facts.age,
                                                                                   childUnitId: facts.relations.unitId, at: Date()) else {
                withoutConsent += 1
                continue
            }
            let specialNeeds = try child.specialNeeds ?? !connection.query("""
                SELECT 1 FROM cases WHERE child_id = \(child.id) AND category = 'referral' AND target_service = 'ppt' AND status <> 'withdrawn'
                """).isEmpty
            // The consent releases the child's identity to the arena: the item names the child.
            // Viewers it does not cover see the anonymised title, as for any named case.
            let name = try connection.query("SELECT name FROM children WHERE id = \(child.id)").first?.decode(String.self, 0) ?? ""
            let title = "Overgang \(body.stage.norwegianName): \(name)"
            let caseId = UUID()
            let released = categories.isEmpty ? "ingen utover identitet" : categories.map(\.rawValue).joined(separator: ", ")
            try connection.execute("""
                INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                                   concern, status)
                VALUES (\(caseId), 'case', 'named', \(arena.id), \(child.id), \(consent.id), \(meeting.sendingUnitId), \(principal.personId),
                        \(principal.personId), \(title), \(facts.grade), \("Overføring etter samtykke. Kategorier: \(released)."), 'scheduled')
                """)
            items.append((caseId, child.id, consent, categories, specialNeeds))
        }
        // Participants: the organiser, both units' leaders, the sending unit's teachers, PPT where needed, and those named.
        var participants = [principal.personId]
        participants += try connection.query("""
            SELECT DISTINCT person_id FROM memberships m JOIN people p ON p.id = m.person_id AND p.active
            WHERE (m.unit_id = \(body.receivingUnitId) AND m.role = 'unit_leader')
               OR (m.unit_id = \(meeting.sendingUnitId) AND m.role IN ('unit_leader', 'teacher'))
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        if items.contains(where: \.specialNeeds) { participants += try pptPeople(arena: arena.id, on: connection) }
        if let named = meeting.participantIds, !named.isEmpty {
            let staff = Set(try connection.query("""
                SELECT id FROM people WHERE id = ANY(\(named)) AND kind = 'staff' AND active
                """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
            var v = Violations()
            for (personIndex, person) in named.enumerated() where !staff.contains(person) {
                v.add("\(field).participant_ids[\(personIndex)]", "not_staff", "must be active staff")
            }
            try v.throwIfAny()
            participants += named
        }
        var seen = Set<UUID>()
        participants = participants.filter { seen.insert($0).inserted }
        let meetingId = try CalledMeetings.insert(planned[0], arena: arena, childId: nil, calledBy: principal.personId, location: meeting.location?.trimmed,
                                                  participants: participants,
                                                  items: items.map { CalledMeetings.Item(caseId: $0.caseId, presenterId: nil, minutes: nil) },
                                                  consentId: nil, originCaseId: nil, planId: nil, seriesId: season, outbox: outbox, on: connection)
        try connection.execute("""
            INSERT INTO transition_meetings (meeting_id, season_id, sending_unit_id, children_without_consent)
            VALUES (\(meetingId), \(season), \(meeting.sendingUnitId), \(withoutConsent))
            """)
        for item in items {
            try connection.execute("""
                INSERT INTO transition_items (case_id, meeting_id, child_id, consent_id, information, special_needs_support)
                VALUES (\(item.caseId), \(meetingId), \(item.childId), \(item.consent.id), \(item.categories.map(\.rawValue)), \(item.specialNeeds))
                """)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "transition_item", resourceId: item.caseId,
                                 childId: item.childId, basis: .consent, consentId: item.consent.id, requestId: requestId)
        }
        return (meetingId, items.count)
    }

    /// PPT's people for the arena: its PPT participants (by person or unit role), else PPT's leaders.
    static func pptPeople(arena: UUID, on connection: PostgresConnection) throws -> [UUID] {
        let listed = try connection.query("""
            SELECT DISTINCT coalesce(ap.person_id, m.person_id)
            FROM arena_participants ap
            LEFT JOIN units u ON u.id = ap.unit_id
            LEFT JOIN memberships m ON m.unit_id = ap.unit_id AND m.role = ap.role
            LEFT JOIN memberships pm ON pm.person_id = ap.person_id
            LEFT JOIN units pu ON pu.id = pm.unit_id
            WHERE ap.arena_id = \(arena) AND coalesce(u.service, pu.service) = 'ppt' AND coalesce(ap.person_id, m.person_id) IS NOT NULL
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        if !listed.isEmpty { return listed }
        return try connection.query("""
            SELECT m.person_id FROM memberships m JOIN units u ON u.id = m.unit_id AND u.active WHERE u.service = 'ppt' AND m.role = 'unit_leader'
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    // MARK: Reading

    struct ItemRow: Sendable {
        var caseId: UUID
        var meetingId: UUID
        var childId: UUID
        var consentId: UUID
        var information: [InformationCategory]
        var specialNeedsSupport: Bool
        var texts: [InformationCategory: String]
        var updatedAt: Date
    }

    static func itemRow(_ row: PostgresRow) throws(PostgresError) -> ItemRow {
        var texts: [InformationCategory: String] = [:]
        for (offset, category) in TransitionRules.itemCategories.enumerated() {
            if let text = try row.decode(String?.self, 6 + offset) { texts[category] = text }
        }
        return ItemRow(caseId: try row.decode(UUID.self, 0), meetingId: try row.decode(UUID.self, 1), childId: try row.decode(UUID.self, 2),
                       consentId: try row.decode(UUID.self, 3),
                       information: try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:)),
                       specialNeedsSupport: try row.decode(Bool.self, 5), texts: texts, updatedAt: try row.decode(Date.self, 10))
    }

    static let itemColumns: SQL = """
        case_id, meeting_id, child_id, consent_id, information, special_needs_support, school_situation, special_needs, health, family, updated_at
        """

    /// What `principal` may see of an item: the case's access decision, and nothing (but
    /// for the guardians) once the consent it stands on is no longer in force.
    static func itemAccess(_ item: ItemRow, principal: Principal, on connection: PostgresConnection) throws -> (AccessDecision, CaseStore.Row)? {
        guard let row = try CaseStore.load(item.caseId, on: connection) else { return nil }
        var decision = try CaseStore.access(principal, to: row, on: connection)
        if decision.basis != .guardian && decision.basis != .selfAccess,
           !(try ChildAccessLoader.consents(item.childId, on: connection).contains { $0.id == item.consentId && $0.isActive(at: Date()) }) {
            decision = .denied
        }
        return (decision, row)
    }

    static func itemResource(_ item: ItemRow, principal: Principal, position: Int?, on connection: PostgresConnection, requestId: String?) throws -> ItemResource? {
        guard let (decision, row) = try itemAccess(item, principal: principal, on: connection), let basis = decision.basis else { return nil }
        guard decision.canSeeChild else {
            return ItemResource(id: item.caseId, meetingId: item.meetingId, visibility: "redacted",
                                title: CaseRedaction.anonymousTitle(position: position, grade: row.grade), child: nil, specialNeedsSupport: nil,
                                information: [], schoolSituation: nil, specialNeeds: nil, health: nil, family: nil, updatedAt: nil)
        }
        try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "transition_item", resourceId: item.caseId,
                             childId: item.childId, basis: basis, consentId: decision.consentId ?? item.consentId, requestId: requestId)
        let child = try connection.query("SELECT name, birth_date FROM children WHERE id = \(item.childId)").first
        func text(_ category: InformationCategory) -> String? { item.information.contains(category) ? item.texts[category] : nil }
        return ItemResource(
            id: item.caseId, meetingId: item.meetingId, visibility: "full", title: row.title,
            child: ItemChild(id: item.childId, name: try child?.decode(String.self, 0) ?? "", birthDate: try child?.decode(LocalDate?.self, 1)),
            specialNeedsSupport: item.information.contains(.specialNeeds) ? item.specialNeedsSupport : nil, information: item.information,
            schoolSituation: text(.schoolSituation), specialNeeds: text(.specialNeeds), health: text(.health), family: text(.family),
            updatedAt: item.updatedAt
        )
    }

    static func season(_ id: UUID, principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> SeasonResource? {
        guard let row = try connection.query("""
            SELECT id, school_year, stage, arena_id, receiving_unit_id, created_by, created_at FROM transition_seasons WHERE id = \(id)
            """).first else { return nil }
        let meetings = try connection.query("""
            SELECT tm.meeting_id, tm.sending_unit_id, tm.children_without_consent FROM transition_meetings tm JOIN meetings m ON m.id = tm.meeting_id
            WHERE tm.season_id = \(id) ORDER BY m.starts_at, m.id
            """).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(UUID.self, 1), try row.decode(Int.self, 2)) }
        var visible: [SeasonMeeting] = []
        for (meetingId, sendingUnit, withoutConsent) in meetings {
            // Only the positions of the agenda are used (the items log their own reads).
            guard let reading = try MeetingRoutes.reading(meetingId, principal: principal, on: connection), let agenda = reading.agenda else { continue }
            let meeting = reading.meeting
            let positions = Dictionary(agenda.compactMap { item in item.caseId.map { ($0, item.position) } }, uniquingKeysWith: { first, _ in first })
            let items = try connection.query("SELECT \(itemColumns) FROM transition_items WHERE meeting_id = \(meetingId) ORDER BY case_id")
                .map(itemRow)
                .compactMap { try itemResource($0, principal: principal, position: positions[$0.caseId], on: connection, requestId: requestId) }
            visible.append(SeasonMeeting(
                meetingId: meetingId, sendingUnitId: sendingUnit, startsAt: meeting.startsAt, location: meeting.location, status: meeting.status,
                participantIds: try MeetingStore.participantIds(meeting, on: connection) ?? [],
                childrenWithoutConsent: MeetingRoutes.isOrganiser(principal, meeting) ? withoutConsent : nil,
                items: items.sorted { (positions[$0.id] ?? 0) < (positions[$1.id] ?? 0) }
            ))
        }
        guard !visible.isEmpty else { return nil }
        return SeasonResource(id: id, schoolYear: try row.decode(String.self, 1),
                              stage: try row.decode(TransitionStage.self, 2),
                              arenaId: try row.decode(UUID.self, 3), receivingUnitId: try row.decode(UUID.self, 4),
                              createdBy: try row.decode(UUID.self, 5), createdAt: try row.decode(Date.self, 6), meetings: visible)
    }

    @Sendable func getSeason(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition season")
        let season = try await environment.read(context) { connection, principal in
            try Self.season(id, principal: principal, on: connection, requestId: context.id)
        }
        guard let season else { throw Problem.notFound("Transition season") }
        return try APIJSON.response(season)
    }

    static func loadItem(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> ItemRow? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(itemColumns) FROM transition_items WHERE case_id = \(id)\(lock)").first.map(itemRow)
    }

    @Sendable func getItem(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition item")
        let item = try await environment.read(context) { connection, principal -> ItemResource? in
            guard let item = try Self.loadItem(id, on: connection) else { return nil }
            return try Self.itemResource(item, principal: principal, position: nil, on: connection, requestId: context.id)
        }
        guard let item else { throw Problem.notFound("Transition item") }
        return try APIJSON.response(item)
    }

    struct ItemBody: StrictRequestBody {
        static let shape = JSONShape.object(["school_situation": .value, "special_needs": .value, "health": .value, "family": .value])
        var schoolSituation: String?
        var specialNeeds: String?
        var health: String?
        var family: String?

        var texts: [(InformationCategory, String?, String)] {
            [(.schoolSituation, schoolSituation, "school_situation"), (.specialNeeds, specialNeeds, "special_needs"),
             (.health, health, "health"), (.family, family, "family")]
        }
    }

    /// The sending side (staff of the sending unit who see the item in full) writes the
    /// information, only in the categories the consent releases.
    @Sendable func writeItem(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition item")
        let (body, raw) = try await APIJSON.decode(ItemBody.self, from: request)
        var v = Violations()
        for (_, text, field) in body.texts { v.text(text, field, required: false, max: 8000) }
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let item = try Self.loadItem(id, on: connection, forUpdate: true),
                  let (decision, row) = try Self.itemAccess(item, principal: principal, on: connection), decision.canSeeChild,
                  let basis = decision.basis else { throw Problem.notFound("Transition item") }
            guard principal.isMember(of: row.submittingUnitId) && principal.kind == .staff else {
                throw Problem.forbidden("the sending unit's staff write the transition information")
            }
            guard let meeting = try MeetingStore.meeting(item.meetingId, on: connection), meeting.status == .planned || meeting.status == .agendaPublished
            else { throw Problem.conflict("meeting_held", "the transition meeting has been held; its information is closed") }
            var violations = Violations()
            for (category, text, field) in body.texts where text != nil && !item.information.contains(category) {
                violations.add(field, "consent_does_not_cover_information", "the guardians' consent does not release this category of information")
            }
            try violations.throwIfAny()
            try connection.execute("""
                UPDATE transition_items SET school_situation = \(body.schoolSituation?.trimmed), special_needs = \(body.specialNeeds?.trimmed),
                    health = \(body.health?.trimmed), family = \(body.family?.trimmed), updated_by = \(principal.personId), updated_at = now()
                WHERE case_id = \(id)
                """)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "transition_item", resourceId: id,
                                 childId: item.childId, basis: basis, consentId: decision.consentId ?? item.consentId, requestId: context.id)
            guard let updated = try Self.loadItem(id, on: connection),
                  let resource = try Self.itemResource(updated, principal: principal, position: nil, on: connection, requestId: context.id)
            else { throw Problem.notFound("Transition item") }
            return try MutationResult(resource)
        }
    }
}
