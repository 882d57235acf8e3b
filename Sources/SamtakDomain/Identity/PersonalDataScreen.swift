// Free-text screening for anonymous cases: finds text that would identify a child.
// Pure and allocation-light; all per-name work happens once, in `init`.

/// One place in a text that looks like identifying data.
///
/// A finding carries the *location* of the match, never the matched text; use
/// ``fieldSafeDescription`` for messages and logs.
public struct PersonalDataFinding: Sendable, Hashable {
    /// What kind of identifying data was found.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// A run of exactly eleven digits, contiguous or in the common 6+5 style groupings
        /// ("DDMMYY IIIKK", "DDMMYY-III KK", "DD.MM.YY IIIKK", …).
        case elevenDigitNumber
        /// A whole-word match of a name the submitting unit knows.
        case knownName
        /// A date (dd.mm.yyyy or dd.mm.yy) introduced by "født", "f.", "fødselsdato" and similar.
        case dateOfBirthLike
    }

    public let kind: Kind
    /// Where the match is, in the screened text. Lies on `Character` boundaries.
    public let range: Range<String.Index>

    public init(kind: Kind, range: Range<String.Index>) {
        self.kind = kind
        self.range = range
    }

    /// A fixed sentence describing the finding, safe to show next to the field or to log.
    /// It never contains the matched text (nor any digit).
    public var fieldSafeDescription: String {
        switch kind {
        case .elevenDigitNumber:
            "contains an eleven-digit number (possibly a national identity number)"
        case .knownName:
            "contains the name of a child known to the submitting unit"
        case .dateOfBirthLike:
            "contains what looks like a date of birth"
        }
    }
}

extension PersonalDataFinding: CustomStringConvertible {
    public var description: String { "PersonalDataFinding(\(kind))" }
}

/// Screens free text of anonymous cases for identifying data.
///
/// Three kinds of findings (see ``PersonalDataFinding/Kind``):
///
/// * **Eleven-digit numbers.** Any maximal run of exactly eleven ASCII digits (10- and
///   12-digit runs are not reported), and the groupings people type for identity numbers:
///   6+5, 6+3+2, 2+2+2+5 and 2+2+2+3+2 digits, each group separated by one to three
///   characters of spaces (also no-break and thin spaces) with at most one `.`, `-`, `/`,
///   hyphen or en dash. The check digits are *not* verified: for screening, a mistyped
///   number is as identifying as a valid one.
///
/// * **Known names.** Whole-word, case-insensitive matches. Words are maximal runs of
///   Unicode letters (with their combining marks); digits, punctuation and spaces are
///   boundaries, so "Bjørn" is not found in "Bjørnar" but is found in "Bjørn-Erik" and "Bjørn2".
///   Matching folds both the names and the text the same way:
///   - Unicode case folding; composed and decomposed forms are equal ("Å" = "A" + ring).
///   - æ, ø and å stay **distinct letters** (Norwegian alphabet): "Bø" does not match "bo",
///     "Ås" does not match "as".
///   - Other diacritics are ignored ("Andrè" = "Andre", "Zoë" = "Zoe"); the Nordic/German
///     variants ä and ö count as æ and ø ("Björn" = "Bjørn").
///   - The traditional spellings aa, ae and oe count as å, æ and ø ("Aase" = "Åse",
///     "Bjoern" = "Bjørn").
///   - Invisible characters (soft hyphen, zero-width space/joiners, BOM) inside a word are ignored.
///   - The Norwegian genitive "-s" is accepted on the last word of a name ("Bjørns mor").
///   - A multi-word name ("Ola Nordmann", "Anne-Lise") matches across spaces, hyphens and
///     apostrophes; each of its parts is also matched on its own (except one-letter parts and
///     name particles such as "van", "de", "af"), since a first name alone identifies too.
///   - Names with fewer than two letters are ignored.
///
/// * **Birth-date-like dates.** `d.m.yy`, `dd.mm.yyyy` (also `/` or `-`, the same separator
///   twice) after a trigger word: "født", "fødd", "fødde", "f.", "fd.", "fødselsdato",
///   "fødselsdag", "f.dato", "fdato", "born", "DOB" (case-insensitive), optionally followed by
///   ":", "den", "d." before the date. The finding covers the date.
///
/// Findings are returned in text order; findings of different kinds may overlap.
///
/// Performance: names are folded and indexed once in `init`; `findings(in:)` is a single
/// pass over the UTF-8 bytes plus one dictionary lookup per word.
public struct PersonalDataScreen: Sendable {
    /// First word of a name → all names starting with it, as folded word sequences,
    /// longest first.
    private let namesByFirstWord: [String: [[String]]]
    private let nameCount: Int

