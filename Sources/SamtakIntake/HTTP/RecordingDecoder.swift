import Foundation
import Synchronization

// The unknown-field check of request bodies, derived from the decoding itself: a body's type
// says which fields it has by the keys its `init(from:)` asks for, so no separate list of
// them can drift from the struct. `APIJSON.decode` decodes through a `RecordingDecoder`,
// which forwards to JSONDecoder's containers and notes, per JSON object, the keys asked for.

/// What the decoding of one body asked for, per JSON object (by its path in the wire's
/// spelling, as `APIJSON.path` writes it: `entries[0].follow_ups`). Sendable because it
/// travels in the JSONDecoder's `userInfo`; one decode fills it, on one thread.
final class KeyRecord: Sendable {
    private struct Object {
        /// Keys the type asked for (`decode`, `decodeIfPresent`, `contains`, `decodeNil`,
        /// `nestedContainer`, `superDecoder`, or `allKeys` for those it listed), snake_case.
        var asked: Set<String> = []
        /// Keys of the JSON object that are keys of the container's `CodingKey` type (JSONDecoder's
        /// `allKeys` after its snake_case conversion), snake_case: any other is unknown even
        /// when the decoding stopped before asking for everything.
        var valid: Set<String> = []
    }

    private let objects = Mutex<[String: Object]>([:])

    init() {}

    func opened(_ path: String, validKeys: [any CodingKey]) {
        let names = validKeys.map { APIJSON.snakeCase($0.stringValue) }
        objects.withLock { $0[path, default: Object()].valid.formUnion(names) }
    }

    func asked(_ key: any CodingKey, at path: String) {
        let name = APIJSON.snakeCase(key.stringValue)
        objects.withLock { _ = $0[path, default: Object()].asked.insert(name) }
    }

    /// The keys of `json` (as JSONSerialization parsed the body) that are no field of the body:
    /// never asked for (`complete`: the decoding finished), or, after a decoding error, not even
    /// a key of the container's type. Objects the type never read through a keyed container
    /// (a `[String: X]` JSONDecoder decodes itself, a value that failed) are not judged.
    func unknownFields(in json: Any, complete: Bool) -> [Problem.Violation] {
        let objects = objects.withLock { $0 }
        var violations: [Problem.Violation] = []
        Self.collect(json, path: "", objects: objects, complete: complete, into: &violations)
        return violations
    }

    private static func collect(_ value: Any, path: String, objects: [String: Object], complete: Bool,
                                into violations: inout [Problem.Violation]) {
        if let dictionary = value as? [String: Any] {
            let object = objects[path]
            for key in dictionary.keys.sorted() {
                let fieldPath = path.isEmpty ? key : "\(path).\(key)"
                if let object, !(complete ? object.asked : object.valid).contains(key) {
                    violations.append(.init(field: fieldPath, rule: "unknown_field", message: "is not a field of this request"))
                    continue
                }
                collect(dictionary[key]!, path: fieldPath, objects: objects, complete: complete, into: &violations)
            }
        } else if let array = value as? [Any] {
            for (index, item) in array.enumerated() {
                collect(item, path: "\(path)[\(index)]", objects: objects, complete: complete, into: &violations)
            }
        }
    }
}

/// Types the base JSONDecoder must decode itself, never through a wrapper: Date, Data, URL
/// and Decimal get its strategies and special handling only when it decodes them, and a
/// `[String: X]` keeps its keys unconverted only then. The rest are leaves that open no keyed
/// container, forwarded as they are.
protocol DecodedByBase {}
extension String: DecodedByBase {}
extension Bool: DecodedByBase {}
extension Int: DecodedByBase {}
extension Int8: DecodedByBase {}
extension Int16: DecodedByBase {}
extension Int32: DecodedByBase {}
extension Int64: DecodedByBase {}
extension UInt: DecodedByBase {}
extension UInt8: DecodedByBase {}
extension UInt16: DecodedByBase {}
extension UInt32: DecodedByBase {}
extension UInt64: DecodedByBase {}
extension Double: DecodedByBase {}
extension Float: DecodedByBase {}
extension UUID: DecodedByBase {}
extension Date: DecodedByBase {}
extension Data: DecodedByBase {}
extension URL: DecodedByBase {}
extension Decimal: DecodedByBase {}
extension Dictionary: DecodedByBase {}
extension Array: DecodedByBase where Element: DecodedByBase {}

