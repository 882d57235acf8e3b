import Foundation

/// An event announcing a change. Payloads carry identifiers and codes only: never names,
/// identity numbers or free text (they travel through Kafka, which is not a place for
/// personal data). A consumer that needs more reads the current state from the database.
public protocol DomainEvent: Codable, Sendable {
    /// The CloudEvents `type`, e.g. `case.submitted`.
    static var type: String { get }
    /// The topic (without the deployment's prefix).
    static var topic: EventTopic { get }
    /// The id of the aggregate the event is about: CloudEvents `subject` and the Kafka key,
    /// so all events of one aggregate keep their order on one partition.
    var subject: UUID { get }
    /// The type this instance is announced under; `Self.type` unless one struct serves
    /// several types (``DocumentSent``).
    var eventType: String { get }
}

extension DomainEvent {
    public var eventType: String { Self.type }
}

/// Topics, one per aggregate family. The full name is the deployment's prefix plus the raw
/// value (default prefix `samtak.`, e.g. `samtak.cases`).
public enum EventTopic: String, Codable, Sendable, CaseIterable {
    case cases
    case consents
    case arenas
    case meetings
    case notifications
    case coordination
}

/// JSON for event payloads: snake_case keys, ISO 8601 instants, sorted keys (stable bytes).
public enum EventJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
