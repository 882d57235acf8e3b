import CRdKafka
import Logging

/// A long-lived handle for cluster operations: readiness pings and topic creation.
///
/// Keep one per process for readiness probes: each ``ping(timeout:)`` reuses the same connections,
/// so probing every few seconds creates no handles or threads. The one-shot functions on
/// ``KafkaAdmin`` create a temporary client and shut it down before returning.
///
/// Design: a producer-type `rd_kafka_t` (never used to produce) and one dedicated thread that
/// polls it between requests (serving error events) and runs the blocking metadata and admin calls.
public final class KafkaAdminClient: Sendable {
    private let client: RdKafkaClient
    private let worker: KafkaWorkerThread
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        try KafkaLibrary.requireSupportedVersion()
        let context = KafkaClientContext(logger: logger, role: "admin", clientID: configuration.clientID)
        let client = try RdKafkaClient(
            kind: RD_KAFKA_PRODUCER,
            properties: configuration.librdkafkaProperties(),
            context: context
        )
        self.client = client
        self.logger = context.logger
        self.worker = KafkaWorkerThread(
            name: "kafka-admin",
            idle: { [client] in
                if !client.isDestroyed { _ = rd_kafka_poll(client.handle, 200) }
            },
            wake: { [client] in client.interruptPoll() }
        )
    }

    deinit {
        if client.beginClose() {
            worker.submit { [client] in KafkaAdminClient.finish(client: client) }
        }
        worker.stop()
    }

    /// Asks the cluster for its metadata (brokers only); returns the number of brokers.
    /// Throws (`_TRANSPORT`, `_TIMED_OUT`, …) if no broker answers within `timeout`.
    public func ping(timeout: Duration) async throws(KafkaError) -> Int {
        let milliseconds = timeout.kafkaMilliseconds
        let result = await worker.run { [client] () -> Result<Int, KafkaError> in
            guard !client.isDestroyed else { return .failure(.shutDown("the admin client was shut down")) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.handle, 0, nil, &metadata, milliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(
                    KafkaError(err, message: "no Kafka broker answered a metadata request: \(String(cString: rd_kafka_err2str(err)))")
                )
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let brokers = Int(metadata.pointee.broker_cnt)
            guard brokers > 0 else {
                return .failure(KafkaError(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, message: "the cluster reported no brokers"))
            }
            return .success(brokers)
        }
        return try (result ?? .failure(.shutDown("the admin client was shut down"))).get()
    }

    /// Creates the topics with the admin API (CreateTopics). A topic that already exists counts
    /// as created (its partition count is not checked). Throws the first other per-topic error.
    public func createTopics(_ topics: [KafkaTopicSpecification], timeout: Duration) async throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let milliseconds = timeout.kafkaMilliseconds
        let result = await worker.run { [client, logger] () -> Result<Void, KafkaError> in
            guard !client.isDestroyed else { return .failure(.shutDown("the admin client was shut down")) }
            return KafkaAdminClient.createTopicsOnWorker(topics, rk: client.handle, milliseconds: milliseconds, logger: logger)
        }
        try (result ?? .failure(.shutDown("the admin client was shut down"))).get()
    }

    /// Runs a blocking request on the handle's thread (see KafkaGroupLag.swift).
    func runOnWorker<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) -> Result<T, KafkaError>) async -> Result<T, KafkaError> {
        let result = await worker.run { [client] () -> Result<T, KafkaError> in
            guard !client.isDestroyed else { return .failure(.shutDown("the admin client was shut down")) }
            return body(client.handle)
        }
        return result ?? .failure(.shutDown("the admin client was shut down"))
    }

    /// Destroys the handle and stops the thread. Idempotent; later calls wait for the first.
    public func shutdown() async {
        if client.beginClose() {
            _ = await worker.run { [client, worker] in
                KafkaAdminClient.finish(client: client)
                worker.stop()
            }
        } else {
            _ = await worker.run {}
        }
    }

    private static func finish(client: RdKafkaClient) {
        guard !client.isDestroyed else { return }
        client.destroy()
        client.context.logger.debug("Kafka admin client shut down")
    }

    private static func createTopicsOnWorker(
        _ topics: [KafkaTopicSpecification],
        rk: OpaquePointer,
        milliseconds: Int32,
        logger: Logger
    ) -> Result<Void, KafkaError> {
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            var errstr = [CChar](repeating: 0, count: 512)
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, Int32(topic.replicationFactor), &errstr, errstr.count
                )
            else {
                return .failure(.invalidArgument("topic \(topic.name): \(String(cCharBuffer: errstr))"))
            }
            newTopics.append(newTopic)
        }

        guard let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not create admin options"))
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errstr, errstr.count)

        guard let queue = rd_kafka_queue_new(rk) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not create a result queue"))
        }
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(rk, buffer.baseAddress, buffer.count, options, queue)
        }
        // The request times out on its own after `milliseconds`; allow a little more for the result.
        guard let event = rd_kafka_queue_poll(queue, milliseconds &+ 1000) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "CreateTopics got no answer in time"))
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            return .failure(KafkaError(eventError, message: "CreateTopics failed: \(text)"))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "unexpected answer to CreateTopics"))
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return .success(()) }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let err = rd_kafka_topic_result_error(topicResult)
            let name = rd_kafka_topic_result_name(topicResult).map { String(cString: $0) } ?? "?"
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                logger.info("Created Kafka topic", metadata: ["kafka.topic": "\(name)"])
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
                logger.debug("Kafka topic already exists", metadata: ["kafka.topic": "\(name)"])
            default:
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                return .failure(KafkaError(err, message: "could not create topic \(name): \(text)"))
            }
        }
        return .success(())
    }
}

/// One-shot cluster operations. Each call creates a temporary ``KafkaAdminClient`` and shuts it
/// down before returning; a readiness probe that runs often should keep a `KafkaAdminClient` instead.
public enum KafkaAdmin {
    /// Creates topics through the admin API; "already exists" is success.
    public static func createTopics(
        _ topics: [KafkaTopicSpecification],
        configuration: KafkaConfiguration,
        timeout: Duration,
        logger: Logger
    ) async throws(KafkaError) {
        let client = try KafkaAdminClient(configuration: configuration, logger: logger)
        let result: Result<Void, KafkaError>
        do {
            try await client.createTopics(topics, timeout: timeout)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        try result.get()
    }

    /// Asks the cluster for metadata; throws if no broker answers within `timeout`. Returns the broker count.
    public static func ping(configuration: KafkaConfiguration, timeout: Duration, logger: Logger) async throws(KafkaError) -> Int {
        let client = try KafkaAdminClient(configuration: configuration, logger: logger)
        let result: Result<Int, KafkaError>
        do {
            result = .success(try await client.ping(timeout: timeout))
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        return try result.get()
    }
}
