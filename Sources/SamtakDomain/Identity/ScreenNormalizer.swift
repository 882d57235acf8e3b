import Foundation

/// A text as the personal-data screen reads it, with a map back to the original.
struct NormalizedText {
    /// UTF-8 of the normalized text.
    var bytes: [UInt8]
    /// For each normalized byte, the UTF-8 offsets of the original `Character` it came from.
    var originalStart: [Int]
    var originalEnd: [Int]
}

/// Normalizes text before ``PersonalDataScreen`` scans it, so that text that *reads* like a
/// name, a number or a date is screened as one, however it is encoded:
///
/// 1. Unicode NFKC, per `Character` (compatibility forms: full-width "０１２" is "012",
///    "ﬁ" is "fi", the Ångström sign is "Å", no-break and other spaces are spaces).
/// 2. Look-alikes: Cyrillic and Greek letters drawn like Latin ones become those
///    ("Еmmа" with Cyrillic Е and а is "Emma"); dotless ı is i.
/// 3. Decimal digits of every script become ASCII digits ("٠١٢" is "012").
/// 4. Invisible characters are dropped: format characters (zero-width space, joiners, word
///    joiner, soft hyphen, bidi marks and controls, BOM).
/// 5. Spaced-out digits are joined: eight or more single digits separated by one space, `.`
///    or `-` ("9 1 2 3 4 5 6 7"). (Spaced-out letters are matched by the name matcher, which
///    can tell where the name ends: "E m m a i dag".)
///
/// ASCII passes through untouched (except step 5); NFKC (Foundation) is asked once per
/// distinct non-ASCII character of a text.
enum ScreenNormalizer {
    static func normalize(_ text: String) -> NormalizedText {
        var cache: [Character: [UInt32]] = [:]
        return normalize(text, cache: &cache)
    }

    /// With a cache of the non-ASCII characters' mappings shared across texts (many names).
    static func normalize(_ text: String, cache: inout [Character: [UInt32]]) -> NormalizedText {
        var scalars: [UInt32] = []
        var starts: [Int] = []
        var ends: [Int] = []
        scalars.reserveCapacity(text.utf8.count)
        starts.reserveCapacity(text.utf8.count)
        ends.reserveCapacity(text.utf8.count)
        var offset = 0
        for character in text {
            let length = character.utf8.count
            if character.utf8.allSatisfy({ $0 < 0x80 }) {
                for byte in character.utf8 {
                    scalars.append(UInt32(byte)); starts.append(offset); ends.append(offset + length)
                }
            } else {
                let mapped: [UInt32]
                if let cached = cache[character] {
                    mapped = cached
                } else {
                    mapped = map(character)
                    cache[character] = mapped
                }
                for value in mapped {
                    scalars.append(value); starts.append(offset); ends.append(offset + length)
                }
            }
            offset += length
        }
        let keep = joinSpacedOut(scalars)
        var out = NormalizedText(bytes: [], originalStart: [], originalEnd: [])
        out.bytes.reserveCapacity(scalars.count)
        out.originalStart.reserveCapacity(scalars.count)
        out.originalEnd.reserveCapacity(scalars.count)
        for index in scalars.indices where keep[index] {
            guard let scalar = Unicode.Scalar(scalars[index]) else { continue }
            for byte in UTF8.encode(scalar)! {
                out.bytes.append(byte)
                out.originalStart.append(starts[index])
                out.originalEnd.append(ends[index])
            }
        }
        return out
    }

    /// Steps 1 to 4 for one non-ASCII character.
    static func map(_ character: Character) -> [UInt32] {
        var out: [UInt32] = []
        for scalar in String(character).precomposedStringWithCompatibilityMapping.unicodeScalars {
            let properties = scalar.properties
            if properties.generalCategory == .format { continue }
            if let latin = confusables[scalar.value] {
                out.append(latin)
            } else if scalar.value >= 0x80, properties.numericType == .decimal, let value = properties.numericValue,
                      value >= 0, value <= 9 {
                out.append(0x30 + UInt32(value))
            } else {
                out.append(scalar.value)
            }
        }
        return out
    }

    /// Cyrillic and Greek letters that are drawn like Latin letters (in the same case), and
    /// a few Latin variants, to the Latin letter.
    static let confusables: [UInt32: UInt32] = {
        let pairs: [(String, String)] = [
            // Cyrillic
            ("А", "A"), ("В", "B"), ("Е", "E"), ("К", "K"), ("М", "M"), ("Н", "H"), ("О", "O"), ("Р", "P"),
            ("С", "C"), ("Т", "T"), ("Х", "X"), ("У", "Y"), ("Ѕ", "S"), ("І", "I"), ("Ј", "J"), ("Ԛ", "Q"),
            ("Ԝ", "W"), ("Ү", "Y"), ("Һ", "H"), ("Ӏ", "I"),
            ("а", "a"), ("е", "e"), ("о", "o"), ("р", "p"), ("с", "c"), ("у", "y"), ("х", "x"), ("ѕ", "s"),
            ("і", "i"), ("ј", "j"), ("ԁ", "d"), ("ԛ", "q"), ("ԝ", "w"), ("һ", "h"), ("ӏ", "l"), ("ү", "y"),
            ("ё", "ë"), ("ї", "ï"),
            // Greek
            ("Α", "A"), ("Β", "B"), ("Ε", "E"), ("Ζ", "Z"), ("Η", "H"), ("Ι", "I"), ("Κ", "K"), ("Μ", "M"),
            ("Ν", "N"), ("Ο", "O"), ("Ρ", "P"), ("Τ", "T"), ("Υ", "Y"), ("Χ", "X"),
            ("ο", "o"), ("α", "a"), ("ν", "v"), ("ι", "i"), ("κ", "k"), ("ρ", "p"), ("υ", "u"), ("χ", "x"),
            // Latin variants
            ("ı", "i"), ("ɑ", "a"), ("ɡ", "g"), ("ℓ", "l"),
        ]
        var table: [UInt32: UInt32] = [:]
        for (from, to) in pairs {
            table[from.unicodeScalars.first!.value] = to.unicodeScalars.first!.value
        }
        return table
    }()

    // MARK: Spaced-out digits

    @inline(__always)
    static func isDigit(_ value: UInt32) -> Bool { value >= 0x30 && value <= 0x39 }

    @inline(__always)
    static func isWordish(_ value: UInt32) -> Bool {
        if value < 0x80 { return isDigit(value) || (value | 0x20) >= 0x61 && (value | 0x20) <= 0x7A }
        return Unicode.Scalar(value)?.properties.isAlphabetic ?? false
    }

    /// Which scalars to keep: the separators inside eight or more spaced-out single digits go.
    static func joinSpacedOut(_ s: [UInt32]) -> [Bool] {
        var keep = [Bool](repeating: true, count: s.count)
        let n = s.count
        func single(_ k: Int) -> Bool { k < n && isDigit(s[k]) && (k + 1 == n || !isWordish(s[k + 1])) }
        var i = 0
        while i < n {
            guard single(i), i == 0 || !isWordish(s[i - 1]) else {
                i += 1
                continue
            }
            var last = i
            var gaps: [Int] = []
            while last + 2 < n, s[last + 1] == 0x20 || s[last + 1] == 0x2E || s[last + 1] == 0x2D, single(last + 2) {
                gaps.append(last + 1)
                last += 2
            }
            if gaps.count + 1 >= 8 {
                for gap in gaps { keep[gap] = false }
            }
            i = last + 1
        }
        return keep
    }
}
