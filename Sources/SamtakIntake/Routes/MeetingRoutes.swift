import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// Meetings, their agendas (shown per viewer: a case the viewer may not see in full
/// appears as "Sak 3: elev 5. trinn, anonymisert"), minutes, and cancellation.
struct MeetingRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("meetings", use: listMeetings)
        group.get("meetings/{id}", use: getMeeting)
        group.post("meetings/{id}/cancel", use: cancelMeeting)
        group.post("meetings/{id}/publish-agenda", use: publishAgendaNow)
        group.get("meetings/{id}/minutes", use: getMinutes)
        group.put("meetings/{id}/minutes", use: saveMinutes)
        group.post("meetings/{id}/minutes/approve", use: approveMinutes)
        group.get("meetings/{id}/deliveries", use: listDeliveries)
    }

    // MARK: Resources

    struct AgendaItemResource: Codable, Sendable {
        var id: UUID
        var position: Int
        var caseId: UUID?
        var title: String
        var visibility: String
        var presenterId: UUID?
        var startsAt: Date
        var minutes: Int
        var overCapacity: Bool
        var caseStatus: CaseStatus?
    }

    struct MeetingResource: Codable, Sendable {
        var id: UUID
        var arenaId: UUID
        var arenaName: String
        var arenaKind: ArenaKind
        var startsAt: Date
        var endsAt: Date
        var location: String
        var status: MeetingStatus
        var capacity: Int
        var submissionDeadline: Date
        var agendaDueAt: Date
        var sequence: Int
        var childId: UUID?
        var agenda: [AgendaItemResource]
        var minutesStatus: String?
        /// Called meetings: who called it, what it belongs to, and its explicit participants.
        var calledBy: UUID?
        var originCaseId: UUID?
        var individualPlanId: UUID?
        var seriesId: UUID?
        var participantIds: [UUID]?
    }

    struct MeetingRow: Sendable {
        var id: UUID
        var arenaId: UUID
        var arenaName: String
        var arenaKind: ArenaKind
        var startsAt: Date
        var endsAt: Date
        var location: String
        var status: MeetingStatus
        var capacity: Int
        var submissionDeadline: Date
        var agendaDueAt: Date
        var sequence: Int
        var childId: UUID?
        var ownerPersonId: UUID?
        var ownerUnitId: UUID
        var createdAt: Date
        var calledBy: UUID?
        var originCaseId: UUID?
        var individualPlanId: UUID?
        var seriesId: UUID?
        var occurrenceDate: LocalDate?
        var consentId: UUID?
        /// Called around one child or for a transition season (not from a series).
        var isCalled: Bool { occurrenceDate == nil }
        var organisation: MeetingOrganisation {
            MeetingOrganisation(arenaOwnerPersonId: ownerPersonId, arenaOwnerUnitId: ownerUnitId, calledBy: calledBy, aroundChild: childId != nil)
        }
    }

    static let meetingColumns: SQL = """
        m.id, m.arena_id, a.name, a.kind, m.starts_at, m.ends_at, m.location, m.status, m.capacity, m.submission_deadline, m.agenda_due_at,
        m.sequence, m.child_id, a.owner_person_id, a.owner_unit_id, m.created_at, m.called_by, m.origin_case_id, m.individual_plan_id,
        m.series_id, m.occurrence_date, m.consent_id
        """

    static func meetingRow(_ row: PostgresRow) throws(PostgresError) -> MeetingRow {
        MeetingRow(
            id: try row.decode(UUID.self, 0), arenaId: try row.decode(UUID.self, 1), arenaName: try row.decode(String.self, 2),
            arenaKind: ArenaKind(rawValue: try row.decode(String.self, 3)) ?? .other, startsAt: try row.decode(Date.self, 4),
            endsAt: try row.decode(Date.self, 5), location: try row.decode(String.self, 6),
            status: MeetingStatus(rawValue: try row.decode(String.self, 7)) ?? .planned, capacity: try row.decode(Int.self, 8),
            submissionDeadline: try row.decode(Date.self, 9), agendaDueAt: try row.decode(Date.self, 10), sequence: try row.decode(Int.self, 11),
            childId: try row.decode(UUID?.self, 12), ownerPersonId: try row.decode(UUID?.self, 13), ownerUnitId: try row.decode(UUID.self, 14),
            createdAt: try row.decode(Date.self, 15), calledBy: try row.decode(UUID?.self, 16), originCaseId: try row.decode(UUID?.self, 17),
            individualPlanId: try row.decode(UUID?.self, 18), seriesId: try row.decode(UUID?.self, 19),
            occurrenceDate: try row.decode(LocalDate?.self, 20), consentId: try row.decode(UUID?.self, 21)
        )
    }

    static func loadMeeting(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> MeetingRow? {
        let lock: SQL = forUpdate ? " FOR UPDATE OF m" : ""
        return try connection.query("SELECT \(meetingColumns) FROM meetings m JOIN arenas a ON a.id = m.arena_id WHERE m.id = \(id)\(lock)")
            .first.map(meetingRow)
    }

    /// Who runs the meeting (``MeetingRoles``): the arena's owner and the owning unit's
    /// leader, and whoever called it; around one child only whoever called it. Never the
    /// register's administrator as such.
    static func isOrganiser(_ principal: Principal, _ meeting: MeetingRow) -> Bool {
        MeetingRoles.isOrganiser(principal, meeting.organisation)
    }

    /// The explicit participants of a called meeting (nil for a series meeting).
    static func participantIds(_ meeting: MeetingRow, on connection: PostgresConnection) throws -> [UUID]? {
        guard meeting.isCalled else { return nil }
        return try connection.query(SQL("SELECT person_id FROM meeting_participants WHERE meeting_id = \(meeting.id) ORDER BY person_id").prepared)
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// Takes part in the meeting: a participant of its arena, its organiser, one of its
    /// explicit participants (a called meeting), or the owner (or submitter) of a case on its
    /// agenda while they may see that case in full (the teacher responsible joins for their
    /// pupil's case, seed 001; owning a case the consent no longer covers makes no one a participant).
    static func isParticipant(_ principal: Principal, meeting: MeetingRow, on connection: PostgresConnection) throws -> Bool {
        if isOrganiser(principal, meeting) { return true }
        if try CaseStore.isParticipant(principal, arenaId: meeting.arenaId, on: connection) { return true }
        if try !connection.query(SQL("""
            SELECT 1 FROM meeting_participants WHERE meeting_id = \(meeting.id) AND person_id = \(principal.personId)
            """).prepared).isEmpty { return true }
        let owned = try connection.query(SQL("""
            SELECT \(CaseStore.columns) FROM agenda_items ai JOIN cases c ON c.id = ai.case_id
            WHERE ai.meeting_id = \(meeting.id) AND ai.removed_at IS NULL AND (c.owner_id = \(principal.personId) OR c.submitted_by = \(principal.personId))
            """).prepared).map(CaseStore.row)
        for row in owned where MeetingRoles.caseOwnerTakesPart(try CaseStore.access(principal, to: row, on: connection)) { return true }
        return false
    }

    /// For a meeting around one child (samarbeidsmøte, ansvarsgruppe): whether `principal`
    /// may read what is about the child (the items without a case, the general notes of the
    /// minutes), and on what basis: only the people the coordinator invited and the one who
    /// called it, and of those only whoever may see the child now (guardians, the child's own
    /// unit, services the family's consent covers; a withdrawn consent takes effect at once).
    /// Organising the arena (its owner, the owning unit's leader, an administrator) or
    /// standing in it is not enough: they manage the meeting without reading about the child.
    /// Nil for any other meeting (no child), where the agenda's items follow the case rules.
    static func childMeetingAccess(_ principal: Principal, meeting: MeetingRow, on connection: PostgresConnection)
        throws -> (childId: UUID, access: (basis: AccessBasis, consentId: UUID?)?)? {
        guard let childId = meeting.childId else { return nil }
        let invited = try meeting.calledBy == principal.personId || !connection.query(SQL("""
            SELECT 1 FROM meeting_participants WHERE meeting_id = \(meeting.id) AND person_id = \(principal.personId)
            """).prepared).isEmpty
        guard let child = try CoordinationStore.child(childId, on: connection),
              case .full(let basis, let consentId) = AccessPolicy.childMeetingContent(
                  takesPart: invited, principal: principal, child: child.relations, consents: child.consents, at: Date())
        else { return (childId, nil) }
        return (childId, (basis, consentId))
    }

    /// The agenda as `principal` may see it; nil when they may see nothing of the meeting.
    static func agenda(for principal: Principal, meeting: MeetingRow, on connection: PostgresConnection, requestId: String?) throws -> [AgendaItemResource]? {
        let participant = try isParticipant(principal, meeting: meeting, on: connection)
        // Items without a case: shown to participants; around one child, only to participants who may read about the child.
        let childMeeting = try childMeetingAccess(principal, meeting: meeting, on: connection)
        let seesPlainItems = participant && (childMeeting.map { $0.access != nil } ?? true)
        var childRead = false
        let items = try connection.query(SQL("""
            SELECT ai.id, ai.position, ai.case_id, ai.title, ai.presenter_id, ai.minutes_allotted, ai.over_capacity
            FROM agenda_items ai WHERE ai.meeting_id = \(meeting.id) AND ai.removed_at IS NULL ORDER BY ai.position
            """).prepared).map { row throws(PostgresError) in
            (id: try row.decode(UUID.self, 0), position: try row.decode(Int.self, 1), caseId: try row.decode(UUID?.self, 2),
             title: try row.decode(String?.self, 3), presenter: try row.decode(UUID?.self, 4), minutes: try row.decode(Int.self, 5),
             over: try row.decode(Bool.self, 6))
        }
        var out: [AgendaItemResource] = []
        var start = meeting.startsAt
        for item in items {
            defer { start = start.addingTimeInterval(TimeInterval(item.minutes * 60)) }
            guard let caseId = item.caseId else {
                if seesPlainItems {
                    childRead = childRead || childMeeting != nil
                    out.append(.init(id: item.id, position: item.position, caseId: nil, title: item.title ?? "", visibility: "full",
                                     presenterId: item.presenter, startsAt: start, minutes: item.minutes, overCapacity: item.over, caseStatus: nil))
                }
                continue
            }
            guard let row = try CaseStore.load(caseId, on: connection) else { continue }
            let decision = try CaseStore.access(principal, to: row, on: connection)
            // Someone who does not take part sees only the items they may see in full (a guardian
            // their child's); a redacted case of theirs does not show them the meeting.
            guard decision.canSeeCase, participant || decision.canSeeChild else { continue }
            if row.kind == .named, let basis = decision.basis {
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "agenda", resourceId: meeting.id,
                                     childId: decision.canSeeChild ? row.childId : nil, basis: basis, consentId: decision.consentId, requestId: requestId)
            }
            out.append(.init(id: item.id, position: item.position, caseId: caseId,
                             title: decision.canSeeChild || row.kind != .named ? row.title : CaseRedaction.anonymousTitle(position: item.position, grade: row.grade),
                             visibility: decision.canSeeChild || row.kind != .named ? "full" : "redacted",
                             presenterId: item.presenter, startsAt: start, minutes: item.minutes, overCapacity: item.over, caseStatus: row.status))
        }
        if childRead, let childMeeting, let access = childMeeting.access {
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "agenda", resourceId: meeting.id,
                                 childId: childMeeting.childId, basis: access.basis, consentId: access.consentId, requestId: requestId)
        }
        if !participant && out.isEmpty { return nil }
        return out
    }

    // MARK: Handlers

    @Sendable func listMeetings(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        var v = Violations()
        let arenaId = request.query("arena_id").flatMap(UUID.init(uuidString:))
        if request.query("arena_id") == nil { v.add("arena_id", "required", "is required") } else if arenaId == nil { v.add("arena_id", "format", "must be a UUID") }
        let from = request.dateQuery("from", into: &v)
        let to = request.dateQuery("to", into: &v)
        if let from, let to, to < from { v.add("to", "range", "must not be before from") }
        try v.throwIfAny()
        guard let arenaId else { throw Problem.field("arena_id", "required", "is required") }
        let rows = try await environment.read(context) { connection, principal in
            var filter: SQL = ""
            if let from { filter = filter + " AND m.starts_at >= \(OsloTime.instant(for: LocalDateTime(date: from, time: .midnight)))" }
            if let to { filter = filter + " AND m.starts_at < \(OsloTime.instant(for: LocalDateTime(date: to.adding(days: 1), time: .midnight)))" }
            let meetings = try connection.query("""
                SELECT \(Self.meetingColumns) FROM meetings m JOIN arenas a ON a.id = m.arena_id
                WHERE m.arena_id = \(arenaId) \(filter) \(page.keysetCondition(createdAt: "m.starts_at", id: "m.id"))
                ORDER BY m.starts_at, m.id LIMIT \(page.limit + 1)
                """).map(Self.meetingRow)
            return try meetings.compactMap { meeting -> (item: MeetingResource, createdAt: Date, id: UUID)? in
                guard let agenda = try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id) else { return nil }
                return (Self.resource(meeting, agenda: agenda, minutesStatus: nil), meeting.startsAt, meeting.id)
            }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    static func resource(_ meeting: MeetingRow, agenda: [AgendaItemResource], minutesStatus: String?, participantIds: [UUID]? = nil) -> MeetingResource {
        MeetingResource(id: meeting.id, arenaId: meeting.arenaId, arenaName: meeting.arenaName, arenaKind: meeting.arenaKind,
                        startsAt: meeting.startsAt, endsAt: meeting.endsAt, location: meeting.location, status: meeting.status,
                        capacity: meeting.capacity, submissionDeadline: meeting.submissionDeadline, agendaDueAt: meeting.agendaDueAt,
                        sequence: meeting.sequence, childId: meeting.childId, agenda: agenda, minutesStatus: minutesStatus,
                        calledBy: meeting.calledBy, originCaseId: meeting.originCaseId, individualPlanId: meeting.individualPlanId,
                        seriesId: meeting.seriesId, participantIds: participantIds)
    }

    @Sendable func getMeeting(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let resource = try await environment.read(context) { connection, principal -> MeetingResource? in
            guard let meeting = try Self.loadMeeting(id, on: connection),
                  let agenda = try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id) else { return nil }
            try Self.logChildMeetingRead(meeting, principal: principal, on: connection, requestId: context.id)
            let minutes = try connection.query("SELECT status FROM minutes WHERE meeting_id = \(id)").first?.decode(String.self, 0)
            return Self.resource(meeting, agenda: agenda, minutesStatus: minutes, participantIds: try Self.participantIds(meeting, on: connection))
        }
        guard let resource else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(resource)
    }

    /// A meeting around one child is the child's data: its reads are logged too.
    static func logChildMeetingRead(_ meeting: MeetingRow, principal: Principal, on connection: PostgresConnection, requestId: String?) throws {
        guard let childId = meeting.childId else { return }
        let basis: AccessBasis
        if let child = try CoordinationStore.child(childId, on: connection), let visible = CoordinationStore.childVisibility(principal, child) {
            basis = visible.basis
        } else {
            basis = .participant
        }
        try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "meeting", resourceId: meeting.id,
                             childId: childId, basis: basis, consentId: meeting.consentId, requestId: requestId)
    }

    @Sendable func cancelMeeting(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try Self.loadMeeting(id, on: connection, forUpdate: true),
                  try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id) != nil
            else { throw Problem.notFound("Meeting") }
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser may cancel it") }
            guard meeting.status == .planned || meeting.status == .agendaPublished else {
                throw Problem.conflict("invalid_transition", "a \(meeting.status.rawValue) meeting cannot be cancelled")
            }
            // An ansvarsgruppe always has minutes: once it has begun it is written up, not cancelled.
            if meeting.arenaKind == .ansvarsgruppe && meeting.startsAt <= Date() {
                throw Problem.conflict("minutes_required", "an ansvarsgruppe meeting that has begun cannot be cancelled; write its minutes")
            }
            try connection.execute("""
                UPDATE meetings SET status = 'cancelled', cancelled_reason = 'by_owner', sequence = sequence + 1 WHERE id = \(id)
                """)
            try outbox.append(MeetingCancelled(meetingId: id, arenaId: meeting.arenaId, reason: .byOwner), on: connection)
            guard let updated = try Self.loadMeeting(id, on: connection),
                  let agenda = try Self.agenda(for: principal, meeting: updated, on: connection, requestId: context.id) else { throw Problem.notFound("Meeting") }
            return try MutationResult(Self.resource(updated, agenda: agenda, minutesStatus: nil))
        }
    }

    /// The organiser sends the agenda now instead of at the arena's lead time: the agenda is
    /// due at once and takes no more cases; the scheduler publishes it (or, for an arena that
    /// cancels empty meetings, cancels it) within a second, exactly as at the lead time.
    @Sendable func publishAgendaNow(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try Self.loadMeeting(id, on: connection, forUpdate: true),
                  try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id) != nil
            else { throw Problem.notFound("Meeting") }
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser may send its agenda") }
            guard meeting.status == .planned else {
                throw Problem.conflict("invalid_transition", "the agenda of a \(meeting.status.rawValue) meeting cannot be sent")
            }
            try connection.execute("""
                UPDATE meetings SET agenda_due_at = least(agenda_due_at, now()), submission_deadline = least(submission_deadline, now())
                WHERE id = \(id)
                """)
            guard let updated = try Self.loadMeeting(id, on: connection),
                  let agenda = try Self.agenda(for: principal, meeting: updated, on: connection, requestId: context.id) else { throw Problem.notFound("Meeting") }
            return try MutationResult(Self.resource(updated, agenda: agenda, minutesStatus: nil))
        }
    }

    // MARK: Deliveries

    /// One copy of one of the meeting's documents (agenda, minutes, cancellation) and how
    /// its delivery went. Staff are named; a guardian or young person is shown by id and
    /// kind only (their name would say which child is on the agenda).
    struct DeliveryResource: Codable, Sendable {
        var documentId: UUID
        var documentKind: String
        var recipientId: UUID
        var recipientKind: PersonKind
        var recipientName: String?
        var state: String
        var failureReason: String?
        var attempts: Int
        var sentAt: Date?
        var failedAt: Date?
    }

    struct DeliveryList: Codable, Sendable {
        var items: [DeliveryResource]
        var failed: Int
        var open: Int
    }

    /// What the notifier did with the meeting's documents, for its organiser: who got each
    /// document, who did not and why (reason codes such as `smtp_550`, `no_address`).
    @Sendable func listDeliveries(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let list = try await environment.read(context) { connection, principal -> DeliveryList? in
            guard let meeting = try Self.loadMeeting(id, on: connection), try Self.isParticipant(principal, meeting: meeting, on: connection)
            else { return nil }
            // Around one child the list says who helps the child: its organiser is only whoever called it.
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser sees its deliveries") }
            if let childId = meeting.childId {
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "meeting_deliveries", resourceId: meeting.id,
                                     childId: childId, basis: .owner, consentId: nil, requestId: context.id)
            }
            let items = try connection.query(SQL("""
                SELECT md.document_id, md.document_kind, md.recipient_id, p.kind, md.recipient_name, md.state, md.failure_reason,
                       md.attempts, md.sent_at, md.failed_at
                FROM meeting_deliveries md JOIN people p ON p.id = md.recipient_id
                WHERE md.meeting_id = \(id) ORDER BY md.created_at, md.document_id, md.recipient_id
                """).prepared).map { row throws(PostgresError) -> DeliveryResource in
                let kind = PersonKind(rawValue: try row.decode(String.self, 3)) ?? .guardian
                return DeliveryResource(
                    documentId: try row.decode(UUID.self, 0), documentKind: try row.decode(String.self, 1), recipientId: try row.decode(UUID.self, 2),
                    recipientKind: kind, recipientName: kind == .staff ? try row.decode(String.self, 4) : nil, state: try row.decode(String.self, 5),
                    failureReason: try row.decode(String?.self, 6), attempts: try row.decode(Int.self, 7), sentAt: try row.decode(Date?.self, 8),
                    failedAt: try row.decode(Date?.self, 9))
            }
            return DeliveryList(items: items, failed: items.filter { $0.state == "failed" }.count,
                                open: items.filter { $0.state == "pending" || $0.state == "sending" }.count)
        }
        guard let list else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(list)
    }

    // MARK: Minutes

    struct FollowUpBody: StrictRequestBody, Codable {
        static let shape = JSONShape.object(["description": .value, "responsible_id": .value, "due_date": .value])
        var description: String
        var responsibleId: UUID?
        var dueDate: LocalDate?
    }

    struct EntryBody: StrictRequestBody, Codable {
        static let shape = JSONShape.object([
            "agenda_item_id": .value, "discussion": .value, "decision": .value, "decision_text": .value,
            "follow_ups": .array(FollowUpBody.shape), "follow_up_owner_id": .value, "meeting_starts_at": .value,
        ])
        var agendaItemId: UUID
        var discussion: String?
        var decision: CaseDecision?
        var decisionText: String?
        var followUps: [FollowUpBody]?
        /// BUP intake, rejected referral: the municipal service's person who follows up.
        var followUpOwnerId: UUID?
        /// `call_samarbeidsmote`: when the samarbeidsmøte is to be held (Europe/Oslo local
        /// time); without it the meeting is proposed two weeks after approval, 09:00.
        var meetingStartsAt: LocalDateTime?
    }

    struct MinutesBody: StrictRequestBody {
        static let shape = JSONShape.object([
            "present": .array(.value), "absent": .array(.value), "general_notes": .value, "entries": .array(EntryBody.shape), "version": .value,
        ])
        var present: [UUID]?
        var absent: [UUID]?
        var generalNotes: String?
        var entries: [EntryBody]?
        var version: Int?
    }

    struct FollowUpResource: Codable, Sendable {
        var id: UUID
        var description: String
        var responsibleId: UUID?
        var dueDate: LocalDate?
    }

    struct EntryResource: Codable, Sendable {
        var agendaItemId: UUID
        var caseId: UUID?
        var title: String
        var visibility: String
        var discussion: String?
        var decision: CaseDecision?
        var decisionText: String?
        var followUps: [FollowUpResource]
    }

    struct MinutesResource: Codable, Sendable {
        var meetingId: UUID
        var status: String
        var present: [UUID]
        var absent: [UUID]
        var generalNotes: String
        var version: Int
        var approvedBy: UUID?
        var approvedAt: Date?
        var entries: [EntryResource]
    }

    static func loadMinutes(_ meeting: MeetingRow, principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> MinutesResource? {
        guard let agenda = try agenda(for: principal, meeting: meeting, on: connection, requestId: requestId) else { return nil }
        guard let row = try connection.query("""
            SELECT status, present, absent, general_notes, version, approved_by, approved_at FROM minutes WHERE meeting_id = \(meeting.id)
            """).first else {
            return MinutesResource(meetingId: meeting.id, status: "none", present: [], absent: [], generalNotes: "", version: 0,
                                   approvedBy: nil, approvedAt: nil, entries: [])
        }
        // Around one child, the general notes are about the child.
        let notesVisible = try childMeetingAccess(principal, meeting: meeting, on: connection).map { $0.access != nil } ?? true
        var entries: [EntryResource] = []
        for item in agenda {
            let entry = try connection.query("""
                SELECT discussion, decision, decision_text FROM minutes_entries WHERE meeting_id = \(meeting.id) AND agenda_item_id = \(item.id)
                """).first
            let followUps = try connection.query("""
                SELECT id, description, responsible_id, due_date FROM follow_up_actions WHERE agenda_item_id = \(item.id) ORDER BY created_at, id
                """).map { row throws(PostgresError) in
                FollowUpResource(id: try row.decode(UUID.self, 0), description: try row.decode(String.self, 1),
                                 responsibleId: try row.decode(UUID?.self, 2), dueDate: try row.decode(LocalDate?.self, 3))
            }
            let full = item.visibility == "full"
            entries.append(EntryResource(
                agendaItemId: item.id, caseId: item.caseId, title: item.title, visibility: item.visibility,
                discussion: full ? try entry?.decode(String.self, 0) : nil,
                decision: try entry?.decode(String?.self, 1).flatMap(CaseDecision.init(rawValue:)),
                decisionText: full ? try entry?.decode(String.self, 2) : nil, followUps: full ? followUps : []
            ))
        }
        return MinutesResource(
            meetingId: meeting.id, status: try row.decode(String.self, 0), present: try row.decode([UUID].self, 1),
            absent: try row.decode([UUID].self, 2), generalNotes: notesVisible ? try row.decode(String.self, 3) : "", version: try row.decode(Int.self, 4),
            approvedBy: try row.decode(UUID?.self, 5), approvedAt: try row.decode(Date?.self, 6), entries: entries
        )
    }

    @Sendable func getMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let minutes = try await environment.read(context) { connection, principal -> MinutesResource? in
            guard let meeting = try Self.loadMeeting(id, on: connection) else { return nil }
            return try Self.loadMinutes(meeting, principal: principal, on: connection, requestId: context.id)
        }
        guard let minutes else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(minutes)
    }

    /// Writes the draft minutes (whole document; `version` guards concurrent editors).
    @Sendable func saveMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let (body, raw) = try await APIJSON.decode(MinutesBody.self, from: request)
        var v = Violations()
        v.text(body.generalNotes, "general_notes", required: false, max: 20_000)
        for (index, entry) in (body.entries ?? []).enumerated() {
            v.text(entry.discussion, "entries[\(index)].discussion", required: false, max: 20_000)
            v.text(entry.decisionText, "entries[\(index)].decision_text", required: false, max: 8000)
            for (f, followUp) in (entry.followUps ?? []).enumerated() {
                v.text(followUp.description, "entries[\(index)].follow_ups[\(f)].description", max: 2000)
            }
            if let start = entry.meetingStartsAt {
                if entry.decision != .callSamarbeidsmote {
                    v.add("entries[\(index)].meeting_starts_at", "not_allowed", "is only given with the decision call_samarbeidsmote")
                } else if OsloTime.instant(for: start) <= Date() {
                    v.add("entries[\(index)].meeting_starts_at", "range", "must be in the future (Europe/Oslo local time)")
                }
            }
        }
        if Set((body.entries ?? []).map(\.agendaItemId)).count != (body.entries ?? []).count {
            v.add("entries", "unique", "must have at most one entry per agenda item")
        }
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let meeting = try Self.loadMeeting(id, on: connection, forUpdate: true),
                  let agenda = try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id)
            else { throw Problem.notFound("Meeting") }
            guard try Self.isParticipant(principal, meeting: meeting, on: connection) else { throw Problem.forbidden("only the meeting's participants write its minutes") }
            guard meeting.status == .agendaPublished || meeting.status == .held else {
                throw Problem.conflict("invalid_state", "minutes are written for a meeting whose agenda is published (this one is \(meeting.status.rawValue))")
            }
            let current = try connection.query("SELECT status, version FROM minutes WHERE meeting_id = \(id)").first
            if let current {
                guard try current.decode(String.self, 0) == "draft" else { throw Problem.conflict("minutes_approved", "approved minutes cannot be changed") }
                guard body.version == (try current.decode(Int.self, 1)) else {
                    throw Problem.conflict("version_mismatch", "the minutes were changed since; read them again")
                }
            } else if let version = body.version, version != 0 {
                throw Problem.conflict("version_mismatch", "no minutes exist yet; give version 0 or none")
            }
            let visible = Dictionary(uniqueKeysWithValues: agenda.map { ($0.id, $0) })
            var violations = Violations()
            for (index, entry) in (body.entries ?? []).enumerated() {
                guard let item = visible[entry.agendaItemId] else {
                    violations.add("entries[\(index)].agenda_item_id", "not_found", "is not an item on this meeting's agenda")
                    continue
                }
                if item.visibility != "full" && (entry.discussion != nil || entry.followUps != nil) {
                    violations.add("entries[\(index)]", "not_allowed", "you cannot write about a case you may not see in full")
                }
            }
            try violations.throwIfAny()
            try connection.execute("""
                INSERT INTO minutes (meeting_id, present, absent, general_notes, updated_by)
                VALUES (\(id), \(body.present ?? []), \(body.absent ?? []), \(body.generalNotes ?? ""), \(principal.personId))
                ON CONFLICT (meeting_id) DO UPDATE SET present = excluded.present, absent = excluded.absent,
                    general_notes = excluded.general_notes, updated_by = excluded.updated_by, updated_at = now(),
                    version = minutes.version + 1
                """)
            if meeting.status == .agendaPublished { try connection.execute("UPDATE meetings SET status = 'held' WHERE id = \(id)") }
            for entry in body.entries ?? [] {
                try connection.execute("""
                    INSERT INTO minutes_entries (meeting_id, agenda_item_id, discussion, decision, decision_text, call_starts_at)
                    VALUES (\(id), \(entry.agendaItemId), \(entry.discussion ?? ""), \(entry.decision?.rawValue), \(entry.decisionText ?? ""),
                            \(entry.meetingStartsAt))
                    ON CONFLICT (meeting_id, agenda_item_id) DO UPDATE SET discussion = excluded.discussion, decision = excluded.decision,
                        decision_text = excluded.decision_text, call_starts_at = excluded.call_starts_at
                    """)
                if let followUps = entry.followUps {
                    try connection.execute("DELETE FROM follow_up_actions WHERE agenda_item_id = \(entry.agendaItemId)")
                    for followUp in followUps {
                        try connection.execute("""
                            INSERT INTO follow_up_actions (id, meeting_id, agenda_item_id, description, responsible_id, due_date)
                            VALUES (\(UUID()), \(id), \(entry.agendaItemId), \(followUp.description.trimmed), \(followUp.responsibleId), \(followUp.dueDate))
                            """)
                    }
                }
                if let owner = entry.followUpOwnerId, let caseId = visible[entry.agendaItemId]?.caseId {
                    try connection.execute("UPDATE referral_details SET follow_up_owner_id = \(owner) WHERE case_id = \(caseId)")
                }
            }
            guard let updated = try Self.loadMeeting(id, on: connection),
                  let minutes = try Self.loadMinutes(updated, principal: principal, on: connection, requestId: context.id)
            else { throw Problem.notFound("Meeting") }
            return try MutationResult(minutes)
        }
    }

    /// Approving announces the minutes (`minutes.approved`; the notifier sends them) and
    /// applies each case's decision: status, intake decision, a PPT referral for "refer to
    /// PPT", a samarbeidsmøte for "call a samarbeidsmøte", and the follow-up actions as
    /// measures in the child's coordination log (``FollowUpMeasures``), all in one transaction.
    @Sendable func approveMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try Self.loadMeeting(id, on: connection, forUpdate: true),
                  try Self.agenda(for: principal, meeting: meeting, on: connection, requestId: context.id) != nil
            else { throw Problem.notFound("Meeting") }
            let participatingLeader = try CaseStore.isParticipant(principal, arenaId: meeting.arenaId, on: connection)
                && principal.memberships.contains { $0.role == .unitLeader }
            guard Self.isOrganiser(principal, meeting) || participatingLeader else {
                throw Problem.forbidden("the meeting's organiser or a participating unit leader approves the minutes")
            }
            guard let status = try connection.query("SELECT status, version FROM minutes WHERE meeting_id = \(id) FOR UPDATE").first else {
                throw Problem.conflict("no_minutes", "write the minutes before approving them")
            }
            guard try status.decode(String.self, 0) == "draft" else { throw Problem.conflict("minutes_approved", "the minutes are already approved") }
            let entries = try connection.query("""
                SELECT e.agenda_item_id, ai.case_id, e.decision, e.decision_text, e.call_starts_at
                FROM minutes_entries e JOIN agenda_items ai ON ai.id = e.agenda_item_id
                WHERE e.meeting_id = \(id) AND ai.removed_at IS NULL
                """).map { row throws(PostgresError) in
                (item: try row.decode(UUID.self, 0), caseId: try row.decode(UUID?.self, 1),
                 decision: try row.decode(String?.self, 2).flatMap(CaseDecision.init(rawValue:)), text: try row.decode(String.self, 3),
                 callStartsAt: try row.decode(LocalDateTime?.self, 4))
            }
            if meeting.arenaKind.requiresMinutes {
                let items = try connection.query("SELECT count(*)::int8 FROM agenda_items WHERE meeting_id = \(id) AND removed_at IS NULL").first!.decode(Int.self, 0)
                if entries.count < items {
                    throw Problem.conflict("minutes_incomplete", "every agenda item needs an entry in the minutes of a \(meeting.arenaKind.rawValue) meeting")
                }
            }
            for entry in entries {
                guard let caseId = entry.caseId, let decision = entry.decision else { continue }
                try DecisionApplier.apply(decision, text: entry.text, caseId: caseId, meeting: meeting, principal: principal,
                                          callStartsAt: entry.callStartsAt, outbox: outbox, on: connection, requestId: context.id)
            }
            try FollowUpMeasures.apply(meeting: meeting, principal: principal, outbox: outbox, on: connection, requestId: context.id)
            let version = try status.decode(Int.self, 1)
            try connection.execute("UPDATE minutes SET status = 'approved', approved_by = \(principal.personId), approved_at = now() WHERE meeting_id = \(id)")
            try connection.execute("UPDATE meetings SET status = 'minutes_approved' WHERE id = \(id)")
            try outbox.append(MinutesApproved(meetingId: id, arenaId: meeting.arenaId, version: version), on: connection)
            guard let updated = try Self.loadMeeting(id, on: connection),
                  let minutes = try Self.loadMinutes(updated, principal: principal, on: connection, requestId: context.id)
            else { throw Problem.notFound("Meeting") }
            return try MutationResult(minutes)
        }
    }
}