    /// - Parameter knownNames: names of children the submitting unit knows: first names,
    ///   last names and/or full names. Order and duplicates do not matter.
    public init(knownNames: [String]) {
        var sequences = Set<[String]>()
        for name in knownNames {
            let words = IdentityScreenText.foldedWords(of: name)
            guard !words.isEmpty else { continue }
            if words.count == 1 {
                if words[0].unicodeScalars.count >= 2 { sequences.insert(words) }
                continue
            }
            sequences.insert(words)
            for word in words
            where word.unicodeScalars.count >= 2 && !IdentityScreenText.nameParticles.contains(word) {
                sequences.insert([word])
            }
        }
        var index: [String: [[String]]] = [:]
        for sequence in sequences {
            index[sequence[0], default: []].append(sequence)
        }
        self.namesByFirstWord = index.mapValues { candidates in
            candidates.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        }
        self.nameCount = sequences.count
    }

    /// All findings in `text`, in text order.
    public func findings(in text: String) -> [PersonalDataFinding] {
        if text.isEmpty { return [] }
        let raw: [(PersonalDataFinding.Kind, Int, Int)] =
            text.utf8.withContiguousStorageIfAvailable { scan($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { scan($0) }
        guard !raw.isEmpty else { return [] }

        var result: [PersonalDataFinding] = []
        result.reserveCapacity(raw.count)
        let utf8 = text.utf8
        for (kind, start, end) in raw {
            let lower = IdentityScreenText.roundDown(utf8.index(utf8.startIndex, offsetBy: start), in: text)
            let upper = IdentityScreenText.roundUp(utf8.index(utf8.startIndex, offsetBy: end), in: text)
            result.append(PersonalDataFinding(kind: kind, range: lower..<upper))
        }
        result.sort {
            $0.range.lowerBound != $1.range.lowerBound
                ? $0.range.lowerBound < $1.range.lowerBound
                : $0.range.upperBound < $1.range.upperBound
        }
        return result
    }

    // MARK: Scanning (byte offsets)

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [(PersonalDataFinding.Kind, Int, Int)] {
        var out: [(PersonalDataFinding.Kind, Int, Int)] = []
        IdentityScreenText.findElevenDigitNumbers(bytes, into: &out)
        let words = IdentityScreenText.words(bytes)
        if !namesByFirstWord.isEmpty { findNames(words, into: &out) }
        IdentityScreenText.findBirthDates(bytes, words: words, into: &out)
        return out
    }

    private func findNames(_ words: [IdentityScreenText.Word], into out: inout [(PersonalDataFinding.Kind, Int, Int)]) {
        var i = 0
        while i < words.count {
            var length = 0
            if let candidates = namesByFirstWord[words[i].key] {
                for sequence in candidates where sequence.count <= words.count - i {
                    if matches(sequence, words, at: i) {
                        length = sequence.count
                        break
                    }
                }
            }
            if length == 0, let base = words[i].genitiveBase,
               let candidates = namesByFirstWord[base], candidates.contains(where: { $0.count == 1 }) {
                length = 1
            }
            if length > 0 {
                out.append((.knownName, words[i].start, words[i + length - 1].end))
                i += length
            } else {
                i += 1
            }
        }
    }

    private func matches(_ sequence: [String], _ words: [IdentityScreenText.Word], at i: Int) -> Bool {
        // sequence[0] == words[i].key is given by the dictionary lookup.
        var j = 1
        while j < sequence.count {
            let word = words[i + j]
            guard word.joinedToPrevious else { return false }
            if word.key != sequence[j] {
                guard j == sequence.count - 1, word.genitiveBase == sequence[j] else { return false }
            }
            j += 1
        }
        return true
    }
}

extension PersonalDataScreen: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never lists the names (they are personal data).
    public var description: String { "PersonalDataScreen(\(nameCount) name patterns, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: KeyValuePairs<String, Any>(), displayStyle: .struct)
    }
}

// MARK: - Text machinery

/// Internal helpers for ``PersonalDataScreen``; namespaced to stay out of the module's way.
enum IdentityScreenText {
    struct Word {
        /// Byte offsets of the first and one past the last word scalar.
        var start: Int
        var end: Int
        /// Folded form (see ``PersonalDataScreen``).
        var key: String
        /// Only spaces, hyphens, dashes and apostrophes between this word and the previous one.
        var joinedToPrevious: Bool

