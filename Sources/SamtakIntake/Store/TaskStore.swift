import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// The reads behind "Mine oppgaver" (`GET /v1/me/tasks`): follow-up actions a person is
/// responsible for, from approved minutes, and the notices sent to them. Rows only; the
/// route decides what the person may see of each.
enum TaskStore {
    struct FollowUpRow: Sendable {
        var id: UUID
        var description: String
        var dueDate: LocalDate?
        var meetingId: UUID
        var meetingStartsAt: Date
        var arenaName: String
        /// The case the follow-up's agenda item is about, if any.
        var caseId: UUID?
    }

    /// Follow-ups of approved minutes whose responsible is `personId`: the earliest due date
    /// first, those without a date last (at most 100).
    static func followUps(responsible personId: UUID, on connection: PostgresConnection) throws -> [FollowUpRow] {
        try connection.query(followUpsStatement(responsible: personId)).map { row throws(PostgresError) in
            FollowUpRow(id: try row.decode(UUID.self, 0), description: try row.decode(String.self, 1), dueDate: try row.decode(LocalDate?.self, 2),
                        meetingId: try row.decode(UUID.self, 3), meetingStartsAt: try row.decode(Date.self, 4),
                        arenaName: try row.decode(String.self, 5), caseId: try row.decode(UUID?.self, 6))
        }
    }

    /// ``followUps(responsible:on:)``'s statement (to read it ahead with others).
    static func followUpsStatement(responsible personId: UUID) -> SQL {
        SQL("""
            SELECT f.id, f.description, f.due_date, f.meeting_id, m.starts_at, a.name, ai.case_id
            FROM follow_up_actions f
            JOIN minutes mi ON mi.meeting_id = f.meeting_id AND mi.status = 'approved'
            JOIN meetings m ON m.id = f.meeting_id
            JOIN arenas a ON a.id = m.arena_id
            LEFT JOIN agenda_items ai ON ai.id = f.agenda_item_id
            WHERE f.responsible_id = \(personId)
            ORDER BY f.due_date NULLS LAST, m.starts_at, f.id
            LIMIT 100
            """).prepared
    }

    struct NoticeRow: Sendable {
        var id: UUID
        var notice: String
        var path: String
        var createdAt: Date
    }

    /// The notices addressed to `personId`, newest first (at most 50). A notice carries a code
    /// and the path of what it is about, never content.
    static func notices(recipient personId: UUID, on connection: PostgresConnection) throws -> [NoticeRow] {
        try connection.query(noticesStatement(recipient: personId)).map { row throws(PostgresError) in
            NoticeRow(id: try row.decode(UUID.self, 0), notice: try row.decode(String.self, 1), path: try row.decode(String.self, 2),
                      createdAt: try row.decode(Date.self, 3))
        }
    }

    /// ``notices(recipient:on:)``'s statement (to read it ahead with others).
    static func noticesStatement(recipient personId: UUID) -> SQL {
        SQL("""
            SELECT d.id, d.notice, d.link_path, d.created_at
            FROM deliveries dl JOIN documents d ON d.id = dl.document_id
            WHERE dl.recipient_id = \(personId) AND d.kind = 'notice'
            ORDER BY d.created_at DESC, d.id
            LIMIT 50
            """).prepared
    }

    struct ArenaRow: Sendable {
        var id: UUID
        var name: String
    }

    /// The active arenas a person's units run or take part in (the home page's
    /// "Samarbeidsarenaer"), by name.
    static func arenas(ofUnits unitIds: [UUID], on connection: PostgresConnection) throws -> [ArenaRow] {
        guard let statement = arenasStatement(ofUnits: unitIds) else { return [] }
        return try connection.query(statement).map { row throws(PostgresError) in ArenaRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1)) }
    }

    /// ``arenas(ofUnits:on:)``'s statement (nil: no units, nothing to ask).
    static func arenasStatement(ofUnits unitIds: [UUID]) -> SQL? {
        guard !unitIds.isEmpty else { return nil }
        return SQL("""
            SELECT a.id, a.name FROM arenas a
            WHERE a.active AND (a.owner_unit_id = ANY(\(unitIds))
                  OR EXISTS (SELECT 1 FROM arena_participants ap WHERE ap.arena_id = a.id AND ap.unit_id = ANY(\(unitIds))))
            ORDER BY a.name, a.id LIMIT 100
            """).prepared
    }

    struct MeetingRow: Sendable {
        var id: UUID
        var arenaName: String
        var startsAt: Date
        var status: MeetingStatus
    }

    /// The next meetings (not cancelled, from `from`) of `arenaIds`; a meeting around one
    /// child only when the person called it or is invited to it (as the visibility rule says).
    static func nextMeetings(of arenaIds: [UUID], person: UUID, from: Date, limit: Int, on connection: PostgresConnection) throws -> [MeetingRow] {
        guard let statement = nextMeetingsStatement(of: arenaIds, person: person, from: from, limit: limit) else { return [] }
        return try connection.query(statement).map { row throws(PostgresError) in
            MeetingRow(id: try row.decode(UUID.self, 0), arenaName: try row.decode(String.self, 1), startsAt: try row.decode(Date.self, 2),
                       status: try row.decode(MeetingStatus.self, 3))
        }
    }

    /// ``nextMeetings(of:person:from:limit:on:)``'s statement (nil: no arenas, nothing to ask).
    static func nextMeetingsStatement(of arenaIds: [UUID], person: UUID, from: Date, limit: Int) -> SQL? {
        guard !arenaIds.isEmpty else { return nil }
        return SQL("""
            SELECT m.id, a.name, m.starts_at, m.status FROM meetings m JOIN arenas a ON a.id = m.arena_id
            WHERE m.arena_id = ANY(\(arenaIds)) AND m.starts_at >= \(from) AND m.status <> 'cancelled'
              AND (m.child_id IS NULL OR m.called_by = \(person)
                   OR EXISTS (SELECT 1 FROM meeting_participants mp WHERE mp.meeting_id = m.id AND mp.person_id = \(person)))
            ORDER BY m.starts_at, m.id LIMIT \(limit)
            """).prepared
    }

    /// The cases (to an arena, not referrals) the person submitted, newest first.
    static func submittedCases(by person: UUID, limit: Int, on connection: PostgresConnection) throws -> [CaseStore.Row] {
        try connection.query(submittedCasesStatement(by: person, limit: limit)).map(CaseStore.row)
    }

    /// ``submittedCases(by:limit:on:)``'s statement (to read it ahead with others).
    static func submittedCasesStatement(by person: UUID, limit: Int) -> SQL {
        SQL("""
            SELECT \(CaseStore.columns) FROM cases c WHERE c.submitted_by = \(person) AND c.category = 'case'
            ORDER BY c.created_at DESC, c.id LIMIT \(limit)
            """).prepared
    }
}