/// What a meeting's decision does to its case (inside the approval's transaction).
enum DecisionApplier {
    static func apply(
        _ decision: CaseDecision, text: String, caseId: UUID, meeting: MeetingRoutes.MeetingRow, principal: Principal,
        callStartsAt: LocalDateTime? = nil, outbox: Outbox, on connection: PostgresConnection, requestId: String?
    ) throws {
        guard let row = try CaseStore.load(caseId, on: connection, forUpdate: true) else { return }
        if row.status.isFinal { return }
        var next = row.status
        if row.status == .scheduled || row.status == .discussed {
            do { next = try row.status.applying(decision.caseTransition) } catch {
                throw Problem.conflict("invalid_transition", "case on the agenda: \(error.description)")
            }
        }
        var createdCase: UUID?
        var createdMeeting: UUID?
        switch decision {
        case .accepted, .rejected, .needsMoreInformation:
            guard row.category == "referral" else {
                throw Problem.conflict("invalid_decision", "\(decision.rawValue) is a decision on a referral")
            }
            let intake = IntakeDecision(rawValue: decision.rawValue)!.rawValue
            if decision == .rejected {
                let owner = try connection.query("SELECT follow_up_owner_id FROM referral_details WHERE case_id = \(caseId)").first?.decode(UUID?.self, 0)
                guard owner != nil else {
                    throw Problem.conflict("follow_up_owner_required", "a rejected referral needs a municipal follow-up owner (follow_up_owner_id in its minutes entry)")
                }
            }
            try connection.execute("UPDATE referral_details SET intake_decision = \(intake), decided_at = now() WHERE case_id = \(caseId)")
        case .referToPPT:
            createdCase = try referToPPT(row, text: text, principal: principal, outbox: outbox, on: connection, requestId: requestId)
        case .callSamarbeidsmote:
            createdMeeting = try CalledMeetings.samarbeidsmoteFromDecision(row, meeting: meeting, principal: principal, startsAt: callStartsAt,
                                                                          outbox: outbox, on: connection, requestId: requestId)
        case .followUp, .close:
            break
        }
        try connection.execute("""
            UPDATE cases SET status = \(next.rawValue), updated_at = now() WHERE id = \(caseId)
            """)
        try outbox.append(CaseDecided(caseId: caseId, meetingId: meeting.id, decision: decision, status: next, createdCaseId: createdCase,
                                      createdMeetingId: createdMeeting), on: connection)
    }

