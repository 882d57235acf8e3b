/// # Agendas published at their lead time
///
/// Every tick: the `planned` meetings whose `agenda_due_at` has come are taken with
/// `FOR UPDATE SKIP LOCKED` (two copies never take one meeting; a meeting a case is being
/// added to right now is simply taken on the next tick) and, in the same transaction:
/// - the arena cancels empty meetings (`cancel_when_empty`, the beslutningsteam rule) and
///   there are no active items → `cancelled` (`no_cases`, sequence + 1), `meeting.cancelled`;
/// - otherwise → `agenda_published` (agenda frozen: the scheduler only adds cases to
///   `planned` meetings), `agenda_published_at`, `agenda.published` with the item count.
///
/// Tracing: publishing an agenda is work the cases on it caused. When its items were placed
/// inside traces (`agenda_items.traceparent`), the publication is a `publish agenda` span
/// continuing the most recently placed item's trace, linked to the others' (at most 32), so
/// one trace runs from a teacher's submission through the scheduler to the notifier's sends.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import Tracing

public struct AgendaPublisher: Sendable {
    let outbox: Outbox
    let logger: Logger
    let batchSize: Int

    public init(outbox: Outbox, logger: Logger, batchSize: Int = 100) {
        self.outbox = outbox
        self.logger = logger
        self.batchSize = batchSize
    }

    public struct Outcome: Sendable, Equatable {
        public var published = 0
        public var cancelled = 0
        public init(published: Int = 0, cancelled: Int = 0) {
            self.published = published
            self.cancelled = cancelled
        }
    }

    /// Publishes (or cancels) every due meeting, a batch per transaction.
    public func publishDue(pool: PostgresPool) async throws -> Outcome {
        var total = Outcome()
        while true {
            let batch = try await pool.transactionRetryingConflicts { connection in try self.publishDue(on: connection) }
            total.published += batch.published
            total.cancelled += batch.cancelled
            if batch.published + batch.cancelled < batchSize { break }
        }
        if total.published + total.cancelled > 0 {
            logger.info("agendas due", metadata: ["published": "\(total.published)", "cancelled": "\(total.cancelled)"])
        }
        return total
    }

    /// One batch inside the caller's transaction.
    public func publishDue(on connection: PostgresConnection) throws -> Outcome {
        let due = try connection.query(SQL("""
            SELECT m.id, m.arena_id, a.cancel_when_empty FROM meetings m JOIN arenas a ON a.id = m.arena_id
            WHERE m.status = 'planned' AND m.agenda_due_at <= now()
            ORDER BY m.agenda_due_at, m.id LIMIT \(batchSize)
            FOR UPDATE OF m SKIP LOCKED
            """).prepared).map { row throws(PostgresError) in
            (id: try row.decode(UUID.self, 0), arenaId: try row.decode(UUID.self, 1), cancelWhenEmpty: try row.decode(Bool.self, 2))
        }
        var outcome = Outcome()
        for meeting in due {
            let items = try connection.query(SQL("""
                SELECT count(*)::int8 FROM agenda_items WHERE meeting_id = \(meeting.id) AND removed_at IS NULL
                """).prepared).first?.decode(Int.self, 0) ?? 0
            if meeting.cancelWhenEmpty && items == 0 {
                try connection.execute(SQL("""
                    UPDATE meetings SET status = 'cancelled', cancelled_reason = 'no_cases', sequence = sequence + 1 WHERE id = \(meeting.id)
                    """).prepared)
                try outbox.append(MeetingCancelled(meetingId: meeting.id, arenaId: meeting.arenaId, reason: .noCases), on: connection)
                outcome.cancelled += 1
            } else {
                let span = try Self.publicationSpan(meeting.id, on: connection)
                try InstrumentationContext.$current.withValue(span?.context ?? InstrumentationContext.current) {
                    try connection.execute(SQL("""
                        UPDATE meetings SET status = 'agenda_published', agenda_published_at = now() WHERE id = \(meeting.id)
                        """).prepared)
                    try outbox.append(AgendaPublished(meetingId: meeting.id, arenaId: meeting.arenaId, itemCount: items), on: connection)
                }
                span?.end()
                outcome.published += 1
            }
        }
        return outcome
    }

    /// The span of one agenda's publication: the child of the latest traced item's context,
    /// linked to the earlier ones; nil when no item was placed inside a trace.
    static func publicationSpan(_ meetingId: UUID, on connection: PostgresConnection) throws -> (any Span)? {
        let contexts = try connection.query(SQL("""
            SELECT traceparent FROM agenda_items
            WHERE meeting_id = \(meetingId) AND removed_at IS NULL AND traceparent IS NOT NULL
            ORDER BY created_at DESC, id LIMIT 33
            """).prepared).compactMap { row throws(PostgresError) in TracePropagation.context(traceparent: try row.decode(String.self, 0)) }
        guard let parent = contexts.first else { return nil }
        let span = startSpan("publish agenda", context: parent, ofKind: .internal)
        span.attributes["samtak.agenda.traced_items"] = contexts.count
        for other in contexts.dropFirst() { span.addLink(SpanLink(context: other, attributes: [:])) }
        return span
    }
}
