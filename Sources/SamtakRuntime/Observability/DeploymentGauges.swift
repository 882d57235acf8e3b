import Foundation
import Logging
import Metrics
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import SamtakPostgres
import Synchronization

/// The consumers of a Samtak deployment: the inbox consumer name (also the suffix of the Kafka
/// group id, after the topic prefix) and the topics each reads. The services build their
/// consumers from these, and every service's `/metrics` reports their lag.
public struct ConsumerDefinition: Sendable {
    public var name: String
    public var topics: [EventTopic]
}

public enum DeploymentConsumers {
    public static let scheduler = ConsumerDefinition(name: "samtak-scheduler", topics: [.cases, .arenas, .meetings])
    public static let notifier = ConsumerDefinition(name: "samtak-notifier", topics: [.meetings, .coordination])
    public static let all = [scheduler, notifier]
}

extension ServiceHost {
    /// Gauges refreshed when `/metrics` is read. This process's pool; and, the same on every
    /// service so that any one of them shows the whole deployment: the outbox backlog, open
    /// deliveries (from PostgreSQL) and every consumer group's lag (from the broker).
    func addOperationsCollectors() {
        let pool = self.pool
        Observability.addCollector("pool") {
            let statistics = pool.statistics
            Gauge(label: "samtak_db_pool_connections", dimensions: [("state", "in_use")]).record(statistics.open - statistics.idle)
            Gauge(label: "samtak_db_pool_connections", dimensions: [("state", "idle")]).record(statistics.idle)
            Gauge(label: "samtak_db_pool_waiting").record(statistics.waiting)
            Gauge(label: "samtak_db_pool_max_connections").record(pool.maxConnections)
        }
        let topics = configuration.topics
        Observability.addCollector("outbox") {
            let rows = try await pool.withConnection { connection in
                try connection.query(SQL("""
                    SELECT topic, count(*)::int8, coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float8
                    FROM outbox WHERE published_at IS NULL GROUP BY topic
                    """).prepared).map { row throws(PostgresError) in
                    (try row.decode(String.self, 0), try row.decode(Int.self, 1), try row.decode(Double.self, 2))
                }
            }
            var seen = Set<String>()
            for (topic, count, age) in rows {
                seen.insert(topic)
                Gauge(label: "samtak_outbox_unpublished", dimensions: [("topic", topic)]).record(count)
                Gauge(label: "samtak_outbox_oldest_unpublished_age_seconds", dimensions: [("topic", topic)]).record(age)
            }
            for topic in topics.all where !seen.contains(topic) {
                Gauge(label: "samtak_outbox_unpublished", dimensions: [("topic", topic)]).record(0)
                Gauge(label: "samtak_outbox_oldest_unpublished_age_seconds", dimensions: [("topic", topic)]).record(0)
            }
        }
        Observability.addCollector("deliveries") {
            let (open, due, oldest) = try await pool.withConnection { connection in
                let open = try connection.query(SQL("""
                    SELECT state, count(*)::int8 FROM deliveries WHERE state IN ('pending', 'sending') GROUP BY state
                    """).prepared).map { row throws(PostgresError) in (try row.decode(String.self, 0), try row.decode(Int.self, 1)) }
                let summary = try connection.query(SQL("""
                    SELECT count(*) FILTER (WHERE next_attempt_at <= now())::int8,
                           coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
                    FROM deliveries WHERE state IN ('pending', 'sending')
                    """).prepared).first
                return (open, try summary?.decode(Int.self, 0) ?? 0, try summary?.decode(Double.self, 1) ?? 0)
            }
            let counts = Dictionary(open, uniquingKeysWith: +)
            for state in ["pending", "sending"] {
                Gauge(label: "samtak_deliveries_open", dimensions: [("state", state)]).record(counts[state] ?? 0)
            }
            Gauge(label: "samtak_deliveries_due").record(due)
            Gauge(label: "samtak_deliveries_oldest_open_age_seconds").record(oldest)
        }
        if let admin = dependencies.admin {
            let lag = ConsumerLagCache(admin: admin, topics: topics)
            Observability.addCollector("consumer_lag") { try await lag.refresh() }
        }
    }
}

/// Consumer group lag from the broker, asked at most every 10 s however often `/metrics` is read.
final class ConsumerLagCache: Sendable {
    let admin: KafkaAdminClient
    let topics: TopicNaming
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(admin: KafkaAdminClient, topics: TopicNaming) {
        self.admin = admin
        self.topics = topics
    }

    func refresh() async throws {
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            if let previous = last, now - previous < .seconds(10) { return false }
            last = now
            return true
        }
        guard due else { return }
        for consumer in DeploymentConsumers.all {
            let partitions = try await admin.consumerGroupLag(groupID: topics.prefix + consumer.name, topics: consumer.topics.map(topics.name),
                                                              timeout: .seconds(2))
            for partition in partitions {
                let dimensions = [("consumer", consumer.name), ("topic", partition.topic), ("partition", String(partition.partition))]
                Gauge(label: "samtak_consumer_lag", dimensions: dimensions).record(partition.lag)
            }
        }
    }
}