    /// A ressursteam decision "refer to PPT" creates the referral, on a consent that covers PPT.
    static func referToPPT(_ row: CaseStore.Row, text: String, principal: Principal, outbox: Outbox, on connection: PostgresConnection, requestId: String?) throws -> UUID {
        guard row.kind == .named, let childId = row.childId else {
            throw Problem.conflict("invalid_decision", "only a named case can be referred to PPT; an anonymous case needs consent and a name first")
        }
        let consent = try ChildAccessLoader.consents(childId, on: connection).first { grant in
            grant.isActive(at: Date()) && grant.services.contains(.ppt)
        }
        guard let consent else {
            throw Problem.conflict("consent_required", "referring to PPT needs a consent that covers PPT")
        }
        let guardians = try connection.query("SELECT guardian_id, parental_responsibility, daily_care FROM guardianships WHERE child_id = \(childId)")
            .map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(Bool.self, 1), try row.decode(Bool.self, 2)) }
        let id = UUID()
        try connection.execute("""
            INSERT INTO cases (id, category, kind, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                               concern, adaptations_tried, origin_case_id)
            VALUES (\(id), 'referral', 'named', 'ppt', \(childId), \(consent.id), \(row.submittingUnitId), \(principal.personId), \(row.ownerId),
                    'Henvisning til PPT', \(row.grade), \(row.concern), \(row.adaptationsTried), \(row.id))
            """)
        try connection.execute("""
            INSERT INTO referral_details (case_id, parental_responsibility, daily_care, consented_by, question, measures_tried, current_services)
            VALUES (\(id), \(guardians.filter(\.1).map(\.0)), \(guardians.filter(\.2).map(\.0)), \(guardians.filter(\.1).map(\.0)),
                    \(text.isEmpty ? "Vurdering etter vedtak i ressursteam" : text), \(row.adaptationsTried), \([String]()))
            """)
        try outbox.append(ReferralCreated(caseId: id, targetService: .ppt, arenaId: nil, unitId: row.submittingUnitId, urgent: row.urgent,
                                          originCaseId: row.id), on: connection)
        try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "referral", resourceId: id,
                             childId: childId, basis: .consent, consentId: consent.id, requestId: requestId)
        return id
    }
}
