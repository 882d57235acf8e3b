import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// # Overdue follow-ups of rejected BUP referrals (issue 16)
///
/// An open `referral_follow_ups` task whose due date has passed (Europe/Oslo) is reported once
/// to its owner and the intake arena's owner: one `referral_follow_up.overdue` event, which the
/// notifier turns into a notice.
///
/// Once: one statement claims the tasks by setting `overdue_reported_at` where it is NULL
/// (`FOR UPDATE SKIP LOCKED`, so two schedulers never claim one task; a restart finds it set),
/// and the events are written to the outbox in the same transaction.
public struct ReferralFollowUpReminders: Sendable {
    let outbox: Outbox
    let batchSize: Int

    public init(outbox: Outbox, batchSize: Int = 200) {
        self.outbox = outbox
        self.batchSize = batchSize
    }

    /// Claims up to `batchSize` overdue tasks in the caller's transaction and appends their events.
    public func claimDue(on connection: PostgresConnection, today: LocalDate = OsloTime.localDate(at: Date())) throws -> [ReferralFollowUpOverdue] {
        let rows = try connection.query(SQL("""
            WITH due AS (
                SELECT id FROM referral_follow_ups WHERE status = 'open' AND overdue_reported_at IS NULL AND due_on < \(today)
                ORDER BY due_on, id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
            )
            UPDATE referral_follow_ups f SET overdue_reported_at = now()
            FROM due, arenas a WHERE f.id = due.id AND a.id = f.arena_id AND f.overdue_reported_at IS NULL
            RETURNING f.id, f.case_id, f.owner_id, a.owner_person_id, f.due_on
            """).prepared)
        var events: [ReferralFollowUpOverdue] = []
        for row in rows {
            let event = ReferralFollowUpOverdue(followUpId: try row.decode(UUID.self, 0), caseId: try row.decode(UUID.self, 1),
                                                ownerId: try row.decode(UUID.self, 2), arenaOwnerId: try row.decode(UUID?.self, 3),
                                                dueOn: try row.decode(LocalDate.self, 4))
            try outbox.append(event, on: connection)
            events.append(event)
        }
        return events
    }

    /// Claims every overdue task, a batch per transaction; returns how many were reported.
    @discardableResult
    public func claimDue(pool: PostgresPool, logger: Logger? = nil) async throws -> Int {
        try await MeasureEvaluationReminders.drain(pool: pool, batchSize: batchSize, what: "referral follow-ups overdue", logger: logger) { connection in
            try self.claimDue(on: connection).count
        }
    }
}
