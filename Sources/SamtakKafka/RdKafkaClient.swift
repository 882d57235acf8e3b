import CRdKafka
import Logging
import Synchronization

/// What librdkafka's callbacks need, reachable from any callback through `rd_kafka_opaque(rk)`
/// or the callback's `opaque` argument. Retained for as long as the `rd_kafka_t` exists.
final class KafkaClientContext: Sendable {
    let logger: Logger
    let role: String
    let clientID: String
    /// Producer only: the sends waiting for their delivery report.
    let deliveries = DeliveryRegistry()

    init(logger: Logger, role: String, clientID: String) {
        var logger = logger
        logger[metadataKey: "kafka.client"] = "\(clientID)"
        logger[metadataKey: "kafka.role"] = "\(role)"
        self.logger = logger
        self.role = role
        self.clientID = clientID
    }

    static func from(opaque: UnsafeMutableRawPointer?) -> KafkaClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    static func from(handle rk: OpaquePointer?) -> KafkaClientContext? {
        guard let rk else { return nil }
        return from(opaque: rd_kafka_opaque(rk))
    }
}

/// Owns one `rd_kafka_t` (and a reference to the queue its owner polls) and the callback
/// context it was created with; `destroy()` (or `deinit`) frees them.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe, and the only mutable state, the
/// lifecycle, is behind a `Mutex`. The owners keep two rules: quick calls from any thread go through
/// ``withOpenHandle(_:)``/``withLiveHandle(_:)``, which exclude a concurrent destroy; blocking calls
/// and `destroy()` run only on the owner's ``KafkaWorkerThread`` and check ``isDestroyed`` first.
final class RdKafkaClient: @unchecked Sendable {
    enum Lifecycle: Sendable {
        case open
        case closing
        case destroyed
    }

    let handle: OpaquePointer
    let context: KafkaClientContext
    /// The queue the worker thread polls: the consumer queue for consumers, else the main queue.
    /// Held so that another thread can interrupt a waiting poll (`rd_kafka_queue_yield`).
    private let pollQueue: OpaquePointer?
    private let retainedContext: Unmanaged<KafkaClientContext>
    private let lifecycle = Mutex(Lifecycle.open)

    /// Creates the handle. `configure` may install kind-specific callbacks on the `rd_kafka_conf_t`.
    init(
        kind: rd_kafka_type_t,
        properties: [String: String],
        context: KafkaClientContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "rd_kafka_conf_new failed")
        }
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errstr = [CChar](repeating: 0, count: 512)
            if rd_kafka_conf_set(conf, name, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.invalidArgument(
                    "librdkafka rejected configuration property \(name): \(String(cCharBuffer: errstr))"
                )
            }
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, text in
            KafkaCallbacks.log(rk, level, facility, text)
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
            KafkaCallbacks.error(rk, err, reason, opaque)
        }
        configure(conf)
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())

        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(kind, conf, &errstr, errstr.count) else {
            // On failure the configuration still belongs to us, and no callback will run any more.
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(
                RD_KAFKA_RESP_ERR__INVALID_ARG,
                message: "could not create the librdkafka \(context.role): \(String(cCharBuffer: errstr))"
            )
        }
        if kind == RD_KAFKA_CONSUMER {
            // Serve the main queue (errors, logs, rebalances) from the consumer queue, so that
            // rd_kafka_consumer_poll on the worker thread handles everything.
            rd_kafka_poll_set_consumer(rk)
            self.pollQueue = rd_kafka_queue_get_consumer(rk)
        } else {
            self.pollQueue = rd_kafka_queue_get_main(rk)
        }
        self.handle = rk
        self.context = context
        self.retainedContext = retained
    }

    deinit {
        destroy()
    }

    var isDestroyed: Bool {
        lifecycle.withLock { $0 == .destroyed }
    }

    /// Marks the handle as closing: ``withOpenHandle(_:)`` refuses from now on. Returns false if it
    /// was already closing or destroyed (so exactly one caller runs the shutdown sequence).
    func beginClose() -> Bool {
        lifecycle.withLock { state in
            guard state == .open else { return false }
            state = .closing
            return true
        }
    }

    /// Runs a quick, non-blocking call while the handle is open; `nil` once closing has begun.
    func withOpenHandle<R>(_ body: (OpaquePointer) -> R) -> R? {
        lifecycle.withLock { state -> R? in
            guard state == .open else { return nil }
            return body(handle)
        }
    }

    /// Runs a quick, non-blocking call unless the handle was destroyed.
    func withLiveHandle<R>(_ body: (OpaquePointer) -> R) -> R? {
        lifecycle.withLock { state -> R? in
            guard state != .destroyed else { return nil }
            return body(handle)
        }
    }

    /// Interrupts a waiting `rd_kafka_poll`/`rd_kafka_consumer_poll` on the worker thread.
    /// (`rd_kafka_yield` would not do: it only affects the calling thread's callback dispatch.)
    func interruptPoll() {
        _ = withLiveHandle { _ in
            if let pollQueue { rd_kafka_queue_yield(pollQueue) }
        }
    }

    /// Destroys the handle (blocking: librdkafka joins its threads). Idempotent. Call it on the
    /// owner's worker thread; `deinit` calls it wherever the last reference goes away.
    func destroy() {
        let shouldDestroy = lifecycle.withLock { state -> Bool in
            guard state != .destroyed else { return false }
            state = .destroyed
            return true
        }
        guard shouldDestroy else { return }
        if let pollQueue {
            // Application queue references must be gone before rd_kafka_destroy, or it hangs.
            rd_kafka_queue_destroy(pollQueue)
        }
        rd_kafka_destroy(handle)
        // No callback can run after rd_kafka_destroy returned: the context may go now.
        retainedContext.release()
    }
}

