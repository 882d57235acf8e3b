import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// # The reminder the day before a talk (utviklingssamtale, foreldresamtale)
///
/// Every booking whose talk is tomorrow (Europe/Oslo date) is announced once as
/// `talk.reminder_due`; the notifier sends the pupil's guardians with parental responsibility
/// a notice with a link (no name, no content).
///
/// Once, across scheduler copies and restarts: one statement claims the bookings by setting
/// `reminded_at` where it is NULL (`FOR UPDATE SKIP LOCKED`, so two schedulers never claim
/// one booking) and the events go to the outbox in the same transaction. A booking moved to
/// another slot is a new row and is reminded for its new day.
public struct TalkReminders: Sendable {
    let outbox: Outbox
    let batchSize: Int

    public init(outbox: Outbox, batchSize: Int = 200) {
        self.outbox = outbox
        self.batchSize = batchSize
    }

    /// Claims up to `batchSize` of tomorrow's bookings in the caller's transaction and appends their events.
    public func claimDue(on connection: PostgresConnection, now: Date = Date()) throws -> [TalkReminderDue] {
        let tomorrow = OsloTime.localDate(at: now).adding(days: 1)
        let from = LocalDateTime(date: tomorrow, time: .midnight), until = LocalDateTime(date: tomorrow.adding(days: 1), time: .midnight)
        let rows = try connection.query(SQL("""
            WITH due AS (
                SELECT b.slot_id FROM talk_bookings b JOIN talk_slots s ON s.id = b.slot_id
                WHERE b.reminded_at IS NULL AND s.starts_at >= \(from) AND s.starts_at < \(until)
                ORDER BY s.starts_at, b.slot_id
                LIMIT \(batchSize)
                FOR UPDATE OF b SKIP LOCKED
            )
            UPDATE talk_bookings b SET reminded_at = now() FROM due
            WHERE b.slot_id = due.slot_id AND b.reminded_at IS NULL
            RETURNING b.round_id, b.slot_id, b.child_id
            """).prepared)
        var events: [TalkReminderDue] = []
        for row in rows {
            let event = TalkReminderDue(roundId: try row.decode(UUID.self, 0), slotId: try row.decode(UUID.self, 1), childId: try row.decode(UUID.self, 2))
            try outbox.append(event, on: connection)
            events.append(event)
        }
        return events
    }

    /// Claims every booking due, a batch per transaction; returns how many were announced.
    @discardableResult
    public func claimDue(pool: PostgresPool, logger: Logger? = nil) async throws -> Int {
        try await MeasureEvaluationReminders.drain(pool: pool, batchSize: batchSize, what: "talk reminders", logger: logger) { connection in
            try self.claimDue(on: connection).count
        }
    }
}
