import Foundation
import Logging
import SamtakPostgres

/// How long the tables that grow with every request or event keep their rows (issue 20).
///
/// | table | kept | setting |
/// |---|---|---|
/// | `outbox` (published rows) | 7 days | `SAMTAK_RETENTION_OUTBOX_DAYS` |
/// | `inbox` | 14 days, always longer than the outbox's | `SAMTAK_RETENTION_INBOX_DAYS` |
/// | `idempotency_keys` | 7 days | `SAMTAK_RETENTION_IDEMPOTENCY_DAYS` |
/// | `access_log` | 5 years (1,827 days) | `SAMTAK_RETENTION_ACCESS_LOG_DAYS` |
///
/// 0 keeps a table's rows for good. An inbox row must outlive the outbox row it stands for:
/// a redelivered event, or one the catch-up (``InboxCatchUp``) reads from the outbox, must
/// still find it, so the inbox keeps its rows at least one day longer than the outbox. The
/// access log's period is the municipality's decision (its retention rules for logs of
/// access to health and child-welfare data); the default keeps five years.
public struct RetentionPolicy: Sendable, Equatable {
    public var outbox: Duration
    public var inbox: Duration
    public var idempotencyKeys: Duration
    public var accessLog: Duration

    public static let day = Duration.seconds(24 * 3600)

    public init(outbox: Duration = day * 7, inbox: Duration = day * 14, idempotencyKeys: Duration = day * 7,
                accessLog: Duration = day * 1827) {
        self.outbox = outbox
        self.inbox = inbox
        self.idempotencyKeys = idempotencyKeys
        self.accessLog = accessLog
    }

    /// The policy the `SAMTAK_RETENTION_*` variables give (whole days, 0 = keep); a variable
    /// that is not a whole number of days in 0...36500 is refused.
    public init(environment: [String: String]) throws(RetentionSettingError) {
        func days(_ name: String, _ fallback: Duration) throws(RetentionSettingError) -> Duration {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
            guard let value = Int(text), (0...36500).contains(value) else { throw RetentionSettingError(variable: name) }
            return Self.day * value
        }
        let defaults = RetentionPolicy()
        self.init(outbox: try days("SAMTAK_RETENTION_OUTBOX_DAYS", defaults.outbox),
                  inbox: try days("SAMTAK_RETENTION_INBOX_DAYS", defaults.inbox),
                  idempotencyKeys: try days("SAMTAK_RETENTION_IDEMPOTENCY_DAYS", defaults.idempotencyKeys),
                  accessLog: try days("SAMTAK_RETENTION_ACCESS_LOG_DAYS", defaults.accessLog))
    }

    /// The process's settings; the defaults if a variable is not usable (the relay logs it).
    public static func fromProcessEnvironment() -> RetentionPolicy {
        (try? RetentionPolicy(environment: ProcessInfo.processInfo.environment)) ?? RetentionPolicy()
    }

    /// The inbox's effective period: never shorter than the outbox's plus a day (0 keeps
    /// the inbox for good, and so does an outbox kept for good).
    var effectiveInbox: Duration {
        if inbox == .zero || outbox == .zero { return .zero }
        return max(inbox, outbox + Self.day)
    }

    /// (table, time column, period, extra condition) of each rule.
    var rules: [(table: String, column: String, period: Duration, condition: String)] {
        [("outbox", "published_at", outbox, "published_at IS NOT NULL"),
         ("inbox", "processed_at", effectiveInbox, "true"),
         ("idempotency_keys", "created_at", idempotencyKeys, "true"),
         ("access_log", "at", accessLog, "true")]
    }
}

public struct RetentionSettingError: Error, CustomStringConvertible {
    public var variable: String
    public var description: String { "\(variable) must be a whole number of days between 0 and 36500" }
}

/// Deletes what the ``RetentionPolicy`` no longer keeps, in batches of `batchSize` rows,
/// one short transaction each, so a sweep never holds many locks or a long snapshot. Any
/// number of processes may sweep at once (each batch deletes what it finds). The relay
/// of every service runs it every 10 minutes; tables a deployment does not have are skipped.
public struct RetentionSweep: Sendable {
    public var policy: RetentionPolicy
    public var batchSize: Int

    public init(policy: RetentionPolicy, batchSize: Int = 5000) {
        self.policy = policy
        self.batchSize = max(1, batchSize)
    }

    /// Rows deleted per table.
    @discardableResult
    public func run(pool: PostgresPool, logger: Logger) async throws -> [String: Int] {
        var deleted: [String: Int] = [:]
        for rule in policy.rules where rule.period > .zero {
            let seconds = Int(rule.period.components.seconds)
            var total = 0
            while true {
                let count = try await pool.withConnection { connection -> Int in
                    guard try connection.query(SQL("SELECT to_regclass(\(rule.table)) IS NOT NULL")).first?.decode(Bool.self, 0) == true
                    else { return 0 }
                    // Table and column names come from the fixed rules above, never from input.
                    return try connection.execute(SQL("""
                        DELETE FROM \(unsafeRaw: rule.table) WHERE ctid = ANY (ARRAY(
                            SELECT ctid FROM \(unsafeRaw: rule.table)
                            WHERE \(unsafeRaw: rule.condition) AND \(unsafeRaw: rule.column) < now() - make_interval(secs => \(seconds))
                            LIMIT \(batchSize)))
                        """))
                }
                total += count
                if count < batchSize { break }
            }
            if total > 0 {
                deleted[rule.table] = total
                logger.info("retention sweep deleted rows", metadata: ["table": "\(rule.table)", "count": "\(total)"])
            }
        }
        return deleted
    }
}