/// The C callbacks. They cannot capture context: they find it through the handle's opaque.
/// They never throw, trap or log message payloads.
enum KafkaCallbacks {
    static func log(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?) {
        guard let context = KafkaClientContext.from(handle: rk) else { return }
        let facilityName = facility.map { String(cString: $0) } ?? ""
        var logLevel = Logger.Level(syslogLevel: level)
        if logLevel == .error && facilityName == "FAIL" {
            // Connection failures: transient, retried by librdkafka, and reported once more,
            // classified, through the error callback. A warning, not an error.
            logLevel = .warning
        }
        guard context.logger.logLevel <= logLevel else { return }
        let message = text.map { String(cString: $0) } ?? ""
        context.logger.log(
            level: logLevel,
            "librdkafka: \(message)",
            metadata: ["rdkafka.facility": "\(facilityName)", "rdkafka.level": "\(level)"]
        )
    }

    static func error(_ rk: OpaquePointer?, _ err: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
        guard let context = KafkaClientContext.from(opaque: opaque) else { return }
        let code = rd_kafka_resp_err_t(rawValue: err)
        let error = KafkaError.resolvingFatal(code, handle: rk, message: reason.map { String(cString: $0) })
        let level: Logger.Level
        if error.isFatal {
            level = .critical
        } else if error.isRetriable {
            level = .warning
        } else {
            level = .error
        }
        context.logger.log(
            level: level,
            "Kafka client error: \(error.message)",
            metadata: [
                "kafka.error.name": "\(error.name)",
                "kafka.error.code": "\(error.code)",
                "kafka.error.fatal": "\(error.isFatal)",
            ]
        )
    }
}

extension Logger.Level {
    /// librdkafka logs with syslog levels (0 emergency … 7 debug).
    init(syslogLevel level: Int32) {
        switch level {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}

/// Renders a partition list for logs: `orders[0,1,2] audit[0]`.
func describePartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> String {
    guard let list, list.pointee.cnt > 0, let elements = list.pointee.elems else { return "(none)" }
    var byTopic: [String: [Int32]] = [:]
    var order: [String] = []
    for index in 0..<Int(list.pointee.cnt) {
        let element = elements[index]
        let topic = element.topic.map { String(cString: $0) } ?? "?"
        if byTopic[topic] == nil { order.append(topic) }
        byTopic[topic, default: []].append(element.partition)
    }
    return order.map { topic in
        let partitions = (byTopic[topic] ?? []).sorted().map(String.init).joined(separator: ",")
        return "\(topic)[\(partitions)]"
    }.joined(separator: " ")
}
