import Foundation

/// A record header. A `nil` value is Kafka's null header value (distinct from an empty one).
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// A record to produce. The partition is chosen by librdkafka's default partitioner from the key
/// (records with equal keys go to the same partition and keep their order).
public struct KafkaProducerMessage: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// Where an acknowledged record was stored.
public struct KafkaRecordMetadata: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A consumed record. A null value on the wire is presented as an empty `value`.
public struct KafkaConsumerMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// The record's timestamp (create or log-append time), if the broker supplied one.
    public var timestamp: Date?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader],
        timestamp: Date?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// A topic to create.
public struct KafkaTopicSpecification: Sendable {
    public var name: String
    /// -1: the broker's `num.partitions`.
    public var partitions: Int32
    /// -1: the broker's `default.replication.factor`.
    public var replicationFactor: Int16

    public init(name: String, partitions: Int32, replicationFactor: Int16 = 1) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters: negative durations become 0,
    /// huge ones are clamped, sub-millisecond remainders round up (so a tiny positive timeout still waits).
    var kafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let (wholeMs, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int32.max }
        let fraction = attoseconds / 1_000_000_000_000_000
        let roundUp: Int64 = attoseconds % 1_000_000_000_000_000 == 0 ? 0 : 1
        return Int32(clamping: wholeMs.addingReportingOverflow(fraction + roundUp).partialValue)
    }
}
