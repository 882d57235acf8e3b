import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

extension FollowUpTaskStatus: StoredCode {}
extension FollowUpOutcome: StoredCode {}

/// The follow-up tasks of rejected BUP referrals (`referral_follow_ups`, Schema 0018) and what
/// the intake meeting asked a referrer for. Rows only; the routes decide what a caller sees
/// (``ReferralFollowUpRules`` has the rules and the state machine).
enum ReferralFollowUpStore {
    struct Row: Sendable {
        var id: UUID
        var caseId: UUID
        var meetingId: UUID
        var arenaId: UUID
        var arenaName: String
        var arenaOwnerId: UUID?
        var ownerId: UUID
        var ownerName: String
        var dueOn: LocalDate
        var status: FollowUpTaskStatus
        var outcome: FollowUpOutcome?
        var outcomeNote: String
        var closedBy: UUID?
        var closedAt: Date?
        var overdueReportedAt: Date?
        var createdAt: Date
    }

    static let columns: SQL = """
        f.id, f.case_id, f.meeting_id, f.arena_id, a.name, a.owner_person_id, f.owner_id, p.name, f.due_on, f.status, f.outcome,
        f.outcome_note, f.closed_by, f.closed_at, f.overdue_reported_at, f.created_at
        """

    static func row(_ r: PostgresRow) throws(PostgresError) -> Row {
        Row(id: try r.decode(UUID.self, 0), caseId: try r.decode(UUID.self, 1), meetingId: try r.decode(UUID.self, 2),
            arenaId: try r.decode(UUID.self, 3), arenaName: try r.decode(String.self, 4), arenaOwnerId: try r.decode(UUID?.self, 5),
            ownerId: try r.decode(UUID.self, 6), ownerName: try r.decode(String.self, 7), dueOn: try r.decode(LocalDate.self, 8),
            status: try r.decode(FollowUpTaskStatus.self, 9), outcome: try r.decode(FollowUpOutcome?.self, 10),
            outcomeNote: try r.decode(String.self, 11), closedBy: try r.decode(UUID?.self, 12), closedAt: try r.decode(Date?.self, 13),
            overdueReportedAt: try r.decode(Date?.self, 14), createdAt: try r.decode(Date.self, 15))
    }

    /// The arena's configured number of days to a follow-up's due date.
    static func followUpDays(arenaId: UUID, on connection: PostgresConnection) throws -> Int {
        try connection.query(SQL("SELECT follow_up_days FROM arenas WHERE id = \(arenaId)").prepared).first?.decode(Int.self, 0)
            ?? ReferralFollowUpRules.defaultDays
    }

    /// Creates the task of a rejected referral (at most one per referral: a second rejection
    /// of the same referral keeps the first task). Returns the new id, or nil when one existed.
    static func insert(caseId: UUID, meetingId: UUID, arenaId: UUID, ownerId: UUID, dueOn: LocalDate, on connection: PostgresConnection) throws -> UUID? {
        let id = UUID()
        let inserted = try connection.execute("""
            INSERT INTO referral_follow_ups (id, case_id, meeting_id, arena_id, owner_id, due_on)
            VALUES (\(id), \(caseId), \(meetingId), \(arenaId), \(ownerId), \(dueOn))
            ON CONFLICT (case_id) DO NOTHING
            """)
        return inserted == 1 ? id : nil
    }

    static func load(_ id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) throws -> Row? {
        try connection.query("""
            SELECT \(columns) FROM referral_follow_ups f JOIN arenas a ON a.id = f.arena_id JOIN people p ON p.id = f.owner_id
            WHERE f.id = \(id) \(forUpdate ? SQL("FOR UPDATE OF f") : SQL(""))
            """).first.map(row)
    }

    /// The open tasks `personId` owns or whose arena they own (at most 200, earliest due first).
    static func open(for personId: UUID, on connection: PostgresConnection) throws -> [Row] {
        try connection.query(SQL("""
            SELECT \(columns) FROM referral_follow_ups f JOIN arenas a ON a.id = f.arena_id JOIN people p ON p.id = f.owner_id
            WHERE f.status = 'open' AND (f.owner_id = \(personId) OR a.owner_person_id = \(personId))
            ORDER BY f.due_on, f.id LIMIT 200
            """).prepared).map(row)
    }

    static func close(_ id: UUID, outcome: FollowUpOutcome, note: String, by personId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE referral_follow_ups SET status = 'closed', outcome = \(outcome.rawValue), outcome_note = \(note), closed_by = \(personId),
                closed_at = now() WHERE id = \(id) AND status = 'open'
            """)
    }

    /// What the intake meeting asked the referrer for (`needs_more_information`).
    static func setInformationRequested(_ caseId: UUID, _ text: String, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE referral_details SET information_requested = \(text) WHERE case_id = \(caseId)")
    }

    /// The referral's item on `meetingId` is done (the meeting asked for more): it stays in that
    /// meeting's agenda and minutes, and the referral may be placed on a later meeting.
    static func completeAgendaItem(caseId: UUID, meetingId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE agenda_items SET completed_at = now() WHERE case_id = \(caseId) AND meeting_id = \(meetingId) AND removed_at IS NULL
              AND completed_at IS NULL
            """)
    }
}
