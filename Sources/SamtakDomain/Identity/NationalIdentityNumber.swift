// Norwegian national identity numbers (fødselsnummer and D-nummer), including the
// check-digit rule that Folkeregisteret starts using on 1 January 2032.
//
// Pure value type, no I/O. The number is personal data: nothing in this file ever
// renders the digits except the `digits` property itself.

/// A validated Norwegian national identity number: a *fødselsnummer* (birth number)
/// or a *D-nummer* (D-number).
///
/// ## Structure
/// `DDMMYY III K1 K2`: date part, three-digit individual number, two check digits.
/// A D-number has 4 added to the first digit (day 41–71).
///
/// ## Check digits, before and from 2032
/// Weights for K1 are `3 7 6 1 8 9 4 5 2` over the first nine digits, and for K2
/// `5 4 3 2 7 6 5 4 3 2` over the first ten. Written as a remainder test that includes
/// the check digit itself (weight 1):
///
/// * `r1 = (3·d1 + 7·d2 + 6·d3 + 1·d4 + 8·d5 + 9·d6 + 4·d7 + 5·d8 + 2·d9 + 1·K1) mod 11`
/// * `r2 = (5·d1 + 4·d2 + 3·d3 + 2·d4 + 7·d5 + 6·d6 + 5·d7 + 4·d8 + 3·d9 + 2·K1 + 1·K2) mod 11`
///
/// The classic rule requires `r1 == 0` and `r2 == 0`. From 1 January 2032 Folkeregisteret
/// issues new numbers (also to people born before 2032) whose first check digit may
/// leave remainder `0, 1, 2 or 3` (`K1 = {11,12,13,14} − (sum mod 11)`, a result of 10
/// is still discarded); the second check digit is unchanged (`r2 == 0`, computed with the
/// actual K1). Systems must accept both rules in parallel. Every number valid under the
/// classic rule is therefore also valid under the new one. The new numbers are gender
/// neutral, and the individual number no longer tells the century.
///
/// Sources:
/// * Skatteetaten, "Nytt fødselsnummer fra 2032":
///   <https://skatteetaten.github.io/folkeregisteret-api-dokumentasjon/nytt-fodselsnummer-fra-2032/>
///   (source text: github.com/Skatteetaten/folkeregisteret-api-dokumentasjon,
///   `src/om-tjenestene/nyttfnr2032.md`; its worked examples `02013299997`,
///   `30108299920` and `30108299939` are fictitious and used in the tests).
/// * Skatteetaten, "Nye fødselsnummer og d-nummer fra 2032":
///   <https://www.skatteetaten.no/deling/opplysninger/folkeregisteropplysninger/pid/>
///
/// ## Century and birth date
/// Numbers issued before 2032 encode the century in the individual number:
/// 000–499 → 1900–1999; 500–749 with year 54–99 → 1854–1899; 500–999 with year 00–39 →
/// 2000–2039; 900–999 with year 40–99 → 1940–1999. From 2032 this no longer holds
/// (Skatteetaten: "Individnummeret vil ikke lenger angi århundre"). See ``Ruleset`` for
/// how the two are reconciled, and ``birthDate`` for what is exposed.
///
/// ## Test numbers and H-numbers
/// Synthetic test identities add to the month: **+80** for Skatteetaten's synthetic
/// "Test-Norge" population (the one searchable in Tenor), **+40** for NAV's synthetic
/// identities (Dolly). Source for +80:
/// <https://github.com/navikt/testnorge/blob/master/docs/applications/dolly/testnorge.md>;
/// +40 for NAV's synthetic numbers follows NAV's own validators (e.g. `navikt/fnrvalidator`,
/// `erNAVSyntetisk` in NAV's `familie` libraries). Both are rejected unless the caller
/// opts in with `allowSynthetic: true`.
///
/// *H-numbers* (hjelpenummer, month +40, <http://www.fnrinfo.no/Leksikon/H.aspx>) are
/// deliberately **not** supported: they are temporary, health-sector-internal numbers that
/// must not be communicated outside the issuing organisation, they are not issued by
/// Folkeregisteret, and their month offset is indistinguishable from NAV's synthetic
/// numbers. A real H-number is therefore rejected (as ``NationalIdentityNumberError/syntheticNotAllowed``).
///
/// ## Redaction
/// `description`, `debugDescription` and the reflection mirror never contain the number;
/// ``masked`` gives a constant, safe rendering for user interfaces and logs.
public struct NationalIdentityNumber: Sendable, Hashable {
    /// Which register series the number belongs to.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// Fødselsnummer.
        case birthNumber
        /// D-nummer (first digit + 4).
        case dNumber
    }

    /// Which check-digit rule the number satisfies.
    public enum CheckDigitScheme: Sendable, Hashable {
        /// First check digit leaves remainder 0: valid before and after 2032.
        case classic
        /// First check digit leaves remainder 1, 2 or 3: can only have been issued
        /// under the rule in force from 1 January 2032.
        case from2032
    }

    /// Origin of a synthetic test number (month offset).
    public enum SyntheticOrigin: Sendable, Hashable {
        /// Month + 40: NAV's synthetic identities (Dolly).
        case nav
        /// Month + 80: Skatteetaten's synthetic "Test-Norge" population (searchable in Tenor).
        case skatteetatenTenor
    }

    /// Which validation rules to apply.
    public enum Ruleset: Sendable, Hashable {
        /// Only numbers issued under the rules in force before 2032: the first check digit
        /// must leave remainder 0, and a birth number's individual number must fall in one
        /// of the century ranges (else ``NationalIdentityNumberError/individualNumberOutOfRange``).
        case classicOnly
        /// The default. Accepts numbers valid under either rule, as Skatteetaten requires
        /// systems to do. Because numbers issued from 2032 do not encode the century in the
        /// individual number, a number whose individual number/year combination lies outside
        /// the historical century ranges is **not** rejected for that reason; the date part
        /// must then be a real date in *some* century, and ``birthDate`` is `nil`.
        case classicAndFrom2032
    }

    /// The kind of number.
    public let kind: Kind
    /// The eleven ASCII digits. This is personal data: never log it.
    public let digits: String
    /// The check-digit rule the number satisfies.
    public let checkDigitScheme: CheckDigitScheme
    /// Set for synthetic test numbers (only possible with `allowSynthetic: true`).
    public let syntheticOrigin: SyntheticOrigin?

    /// Birth date derivable under the pre-2032 allocation rules, stored only for birth numbers.
    private let derivedBirthDate: IdentityBirthDate?

    /// The birth date encoded in a **birth number** (fødselsnummer), for synthetic numbers with
    /// the month offset removed.
    ///
    /// `nil` for D-numbers (a D-number's date part may be a registration date rather than the
    /// birth date, and this type never exposes a date derived from one), and `nil` when the
    /// century cannot be determined from the number (individual number outside the historical
    /// century ranges, or the date is only valid in another century).
    ///
    /// The century comes from the pre-2032 individual-number ranges. For numbers issued from
    /// 2032 Skatteetaten states that the individual number no longer indicates the century and
    /// that the birth date must be read from Folkeregisteret, so treat this as indicative; the
    /// authoritative birth date is the register's.
    public var birthDate: IdentityBirthDate? {
        kind == .birthNumber ? derivedBirthDate : nil
    }

    /// `true` when ``syntheticOrigin`` is set.
    public var isSynthetic: Bool { syntheticOrigin != nil }

    /// A constant rendering for display and logs: eleven ASCII asterisks.
    ///
    /// Nothing of the number is shown. Every part of it is personal data: the first six
    /// digits are (usually) the birth date, the individual number narrows a birth date to a
    /// handful of people, and a D-number's first digit reveals that the person is not a
    /// registered resident. Partial masks such as "last five visible" or "birth date
    /// visible" therefore still identify, especially for children. The rendering is ASCII
    /// so it survives any log sink, CSV export or terminal encoding unchanged.
    public var masked: String { NationalIdentityNumber.maskedRendering }

    /// The value of ``masked``.
    public static let maskedRendering = "***********"

    /// Validates `validating` and creates the number.
    ///
    /// Surrounding whitespace (spaces, tabs, newlines) is removed; nothing else is normalised.
    /// Whitespace inside the number, separators and non-ASCII digits are errors.
    ///
    /// Order of checks: characters, length, check digits, synthetic offset, date, century.
    ///
    /// - Parameters:
    ///   - validating: the candidate number.
    ///   - allowSynthetic: accept synthetic test numbers (month +40 / +80). Default `false`.
    ///   - rules: which check-digit/century rules to apply. Default ``Ruleset/classicAndFrom2032``.
    /// - Throws: ``NationalIdentityNumberError``; its description never contains any digit.
    public init(
        validating input: String,
        allowSynthetic: Bool = false,
        rules: Ruleset = .classicAndFrom2032
    ) throws(NationalIdentityNumberError) {
        let trimmed = Self.trimmingSurroundingWhitespace(input)

        var d: [Int] = []
        d.reserveCapacity(12)
        for scalar in trimmed.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39:
                // Keep at most twelve: enough to report `wrongLength`, bounded for huge input.
                if d.count < 12 { d.append(Int(scalar.value - 0x30)) }
            default:
                if scalar.properties.isWhitespace {
                    throw .internalWhitespace
                }
                throw .nonDigit
            }
        }
        guard d.count == 11 else { throw .wrongLength }

        // Check digits.
        let r1 = Self.weightedRemainder(d, weights: Self.firstWeights)
        switch rules {
        case .classicOnly:
            guard r1 == 0 else { throw .invalidCheckDigit(.first) }
        case .classicAndFrom2032:
            guard r1 <= 3 else { throw .invalidCheckDigit(.first) }
        }
        guard Self.weightedRemainder(d, weights: Self.secondWeights) == 0 else {
            throw .invalidCheckDigit(.second)
        }
        let scheme: CheckDigitScheme = r1 == 0 ? .classic : .from2032

        // Date part.
        var day = d[0] * 10 + d[1]
        var month = d[2] * 10 + d[3]
        let yy = d[4] * 10 + d[5]
        let individual = d[6] * 100 + d[7] * 10 + d[8]

        let kind: Kind
        if (41...71).contains(day) {
            kind = .dNumber
            day -= 40
        } else {
            kind = .birthNumber
        }

        let synthetic: SyntheticOrigin?
        switch month {
        case 41...52:
            synthetic = .nav
            month -= 40
        case 81...92:
            synthetic = .skatteetatenTenor
            month -= 80
        default:
            synthetic = nil
        }
        if synthetic != nil, !allowSynthetic { throw .syntheticNotAllowed }

        guard (1...12).contains(month), day >= 1 else { throw .invalidDate }

        // Century.
        let classicCentury = Self.classicCentury(individual: individual, twoDigitYear: yy)
        var birthDate: IdentityBirthDate? = nil
        if let century = classicCentury, scheme == .classic,
           day <= IdentityCalendarRules.daysInMonth(month, year: century + yy) {
            birthDate = IdentityBirthDate(year: century + yy, month: month, day: day)
        }

        switch (rules, kind) {
        case (.classicOnly, .birthNumber):
            // Pre-2032 numbers: the individual number must place the year in a century,
            // and the date must exist in that century (29 February matters).
            guard let century = classicCentury else { throw .individualNumberOutOfRange }
            guard day <= IdentityCalendarRules.daysInMonth(month, year: century + yy) else {
                throw .invalidDate
            }
        case (.classicOnly, .dNumber), (.classicAndFrom2032, _):
            if birthDate == nil {
                // Century not determinable from the number: require a real date in some
                // century (29 February is then accepted exactly when yy is divisible by 4,
                // since one of 1800+yy, 1900+yy, 2000+yy is a leap year).
                let maxDay = month == 2
                    ? (yy % 4 == 0 ? 29 : 28)
                    : IdentityCalendarRules.daysInMonth(month, year: 2001)
                guard day <= maxDay else { throw .invalidDate }
            }
        }

        self.kind = kind
        self.digits = String(decoding: d.map { UInt8($0) + 0x30 }, as: UTF8.self)
        self.checkDigitScheme = scheme
        self.syntheticOrigin = synthetic
        self.derivedBirthDate = kind == .birthNumber ? birthDate : nil
    }

    // MARK: Check-digit arithmetic

    static let firstWeights = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1]
    static let secondWeights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1]

    static func weightedRemainder(_ digits: [Int], weights: [Int]) -> Int {
        var sum = 0
        for (digit, weight) in zip(digits, weights) { sum += digit * weight }
        return sum % 11
    }

    /// Century (1800, 1900, 2000) implied by the pre-2032 individual-number ranges, or `nil`.
    static func classicCentury(individual: Int, twoDigitYear yy: Int) -> Int? {
        switch individual {
        case 0...499: return 1900
        case 500...749 where yy >= 54: return 1800
        case 500...999 where yy <= 39: return 2000
        case 900...999 where yy >= 40: return 1900
        default: return nil
        }
    }

    private static func trimmingSurroundingWhitespace(_ s: String) -> Substring {
        var slice = Substring(s)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}

