import Foundation
import SamtakDomain
import SamtakKafka

/// An event as it travels: CloudEvents 1.0 attributes around a JSON payload.
///
/// On Kafka it uses the CloudEvents Kafka protocol binding in *binary mode*: the
/// attributes are `ce_*` headers, `content-type` is a header, the message value is the
/// JSON data itself, and the key is the subject (the aggregate id), so all events of one
/// aggregate land on one partition in order.
public struct EventEnvelope: Sendable, Equatable {
    public static let specVersion = "1.0"
    public static let contentType = "application/json"

    public var id: UUID
    /// URI reference of the producing service, e.g. `/samtak/intake`.
    public var source: String
    public var type: String
    public var subject: String
    public var time: Date
    /// The JSON payload (identifiers and codes only; see ``DomainEvent``).
    public var data: [UInt8]
    /// W3C trace context of the change that produced the event (CloudEvents distributed
    /// tracing extension `traceparent`), when tracing is on; see ``TracePropagation``.
    public var traceparent: String?

    public init(id: UUID, source: String, type: String, subject: String, time: Date, data: [UInt8], traceparent: String? = nil) {
        self.id = id
        self.source = source
        self.type = type
        self.subject = subject
        self.time = time
        self.data = data
        self.traceparent = traceparent
    }

    /// Wraps a domain event; `traceparent` is the current span's, if any.
    public init<Event: DomainEvent>(_ event: Event, source: String, id: UUID = UUID(), time: Date = Date()) throws {
        self.init(
            id: id, source: source, type: event.eventType, subject: event.subject.uuidString.lowercased(), time: time,
            data: Array(try EventJSON.encoder().encode(event)), traceparent: TracePropagation.traceparent()
        )
    }

    /// Decodes the payload as `Event` (whose type must match).
    public func decode<Event: DomainEvent>(_ type: Event.Type) throws -> Event {
        try EventJSON.decoder().decode(Event.self, from: Data(data))
    }

    // MARK: Kafka binary mode

    public var kafkaHeaders: [KafkaHeader] {
        var headers = Self.kafkaHeaders(id: id.uuidString.lowercased(), source: source, type: type, subject: subject, time: RFC3339.format(time))
        if let traceparent { headers.append(KafkaHeader(key: Self.traceparentHeader, value: Array(traceparent.utf8))) }
        return headers
    }

    /// The CloudEvents `traceparent` extension in Kafka binary mode.
    public static let traceparentHeader = "ce_traceparent"

    /// The headers of an event whose attributes are text already: `id` a lowercase UUID,
    /// `time` RFC 3339 in UTC (what ``RFC3339/format(_:)`` writes).
    static func kafkaHeaders(id: String, source: String, type: String, subject: String, time: String) -> [KafkaHeader] {
        [
            KafkaHeader(key: "ce_specversion", value: Array(Self.specVersion.utf8)),
            KafkaHeader(key: "ce_id", value: Array(id.utf8)),
            KafkaHeader(key: "ce_source", value: Array(source.utf8)),
            KafkaHeader(key: "ce_type", value: Array(type.utf8)),
            KafkaHeader(key: "ce_subject", value: Array(subject.utf8)),
            KafkaHeader(key: "ce_time", value: Array(time.utf8)),
            KafkaHeader(key: "content-type", value: Array(Self.contentType.utf8)),
        ]
    }

    public func kafkaMessage(topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(topic: topic, key: Array(subject.utf8), value: data, headers: kafkaHeaders)
    }

    /// The record of an event read as text (the relay's outbox rows), the same as
    /// ``kafkaMessage(topic:)`` of the envelope it stands for, but built without parsing
    /// and formatting ids and times: `id` a lowercase UUID, `time` as ``RFC3339/format(_:)``
    /// writes it (milliseconds, `Z`).
    public static func kafkaMessage(
        topic: String, key: [UInt8], id: [UInt8], source: [UInt8], type: [UInt8], subject: [UInt8], time: [UInt8], data: [UInt8],
        traceparent: String? = nil
    ) -> KafkaProducerMessage {
        var headers = [
            KafkaHeader(key: "ce_specversion", value: specVersionBytes),
            KafkaHeader(key: "ce_id", value: id),
            KafkaHeader(key: "ce_source", value: source),
            KafkaHeader(key: "ce_type", value: type),
            KafkaHeader(key: "ce_subject", value: subject),
            KafkaHeader(key: "ce_time", value: time),
            KafkaHeader(key: "content-type", value: contentTypeBytes),
        ]
        if let traceparent { headers.append(KafkaHeader(key: traceparentHeader, value: Array(traceparent.utf8))) }
        return KafkaProducerMessage(topic: topic, key: key, value: data, headers: headers)
    }

    private static let specVersionBytes = Array(specVersion.utf8)
    private static let contentTypeBytes = Array(contentType.utf8)

    /// Reads an envelope from a consumed message. The error names the attribute that is
    /// missing or malformed, never a value.
    public init(kafkaMessage message: KafkaConsumerMessage) throws(EnvelopeError) {
        var headers: [String: String] = [:]
        for header in message.headers {
            if let value = header.value { headers[header.key] = String(decoding: value, as: UTF8.self) }
        }
        func required(_ key: String) throws(EnvelopeError) -> String {
            guard let value = headers[key], !value.isEmpty else { throw EnvelopeError.missing(key) }
            return value
        }
        guard try required("ce_specversion") == Self.specVersion else { throw EnvelopeError.malformed("ce_specversion") }
        guard let id = UUID(uuidString: try required("ce_id")) else { throw EnvelopeError.malformed("ce_id") }
        guard let time = RFC3339.parse(try required("ce_time")) else { throw EnvelopeError.malformed("ce_time") }
        if let contentType = headers["content-type"], !contentType.hasPrefix(Self.contentType) {
            throw EnvelopeError.malformed("content-type")
        }
        self.init(
            id: id, source: try required("ce_source"), type: try required("ce_type"),
            subject: try required("ce_subject"), time: time, data: message.value,
            traceparent: headers[Self.traceparentHeader].flatMap { $0.isEmpty ? nil : $0 }
        )
    }
}

public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .missing(let attribute): "event without the \(attribute) attribute"
        case .malformed(let attribute): "event with a malformed \(attribute) attribute"
        }
    }
}

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-25T19:24:23.830Z`).
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        let iso = ISO8601DateFormatter.cached.string(from: date)
        return iso
    }

    public static func parse(_ text: String) -> Date? {
        ISO8601DateFormatter.cached.date(from: text) ?? ISO8601DateFormatter.cachedWholeSeconds.date(from: text)
    }
}

extension ISO8601DateFormatter {
    // ISO8601DateFormatter is thread-safe for formatting and parsing once configured.
    nonisolated(unsafe) static let cached: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
    nonisolated(unsafe) static let cachedWholeSeconds: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
}
