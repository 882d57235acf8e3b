import Foundation
import Logging
import SamtakKafka
import Testing

@Suite("Kafka produce/consume round trip", .timeLimit(.minutes(1)))
struct KafkaRoundTripTests {
    @Test("1,000 records round-trip through a group consumer; a new member resumes after the commit")
    func groupRoundTripAndResume() async throws {
        try await KafkaTestEnvironment.requireBroker()
        try await roundTrip(mode: "group", count: 1000, committed: 600) { topic in .group(topics: [topic]) }
    }

    @Test("manual assignment starts at the group's committed offsets")
    func manualRoundTripAndResume() async throws {
        try await KafkaTestEnvironment.requireBroker()
        try await roundTrip(mode: "manual", count: 1000, committed: 350) { topic in .manual(topics: [topic]) }
    }

    /// Produces `count` records, consumes them all with one consumer and checks them, commits the
    /// first `committed` (in consumption order, so a prefix of every partition), closes, then checks
    /// that a second consumer of the same group gets exactly the rest.
    private func roundTrip(
        mode: String,
        count: Int,
        committed: Int,
        assignment: (String) -> KafkaConsumer.Assignment
    ) async throws {
        let topic = try await KafkaTestEnvironment.makeTopic("rt-\(mode)", partitions: 3)
        let group = KafkaTestEnvironment.unique("group-\(mode)")
        let log = TestLog()

        // Produce.
        let producer = try KafkaProducer(configuration: KafkaTestEnvironment.configuration("producer-\(mode)"), logger: log.logger)
        let messages = (0..<count).map { TestRecords.message(topic: topic, sequence: $0) }
        let results = await producer.send(messages)
        await producer.shutdown()
        let metadata = try results.map { try $0.get() }
        #expect(metadata.count == count)
        #expect(Set(metadata.map { PartitionOffset(partition: $0.partition, offset: $0.offset) }).count == count)
        #expect(Set(metadata.map(\.partition)).count > 1, "the keys should spread over the partitions")
        #expect(metadata.allSatisfy { $0.topic == topic })

        // Consume everything with the first consumer.
        let first = try KafkaConsumer(
            configuration: KafkaTestEnvironment.configuration("consumer-\(mode)-1"),
            groupID: group,
            assignment: assignment(topic),
            logger: log.logger
        )
        let received = try await pollUntil(first, count: count, within: .seconds(25))
        #expect(received.count == count)

        var lastSequence: [Int32: Int] = [:]
        var lastOffset: [Int32: Int64] = [:]
        var seen = Set<Int>()
        for message in received {
            guard let sequence = TestRecords.sequence(of: message) else {
                Issue.record("a record without a sequence number at \(message.position)")
                continue
            }
            #expect(seen.insert(sequence).inserted, "record \(sequence) was delivered twice")
            let sent = messages[sequence]
            #expect(message.topic == topic)
            #expect(message.key == sent.key)
            #expect(message.value == sent.value)
            #expect(message.headers == sent.headers)
            #expect(message.timestamp != nil)
            #expect(metadata[sequence].partition == message.partition && metadata[sequence].offset == message.offset)
            // Per-partition order: sequence numbers and offsets only grow.
            #expect(sequence > lastSequence[message.partition, default: -1], "out of order on partition \(message.partition)")
            #expect(message.offset > lastOffset[message.partition, default: -1])
            lastSequence[message.partition] = sequence
            lastOffset[message.partition] = message.offset
        }

        // Commit a prefix of every partition (`committed` records in all), then leave.
        let byPartition = Dictionary(grouping: received, by: \.partition)
        var committedRecords: [KafkaConsumerMessage] = []
        for (partition, records) in byPartition.sorted(by: { $0.key < $1.key }) {
            let share = partition == byPartition.keys.max()
                ? committed - committedRecords.count
                : records.count * committed / count
            committedRecords += records.prefix(share)
        }
        #expect(committedRecords.count == committed)
        #expect(Set(committedRecords.map(\.partition)).count == byPartition.count)
        try await first.commit(committedRecords)
        try await first.commit([])
        await first.close()
        await first.close()
        await #expect(throws: KafkaError.self) { _ = try await first.poll(maxMessages: 1, timeout: .zero) }

        // A new consumer in the same group resumes exactly after the committed offsets.
        let second = try KafkaConsumer(
            configuration: KafkaTestEnvironment.configuration("consumer-\(mode)-2"),
            groupID: group,
            assignment: assignment(topic),
            logger: log.logger
        )
        let alreadyCommitted = Set(committedRecords.map(\.position))
        let expected = Set(received.map(\.position)).subtracting(alreadyCommitted)
        var resumed = try await pollUntil(second, count: expected.count, within: .seconds(25))
        resumed += try await second.poll(maxMessages: 100, timeout: .milliseconds(500))
        let resumedPositions = resumed.map(\.position)
        #expect(resumedPositions.count == Set(resumedPositions).count, "a record was delivered twice after the commit")
        #expect(Set(resumedPositions) == expected)
        #expect(alreadyCommitted.isDisjoint(with: resumedPositions), "a committed record was delivered again")
        try await second.commit(resumed)
        await second.close()

        // The client logs went to swift-log, with no payloads or keys in them.
        let entries = log.entries
        #expect(entries.contains { $0.message.contains("librdkafka:") || $0.message.contains("Kafka consumer") })
        if mode == "group" {
            #expect(entries.contains { $0.level == .info && $0.message.contains("rebalance") && $0.message.contains("assigned") })
        }
        let leaked = entries.filter {
            $0.fullText.contains(TestRecords.payloadMarker) || $0.fullText.contains(TestRecords.keyMarker)
        }
        #expect(leaked.isEmpty, "log entries contain payloads or keys: \(leaked.prefix(3).map(\.message))")
    }