// MARK: - Identity

extension NationalIdentityNumber {
    /// Two numbers are equal when their digits are equal (everything else derives from them).
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.digits == rhs.digits }
    public func hash(into hasher: inout Hasher) { hasher.combine(digits) }
}

// MARK: - Redaction

extension NationalIdentityNumber: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always `"NationalIdentityNumber(redacted)"`.
    public var description: String { "NationalIdentityNumber(redacted)" }
    /// Always `"NationalIdentityNumber(redacted)"`.
    public var debugDescription: String { description }
    /// A mirror without children, so `dump` and reflection-based loggers see nothing.
    public var customMirror: Mirror {
        Mirror(self, children: KeyValuePairs<String, Any>(), displayStyle: .struct)
    }
}

// MARK: - Birth date

/// A calendar date derived from a birth number. Deliberately not a general date type
/// (those live elsewhere in `SamtakDomain`); convert at the call site.
///
/// A birth date is personal data, so `description` is redacted as well.
public struct IdentityBirthDate: Sendable, Hashable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date as a plain tuple.
    public var components: (year: Int, month: Int, day: Int) { (year, month, day) }
}

extension IdentityBirthDate: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "IdentityBirthDate(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: KeyValuePairs<String, Any>(), displayStyle: .struct)
    }
}

