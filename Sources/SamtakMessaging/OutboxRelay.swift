import Foundation
import Logging
import Metrics
import SamtakDomain
import SamtakKafka
import SamtakPostgres
import ServiceLifecycle
import Synchronization
import Tracing

/// Publishes the outbox to Kafka.
///
/// Each round, in one transaction: lock up to `batchSize` unpublished rows in id order
/// with `FOR UPDATE SKIP LOCKED` (so several relays, in one process or many, never publish
/// the same row at the same time), send them all, wait for the delivery reports
/// (`acks=all`), mark the delivered ones `published_at = now()`, commit. A row whose send
/// failed stays unpublished and is retried next round; a crash before the commit leaves
/// every row of the batch unpublished, so it is published again: at-least-once, which the
/// consumers' inbox turns into exactly-once effects. (For the same reason the round's
/// commit does not wait for its WAL flush: `synchronous_commit = off` for that transaction
/// only.) While rounds come back full, the
/// next one starts as soon as the previous one has enqueued its rows (``publishRounds()``),
/// so selecting and marking overlap with waiting for the broker.
///
/// Between rounds the relay sleeps until it is woken or `idlePoll` passes, whichever is
/// first. It is woken by its pool after a transaction of this process that wrote the outbox
/// commits, and by `NOTIFY samtak_outbox`, which the outbox's trigger sends for writers
/// that have no relay of their own (sessions without `samtak.relay_local = on`). Rows of one aggregate keep their
/// order within one relay; two relays may interleave them, which consumers tolerate
/// because events carry identifiers and consumers read the current state.
///
/// Metrics: `samtak_relay_published_total`, `samtak_relay_failed_total{error}` (librdkafka's
/// error name), `samtak_relay_round_duration_seconds` (select, send, delivery reports, mark),
/// `samtak_relay_producer_replacements_total`. Tracing: a row written inside a trace carries
/// its `traceparent`; the relay sends each such row under a `publish <topic>` producer span
/// (a child of the row's context, ended at its delivery report) whose context travels in the
/// record's `ce_traceparent` header.
public final class OutboxRelay: Service, Sendable {
    public struct Configuration: Sendable {
        public var batchSize: Int
        /// Rounds under way at once while the outbox has more than a batch: the next round
        /// selects and enqueues while earlier ones wait for their delivery reports.
        public var pipelineDepth: Int
        /// Longest sleep without a notification (a safety net for missed notifications).
        public var idlePoll: Duration
        /// What the relay's periodic sweep deletes (published outbox rows, inbox rows,
        /// idempotency keys, the access log; ``RetentionPolicy``). Defaults to the
        /// `SAMTAK_RETENTION_*` settings of the process.
        public var retentionPolicy: RetentionPolicy
        /// How often the sweep runs (the first one this long after start).
        public var retentionSweepInterval: Duration
        /// Published rows older than this are deleted (0 keeps them): the policy's outbox period.
        public var retention: Duration {
            get { retentionPolicy.outbox }
            set { retentionPolicy.outbox = newValue }
        }
        public init(batchSize: Int = 2000, pipelineDepth: Int = 2, idlePoll: Duration = .seconds(2),
                    retentionPolicy: RetentionPolicy = .fromProcessEnvironment(), retentionSweepInterval: Duration = .seconds(600)) {
            self.batchSize = batchSize
            self.pipelineDepth = pipelineDepth
            self.idlePoll = idlePoll
            self.retentionPolicy = retentionPolicy
            self.retentionSweepInterval = retentionSweepInterval
        }
    }

    let pool: PostgresPool
    let producers: ProducerHolder
    let topics: TopicNaming
    let kafka: KafkaConfiguration
    let configuration: Configuration
    let logger: Logger
    let listener: PostgresListener
    private let counters = Mutex((published: 0, failed: 0))
    private let publishedCounter = Counter(label: "samtak_relay_published_total")
    private let roundTimer = Timer(label: "samtak_relay_round_duration_seconds", preferredDisplayUnit: .seconds)

