import Foundation
import Logging
import Metrics
import SamtakMessaging
import SamtakPostgres
import ServiceLifecycle
import Synchronization
import Tracing

/// Sends due deliveries: claims them (`FOR UPDATE SKIP LOCKED`, leased, committed), renders
/// each recipient's copy from the database, sends it over SMTP and records the outcome;
/// up to `workers` sends at a time. It holds up to ``NotifierConfiguration/claimDepth`` times
/// that many: the next claims are read and rendered while the current one is sent (a queued
/// copy's wait is covered by the lease), so the SMTP connections do not stand idle between
/// claims (one agenda to 1,000 recipients: bench row 5). Sleeps until `NOTIFY samtak_deliveries`, a send
/// finishing, the next due row, or `pollInterval`, whichever comes first.
///
/// Metrics: `samtak_deliveries_total{outcome}` (`sent`, `retry`, `failed`),
/// `samtak_delivery_failures_total{reason}` (the reason codes of `notification.failed`),
/// `samtak_smtp_send_duration_seconds{result}` and `samtak_deliveries_reclaimed_total`.
/// Tracing: each copy is sent under an `smtp send` client span continuing the trace of its
/// document's fan-out (`documents.traceparent`); its outcome's transaction is part of it.
public final class DeliveryWorker: Service, Sendable {
    public struct Statistics: Sendable, Equatable {
        public var sent = 0
        public var retried = 0
        public var failed = 0
        /// Rows taken over after another worker's lease ran out (each may be a re-send).
        public var reclaimed = 0
        public var leasesLost = 0
    }

    let pool: PostgresPool
    let store: DeliveryStore
    let composer: DocumentComposer
    let sender: SMTPSender
    let configuration: NotifierConfiguration
    let health: SMTPHealth
    let logger: Logger
    let listener: PostgresListener
    let recorder: OutcomeRecorder
    private let inFlight = Mutex(0)
    private let counters = Mutex(Statistics())

    init(pool: PostgresPool, store: DeliveryStore, composer: DocumentComposer, sender: SMTPSender, configuration: NotifierConfiguration,
         health: SMTPHealth, logger: Logger) {
        self.pool = pool
        self.store = store
        self.composer = composer
        self.sender = sender
        self.configuration = configuration
        self.health = health
        self.logger = logger
        self.listener = PostgresListener(configuration: pool.configuration, channels: ["samtak_deliveries"], logger: logger)
        self.recorder = OutcomeRecorder(pool: pool, store: store, lease: configuration.lease, logger: logger)
    }

    public var statistics: Statistics { counters.withLock { $0 } }

    public func run() async throws {
        listener.start()
        defer { listener.stop() }
        let batch = configuration.workers
        let limit = batch * configuration.claimDepth
        // Claim in batches of at least half the SMTP threads (one claim and one read of the
        // document's facts serve several sends), unless nothing is in flight.
        let threshold = max(1, batch / 2)
        await withDiscardingTaskGroup { group in
            var failures = 0
            while !Task.isCancelledOrShuttingDown {
                var wait = configuration.pollInterval
                if let pause = health.pause {
                    wait = pause
                } else {
                    let busy = inFlight.withLock { $0 }
                    let free = limit - busy
                    if free >= threshold || (free > 0 && busy == 0) {
                        let claim: DeliveryClaim
                        let wanted = min(free, batch)
                        do {
                            claim = try await claimRound(limit: wanted)
                            failures = 0
                        } catch {
                            failures += 1
                            if failures == 1 || failures % 10 == 0 {
                                logger.warning("claiming deliveries failed; retrying", metadata: ["error": "\(error)", "failed_rounds": "\(failures)"])
                            }
                            await sleep(min(.milliseconds(100) * (1 << min(failures, 6)), .seconds(5)))
                            continue
                        }
                        if !claim.deliveries.isEmpty {
                            inFlight.withLock { $0 += claim.deliveries.count }
                            let reclaimed = claim.deliveries.filter(\.reclaimed).count
                            if reclaimed > 0 {
                                counters.withLock { $0.reclaimed += reclaimed }
                                Counter(label: "samtak_deliveries_reclaimed_total").increment(by: reclaimed)
                                logger.warning("deliveries taken over after an expired lease; they are sent again with the same Message-ID",
                                               metadata: ["count": "\(reclaimed)"])
                            }
                            group.addTask { await self.process(claim) }
                        }
                        // A full batch: more may be due at once.
                        if claim.deliveries.count == wanted { continue }
                        if let next = claim.nextDueIn {
                            wait = min(wait, .milliseconds(Int64(max(next, 0.005) * 1000)))
                        }
                    }
                }
                await withTaskCancellationOrGracefulShutdownHandler {
                    _ = await listener.wait(timeout: wait)
                } onCancelOrGracefulShutdown: {
                    self.listener.wake()
                }
            }
            // Leaving the group waits for the sends in hand: they finish and are recorded.
        }
    }

