import Foundation

/// A Swift value that can be sent as a parameter in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type OID; 0 lets the server infer it from context.
    static var postgresTypeOID: UInt32 { get }
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text output format
/// (the session runs with TimeZone=UTC and DateStyle=ISO).
public protocol PostgresDecodable {
    init(postgresText text: String) throws(PostgresError)
    /// Called for SQL NULL. Non-optional types throw; `Optional` returns nil.
    static func postgresNull(column: String) throws(PostgresError) -> Self
}

extension PostgresDecodable {
    public static func postgresNull(column: String) throws(PostgresError) -> Self {
        throw PostgresError(kind: .decoding, column: column, context: "NULL in a column decoded as non-optional \(Self.self)")
    }
}

@inline(__always)
func decodingError<T>(_ type: T.Type) -> PostgresError {
    PostgresError(kind: .decoding, context: "value is not a valid \(T.self)")
}

/// Type OIDs used by the conformances below.
public enum PostgresOID {
    public static let unknown: UInt32 = 0
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let date: UInt32 = 1082
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    public static let textArray: UInt32 = 1009
    public static let int8Array: UInt32 = 1016
    public static let uuidArray: UInt32 = 2951
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws(PostgresError) {
        self = .some(try Wrapped(postgresText: text))
    }
    public static func postgresNull(column: String) throws(PostgresError) -> Self { nil }
}

extension String: PostgresEncodable, PostgresDecodable {
    /// Inferred by the server, so a string can feed text, varchar, enum or jsonb columns.
    public static var postgresTypeOID: UInt32 { PostgresOID.unknown }
    public var postgresText: String { self }
    public init(postgresText text: String) { self = text }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int8 }
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = Int(text) else { throw decodingError(Int.self) }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int8 }
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = Int64(text) else { throw decodingError(Int64.self) }
        self = value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.int4 }
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = Int32(text) else { throw decodingError(Int32.self) }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.bool }
    public var postgresText: String { self ? "t" : "f" }
    public init(postgresText text: String) throws(PostgresError) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(Bool.self)
        }
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.float8 }
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = Double(text) else { throw decodingError(Double.self) }
        self = value
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.uuid }
    public var postgresText: String { PostgresUUIDText.format(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = PostgresUUIDText.parse(text) else { throw decodingError(UUID.self) }
        self = value
    }
}

/// The canonical text form of a UUID (`8-4-4-4-12` hex digits), read and written by hand:
/// Foundation's `UUID(uuidString:)` goes through `sscanf` and `uuidString` through `sprintf`,
/// which were 8 % of the intake's CPU time on a 30-item agenda (every case, child, meeting and
/// unit id of every row is a UUID).
public enum PostgresUUIDText {
    /// nil unless `text` is exactly 36 characters in the canonical form (either case).
    public static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                var index = 0
                for byte in 0..<16 {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard utf8[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                    }
                    guard let high = hex(utf8[index]), let low = hex(utf8[index + 1]) else { return false }
                    out[byte] = high << 4 | low
                    index += 2
                }
                return true
            }
            return ok ? UUID(uuid: bytes) : nil
        }
    }

    /// Canonical text, lowercase (as PostgreSQL writes it) unless asked for uppercase (as
    /// Foundation's `uuidString`).
    public static func format(_ uuid: UUID, uppercase: Bool = false) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            write(uuid, into: out, at: 0, uppercase: uppercase)
            return 36
        }
    }

    /// An array literal of UUIDs, `{a,b,...}` (lowercase): none needs quoting, so it is written
    /// in one buffer rather than as a text per id passed through ``PostgresArrayLiteral``.
    public static func arrayLiteral(_ uuids: [UUID]) -> String {
        let count = uuids.isEmpty ? 2 : 1 + uuids.count * 37
        return String(unsafeUninitializedCapacity: count) { out in
            out[0] = UInt8(ascii: "{")
            var index = 1
            for (position, uuid) in uuids.enumerated() {
                if position > 0 {
                    out[index] = UInt8(ascii: ",")
                    index += 1
                }
                write(uuid, into: out, at: index, uppercase: false)
                index += 36
            }
            out[index] = UInt8(ascii: "}")
            return index + 1
        }
    }

    private static func write(_ uuid: UUID, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int, uppercase: Bool) {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        withUnsafeBytes(of: uuid.uuid) { bytes in
            var index = start
            for (position, byte) in bytes.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    out[index] = UInt8(ascii: "-")
                    index += 1
                }
                out[index] = digits.utf8Start[Int(byte >> 4)]
                out[index + 1] = digits.utf8Start[Int(byte & 0x0f)]
                index += 2
            }
        }
    }

    @inline(__always)
    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.timestamptz }
    public var postgresText: String { PostgresTimestamp.format(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let value = PostgresTimestamp.parse(text) else { throw decodingError(Date.self) }
        self = value
    }
}

