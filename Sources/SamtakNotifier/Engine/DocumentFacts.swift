import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Everything about one document that its recipients' copies are rendered from, read from
/// the database at send time (so a consent withdrawn before a send takes effect on it).
struct DocumentFacts: Sendable {
    struct Meeting: Sendable {
        var id: UUID
        var arenaId: UUID
        var arenaName: String
        var deliveryMode: DeliveryMode
        var startsAt: Date
        var endsAt: Date
        var location: String
        var cancelledReason: String?
        var ownerPersonId: UUID?
        /// A meeting around one child (samarbeidsmøte, ansvarsgruppe): its items are about the child.
        var childId: UUID? = nil
    }

    /// The case behind an agenda item, as the access rules and the documents need it.
    struct CaseRow: Sendable {
        var id: UUID
        var kind: CaseKind
        var title: String
        var grade: Int?
        var childId: UUID?
        var ownerId: UUID
        var submittedBy: UUID
        var submittingUnitId: UUID
        var arenaId: UUID?
        var targetService: ServiceKind?
    }

    struct Item: Sendable {
        var id: UUID
        var position: Int
        /// The item's own title (items without a case).
        var title: String?
        var presenterId: UUID?
        var minutes: Int
        var start: Date
        var caseRow: CaseRow?

        /// The item as the visibility rule (``AgendaVisibility``) sees it.
        func visibilityFacts(scopes: [UUID: ArenaScope]) -> AgendaItemFacts {
            AgendaItemFacts(id: id, position: position, title: title, onAgenda: caseRow.map { row in
                AgendaItemFacts.CaseOnAgenda(
                    id: row.id,
                    facts: CaseFacts(kind: row.kind, ownerId: row.ownerId, submittedBy: row.submittedBy, submittingUnitId: row.submittingUnitId,
                                     arena: row.arenaId.flatMap { scopes[$0] }, targetService: row.targetService),
                    arenaId: row.arenaId, childId: row.childId, title: row.title, grade: row.grade)
            })
        }
    }

    struct MinutesEntry: Sendable {
        var discussion: String
        var decision: CaseDecision?
        var decisionText: String
    }

    struct FollowUp: Sendable {
        var description: String
        var responsibleId: UUID?
        var due: LocalDate?
    }

    struct Minutes: Sendable {
        var present: [UUID]
        var absent: [UUID]
        var entries: [UUID: MinutesEntry]
        var followUps: [UUID: [FollowUp]]
        var nextMeeting: Date?
    }

    var documentId: UUID
    var kind: DocumentKind
    var sequence: Int
    /// An agenda sent again because the meeting was moved (`documents.moved`).
    var moved = false
    var meeting: Meeting
    var audience: MeetingAudience
    var items: [Item]
    /// Arena scopes by arena id (the meeting's and the cases' arenas).
    var scopes: [UUID: ArenaScope]
    var children: [UUID: ChildRelations]
    var consents: [UUID: [ConsentGrant]]
    var minutes: Minutes?
    /// Participants, the owner, presenters, attendees and follow-up owners.
    var people: [UUID: PersonFacts]
    /// The agenda's list of participants (the same in every copy).
    var participantLines: [ParticipantLine] = []

    /// What every copy of a document shares and no consent decides: who the meeting's
    /// audience is and the agenda's list of participants. Read once per document and kept a
    /// few seconds, so the claims of a large fan-out do not read a thousand people each.
    struct Shared: Sendable {
        var audience: MeetingAudience
        var participantLines: [ParticipantLine]
    }

