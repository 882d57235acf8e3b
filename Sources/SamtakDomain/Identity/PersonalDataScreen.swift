// Free-text screening for anonymous cases: finds text that would identify a child.
// The text is normalized first (ScreenNormalizer: NFKC, look-alike letters, invisible
// characters, letters and digits spaced apart), then scanned once; all per-name work
// happens once, in `init` (or in a `FullNameIndex` shared by many screens).

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
        /// A date introduced by "født", "f.", "fødselsdato" and similar: dd.mm.yyyy, d/m-yy,
        /// "14. mars 2016".
        case dateOfBirthLike
        /// A Norwegian phone number: eight digits (alone or grouped 3+2+3, 2+2+2+2), with or
        /// without +47 / 0047.
        case phoneNumber
        /// The full name of a child registered elsewhere in the municipality.
        case otherChildName
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
        case .phoneNumber:
            "contains what looks like a phone number"
        case .otherChildName:
            "contains the full name of a child registered in the municipality"
        }
    }
}

extension PersonalDataFinding: CustomStringConvertible {
    public var description: String { "PersonalDataFinding(\(kind))" }
}

/// Screens free text of anonymous cases for identifying data.
///
/// **Normalization first** (``ScreenNormalizer``), so that what a reader sees is what is
/// screened: Unicode NFKC (full-width and other compatibility forms: "０１０２０３" is
/// "010203", "ﬁ" is "fi"); Cyrillic and Greek letters that look like Latin ones become
/// those ("Еmmа" with Cyrillic Е and а is "Emma"); decimal digits of every script become
/// ASCII digits; invisible characters (zero-width space and joiners, soft hyphen, bidi
/// controls, BOM) are dropped; three or more single letters spaced apart ("E m m a",
/// "E.M.M.A") and eight or more single digits spaced apart are joined. Findings point into
/// the original text.
///
/// Five kinds of findings (see ``PersonalDataFinding/Kind``):
///
/// * **Eleven-digit numbers.** Any maximal run of exactly eleven digits (10- and
///   12-digit runs are not reported), and the groupings people type for identity numbers:
///   6+5, 6+3+2, 2+2+2+5 and 2+2+2+3+2 digits, each group separated by one to three
///   characters of spaces with at most one `.`, `-`, `/`, hyphen or en dash. The check
///   digits are *not* verified: for screening, a mistyped number is as identifying as a valid one.
///
/// * **Phone numbers.** Eight digits starting with 2–9, contiguous or grouped 3+2+3 or
///   2+2+2+2 (spaces or one hyphen between groups), optionally after +47, 0047 or (+47)
///   (then also 4+4); not part of a longer grouped number.
///
/// * **Known names** (the submitting unit's children). Whole-word, case-insensitive matches.
///   Words are maximal runs of Unicode letters (with their combining marks); digits,
///   punctuation and spaces are boundaries, so "Bjørn" is not found in "Bjørnar" but is
///   found in "Bjørn-Erik" and "Bjørn2". Matching folds both the names and the text the same way:
///   - Unicode case folding; composed and decomposed forms are equal ("Å" = "A" + ring).
///   - æ, ø and å stay **distinct letters** (Norwegian alphabet): "Bø" does not match "bo",
///     "Ås" does not match "as".
///   - Other diacritics are ignored ("Andrè" = "Andre", "Zoë" = "Zoe"); the Nordic/German
///     variants ä and ö count as æ and ø ("Björn" = "Bjørn").
///   - The traditional spellings aa, ae and oe count as å, æ and ø ("Aase" = "Åse",
///     "Bjoern" = "Bjørn").
///   - The Norwegian genitive "-s" is accepted on the last word of a name ("Bjørns mor").
///   - A multi-word name ("Ola Nordmann", "Anne-Lise") matches across spaces, hyphens and
///     apostrophes, and written as one word ("OlaNordmann", "O l a N o r d m a n n"); each of
///     its parts is also matched on its own (except one-letter parts and name particles such
///     as "van", "de", "af"), since a first name alone identifies too.
///   - Names with fewer than two letters are ignored.
///
/// * **Names of children elsewhere in the municipality** (a ``FullNameIndex``): the same
///   folding, but only the full name (or first and last name, or either written as one
///   word): a first name alone is too common across a municipality to mean anyone.
///
/// * **Birth-date-like dates** after a trigger word: "født", "fødd", "fødde", "f.", "fd.",
///   "fødselsdato", "fødselsdag", "f.dato", "fdato", "born", "DOB" (case-insensitive),
///   optionally followed by ":", "den", "d." before the date. Dates are `d.m.yy`,
///   `dd.mm.yyyy` with `.`, `/` or `-` in any mix ("14/3-16"), or a day and a month's name
///   with an optional year ("14. mars 2016", "3 des. 15"). The finding covers the date.
///
/// Findings are returned in text order; findings of different kinds may overlap.
///
/// Performance: names are folded and indexed once; `findings(in:)` normalizes the text
/// (Foundation's NFKC only for characters outside ASCII, cached per character), then makes a
/// single pass over the UTF-8 bytes plus one dictionary lookup per word and index.
public struct PersonalDataScreen: Sendable {
    private let known: NameIndex
    private let others: NameIndex