/// A `jsonb` parameter or column, carried as its JSON text.
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, Hashable {
    public var json: String
    public init(_ json: String) { self.json = json }
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws {
        self.json = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try decoder.decode(T.self, from: Data(json.utf8))
    }
    public static var postgresTypeOID: UInt32 { PostgresOID.jsonb }
    public var postgresText: String { json }
    public init(postgresText text: String) { self.json = text }
}

/// `bytea`, in hex format.
extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { PostgresOID.bytea }
    public var postgresText: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]("\\x".utf8)
        out.reserveCapacity(2 + count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
    public init(postgresText text: String) throws(PostgresError) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw decodingError(Data.self)
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { throw decodingError(Data.self) }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = Data(bytes)
    }
}

// MARK: - Arrays

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresTypeOID: UInt32 { Element.postgresArrayOID }
    public var postgresText: String {
        // Id lists are most of the arrays sent (the access rules' `= ANY($1)`).
        if Element.self == UUID.self { return PostgresUUIDText.arrayLiteral(unsafeBitCast(self, to: [UUID].self)) }
        return PostgresArrayLiteral.encode(map(\.postgresText))
    }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement & PostgresDecodable {
    public init(postgresText text: String) throws(PostgresError) {
        guard let items = PostgresArrayLiteral.decode(text) else { throw decodingError([Element].self) }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let item else { throw PostgresError(kind: .decoding, context: "NULL element in an array of \(Element.self)") }
            result.append(try Element(postgresText: item))
        }
        self = result
    }
}

/// Element types that have an array type on the server.
public protocol PostgresArrayElement: PostgresEncodable {
    static var postgresArrayOID: UInt32 { get }
}
extension String: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.textArray } }
extension UUID: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.uuidArray } }
extension Int: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayOID: UInt32 { PostgresOID.int8Array } }

/// One-dimensional array literals: `{a,"b c",NULL}`. Worked on UTF-8 bytes: every character
/// that matters here (`{`, `}`, `,`, `"`, `\\`) is ASCII, and no byte of a multi-byte
/// character is (per Unicode scalar, building every id list cost 7 % of a meeting read).
enum PostgresArrayLiteral {
    static func encode(_ items: [String]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(2) { $0 + $1.utf8.count + 3 })
        out.append(UInt8(ascii: "{"))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for byte in item.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String?]? {
        var text = text
        return text.withUTF8 { bytes -> [String?]? in
            let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
            guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"), bytes.count >= 2 else { return nil }
            var items: [String?] = []
            var index = 1
            let end = bytes.count - 1
            if index == end { return [] }
            var value: [UInt8] = []
            while index <= end {
                if bytes[index] == quote {
                    value.removeAll(keepingCapacity: true)
                    index += 1
                    while index < end, bytes[index] != quote {
                        if bytes[index] == backslash { index += 1 }
                        guard index < end else { return nil }
                        value.append(bytes[index])
                        index += 1
                    }
                    guard index < end else { return nil }
                    index += 1  // closing quote
                    items.append(String(decoding: value, as: UTF8.self))
                } else {
                    let start = index
                    while index < end, bytes[index] != comma { index += 1 }
                    let item = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    items.append(item == "NULL" ? nil : item)
                }
                guard index <= end else { return nil }
                if index == end { break }
                guard bytes[index] == comma else { return nil }
                index += 1
            }
            return items
        }
    }
}

// MARK: - timestamptz text format

/// Fast conversion between `Date` and PostgreSQL's ISO output in UTC
/// (`2026-11-25 19:24:23.830972+00`), without DateFormatter.
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var micros = Int64(totalMicros)
        var seconds = micros / 1_000_000
        micros -= seconds * 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds - days * 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var micro = String(micros)
        while micro.count < 6 { micro = "0" + micro }
        // Four-digit years (PostgreSQL reads "55-03-26" as YY-MM-DD and refuses it); before year 1, ISO's "BC" form.
        var yearText = String(year > 0 ? year : 1 - year)
        while yearText.count < 4 { yearText = "0" + yearText }
        let era = year > 0 ? "" : " BC"
        return "\(yearText)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(micro)+00\(era)"
    }

    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int64? {
            guard i + digits <= b.count else { return nil }
            var v: Int64 = 0
            for _ in 0..<digits {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2), expect(58),
              let second = number(2)
        else { return nil }
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if i < b.count {
            let sign: Int64
            switch b[i] {
            case 43: sign = 1
            case 45: sign = -1
            case 90: sign = 0
            default: return nil
            }
            i += 1
            if sign != 0 {
                guard let oh = number(2) else { return nil }
                var om: Int64 = 0
                if i < b.count, b[i] == 58 { i += 1 }
                if i < b.count { guard let m = number(2) else { return nil }; om = m }
                if i < b.count, b[i] == 58 { i += 1; _ = number(2) }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's algorithm.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
