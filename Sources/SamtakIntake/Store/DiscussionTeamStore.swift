import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

extension DiscussionTeam.Mode: StoredCode {}
extension DiscussionTeam.Status: StoredCode {}

/// The SQL of Drøftingsteam barnehage's requests (``DiscussionTeam``;
/// `Schema/0024_arena_flows.sql`). Rows only; the route decides with the domain's rules.
enum DiscussionTeamStore {
    struct Row: Sendable {
        var caseId: UUID
        var mode: DiscussionTeam.Mode
        var consentId: UUID?
        var requestedBy: UUID
        var requestedAt: Date
        var status: DiscussionTeam.Status
        var feedback: String?
        var feedbackBy: UUID?
        var feedbackAt: Date?
    }

    static func request(case caseId: UUID, lock: Bool = false, on connection: PostgresConnection) throws -> Row? {
        try connection.query(SQL("""
            SELECT case_id, mode, consent_id, requested_by, requested_at, status, feedback, feedback_by, feedback_at
            FROM discussion_team_requests WHERE case_id = \(caseId)\(unsafeRaw: lock ? " FOR UPDATE" : "")
            """)).first.map { row throws(PostgresError) in
            Row(caseId: try row.decode(UUID.self, 0), mode: try row.decode(DiscussionTeam.Mode.self, 1), consentId: try row.decode(UUID?.self, 2),
                requestedBy: try row.decode(UUID.self, 3), requestedAt: try row.decode(Date.self, 4),
                status: try row.decode(DiscussionTeam.Status.self, 5), feedback: try row.decode(String?.self, 6),
                feedbackBy: try row.decode(UUID?.self, 7), feedbackAt: try row.decode(Date?.self, 8))
        }
    }

    /// The arena's kind (nil: no such arena).
    static func arenaKind(_ arenaId: UUID, on connection: PostgresConnection) throws -> ArenaKind? {
        try connection.query(SQL("SELECT kind FROM arenas WHERE id = \(arenaId)").prepared).first.map { row throws(PostgresError) in
            try row.decode(ArenaKind.self, 0)
        }
    }

    /// Inserts the request; false when the case already has one (nothing changed).
    static func insert(case caseId: UUID, mode: DiscussionTeam.Mode, consentId: UUID?, by person: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("""
            INSERT INTO discussion_team_requests (case_id, mode, consent_id, requested_by) VALUES (\(caseId), \(mode.rawValue), \(consentId), \(person))
            ON CONFLICT (case_id) DO NOTHING
            """) == 1
    }

    /// `requested → feedback_given`, in the caller's transaction.
    static func recordFeedback(case caseId: UUID, text: String, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE discussion_team_requests SET status = 'feedback_given', feedback = \(text), feedback_by = \(person), feedback_at = now()
            WHERE case_id = \(caseId) AND status = 'requested'
            """)
    }
}
