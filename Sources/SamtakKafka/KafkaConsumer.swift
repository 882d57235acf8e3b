import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka consumer with manual, synchronous offset commits.
///
/// Defaults (all overridable through ``KafkaConfiguration/properties``): `enable.auto.commit=false`,
/// `enable.auto.offset.store=false`, `auto.offset.reset=earliest`, `session.timeout.ms=6000`,
/// `heartbeat.interval.ms=2000`. `group.id` is always `groupID`.
///
/// Design: one `rd_kafka_t` (owned by an internal `RdKafkaClient`) and one dedicated thread that
/// runs every blocking call: polls, commits, the manual assignment's metadata look-up, close.
/// The main queue is forwarded to the consumer queue, so errors and rebalances are served by those
/// polls on that thread. Concurrent calls are serialised on that thread in arrival order.
public final class KafkaConsumer: Sendable {
    public enum Assignment: Sendable {
        /// Subscribe to the topics as a member of the consumer group (group join, rebalances).
        case group(topics: [String])
        /// Assign all partitions of the topics to this consumer, starting at the group's committed
        /// offsets (else `auto.offset.reset`, i.e. earliest); no group join. The partitions are
        /// looked up on the first ``KafkaConsumer/poll(maxMessages:timeout:)``; partitions added
        /// to a topic later are not picked up until the consumer is recreated.
        case manual(topics: [String])
    }

    private struct SessionState {
        var manualAssignmentDone = false
        /// An error met after some messages were collected; reported by the next poll.
        var deferredError: KafkaError?
    }

    private let client: RdKafkaClient
    private let worker: KafkaWorkerThread
    private let assignment: Assignment
    private let logger: Logger
    private let session = Mutex(SessionState())

    /// How long the manual assignment's metadata look-up may take.
    static let metadataTimeout: Duration = .seconds(10)

    public init(
        configuration: KafkaConfiguration,
        groupID: String,
        assignment: Assignment,
        logger: Logger
    ) throws(KafkaError) {
        try KafkaLibrary.requireSupportedVersion()
        let topics: [String]
        switch assignment {
        case .group(let list), .manual(let list): topics = list
        }
        guard !topics.isEmpty, !topics.contains(where: \.isEmpty) else {
            throw .invalidArgument("a consumer needs at least one topic, and topic names must not be empty")
        }
        guard !groupID.isEmpty else { throw .invalidArgument("a consumer needs a group ID") }

        let context = KafkaClientContext(logger: logger, role: "consumer", clientID: configuration.clientID)
        let properties = configuration.librdkafkaProperties(
            defaults: [
                "enable.auto.commit": "false",
                "enable.auto.offset.store": "false",
                "auto.offset.reset": "earliest",
                "session.timeout.ms": "6000",
                "heartbeat.interval.ms": "2000",
            ],
            enforced: ["group.id": groupID]
        )
        let isGroup: Bool
        if case .group = assignment { isGroup = true } else { isGroup = false }
        let client = try RdKafkaClient(kind: RD_KAFKA_CONSUMER, properties: properties, context: context) { conf in
            // The outcome of a commit that did not wait (commit(_:waitForBroker: false)), served by poll.
            rd_kafka_conf_set_offset_commit_cb(conf) { _, err, offsets, opaque in
                KafkaConsumer.committedInBackground(err, offsets, opaque)
            }
            if isGroup {
                rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                    KafkaConsumer.rebalance(rk, err, partitions, opaque)
                }
            }
        }
        var logger = context.logger
        logger[metadataKey: "kafka.group"] = "\(groupID)"
        self.client = client
        self.logger = logger
        self.assignment = assignment
        self.worker = KafkaWorkerThread(name: "kafka-consumer")

