import Foundation

/// Reads the intake's JSON answers into the loosely typed values the pages use: `[String: Any]`,
/// `[Any]`, `String`, `Int` (a whole number that fits), `Double`, `Bool` and `NSNull`.
///
/// Why not `JSONSerialization`: on Linux it parses into a tree of its own and then converts
/// every value to a Foundation object (`NSNumber`, bridged strings and dictionaries); under
/// bench row 7's load that was an eighth of samtak-web's CPU on the meeting page (perf). This
/// reader makes the Swift values in one pass.
///
/// How it stays a drop-in: the pages read values with `as? String`, `as? Int`, `as? Bool`,
/// `as? [String: Any]` and `is NSNull`, which mean the same on these values as on
/// Foundation's. In debug builds (every Swift and browser test) each answer is also parsed by
/// `JSONSerialization` and compared (``sameAsFoundation(_:_:)``); `JSONReaderTests` compares
/// the two on escapes, Unicode, numbers and malformed input.
enum JSONReader {
    /// Not JSON, at this byte offset (the answer is then treated as having no body).
    struct Malformed: Error, Equatable {
        var offset: Int
    }

    /// Deeper nesting than any answer has is refused rather than recursed into.
    static let maxDepth = 256

    static func parse(_ bytes: [UInt8]) throws -> Any {
        try bytes.withUnsafeBufferPointer { buffer throws -> Any in
            var reader = Reader(bytes: buffer)
            reader.skipSpace()
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.index == buffer.count else { throw Malformed(offset: reader.index) }
            return value
        }
    }

    /// Whether `ours` (this reader's value) means what `foundation` (`JSONSerialization`'s) means
    /// to a page.
    static func sameAsFoundation(_ ours: Any, _ foundation: Any) -> Bool {
        switch ours {
        case let object as [String: Any]:
            guard let other = foundation as? [String: Any], other.count == object.count else { return false }
            return object.allSatisfy { key, value in other[key].map { sameAsFoundation(value, $0) } ?? false }
        case let array as [Any]:
            guard let other = foundation as? [Any], other.count == array.count else { return false }
            return zip(array, other).allSatisfy { sameAsFoundation($0, $1) }
        case let text as String: return (foundation as? String) == text
        case let flag as Bool: return (foundation as? Bool) == flag
        case let number as Int: return (foundation as? Int) == number
        case let number as Double: return (foundation as? Double) == number
        case is NSNull: return foundation is NSNull
        default: return false
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var malformed: Malformed { Malformed(offset: index) }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard index < bytes.count, bytes[index] == byte else { throw malformed }
            index += 1
        }

        mutating func value(depth: Int) throws -> Any {
            guard index < bytes.count, depth < JSONReader.maxDepth else { throw malformed }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"): try literal("true"); return true
            case UInt8(ascii: "f"): try literal("false"); return false
            case UInt8(ascii: "n"): try literal("null"); return NSNull()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw malformed
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw malformed }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw malformed }
            index += count
        }

        mutating func object(depth: Int) throws -> [String: Any] {
            index += 1
            var object: [String: Any] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return object
            }
            while true {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw malformed }
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                object[key] = try value(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw malformed }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    skipSpace()
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return object
            }
        }

        mutating func array(depth: Int) throws -> [Any] {
            index += 1
            var array: [Any] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return array
            }
            while true {
                array.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw malformed }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    skipSpace()
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return array
            }
        }

        /// A string from its opening quote: copied as it is up to the closing quote unless it
        /// has escapes. Invalid UTF-8 is refused, as Foundation refuses it.
        mutating func string() throws -> String {
            index += 1
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = try utf8(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
                guard byte >= 0x20 else { throw malformed }
                index += 1
            }
            throw malformed
        }

        func utf8(_ part: UnsafeBufferPointer<UInt8>) throws -> String {
            guard let text = String(validating: part, as: UTF8.self) else { throw malformed }
            return text
        }

        mutating func escapedString(from start: Int) throws -> String {
            var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try out.withUnsafeBufferPointer { try utf8($0) }
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw malformed }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = UInt32(try hex4())
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A high surrogate takes the low one that must follow it.
                            try expect(UInt8(ascii: "\\"))
                            try expect(UInt8(ascii: "u"))
                            let low = UInt32(try hex4())
                            guard (0xDC00..<0xE000).contains(low) else { throw malformed }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw malformed }
                        out.append(contentsOf: String(Character(unicode)).utf8)
                    default: throw malformed
                    }
                default:
                    guard byte >= 0x20 else { throw malformed }
                    out.append(byte)
                    index += 1
                }
            }
            throw malformed
        }

        mutating func hex4() throws -> UInt16 {
            guard bytes.count - index >= 4 else { throw malformed }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw malformed
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }

        /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; a
        /// whole number that fits is an `Int`, any other a `Double`.
        mutating func number() throws -> Any {
            let start = index
            var whole = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw malformed }
            if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                whole = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw malformed }
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                whole = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw malformed }
                skipDigits()
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if whole, let integer = Int(text) { return integer }
            guard let double = Double(text) else { throw Malformed(offset: start) }
            return double
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }
}
