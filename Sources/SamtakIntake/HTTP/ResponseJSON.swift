import Foundation
import SamtakDomain
import SamtakPostgres
import Synchronization

/// The API's JSON writer: byte for byte what `APIJSON.foundationEncoder()` (Foundation's
/// `JSONEncoder` with snake_case keys, ISO 8601 dates, sorted keys, unescaped slashes) writes,
/// at a fraction of the cost. Foundation's encoder converted every key to snake_case again
/// for every value and boxed every value; it was a quarter of the intake's CPU time on a
/// 30-item agenda (perf profile under bench row 7's load, issue 15).
///
/// How it stays identical: each property name is converted by Foundation itself the first
/// time it is seen (then cached for the process); dictionaries with `String` keys keep their
/// keys as Foundation does; numbers that are not whole are written by Foundation; dates,
/// UUIDs and strings are written as Foundation writes them (`ResponseJSONTests` compares the
/// two on every kind of value). In debug builds `APIJSON` also encodes every response with
/// Foundation and stops on any difference, so every test of every endpoint checks it.
public enum ResponseJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node: JSONNode
        if let special = JSONNodeEncoder.special(value) {
            node = special
        } else {
            let encoder = JSONNodeEncoder()
            try value.encode(to: encoder)
            // As Foundation: a top-level value that encodes nothing is an error.
            guard let encoded = encoder.node else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
            }
            node = encoded
        }
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        node.write(into: &out)
        return out
    }

    /// A property name in snake_case, as Foundation's `.convertToSnakeCase` writes it.
    static func snakeCase(_ key: String) -> String {
        // A name of lowercase ASCII letters, digits and underscores is its own snake_case
        // (Foundation splits words only at uppercase letters, then lowercases): no look-up.
        if key.utf8.allSatisfy({ $0 < 0x80 && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) { return key }
        if let known = keyCache.withLock({ $0[key] }) { return known }
        let converted = foundationSnakeCase(key)
        keyCache.withLock { $0[key] = converted }
        return converted
    }

    private static let keyCache = Mutex<[String: String]>([:])

    private static func foundationSnakeCase(_ key: String) -> String {
        struct Probe: Encodable {
            var key: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode(0, forKey: AnyKey(stringValue: key))
            }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(Probe(key: key)),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let converted = object.keys.first
        else { return key }
        return converted
    }

    /// A number that is not whole, as Foundation writes it ("1.5", "1e-07").
    static func foundationNumber<N: Encodable>(_ value: N) -> [UInt8] {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode([value]), data.count >= 2 else { return Array("0".utf8) }
        return Array(data.dropFirst().dropLast())
    }

    /// The key type of `Dictionary<String, _>`'s own encoding (an internal standard-library
    /// type): Foundation leaves those keys as they are.
    static let dictionaryKeyType: ObjectIdentifier? = {
        final class KeyTypeProbe: Encoder {
            var codingPath: [any CodingKey] = []
            var userInfo: [CodingUserInfoKey: Any] = [:]
            var keyType: ObjectIdentifier?
            func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
                keyType = ObjectIdentifier(Key.self)
                return KeyedEncodingContainer(JSONNodeEncoder.Keyed<Key>(object: JSONNodeEncoder.ObjectBox(), convert: false))
            }
            func unkeyedContainer() -> any UnkeyedEncodingContainer { JSONNodeEncoder.Unkeyed(array: JSONNodeEncoder.ArrayBox()) }
            func singleValueContainer() -> any SingleValueEncodingContainer { JSONNodeEncoder(convertKeys: false) }
        }
        let probe = KeyTypeProbe()
        try? ["k": 0].encode(to: probe)
        return probe.keyType
    }()

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A JSON value being built (objects and arrays by reference, so containers can fill them).
indirect enum JSONNode {
    case null
    case bool(Bool)
    case number([UInt8])
    case string(String)
    case array(JSONNodeEncoder.ArrayBox)
    case object(JSONNodeEncoder.ObjectBox)

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .number(let digits): out.append(contentsOf: digits)
        case .string(let text): JSONNode.writeString(text, into: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, item) in array.items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            // Sorted by the keys' UTF-8 bytes, as Foundation's `.sortedKeys` orders them; a key
            // written twice keeps its last value, as in Foundation's dictionary (equal keys sort
            // by the order they were written in, and only the last of them is written).
            let fields = object.fields
            let order = fields.indices.sorted { left, right in
                let a = fields[left].key, b = fields[right].key
                return a == b ? left < right : a.utf8.lexicographicallyPrecedes(b.utf8)
            }
            var first = true
            for (position, index) in order.enumerated() {
                if position + 1 < order.count, fields[order[position + 1]].key == fields[index].key { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONNode.writeString(fields[index].key, into: &out)
                out.append(UInt8(ascii: ":"))
                fields[index].value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out.append(UInt8(ascii: "\""))
        // Most texts (keys, ids, codes, titles) need no escape: copied in one go.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0F)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The `Encoder` behind ``ResponseJSON``: it builds a ``JSONNode`` tree.
final class JSONNodeEncoder: Encoder, SingleValueEncodingContainer {
    final class ObjectBox {
        var fields: [(key: String, value: JSONNode)] = []
    }

    final class ArrayBox {
        var items: [JSONNode] = []
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// What was encoded (nil: nothing yet).
    var node: JSONNode?
    let convertKeys: Bool

    init(convertKeys: Bool = true) {
        self.convertKeys = convertKeys
    }

    /// The node for one value: dates, UUIDs, URLs and whole numbers directly, anything else
    /// through its own `encode(to:)`.
    static func box<T: Encodable>(_ value: T) throws -> JSONNode {
        if let special = special(value) { return special }
        let encoder = JSONNodeEncoder()
        try value.encode(to: encoder)
        return encoder.node ?? .object(ObjectBox())
    }

    /// The types Foundation writes in a form of its own (told apart by their metatype, which
    /// costs nothing, not by a dynamic cast).
    static func special<T: Encodable>(_ value: T) -> JSONNode? {
        if T.self == String.self, let text = value as? String { return .string(text) }
        if T.self == Date.self, let date = value as? Date { return .string(iso8601(date)) }
        if T.self == UUID.self, let uuid = value as? UUID { return .string(PostgresUUIDText.format(uuid, uppercase: true)) }
        if T.self == URL.self, let url = value as? URL { return .string(url.absoluteString) }
        if T.self == Data.self, let data = value as? Data { return .string(data.base64EncodedString()) }
        if T.self == Decimal.self { return .number(ResponseJSON.foundationNumber(value)) }
        return nil
    }

    /// "2027-01-05T13:00:00Z": whole seconds, rounded down, as Foundation's `.iso8601`.
    static func iso8601(_ date: Date) -> String {
        UTCText.format(seconds: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    static func integer<I: BinaryInteger>(_ value: I) -> JSONNode { .number(Array(String(value).utf8)) }

    static func floating<F: BinaryFloatingPoint & Encodable>(_ value: F) throws -> JSONNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        if value == value.rounded(), abs(value) < 1e15 {
            return .number(Array((value == 0 && value.sign == .minus ? "-0" : String(Int64(value))).utf8))
        }
        return .number(ResponseJSON.foundationNumber(value))
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: ObjectBox
        if case .object(let existing) = node { object = existing } else {
            object = ObjectBox()
            node = .object(object)
        }
        let convert = convertKeys && ObjectIdentifier(Key.self) != ResponseJSON.dictionaryKeyType
        return KeyedEncodingContainer(Keyed<Key>(object: object, convert: convert))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: ArrayBox
        if case .array(let existing) = node { array = existing } else {
            array = ArrayBox()
            node = .array(array)
        }
        return Unkeyed(array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    // MARK: SingleValueEncodingContainer

    func encodeNil() throws { node = .null }
    func encode(_ value: Bool) throws { node = .bool(value) }
    func encode(_ value: String) throws { node = .string(value) }
    func encode(_ value: Double) throws { node = try Self.floating(value) }
    func encode(_ value: Float) throws { node = try Self.floating(value) }
    func encode(_ value: Int) throws { node = Self.integer(value) }
    func encode(_ value: Int8) throws { node = Self.integer(value) }
    func encode(_ value: Int16) throws { node = Self.integer(value) }
    func encode(_ value: Int32) throws { node = Self.integer(value) }
    func encode(_ value: Int64) throws { node = Self.integer(value) }
    func encode(_ value: UInt) throws { node = Self.integer(value) }
    func encode(_ value: UInt8) throws { node = Self.integer(value) }
    func encode(_ value: UInt16) throws { node = Self.integer(value) }
    func encode(_ value: UInt32) throws { node = Self.integer(value) }
    func encode(_ value: UInt64) throws { node = Self.integer(value) }
    func encode<T: Encodable>(_ value: T) throws { node = try Self.box(value) }

    // MARK: Containers

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let object: ObjectBox
        let convert: Bool
        var codingPath: [any CodingKey] { [] }

        func name(_ key: Key) -> String { convert ? APIJSON.snakeCase(key.stringValue) : key.stringValue }
        func put(_ node: JSONNode, _ key: Key) { object.fields.append((name(key), node)) }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(try JSONNodeEncoder.floating(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(try JSONNodeEncoder.floating(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(JSONNodeEncoder.integer(value), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(try JSONNodeEncoder.box(value), key) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = ObjectBox()
            put(.object(nested), key)
            return KeyedEncodingContainer(Keyed<NestedKey>(object: nested, convert: convert))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            put(.array(nested), key)
            return Unkeyed(array: nested)
        }

        mutating func superEncoder() -> any Encoder { SlotEncoder(parent: object, key: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { SlotEncoder(parent: object, key: name(key)) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let array: ArrayBox
        var codingPath: [any CodingKey] { [] }
        var count: Int { array.items.count }

        mutating func encodeNil() throws { array.items.append(.null) }
        mutating func encode(_ value: Bool) throws { array.items.append(.bool(value)) }
        mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
        mutating func encode(_ value: Double) throws { array.items.append(try JSONNodeEncoder.floating(value)) }
        mutating func encode(_ value: Float) throws { array.items.append(try JSONNodeEncoder.floating(value)) }
        mutating func encode(_ value: Int) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: Int8) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: Int16) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: Int32) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: Int64) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: UInt) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: UInt8) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: UInt16) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: UInt32) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode(_ value: UInt64) throws { array.items.append(JSONNodeEncoder.integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { array.items.append(try JSONNodeEncoder.box(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = ObjectBox()
            array.items.append(.object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(object: nested, convert: true))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            array.items.append(.array(nested))
            return Unkeyed(array: nested)
        }

        mutating func superEncoder() -> any Encoder {
            let encoder = JSONNodeEncoder()
            let index = array.items.count
            array.items.append(.null)
            return ArraySlotEncoder(encoder: encoder, array: array, index: index)
        }
    }

    /// `superEncoder(forKey:)`: an encoder whose value lands under `key` of `parent`.
    final class SlotEncoder: Encoder {
        let parent: ObjectBox
        let key: String
        let index: Int
        let inner = JSONNodeEncoder()
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(parent: ObjectBox, key: String) {
            self.parent = parent
            self.key = key
            index = parent.fields.count
            parent.fields.append((key, .object(ObjectBox())))
        }

        deinit { parent.fields[index].value = inner.node ?? .object(ObjectBox()) }

        func container<K: CodingKey>(keyedBy type: K.Type) -> KeyedEncodingContainer<K> { inner.container(keyedBy: type) }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
        func singleValueContainer() -> any SingleValueEncodingContainer { inner }
    }

    /// `superEncoder()` of an unkeyed container: its value lands at `index` of `array`.
    final class ArraySlotEncoder: Encoder {
        let encoder: JSONNodeEncoder
        let array: ArrayBox
        let index: Int
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        init(encoder: JSONNodeEncoder, array: ArrayBox, index: Int) {
            self.encoder = encoder
            self.array = array
            self.index = index
        }

        deinit { array.items[index] = encoder.node ?? .object(ObjectBox()) }

        func container<K: CodingKey>(keyedBy type: K.Type) -> KeyedEncodingContainer<K> { encoder.container(keyedBy: type) }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { encoder.unkeyedContainer() }
        func singleValueContainer() -> any SingleValueEncodingContainer { encoder }
    }
}
