import Foundation
import Logging
import Metrics
import SamtakMessaging
import SamtakPostgres
import ServiceLifecycle

/// Runs `body` every `interval` until shutdown. A failing round is logged and the next
/// one runs on time: a database outage delays the work, it never stops the loop. A graceful
/// shutdown lets the round in hand finish and ends the sleep at once.
///
/// Metrics: `samtak_scheduler_runs_total{worker,outcome}` (`ok`, `error`) and
/// `samtak_scheduler_run_duration_seconds{worker}`.
struct PeriodicWorker: Service {
    let name: String
    let interval: Duration
    let initialDelay: Duration
    let logger: Logger
    let body: @Sendable () async throws -> Void

    init(name: String, interval: Duration, initialDelay: Duration = .zero, logger: Logger, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.initialDelay = initialDelay
        self.logger = logger
        self.body = body
    }

    func run() async throws {
        if initialDelay > .zero { await sleep(initialDelay) }
        var failures = 0
        let succeeded = Counter(label: "samtak_scheduler_runs_total", dimensions: [("worker", name), ("outcome", "ok")])
        let failed = Counter(label: "samtak_scheduler_runs_total", dimensions: [("worker", name), ("outcome", "error")])
        let timer = Timer(label: "samtak_scheduler_run_duration_seconds", dimensions: [("worker", name)], preferredDisplayUnit: .seconds)
        while !Task.isCancelledOrShuttingDown {
            let started = ContinuousClock.now
            do {
                try await body()
                succeeded.increment()
                if failures > 0 { logger.info("periodic work recovered", metadata: ["worker": "\(name)", "failed_rounds": "\(failures)"]) }
                failures = 0
            } catch {
                failed.increment()
                failures += 1
                // Log the first failure and then every tenth, so a long outage does not flood the log.
                if failures == 1 || failures % 10 == 0 {
                    logger.warning("periodic work failed; retrying next round", metadata: [
                        "worker": "\(name)", "error": "\(error)", "failed_rounds": "\(failures)",
                    ])
                }
            }
            timer.record(duration: ContinuousClock.now - started)
            await sleep(interval)
        }
    }

    private func sleep(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}

extension PostgresPool {
    /// A transaction retried (up to `attempts` times, with a short growing pause) when
    /// PostgreSQL aborts it as a deadlock or serialization failure: two copies of the
    /// scheduler may lock the same rows in different orders, and the database breaks the tie.
    func transactionRetryingConflicts<Result: Sendable>(
        attempts: Int = 5, _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withTransaction(body)
            } catch let error as PostgresError where error.isSerializationFailure && attempt < attempts {
                try await Task.sleep(for: .milliseconds(10 * attempt + Int.random(in: 0...10)))
            }
        }
    }
}