/// Gregorian month lengths, kept private to the identity code so it does not collide with
/// the module's real date types.
enum IdentityCalendarRules {
    static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }
}

// MARK: - Errors

/// Why a string is not a valid national identity number.
///
/// The description of every case is a fixed English sentence **without any digit**, so an
/// error can be logged or shown without leaking the number or any part of it.
public enum NationalIdentityNumberError: Error, Sendable, Hashable {
    /// Which of the two check digits failed.
    public enum CheckDigit: Sendable, Hashable {
        case first
        case second
    }

    /// After removing surrounding whitespace, the input is not exactly eleven characters.
    case wrongLength
    /// Whitespace inside the number (e.g. "DDMMYY IIIKK"); it is not silently removed.
    case internalWhitespace
    /// A character other than the ASCII digits zero to nine.
    case nonDigit
    /// A check digit does not satisfy the applicable rule.
    case invalidCheckDigit(CheckDigit)
    /// A synthetic test number (or H-number) while `allowSynthetic` is `false`.
    case syntheticNotAllowed
    /// The date part is not a real calendar date.
    case invalidDate
    /// ``NationalIdentityNumber/Ruleset/classicOnly`` only: the individual number does not
    /// match any century range for the year in the date part.
    case individualNumberOutOfRange
}

extension NationalIdentityNumberError: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        switch self {
        case .wrongLength:
            "National identity number must have exactly eleven digits."
        case .internalWhitespace:
            "National identity number must not contain spaces or other whitespace."
        case .nonDigit:
            "National identity number must contain only the digits zero to nine."
        case .invalidCheckDigit(.first):
            "National identity number has an invalid first check digit."
        case .invalidCheckDigit(.second):
            "National identity number has an invalid second check digit."
        case .syntheticNotAllowed:
            "Synthetic test numbers and H-numbers are not accepted here."
        case .invalidDate:
            "National identity number does not contain a valid date."
        case .individualNumberOutOfRange:
            "National identity number has an individual number that does not match the century rules."
        }
    }

    public var debugDescription: String { "NationalIdentityNumberError: \(description)" }
}
