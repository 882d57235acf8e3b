import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Meetings, their agendas, minutes and deliveries: every statement about them. Returns
/// rows and domain facts; never an HTTP problem (a route decides what a missing row means).
enum MeetingStore {
    struct Row: Sendable {
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
        /// The minutes' status; nil while none are written.
        var minutesStatus: MinutesStatus?
        /// Called around one child or for a transition season (not from a series).
        var isCalled: Bool { occurrenceDate == nil }
        var organisation: MeetingOrganisation {
            MeetingOrganisation(arenaOwnerPersonId: ownerPersonId, arenaOwnerUnitId: ownerUnitId, calledBy: calledBy, aroundChild: childId != nil)
        }
    }

    static let columns: SQL = """
        m.id, m.arena_id, a.name, a.kind, m.starts_at, m.ends_at, m.location, m.status, m.capacity, m.submission_deadline, m.agenda_due_at,
        m.sequence, m.child_id, a.owner_person_id, a.owner_unit_id, m.created_at, m.called_by, m.origin_case_id, m.individual_plan_id,
        m.series_id, m.occurrence_date, m.consent_id, (SELECT mi.status FROM minutes mi WHERE mi.meeting_id = m.id)
        """

    static func row(_ row: PostgresRow) throws(PostgresError) -> Row {
        Row(
            id: try row.decode(UUID.self, 0), arenaId: try row.decode(UUID.self, 1), arenaName: try row.decode(String.self, 2),
            arenaKind: try row.decode(ArenaKind.self, 3), startsAt: try row.decode(Date.self, 4),
            endsAt: try row.decode(Date.self, 5), location: try row.decode(String.self, 6),
            status: try row.decode(MeetingStatus.self, 7), capacity: try row.decode(Int.self, 8),
            submissionDeadline: try row.decode(Date.self, 9), agendaDueAt: try row.decode(Date.self, 10), sequence: try row.decode(Int.self, 11),
            childId: try row.decode(UUID?.self, 12), ownerPersonId: try row.decode(UUID?.self, 13), ownerUnitId: try row.decode(UUID.self, 14),
            createdAt: try row.decode(Date.self, 15), calledBy: try row.decode(UUID?.self, 16), originCaseId: try row.decode(UUID?.self, 17),
            individualPlanId: try row.decode(UUID?.self, 18), seriesId: try row.decode(UUID?.self, 19),
            occurrenceDate: try row.decode(LocalDate?.self, 20), consentId: try row.decode(UUID?.self, 21),
            minutesStatus: try row.decode(MinutesStatus?.self, 22)
        )
    }

    static func meeting(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) throws -> Row? {
        try connection.query(meetingStatement(id, forUpdate: forUpdate)).first.map(row)
    }

    /// The agenda items of the meetings with their cases, ``agendaFacts(_:viewer:on:)``'s
    /// first statement (to read it ahead with others). Each item's case is looked up by key
    /// (LATERAL ... OFFSET 0): the generic plan of `= ANY($1)` guesses a few hundred items and
    /// then joined every case by hash, which grew with the cases table (6.8 ms for 30 items
    /// with 20,000 cases, against 0.2 ms by key).
    static func agendaStatement(_ meetingIds: [UUID]) -> SQL {
        SQL("""
            SELECT \(CaseStore.columns), ai.meeting_id, ai.id, ai.position, ai.title, ai.presenter_id, ai.minutes_allotted, ai.over_capacity
            FROM agenda_items ai LEFT JOIN LATERAL (SELECT * FROM cases WHERE id = ai.case_id OFFSET 0) c ON true
            WHERE ai.meeting_id = ANY(\(meetingIds)) AND ai.removed_at IS NULL ORDER BY ai.meeting_id, ai.position
            """).prepared
    }

    /// ``meeting(_:forUpdate:on:)``'s statement (to read it ahead with others).
    static func meetingStatement(_ id: UUID, forUpdate: Bool = false) -> SQL {
        let lock: SQL = forUpdate ? " FOR UPDATE OF m" : ""
        return SQL("SELECT \(columns) FROM meetings m JOIN arenas a ON a.id = m.arena_id WHERE m.id = \(id)\(lock)").prepared
    }

