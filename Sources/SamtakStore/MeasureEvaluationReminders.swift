/// # Reminders for measures past their evaluation date
///
/// A measure in a child's coordination log (or individual plan) that is still `active` the
/// day after its `evaluation_due_on` (Europe/Oslo) is reported to its owner and the child's
/// coordinator: one `measure.evaluation_due` event per measure and evaluation date.
///
/// "Exactly once" is the database's doing: one statement claims the due measures by setting
/// `evaluation_due_notified_at` where it is NULL (`FOR UPDATE SKIP LOCKED`, so two workers
/// never claim one measure) and the events are written to the outbox in the same
/// transaction. A second call finds nothing; a rolled-back call claims nothing. Evaluating a
/// measure with a new date clears the mark, so the next date gets its own reminder. A
/// closed log (or closed plan) reminds no more.
///
/// A worker calls ``claimDue(pool:today:)`` periodically (say every 15 minutes), or
/// ``claimDue(on:today:)`` inside a transaction of its own.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

public struct MeasureEvaluationReminders: Sendable {
    let outbox: Outbox
    let batchSize: Int

    public init(outbox: Outbox, batchSize: Int = 200) {
        self.outbox = outbox
        self.batchSize = batchSize
    }

    /// Claims up to `batchSize` due measures in the caller's transaction and writes their
    /// `measure.evaluation_due` events to the outbox; returns the events.
    public func claimDue(on connection: PostgresConnection, today: LocalDate = OsloTime.localDate(at: Date())) throws -> [MeasureEvaluationDue] {
        let rows = try connection.query(SQL("""
            WITH due AS (
                SELECT m.id FROM coordination_measures m
                LEFT JOIN coordination_logs l ON l.id = m.log_id
                LEFT JOIN individual_plans p ON p.id = m.plan_id
                WHERE m.status = 'active' AND m.evaluation_due_notified_at IS NULL AND m.evaluation_due_on < \(today)
                  AND CASE WHEN m.plan_id IS NOT NULL THEN p.status = 'active' ELSE l.status = 'open' END
                ORDER BY m.evaluation_due_on, m.id
                LIMIT \(batchSize)
                FOR UPDATE OF m SKIP LOCKED
            )
            UPDATE coordination_measures m SET evaluation_due_notified_at = now()
            FROM due WHERE m.id = due.id AND m.evaluation_due_notified_at IS NULL
            RETURNING m.id, m.child_id, m.owner_id, m.log_id, m.plan_id, m.evaluation_due_on,
                      (SELECT c.person_id FROM coordinators c WHERE c.child_id = m.child_id AND c.status = 'active')
            """).prepared)
        var events: [MeasureEvaluationDue] = []
        for row in rows {
            let event = MeasureEvaluationDue(
                childId: try row.decode(UUID.self, 1), measureId: try row.decode(UUID.self, 0), ownerId: try row.decode(UUID.self, 2),
                coordinatorPersonId: try row.decode(UUID?.self, 6), logId: try row.decode(UUID?.self, 3), planId: try row.decode(UUID?.self, 4),
                evaluationDueOn: try row.decode(LocalDate.self, 5)
            )
            try outbox.append(event, on: connection)
            events.append(event)
        }
        return events.sorted { ($0.evaluationDueOn, $0.measureId.uuidString) < ($1.evaluationDueOn, $1.measureId.uuidString) }
    }

    /// Claims every due measure, a batch per transaction; returns how many were reminded.
    @discardableResult
    public func claimDue(pool: PostgresPool, today: LocalDate = OsloTime.localDate(at: Date()), logger: Logger? = nil) async throws -> Int {
        try await Self.drain(pool: pool, batchSize: batchSize, what: "measure evaluation reminders", logger: logger) { connection in
            try self.claimDue(on: connection, today: today).count
        }
    }

    /// Runs `claim` (one batch, in its own transaction) until a batch comes back short;
    /// returns the total. Shared by the reminders that claim rows once each.
    static func drain(pool: PostgresPool, batchSize: Int, what: String, logger: Logger?,
                      _ claim: @escaping @Sendable (PostgresConnection) throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let batch = try await pool.withTransaction(claim)
            total += batch
            if batch < batchSize { break }
        }
        if total > 0 { logger?.info("\(what)", metadata: ["count": "\(total)"]) }
        return total
    }
}