    /// - Parameter knownNames: names of children the submitting unit knows: first names,
    ///   last names and/or full names. Order and duplicates do not matter.
    /// - Parameter otherChildren: the full names of the municipality's children (shared by
    ///   the screens of every unit; build it once).
    public init(knownNames: [String], otherChildren: FullNameIndex = .empty) {
        var sequences = Set<[String]>()
        var cache: [Character: [UInt32]] = [:]
        for name in knownNames {
            let words = IdentityScreenText.foldedWords(of: name, cache: &cache)
            guard !words.isEmpty else { continue }
            if words.count == 1 {
                if words[0].unicodeScalars.count >= 2 { sequences.insert(words) }
                continue
            }
            sequences.insert(words)
            sequences.insert([words.joined()])
            for word in words
            where word.unicodeScalars.count >= 2 && !IdentityScreenText.nameParticles.contains(word) {
                sequences.insert([word])
            }
        }
        self.known = NameIndex(sequences)
        self.others = otherChildren.index
    }

    /// All findings in `text`, in text order.
    public func findings(in text: String) -> [PersonalDataFinding] {
        if text.isEmpty { return [] }
        let normalized = ScreenNormalizer.normalize(text)
        let raw = normalized.bytes.withUnsafeBufferPointer { scan($0) }
        guard !raw.isEmpty else { return [] }

        var result: [PersonalDataFinding] = []
        result.reserveCapacity(raw.count)
        let utf8 = text.utf8
        for (kind, start, end) in raw where end > start {
            let lowerOffset = normalized.originalStart[start]
            let upperOffset = normalized.originalEnd[end - 1]
            let lower = IdentityScreenText.roundDown(utf8.index(utf8.startIndex, offsetBy: lowerOffset), in: text)
            let upper = IdentityScreenText.roundUp(utf8.index(utf8.startIndex, offsetBy: upperOffset), in: text)
            result.append(PersonalDataFinding(kind: kind, range: lower..<upper))
        }
        result.sort {
            $0.range.lowerBound != $1.range.lowerBound
                ? $0.range.lowerBound < $1.range.lowerBound
                : $0.range.upperBound < $1.range.upperBound
        }
        return result
    }

    // MARK: Scanning (byte offsets in the normalized text)

    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [(PersonalDataFinding.Kind, Int, Int)] {
        var out: [(PersonalDataFinding.Kind, Int, Int)] = []
        let runs = IdentityScreenText.digitRuns(bytes)
        IdentityScreenText.findElevenDigitNumbers(bytes, runs: runs, into: &out)
        IdentityScreenText.findPhoneNumbers(bytes, runs: runs, into: &out)
        let words = IdentityScreenText.words(bytes)
        if !known.isEmpty || !others.isEmpty { findNames(words, bytes: bytes, into: &out) }
        IdentityScreenText.findBirthDates(bytes, words: words, into: &out)
        return out
    }

    private func findNames(_ words: [IdentityScreenText.Word], bytes: UnsafeBufferPointer<UInt8>,
                           into out: inout [(PersonalDataFinding.Kind, Int, Int)]) {
        var i = 0
        while i < words.count {
            let own = known.matchLength(words, at: i)
            let other = others.matchLength(words, at: i)
            if own == 0 && other == 0 {
                if let (length, kind) = spacedOutMatch(words, bytes: bytes, at: i) {
                    out.append((kind, words[i].start, words[i + length - 1].end))
                    i += length
                } else {
                    i += 1
                }
                continue
            }
            // The longer match wins: a full name elsewhere says more than a shared first name.
            let (kind, length): (PersonalDataFinding.Kind, Int) = other > own ? (.otherChildName, other) : (.knownName, own)
            out.append((kind, words[i].start, words[i + length - 1].end))
            i += length
        }
    }
}

