import Foundation

/// A strict RFC 8259 check of a request body before it is decoded: Foundation's parser
/// accepts trailing commas and keeps the last of two equal keys, so a body could say one
/// thing to a reader and another to the decoder. Refused here, each with the field named:
///
/// - a key that appears twice in one object (also when spelled with escapes: `"a"` = `"\u0061"`),
/// - a trailing comma before `}` or `]`,
/// - bidirectional embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069)
///   in any string: they make a title in an agenda or minutes read differently from what it
///   says ("Trojan Source"),
/// - nesting deeper than ``maxDepth`` (no request has it; it bounds the work and the stack).
///
/// Anything else that is not JSON is `malformed`. Iterates over the bytes once; builds no
/// values except object keys.
enum StrictJSON {
    static let maxDepth = 32

    enum Outcome: Equatable {
        case valid
        case malformed
        case refused([Problem.Violation])
    }

    static func check(_ data: Data) -> Outcome {
        data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            do {
                scanner.skipWhitespace()
                try scanner.value(path: "", depth: 0)
                scanner.skipWhitespace()
                guard scanner.atEnd else { return .malformed }
            } catch is Scanner.Malformed {
                return .malformed
            } catch {
                // Stop: a trailing comma or too deep; the violation is recorded.
            }
            return scanner.violations.isEmpty ? .valid : .refused(scanner.violations)
        }
    }

    static let bidiMessage = "must not contain bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069)"

    /// U+202A–U+202E and U+2066–U+2069.
    @inline(__always)
    static func isBidiControl(_ value: UInt32) -> Bool {
        (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }

    struct Scanner {
        struct Malformed: Error {}
        struct Stop: Error {}

        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var violations: [Problem.Violation] = []
        private var flaggedBidi: Set<String> = []

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        func peek() throws(Malformed) -> UInt8 {
            guard index < bytes.count else { throw Malformed() }
            return bytes[index]
        }

        static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        mutating func value(path: String, depth: Int) throws {
            switch try peek() {
            case UInt8(ascii: "{"):
                try enter(path: path, depth: depth)
                try object(path: path, depth: depth + 1)
            case UInt8(ascii: "["):
                try enter(path: path, depth: depth)
                try array(path: path, depth: depth + 1)
            case UInt8(ascii: "\""):
                _ = try string(path: path, decodeKey: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
        }

        mutating func enter(path: String, depth: Int) throws {
            if depth >= StrictJSON.maxDepth {
                violations.append(.init(field: path, rule: "max_depth", message: "is nested more than \(StrictJSON.maxDepth) levels deep"))
                throw Stop()
            }
        }

        mutating func object(path: String, depth: Int) throws {
            index += 1  // {
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") { index += 1; return }
            var keys: Set<String> = []
            var duplicates: Set<String> = []
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw Malformed() }
                let key = try string(path: path, decodeKey: true) ?? ""
                let keyPath = Self.join(path, key)
                if !keys.insert(key).inserted, duplicates.insert(key).inserted {
                    violations.append(.init(field: keyPath, rule: "duplicate_key", message: "appears more than once in the same object"))
                }
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else { throw Malformed() }
                index += 1
                skipWhitespace()
                try value(path: keyPath, depth: depth)
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                    if try peek() == UInt8(ascii: "}") {
                        violations.append(.init(field: keyPath, rule: "trailing_comma", message: "is followed by a comma that ends the object (not allowed in JSON)"))
                        throw Stop()
                    }
                case UInt8(ascii: "}"):
                    index += 1
                    return
                default:
                    throw Malformed()
                }
            }
        }

        mutating func array(path: String, depth: Int) throws {
            index += 1  // [
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") { index += 1; return }
            var position = 0
            while true {
                try value(path: "\(path)[\(position)]", depth: depth)
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                    if try peek() == UInt8(ascii: "]") {
                        violations.append(.init(field: path, rule: "trailing_comma", message: "ends with a comma before ] (not allowed in JSON)"))
                        throw Stop()
                    }
                    position += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return
                default:
                    throw Malformed()
                }
            }
        }

        mutating func literal(_ word: String) throws(Malformed) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count else { throw Malformed() }
            for offset in 0..<expected.count where bytes[index + offset] != expected[offset] { throw Malformed() }
            index += expected.count
        }

        mutating func number() throws(Malformed) {
            func digits() -> Int {
                let start = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - start
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw Malformed() }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { throw Malformed() }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw Malformed() }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw Malformed() }
            }
        }

        static func hex(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        mutating func hex4() throws(Malformed) -> UInt32 {
            guard index + 4 <= bytes.count else { throw Malformed() }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = Self.hex(bytes[index + offset]) else { throw Malformed() }
                value = value << 4 | digit
            }
            index += 4
            return value
        }

        mutating func flagBidi(_ path: String) {
            if flaggedBidi.insert(path).inserted {
                violations.append(.init(field: path, rule: "bidi_control", message: StrictJSON.bidiMessage))
            }
        }

        /// Reads a string at `index` (an opening quote); returns the decoded text for keys.
        mutating func string(path: String, decodeKey: Bool) throws(Malformed) -> String? {
            index += 1  // "
            var key: [UInt8] = []
            while true {
                guard index < bytes.count else { throw Malformed() }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return decodeKey ? String(decoding: key, as: UTF8.self) : nil
                case 0x00..<0x20:
                    throw Malformed()
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw Malformed() }
                    let escape = bytes[index]
                    index += 1
                    var scalar: UInt32
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalar = UInt32(escape)
                    case UInt8(ascii: "b"): scalar = 0x08
                    case UInt8(ascii: "f"): scalar = 0x0C
                    case UInt8(ascii: "n"): scalar = 0x0A
                    case UInt8(ascii: "r"): scalar = 0x0D
                    case UInt8(ascii: "t"): scalar = 0x09
                    case UInt8(ascii: "u"):
                        scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw Malformed()
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw Malformed() }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw Malformed()
                        }
                    default:
                        throw Malformed()
                    }
                    if StrictJSON.isBidiControl(scalar) { flagBidi(path) }
                    if decodeKey, let unicode = Unicode.Scalar(scalar) { key.append(contentsOf: Array(String(Character(unicode)).utf8)) }
                default:
                    // U+202A–U+202E is E2 80 AA–AE; U+2066–U+2069 is E2 81 A6–A9 in UTF-8.
                    if byte == 0xE2, index + 2 < bytes.count,
                       (bytes[index + 1] == 0x80 && (0xAA...0xAE).contains(bytes[index + 2]))
                        || (bytes[index + 1] == 0x81 && (0xA6...0xA9).contains(bytes[index + 2])) {
                        flagBidi(path)
                    }
                    if decodeKey { key.append(byte) }
                    index += 1
                }
            }
        }
    }
}
