import Foundation
import Logging
import SamtakDomain
import SamtakKafka
import SamtakMessaging
import Synchronization

/// Reads every event of a test's topics from the broker in the background, so a test can
/// assert that a change was announced on Kafka (not just written to the outbox).
public final class EventTap: Sendable {
    private let events = Mutex<[EventEnvelope]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    public init(topics: TopicNaming, brokers: String = TestEnvironment.brokers) async throws {
        var kafka = TestEnvironment.kafka(clientID: "event-tap")
        kafka.brokers = brokers
        let logger = TestEnvironment.logger
        // A busy broker (many tests creating topics at once) may time out: retry a few times.
        var attempt = 0
        while true {
            do {
                try await KafkaAdmin.createTopics(topics.specifications, configuration: kafka, timeout: .seconds(30), logger: logger)
                break
            } catch {
                attempt += 1
                if attempt >= 4 || !error.isRetriable {
                    throw MissingTestDependency("the broker at \(brokers) does not answer (\(error)); run the tests with Deploy/test")
                }
                try await Task.sleep(for: .seconds(attempt))
            }
        }
        var properties = kafka
        properties.properties["fetch.wait.max.ms"] = "20"
        let consumer = try KafkaConsumer(configuration: properties, groupID: "tap-\(UUID().uuidString.prefix(8))",
                                         assignment: .manual(topics: topics.all), logger: logger)
        let running = Task { [self] in
            while !Task.isCancelled {
                guard let batch = try? await consumer.poll(maxMessages: 500, timeout: .milliseconds(200)) else { continue }
                let envelopes = batch.compactMap { try? EventEnvelope(kafkaMessage: $0) }
                if !envelopes.isEmpty { self.events.withLock { $0.append(contentsOf: envelopes) } }
            }
            await consumer.close()
        }
        task.withLock { $0 = running }
    }

    public var all: [EventEnvelope] { events.withLock { $0 } }

    /// Events of `type` (and `subject`, if given) seen so far.
    public func events(_ type: String, subject: UUID? = nil) -> [EventEnvelope] {
        all.filter { $0.type == type && (subject == nil || $0.subject == subject!.uuidString.lowercased()) }
    }

    /// Waits for the first event of `type` (and `subject`); nil after `timeout` (generous: on a
    /// loaded 2-core machine relay → broker → tap took over 20 s twice in a full run).
    public func waitFor(_ type: String, subject: UUID? = nil, timeout: Duration = .seconds(45)) async -> EventEnvelope? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = events(type, subject: subject).first { return event }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return events(type, subject: subject).first
    }

    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }
}