extension PersonalDataScreen {
    /// A name spelled out in single letters ("E m m a", "E.M.M.A", "E m m a N o r d l i"):
    /// three or more one-letter words with one or two of space, `.`, `-`, `_`, `*` between
    /// them, the longest run from word `i` whose letters together are a name (or a full name
    /// run together). The run may be followed by ordinary one-letter words ("E m m a i dag").
    fileprivate func spacedOutMatch(_ words: [IdentityScreenText.Word], bytes: UnsafeBufferPointer<UInt8>,
                                    at i: Int) -> (length: Int, kind: PersonalDataFinding.Kind)? {
        guard words[i].isSingleLetter else { return nil }
        var letters = words[i].key
        var best: (Int, PersonalDataFinding.Kind)?
        var j = i + 1
        while j < words.count, j - i < 48, words[j].isSingleLetter,
              IdentityScreenText.isSpacedLetterGap(bytes, from: words[j - 1].end, to: words[j].start) {
            letters += words[j].key
            if j - i + 1 >= 3 {
                let key = IdentityScreenText.refold(letters)
                if known.containsWord(key) {
                    best = (j - i + 1, .knownName)
                } else if others.containsWord(key) {
                    best = (j - i + 1, .otherChildName)
                }
            }
            j += 1
        }
        return best
    }
}

/// Name sequences (folded words) indexed by their first word, longest first.
struct NameIndex: Sendable {
    private let byFirstWord: [String: [[String]]]
    let count: Int

    init(_ sequences: Set<[String]>) {
        var index: [String: [[String]]] = [:]
        for sequence in sequences {
            index[sequence[0], default: []].append(sequence)
        }
        byFirstWord = index.mapValues { candidates in
            candidates.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        }
        count = sequences.count
    }

    var isEmpty: Bool { byFirstWord.isEmpty }

    /// Whether a one-word name (or a full name run together) has this key.
    func containsWord(_ key: String) -> Bool {
        byFirstWord[key]?.contains { $0.count == 1 } ?? false
    }