        if case .group(let topics) = assignment {
            // rd_kafka_subscribe does not block: the group join happens in the background and
            // shows up as a rebalance during poll.
            guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: topics.count)) else {
                throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not allocate a partition list")
            }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for topic in topics {
                rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA_VALUE)
            }
            let err = rd_kafka_subscribe(client.handle, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, message: "subscribe failed: \(String(cString: rd_kafka_err2str(err)))")
            }
            logger.info("Kafka consumer subscribed", metadata: ["kafka.topics": "\(topics.joined(separator: ","))"])
        }
    }

    deinit {
        if client.beginClose() {
            client.interruptPoll()
            worker.submit { [client] in KafkaConsumer.finish(client: client) }
        }
        worker.stop()
    }

    /// Returns up to `maxMessages` records, waiting at most `timeout` for the first one; `[]` on
    /// time-out (or when ``close()`` interrupts the wait). Partition-EOF events are skipped.
    /// Consumer errors are thrown; if some records were already collected, they are returned
    /// first and the error is thrown by the next call.
    public func poll(maxMessages: Int, timeout: Duration) async throws(KafkaError) -> [KafkaConsumerMessage] {
        guard maxMessages > 0 else { return [] }
        let milliseconds = timeout.kafkaMilliseconds
        let result = await worker.run { [self] () -> Result<[KafkaConsumerMessage], KafkaError> in
            self.pollOnWorker(maxMessages: maxMessages, timeoutMilliseconds: milliseconds)
        }
        return try (result ?? .failure(.shutDown("the consumer was closed"))).get()
    }

    /// Commits, per partition, the highest `offset + 1` among `messages`. `waitForBroker`:
    /// wait for the group coordinator's answer and throw its error; otherwise the request is
    /// queued and the call returns at once (a failure is logged when a later ``poll`` serves
    /// its outcome; commits go out in order, so a later one covers an earlier failed one).
    public func commit(_ messages: [KafkaConsumerMessage], waitForBroker: Bool = true) async throws(KafkaError) {
        var next: [TopicPartition: Int64] = [:]
        for message in messages {
            let key = TopicPartition(topic: message.topic, partition: message.partition)
            next[key] = max(next[key] ?? Int64.min, message.offset &+ 1)
        }
        guard !next.isEmpty else { return }
        let offsets = next.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
        let result = await worker.run { [client, logger] () -> Result<Void, KafkaError> in
            guard !client.isDestroyed else { return .failure(.shutDown("the consumer was closed")) }
            return KafkaConsumer.commitOnWorker(offsets, rk: client.handle, wait: waitForBroker, logger: logger)
        }
        try (result ?? .failure(.shutDown("the consumer was closed"))).get()
    }

    /// Leaves the group (revoking the assignment) and destroys the handle. Interrupts a pending
    /// poll. Idempotent; concurrent and later calls wait for the first one to finish.
    public func close() async {
        if client.beginClose() {
            client.interruptPoll()
            _ = await worker.run { [client, worker] in
                KafkaConsumer.finish(client: client)
                worker.stop()
            }
        } else {
            _ = await worker.run {}
        }
    }

    // MARK: - On the worker thread

    private func pollOnWorker(maxMessages: Int, timeoutMilliseconds: Int32) -> Result<[KafkaConsumerMessage], KafkaError> {
        guard !client.isDestroyed else { return .failure(.shutDown("the consumer was closed")) }
        let rk = client.handle
        if let deferred = session.withLock({ state -> KafkaError? in
            defer { state.deferredError = nil }
            return state.deferredError
        }) {
            return .failure(deferred)
        }
        if case .manual(let topics) = assignment, !session.withLock({ $0.manualAssignmentDone }) {
            if let error = assignManually(topics: topics, rk: rk) {
                // A busy or just-started broker may not answer the look-up in time, or not yet
                // know a topic created a moment ago: this poll returns nothing and the next one
                // asks again. Anything else (a bad topic name, a closed client) is the caller's.
                guard error.isTimeout || error.code == KafkaError.Codes.unknownTopicOrPartition
                        || error.code == KafkaError.Codes.transport || error.code == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue
                else { return .failure(error) }
                logger.warning("Kafka consumer could not look up its partitions yet; retrying on the next poll",
                               metadata: ["kafka.error.name": "\(error.name)"])
                return .success([])
            }
            session.withLock { $0.manualAssignmentDone = true }
        }

        var messages: [KafkaConsumerMessage] = []
        var wait = timeoutMilliseconds
        while messages.count < maxMessages {
            guard let raw = rd_kafka_consumer_poll(rk, wait) else { break }
            defer { rd_kafka_message_destroy(raw) }
            let err = raw.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                messages.append(KafkaConsumer.copy(raw))
                wait = 0
                continue
            }
            if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                logger.debug(
                    "Reached the end of a partition",
                    metadata: ["kafka.partition": "\(raw.pointee.partition)", "kafka.offset": "\(raw.pointee.offset)"]
                )
                continue
            }
            let error = KafkaConsumer.consumerError(raw, rk: rk)
            logger.warning(
                "Kafka consumer error: \(error.message)",
                metadata: ["kafka.error.name": "\(error.name)", "kafka.error.code": "\(error.code)"]
            )
            if messages.isEmpty { return .failure(error) }
            session.withLock { $0.deferredError = error }
            break
        }
        return .success(messages)
    }

    /// Assigns every partition of `topics`, each at `RD_KAFKA_OFFSET_STORED` (the group's
    /// committed offset, else `auto.offset.reset`).
    private func assignManually(topics: [String], rk: OpaquePointer) -> KafkaError? {
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: topics.count)) else {
            return KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            switch KafkaMetadata.partitions(of: topic, rk: rk, timeout: Self.metadataTimeout) {
            case .failure(let error):
                return error
            case .success(let partitions):
                for partition in partitions {
                    let element = rd_kafka_topic_partition_list_add(list, topic, partition)
                    element?.pointee.offset = RD_KAFKA_OFFSET_STORED_VALUE
                }
            }
        }
        let err = rd_kafka_assign(rk, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return KafkaError(err, message: "assign failed: \(String(cString: rd_kafka_err2str(err)))")
        }
        logger.info(
            "Kafka consumer assigned partitions manually (no group join)",
            metadata: ["kafka.partitions": "\(describePartitions(list))"]
        )
        return nil
    }

    private static func commitOnWorker(
        _ offsets: [(key: TopicPartition, value: Int64)],
        rk: OpaquePointer,
        wait: Bool,
        logger: Logger
    ) -> Result<Void, KafkaError> {
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count)) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "could not allocate a partition list"))
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (key, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, key.topic, key.partition)?.pointee.offset = offset
        }
        let err = rd_kafka_commit(rk, list, wait ? 0 : 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return .failure(KafkaError(err, message: "commit failed: \(String(cString: rd_kafka_err2str(err)))"))
        }
        if !wait { return .success(()) }
        if let elements = list.pointee.elems {
            for index in 0..<Int(list.pointee.cnt) where elements[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let element = elements[index]
                let topic = element.topic.map { String(cString: $0) } ?? "?"
                return .failure(
                    KafkaError(
                        element.err,
                        message: "commit failed for \(topic)[\(element.partition)]: \(String(cString: rd_kafka_err2str(element.err)))"
                    )
                )
            }
        }
        logger.debug("Committed offsets", metadata: ["kafka.partitions": "\(describePartitions(list))"])
        return .success(())
    }

    private static func finish(client: RdKafkaClient) {
        guard !client.isDestroyed else { return }
        let err = rd_kafka_consumer_close(client.handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.context.logger.warning(
                "Kafka consumer close reported an error",
                metadata: ["kafka.error.name": "\(String(cString: rd_kafka_err2name(err)))", "kafka.error.code": "\(err.rawValue)"]
            )
        }
        client.destroy()
        client.context.logger.info("Kafka consumer closed")
    }

    private static func copy(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let message = raw.pointee
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        var key: [UInt8]?
        if let pointer = message.key {
            key = Array(UnsafeRawBufferPointer(start: pointer, count: message.key_len))
        }
        var value: [UInt8] = []
        if let pointer = message.payload {
            value = Array(UnsafeRawBufferPointer(start: pointer, count: message.len))
        }
        var headers: [KafkaHeader] = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            while true {
                var name: UnsafePointer<CChar>?
                var headerValue: UnsafeRawPointer?
                var size = 0
                guard rd_kafka_header_get_all(list, index, &name, &headerValue, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
                let bytes = headerValue.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(raw, &timestampType)
        let timestamp: Date? =
            (timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || milliseconds < 0)
            ? nil : Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return KafkaConsumerMessage(
            topic: topic,
            partition: message.partition,
            offset: message.offset,
            key: key,
            value: value,
            headers: headers,
            timestamp: timestamp
        )
    }

    private static func consumerError(_ raw: UnsafeMutablePointer<rd_kafka_message_t>, rk: OpaquePointer) -> KafkaError {
        let err = raw.pointee.err
        // For an error event, librdkafka puts its text (never a record's payload) in the payload.
        var text = String(cString: rd_kafka_message_errstr(raw))
        if let topic = raw.pointee.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) {
            text += " (topic \(topic), partition \(raw.pointee.partition))"
        }
        return .resolvingFatal(err, handle: rk, message: text)
    }

    /// The outcome of a commit that did not wait for the broker, served during polls.
    private static func committedInBackground(
        _ err: rd_kafka_resp_err_t,
        _ offsets: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        _ opaque: UnsafeMutableRawPointer?
    ) {
        // _NO_OFFSET: nothing to commit; the synchronous commits report their own outcome too.
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET else { return }
        let logger = KafkaClientContext.from(opaque: opaque)?.logger ?? Logger(label: "SamtakKafka")
        logger.warning("Kafka offset commit failed; the next commit covers it", metadata: [
            "kafka.error.name": "\(String(cString: rd_kafka_err2name(err)))",
            "kafka.partitions": "\(describePartitions(offsets))",
        ])
    }

    /// The rebalance callback (group mode), served during polls and close on the worker thread.
    private static func rebalance(
        _ rk: OpaquePointer?,
        _ err: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        _ opaque: UnsafeMutableRawPointer?
    ) {
        guard let rk else { return }
        let logger = KafkaClientContext.from(opaque: opaque)?.logger ?? Logger(label: "SamtakKafka")
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let described = describePartitions(partitions)
        var failure: KafkaError?
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("Kafka consumer group rebalance: partitions assigned", metadata: ["kafka.partitions": "\(described)"])
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { failure = KafkaError(consuming: error) }
            } else {
                let result = rd_kafka_assign(rk, partitions)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(result) }
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("Kafka consumer group rebalance: partitions revoked", metadata: ["kafka.partitions": "\(described)"])
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { failure = KafkaError(consuming: error) }
            } else {
                let result = rd_kafka_assign(rk, nil)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR { failure = KafkaError(result) }
            }
        default:
            logger.error(
                "Kafka consumer group rebalance failed; dropping the assignment",
                metadata: ["kafka.error.name": "\(String(cString: rd_kafka_err2name(err)))", "kafka.error.code": "\(err.rawValue)"]
            )
            _ = rd_kafka_assign(rk, nil)
        }
        if let failure {
            logger.error(
                "Kafka consumer could not apply a rebalance: \(failure.message)",
                metadata: ["kafka.error.name": "\(failure.name)", "kafka.error.code": "\(failure.code)"]
            )
        }
    }
}