    /// An arena's meetings from `from` (inclusive) to `to` (exclusive), a keyset page.
    static func meetings(arenaId: UUID, from: Date?, to: Date?, page: PageRequest, on connection: PostgresConnection) throws -> [Row] {
        var filter: SQL = ""
        if let from { filter = filter + " AND m.starts_at >= \(from)" }
        if let to { filter = filter + " AND m.starts_at < \(to)" }
        return try connection.query("""
            SELECT \(columns) FROM meetings m JOIN arenas a ON a.id = m.arena_id
            WHERE m.arena_id = \(arenaId) \(filter) \(page.keysetCondition(createdAt: "m.starts_at", id: "m.id"))
            ORDER BY m.starts_at, m.id LIMIT \(page.limit + 1)
            """).map(row)
    }

    /// The meetings called around a child, oldest first.
    static func meetings(aroundChild childId: UUID, on connection: PostgresConnection) throws -> [Row] {
        try connection.query("""
            SELECT \(columns) FROM meetings m JOIN arenas a ON a.id = m.arena_id WHERE m.child_id = \(childId) ORDER BY m.created_at, m.id
            """).map(row)
    }

    /// The explicit participants of a called meeting (nil for a series meeting).
    static func participantIds(_ meeting: Row, on connection: PostgresConnection) throws -> [UUID]? {
        guard meeting.isCalled else { return nil }
        return try connection.query(participantIdsStatement(meeting.id)).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// ``participantIds(_:on:)``'s statement (to read it ahead with others).
    static func participantIdsStatement(_ meetingId: UUID) -> SQL {
        SQL("SELECT person_id FROM meeting_participants WHERE meeting_id = \(meetingId) ORDER BY person_id").prepared
    }

    // MARK: Changes

    /// Cancelled by its organiser: the calendar copies' SEQUENCE moves on.
    static func cancelByOwner(_ id: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE meetings SET status = \(MeetingStatus.cancelled.rawValue), cancelled_reason = 'by_owner', sequence = sequence + 1 WHERE id = \(id)
            """)
    }

    /// The agenda is due now and takes no more cases (the scheduler publishes it).
    static func makeAgendaDueNow(_ id: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE meetings SET agenda_due_at = least(agenda_due_at, now()), submission_deadline = least(submission_deadline, now())
            WHERE id = \(id)
            """)
    }

    /// Moves a meeting: new time, agenda date and place, `sequence` + 1 (calendars update the
    /// entry); `byOwner` marks a series meeting the planner must leave as moved (Schema/0021).
    /// Returns the new sequence.
    static func move(_ id: UUID, startsAt: Date, endsAt: Date, agendaDueAt: Date, location: String?, byOwner: Bool,
                     on connection: PostgresConnection) throws -> Int? {
        try connection.query(SQL("""
            UPDATE meetings SET starts_at = \(startsAt), ends_at = \(endsAt), agenda_due_at = \(agendaDueAt),
                submission_deadline = least(submission_deadline, \(agendaDueAt)), location = coalesce(\(location), location),
                sequence = sequence + 1, minutes_reminded_at = NULL,
                moved_by_owner_at = CASE WHEN \(byOwner) THEN now() ELSE moved_by_owner_at END
            WHERE id = \(id) RETURNING sequence
            """).prepared).first?.decode(Int.self, 0)
    }

    /// The follow-up actions of a meeting's minutes (with the named case's child, if any), in
    /// the order they were written; those of removed agenda items left out.
    static func followUpActions(_ meetingId: UUID, on connection: PostgresConnection)
        throws -> [(id: UUID, description: String, responsible: UUID?, due: LocalDate?, caseChild: UUID?)] {
        try connection.query(SQL("""
            SELECT f.id, f.description, f.responsible_id, f.due_date, c.child_id
            FROM follow_up_actions f
            LEFT JOIN agenda_items ai ON ai.id = f.agenda_item_id
            LEFT JOIN cases c ON c.id = ai.case_id AND c.kind = 'named'
            WHERE f.meeting_id = \(meetingId) AND (ai.id IS NULL OR ai.removed_at IS NULL)
            ORDER BY f.created_at, f.id
            """).prepared).map { row throws(PostgresError) in
            (id: try row.decode(UUID.self, 0), description: try row.decode(String.self, 1), responsible: try row.decode(UUID?.self, 2),
             due: try row.decode(LocalDate?.self, 3), caseChild: try row.decode(UUID?.self, 4))
        }
    }