    /// Loads a document's facts; nil when the document or its meeting no longer exists.
    /// `shared` (from an earlier load of the same document) saves reading the audience again;
    /// everything consent decides (items, children, consents) is always read afresh.
    static func load(documentId: UUID, shared: Shared? = nil, on connection: PostgresConnection) throws -> DocumentFacts? {
        guard let row = try connection.query(SQL("""
            SELECT doc.kind, doc.meeting_sequence, m.id, m.arena_id, a.name, a.delivery_mode, m.starts_at, m.ends_at,
                   coalesce(nullif(m.location, ''), a.location), m.cancelled_reason, a.owner_person_id, m.child_id, doc.moved
            FROM documents doc JOIN meetings m ON m.id = doc.meeting_id JOIN arenas a ON a.id = m.arena_id
            WHERE doc.id = \(documentId)
            """).prepared).first, let kind = DocumentKind(rawValue: try row.decode(String.self, 0)) else { return nil }
        let meeting = Meeting(
            id: try row.decode(UUID.self, 2), arenaId: try row.decode(UUID.self, 3), arenaName: try row.decode(String.self, 4),
            deliveryMode: try row.decode(DeliveryMode.self, 5),
            startsAt: try row.decode(Date.self, 6), endsAt: try row.decode(Date.self, 7), location: try row.decode(String.self, 8),
            cancelledReason: try row.decode(String?.self, 9), ownerPersonId: try row.decode(UUID?.self, 10), childId: try row.decode(UUID?.self, 11))
        var facts = DocumentFacts(
            documentId: documentId, kind: kind, sequence: try row.decode(Int.self, 1), meeting: meeting,
            audience: try shared?.audience ?? MeetingAudience.load(meetingId: meeting.id, on: connection), items: [], scopes: [:], children: [:],
            consents: [:], minutes: nil, people: [:])
        facts.moved = try row.decode(Bool.self, 12)
        // A notice shows no content, and a cancellation no cases: load only what is shown.
        if kind != .cancellation && meeting.deliveryMode == .content {
            try facts.loadItems(on: connection)
            if kind == .minutes { try facts.loadMinutes(on: connection) }
        }
        // Only an agenda with content lists the participants.
        let listsParticipants = kind == .agenda && meeting.deliveryMode == .content
        var wanted = listsParticipants && shared == nil ? facts.audience.participants : []
        if let owner = meeting.ownerPersonId { wanted.insert(owner) }
        for item in facts.items { if let presenter = item.presenterId { wanted.insert(presenter) } }
        if let minutes = facts.minutes {
            wanted.formUnion(minutes.present)
            wanted.formUnion(minutes.absent)
            for followUps in minutes.followUps.values { wanted.formUnion(followUps.compactMap(\.responsibleId)) }
        }
        facts.people = try AccessFacts.people(Array(wanted), on: connection)
        if listsParticipants { facts.participantLines = shared?.participantLines ?? facts.makeParticipantLines() }
        return facts
    }

    /// At most this many participants are listed by name; the rest are counted.
    static let listedParticipants = 40

    /// Staff participants (family members are not listed: they could identify a child).
    /// A very large audience (a whole school's staff) is listed as the first
    /// ``listedParticipants`` and "… og N andre".
    func makeParticipantLines() -> [ParticipantLine] {
        let staff = audience.participants.compactMap { people[$0] }
            .filter { $0.kind == .staff && $0.active }
            .map { (key: $0.name + "\u{0}" + $0.id.uuidString, person: $0) }
            .sorted { $0.key < $1.key }
            .map(\.person)
        var lines = staff.prefix(Self.listedParticipants).map { participant in
            let membership = audience.participantUnit[participant.id].flatMap { unit in
                participant.memberships.first { $0.unitId == unit }
            } ?? participant.memberships.first
            return ParticipantLine(name: participant.name, role: membership?.title ?? "", unit: membership?.unitName ?? "")
        }
        if staff.count > Self.listedParticipants {
            lines.append(ParticipantLine(name: "… og \(staff.count - Self.listedParticipants) andre", role: "", unit: ""))
        }
        return lines
    }

