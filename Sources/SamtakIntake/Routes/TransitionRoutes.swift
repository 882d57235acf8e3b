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
        group.get("transition-seasons", use: listSeasons)
        group.post("transition-items/{id}/arrangements", use: arrange)
        group.post("transition-items/{id}/ansvarsgruppe", use: establishAnsvarsgruppe)
    }

    // MARK: Bodies and resources

    struct ChildBody: StrictRequestBody {
        var childId: UUID
        var specialNeedsSupport: Bool?
    }

    struct MeetingBody: StrictRequestBody {
        var sendingUnitId: UUID
        var startsAt: LocalDateTime
        var durationMinutes: Int?
        var location: String?
        var children: [ChildBody]?
        var participantIds: [UUID]?
    }

    struct SeasonBody: StrictRequestBody {
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
        /// Issue 16 (``TransitionArrangements``): shown with the child, never on a redacted item.
        var attendsSfo: Bool?
        var receivingTeacherId: UUID?
        /// PPT where the child has special-needs support, else the receiving school; given
        /// only where `special_needs_support` is (the consent releases special needs).
        var responsibleService: ServiceKind?
        /// The first meeting of the ansvarsgruppe this transition established (lower → upper secondary).
        var ansvarsgruppeMeetingId: UUID?
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
        /// Whether the caller organises this meeting and so plans each child's arrangements and,
        /// at a transition to upper secondary, establishes the ansvarsgruppe (the pages ask this
        /// rather than deciding it themselves).
        var mayArrange: Bool
        var items: [ItemResource]
        /// Who is responsible that the meeting is held (``TransitionRules/responsibleService(itemsWithSpecialNeeds:)``).
        var responsibleService: ServiceKind
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
        /// Whether the stage establishes a new ansvarsgruppe where needed (lower → upper secondary).
        var establishesAnsvarsgruppe: Bool
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
            let arenaOwner = try TransitionStore.arenaOwner(arena.id, on: connection)
            guard principal.hasRole(.unitLeader, in: body.receivingUnitId) || arenaOwner == principal.personId else {
                throw Problem.forbidden("the receiving unit's leader (or the arena's owner) invites to transition meetings")
            }
            var v = Violations()
            let services = try TransitionStore.unitServices([body.receivingUnitId] + body.meetings.map(\.sendingUnitId), on: connection)
            if services[body.receivingUnitId] != body.stage.receivingService {
                v.add("receiving_unit_id", "service", "must be a \(body.stage.receivingService.rawValue) unit")
            }
            for (index, meeting) in body.meetings.enumerated() where services[meeting.sendingUnitId] != body.stage.sendingService {
                v.add("meetings[\(index)].sending_unit_id", "service", "must be a \(body.stage.sendingService.rawValue) unit for \(body.stage.rawValue)")
            }
            try v.throwIfAny()
            let seasonId = UUID()
            do {
                try TransitionStore.insertSeason(seasonId, schoolYear: body.schoolYear, stage: body.stage, arenaId: arena.id,
                                                 receivingUnitId: body.receivingUnitId, by: principal.personId, on: connection)
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
            let atUnit = try TransitionStore.childrenAt(meeting.sendingUnitId, among: given.map(\.childId), on: connection)
            var v = Violations()
            for (childIndex, child) in given.enumerated() where !atUnit.contains(child.childId) {
                v.add("\(field).children[\(childIndex)].child_id", "not_at_sending_unit", "is not a child of the sending unit")
            }
            try v.throwIfAny()
        } else {
            children = try TransitionStore.children(at: meeting.sendingUnitId, grade: body.stage.leavingGrade, on: connection).map { ($0, nil) }
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
            let specialNeeds = try child.specialNeeds ?? TransitionStore.hasPPTReferral(child.id, on: connection)
            // The consent releases the child's identity to the arena: the item names the child.
            // Viewers it does not cover see the anonymised title, as for any named case.
            let name = try TransitionStore.childName(child.id, on: connection)?.name ?? ""
            let title = "Overgang \(body.stage.norwegianName): \(name)"
            let caseId = UUID()
            let released = categories.isEmpty ? "ingen utover identitet" : categories.map(\.rawValue).joined(separator: ", ")
            try TransitionStore.insertCase(caseId, arenaId: arena.id, childId: child.id, consentId: consent.id, sendingUnitId: meeting.sendingUnitId,
                                           by: principal.personId, title: title, grade: facts.grade,
                                           concern: "Overføring etter samtykke. Kategorier: \(released).", on: connection)
            items.append((caseId, child.id, consent, categories, specialNeeds))
        }
        // Participants: the organiser, both units' leaders, the sending unit's teachers, PPT where needed, and those named.
        var participants = [principal.personId]
        participants += try TransitionStore.leadersAndTeachers(receivingUnitId: body.receivingUnitId, sendingUnitId: meeting.sendingUnitId, on: connection)
        if items.contains(where: \.specialNeeds) { participants += try TransitionStore.pptPeople(arena: arena.id, on: connection) }
        if let named = meeting.participantIds, !named.isEmpty {
            let staff = try TransitionStore.activeStaff(among: named, on: connection)
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
        try TransitionStore.insertMeeting(meetingId, season: season, sendingUnitId: meeting.sendingUnitId, withoutConsent: withoutConsent, on: connection)
        for item in items {
            try TransitionStore.insertItem(caseId: item.caseId, meetingId: meetingId, childId: item.childId, consentId: item.consent.id,
                                           information: item.categories, specialNeeds: item.specialNeeds, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "transition_item", resourceId: item.caseId,
                                 childId: item.childId, basis: .consent, consentId: item.consent.id, requestId: requestId)
        }
        return (meetingId, items.count)
    }

    // MARK: Reading

    /// What `principal` may see of an item: the case's access decision, and nothing (but
    /// for the guardians) once the consent it stands on is no longer in force.
    static func itemAccess(_ item: TransitionStore.ItemRow, principal: Principal, on connection: PostgresConnection) throws -> (AccessDecision, CaseStore.Row)? {
        guard let row = try CaseStore.load(item.caseId, on: connection) else { return nil }
        var decision = try CaseStore.access(principal, to: row, on: connection)
        if decision.basis != .guardian && decision.basis != .selfAccess,
           !(try ChildAccessLoader.consents(item.childId, on: connection).contains { $0.id == item.consentId && $0.isActive(at: Date()) }) {
            decision = .denied
        }
        return (decision, row)
    }

    static func itemResource(_ item: TransitionStore.ItemRow, principal: Principal, position: Int?, on connection: PostgresConnection, requestId: String?) throws -> ItemResource? {
        guard let (decision, row) = try itemAccess(item, principal: principal, on: connection), let basis = decision.basis else { return nil }
        guard decision.canSeeChild else {
            return ItemResource(id: item.caseId, meetingId: item.meetingId, visibility: "redacted",
                                title: CaseRedaction.anonymousTitle(position: position, grade: row.grade), child: nil, specialNeedsSupport: nil,
                                information: [], schoolSituation: nil, specialNeeds: nil, health: nil, family: nil, updatedAt: nil,
                                attendsSfo: nil, receivingTeacherId: nil, responsibleService: nil, ansvarsgruppeMeetingId: nil)
        }
        try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "transition_item", resourceId: item.caseId,
                             childId: item.childId, basis: basis, consentId: decision.consentId ?? item.consentId, requestId: requestId)
        let child = try TransitionStore.childName(item.childId, on: connection)
        func text(_ category: InformationCategory) -> String? { item.information.contains(category) ? item.texts[category] : nil }
        return ItemResource(
            id: item.caseId, meetingId: item.meetingId, visibility: "full", title: row.title,
            child: ItemChild(id: item.childId, name: child?.name ?? "", birthDate: child?.birthDate),
            specialNeedsSupport: item.information.contains(.specialNeeds) ? item.specialNeedsSupport : nil, information: item.information,
            schoolSituation: text(.schoolSituation), specialNeeds: text(.specialNeeds), health: text(.health), family: text(.family),
            updatedAt: item.updatedAt, attendsSfo: item.attendsSfo, receivingTeacherId: item.receivingTeacherId,
            responsibleService: item.information.contains(.specialNeeds) ? TransitionRules.responsibleService(specialNeedsSupport: item.specialNeedsSupport) : nil,
            ansvarsgruppeMeetingId: item.ansvarsgruppeMeetingId
        )
    }

    static func season(_ id: UUID, principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> SeasonResource? {
        guard let row = try TransitionStore.season(id, on: connection) else { return nil }
        let meetings = try TransitionStore.meetings(ofSeason: id, on: connection)
        var visible: [SeasonMeeting] = []
        for (meetingId, sendingUnit, withoutConsent) in meetings {
            // Only the positions of the agenda are used (the items log their own reads).
            guard let reading = try MeetingRoutes.reading(meetingId, principal: principal, on: connection), let agenda = reading.agenda else { continue }
            let meeting = reading.meeting
            let positions = Dictionary(agenda.compactMap { item in item.caseId.map { ($0, item.position) } }, uniquingKeysWith: { first, _ in first })
            let rows = try TransitionStore.items(ofMeeting: meetingId, on: connection)
            let items = try rows
                .compactMap { try itemResource($0, principal: principal, position: positions[$0.caseId], on: connection, requestId: requestId) }
            visible.append(SeasonMeeting(
                meetingId: meetingId, sendingUnitId: sendingUnit, startsAt: meeting.startsAt, location: meeting.location, status: meeting.status,
                participantIds: try MeetingStore.participantIds(meeting, on: connection) ?? [],
                childrenWithoutConsent: MeetingRoutes.isOrganiser(principal, meeting) ? withoutConsent : nil,
                mayArrange: MeetingRoutes.isOrganiser(principal, meeting),
                items: items.sorted { (positions[$0.id] ?? 0) < (positions[$1.id] ?? 0) },
                responsibleService: TransitionRules.responsibleService(itemsWithSpecialNeeds: rows.map(\.specialNeedsSupport))
            ))
        }
        guard !visible.isEmpty else { return nil }
        return SeasonResource(id: id, schoolYear: try row.decode(String.self, 1),
                              stage: try row.decode(TransitionStage.self, 2),
                              arenaId: try row.decode(UUID.self, 3), receivingUnitId: try row.decode(UUID.self, 4),
                              createdBy: try row.decode(UUID.self, 5), createdAt: try row.decode(Date.self, 6), meetings: visible,
                              establishesAnsvarsgruppe: TransitionRules.establishesAnsvarsgruppe(try row.decode(TransitionStage.self, 2)))
    }

    @Sendable func getSeason(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition season")
        let season = try await environment.read(context) { connection, principal in
            try Self.season(id, principal: principal, on: connection, requestId: context.id)
        }
        guard let season else { throw Problem.notFound("Transition season") }
        return try APIJSON.response(season)
    }

    @Sendable func getItem(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition item")
        let item = try await environment.read(context) { connection, principal -> ItemResource? in
            guard let item = try TransitionStore.loadItem(id, on: connection) else { return nil }
            return try Self.itemResource(item, principal: principal, position: nil, on: connection, requestId: context.id)
        }
        guard let item else { throw Problem.notFound("Transition item") }
        return try APIJSON.response(item)
    }

    struct ItemBody: StrictRequestBody {
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
            guard let item = try TransitionStore.loadItem(id, on: connection, forUpdate: true),
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
            try TransitionStore.updateItem(id, schoolSituation: body.schoolSituation?.trimmed, specialNeeds: body.specialNeeds?.trimmed,
                                           health: body.health?.trimmed, family: body.family?.trimmed, by: principal.personId, on: connection)
            return try Self.updated(item, decision: decision, basis: basis, principal: principal, on: connection, requestId: context.id)
        }
    }

    /// After a change to an item: the change in the access log, and the item as the writer now sees it.
    static func updated(_ item: TransitionStore.ItemRow, decision: AccessDecision, basis: AccessBasis, principal: Principal,
                        on connection: PostgresConnection, requestId: String?) throws -> MutationResult {
        try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "transition_item", resourceId: item.caseId,
                             childId: item.childId, basis: basis, consentId: decision.consentId ?? item.consentId, requestId: requestId)
        guard let updated = try TransitionStore.loadItem(item.caseId, on: connection),
              let resource = try itemResource(updated, principal: principal, position: nil, on: connection, requestId: requestId)
        else { throw Problem.notFound("Transition item") }
        return try MutationResult(resource)
    }

    // MARK: Issue 16: the seasons a person works on, one child's arrangements

    struct SeasonList: Codable, Sendable { var items: [TransitionStore.SeasonSummaryRow] }

    /// `GET /v1/transition-seasons`: the seasons the caller plans or takes part in. Ids, codes,
    /// unit names and counts only: no child, so nothing is logged.
    @Sendable func listSeasons(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let rows = try await environment.read(context) { connection, principal in
            try TransitionStore.seasons(for: principal.personId, limit: 100, on: connection)
        }
        return try APIJSON.response(SeasonList(items: rows))
    }

    struct ArrangementsBody: StrictRequestBody {
        var attendsSfo: Bool
        var specialNeedsSupport: Bool
        var receivingTeacherId: UUID?
    }

    /// `POST /v1/transition-items/{id}/arrangements`: the meeting's organiser, who sees the child
    /// in full, plans the child's part (``TransitionArrangements``); the people it brings are
    /// invited to the whole meeting (`meeting.participant_invited` for each new one).
    @Sendable func arrange(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition item")
        let (body, raw) = try await APIJSON.decode(ArrangementsBody.self, from: request)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let item = try TransitionStore.loadItem(id, on: connection, forUpdate: true),
                  let (decision, _) = try Self.itemAccess(item, principal: principal, on: connection), decision.canSeeChild,
                  let basis = decision.basis,
                  let meeting = try MeetingStore.meeting(item.meetingId, forUpdate: true, on: connection),
                  let season = try TransitionStore.seasonOfMeeting(item.meetingId, on: connection) else { throw Problem.notFound("Transition item") }
            guard MeetingRoutes.isOrganiser(principal, meeting) else {
                throw Problem.forbidden("the transition meeting's organiser plans each child's part")
            }
            guard meeting.status == .planned || meeting.status == .agendaPublished else {
                throw Problem.conflict("meeting_held", "the transition meeting has been held; its arrangements are closed")
            }
            let arrangements = TransitionArrangements(attendsSfo: body.attendsSfo, specialNeedsSupport: body.specialNeedsSupport,
                                                      hasReceivingTeacher: body.receivingTeacherId != nil)
            if let refusal = TransitionRules.arrangementRefusal(arrangements, information: item.information) {
                throw Problem.field("special_needs_support", refusal, "the guardians' consent does not release special needs")
            }
            var invited: [UUID] = []
            var v = Violations()
            for invitee in TransitionRules.invitees(arrangements) {
                switch invitee {
                case .receivingTeacher:
                    if let teacher = body.receivingTeacherId {
                        if try TransitionStore.isTeacher(teacher, of: season.receivingUnitId, on: connection) { invited.append(teacher) } else {
                            v.add("receiving_teacher_id", "not_receiving_teacher", "must be a teacher at the receiving school")
                        }
                    }
                case .sfoLeader:
                    let leaders = try TransitionStore.sfoLeaders(receivingUnitId: season.receivingUnitId, on: connection)
                    if leaders.isEmpty { v.add("attends_sfo", "no_sfo_leader", "the receiving school has no SFO leader registered") }
                    invited += leaders
                case .ppt:
                    invited += try TransitionStore.pptPeople(arena: meeting.arenaId, on: connection)
                }
            }
            try v.throwIfAny()
            try TransitionStore.updateArrangements(id, attendsSfo: body.attendsSfo, specialNeedsSupport: body.specialNeedsSupport,
                                                   receivingTeacherId: body.receivingTeacherId, by: principal.personId, on: connection)
            var seen = Set<UUID>()
            for person in invited where seen.insert(person).inserted {
                if try ParticipantStore.invite(meetingId: meeting.id, personId: person, items: [], by: principal.personId, on: connection) {
                    try outbox.append(MeetingParticipantInvited(meetingId: meeting.id, personId: person, agendaItemIds: []), on: connection)
                }
            }
            return try Self.updated(item, decision: decision, basis: basis, principal: principal, on: connection, requestId: context.id)
        }
    }

    /// `POST /v1/transition-items/{id}/ansvarsgruppe`: at a transition to upper secondary the
    /// meeting's organiser, who sees the child in full, establishes a new ansvarsgruppe for the
    /// child: its first meeting, called around the child in the ansvarsgruppe arena with the
    /// guardians and the staff the item's consent covers (``TransitionRules/ansvarsgruppeParticipants``),
    /// `meeting.called`; at most once per item.
    @Sendable func establishAnsvarsgruppe(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "transition item")
        // The same body as calling or moving a meeting: time, length, place.
        let (body, raw) = try await CalledMeetingRoutes.RescheduleBody.decode(from: request, future: false)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let item = try TransitionStore.loadItem(id, on: connection, forUpdate: true),
                  let (decision, _) = try Self.itemAccess(item, principal: principal, on: connection), decision.canSeeChild,
                  let basis = decision.basis,
                  let meeting = try MeetingStore.meeting(item.meetingId, on: connection),
                  let season = try TransitionStore.seasonOfMeeting(item.meetingId, on: connection) else { throw Problem.notFound("Transition item") }
            guard let child = try CoordinationStore.child(item.childId, on: connection) else { throw Problem.notFound("Transition item") }
            // Who calls an ansvarsgruppe is one rule (``CoordinationPolicy/mayCall``): the coordinator,
            // child welfare, or here the organiser of the transition to upper secondary.
            let coordinator = try CoordinationStore.activeCoordinator(of: item.childId, on: connection)
            guard CoordinationPolicy.mayCall(.ansvarsgruppe, isCoordinator: coordinator?.personId == principal.personId,
                                             logAccess: CoordinationStore.logAccess(principal, child), principal: principal,
                                             organisesTransitionToUpperSecondary: MeetingRoutes.isOrganiser(principal, meeting)
                                                 && TransitionRules.establishesAnsvarsgruppe(season.stage)) else {
                throw Problem.forbidden("the transition meeting's organiser, the child's coordinator or child welfare establishes the ansvarsgruppe")
            }
            guard TransitionRules.establishesAnsvarsgruppe(season.stage) else {
                throw Problem.conflict("not_for_stage", "only the transition from lower to upper secondary school establishes an ansvarsgruppe")
            }
            guard item.ansvarsgruppeMeetingId == nil else {
                throw Problem.conflict("already_established", "this transition has already established the child's ansvarsgruppe")
            }
            guard let arenaId = try TransitionStore.ansvarsgruppeArenaId(on: connection), let arena = try CalledMeetings.arena(arenaId, on: connection) else {
                throw Problem.conflict("no_arena", "no ansvarsgruppe arena is registered; register one first")
            }
            guard let consent = child.consents.first(where: { $0.id == item.consentId && $0.isActive(at: Date()) }) else {
                throw Problem(.conflict, code: "consent_withdrawn", title: "The consent the transition stands on is no longer in force",
                              violations: [.init(field: "consent", rule: "consent_withdrawn", message: "the consent is withdrawn or has ended")])
            }
            let staff = [principal.personId] + (try MeetingStore.participantIds(meeting, on: connection) ?? [])
            let facts = try CoordinationStore.participantFacts(staff, child: child.relations, on: connection)
            let refusedOrganiser = Problem(.unprocessableContent, code: "consent_required", title: "The family's consent does not cover the ansvarsgruppe",
                                           detail: "the consent the transition stands on does not cover you in the ansvarsgruppe",
                                           violations: [.init(field: "consent", rule: CoordinationRefusal.serviceNotCovered.rawValue,
                                                              message: "the consent does not cover the organiser in the ansvarsgruppe arena")])
            guard let organiser = facts[principal.personId],
                  var participants = TransitionRules.ansvarsgruppeParticipants(
                      organiser: organiser, staff: staff.compactMap { facts[$0] }, guardianIds: child.relations.guardianIds, consent: consent,
                      arenaId: arena.id, childUnitId: child.relations.unitId) else { throw refusedOrganiser }
            // The young person takes part in their own ansvarsgruppe; from the arena's age their own
            // consent is required, as when the group is called from the child's page.
            if let young = child.relations.personId, !participants.contains(young) { participants.append(young) }
            let everyone = try CoordinationStore.participantFacts(participants, child: child.relations, on: connection)
            let mustConsent = arena.youngPersonConsentAge.map { age in child.age.map { $0 >= age } ?? false } ?? false
            let check = CoordinationPolicy.checkParticipants(participants.compactMap { everyone[$0] }, arenaId: arena.id, child: child.relations,
                                                             consents: [consent], youngPersonMustConsent: mustConsent, at: Date())
            guard check.isAllowed else {
                let refused = check.refused.sorted { $0.key < $1.key }.map { index, refusal in
                    Problem.Violation(field: "consent", rule: refusal.rawValue, message: refusal.description)
                }
                throw Problem(.unprocessableContent, code: "consent_required", title: "The family's consent does not cover the ansvarsgruppe",
                              violations: refused.isEmpty ? refusedOrganiser.violations : refused)
            }
            let planned = try CalledMeetings.plan(start: body.startsAt, rule: nil, arena: arena, durationMinutes: body.durationMinutes)
            let meetingId = try CalledMeetings.insert(
                planned[0], arena: arena, childId: item.childId, calledBy: principal.personId, location: body.location?.trimmed, participants: participants,
                items: [CalledMeetings.Item(title: "Etablering av ansvarsgruppe etter overgang til videregående skole", presenterId: principal.personId, minutes: nil)],
                consentId: consent.id, originCaseId: nil, planId: try IndividualPlanStore.activeId(ofChild: item.childId, on: connection), seriesId: nil,
                outbox: outbox, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "meeting", resourceId: meetingId,
                                 childId: item.childId, basis: basis, consentId: consent.id, requestId: context.id)
            try TransitionStore.setAnsvarsgruppe(id, meetingId: meetingId, by: principal.personId, on: connection)
            return try Self.updated(item, decision: decision, basis: basis, principal: principal, on: connection, requestId: context.id)
        }
    }
}