    private func claimRound(limit: Int) async throws -> DeliveryClaim {
        let (store, lease) = (store, configuration.lease)
        return try await pool.withTransaction { connection in
            try store.claim(limit: limit, lease: lease, on: connection)
        }
    }

    /// Renders and sends one claim's deliveries, each recorded as it finishes.
    func process(_ claim: DeliveryClaim) async {
        let composer = self.composer
        let deliveries = claim.deliveries
        let input: DocumentComposer.Input
        do {
            // One snapshot for the whole claim: every copy reflects the same state.
            input = try await pool.withTransaction(isolation: .repeatableRead) { connection in
                try composer.load(deliveries, on: connection)
            }
        } catch {
            // The rows stay `sending` until their lease runs out, then are claimed again.
            logger.warning("reading documents for a claim failed; the deliveries are retried after their lease",
                           metadata: ["error": "\(error)", "count": "\(deliveries.count)"])
            release(deliveries.count)
            return
        }
        await withDiscardingTaskGroup { group in
            for delivery in deliveries {
                group.addTask {
                    // Rendering is CPU work of a few milliseconds; the copies render in parallel.
                    await self.deliver(delivery, composition: composer.compose(delivery, from: input), token: claim.token)
                    self.release(1)
                }
            }
        }
    }

    private func release(_ count: Int) {
        inFlight.withLock { $0 -= count }
        listener.wake()
    }

    func deliver(_ delivery: ClaimedDelivery, composition: Composition, token: UUID) async {
        let span = TracePropagation.context(traceparent: delivery.traceparent).map { parent in
            let span = startSpan("smtp send", context: parent, ofKind: .client)
            span.attributes["samtak.delivery.attempt"] = delivery.attempts
            return span
        }
        await InstrumentationContext.$current.withValue(span?.context ?? InstrumentationContext.current) {
            let outcome: DeliveryOutcome
            switch composition {
            case .failure(let reason):
                outcome = .failed(reason: reason)
            case .mail where delivery.attempts > configuration.maxAttempts:
                // Taken over after expired leases too often (e.g. a message that kills the worker).
                outcome = .failed(reason: "retries_exhausted")
            case .mail(let mail):
                let started = ContinuousClock.now
                do throws(SMTPError) {
                    try await sender.send(message: mail.raw, from: configuration.from.email, to: mail.to)
                    health.recordReachable()
                    outcome = .sent(disclosures: mail.disclosures)
                    DeliveryMetrics.sendTimer(ok: true).record(duration: ContinuousClock.now - started)
                } catch {
                    outcome = classify(error, attempts: delivery.attempts)
                    DeliveryMetrics.sendTimer(ok: false).record(duration: ContinuousClock.now - started)
                }
            }
            span?.attributes["samtak.delivery.outcome"] = outcome.code
            if case .failed = outcome { span?.setStatus(SpanStatus(code: .error)) }
            await record(delivery, token: token, outcome: outcome)
        }
        span?.end()
    }