    private mutating func loadItems(on connection: PostgresConnection) throws {
        var start = meeting.startsAt
        items = try connection.query(SQL("""
            SELECT ai.id, ai.position, ai.title, ai.presenter_id, ai.minutes_allotted,
                   c.id, c.kind, c.title, c.grade, c.child_id, c.owner_id, c.submitted_by, c.submitting_unit_id, c.arena_id,
                   c.category, c.target_service
            FROM agenda_items ai LEFT JOIN cases c ON c.id = ai.case_id
            WHERE ai.meeting_id = \(meeting.id) AND ai.removed_at IS NULL
            ORDER BY ai.position, ai.id
            """).prepared).map { row throws(PostgresError) in
            var caseRow: CaseRow?
            if let caseId = try row.decode(UUID?.self, 5), let kind = CaseKind(rawValue: try row.decode(String.self, 6)) {
                let isReferral = try row.decode(String.self, 14) == "referral"
                caseRow = CaseRow(
                    id: caseId, kind: kind, title: try row.decode(String.self, 7), grade: try row.decode(Int?.self, 8),
                    childId: try row.decode(UUID?.self, 9), ownerId: try row.decode(UUID.self, 10), submittedBy: try row.decode(UUID.self, 11),
                    submittingUnitId: try row.decode(UUID.self, 12), arenaId: try row.decode(UUID?.self, 13),
                    targetService: isReferral ? try row.decode(String?.self, 15).flatMap(ServiceKind.init(rawValue:)) : nil)
            }
            let minutes = try row.decode(Int.self, 4)
            defer { start = start.addingTimeInterval(TimeInterval(minutes * 60)) }
            return Item(id: try row.decode(UUID.self, 0), position: try row.decode(Int.self, 1), title: try row.decode(String?.self, 2),
                        presenterId: try row.decode(UUID?.self, 3), minutes: minutes, start: start, caseRow: caseRow)
        }
        for arenaId in Set(items.compactMap { $0.caseRow?.arenaId }) {
            scopes[arenaId] = try AccessFacts.arenaScope(arenaId, on: connection)
        }
        let childIds = Array(Set(items.compactMap { $0.caseRow?.childId } + (meeting.childId.map { [$0] } ?? [])))
        children = try AccessFacts.childRelations(childIds, on: connection)
        consents = try AccessFacts.consents(childIds, on: connection)
    }

    private mutating func loadMinutes(on connection: PostgresConnection) throws {
        guard let row = try connection.query(SQL("SELECT present, absent FROM minutes WHERE meeting_id = \(meeting.id)").prepared).first
        else { return }
        var result = Minutes(present: try row.decode([UUID].self, 0), absent: try row.decode([UUID].self, 1), entries: [:],
                             followUps: [:], nextMeeting: nil)
        for entry in try connection.query(SQL("""
            SELECT agenda_item_id, discussion, decision, decision_text FROM minutes_entries WHERE meeting_id = \(meeting.id)
            """).prepared) {
            result.entries[try entry.decode(UUID.self, 0)] = MinutesEntry(
                discussion: try entry.decode(String.self, 1), decision: try entry.decode(String?.self, 2).flatMap(CaseDecision.init(rawValue:)),
                decisionText: try entry.decode(String.self, 3))
        }
        for followUp in try connection.query(SQL("""
            SELECT agenda_item_id, description, responsible_id, due_date FROM follow_up_actions
            WHERE meeting_id = \(meeting.id) AND agenda_item_id IS NOT NULL ORDER BY created_at, id
            """).prepared) {
            result.followUps[try followUp.decode(UUID.self, 0), default: []].append(FollowUp(
                description: try followUp.decode(String.self, 1), responsibleId: try followUp.decode(UUID?.self, 2),
                due: try followUp.decode(LocalDate?.self, 3)))
        }
        // The next meeting of the same arena; around one child, the child's next one (the
        // arena's other meetings are other children's).
        let sameChild: SQL = meeting.childId.map { "child_id = \($0)" } ?? "child_id IS NULL"
        result.nextMeeting = try connection.query(SQL("""
            SELECT starts_at FROM meetings WHERE arena_id = \(meeting.arenaId) AND \(sameChild) AND starts_at > \(meeting.startsAt) AND status <> 'cancelled'
            ORDER BY starts_at LIMIT 1
            """).prepared).first?.decode(Date.self, 0)
        minutes = result
    }
}