struct TopicPartition: Hashable, Sendable {
    var topic: String
    var partition: Int32
}

/// Values of librdkafka macros Swift does not import (they contain casts).
let RD_KAFKA_PARTITION_UA_VALUE: Int32 = -1
let RD_KAFKA_OFFSET_STORED_VALUE: Int64 = -1000

enum KafkaMetadata {
    /// The partition ids of `topic` (blocking: call on a worker thread).
    static func partitions(of topic: String, rk: OpaquePointer, timeout: Duration) -> Result<[Int32], KafkaError> {
        guard let rkt = rd_kafka_topic_new(rk, topic, nil) else {
            return .failure(KafkaError(rd_kafka_last_error(), message: "could not create a topic handle for \(topic)"))
        }
        defer { rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(rk, 0, rkt, &metadata, timeout.kafkaMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return .failure(KafkaError(err, message: "metadata request for topic \(topic) failed: \(String(cString: rd_kafka_err2str(err)))"))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            guard let name = entry.topic, String(cString: name) == topic else { continue }
            if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return .failure(KafkaError(entry.err, message: "topic \(topic): \(String(cString: rd_kafka_err2str(entry.err)))"))
            }
            var ids: [Int32] = []
            for partition in 0..<Int(entry.partition_cnt) {
                ids.append(entry.partitions[partition].id)
            }
            guard !ids.isEmpty else {
                return .failure(KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, message: "topic \(topic) has no partitions"))
            }
            return .success(ids.sorted())
        }
        return .failure(KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, message: "topic \(topic) is not in the cluster's metadata"))
    }
}