    func classify(_ error: SMTPError, attempts: Int) -> DeliveryOutcome {
        let reply = error.replyCode
        if reply == nil {
            if error.kind == .transient {
                health.recordUnreachable(pauseBase: configuration.retryBase, pauseCap: min(configuration.retryCap, .seconds(30)))
            }
        } else {
            health.recordReachable()
        }
        switch error.kind {
        case .permanent:
            return .failed(reason: reply.map { "smtp_\($0)" } ?? "address_unusable")
        case .transient:
            if attempts >= configuration.maxAttempts { return .failed(reason: "retries_exhausted") }
            let code = reply.map { "smtp_\($0)" } ?? error.curlCode.map { "curl_\($0)" } ?? "transient"
            return .retry(code: code, delay: configuration.retryDelay(afterAttempt: attempts))
        }
    }

    /// Records the outcome through the worker's ``OutcomeRecorder`` (outcomes finishing
    /// together share one transaction); nil when it could not be recorded before the lease
    /// would have run out (the row is then retried after its lease).
    private func record(_ delivery: ClaimedDelivery, token: UUID, outcome: DeliveryOutcome) async {
        guard let result = await recorder.record(delivery, token: token, outcome: outcome) else { return }
        counters.withLock { counters in
            switch (result, outcome) {
            case (.leaseLost, _): counters.leasesLost += 1
            case (.applied, .sent): counters.sent += 1
            case (.applied, .retry): counters.retried += 1
            case (.applied, .failed): counters.failed += 1
            }
        }
        DeliveryMetrics.record(result, outcome)
        switch (result, outcome) {
        case (.leaseLost, _):
            logger.warning("delivery lease lost before its outcome was recorded", metadata: ["delivery_id": "\(delivery.id)"])
        case (.applied(let completed), .failed(let reason)):
            logger.warning("delivery failed", metadata: [
                "delivery_id": "\(delivery.id)", "document_id": "\(delivery.documentId)", "reason": "\(reason)",
                "document_completed": "\(completed)",
            ])
        case (.applied, .retry(let code, let delay)):
            logger.info("delivery will be retried", metadata: [
                "delivery_id": "\(delivery.id)", "error": "\(code)", "attempt": "\(delivery.attempts)", "retry_in": "\(delay)",
            ])
        case (.applied(let completed), .sent):
            if completed { logger.info("document delivered", metadata: ["document_id": "\(delivery.documentId)"]) }
        }
    }

    private func sleep(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}

/// Every `sweepInterval`: completes documents left complete-but-unannounced, and probes the
/// relay while sends find it unreachable.
struct NotifierMaintenance: Service {
    let pool: PostgresPool
    let store: DeliveryStore
    let health: SMTPHealth
    let configuration: NotifierConfiguration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            let store = self.store
            do {
                let completed = try await pool.withTransaction { connection in try store.sweep(on: connection) }
                if completed > 0 { logger.warning("sweep announced complete documents", metadata: ["count": "\(completed)"]) }
            } catch {
                logger.warning("document sweep failed", metadata: ["error": "\(error)"])
            }
            if health.problem != nil {
                await health.probe()
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.sweepInterval) }
        }
    }
}

extension DeliveryOutcome {
    /// `sent`, `retry` or `failed` (a metric label and span attribute).
    var code: String {
        switch self {
        case .sent: "sent"
        case .retry: "retry"
        case .failed: "failed"
        }
    }
}

/// The delivery worker's instruments (labels are outcome and reason codes only).
enum DeliveryMetrics {
    static func record(_ result: DeliveryStore.FinishResult, _ outcome: DeliveryOutcome) {
        guard case .applied = result else {
            Counter(label: "samtak_delivery_leases_lost_total").increment()
            return
        }
        Counter(label: "samtak_deliveries_total", dimensions: [("outcome", outcome.code)]).increment()
        if case .failed(let reason) = outcome {
            Counter(label: "samtak_delivery_failures_total", dimensions: [("reason", reason)]).increment()
        }
    }

    static func sendTimer(ok: Bool) -> Timer {
        Timer(label: "samtak_smtp_send_duration_seconds", dimensions: [("result", ok ? "ok" : "error")], preferredDisplayUnit: .seconds)
    }
}
