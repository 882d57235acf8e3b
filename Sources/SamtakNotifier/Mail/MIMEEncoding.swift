import Foundation
import SamtakDomain

/// Encoders for Internet message formats (RFC 5322, RFC 2045/2047, RFC 5545), byte-exact and
/// free of Foundation formatters.
enum MIMEEncoding {
    static let crlf = "\r\n"

    // MARK: Line endings

    /// Normalizes CR, LF and CRLF to CRLF.
    static func crlfNormalized(_ text: String) -> String {
        String(decoding: crlfNormalizedBytes(text), as: UTF8.self)
    }

    /// ``crlfNormalized(_:)`` on UTF-8 bytes (CR and LF never occur inside a multi-byte
    /// sequence, so bytes are safe to scan).
    static func crlfNormalizedBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        var previousCR = false
        for byte in text.utf8 {
            switch byte {
            case 13:
                out.append(13); out.append(10)
                previousCR = true
            case 10:
                if !previousCR { out.append(13); out.append(10) }
                previousCR = false
            default:
                out.append(byte)
                previousCR = false
            }
        }
        return out
    }

    // MARK: Quoted-printable (RFC 2045 6.7)

    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Quoted-printable with CRLF hard line breaks and soft breaks keeping lines at ≤ 76 chars.
    /// Works on the UTF-8 bytes in one pass, without an allocation per byte.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = crlfNormalizedBytes(text)
        var out: [UInt8] = []
        out.reserveCapacity(normalized.count * 3 / 2 + 16)
        let count = normalized.count
        var i = 0
        var lineLength = 0
        while i < count {
            let byte = normalized[i]
            // A hard line break (always CRLF after normalization).
            if byte == 13 && i + 1 < count && normalized[i + 1] == 10 {
                out.append(13); out.append(10)
                lineLength = 0
                i += 2
                continue
            }
            // The last byte of its line: followed by CRLF or the end of the text.
            let isLast = i == count - 1 || (normalized[i + 1] == 13 && i + 2 < count && normalized[i + 2] == 10)
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && !isLast)
            // Encode a leading "." too: some relays mangle dot-started lines.
            var encoded = !literal || (lineLength == 0 && byte == UInt8(ascii: "."))
            var width = encoded ? 3 : 1
            // Keep room for the soft break "=" (76 chars including it), unless this token
            // ends the line.
            let limit = isLast ? 76 : 75
            if lineLength + width > limit {
                out.append(UInt8(ascii: "=")); out.append(13); out.append(10)
                lineLength = 0
                if byte == UInt8(ascii: ".") && !encoded {
                    encoded = true
                    width = 3
                }
            }
            if encoded {
                out.append(UInt8(ascii: "=")); out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 0x0F)])
            } else {
                out.append(byte)
            }
            lineLength += width
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Base64

    /// Base64 in lines of 76 characters, CRLF-separated.
    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        var lines: [Substring] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let next = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[index..<next])
            index = next
        }
        return lines.joined(separator: crlf)
    }

    // MARK: Headers (RFC 5322, RFC 2047)

    /// Removes CR, LF and other control characters from a header value (header injection) and
    /// collapses whitespace.
    static func headerSafe(_ value: String) -> String {
        var out = ""
        var lastSpace = false
        for scalar in value.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar.properties.isWhitespace {
                if !lastSpace && !out.isEmpty { out.append(" ") }
                lastSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastSpace = false
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    static func isASCII(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }

    /// RFC 2047 "B" encoded-words for UTF-8 text, each at most `maxBytes` bytes of UTF-8 (39 bytes
    /// → 52 base64 chars → 64-char words) and never splitting a character.
    static func encodedWords(_ text: String, maxBytes: Int = 39) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk.removeAll(keepingCapacity: true)
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count > maxBytes {
                // A very long grapheme cluster: split between its scalars instead.
                for scalar in character.unicodeScalars {
                    let sb = Array(String(scalar).utf8)
                    if chunk.count + sb.count > maxBytes { flush() }
                    chunk.append(contentsOf: sb)
                }
                continue
            }
            if chunk.count + bytes.count > maxBytes { flush() }
            chunk.append(contentsOf: bytes)
        }
        flush()
        return words
    }

    /// An unstructured header (Subject, custom headers): plain ASCII folded at spaces, or
    /// encoded-words separated by folding whitespace.
    static func unstructuredHeader(name: String, value: String) -> String {
        let value = headerSafe(value)
        if isASCII(value) && !value.contains("=?") {
            return fold(name: name, words: value.split(separator: " ", omittingEmptySubsequences: false).map(String.init))
        }
        return fold(name: name, words: encodedWords(value))
    }

    /// Joins `name: ` and the words with single spaces, folding (CRLF + space) before a word that
    /// would take the line past 78 characters. A word is never split; a word too long for the first line moves to a continuation line.
    static func fold(name: String, words: [String]) -> String {
        var out = name + ":"
        var lineLength = out.utf8.count
        for word in words {
            let length = word.utf8.count
            if lineLength + 1 + length > 78 {
                out.append(crlf)
                lineLength = 0
            }
            out.append(" ")
            out.append(word)
            lineLength += 1 + length
        }
        return out
    }

    /// The display-name phrase of a mailbox: as is when it is an atom sequence, a quoted
    /// string when it has specials, or encoded-words when it is not ASCII.
    static func phraseWords(_ name: String) -> [String] {
        let name = headerSafe(name)
        guard !name.isEmpty else { return [] }
        if !isASCII(name) || name.contains("=?") { return encodedWords(name) }
        let specials = Set("()<>[]:;@\\,.\"")
        if name.contains(where: { specials.contains($0) }) {
            var quoted = "\""
            for c in name {
                if c == "\\" || c == "\"" { quoted.append("\\") }
                quoted.append(c)
            }
            quoted.append("\"")
            return [quoted]
        }
        return name.split(separator: " ").map(String.init)
    }

    /// An address header: `Name <addr@example.no>`.
    static func addressHeader(name: String, recipient: Recipient) -> String {
        let address = addressSafe(recipient.email)
        return fold(name: name, words: phraseWords(recipient.name) + ["<\(address)>"])
    }

    /// The addr-spec with anything that could break out of `<...>` removed.
    static func addressSafe(_ address: String) -> String {
        String(headerSafe(address).filter { $0 != "<" && $0 != ">" && $0 != " " && $0 != "," && $0 != ";" })
    }

    // MARK: Dates

    private static let englishDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let englishMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 date-time in Oslo local time: "Tue, 02 Mar 2027 14:00:00 +0100".
    static func rfc5322Date(_ instant: Date) -> String {
        let offset = OsloTime.utcOffsetSeconds(at: instant)
        let local = OsloTime.localDateTime(at: instant)
        let d = local.date
        let t = local.time
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return "\(englishDays[d.weekday.rawValue - 1]), \(two(d.day)) \(englishMonths[d.month - 1]) \(d.year) "
            + "\(two(t.hour)):\(two(t.minute)):\(two(t.second)) \(sign)\(two(a / 3600))\(two(a / 60 % 60))"
    }

    /// RFC 5545 UTC DATE-TIME: "20270302T130000Z".
    static func icsUTC(_ instant: Date) -> String {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        return LocalDateTime(secondsSinceEpochAsUTC: seconds).basicFormat + "Z"
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    // MARK: Hashing

    /// FNV-1a 64-bit, stable across runs (Swift's Hasher is seeded per process).
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