    public init(
        pool: PostgresPool, producer: KafkaProducer, kafka: KafkaConfiguration, topics: TopicNaming,
        configuration: Configuration = .init(), logger: Logger
    ) {
        self.pool = pool
        self.producers = ProducerHolder(producer, kafka: kafka, logger: logger)
        self.kafka = kafka
        self.topics = topics
        self.configuration = configuration
        self.logger = logger
        self.listener = PostgresListener(configuration: pool.configuration, channels: ["samtak_outbox"], logger: logger)
    }

    /// Events published / failed sends since start (for metrics and tests).
    public var statistics: (published: Int, failed: Int) { counters.withLock { $0 } }

    public func run() async throws {
        listener.start()
        defer { listener.stop() }
        // Rows written through this pool wake the relay in-process after their commit (the
        // process's sessions may skip the NOTIFY: `samtak.relay_local`, Schema/0007).
        let observer = pool.addCommitObserver { [listener] in listener.wake() }
        defer { pool.removeCommitObserver(observer) }
        defer {
            // A producer this relay created in place of the original is this relay's to close.
            if producers.wasReplaced { Task { [producers] in await producers.current.shutdown() } }
        }
        do {
            _ = try RetentionPolicy(environment: ProcessInfo.processInfo.environment)
        } catch {
            logger.error("ignoring an unusable retention setting; the default applies", metadata: ["error": "\(error)"])
        }
        var backoff = Duration.milliseconds(100)
        var lastRetentionSweep = ContinuousClock.now
        var failedRounds = 0
        try? await ensureTopics()
        await producers.current.learnTopics(topics.all, timeout: .seconds(2))
        while !Task.isCancelledOrShuttingDown {
            do {
                let outcome = try await publishRounds()
                if outcome.missingTopic {
                    try? await ensureTopics()
                }
                if outcome.selected == configuration.batchSize && outcome.failed == 0 {
                    failedRounds = 0
                    backoff = .milliseconds(100)
                    continue
                }
                if outcome.failed > 0 {
                    failedRounds += 1
                    // An idempotent producer that hit a fatal error, or whose whole round timed
                    // out (a broker that lost its state in a restart does not know the
                    // producer any more), does not recover: replace it. Persistent failures too.
                    if outcome.fatal || (outcome.published == 0 && outcome.timedOut) || failedRounds >= 3 {
                        Counter(label: "samtak_relay_producer_replacements_total").increment()
                        await producers.replace(reason: outcome.fatal ? "fatal producer error" : "repeated delivery failures")
                        failedRounds = 0
                    }
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                    continue
                }
                failedRounds = 0
                backoff = .milliseconds(100)
            } catch {
                logger.warning("outbox relay round failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            if ContinuousClock.now - lastRetentionSweep > configuration.retentionSweepInterval {
                lastRetentionSweep = ContinuousClock.now
                await sweepRetention()
            }
            await withTaskCancellationOrGracefulShutdownHandler {
                _ = await listener.wait(timeout: configuration.idlePoll)
            } onCancelOrGracefulShutdown: {
                self.listener.wake()
            }
        }
    }

    struct RoundOutcome: Sendable {
        var selected: Int
        var published: Int
        var failed: Int
        var missingTopic: Bool
        var fatal = false
        var timedOut = false
    }

    struct OutboxRow: Sendable {
        var id: Int64
        var message: KafkaProducerMessage
        /// The `publish` span of a row written inside a trace.
        var span: (any Span)?
    }

    /// The record of one row; a row with a trace context is sent under a producer span of its own.
    static func record(id: Int64, topic: String, key: [UInt8], eventID: [UInt8], source: [UInt8], type: [UInt8], subject: [UInt8],
                       time: [UInt8], data: [UInt8], traceparent: String?) -> OutboxRow {
        var span: (any Span)?
        if let parent = TracePropagation.context(traceparent: traceparent) {
            let publish = startSpan("publish \(topic)", context: parent, ofKind: .producer)
            publish.attributes["messaging.system"] = "kafka"
            publish.attributes["messaging.operation.type"] = "publish"
            publish.attributes["messaging.destination.name"] = topic
            publish.attributes["cloudevents.event_type"] = String(decoding: type, as: UTF8.self)
            span = publish
        }
        let message = EventEnvelope.kafkaMessage(
            topic: topic, key: key, id: eventID, source: source, type: type, subject: subject, time: time, data: data,
            traceparent: span.flatMap { TracePropagation.traceparent(of: $0.context) } ?? traceparent
        )
        return OutboxRow(id: id, message: message, span: span)
    }

    /// Rounds back to back while they come back full, overlapping: the next round selects
    /// and enqueues while earlier ones wait for their delivery reports (at most
    /// `pipelineDepth` at once). Rounds enqueue strictly one after the other, so within this
    /// relay rows reach the producer in the order of their rounds. A failed delivery breaks
    /// that order: its row is sent again in a later round, after rows queued since (as with
    /// one round at a time, only more often); no new round starts once a failure is seen.
    /// Consumers decide from the current state, so a late event is harmless (see
    /// `InboxCatchUp`). Returns the rounds' outcomes merged (`selected`: the last round's).
    func publishRounds() async throws -> RoundOutcome {
        let depth = max(1, configuration.pipelineDepth)
        let batchSize = configuration.batchSize
        return try await withThrowingTaskGroup(of: RoundOutcome.self) { group in
            var total = RoundOutcome(selected: 0, published: 0, failed: 0, missingTopic: false)
            var running = 0
            var launch = true
            while launch || running > 0 {
                if launch && running < depth {
                    let (enqueued, announce) = AsyncStream.makeStream(of: Int.self)
                    group.addTask { try await self.publishBatch(announce: announce) }
                    running += 1
                    // The round says how many rows it took once they are enqueued (nothing if it failed first).
                    var iterator = enqueued.makeAsyncIterator()
                    let selected = await iterator.next() ?? 0
                    total.selected = selected
                    // A full round suggests more, but a shutdown lets the rounds in flight finish and starts no more.
                    launch = selected == batchSize && !Task.isCancelledOrShuttingDown
                    continue
                }
                guard let outcome = try await group.next() else { break }
                running -= 1
                total.published += outcome.published
                total.failed += outcome.failed
                total.missingTopic = total.missingTopic || outcome.missingTopic
                total.fatal = total.fatal || outcome.fatal
                total.timedOut = total.timedOut || outcome.timedOut
                if outcome.failed > 0 { launch = false }
            }
            return total
        }
    }

    /// One round: lock, enqueue (then `announce` how many rows), wait for delivery, mark, commit.
    func publishBatch(announce: AsyncStream<Int>.Continuation? = nil) async throws -> RoundOutcome {
        defer { announce?.finish() }
        let batchSize = configuration.batchSize
        let started = ContinuousClock.now
        defer { roundTimer.record(duration: ContinuousClock.now - started) }
        return try await pool.withLease { lease in
            // The record's attributes come as text ready for the headers (the time formatted
            // as RFC3339.format does) and are passed on as bytes: no id or time is parsed and
            // formatted again, no String made.
            let rows: [OutboxRow] = try await lease.run { connection in
                // The round's commit only marks rows published: if a crash loses it, the rows
                // are published again, which the consumers' inbox absorbs (as for a crash
                // before the commit). So it need not wait for its WAL flush.
                try connection.run(script: "BEGIN; SET LOCAL synchronous_commit = off")
                return try connection.query(SQL("""
                    SELECT id, event_id::text, topic, event_key, event_type, source, subject,
                           to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), data::text, traceparent
                    FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT \(batchSize)
                    FOR UPDATE SKIP LOCKED
                    """).prepared).map { row throws(PostgresError) in
                    // Every column but the topic (and the trace context) is NOT NULL; its bytes go to the record as they are.
                    Self.record(
                        id: try row.decode(Int64.self, 0), topic: try row.decode(String.self, 2), key: try row.bytes(3) ?? [],
                        eventID: try row.bytes(1) ?? [], source: try row.bytes(5) ?? [], type: try row.bytes(4) ?? [],
                        subject: try row.bytes(6) ?? [], time: try row.bytes(7) ?? [], data: try row.bytes(8) ?? [],
                        traceparent: try row.decode(String?.self, 9)
                    )
                }
            }
            if rows.isEmpty {
                announce?.yield(0)
                try await lease.run { try $0.run(script: "COMMIT") }
                return RoundOutcome(selected: 0, published: 0, failed: 0, missingTopic: false)
            }
            let pending = await producers.current.enqueue(rows.map(\.message))
            announce?.yield(rows.count)
            let results = await pending.results()
            var delivered: [Int64] = []
            var failed: [Int64] = []
            var missingTopic = false
            var fatal = false
            var timedOut = false
            for (row, result) in zip(rows, results) {
                switch result {
                case .success:
                    delivered.append(row.id)
                    row.span?.end()
                case .failure(let error):
                    failed.append(row.id)
                    Counter(label: "samtak_relay_failed_total", dimensions: [("error", error.name)]).increment()
                    if let span = row.span {
                        span.attributes["error.type"] = error.name
                        span.setStatus(SpanStatus(code: .error))
                        span.end()
                    }
                    if error.name.contains("UNKNOWN_TOPIC") { missingTopic = true }
                    if error.isFatal || error.name.contains("FATAL") { fatal = true }
                    if error.name.contains("TIMED_OUT") { timedOut = true }
                    logger.warning("outbox event not delivered; will retry", metadata: [
                        "outbox_id": "\(row.id)", "kafka_error": "\(error.name)",
                    ])
                }
            }
            let deliveredIDs = delivered
            let failedIDs = failed
            try await lease.run { connection in
                if !deliveredIDs.isEmpty {
                    try connection.execute(SQL("UPDATE outbox SET published_at = now() WHERE id = ANY(\(deliveredIDs.map(Int.init)))").prepared)
                }
                if !failedIDs.isEmpty {
                    try connection.execute(SQL("UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY(\(failedIDs.map(Int.init)))").prepared)
                }
                try connection.run(script: "COMMIT")
            }
            counters.withLock {
                $0.published += deliveredIDs.count
                $0.failed += failedIDs.count
            }
            publishedCounter.increment(by: deliveredIDs.count)
            return RoundOutcome(selected: rows.count, published: deliveredIDs.count, failed: failedIDs.count, missingTopic: missingTopic, fatal: fatal, timedOut: timedOut)
        }
    }

    /// Creates the deployment's topics (idempotent). After a broker that keeps topics in
    /// memory restarts, this runs again when a send reports an unknown topic.
    public func ensureTopics() async throws {
        try await KafkaAdmin.createTopics(
            topics.specifications,
            configuration: kafka, timeout: .seconds(10), logger: logger
        )
    }

    /// Deletes what the retention policy no longer keeps (``RetentionSweep``).
    func sweepRetention() async {
        do {
            try await RetentionSweep(policy: configuration.retentionPolicy).run(pool: pool, logger: logger)
        } catch {
            logger.warning("retention sweep failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The relay's producer, replaced when it can no longer deliver.
final class ProducerHolder: Sendable {
    private let producer: Mutex<KafkaProducer>
    private let replaced = Mutex(false)
    private let kafka: KafkaConfiguration
    private let logger: Logger

    init(_ producer: KafkaProducer, kafka: KafkaConfiguration, logger: Logger) {
        self.producer = Mutex(producer)
        self.kafka = kafka
        self.logger = logger
    }

    var current: KafkaProducer { producer.withLock { $0 } }
    var wasReplaced: Bool { replaced.withLock { $0 } }

    /// Creates a new producer and shuts the old one down (its pending sends fail and their
    /// rows stay unpublished, to be sent again).
    func replace(reason: String) async {
        let fresh: KafkaProducer
        do {
            fresh = try KafkaProducer(configuration: kafka, logger: logger)
        } catch {
            logger.error("cannot create a new producer", metadata: ["error": "\(error)"])
            return
        }
        let old = producer.withLock { current -> KafkaProducer in
            defer { current = fresh }
            return current
        }
        logger.warning("replaced the outbox producer", metadata: ["reason": "\(reason)"])
        let wasOriginal = !replaced.withLock { value in defer { value = true }; return value }
        // The original belongs to whoever created it (and is shut down by them); ours we close.
        if !wasOriginal { await old.shutdown(flushTimeout: .seconds(1)) }
    }
}

extension Task where Success == Never, Failure == Never {
    /// True once the task is cancelled or the service group began a graceful shutdown.
    public static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
