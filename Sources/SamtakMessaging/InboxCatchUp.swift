import Foundation
import Logging
import Metrics
import SamtakPostgres
import ServiceLifecycle

/// Applies, straight from the outbox, events a consumer should have received but never did.
///
/// The broker is not the system of record: a broker that restarts without its log (the
/// single-node development broker does), or a topic deleted by an operator, loses events
/// that were already marked published. The outbox keeps every published row for its
/// retention period, and the inbox says which events this consumer has applied, so the
/// difference is exactly what was lost:
///
/// ```sql
/// outbox rows of the consumer's topics and event types, published more than `grace` ago,
/// with no inbox row (consumer, event_id)
/// ```
///
/// Each one is applied through the consumer's own ``InboxConsumer/apply(_:)``: the same
/// handler in the same kind of transaction with its inbox row, so an event is still applied
/// once however it arrives (if the broker copy turns up later, the inbox makes it a no-op).
///
/// Order: a caught-up event is applied after newer events of its aggregate that did arrive.
/// Only consumers whose handlers decide from the current database state (not from the
/// order of events) should use it; the notifier's fan-out is such a handler (an agenda of
/// a meeting cancelled since is not sent, a moved meeting's agenda carries the new time).
///
/// Cost: each round reads the outbox rows published since the previous round (by the
/// `outbox_published_at` index), with an overlap of `grace`; the first round after start
/// looks back `window`.
public final class InboxCatchUp: Service, Sendable {
    public struct Configuration: Sendable {
        /// Only events published at least this long ago: the broker normally delivers them first.
        public var grace: Duration
        /// How far back the first round looks (at most the outbox retention).
        public var window: Duration
        /// How often a round runs.
        public var period: Duration
        public var eventTypes: [String]
        public init(eventTypes: [String], grace: Duration = .seconds(60), window: Duration = .seconds(24 * 3600), period: Duration = .seconds(30)) {
            self.eventTypes = eventTypes
            self.grace = grace
            self.window = window
            self.period = period
        }
    }

    let consumer: InboxConsumer
    let configuration: Configuration
    let logger: Logger

    public init(consumer: InboxConsumer, configuration: Configuration, logger: Logger) {
        self.consumer = consumer
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        var since: Date?
        while !Task.isCancelledOrShuttingDown {
            do {
                since = try await round(since: since)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("catch-up round failed; next round retries", metadata: ["consumer": "\(consumer.configuration.name)", "error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.configuration.period) }
        }
    }

    /// One round: applies every missing event published between `since` (or `window` ago)
    /// and `grace` ago. Returns the upper bound to start the next round from.
    @discardableResult
    public func round(since: Date? = nil) async throws -> Date {
        let name = consumer.configuration.name
        let topicNames = consumer.configuration.topics.map(consumer.topics.name)
        let types = configuration.eventTypes
        let grace = Self.seconds(configuration.grace)
        let window = Self.seconds(configuration.window)
        var applied = 0
        var lastID: Int64 = 0
        var upper: Date?
        while true {
            let (fixedUpper, after) = (upper, lastID)
            let (bound, page) = try await consumer.pool.withConnection { connection -> (Date, [(Int64, EventEnvelope)]) in
                let bound = try connection.query("SELECT now() - make_interval(secs => \(grace))").first!.decode(Date.self, 0)
                let rows = try connection.query(SQL("""
                    SELECT o.id, o.event_id, o.source, o.event_type, o.subject, o.occurred_at, o.data::text, o.traceparent
                    FROM outbox o
                    WHERE o.published_at IS NOT NULL
                      AND o.published_at < \(fixedUpper ?? bound)
                      AND o.published_at >= coalesce(\(since)::timestamptz, now() - make_interval(secs => \(window)))
                      AND o.id > \(after)
                      AND o.topic = ANY(\(topicNames)) AND o.event_type = ANY(\(types))
                      AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.consumer = \(name) AND i.event_id = o.event_id)
                    ORDER BY o.id LIMIT 500
                    """).prepared)
                return (bound, try rows.map { row in
                    (try row.decode(Int64.self, 0), EventEnvelope(
                        id: try row.decode(UUID.self, 1), source: try row.decode(String.self, 2), type: try row.decode(String.self, 3),
                        subject: try row.decode(String.self, 4), time: try row.decode(Date.self, 5),
                        data: Array(try row.decode(String.self, 6).utf8), traceparent: try row.decode(String?.self, 7)))
                })
            }
            upper = upper ?? bound
            for (id, envelope) in page {
                // A long first round (a day of backlog) must not hold up a shutdown.
                if Task.isCancelledOrShuttingDown { throw CancellationError() }
                guard await consumer.apply(envelope) else { throw CancellationError() }
                lastID = id
                applied += 1
                logger.warning("applied an event the broker never delivered", metadata: [
                    "consumer": "\(name)", "event_type": "\(envelope.type)", "event_id": "\(envelope.id)",
                ])
            }
            if page.count < 500 { break }
        }
        if applied > 0 {
            Counter(label: "samtak_catchup_applied_total", dimensions: [("consumer", name)]).increment(by: applied)
            logger.warning("catch-up applied events missing from the broker", metadata: ["consumer": "\(name)", "count": "\(applied)"])
        }
        // The next round overlaps this one by `grace`: a row published (committed) late with
        // an earlier published_at is still seen.
        return upper!.addingTimeInterval(-Double(grace))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
