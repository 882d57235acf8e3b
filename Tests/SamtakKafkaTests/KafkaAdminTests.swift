import Foundation
import SamtakKafka
import Testing

@Suite("Kafka admin", .timeLimit(.minutes(1)))
struct KafkaAdminTests {
    @Test("ping returns at least one broker")
    func pingCountsBrokers() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let count = try await KafkaAdmin.ping(
            configuration: KafkaTestEnvironment.configuration("ping"),
            timeout: .seconds(20),
            logger: TestLog().logger
        )
        #expect(count >= 1)
    }

    @Test("a long-lived admin client answers repeated pings and shuts down idempotently")
    func repeatedPings() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let client = try KafkaAdminClient(configuration: KafkaTestEnvironment.configuration("probe"), logger: TestLog().logger)
        for _ in 0..<5 {
            #expect(try await client.ping(timeout: .seconds(20)) >= 1)
        }
        async let first: Void = client.shutdown()
        async let second: Void = client.shutdown()
        _ = await (first, second)
        await #expect(throws: KafkaError.self) { try await client.ping(timeout: .seconds(1)) }
    }

    @Test("ping against a dead address fails within its timeout")
    func pingDeadAddress() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: KafkaError.self) {
            try await KafkaAdmin.ping(
                configuration: KafkaConfiguration(brokers: "127.0.0.1:1", clientID: "samtak-test-dead-ping"),
                timeout: .seconds(1),
                logger: TestLog().logger
            )
        }
        let elapsed = clock.now - start
        // Not a speed check: it proves the 1 s timeout ends the ping instead of librdkafka's own
        // retries (minutes). The bound leaves room for a loaded machine (3.02 s was seen in a full run).
        #expect(elapsed < .seconds(15), "ping took \(elapsed)")
        #expect(error?.isRetriable == true, "\(String(describing: error))")
    }

    @Test("createTopics is idempotent")
    func createTopicsTwice() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let configuration = KafkaTestEnvironment.configuration("admin")
        let log = TestLog()
        let specs = [
            KafkaTopicSpecification(name: KafkaTestEnvironment.unique("admin-a"), partitions: 3),
            KafkaTopicSpecification(name: KafkaTestEnvironment.unique("admin-b"), partitions: 1, replicationFactor: 1),
        ]
        try await KafkaAdmin.createTopics(specs, configuration: configuration, timeout: .seconds(10), logger: log.logger)
        try await KafkaAdmin.createTopics(specs, configuration: configuration, timeout: .seconds(10), logger: log.logger)
        try await KafkaAdmin.createTopics([], configuration: configuration, timeout: .seconds(10), logger: log.logger)

        // The topic exists with its partitions: a manual consumer assigns all three.
        let consumer = try KafkaConsumer(
            configuration: configuration,
            groupID: KafkaTestEnvironment.unique("admin-group"),
            assignment: .manual(topics: [specs[0].name]),
            logger: log.logger
        )
        #expect(try await consumer.poll(maxMessages: 10, timeout: .milliseconds(200)).isEmpty)
        await consumer.close()
        let assigned = log.entries.first { $0.message.contains("assigned partitions manually") }
        #expect(assigned?.metadata["kafka.partitions"] == "\(specs[0].name)[0,1,2]")
    }

    @Test("a manual consumer of a topic that does not exist yet polls empty, then reads it once it is created")
    func manualConsumerBeforeTopic() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let configuration = KafkaTestEnvironment.configuration("early")
        let log = TestLog()
        let topic = KafkaTestEnvironment.unique("early")
        let consumer = try KafkaConsumer(configuration: configuration, groupID: KafkaTestEnvironment.unique("early-group"),
                                         assignment: .manual(topics: [topic]), logger: log.logger)
        // Before the topic exists (or while the broker is slow to answer) a poll is not an error.
        #expect(try await consumer.poll(maxMessages: 10, timeout: .milliseconds(200)).isEmpty)
        try await KafkaAdmin.createTopics([KafkaTopicSpecification(name: topic, partitions: 2)], configuration: configuration,
                                          timeout: .seconds(20), logger: log.logger)
        let producer = try KafkaProducer(configuration: configuration, logger: log.logger)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, key: Array("k".utf8), value: Array("v".utf8)))
        await producer.shutdown()
        var received: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while received.isEmpty && ContinuousClock.now < deadline {
            received += try await consumer.poll(maxMessages: 10, timeout: .milliseconds(500))
        }
        await consumer.close()
        #expect(received.map(\.value) == [Array("v".utf8)])
        #expect(log.entries.contains { $0.message.contains("assigned partitions manually") })
    }
}
