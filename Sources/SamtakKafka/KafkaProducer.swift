import CRdKafka
import Logging

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`, both enforced; default
/// `linger.ms=5`, overridable through ``KafkaConfiguration/properties``).
///
/// Design: one `rd_kafka_t`, owned by an internal `RdKafkaClient`, and one dedicated thread that
/// polls it (`rd_kafka_poll`), which is where delivery reports, errors and flushes are served.
/// `send` enqueues with `rd_kafka_produceva` (non-blocking, `RD_KAFKA_MSG_F_COPY`) and registers the
/// send under a numeric id that travels as the message opaque; the delivery-report callback takes
/// that id out of the registry and completes the waiting continuation. A send therefore completes
/// exactly once: by its delivery report, by a synchronous enqueue failure, or at ``shutdown()``.
/// Task cancellation does not abort a send (the message may already be on its way); a send always
/// completes within `message.timeout.ms` (librdkafka default 300 s).
public final class KafkaProducer: Sendable {
    private let client: RdKafkaClient
    private let worker: KafkaWorkerThread

    /// Properties the producer's guarantees depend on; ``KafkaConfiguration/properties`` cannot change them.
    static let enforcedProperties = ["enable.idempotence": "true", "acks": "all"]

    /// How long a send waits for room when librdkafka's local queue is full before failing with `_QUEUE_FULL`.
    static let queueFullPatience: Duration = .seconds(10)

    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        try KafkaLibrary.requireSupportedVersion()
        let context = KafkaClientContext(logger: logger, role: "producer", clientID: configuration.clientID)
        let properties = configuration.librdkafkaProperties(
            defaults: ["linger.ms": "5"],
            enforced: Self.enforcedProperties
        )
        for (key, value) in Self.enforcedProperties where configuration.properties[key].map({ $0 != value }) ?? false {
            context.logger.warning("Ignoring the producer property \(key): Samtak's producer is always idempotent with acks=all")
        }
        let client = try RdKafkaClient(kind: RD_KAFKA_PRODUCER, properties: properties, context: context) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, opaque in
                KafkaProducer.deliveryReport(rk, message, opaque)
            }
        }
        self.client = client
        self.worker = KafkaWorkerThread(
            name: "kafka-producer",
            idle: { [client] in
                // The worker only runs this while the handle is alive: destroy() happens on the
                // worker and stops it in the same job.
                if !client.isDestroyed { _ = rd_kafka_poll(client.handle, 100) }
            },
            wake: { [client] in client.interruptPoll() }
        )
    }

    deinit {
        // No send can be waiting (each holds a reference to self). Purge and destroy on the worker
        // thread, never on the thread that dropped the last reference.
        if client.beginClose() {
            worker.submit { [client] in
                KafkaProducer.finish(client: client, flushTimeout: .zero)
            }
        }
        worker.stop()
    }

    /// Sends one record; completes when its delivery report arrives (success means acknowledged
    /// by all in-sync replicas).
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaRecordMetadata {
        let results = await send([message])
        guard let result = results.first else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "no delivery result")
        }
        return try result.get()
    }

    /// Enqueues all records in order, then awaits all delivery reports. One result per record,
    /// in input order. Records with the same key keep their order on their partition.
    public func send(_ messages: [KafkaProducerMessage]) async -> [Result<KafkaRecordMetadata, KafkaError>] {
        await enqueue(messages).results()
    }

    /// Enqueues all records in order and returns once they are enqueued (or failed to be);
    /// ``KafkaPendingDeliveries/results()`` awaits their delivery reports. Records enqueued
    /// by a later call follow these on their partitions.
    public func enqueue(_ messages: [KafkaProducerMessage]) async -> KafkaPendingDeliveries {
        guard !messages.isEmpty else { return KafkaPendingDeliveries(batch: nil) }
        let batch = DeliveryBatch(count: messages.count)
        for (index, message) in messages.enumerated() {
            await enqueue(message, batch: batch, index: index)
        }
        return KafkaPendingDeliveries(batch: batch)
    }

    /// Fetches the metadata of `topics` (partitions, leaders) into this producer, so that the
    /// first records for a topic created a moment ago do not wait for librdkafka to discover
    /// it (which held the outbox relay's first batches for about a second). Best effort: a
    /// topic whose metadata does not come within `timeout` (for all topics together) is
    /// discovered when used, as before.
    public func learnTopics(_ topics: [String], timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        _ = await worker.run { [client] in
            guard !client.isDestroyed else { return }
            for name in topics {
                // One deadline for all topics, not `timeout` for each.
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return }
                guard let topic = rd_kafka_topic_new(client.handle, name, nil) else { continue }
                var metadata: UnsafePointer<rd_kafka_metadata>?
                if rd_kafka_metadata(client.handle, 0, topic, &metadata, left.kafkaMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
                    rd_kafka_metadata_destroy(metadata)
                }
                rd_kafka_topic_destroy(topic)
            }
        }
    }

    /// Waits until every enqueued record has its delivery report; throws `_TIMED_OUT` if some are
    /// still outstanding after `timeout`.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let milliseconds = timeout.kafkaMilliseconds
        let result = await worker.run { [client] () -> Result<Void, KafkaError> in
            guard !client.isDestroyed else { return .failure(.shutDown("the producer was shut down")) }
            let err = rd_kafka_flush(client.handle, milliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let outstanding = rd_kafka_outq_len(client.handle)
                return .failure(KafkaError(err, message: "flush timed out with \(outstanding) messages or requests outstanding"))
            }
            return .success(())
        }
        try (result ?? .failure(.shutDown("the producer was shut down"))).get()
    }

    /// Flushes for at most `flushTimeout`, fails what is still pending (`_PURGE_QUEUE`,
    /// `_PURGE_INFLIGHT` or `_DESTROY`), stops the poll thread and destroys the handle.
    /// Idempotent; concurrent and later calls wait for the first one to finish. Sends after
    /// shutdown fail with `_DESTROY`.
    public func shutdown(flushTimeout: Duration = .seconds(10)) async {
        if client.beginClose() {
            _ = await worker.run { [client, worker] in
                KafkaProducer.finish(client: client, flushTimeout: flushTimeout)
                worker.stop()
            }
        } else {
            _ = await worker.run {}
        }
    }

    // MARK: - Internals

    private func enqueue(_ message: KafkaProducerMessage, batch: DeliveryBatch, index: Int) async {
        let deliveries = client.context.deliveries
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.queueFullPatience)
        while true {
            let id = deliveries.register(batch: batch, index: index)
            let failure: KafkaError? =
                client.withOpenHandle { rk in Self.produce(message, opaque: id, on: rk) }
                ?? .shutDown("the producer was shut down")
            guard let failure else { return }
            // Not enqueued: no delivery report will come for this id.
            _ = deliveries.take(id)
            if failure.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue && clock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            batch.complete(index: index, with: .failure(failure))
            return
        }
    }

    /// Enqueues one record with `rd_kafka_produceva`; returns the synchronous failure, if any.
    private static func produce(_ message: KafkaProducerMessage, opaque id: UInt64, on rk: OpaquePointer) -> KafkaError? {
        var arena = CArena()
        defer { arena.free() }
        var values: [rd_kafka_vu_t] = []
        values.reserveCapacity(5 + message.headers.count)

        var topic = rd_kafka_vu_t()
        topic.vtype = RD_KAFKA_VTYPE_TOPIC
        topic.u.cstr = UnsafePointer(arena.cString(message.topic))
        values.append(topic)

        var flags = rd_kafka_vu_t()
        flags.vtype = RD_KAFKA_VTYPE_MSGFLAGS
        flags.u.i = RD_KAFKA_MSG_F_COPY
        values.append(flags)

        var opaque = rd_kafka_vu_t()
        opaque.vtype = RD_KAFKA_VTYPE_OPAQUE
        opaque.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: id))
        values.append(opaque)

        if let key = message.key {
            var keyValue = rd_kafka_vu_t()
            keyValue.vtype = RD_KAFKA_VTYPE_KEY
            keyValue.u.mem.ptr = arena.bytes(key)
            keyValue.u.mem.size = key.count
            values.append(keyValue)
        }

        for header in message.headers {
            var headerValue = rd_kafka_vu_t()
            headerValue.vtype = RD_KAFKA_VTYPE_HEADER
            headerValue.u.header.name = UnsafePointer(arena.cString(header.key))
            if let bytes = header.value {
                headerValue.u.header.val = UnsafeRawPointer(arena.bytes(bytes))
                headerValue.u.header.size = bytes.count
            } else {
                headerValue.u.header.val = nil
                headerValue.u.header.size = 0
            }
            values.append(headerValue)
        }

        // The payload is passed in place (librdkafka copies it); an empty one gets a non-null pointer
        // so that it stays an empty value rather than a null one.
        let emptyPayload = arena.bytes([])
        let error = message.value.withUnsafeBytes { payload -> OpaquePointer? in
            var value = rd_kafka_vu_t()
            value.vtype = RD_KAFKA_VTYPE_VALUE
            value.u.mem.ptr = UnsafeMutableRawPointer(mutating: payload.baseAddress) ?? emptyPayload
            value.u.mem.size = payload.count
            values.append(value)
            return values.withUnsafeBufferPointer { rd_kafka_produceva(rk, $0.baseAddress, $0.count) }
        }
        guard let error else { return nil }
        var failure = KafkaError(consuming: error)
        if failure.code == RD_KAFKA_RESP_ERR__FATAL.rawValue {
            failure = .resolvingFatal(RD_KAFKA_RESP_ERR__FATAL, handle: rk)
        }
        return failure
    }

    /// The delivery-report callback (`dr_msg_cb`), served on the worker thread by `rd_kafka_poll`/`rd_kafka_flush`.
    private static func deliveryReport(
        _ rk: OpaquePointer?,
        _ message: UnsafePointer<rd_kafka_message_t>?,
        _ opaque: UnsafeMutableRawPointer?
    ) {
        guard let message, let context = KafkaClientContext.from(opaque: opaque) else { return }
        let id = UInt64(UInt(bitPattern: message.pointee._private))
        guard let pending = context.deliveries.take(id) else {
            context.logger.debug("Delivery report for an unknown send", metadata: ["kafka.send.id": "\(id)"])
            return
        }
        let err = message.pointee.err
        let result: Result<KafkaRecordMetadata, KafkaError>
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            result = .success(
                KafkaRecordMetadata(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)
            )
        } else {
            result = .failure(.resolvingFatal(err, handle: rk))
        }
        pending.batch.complete(index: pending.index, with: result)
    }

    /// The shutdown sequence; runs on the worker thread.
    private static func finish(client: RdKafkaClient, flushTimeout: Duration) {
        guard !client.isDestroyed else { return }
        let rk = client.handle
        let logger = client.context.logger
        let flushMilliseconds = flushTimeout.kafkaMilliseconds
        if flushMilliseconds > 0, rd_kafka_flush(rk, flushMilliseconds) != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning(
                "Producer shutdown: flush timed out; failing the undelivered messages",
                metadata: ["kafka.outstanding": "\(rd_kafka_outq_len(rk))"]
            )
        }
        // Fail whatever is left with _PURGE_QUEUE/_PURGE_INFLIGHT reports, and serve those reports.
        _ = rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(2))
        _ = rd_kafka_poll(rk, 0)
        while client.context.deliveries.count > 0 && clock.now < deadline {
            _ = rd_kafka_poll(rk, 50)
        }
        client.destroy()
        // Anything still registered will never get a report now.
        for pending in client.context.deliveries.takeAll() {
            pending.batch.complete(index: pending.index, with: .failure(.shutDown("the producer was shut down before delivery")))
        }
        logger.debug("Kafka producer shut down")
    }
}

/// Records enqueued by ``KafkaProducer/enqueue(_:)`` whose delivery reports may still be coming.
public struct KafkaPendingDeliveries: Sendable {
    let batch: DeliveryBatch?

    /// One result per record, in the order given, once every report has arrived.
    public func results() async -> [Result<KafkaRecordMetadata, KafkaError>] {
        guard let batch else { return [] }
        return await batch.wait()
    }
}