    /// Words matched by the longest name starting at word `i` (0 when none).
    func matchLength(_ words: [IdentityScreenText.Word], at i: Int) -> Int {
        if let candidates = byFirstWord[words[i].key] {
            for sequence in candidates where sequence.count <= words.count - i {
                if matches(sequence, words, at: i) { return sequence.count }
            }
        }
        if let base = words[i].genitiveBase, let candidates = byFirstWord[base], candidates.contains(where: { $0.count == 1 }) {
            return 1
        }
        return 0
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

/// The full names of many children (a municipality's), folded and indexed once and shared
/// by the screens of every unit (``PersonalDataScreen/init(knownNames:otherChildren:)``).
/// Only names of two or more words count: the whole name, first and last name, and either
/// written as one word.
public struct FullNameIndex: Sendable {
    let index: NameIndex

    public static let empty = FullNameIndex(names: [])

    public init(names: [String]) {
        var sequences = Set<[String]>()
        var cache: [Character: [UInt32]] = [:]
        for name in names {
            let words = IdentityScreenText.foldedWords(of: name, cache: &cache)
            guard words.count >= 2 else { continue }
            let firstAndLast = [words[0], words[words.count - 1]]
            for sequence in [words, firstAndLast] {
                sequences.insert(sequence)
                sequences.insert([sequence.joined()])
            }
        }
        index = NameIndex(sequences)
    }

    /// How many name patterns it holds.
    public var count: Int { index.count }
}

extension FullNameIndex: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never lists the names (they are personal data).
    public var description: String { "FullNameIndex(\(count) name patterns, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: KeyValuePairs<String, Any>(), displayStyle: .struct) }
}

extension PersonalDataScreen: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never lists the names (they are personal data).
    public var description: String { "PersonalDataScreen(\(known.count + others.count) name patterns, redacted)" }
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

        /// One letter (after folding): a candidate for a name spelled out letter by letter.
        var isSingleLetter: Bool { key.unicodeScalars.count == 1 }

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

    /// Keys of single letters put together, folded as one word is (aa → å, ...).
    static func refold(_ letters: String) -> String {
        key(from: letters.unicodeScalars.map(\.value))
    }

    /// One or two of space, `.`, `-`, `_`, `*` between two letters spelled out.
    static func isSpacedLetterGap(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end > start, end - start <= 2 else { return false }
        for k in start..<end {
            switch bytes[k] {
            case 0x20, UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"): continue
            default: return false
            }
        }
        return true
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

    /// The folded words of a name or trigger, as used for matching (normalized as a text is).
    static func foldedWords(of text: String) -> [String] {
        var cache: [Character: [UInt32]] = [:]
        return foldedWords(of: text, cache: &cache)
    }

    static func foldedWords(of text: String, cache: inout [Character: [UInt32]]) -> [String] {
        ScreenNormalizer.normalize(text, cache: &cache).bytes.withUnsafeBufferPointer { words($0).map(\.key) }
    }

    // MARK: Eleven-digit numbers

    private static let groupings: [[Int]] = [[6, 5], [6, 3, 2], [2, 2, 2, 5], [2, 2, 2, 3, 2]]

    /// Maximal runs of ASCII digits.
    static func digitRuns(_ bytes: UnsafeBufferPointer<UInt8>) -> [(start: Int, end: Int)] {
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
        return runs
    }

    static func findElevenDigitNumbers(
        _ bytes: UnsafeBufferPointer<UInt8>, runs: [(start: Int, end: Int)], into out: inout [(PersonalDataFinding.Kind, Int, Int)]
    ) {
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

    // MARK: Phone numbers

    private static let phoneGroupings: [[Int]] = [[8], [3, 2, 3], [2, 2, 2, 2]]
    /// After +47 / 0047 also 4+4 (alone it is too often two years or two numbers).
    private static let prefixedPhoneGroupings: [[Int]] = [[8], [3, 2, 3], [2, 2, 2, 2], [4, 4]]

    /// Norwegian phone numbers: see ``PersonalDataScreen``.
    static func findPhoneNumbers(
        _ bytes: UnsafeBufferPointer<UInt8>, runs: [(start: Int, end: Int)], into out: inout [(PersonalDataFinding.Kind, Int, Int)]
    ) {
        func length(_ r: Int) -> Int { runs[r].end - runs[r].start }
        func startsWith(_ r: Int, _ prefix: String) -> Bool {
            let p = Array(prefix.utf8)
            guard length(r) >= p.count else { return false }
            for (k, byte) in p.enumerated() where bytes[runs[r].start + k] != byte { return false }
            return true
        }
        func plusBefore(_ offset: Int) -> Int? {
            // "+47", "+ 47"; "(+47)" from its parenthesis
            var k = offset - 1
            while k >= 0, bytes[k] == 0x20, offset - k < 3 { k -= 1 }
            guard k >= 0, bytes[k] == UInt8(ascii: "+") else { return nil }
            let closed = offset + 2 < bytes.count && bytes[offset + 2] == UInt8(ascii: ")")
            return closed && k > 0 && bytes[k - 1] == UInt8(ascii: "(") ? k - 1 : k
        }
        func firstDigitOK(_ offset: Int) -> Bool { bytes[offset] >= UInt8(ascii: "2") && bytes[offset] <= UInt8(ascii: "9") }
        /// Another digit group joined to runs[a] and runs[b] by a short separator: part of a longer number.
        func joined(_ a: Int, _ b: Int) -> Bool {
            guard a >= 0, b < runs.count else { return false }
            return isNumberSeparator(bytes, from: runs[a].end, to: runs[b].start)
        }

        var r = 0
        while r < runs.count {
            let run = runs[r]
            // Country code written together with the number: +4712345678, 004712345678.
            if length(r) == 10, startsWith(r, "47"), let plus = plusBefore(run.start), firstDigitOK(run.start + 2), !joined(r, r + 1) {
                out.append((.phoneNumber, plus, run.end)); r += 1; continue
            }
            if length(r) == 12, startsWith(r, "0047"), firstDigitOK(run.start + 4), !joined(r, r + 1), !joined(r - 1, r) {
                out.append((.phoneNumber, run.start, run.end)); r += 1; continue
            }
            var first = r
            var start = run.start
            var prefixed = false
            if (length(r) == 2 && startsWith(r, "47") && plusBefore(run.start) != nil) || (length(r) == 4 && startsWith(r, "0047")) {
                if r + 1 < runs.count, isPhoneSeparator(bytes, from: run.end, to: runs[r + 1].start) {
                    first = r + 1
                    start = length(r) == 2 ? plusBefore(run.start)! : run.start
                    prefixed = true
                }
            } else if joined(r - 1, r) {
                // The tail of a longer grouped number is no phone number.
                r += 1
                continue
            }
            var consumed = 0
            grouping: for grouping in (prefixed ? prefixedPhoneGroupings : phoneGroupings) where first + grouping.count <= runs.count {
                for (g, size) in grouping.enumerated() {
                    guard length(first + g) == size else { continue grouping }
                    if g > 0, !isPhoneSeparator(bytes, from: runs[first + g - 1].end, to: runs[first + g].start) { continue grouping }
                }
                let last = first + grouping.count - 1
                guard firstDigitOK(runs[first].start), !joined(last, last + 1) else { continue }
                consumed = grouping.count
                break
            }
            if consumed > 0 {
                out.append((.phoneNumber, start, runs[first + consumed - 1].end))
                r = first + consumed
            } else {
                r += 1
            }
        }
    }

    /// Between phone number groups: one or two spaces, or one hyphen (with spaces around), or
    /// after a country code also ")".
    private static func isPhoneSeparator(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end > start, end - start <= 3 else { return false }
        var hyphens = 0
        var others = 0
        for k in start..<end {
            switch bytes[k] {
            case 0x20: break
            case UInt8(ascii: "-"): hyphens += 1
            case UInt8(ascii: ")"): others += 1
            default: return false
            }
        }
        return hyphens <= 1 && others <= 1
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

    /// Month names and abbreviations (bokmål, nynorsk, English), lower case ASCII.
    static let monthNames: [String: Int] = {
        var names: [String: Int] = [:]
        let months: [[String]] = [
            ["januar", "jan", "january"], ["februar", "feb", "february"], ["mars", "mar", "march"], ["april", "apr"],
            ["mai", "may"], ["juni", "jun", "june"], ["juli", "jul", "july"], ["august", "aug"],
            ["september", "sep", "sept"], ["oktober", "okt", "october", "oct"], ["november", "nov"],
            ["desember", "des", "december", "dec"],
        ]
        for (index, spellings) in months.enumerated() {
            for spelling in spellings { names[spelling] = index + 1 }
        }
        return names
    }()

    /// End offset of a date starting exactly at `start`, or `nil`: `d[d]` `.`/`/`/`-`
    /// `m[m]` `.`/`/`/`-` `yy[yy]` (separators in any mix: "14/3-16"), or `d[d]`[`.`]
    /// month name[`.`] with an optional `yy[yy]` ("14. mars 2016", "14 mars").
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
        func isSeparator(_ k: Int) -> Bool {
            k < bytes.count && (bytes[k] == UInt8(ascii: ".") || bytes[k] == UInt8(ascii: "/") || bytes[k] == UInt8(ascii: "-"))
        }
        func skipSpaces(_ k: Int) -> Int {
            var j = k
            while j < bytes.count, bytes[j] == 0x20 { j += 1 }
            return j
        }
        /// A year of two or four digits at `k` not followed by another digit.
        func year(at k: Int) -> Int? {
            let year = digits(from: k)
            let length = year.end - k
            guard length == 2 || length == 4 else { return nil }
            if year.end < bytes.count, isDigit(bytes[year.end]) { return nil }
            return year.end
        }
        guard start < bytes.count else { return nil }
        let day = digits(from: start)
        guard (1...2).contains(day.end - start), (1...31).contains(day.value), day.end < bytes.count else { return nil }

        // Numeric month.
        if isSeparator(day.end) {
            let month = digits(from: day.end + 1)
            if (1...2).contains(month.end - day.end - 1) {
                guard (1...12).contains(month.value), isSeparator(month.end) else { return nil }
                return year(at: month.end + 1)
            }
        }
        // Month name: "14. mars 2016", "14 mars", "3.des.15".
        var k = day.end
        if k < bytes.count, bytes[k] == UInt8(ascii: ".") { k += 1 }
        k = skipSpaces(k)
        let nameStart = k
        var name = ""
        while k < bytes.count, k - nameStart < 10, (bytes[k] | 0x20) >= 0x61, (bytes[k] | 0x20) <= 0x7A {
            name.append(Character(Unicode.Scalar(bytes[k] | 0x20)))
            k += 1
        }
        guard monthNames[name] != nil else { return nil }
        // The name must end there (not "marsj"); bytes >= 0x80 are letters of other scripts.
        if k < bytes.count, bytes[k] >= 0x80 { return nil }
        var end = k
        if k < bytes.count, bytes[k] == UInt8(ascii: ".") { k += 1; end = k }
        let yearStart = skipSpaces(k)
        if let yearEnd = year(at: yearStart) { end = yearEnd }
        return end
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
