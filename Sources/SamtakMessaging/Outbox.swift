import Foundation
import SamtakDomain
import SamtakKafka
import SamtakPostgres

/// Names topics for one deployment: a prefix (default `samtak.`) plus the topic's name.
/// Tests use their own prefix so runs never see each other's events.
public struct TopicNaming: Sendable, Equatable {
    /// `partitions` or `replicationFactor` that leaves the choice to the broker
    /// (`num.partitions`, `default.replication.factor`).
    public static let brokerDefault: Int32 = -1

    public var prefix: String
    /// Partitions of each topic when Samtak creates it (consumers of one group share them);
    /// ``brokerDefault``: the broker's.
    public var partitions: Int32
    /// Replicas of each partition when Samtak creates a topic; ``brokerDefault``: the broker's.
    public var replicationFactor: Int16
    public init(prefix: String = "samtak.", partitions: Int32 = TopicNaming.brokerDefault,
                replicationFactor: Int16 = Int16(TopicNaming.brokerDefault)) {
        self.prefix = prefix
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
    public func name(_ topic: EventTopic) -> String { prefix + topic.rawValue }
    public var all: [String] { EventTopic.allCases.map(name) }
    public var specifications: [KafkaTopicSpecification] { specifications(for: EventTopic.allCases) }
    /// How Samtak creates these topics (an existing topic is left as it is).
    public func specifications(for topics: [EventTopic]) -> [KafkaTopicSpecification] {
        topics.map { KafkaTopicSpecification(name: name($0), partitions: partitions, replicationFactor: replicationFactor) }
    }
}

/// Writes events into the `outbox` table, inside the caller's transaction, so the change
/// and the event that announces it commit (or roll back) together.
///
/// Relays learn of new rows in two ways: a process's own relay is woken by its pool once
/// the writing connection comes back committed (``OutboxRelay`` registers as a commit
/// observer), and the table's trigger NOTIFYs `samtak_outbox` for every session that has
/// not set `samtak.relay_local = on` (Schema/0007), which wakes the relays of all processes.
public struct Outbox: Sendable {
    public let topics: TopicNaming
    /// CloudEvents `source` of this service, e.g. `/samtak/intake`.
    public let source: String

    public init(topics: TopicNaming, source: String) {
        self.topics = topics
        self.source = source
    }

    /// Appends `event` on `connection`, which must be inside a transaction with the change.
    @discardableResult
    public func append<Event: DomainEvent>(
        _ event: Event, on connection: PostgresConnection, id: UUID = UUID(), time: Date = Date()
    ) throws -> EventEnvelope {
        let envelope = try EventEnvelope(event, source: source, id: id, time: time)
        try append(envelope, topic: Event.topic, on: connection)
        return envelope
    }

    /// The row keeps the envelope's `traceparent` (the current span's when the envelope has
    /// none), so the relay can send it on and the consumers continue the trace.
    public func append(_ envelope: EventEnvelope, topic: EventTopic, on connection: PostgresConnection) throws {
        // Once this commits, the pool wakes this process's relay (if it runs one).
        connection.signalsCommitObservers = true
        let traceparent = envelope.traceparent ?? TracePropagation.traceparent()
        // Sent with COMMIT, in its round trip: nothing reads the row back in the transaction,
        // and if the insert fails nothing commits. (Its id is then taken just before the
        // commit, still under the locks the change holds.)
        try connection.executeAtCommit(SQL("""
            INSERT INTO outbox (event_id, topic, event_key, event_type, source, subject, occurred_at, data, traceparent)
            VALUES (\(envelope.id), \(topics.name(topic)), \(envelope.subject), \(envelope.type), \(envelope.source),
                    \(envelope.subject), \(envelope.time), \(PostgresJSON(String(decoding: envelope.data, as: UTF8.self))), \(traceparent))
            """).prepared)
    }
}
