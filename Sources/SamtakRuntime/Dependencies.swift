import Foundation
import Logging
import SamtakKafka
import SamtakPostgres
import Synchronization

/// The schema version this build of the services needs. Bump it with every migration
/// (a test checks that it equals the highest file number in `Schema/`).
public enum SamtakSchema {
    public static let requiredVersion = 27
}

/// Checks PostgreSQL (reachable, schema migrated far enough) and the broker (answers a
/// metadata request), for readiness and for waiting at start.
public final class Dependencies: Sendable {
    public struct Report: Sendable, Codable, Equatable {
        public var postgres: String
        public var broker: String
        public var schemaVersion: Int?
        public var extra: [String: String]
        public var ready: Bool
    }

    let pool: PostgresPool
    /// nil for a process without Kafka: the broker is not probed and not needed for readiness.
    let kafka: KafkaConfiguration?
    /// One long-lived admin handle for the broker probe (a handle per probe would reconnect every time).
    let admin: KafkaAdminClient?
    let logger: Logger
    let requiredSchemaVersion: Int
    private let cache = Mutex<(report: Report, at: ContinuousClock.Instant)?>(nil)
    private let extraChecks = Mutex<[String: @Sendable () -> String?]>([:])

    public init(pool: PostgresPool, kafka: KafkaConfiguration?, requiredSchemaVersion: Int = SamtakSchema.requiredVersion, logger: Logger) {
        self.pool = pool
        self.kafka = kafka
        self.requiredSchemaVersion = requiredSchemaVersion
        self.logger = logger
        self.admin = kafka.flatMap { try? KafkaAdminClient(configuration: $0, logger: logger) }
    }

    /// Releases the broker probe's handle.
    public func shutdown() async {
        await admin?.shutdown()
    }

    /// Adds a readiness condition: return nil when fine, or a short reason.
    public func addCheck(_ name: String, _ check: @escaping @Sendable () -> String?) {
        extraChecks.withLock { $0[name] = check }
    }

    /// A fresh report (at most one probe round every 2 s; probes are bounded by timeouts).
    public func report() async -> Report {
        if let cached = cache.withLock({ $0 }), ContinuousClock.now - cached.at < .seconds(2) {
            return withExtraChecks(cached.report)
        }
        let report = await probe()
        cache.withLock { $0 = (report, ContinuousClock.now) }
        return withExtraChecks(report)
    }

    private func withExtraChecks(_ report: Report) -> Report {
        var report = report
        for (name, check) in extraChecks.withLock({ $0 }) {
            let problem = check()
            report.extra[name] = problem ?? "ok"
            if problem != nil { report.ready = false }
        }
        return report
    }

    private func probe() async -> Report {
        async let postgresResult = probePostgres()
        async let brokerResult = probeBroker()
        let (postgres, version) = await postgresResult
        let broker = await brokerResult
        return Report(postgres: postgres, broker: broker, schemaVersion: version, extra: [:], ready: postgres == "ok" && (broker == "ok" || kafka == nil))
    }

    private func probePostgres() async -> (String, Int?) {
        let required = requiredSchemaVersion
        do {
            let version = try await withTimeout(.seconds(3)) {
                try await self.pool.withConnection { connection in
                    try PostgresMigrator.appliedVersion(on: connection)
                }
            }
            if version < required {
                return ("schema version \(version), need \(required): run `samtak-admin migrate`", version)
            }
            return ("ok", version)
        } catch {
            return ("unreachable at \(pool.configuration.endpointDescription): \(error)", nil)
        }
    }

    private func probeBroker() async -> String {
        guard let kafka else { return "not used" }
        do {
            if let admin {
                _ = try await admin.ping(timeout: .seconds(3))
            } else {
                _ = try await KafkaAdmin.ping(configuration: kafka, timeout: .seconds(3), logger: logger)
            }
            return "ok"
        } catch {
            return "unreachable at \(kafka.brokers): \(error)"
        }
    }

    /// Waits until PostgreSQL and the broker answer and the schema is current, logging what
    /// is missing and where, with backoff (0.5 s doubling to 10 s). Returns early on shutdown.
    public func waitUntilAvailable() async {
        var delay = Duration.milliseconds(500)
        var attempt = 0
        while !Task.isCancelled {
            let report = await probe()
            cache.withLock { $0 = (report, ContinuousClock.now) }
            if report.ready {
                if attempt > 0 { logger.info("dependencies available") }
                return
            }
            attempt += 1
            logger.warning("waiting for dependencies", metadata: [
                "postgres": "\(report.postgres)", "broker": "\(report.broker)", "attempt": "\(attempt)", "retry_in": "\(delay)",
            ])
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(10))
        }
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Runs `body`, failing with a timeout error if it takes longer than `duration`.
public func withTimeout<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeoutError() }
        return first
    }
}
