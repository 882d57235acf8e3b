import Foundation
import Logging
import SamtakKafka
import Synchronization
import Testing

/// Shared helpers for the SamtakKafka integration tests (kept in this target so it has no other
/// test dependencies).
enum KafkaTestEnvironment {
    /// The broker under test: `SAMTAK_KAFKA_BROKERS`, default the local Tansu of `Deploy/infra up`.
    static var brokers: String {
        let value = ProcessInfo.processInfo.environment["SAMTAK_KAFKA_BROKERS"] ?? ""
        return value.isEmpty ? "127.0.0.1:19092" : value
    }

    static func configuration(_ purpose: String, properties: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, clientID: "samtak-test-\(purpose)", properties: properties)
    }

    /// A name no other test (or earlier run) uses.
    static func unique(_ prefix: String) -> String {
        "samtak-test-\(prefix)-\(UUID().uuidString.lowercased())"
    }

    /// Fails the calling test, saying what is missing, if the broker does not answer.
    static func requireBroker() async throws {
        do {
            let brokerCount = try await KafkaAdmin.ping(
                configuration: configuration("ping"),
                timeout: .seconds(20),
                logger: TestLog().logger
            )
            #expect(brokerCount >= 1)
        } catch {
            throw BrokerUnavailable(brokers: brokers, underlying: error)
        }
    }

    /// Creates a topic for one test.
    static func makeTopic(_ prefix: String, partitions: Int32) async throws -> String {
        let name = unique(prefix)
        try await KafkaAdmin.createTopics(
            [KafkaTopicSpecification(name: name, partitions: partitions)],
            configuration: configuration("admin"),
            timeout: .seconds(10),
            logger: TestLog().logger
        )
        return name
    }
}

struct BrokerUnavailable: Error, CustomStringConvertible {
    let brokers: String
    let underlying: KafkaError

    var description: String {
        "The Kafka broker at \(brokers) is not reachable (\(underlying)). These integration tests need a running "
            + "Kafka-protocol broker: start the local one with `Deploy/infra up`, or point SAMTAK_KAFKA_BROKERS at one."
    }
}

/// A log handler that records every entry (so tests can inspect what was logged) and prints
/// entries at `SAMTAK_KAFKA_TEST_LOG` level or above (nothing by default).
final class TestLog: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]

        var fullText: String {
            ([message] + metadata.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }

    private let storage = Mutex<[Entry]>([])
    private let printLevel: Logger.Level? = ProcessInfo.processInfo.environment["SAMTAK_KAFKA_TEST_LOG"]
        .flatMap(Logger.Level.init(rawValue:))

    var entries: [Entry] { storage.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "samtak.kafka.test") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    fileprivate func record(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
        if let printLevel, entry.level >= printLevel {
            let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
            FileHandle.standardError.write(Data("\(time) [\(entry.level)] \(entry.fullText)\n".utf8))
        }
    }

    private struct Handler: LogHandler {
        let log: TestLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all: [String: String] = [:]
            for (key, value) in metadata { all[key] = "\(value)" }
            for (key, value) in event.metadata ?? [:] { all[key] = "\(value)" }
            log.record(Entry(level: event.level, message: "\(event.message)", metadata: all))
        }
    }
}

/// Test records whose content can be checked after the round trip.
enum TestRecords {
    static let payloadMarker = "PAYLOAD-MUST-NOT-BE-LOGGED"
    static let keyMarker = "KEY-MUST-NOT-BE-LOGGED"

    static func message(topic: String, sequence: Int, keys: Int = 29) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic,
            key: Array("\(keyMarker)-\(sequence % keys)".utf8),
            value: value(sequence),
            headers: headers(sequence)
        )
    }

    static func value(_ sequence: Int) -> [UInt8] {
        Array("\(sequence)|\(payloadMarker)|".utf8) + (0..<(sequence % 50)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ sequence) }
    }

    static func headers(_ sequence: Int) -> [KafkaHeader] {
        [
            KafkaHeader(key: "seq", value: Array("\(sequence)".utf8)),
            KafkaHeader(key: "binary", value: [0, 255, UInt8(sequence % 256), 10, 13]),
            KafkaHeader(key: "empty", value: []),
            KafkaHeader(key: "null", value: nil),
            KafkaHeader(key: "seq", value: Array("dup-\(sequence)".utf8)),
        ]
    }

    /// The sequence number a record carries in its value.
    static func sequence(of message: KafkaConsumerMessage) -> Int? {
        guard let bar = message.value.firstIndex(of: UInt8(ascii: "|")) else { return nil }
        return Int(String(decoding: message.value[..<bar], as: UTF8.self))
    }
}

/// Polls until `count` records arrived or `deadline` passed.
func pollUntil(
    _ consumer: KafkaConsumer,
    count: Int,
    within limit: Duration,
    batch: Int = 500
) async throws -> [KafkaConsumerMessage] {
    var received: [KafkaConsumerMessage] = []
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while received.count < count && clock.now < deadline {
        received += try await consumer.poll(maxMessages: batch, timeout: .milliseconds(500))
    }
    return received
}

struct PartitionOffset: Hashable, Sendable, CustomStringConvertible {
    let partition: Int32
    let offset: Int64
    var description: String { "\(partition)@\(offset)" }
}

extension KafkaConsumerMessage {
    var position: PartitionOffset { PartitionOffset(partition: partition, offset: offset) }
}