    @Test("concurrent single sends from many tasks each complete once with their own offset")
    func concurrentSends() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let topic = try await KafkaTestEnvironment.makeTopic("concurrent", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaTestEnvironment.configuration("concurrent"), logger: TestLog().logger)
        let stored = try await withThrowingTaskGroup(of: KafkaRecordMetadata.self) { group in
            for sequence in 0..<500 {
                group.addTask { try await producer.send(TestRecords.message(topic: topic, sequence: sequence)) }
            }
            return try await group.reduce(into: [KafkaRecordMetadata]()) { $0.append($1) }
        }
        await producer.shutdown()
        #expect(stored.count == 500)
        #expect(Set(stored.map { PartitionOffset(partition: $0.partition, offset: $0.offset) }).count == 500)
    }

    @Test("close interrupts a waiting poll")
    func closeInterruptsPoll() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let topic = try await KafkaTestEnvironment.makeTopic("close", partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: KafkaTestEnvironment.configuration("close"),
            groupID: KafkaTestEnvironment.unique("close-group"),
            assignment: .manual(topics: [topic]),
            logger: TestLog().logger
        )
        #expect(try await consumer.poll(maxMessages: 10, timeout: .milliseconds(300)).isEmpty)
        let clock = ContinuousClock()
        let start = clock.now
        async let waiting = consumer.poll(maxMessages: 10, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(300))
        await consumer.close()
        let interrupted = try await waiting
        #expect(interrupted.isEmpty)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("sends after shutdown fail; shutdown is idempotent")
    func sendAfterShutdown() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let topic = try await KafkaTestEnvironment.makeTopic("shutdown", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaTestEnvironment.configuration("shutdown"), logger: TestLog().logger)
        let stored = try await producer.send(KafkaProducerMessage(topic: topic, value: []))
        #expect(stored.offset == 0)
        try await producer.flush(timeout: .seconds(20))
        async let first: Void = producer.shutdown()
        async let second: Void = producer.shutdown()
        _ = await (first, second)
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: topic, value: [1]))
        }
        #expect(error?.code == KafkaError.Codes.destroyed)
        await #expect(throws: KafkaError.self) { try await producer.flush(timeout: .seconds(1)) }
    }

    @Test("invalid configuration is reported as a KafkaError")
    func invalidConfiguration() {
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(
                configuration: KafkaConfiguration(brokers: "127.0.0.1:1", clientID: "bad", properties: ["no.such.property": "1"]),
                logger: TestLog().logger
            )
        }
        #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: KafkaConfiguration(brokers: "127.0.0.1:1", clientID: "bad"),
                groupID: "g",
                assignment: .group(topics: []),
                logger: TestLog().logger
            )
        }
    }
}

@Suite("Kafka client lifetime", .timeLimit(.minutes(1)))
struct KafkaLifetimeTests {
    @Test("clients dropped without shutdown or close are cleaned up on their own threads")
    func droppedClients() async throws {
        try await KafkaTestEnvironment.requireBroker()
        let topic = try await KafkaTestEnvironment.makeTopic("dropped", partitions: 1)
        let log = TestLog()
        do {
            let producer = try KafkaProducer(configuration: KafkaTestEnvironment.configuration("dropped-producer"), logger: log.logger)
            _ = try await producer.send(KafkaProducerMessage(topic: topic, value: [1]))
        }
        do {
            let consumer = try KafkaConsumer(
                configuration: KafkaTestEnvironment.configuration("dropped-consumer"),
                groupID: KafkaTestEnvironment.unique("dropped-group"),
                assignment: .manual(topics: [topic]),
                logger: log.logger
            )
            #expect(try await consumer.poll(maxMessages: 10, timeout: .seconds(20)).count == 1)
        }
        do {
            let admin = try KafkaAdminClient(configuration: KafkaTestEnvironment.configuration("dropped-admin"), logger: log.logger)
            _ = try await admin.ping(timeout: .seconds(20))
        }
        let expected = ["Kafka producer shut down", "Kafka consumer closed", "Kafka admin client shut down"]
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        while clock.now < deadline && !expected.allSatisfy({ line in log.entries.contains { $0.message == line } }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        for line in expected {
            #expect(log.entries.contains { $0.message == line }, "missing log line: \(line)")
        }
    }
}
