import Foundation
import Logging
import Metrics
import SamtakDomain
import SamtakKafka
import SamtakPostgres
import ServiceLifecycle
import Synchronization
import Tracing

/// What a consumer does with one event, inside the transaction that records it in the inbox.
public typealias InboxHandler = @Sendable (EventEnvelope, PostgresConnection) throws -> Void

/// A handler refuses an event it can never apply (unknown type, payload that does not
/// decode, an aggregate that does not exist). The event is recorded as `rejected` and the
/// consumer moves on instead of retrying it forever.
public struct EventRejected: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "event rejected: \(reason)" }
}

extension EventEnvelope {
    /// The payload as `Event`, for a handler: one that does not decode is an
    /// ``EventRejected`` (recorded and skipped, never retried).
    public func payload<Event: DomainEvent>(_ type: Event.Type) throws -> Event {
        do {
            return try decode(type)
        } catch {
            throw EventRejected("\(self.type) payload does not decode")
        }
    }
}

/// Consumes topics and applies each event exactly once.
///
/// For every message: in one transaction, insert `(consumer, event id)` into `inbox`
/// (`ON CONFLICT DO NOTHING`) and, only if that row is new, run the handler. A
/// redelivered event finds its row and has no second effect. Consecutive events of one
/// partition share a transaction (up to `eventsPerTransaction`), one after the other as
/// above; if that transaction fails, they are applied again one per transaction. Kafka offsets are committed
/// after the batch's transactions have committed, so a crash between the two replays
/// events the inbox already knows: harmless.
///
/// Failures: a database or broker outage is retried with backoff, holding the position (no
/// event is skipped); an ``EventRejected`` or an envelope that cannot be read is recorded
/// and skipped; any other error is retried a few times, then recorded as rejected, so one
/// poison event cannot stop a partition.
///
/// Metrics: `samtak_inbox_events_total{consumer,outcome}` (`applied`, `duplicate`,
/// `rejected`, `passed`: a type the handler does not act on) and
/// `samtak_inbox_apply_duration_seconds{consumer}` (one inbox transaction: one event, or a
/// run of up to `eventsPerTransaction`). Tracing: an event that arrives with a
/// `traceparent` is handled under a `process <type>` consumer span, its child; the outbox
/// rows the handler writes carry that trace on.
public final class InboxConsumer: Service, Sendable {
    public struct Configuration: Sendable {
        /// Consumer name: the inbox's `consumer` column; the Kafka group id is the topic prefix + this name.
        public var name: String
        public var topics: [EventTopic]
        public var batchSize: Int
        public var pollTimeout: Duration
        public var assignment: AssignmentMode
        /// The event types the handler acts on (`nil`: every type). Any other event has no
        /// effect, so it needs no inbox row either: it is passed over without a transaction
        /// (its offset is committed with the batch's).
        public var handledTypes: Set<String>?
        /// Most events of one partition applied in one transaction (1: one each).
        public var eventsPerTransaction: Int
        /// How a batch's partitions are applied: side by side (each partition's events in
        /// order, the partitions concurrently), or `oneLane`: all of them in one sequence, in
        /// poll order (which keeps each partition's order), so that consecutive events share a
        /// transaction whatever their partition. For a consumer whose events contend for the
        /// same rows (the scheduler: a ressursteam's next meeting takes every case submitted
        /// to it), where side-by-side transactions only wait for each other's locks and each
        /// pay their own commit.
        public var oneLane: Bool
        public init(name: String, topics: [EventTopic], batchSize: Int = 200, pollTimeout: Duration = .milliseconds(500),
                    assignment: AssignmentMode = .group, handledTypes: Set<String>? = nil, eventsPerTransaction: Int = 32,
                    oneLane: Bool = false) {
            self.eventsPerTransaction = eventsPerTransaction
            self.oneLane = oneLane
            self.name = name
            self.topics = topics
            self.batchSize = batchSize
            self.pollTimeout = pollTimeout
            self.assignment = assignment
            self.handledTypes = handledTypes
        }
    }

    public enum AssignmentMode: String, Sendable {
        /// Kafka consumer group: partitions are shared among the running copies.
        case group
        /// Every partition assigned to this consumer, no group join (a single copy, or a
        /// broker whose group coordination is unreliable). Correct with several copies too:
        /// the inbox turns duplicates into no-ops; it only does the work twice.
        case manual
    }

    let configuration: Configuration
    let pool: PostgresPool
    let kafka: KafkaConfiguration
    let topics: TopicNaming
    let handler: InboxHandler
    let logger: Logger
    private let counters = Mutex((applied: 0, duplicates: 0, rejected: 0, passed: 0))
    private let readiness = Mutex(false)
    private let metrics: InboxMetrics

