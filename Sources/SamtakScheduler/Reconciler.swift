/// # Reconciliation
///
/// A lost or not-yet-delivered event must delay work, never lose it. Every sweep finds,
/// from the database alone:
/// - cases `submitted` to an active arena and untouched for longer than `grace` (younger
///   ones are left to their event) → scheduled by the same rule (and retried every sweep
///   while no meeting can take them);
/// - withdrawn cases still on the agenda of a meeting not yet held → removed;
/// - cancelled meetings still holding cases → the cases move on.
/// Due agendas need no sweep: the publisher looks at the database every tick. Each repair
/// is its own transaction, with the same locks as the event handlers, so a sweep racing
/// an event (or another copy's sweep) does the work once.
import Foundation
import Logging
import SamtakMessaging
import SamtakPostgres

public struct Reconciler: Sendable {
    let pool: PostgresPool
    let cases: CaseScheduler
    let grace: Duration
    let logger: Logger
    let batchSize = 1000

    public init(pool: PostgresPool, cases: CaseScheduler, grace: Duration, logger: Logger) {
        self.pool = pool
        self.cases = cases
        self.grace = grace
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var scheduled = 0
        public var stillWaiting = 0
        public var withdrawn = 0
        public var cancelledMeetings = 0
        public init() {}
    }

    public func sweep() async throws -> Outcome {
        let graceSeconds = Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18
        let batch = batchSize
        let (submitted, withdrawn, cancelled) = try await pool.withConnection { connection in
            let submitted = try connection.query(SQL("""
                SELECT c.id FROM cases c JOIN arenas a ON a.id = c.arena_id AND a.active
                WHERE c.status = 'submitted' AND c.updated_at < now() - make_interval(secs => \(graceSeconds))
                ORDER BY c.created_at LIMIT \(batch)
                """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            let withdrawn = try connection.query(SQL("""
                SELECT ai.case_id FROM agenda_items ai JOIN cases c ON c.id = ai.case_id
                JOIN meetings m ON m.id = ai.meeting_id AND m.status NOT IN ('held', 'minutes_approved')
                WHERE ai.removed_at IS NULL AND c.status = 'withdrawn' LIMIT \(batch)
                """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            let cancelled = try connection.query(SQL("""
                SELECT m.id FROM meetings m
                WHERE m.status = 'cancelled' AND EXISTS (SELECT 1 FROM agenda_items ai WHERE ai.meeting_id = m.id AND ai.removed_at IS NULL
                                                          AND ai.case_id IS NOT NULL)
                LIMIT \(batch)
                """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            return (submitted, withdrawn, cancelled)
        }
        var outcome = Outcome()
        let cases = self.cases
        for meetingId in cancelled {
            _ = try await pool.transactionRetryingConflicts { connection in try cases.meetingCancelled(meetingId: meetingId, on: connection) }
            outcome.cancelledMeetings += 1
        }
        for caseId in withdrawn {
            let removed = try await pool.transactionRetryingConflicts { connection in try cases.withdraw(caseId: caseId, on: connection) }
            if removed { outcome.withdrawn += 1 }
        }
        for caseId in submitted {
            switch try await pool.transactionRetryingConflicts({ connection in try cases.schedule(caseId: caseId, on: connection) }) {
            case .scheduled: outcome.scheduled += 1
            case .noMeeting: outcome.stillWaiting += 1
            case .notApplicable: break
            }
        }
        if outcome.scheduled + outcome.withdrawn + outcome.cancelledMeetings > 0 {
            logger.notice("reconciliation repaired what events had not (yet) done", metadata: [
                "scheduled": "\(outcome.scheduled)", "withdrawn": "\(outcome.withdrawn)", "cancelled_meetings": "\(outcome.cancelledMeetings)",
                "still_waiting": "\(outcome.stillWaiting)",
            ])
        }
        return outcome
    }
}
