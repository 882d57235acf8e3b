import Foundation
import SamtakDomain
import SamtakPostgres

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
        try connection.query(SQL("""
            SELECT f.id, f.description, f.due_date, f.meeting_id, m.starts_at, a.name, ai.case_id
            FROM follow_up_actions f
            JOIN minutes mi ON mi.meeting_id = f.meeting_id AND mi.status = 'approved'
            JOIN meetings m ON m.id = f.meeting_id
            JOIN arenas a ON a.id = m.arena_id
            LEFT JOIN agenda_items ai ON ai.id = f.agenda_item_id
            WHERE f.responsible_id = \(personId)
            ORDER BY f.due_date NULLS LAST, m.starts_at, f.id
            LIMIT 100
            """).prepared).map { row throws(PostgresError) in
            FollowUpRow(id: try row.decode(UUID.self, 0), description: try row.decode(String.self, 1), dueDate: try row.decode(LocalDate?.self, 2),
                        meetingId: try row.decode(UUID.self, 3), meetingStartsAt: try row.decode(Date.self, 4),
                        arenaName: try row.decode(String.self, 5), caseId: try row.decode(UUID?.self, 6))
        }
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
        try connection.query(SQL("""
            SELECT d.id, d.notice, d.link_path, d.created_at
            FROM deliveries dl JOIN documents d ON d.id = dl.document_id
            WHERE dl.recipient_id = \(personId) AND d.kind = 'notice'
            ORDER BY d.created_at DESC, d.id
            LIMIT 50
            """).prepared).map { row throws(PostgresError) in
            NoticeRow(id: try row.decode(UUID.self, 0), notice: try row.decode(String.self, 1), path: try row.decode(String.self, 2),
                      createdAt: try row.decode(Date.self, 3))
        }
    }
}
