import Foundation
import Hummingbird
import SamtakDomain

/// A request body, read by `APIJSON.decode`: every field of the JSON must be one its
/// `init(from:)` asks for (the check follows the decoding, see `RecordingDecoder`), so the
/// struct is the one description of the body.
public protocol StrictRequestBody: Decodable, Sendable {}

/// JSON in and out: snake_case keys, RFC 3339 dates.
public enum APIJSON {
    public static let maxBodyBytes = 256 * 1024

    /// Foundation's encoder with the API's settings: the reference ``ResponseJSON`` writes
    /// the same bytes as (checked on every response in debug builds).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Also checks every `LocalDate` and `LocalDateTime` against `DateInputRules` as of now.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        decoder.userInfo[.dateInputRules] = DateInputRules.current()
        return decoder
    }

    /// Reads and decodes the body: 415 for another content type, 413 when too large, 400 for
    /// malformed JSON, 422 naming the field for duplicate keys, trailing commas, bidirectional
    /// control characters (`StrictJSON`), unknown fields, missing fields, wrong types, bad
    /// formats and dates outside their range (`DateInputRules`). Never echoes a value.
    public static func decode<T: StrictRequestBody>(_ type: T.Type, from request: Request) async throws -> (T, Data) {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, code: "unsupported_media_type", title: "The body must be application/json")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw Problem(.contentTooLarge, code: "body_too_large", title: "The body is larger than \(maxBodyBytes / 1024) KiB")
        }
        let data = Data(buffer.readableBytesView)
        return (try decode(type, from: data), data)
    }

    public static func decode<T: StrictRequestBody>(_ type: T.Type, from data: Data) throws -> T {
        switch StrictJSON.check(data) {
        case .valid: break
        case .malformed: throw Problem(.badRequest, code: "malformed_json", title: "The body is not valid JSON")
        case .refused(let violations): throw Problem.validation(violations)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw Problem(.badRequest, code: "malformed_json", title: "The body is not valid JSON")
        }
        // Unknown fields are named before any other problem of the body, as one 422 listing
        // them all: after a successful decode, every key the type never asked for; after a
        // failed one, the keys that are no key of their object's type at all.
        let record = KeyRecord()
        let decoder = decoder()
        decoder.userInfo[.keyRecord] = record
        let value: T
        do {
            value = try decoder.decode(Recorded<T>.self, from: data).value
        } catch {
            let unknown = record.unknownFields(in: object, complete: false)
            if !unknown.isEmpty { throw Problem.validation(unknown) }
            switch error {
            case let error as DecodingError: throw Problem.validation([violation(for: error)])
            case let error as FieldError: throw Problem.validation([error.violation])
            default: throw error
            }
        }
        let unknown = record.unknownFields(in: object, complete: true)
        if !unknown.isEmpty { throw Problem.validation(unknown) }
        return value
    }

    static func violation(for error: DecodingError) -> Problem.Violation {
        switch error {
        case .keyNotFound(let key, let context):
            return .init(field: path(context.codingPath + [key]), rule: "required", message: "is required")
        case .valueNotFound(_, let context):
            return .init(field: path(context.codingPath), rule: "required", message: "must not be null")
        case .typeMismatch(let type, let context):
            return .init(field: path(context.codingPath), rule: "type", message: "must be \(describe(type))")
        case .dataCorrupted(let context):
            if let fieldError = context.underlyingError as? FieldError {
                var violation = fieldError.violation
                violation.field = path(context.codingPath)
                return violation
            }
            if let range = context.underlyingError as? DateRangeViolation {
                return .init(field: path(context.codingPath), rule: range.rule, message: range.message)
            }
            let debug = context.debugDescription
            let message: String
            if debug.contains("invalid UUID") {
                message = "must be a UUID"
            } else if debug.contains("Cannot initialize") {
                message = "is not one of the allowed values"
            } else if debug.contains("date") || debug.contains("Date") {
                message = "is not a valid date"
            } else {
                message = "has an invalid format"
            }
            return .init(field: path(context.codingPath), rule: "format", message: message)
        @unknown default:
            return .init(field: "", rule: "format", message: "is invalid")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        if type is String.Type { return "a string" }
        if type is Int.Type || type is Int32.Type { return "an integer" }
        if type is Bool.Type { return "true or false" }
        if type is Double.Type { return "a number" }
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "a valid value"
    }

    /// JSON path in the wire's snake_case.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                let name = snakeCase(key.stringValue)
                out += out.isEmpty ? name : ".\(name)"
            }
        }
        return out
    }

    /// A property's name as the API spells it: Foundation's own snake_case conversion, the
    /// one the decoder and the response writer use (``ResponseJSON/snakeCase(_:)``, cached).
    static func snakeCase(_ name: String) -> String {
        ResponseJSON.snakeCase(name)
    }

    /// A JSON response.
    public static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, location: String? = nil) throws -> Response {
        rawResponse(try encode(value), status: status, location: location)
    }

    /// A response body (``ResponseJSON``). Debug builds (the tests) also encode it with
    /// Foundation and stop on any difference, so every endpoint's tests check the writer.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let data = Data(try ResponseJSON.encode(value))
        #if DEBUG
        let reference = try encoder().encode(value)
        if reference != data {
            let at = zip(reference, data).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(reference.count, data.count)
            func window(_ bytes: Data) -> String { String(decoding: bytes.dropFirst(max(0, at - 20)).prefix(40), as: UTF8.self) }
            fatalError("ResponseJSON differs from Foundation's JSONEncoder for \(T.self) at byte \(at): \(window(reference)) | \(window(data))")
        }
        #endif
        return data
    }

    public static func rawResponse(_ data: Data, status: HTTPResponse.Status, location: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A field-level problem thrown from a custom `init(from:)` or a validator.
public struct FieldError: Error, Sendable {
    public var violation: Problem.Violation
    public init(_ field: String, _ rule: String, _ message: String) {
        violation = .init(field: field, rule: rule, message: message)
    }
}

/// Collects violations while validating a request, then throws them together.
public struct Violations {
    public private(set) var items: [Problem.Violation] = []
    public init() {}
    public mutating func add(_ field: String, _ rule: String, _ message: String) {
        items.append(.init(field: field, rule: rule, message: message))
    }
    public mutating func require(_ condition: Bool, _ field: String, _ rule: String, _ message: String) {
        if !condition { add(field, rule, message) }
    }
    /// Text fields: trimmed, not empty when required, bounded length.
    public mutating func text(_ value: String?, _ field: String, required: Bool = true, max: Int = 2000) {
        guard let value else {
            if required { add(field, "required", "is required") }
            return
        }
        if required && value.unicodeScalars.allSatisfy(\.isTrimmedSpace) { add(field, "required", "must not be empty") }
        if value.count > max { add(field, "max_length", "must be at most \(max) characters") }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t" }) {
            add(field, "format", "must not contain control characters")
        }
    }
    public func throwIfAny() throws {
        if !items.isEmpty { throw Problem.validation(items) }
    }

    /// An RRULE from a request: parsed, its UNTIL within the calendar range of
    /// `DateInputRules`; nil (and a violation that never repeats the rule's text) otherwise.
    public mutating func recurrenceRule(_ text: String, _ field: String, rules: DateInputRules = .current()) -> RecurrenceRule? {
        let rule: RecurrenceRule
        do {
            rule = try RecurrenceRule(parsing: text)
        } catch {
            add(field, "rrule", error.fieldSafeDescription)
            return nil
        }
        let untilDate: LocalDate? = switch rule.until {
        case .date(let date): date
        case .localDateTime(let value), .utc(let value): value.date
        case nil: nil
        }
        if let untilDate, let violation = rules.violation(untilDate, kind: .calendar) {
            add(field, violation.rule, "UNTIL \(violation.message)")
            return nil
        }
        return rule
    }
}

extension Request {
    /// A path parameter that must be a UUID (a 422 naming the parameter otherwise, code `format`).
    public func uuidParameter(_ name: String, context: some RequestContext, resource: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
            throw Problem.field(name, "format", "must be a UUID")
        }
        return id
    }

    public func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// A date query parameter ("YYYY-MM-DD") within its range (`DateInputRules`); nil when
    /// absent or refused (then a violation naming it is added).
    public func dateQuery(_ name: String, into violations: inout Violations, rules: DateInputRules = .current()) -> LocalDate? {
        guard let raw = query(name) else { return nil }
        switch rules.parseDate(raw, field: name) {
        case .success(let date): return date
        case .failure(let problem): violations.add(name, problem.rule, problem.message); return nil
        }
    }

    /// A Europe/Oslo date-and-time query parameter within its range; nil when absent or refused.
    public func dateTimeQuery(_ name: String, into violations: inout Violations, rules: DateInputRules = .current()) -> LocalDateTime? {
        guard let raw = query(name) else { return nil }
        switch rules.parseDateTime(raw, field: name) {
        case .success(let value): return value
        case .failure(let problem): violations.add(name, problem.rule, problem.message); return nil
        }
    }
}