    public init(
        configuration: Configuration, pool: PostgresPool, kafka: KafkaConfiguration, topics: TopicNaming,
        logger: Logger, handler: @escaping InboxHandler
    ) {
        self.configuration = configuration
        self.pool = pool
        self.kafka = kafka
        self.topics = topics
        self.logger = logger
        self.handler = handler
        self.metrics = InboxMetrics(consumer: configuration.name)
    }

    public var statistics: (applied: Int, duplicates: Int, rejected: Int) { counters.withLock { ($0.applied, $0.duplicates, $0.rejected) } }
    /// Events of types the handler does not act on, passed over without a transaction.
    public var passedOver: Int { counters.withLock { $0.passed } }
    /// True once subscribed and polling.
    public var isRunning: Bool { readiness.withLock { $0 } }

    public func run() async throws {
        let names = configuration.topics.map(topics.name)
        var backoff = Duration.milliseconds(200)
        while !Task.isCancelledOrShuttingDown {
            let consumer: KafkaConsumer
            do {
                try await KafkaAdmin.createTopics(topics.specifications(for: configuration.topics),
                                                  configuration: kafka, timeout: .seconds(10), logger: logger)
                let assignment: KafkaConsumer.Assignment = configuration.assignment == .group ? .group(topics: names) : .manual(topics: names)
                // The group is per deployment (topic prefix), so deployments sharing a broker never share partitions.
                consumer = try KafkaConsumer(configuration: Self.lowLatency(kafka), groupID: topics.prefix + configuration.name,
                                             assignment: assignment, logger: logger)
            } catch {
                logger.warning("consumer cannot start; retrying", metadata: ["consumer": "\(configuration.name)", "error": "\(error)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(10))
                continue
            }
            backoff = .milliseconds(200)
            readiness.withLock { $0 = true }
            await consume(with: consumer)
            readiness.withLock { $0 = false }
            await consumer.close()
        }
    }

    /// How long poll errors may last before the consumer is replaced.
    static let errorGrace: Duration = .seconds(10)

    /// Events drive user-visible steps (a submitted case appears on an agenda), so a fetch
    /// should not wait librdkafka's default 500 ms for more data. Explicit settings win.
    static func lowLatency(_ configuration: KafkaConfiguration) -> KafkaConfiguration {
        var configuration = configuration
        if configuration.properties["fetch.wait.max.ms"] == nil { configuration.properties["fetch.wait.max.ms"] = "20" }
        return configuration
    }

    /// Polls and applies until shutdown or until the consumer must be recreated.
    ///
    /// Errors that persist (the broker lost its topics in a restart, or the cluster was away
    /// for a while) also end it: a new consumer starts from the group's committed offsets, or
    /// the earliest ones if the broker forgot them, and the inbox makes replays harmless.
    private func consume(with consumer: KafkaConsumer) async {
        var firstErrorAt: ContinuousClock.Instant?
        while !Task.isCancelledOrShuttingDown {
            let batch: [KafkaConsumerMessage]
            do {
                batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: configuration.pollTimeout)
                firstErrorAt = nil
            } catch {
                if error.isFatal {
                    logger.error("consumer failed; recreating it", metadata: ["consumer": "\(configuration.name)", "error": "\(error)"])
                    return
                }
                let since = firstErrorAt ?? ContinuousClock.now
                firstErrorAt = since
                if ContinuousClock.now - since > Self.errorGrace {
                    logger.warning("consumer kept failing; recreating it", metadata: ["consumer": "\(configuration.name)", "error": "\(error)"])
                    return
                }
                logger.warning("poll failed", metadata: ["consumer": "\(configuration.name)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            if batch.isEmpty { continue }
            guard await applyByPartition(batch) else { return }  // shutting down mid-batch: offsets stay uncommitted
            do {
                // Not waiting for the broker's answer: the next batch is polled at once (the
                // commit was a tenth of the scheduler's loop in bench row 2). Commits go out in
                // order, and closing the consumer waits for those still in flight.
                try await consumer.commit(batch, waitForBroker: false)
            } catch {
                // Not fatal: the events are recorded in the inbox; a replay is a no-op.
                logger.warning("offset commit failed", metadata: ["consumer": "\(configuration.name)", "error": "\(error)"])
            }
        }
    }

    /// Applies a batch: the messages of each partition in order, partitions side by side (the
    /// order that matters, an aggregate's events, is within one partition). Returns false if
    /// shutdown interrupted it.
    private func applyByPartition(_ batch: [KafkaConsumerMessage]) async -> Bool {
        if configuration.oneLane { return await applyLane(batch) }
        var partitions: [String: [KafkaConsumerMessage]] = [:]
        var order: [String] = []
        for message in batch {
            let key = "\(message.topic)#\(message.partition)"
            if partitions[key] == nil { order.append(key) }
            partitions[key, default: []].append(message)
        }
        if order.count == 1 {
            return await applyLane(batch)
        }
        let lanes = order.map { partitions[$0]! }
        return await withTaskGroup(of: Bool.self) { group in
            for lane in lanes {
                group.addTask { await self.applyLane(lane) }
            }
            var completed = true
            for await result in group where !result { completed = false }
            return completed
        }
    }

    /// Applies one partition's messages in order. Consecutive events the handler acts on
    /// go together, up to `eventsPerTransaction` in one transaction (each with its inbox
    /// row, as if applied one after the other; one commit instead of one each). If such a
    /// transaction fails for any reason, none of it committed: its events are then applied
    /// one per transaction (``apply(_:)``), which retries, rejects or skips each as before.
    private func applyLane(_ lane: [KafkaConsumerMessage]) async -> Bool {
        let limit = max(1, configuration.eventsPerTransaction)
        var index = 0
        while index < lane.count {
            var run: [(message: KafkaConsumerMessage, envelope: EventEnvelope)] = []
            while index < lane.count && run.count < limit {
                let message = lane[index]
                // An unreadable event ends the run; apply(_:) reports and skips it below.
                guard let envelope = try? EventEnvelope(kafkaMessage: message) else { break }
                index += 1
                if let handled = configuration.handledTypes, !handled.contains(envelope.type) {
                    counters.withLock { $0.passed += 1 }
                    metrics.passed.increment()
                    continue
                }
                run.append((message, envelope))
            }
            if run.count > 1 {
                do {
                    let outcome = try await applyTogether(run.map(\.envelope))
                    counters.withLock {
                        $0.applied += outcome.applied
                        $0.duplicates += outcome.duplicates
                    }
                    metrics.applied.increment(by: outcome.applied)
                    metrics.duplicates.increment(by: outcome.duplicates)
                    continue
                } catch {
                    logger.debug("applying events together failed; applying them one by one", metadata: [
                        "consumer": "\(configuration.name)", "events": "\(run.count)", "error": "\(error)",
                    ])
                }
            }
            for item in run where !(await apply(item.message)) { return false }
            if run.isEmpty && index < lane.count {
                guard await apply(lane[index]) else { return false }
                index += 1
            }
        }
        return true
    }

    /// One transaction for several events: each one's inbox row, then (if new) its handler.
    /// Each traced event's span covers its own part; the spans end once the transaction has
    /// committed (if it fails, they are dropped and the events are applied one by one).
    private func applyTogether(_ envelopes: [EventEnvelope]) async throws -> (applied: Int, duplicates: Int) {
        let name = configuration.name
        let handler = self.handler
        let started = ContinuousClock.now
        let (applied, duplicates, spans) = try await pool.withTransaction { connection in
            var applied = 0
            var duplicates = 0
            var spans: [any Span] = []
            for envelope in envelopes {
                let span = Self.processSpan(envelope, consumer: name)
                if let span { spans.append(span) }
                try InstrumentationContext.$current.withValue(span?.context) {
                    let inserted = try connection.execute(SQL("""
                        INSERT INTO inbox (consumer, event_id, event_type) VALUES (\(name), \(envelope.id), \(envelope.type))
                        ON CONFLICT DO NOTHING
                        """).prepared)
                    if inserted == 1 {
                        try handler(envelope, connection)
                        applied += 1
                    } else {
                        span?.attributes["samtak.inbox.duplicate"] = true
                        duplicates += 1
                    }
                }
            }
            return (applied, duplicates, spans)
        }
        metrics.applyTimer.record(duration: ContinuousClock.now - started)
        for span in spans { span.end() }
        return (applied, duplicates)
    }

    /// The span an event is handled under, when it arrived with a trace context.
    static func processSpan(_ envelope: EventEnvelope, consumer: String) -> (any Span)? {
        guard let parent = TracePropagation.context(traceparent: envelope.traceparent) else { return nil }
        let span = startSpan("process \(envelope.type)", context: parent, ofKind: .consumer)
        span.attributes["messaging.system"] = "kafka"
        span.attributes["messaging.operation.type"] = "process"
        span.attributes["messaging.consumer.group.name"] = consumer
        span.attributes["cloudevents.event_type"] = envelope.type
        return span
    }

    /// Applies one message; retries outages until it succeeds. Returns false only when the
    /// service is shutting down before the message could be applied.
    private func apply(_ message: KafkaConsumerMessage) async -> Bool {
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope(kafkaMessage: message)
        } catch {
            counters.withLock { $0.rejected += 1 }
            metrics.rejected.increment()
            logger.error("skipping unreadable event", metadata: [
                "consumer": "\(configuration.name)", "topic": "\(message.topic)", "partition": "\(message.partition)",
                "offset": "\(message.offset)", "error": "\(error)",
            ])
            return true
        }
        if let handled = configuration.handledTypes, !handled.contains(envelope.type) {
            counters.withLock { $0.passed += 1 }
            metrics.passed.increment()
            return true
        }
        return await apply(envelope)
    }

    /// Applies one event (from the broker, or from the outbox through ``InboxCatchUp``);
    /// retries outages until it succeeds. Returns false only when the service is shutting
    /// down before the event could be applied.
    func apply(_ envelope: EventEnvelope) async -> Bool {
        var backoff = Duration.milliseconds(100)
        var otherFailures = 0
        while true {
            do {
                let applied = try await applyOnce(envelope)
                counters.withLock { if applied { $0.applied += 1 } else { $0.duplicates += 1 } }
                (applied ? metrics.applied : metrics.duplicates).increment()
                return true
            } catch let error as EventRejected {
                await reject(envelope, reason: error.reason)
                return true
            } catch is CancellationError {
                return false
            } catch let error as PostgresError where error.isConnectionFailure || error.isSerializationFailure || error.kind == .poolTimeout {
                logger.warning("database unavailable while applying an event; retrying", metadata: [
                    "consumer": "\(configuration.name)", "event_type": "\(envelope.type)", "error": "\(error)", "retry_in": "\(backoff)",
                ])
            } catch {
                otherFailures += 1
                if otherFailures >= 3 {
                    await reject(envelope, reason: "handler failed: \(error)")
                    return true
                }
                logger.warning("applying an event failed; retrying", metadata: [
                    "consumer": "\(configuration.name)", "event_type": "\(envelope.type)", "event_id": "\(envelope.id)", "error": "\(error)",
                ])
            }
            if Task.isCancelledOrShuttingDown { return false }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    /// One transaction: inbox row, then the handler. Returns false for a duplicate.
    private func applyOnce(_ envelope: EventEnvelope) async throws -> Bool {
        let name = configuration.name
        let handler = self.handler
        let span = Self.processSpan(envelope, consumer: name)
        let started = ContinuousClock.now
        defer {
            metrics.applyTimer.record(duration: ContinuousClock.now - started)
            span?.end()
        }
        do {
            let applied = try await InstrumentationContext.$current.withValue(span?.context) {
                try await pool.withTransaction { connection in
                    let inserted = try connection.execute(SQL("""
                        INSERT INTO inbox (consumer, event_id, event_type) VALUES (\(name), \(envelope.id), \(envelope.type))
                        ON CONFLICT DO NOTHING
                        """).prepared)
                    guard inserted == 1 else { return false }
                    try handler(envelope, connection)
                    return true
                }
            }
            if !applied { span?.attributes["samtak.inbox.duplicate"] = true }
            return applied
        } catch {
            span?.recordError(error)
            span?.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    private func reject(_ envelope: EventEnvelope, reason: String) async {
        counters.withLock { $0.rejected += 1 }
        metrics.rejected.increment()
        logger.error("event rejected", metadata: [
            "consumer": "\(configuration.name)", "event_type": "\(envelope.type)", "event_id": "\(envelope.id)", "reason": "\(reason)",
        ])
        let name = configuration.name
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelledOrShuttingDown {
            do {
                _ = try await pool.withConnection { connection in
                    try connection.execute("""
                        INSERT INTO inbox (consumer, event_id, event_type, outcome) VALUES (\(name), \(envelope.id), \(envelope.type), 'rejected')
                        ON CONFLICT DO NOTHING
                        """)
                }
                return
            } catch {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}

/// The consumer's instruments, made once.
struct InboxMetrics: Sendable {
    let applied: Counter
    let duplicates: Counter
    let rejected: Counter
    let passed: Counter
    let applyTimer: Timer

    init(consumer: String) {
        func events(_ outcome: String) -> Counter {
            Counter(label: "samtak_inbox_events_total", dimensions: [("consumer", consumer), ("outcome", outcome)])
        }
        applied = events("applied")
        duplicates = events("duplicate")
        rejected = events("rejected")
        passed = events("passed")
        applyTimer = Timer(label: "samtak_inbox_apply_duration_seconds", dimensions: [("consumer", consumer)], preferredDisplayUnit: .seconds)
    }
}