        /// The key without a trailing genitive "s", if it has one and something remains.
        var genitiveBase: String? {
            guard key.utf8.count > 2, key.utf8.last == UInt8(ascii: "s") else { return nil }
            return String(key.dropLast())
        }
    }

    static let nameParticles: Set<String> = [
        "af", "al", "av", "bin", "da", "dal", "de", "del", "den", "der", "di", "do", "dos", "du",
        "el", "ibn", "la", "le", "og", "st", "ten", "ter", "van", "von", "zu",
    ].reduce(into: Set<String>()) { $0.formUnion(foldedWords(of: $1)) }

    static let birthDateTriggers: Set<String> = [
        "født", "fødd", "fødde", "fodt", "fodd", "fødselsdato", "fødselsdatoen", "fodselsdato",
        "fødselsdag", "fodselsdag", "fdato", "born", "dob",
    ].reduce(into: Set<String>()) { $0.formUnion(foldedWords(of: $1)) }

    /// Triggers that count only when immediately followed by a full stop ("f.", "fd.").
    static let abbreviatedBirthDateTriggers: Set<String> = ["f", "fd"]

    // MARK: UTF-8

    @inline(__always)
    static func decode(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, length: Int) {
        let b0 = b[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        if b0 < 0xE0 { return (UInt32(b0 & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2) }
        if b0 < 0xF0 {
            return (UInt32(b0 & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3)
        }
        return (UInt32(b0 & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12
                    | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F), 4)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    // MARK: Folding

    private enum ScalarClass {
        case letter
        case mark
        case ignorable
        case joiner
        case other
    }

    private static let aRing: UInt32 = 0xE5   // å
    private static let ae: UInt32 = 0xE6      // æ
    private static let oSlash: UInt32 = 0xF8  // ø

    /// Folding of U+00C0…U+017F to lowercase base letters, keeping å, æ, ø (ä → æ, ö → ø).
    /// Empty entry: not a letter.
    private static let latinFolding: [[UInt32]] = {
        func s(_ string: String) -> [UInt32] { string.unicodeScalars.map(\.value) }
        // U+00C0…U+00DF; U+00E0…U+00FF are the lowercase forms at +0x20.
        let upper: [[UInt32]] = [
            s("a"), s("a"), s("a"), s("a"), s("æ"), s("å"), s("æ"), s("c"),
            s("e"), s("e"), s("e"), s("e"), s("i"), s("i"), s("i"), s("i"),
            s("d"), s("n"), s("o"), s("o"), s("o"), s("o"), s("ø"), [],
            s("ø"), s("u"), s("u"), s("u"), s("u"), s("y"), s("þ"), s("ss"),
        ]
        var table = upper
        for (offset, folded) in upper.enumerated() {
            switch offset {
            case 0x17: table.append([])          // ÷
            case 0x1F: table.append(s("y"))      // ÿ
            default: table.append(folded)
            }
        }
        // U+0100…U+017F (Latin Extended-A), run-length encoded.
        let runs: [(String, Int)] = [
            ("a", 6), ("c", 8), ("d", 4), ("e", 10), ("g", 8), ("h", 4), ("i", 10), ("ij", 2),
            ("j", 2), ("k", 3), ("l", 10), ("n", 9), ("o", 6), ("oe", 2), ("r", 6), ("s", 8),
            ("t", 6), ("u", 12), ("w", 2), ("y", 3), ("z", 6), ("s", 1),
        ]
        for (folded, count) in runs {
            table.append(contentsOf: repeatElement(s(folded), count: count))
        }
        precondition(table.count == 0x180 - 0xC0)
        return table
    }()

    /// Classifies `value` and, for letters and marks, updates the folded word in `buffer`.
    private static func fold(_ value: UInt32, into buffer: inout [UInt32]) -> ScalarClass {
        switch value {
        case 0x41...0x5A:
            buffer.append(value + 0x20)
            return .letter
        case 0x61...0x7A:
            buffer.append(value)
            return .letter
        case 0x20, 0x09, 0x0A, 0x0D, 0x2D, 0x27:  // space, tab, LF, CR, hyphen-minus, apostrophe
            return .joiner
        case 0x00...0x7F:
            return .other
        case 0xC0...0x17F:
            let folded = latinFolding[Int(value - 0xC0)]
            if folded.isEmpty { return .other }
            buffer.append(contentsOf: folded)
            return .letter
        case 0x0300...0x036F:
            // Combining diacritics: only ring above on a, diaeresis on a/o and the
            // stroke overlays on o change the letter; everything else is dropped.
            if let last = buffer.last {
                switch (value, last) {
                case (0x030A, 0x61): buffer[buffer.count - 1] = aRing
                case (0x0308, 0x61): buffer[buffer.count - 1] = ae
                case (0x0308, 0x6F), (0x0337, 0x6F), (0x0338, 0x6F): buffer[buffer.count - 1] = oSlash
                default: break
                }
            }
            return .mark
        case 0x212B:  // ANGSTROM SIGN
            buffer.append(aRing)
            return .letter
        case 0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
            return .ignorable
        case 0xA0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000, 0x2010...0x2015, 0x2019, 0x2018, 0x2212,
             0x85, 0x2028, 0x2029:
            return .joiner
        default:
            guard let scalar = Unicode.Scalar(value) else { return .other }
            let properties = scalar.properties
            if properties.isAlphabetic {
                for folded in properties.lowercaseMapping.unicodeScalars { buffer.append(folded.value) }
                return .letter
            }
            switch properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return .mark
            default: return properties.isWhitespace ? .joiner : .other
            }
        }
    }

    /// aa → å, ae → æ, oe → ø, left to right, then the key string.
    private static func key(from buffer: [UInt32]) -> String {
        var result = String.UnicodeScalarView()
        var i = 0
        while i < buffer.count {
            var value = buffer[i]
            if i + 1 < buffer.count {
                switch (value, buffer[i + 1]) {
                case (0x61, 0x61): value = aRing; i += 1
                case (0x61, 0x65): value = ae; i += 1
                case (0x6F, 0x65): value = oSlash; i += 1
                default: break
                }
            }
            result.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            i += 1
        }
        return String(result)
    }

    // MARK: Words

    static func words(_ bytes: UnsafeBufferPointer<UInt8>) -> [Word] {
        var words: [Word] = []
        words.reserveCapacity(bytes.count / 5)
        var buffer: [UInt32] = []
        buffer.reserveCapacity(32)
        var inWord = false
        var wordStart = 0
        var wordEnd = 0
        var gapIsJoinerOnly = false  // nothing before the first word

        func finish() {
            if inWord {
                words.append(Word(start: wordStart, end: wordEnd, key: key(from: buffer),
                                  joinedToPrevious: gapIsJoinerOnly && !words.isEmpty))
                buffer.removeAll(keepingCapacity: true)
                inWord = false
                gapIsJoinerOnly = true
            }
        }

        var i = 0
        while i < bytes.count {
            let (value, length) = decode(bytes, i)
            switch fold(value, into: &buffer) {
            case .letter:
                if !inWord {
                    inWord = true
                    wordStart = i
                }
                wordEnd = i + length
            case .mark:
                if inWord { wordEnd = i + length }
            case .ignorable:
                break
            case .joiner:
                finish()
            case .other:
                finish()
                gapIsJoinerOnly = false
            }
            i += length
        }
        finish()
        return words
    }

    /// The folded words of a name or trigger, as used for matching.
    static func foldedWords(of text: String) -> [String] {
        var copy = text
        return copy.withUTF8 { words($0).map(\.key) }
    }

    // MARK: Eleven-digit numbers

    private static let groupings: [[Int]] = [[6, 5], [6, 3, 2], [2, 2, 2, 5], [2, 2, 2, 3, 2]]

    static func findElevenDigitNumbers(
        _ bytes: UnsafeBufferPointer<UInt8>, into out: inout [(PersonalDataFinding.Kind, Int, Int)]
    ) {
        // Maximal runs of ASCII digits.
        var runs: [(start: Int, end: Int)] = []
        var i = 0
        while i < bytes.count {
            if isDigit(bytes[i]) {
                let start = i
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
                runs.append((start, i))
            } else {
                i += 1
            }
        }
        var r = 0
        while r < runs.count {
            if runs[r].end - runs[r].start == 11 {
                out.append((.elevenDigitNumber, runs[r].start, runs[r].end))
                r += 1
                continue
            }
            var consumed = 0
            grouping: for grouping in groupings where r + grouping.count <= runs.count {
                for (g, length) in grouping.enumerated() {
                    let run = runs[r + g]
                    guard run.end - run.start == length else { continue grouping }
                    if g > 0, !isNumberSeparator(bytes, from: runs[r + g - 1].end, to: run.start) {
                        continue grouping
                    }
                }
                consumed = grouping.count
                break
            }
            if consumed > 0 {
                out.append((.elevenDigitNumber, runs[r].start, runs[r + consumed - 1].end))
                r += consumed
            } else {
                r += 1
            }
        }
    }

    /// One to three characters: spaces, plus at most one of `.`, `-`, `/`, hyphen, en dash.
    private static func isNumberSeparator(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        var characters = 0
        var punctuation = 0
        while i < end {
            let (value, length) = decode(bytes, i)
            switch value {
            case 0x20, 0xA0, 0x2009, 0x202F:
                break
            case 0x2E, 0x2D, 0x2F, 0x2010, 0x2011, 0x2013:
                punctuation += 1
            default:
                return false
            }
            characters += 1
            i += length
        }
        return characters >= 1 && characters <= 3 && punctuation <= 1
    }

    // MARK: Birth dates

    static func findBirthDates(
        _ bytes: UnsafeBufferPointer<UInt8>, words: [Word],
        into out: inout [(PersonalDataFinding.Kind, Int, Int)]
    ) {
        for word in words {
            var position = word.end
            if abbreviatedBirthDateTriggers.contains(word.key) {
                guard position < bytes.count, bytes[position] == UInt8(ascii: ".") else { continue }
                position += 1
            } else if !birthDateTriggers.contains(word.key) {
                continue
            }
            position = skipFiller(bytes, from: position)
            if let end = dateEnd(bytes, at: position) {
                out.append((.dateOfBirthLike, position, end))
            }
        }
    }

    /// Skips spaces, ":", ",", "-" and up to two of the words "den", "d.", "dato".
    private static func skipFiller(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        var fillerWords = 0
        func lower(_ k: Int) -> UInt8 { k < bytes.count ? bytes[k] | 0x20 : 0 }
        func isLetterAt(_ k: Int) -> Bool {
            guard k < bytes.count else { return false }
            let b = bytes[k]
            return (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80
        }
        while i < bytes.count, i - start < 24 {
            let b = bytes[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ":") || b == UInt8(ascii: ",")
                || b == UInt8(ascii: "-") {
                i += 1
            } else if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] == 0xA0 {  // no-break space
                i += 2
            } else if fillerWords < 2, lower(i) == 0x64 {  // d
                if lower(i + 1) == 0x65, lower(i + 2) == 0x6E, !isLetterAt(i + 3) {  // den
                    i += 3; fillerWords += 1
                } else if lower(i + 1) == 0x61, lower(i + 2) == 0x74, lower(i + 3) == 0x6F, !isLetterAt(i + 4) {  // dato
                    i += 4; fillerWords += 1
                } else if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ".") {  // d.
                    i += 2; fillerWords += 1
                } else {
                    break
                }
            } else {
                break
            }
        }
        return i
    }

    /// End offset of `d[d].m[m].yy[yy]` starting exactly at `start`, or `nil`.
    private static func dateEnd(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        func digits(from k: Int) -> (value: Int, end: Int) {
            var value = 0
            var j = k
            while j < bytes.count, isDigit(bytes[j]), j - k < 5 {
                value = value * 10 + Int(bytes[j] - 0x30)
                j += 1
            }
            return (value, j)
        }
        guard start < bytes.count else { return nil }
        let day = digits(from: start)
        guard (1...2).contains(day.end - start), day.end < bytes.count else { return nil }
        let separator = bytes[day.end]
        guard separator == UInt8(ascii: ".") || separator == UInt8(ascii: "/") || separator == UInt8(ascii: "-")
        else { return nil }
        let month = digits(from: day.end + 1)
        guard (1...2).contains(month.end - day.end - 1), month.end < bytes.count,
              bytes[month.end] == separator else { return nil }
        let year = digits(from: month.end + 1)
        let yearLength = year.end - month.end - 1
        guard yearLength == 2 || yearLength == 4 else { return nil }
        if year.end < bytes.count, isDigit(bytes[year.end]) { return nil }
        guard (1...31).contains(day.value), (1...12).contains(month.value) else { return nil }
        return year.end
    }

    // MARK: Index rounding

    static func roundDown(_ index: String.Index, in text: String) -> String.Index {
        var i = index
        while i > text.startIndex, i.samePosition(in: text) == nil {
            i = text.unicodeScalars.index(before: i)
        }
        return i
    }

    static func roundUp(_ index: String.Index, in text: String) -> String.Index {
        var i = index
        while i < text.endIndex, i.samePosition(in: text) == nil {
            i = text.unicodeScalars.index(after: i)
        }
        return i
    }
}
