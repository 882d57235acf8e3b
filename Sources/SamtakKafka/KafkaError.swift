import CRdKafka

/// An error reported by librdkafka or by this module.
///
/// `code` is the raw `rd_kafka_resp_err_t` value: positive for errors a broker returned,
/// negative for librdkafka's local errors (for example `-192`, `_MSG_TIMED_OUT`).
/// `message` is librdkafka's (or this module's) explanation and never contains message payloads or keys.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var name: String
    public var message: String
    public var isRetriable: Bool
    public var isFatal: Bool

    public init(code: Int32, name: String, message: String, isRetriable: Bool, isFatal: Bool) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        let suffix = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
        return "Kafka error \(name) [\(code)]: \(message)\(suffix)"
    }

    /// A local time-out: the operation, the request or the message's delivery timed out.
    public var isTimeout: Bool {
        code == Codes.timedOut || code == Codes.messageTimedOut || code == Codes.requestTimedOut
    }

    /// Raw codes that callers commonly test for.
    public enum Codes {
        /// `_TIMED_OUT` (-185): an operation timed out.
        public static let timedOut: Int32 = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
        /// `_MSG_TIMED_OUT` (-192): a message was not delivered within `message.timeout.ms`.
        public static let messageTimedOut: Int32 = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
        /// `REQUEST_TIMED_OUT` (7): the broker timed out the request.
        public static let requestTimedOut: Int32 = RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
        /// `_DESTROY` (-197): the client was shut down or closed.
        public static let destroyed: Int32 = RD_KAFKA_RESP_ERR__DESTROY.rawValue
        /// `_TRANSPORT` (-195): a broker connection failed.
        public static let transport: Int32 = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
        /// `_INVALID_ARG` (-186): a configuration property or argument was rejected.
        public static let invalidArgument: Int32 = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
        /// `UNKNOWN_TOPIC_OR_PART` (3): the topic or partition does not exist.
        public static let unknownTopicOrPartition: Int32 = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
        /// `_FATAL` (-150): the producer raised a fatal error; it must be recreated.
        public static let fatal: Int32 = RD_KAFKA_RESP_ERR__FATAL.rawValue
    }
}

extension KafkaError {
    /// From a plain error code, with librdkafka's text unless a more specific message is given.
    init(_ err: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool? = nil) {
        self.init(
            code: err.rawValue,
            name: String(cString: rd_kafka_err2name(err)),
            message: message ?? String(cString: rd_kafka_err2str(err)),
            isRetriable: KafkaError.isRetriable(err),
            isFatal: isFatal ?? (err == RD_KAFKA_RESP_ERR__FATAL)
        )
    }

    /// From a raw `int` error code as error callbacks report it.
    init(rawCode: Int32, message: String? = nil) {
        self.init(rd_kafka_resp_err_t(rawValue: rawCode), message: message)
    }

    /// Takes ownership of an `rd_kafka_error_t *` and destroys it.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0
                || KafkaError.isRetriable(rd_kafka_error_code(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// For a `_FATAL` code, the underlying error librdkafka recorded on the handle (`rd_kafka_fatal_error`).
    static func resolvingFatal(_ err: rd_kafka_resp_err_t, handle rk: OpaquePointer?, message: String? = nil) -> KafkaError {
        guard err == RD_KAFKA_RESP_ERR__FATAL, let rk else { return KafkaError(err, message: message) }
        var buffer = [CChar](repeating: 0, count: 512)
        let underlying = rd_kafka_fatal_error(rk, &buffer, buffer.count)
        guard underlying != RD_KAFKA_RESP_ERR_NO_ERROR else { return KafkaError(err, message: message) }
        let text = String(cCharBuffer: buffer)
        var error = KafkaError(underlying, message: text, isFatal: true)
        error.isRetriable = false
        return error
    }

    /// The client was shut down (`_DESTROY`).
    static func shutDown(_ what: String) -> KafkaError {
        var error = KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: what)
        error.isRetriable = false
        return error
    }

    static func invalidArgument(_ message: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: message)
    }

    /// Codes after which the same operation may succeed later without changing anything.
    static func isRetriable(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__PURGE_QUEUE,
            RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__NO_OFFSET, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_NOT_CONTROLLER, RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT:
            return true
        default:
            return false
        }
    }
}

extension String {
    /// Decodes a NUL-terminated C string held in a fixed-size buffer (an `errstr` out-parameter).
    init(cCharBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