    static func setStatus(_ id: UUID, _ status: MeetingStatus, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE meetings SET status = \(status.rawValue) WHERE id = \(id)")
    }

    // MARK: Agenda facts, in one batch

    /// An agenda item with what the resource shows besides the visibility rule's facts.
    struct Item: Sendable {
        var facts: AgendaItemFacts
        var presenterId: UUID?
        var minutes: Int
        var overCapacity: Bool
        var caseStatus: CaseStatus?
    }

    /// Everything the visibility rule needs for some meetings and one viewer.
    struct AgendaFacts: Sendable {
        var items: [UUID: [Item]]
        var children: ChildFactsBatch
        /// The arenas (of the meetings and of their cases) the viewer takes part in.
        var viewerArenas: Set<UUID>
        /// The meetings the viewer is an explicit participant of (the whole meeting).
        var viewerInvitedTo: Set<UUID>
        /// The items the viewer is invited to, by meeting (invited for part of the meeting).
        var viewerInvitedToItems: [UUID: Set<UUID>] = [:]
    }

    /// Loads the agenda facts of `meetings` for `viewer` in a fixed number of statements
    /// (items with their cases; arena participation; explicit participation; each case
    /// arena's scope; the children's relations and consents), however many meetings and items,
    /// and in two round trips: the items first (``agendaStatement(_:)``, which a caller may
    /// have read ahead), then everything else at once, read ahead (``PostgresConnection/prefetch(_:)``).
    static func agendaFacts(_ meetings: [Row], viewer: Principal, on connection: PostgresConnection) throws -> AgendaFacts {
        var facts = AgendaFacts(items: [:], children: ChildFactsBatch(), viewerArenas: [], viewerInvitedTo: [])
        guard !meetings.isEmpty else { return facts }
        let meetingIds = meetings.map(\.id)
        var caseRows: [(meetingId: UUID, itemIndex: Int, row: CaseStore.Row)] = []
        for row in try connection.query(agendaStatement(meetingIds)) {
            let base = CaseStore.columnCount
            let meetingId = try row.decode(UUID.self, base)
            let item = Item(
                facts: AgendaItemFacts(id: try row.decode(UUID.self, base + 1), position: try row.decode(Int.self, base + 2),
                                       title: try row.decode(String?.self, base + 3), onAgenda: nil),
                presenterId: try row.decode(UUID?.self, base + 4), minutes: try row.decode(Int.self, base + 5),
                overCapacity: try row.decode(Bool.self, base + 6), caseStatus: nil)
            facts.items[meetingId, default: []].append(item)
            if try row.decode(UUID?.self, 0) != nil {
                caseRows.append((meetingId, facts.items[meetingId]!.count - 1, try CaseStore.row(row)))
            }
        }
        let caseArenas = Set(caseRows.compactMap(\.row.arenaId))
        let viewerArenasAmong = Array(caseArenas.union(meetings.map(\.arenaId)))
        let childIds = Array(Set(caseRows.compactMap(\.row.childId) + meetings.compactMap(\.childId)))
        // The rest depends only on what is known now: one round trip for all of it.
        try connection.prefetch([
            AccessFacts.arenaScopesStatement(Array(caseArenas)), ArenaStore.arenasTakingPartStatement(viewer, among: viewerArenasAmong),
            ParticipantStore.invitationsStatement(of: viewer.personId, to: meetingIds),
            AccessFacts.childRelationsStatement(childIds), AccessFacts.consentsStatement(childIds),
        ].compactMap { $0 })
        let scopes = try AccessFacts.arenaScopes(Array(caseArenas), on: connection)
        for (meetingId, index, row) in caseRows {
            facts.items[meetingId]![index].facts.onAgenda = CaseStore.onAgenda(row, scope: row.arenaId.flatMap { scopes[$0] })
            facts.items[meetingId]![index].caseStatus = row.status
        }
        facts.viewerArenas = try ArenaStore.arenasTakingPart(viewer, among: viewerArenasAmong, on: connection)
        (facts.viewerInvitedTo, facts.viewerInvitedToItems) = try ParticipantStore.invitations(of: viewer.personId, to: meetingIds, on: connection)
        facts.children = ChildFactsBatch(relations: try AccessFacts.childRelations(childIds, on: connection),
                                         consents: try AccessFacts.consents(childIds, on: connection))
        return facts
    }