private func decodedByBase<T>(_ type: T.Type) -> Bool { type is any DecodedByBase.Type }

/// A `Decoder` over JSONDecoder's that notes in a ``KeyRecord`` what the decoded type asks
/// for; values, errors and coding paths are the base decoder's.
struct RecordingDecoder: Decoder {
    let base: any Decoder
    let record: KeyRecord

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RecordingKeyedContainer(try base.container(keyedBy: type), record: record))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(base: try base.unkeyedContainer(), record: record)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        RecordingSingleValueContainer(decoder: self, base: try base.singleValueContainer())
    }
}

struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let record: KeyRecord
    let path: String

    init(_ base: KeyedDecodingContainer<Key>, record: KeyRecord) {
        self.base = base
        self.record = record
        path = APIJSON.path(base.codingPath)
        record.opened(path, validKeys: base.allKeys)
    }

    var codingPath: [any CodingKey] { base.codingPath }

    var allKeys: [Key] {
        let keys = base.allKeys
        for key in keys { record.asked(key, at: path) }
        return keys
    }

    private func asked(_ key: Key) { record.asked(key, at: path) }

    func contains(_ key: Key) -> Bool { asked(key); return base.contains(key) }
    func decodeNil(forKey key: Key) throws -> Bool { asked(key); return try base.decodeNil(forKey: key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { asked(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { asked(key); return try base.decode(type, forKey: key) }

    /// Leaves go to the base container; other types decode from its decoder for the key,
    /// wrapped, so their own containers are recorded. A missing key is the base's error.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        asked(key)
        guard !decodedByBase(type), base.contains(key) else { return try base.decode(type, forKey: key) }
        return try T(from: RecordingDecoder(base: base.superDecoder(forKey: key), record: record))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        asked(key)
        guard !decodedByBase(type) else { return try base.decodeIfPresent(type, forKey: key) }
        guard base.contains(key), try !base.decodeNil(forKey: key) else { return nil }
        return try T(from: RecordingDecoder(base: base.superDecoder(forKey: key), record: record))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        asked(key)
        return KeyedDecodingContainer(RecordingKeyedContainer<NestedKey>(try base.nestedContainer(keyedBy: type, forKey: key), record: record))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        asked(key)
        return RecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key), record: record)
    }

    func superDecoder() throws -> any Decoder {
        record.asked(SuperKey(), at: path)
        return RecordingDecoder(base: try base.superDecoder(), record: record)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        asked(key)
        return RecordingDecoder(base: try base.superDecoder(forKey: key), record: record)
    }
}

/// The key `superDecoder()` reads.
private struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

struct RecordingUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let record: KeyRecord

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    /// Leaves (and reading past the end, the base's error) go to the base container; other
    /// types decode from its decoder for the next element, wrapped.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !decodedByBase(type), !base.isAtEnd else { return try base.decode(type) }
        return try T(from: RecordingDecoder(base: base.superDecoder(), record: record))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(RecordingKeyedContainer<NestedKey>(try base.nestedContainer(keyedBy: type), record: record))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(), record: record)
    }

    mutating func superDecoder() throws -> any Decoder {
        RecordingDecoder(base: try base.superDecoder(), record: record)
    }
}

struct RecordingSingleValueContainer: SingleValueDecodingContainer {
    /// The decoder this container reads: a nested type decodes from it again (the same value).
    let decoder: RecordingDecoder
    let base: any SingleValueDecodingContainer

    var codingPath: [any CodingKey] { base.codingPath }

    func decodeNil() -> Bool { base.decodeNil() }
    func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        decodedByBase(type) ? try base.decode(type) : try T(from: decoder)
    }
}

extension CodingUserInfoKey {
    /// The ``KeyRecord`` a ``Recorded`` decode fills.
    static let keyRecord = CodingUserInfoKey(rawValue: "samtak.keyRecord")!
}

/// The entry point: JSONDecoder decodes this, which decodes `T` through a recording decoder
/// writing to the ``KeyRecord`` in the decoder's `userInfo` (there, the record outlives a
/// decoding error, when the keys the type cannot have are still known).
struct Recorded<T: Decodable>: Decodable {
    var value: T

    init(from decoder: any Decoder) throws {
        guard let record = decoder.userInfo[.keyRecord] as? KeyRecord else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no key record to decode \(T.self) with"))
        }
        value = try T(from: RecordingDecoder(base: decoder, record: record))
    }
}
