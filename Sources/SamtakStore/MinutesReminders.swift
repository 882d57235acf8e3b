import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// # Reminders for minutes not written
///
/// An ansvarsgruppe always has minutes (seed 003). A meeting of an `ansvarsgruppe` arena
/// that ended more than `due` ago (and less than 30 days before that: older ones are not
/// chased), was not cancelled and whose minutes are not approved is
/// reported to its organiser (whoever called it, else the arena's owner): one
/// `minutes.overdue` event per meeting, which the notifier turns into a notice.
///
/// Once: one statement claims the meetings by setting `minutes_reminded_at` where it is NULL
/// (`FOR UPDATE SKIP LOCKED`, so two schedulers never claim one meeting), and the events are
/// written to the outbox in the same transaction.
public struct MinutesReminders: Sendable {
    let outbox: Outbox
    let due: Duration
    let batchSize: Int

    public init(outbox: Outbox, due: Duration = .seconds(48 * 3600), batchSize: Int = 200) {
        self.outbox = outbox
        self.due = due
        self.batchSize = batchSize
    }

    /// Claims up to `batchSize` overdue meetings in the caller's transaction and appends their events.
    public func claimDue(on connection: PostgresConnection, now: Date = Date()) throws -> [MinutesOverdue] {
        let cutoff = now.addingTimeInterval(-Double(due.components.seconds))
        let rows = try connection.query(SQL("""
            WITH due AS (
                SELECT m.id FROM meetings m JOIN arenas a ON a.id = m.arena_id
                WHERE m.minutes_reminded_at IS NULL AND m.status IN ('planned', 'agenda_published', 'held')
                  AND m.ends_at < \(cutoff) AND m.ends_at > \(cutoff.addingTimeInterval(-30 * 86400)) AND a.kind = 'ansvarsgruppe'
                  AND coalesce(m.called_by, a.owner_person_id) IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM minutes mi WHERE mi.meeting_id = m.id AND mi.status = 'approved')
                ORDER BY m.ends_at, m.id
                LIMIT \(batchSize)
                FOR UPDATE OF m SKIP LOCKED
            )
            UPDATE meetings m SET minutes_reminded_at = now()
            FROM due, arenas a WHERE m.id = due.id AND a.id = m.arena_id AND m.minutes_reminded_at IS NULL
            RETURNING m.id, m.arena_id, coalesce(m.called_by, a.owner_person_id)
            """).prepared)
        var events: [MinutesOverdue] = []
        for row in rows {
            let event = MinutesOverdue(meetingId: try row.decode(UUID.self, 0), arenaId: try row.decode(UUID.self, 1),
                                       organiserId: try row.decode(UUID.self, 2))
            try outbox.append(event, on: connection)
            events.append(event)
        }
        return events
    }

    /// Claims every overdue meeting, a batch per transaction; returns how many were reminded.
    @discardableResult
    public func claimDue(pool: PostgresPool, logger: Logger? = nil) async throws -> Int {
        try await MeasureEvaluationReminders.drain(pool: pool, batchSize: batchSize, what: "minutes reminders", logger: logger) { connection in
            try self.claimDue(on: connection).count
        }
    }
}