    // MARK: Minutes

    struct MinutesRow: Sendable {
        var status: MinutesStatus
        var present: [UUID]
        var absent: [UUID]
        var generalNotes: String
        var version: Int
        var approvedBy: UUID?
        var approvedAt: Date?
    }

    struct EntryRow: Sendable {
        var discussion: String
        var decision: CaseDecision?
        var decisionText: String
    }

    struct FollowUpRow: Sendable {
        var id: UUID
        var description: String
        var responsibleId: UUID?
        var dueDate: LocalDate?
    }

    static func minutes(_ meetingId: UUID, forUpdate: Bool = false, on connection: PostgresConnection) throws -> MinutesRow? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("""
            SELECT status, present, absent, general_notes, version, approved_by, approved_at FROM minutes WHERE meeting_id = \(meetingId)\(lock)
            """).first.map { row throws(PostgresError) in
            MinutesRow(status: try row.decode(MinutesStatus.self, 0), present: try row.decode([UUID].self, 1),
                       absent: try row.decode([UUID].self, 2), generalNotes: try row.decode(String.self, 3), version: try row.decode(Int.self, 4),
                       approvedBy: try row.decode(UUID?.self, 5), approvedAt: try row.decode(Date?.self, 6))
        }
    }

    /// The minutes' entries and follow-ups of the meeting, by agenda item (two statements).
    static func entries(_ meetingId: UUID, on connection: PostgresConnection) throws -> (entries: [UUID: EntryRow], followUps: [UUID: [FollowUpRow]]) {
        var entries: [UUID: EntryRow] = [:]
        for row in try connection.query("""
            SELECT agenda_item_id, discussion, decision, decision_text FROM minutes_entries WHERE meeting_id = \(meetingId)
            """) {
            entries[try row.decode(UUID.self, 0)] = EntryRow(
                discussion: try row.decode(String.self, 1), decision: try row.decode(CaseDecision?.self, 2),
                decisionText: try row.decode(String.self, 3))
        }
        var followUps: [UUID: [FollowUpRow]] = [:]
        for row in try connection.query("""
            SELECT f.agenda_item_id, f.id, f.description, f.responsible_id, f.due_date FROM follow_up_actions f
            JOIN agenda_items ai ON ai.id = f.agenda_item_id WHERE ai.meeting_id = \(meetingId) ORDER BY f.created_at, f.id
            """) {
            followUps[try row.decode(UUID.self, 0), default: []].append(FollowUpRow(
                id: try row.decode(UUID.self, 1), description: try row.decode(String.self, 2),
                responsibleId: try row.decode(UUID?.self, 3), dueDate: try row.decode(LocalDate?.self, 4)))
        }
        return (entries, followUps)
    }

    struct DraftEntry: Sendable {
        var agendaItemId: UUID
        var discussion: String
        var decision: CaseDecision?
        var decisionText: String
        var meetingStartsAt: LocalDateTime?
        var followUps: [(description: String, responsibleId: UUID?, dueDate: LocalDate?)]?
    }

    /// Writes the draft minutes (a new version) and their entries.
    static func saveDraft(_ meetingId: UUID, present: [UUID], absent: [UUID], generalNotes: String, entries: [DraftEntry], by person: UUID,
                          on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO minutes (meeting_id, present, absent, general_notes, updated_by)
            VALUES (\(meetingId), \(present), \(absent), \(generalNotes), \(person))
            ON CONFLICT (meeting_id) DO UPDATE SET present = excluded.present, absent = excluded.absent,
                general_notes = excluded.general_notes, updated_by = excluded.updated_by, updated_at = now(),
                version = minutes.version + 1
            """)
        for entry in entries {
            try connection.execute("""
                INSERT INTO minutes_entries (meeting_id, agenda_item_id, discussion, decision, decision_text, call_starts_at)
                VALUES (\(meetingId), \(entry.agendaItemId), \(entry.discussion), \(entry.decision?.rawValue), \(entry.decisionText),
                        \(entry.meetingStartsAt))
                ON CONFLICT (meeting_id, agenda_item_id) DO UPDATE SET discussion = excluded.discussion, decision = excluded.decision,
                    decision_text = excluded.decision_text, call_starts_at = excluded.call_starts_at
                """)
            if let followUps = entry.followUps {
                try connection.execute("DELETE FROM follow_up_actions WHERE agenda_item_id = \(entry.agendaItemId)")
                for followUp in followUps {
                    try connection.execute("""
                        INSERT INTO follow_up_actions (id, meeting_id, agenda_item_id, description, responsible_id, due_date)
                        VALUES (\(UUID()), \(meetingId), \(entry.agendaItemId), \(followUp.description), \(followUp.responsibleId), \(followUp.dueDate))
                        """)
                }
            }
        }
    }

    /// The decided entries of the minutes, for approval.
    static func decisions(_ meetingId: UUID, on connection: PostgresConnection)
        throws -> [(item: UUID, caseId: UUID?, decision: CaseDecision?, text: String, callStartsAt: LocalDateTime?)] {
        try connection.query("""
            SELECT e.agenda_item_id, ai.case_id, e.decision, e.decision_text, e.call_starts_at
            FROM minutes_entries e JOIN agenda_items ai ON ai.id = e.agenda_item_id
            WHERE e.meeting_id = \(meetingId) AND ai.removed_at IS NULL
            """).map { row throws(PostgresError) in
            (item: try row.decode(UUID.self, 0), caseId: try row.decode(UUID?.self, 1),
             decision: try row.decode(CaseDecision?.self, 2), text: try row.decode(String.self, 3),
             callStartsAt: try row.decode(LocalDateTime?.self, 4))
        }
    }

    static func agendaItemCount(_ meetingId: UUID, on connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*)::int8 FROM agenda_items WHERE meeting_id = \(meetingId) AND removed_at IS NULL").first?.decode(Int.self, 0) ?? 0
    }

    static func approveMinutes(_ meetingId: UUID, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE minutes SET status = \(MinutesStatus.approved.rawValue), approved_by = \(person), approved_at = now() WHERE meeting_id = \(meetingId)
            """)
        try setStatus(meetingId, .minutesApproved, on: connection)
    }

    // MARK: Deliveries

    struct DeliveryRow: Sendable {
        var documentId: UUID
        var documentKind: String
        var recipientId: UUID
        var recipientKind: PersonKind
        var recipientName: String
        var state: String
        var failureReason: String?
        var attempts: Int
        var sentAt: Date?
        var failedAt: Date?
    }

    static func deliveries(_ meetingId: UUID, on connection: PostgresConnection) throws -> [DeliveryRow] {
        try connection.query(deliveriesStatement(meetingId)).map { row throws(PostgresError) in
            DeliveryRow(
                documentId: try row.decode(UUID.self, 0), documentKind: try row.decode(String.self, 1), recipientId: try row.decode(UUID.self, 2),
                recipientKind: try row.decode(PersonKind.self, 3), recipientName: try row.decode(String.self, 4),
                state: try row.decode(String.self, 5), failureReason: try row.decode(String?.self, 6), attempts: try row.decode(Int.self, 7),
                sentAt: try row.decode(Date?.self, 8), failedAt: try row.decode(Date?.self, 9))
        }
    }

    /// ``deliveries(_:on:)``'s statement (to read it ahead with others).
    static func deliveriesStatement(_ meetingId: UUID) -> SQL {
        SQL("""
            SELECT md.document_id, md.document_kind, md.recipient_id, p.kind, md.recipient_name, md.state, md.failure_reason,
                   md.attempts, md.sent_at, md.failed_at
            FROM meeting_deliveries md JOIN people p ON p.id = md.recipient_id
            WHERE md.meeting_id = \(meetingId) ORDER BY md.created_at, md.document_id, md.recipient_id
            """).prepared
    }
}
