import SamtakDomain
import Testing

/// Builds test numbers by computing the check digits here, independently of the code under
/// test. Dates and individual numbers are chosen so that no real person can hold them:
/// future dates (2038/2039), or individual numbers far beyond what the allocation order
/// (counting down from 499 / 749 / 999 per date) has reached for ordinary dates, or the
/// unused 900-series reserve for 1940–1999.
enum IdentityTestNumbers {
    static let firstWeights = [3, 7, 6, 1, 8, 9, 4, 5, 2]
    static let secondWeights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]

    /// Nine digits + check digits such that the first check leaves `remainder` (0 = classic
    /// rule, 1…3 = only valid from 2032); `nil` when no digit satisfies it.
    static func complete(_ nine: String, remainder: Int = 0) -> String? {
        let d = nine.map { Int(String($0))! }
        precondition(d.count == 9)
        let s1 = zip(d, firstWeights).reduce(0) { $0 + $1.0 * $1.1 }
        let k1 = ((remainder - s1) % 11 + 11) % 11
        guard k1 < 10 else { return nil }
        let s2 = zip(d + [k1], secondWeights).reduce(0) { $0 + $1.0 * $1.1 }
        let k2 = (11 - s2 % 11) % 11
        guard k2 < 10 else { return nil }
        return nine + String(k1) + String(k2)
    }

    /// First number with the date part `ddmmyy` and an individual number from `individuals`
    /// whose check digits exist for `remainder`.
    static func make(_ ddmmyy: String, individuals: ClosedRange<Int>, remainder: Int = 0) -> String {
        for individual in individuals {
            if let number = complete(ddmmyy + pad3(individual), remainder: remainder) { return number }
        }
        fatalError("no number for the requested parameters")
    }

    /// A number whose first check digit leaves `badRemainder` (4…10) but whose second check
    /// digit is correct for that first check digit.
    static func withBadFirstCheckDigit(_ ddmmyy: String, individuals: ClosedRange<Int>) -> String {
        for individual in individuals {
            for bad in 4...10 {
                if let number = complete(ddmmyy + pad3(individual), remainder: bad) { return number }
            }
        }
        fatalError("no number for the requested parameters")
    }

    static func pad3(_ n: Int) -> String {
        String(repeating: "0", count: 3 - String(n).count) + String(n)
    }

    /// `dump` output as a string (what reflection-based loggers would print).
    static func dumped(_ value: Any) -> String {
        var out = ""
        dump(value, to: &out)
        return out
    }

    static func replacingLastDigit(_ number: String) -> String {
        let last = Int(String(number.last!))!
        return String(number.dropLast()) + String((last + 1) % 10)
    }
}

@Suite("National identity number: valid numbers")
struct NationalIdentityNumberValidTests {
    struct BirthCase: Sendable, CustomTestStringConvertible {
        let label: String
        let ddmmyy: String
        let individuals: ClosedRange<Int>
        let expected: IdentityBirthDate
        var testDescription: String { label }
    }

    static let birthCases: [BirthCase] = [
        BirthCase(label: "000–499 → 1900s", ddmmyy: "170311", individuals: 1...60,
                  expected: IdentityBirthDate(year: 1911, month: 3, day: 17)),
        BirthCase(label: "500–749, year ≥ 54 → 1800s", ddmmyy: "230661", individuals: 500...530,
                  expected: IdentityBirthDate(year: 1861, month: 6, day: 23)),
        BirthCase(label: "500–999, year ≤ 39 → 2000s", ddmmyy: "151138", individuals: 500...530,
                  expected: IdentityBirthDate(year: 2038, month: 11, day: 15)),
        BirthCase(label: "900–999, year ≥ 40 → 1900s (reserve series)", ddmmyy: "140353",
                  individuals: 900...930, expected: IdentityBirthDate(year: 1953, month: 3, day: 14)),
        BirthCase(label: "29 February in a leap year (2036)", ddmmyy: "290236", individuals: 500...530,
                  expected: IdentityBirthDate(year: 2036, month: 2, day: 29)),
        BirthCase(label: "29 February 2000 (century leap year)", ddmmyy: "290200", individuals: 980...999,
                  expected: IdentityBirthDate(year: 2000, month: 2, day: 29)),
        BirthCase(label: "31 December, last day of year", ddmmyy: "311239", individuals: 500...530,
                  expected: IdentityBirthDate(year: 2039, month: 12, day: 31)),
    ]

    @Test("classic birth numbers in every century range", arguments: birthCases)
    func classicBirthNumber(_ c: BirthCase) throws {
        let digits = IdentityTestNumbers.make(c.ddmmyy, individuals: c.individuals)
        for rules in [NationalIdentityNumber.Ruleset.classicOnly, .classicAndFrom2032] {
            let number = try NationalIdentityNumber(validating: digits, rules: rules)
            #expect(number.kind == .birthNumber)
            #expect(number.digits == digits)
            #expect(number.checkDigitScheme == .classic)
            #expect(number.syntheticOrigin == nil)
            #expect(!number.isSynthetic)
            #expect(number.birthDate == c.expected)
            let components = try #require(number.birthDate?.components)
            #expect(components == (c.expected.year, c.expected.month, c.expected.day))
        }
    }

    @Test("D-numbers: accepted, date validated, no birth date exposed",
          arguments: ["571138", "711238", "410111", "690236"])
    func dNumber(_ ddmmyy: String) throws {
        let individuals = ddmmyy.hasSuffix("11") ? 1...60 : 500...530
        let digits = IdentityTestNumbers.make(ddmmyy, individuals: individuals)
        for rules in [NationalIdentityNumber.Ruleset.classicOnly, .classicAndFrom2032] {
            let number = try NationalIdentityNumber(validating: digits, rules: rules)
            #expect(number.kind == .dNumber)
            #expect(number.birthDate == nil)
            #expect(number.digits == digits)
        }
    }

    @Test("surrounding whitespace is trimmed, nothing else")
    func surroundingWhitespace() throws {
        let digits = IdentityTestNumbers.make("170311", individuals: 1...60)
        let number = try NationalIdentityNumber(validating: " \t\(digits)\n")
        #expect(number.digits == digits)
        #expect(number == (try NationalIdentityNumber(validating: digits)))
        #expect(number.hashValue == (try NationalIdentityNumber(validating: digits)).hashValue)
    }
}

@Suite("National identity number: the 2032 rule")
struct NationalIdentityNumber2032Tests {
    /// Skatteetaten's own worked examples (fictitious persons) from
    /// https://skatteetaten.github.io/folkeregisteret-api-dokumentasjon/nytt-fodselsnummer-fra-2032/
    @Test("Skatteetaten's worked examples")
    func skatteetatenExamples() throws {
        // Born 02.01.2032, individual 999, remainder 0.
        let a = try NationalIdentityNumber(validating: "02013299997")
        #expect(a.checkDigitScheme == .classic)
        #expect(a.birthDate == IdentityBirthDate(year: 2032, month: 1, day: 2))

        // Born 30.10.1982, first number issued in 2032, remainder 0.
        let b = try NationalIdentityNumber(validating: "30108299920")
        #expect(b.checkDigitScheme == .classic)

        // Born 30.10.1982, second number issued in 2032, remainder 1: valid only from 2032.
        let c = try NationalIdentityNumber(validating: "30108299939")
        #expect(c.checkDigitScheme == .from2032)
        #expect(c.birthDate == nil)
        #expect(throws: NationalIdentityNumberError.invalidCheckDigit(.first)) {
            try NationalIdentityNumber(validating: "30108299939", rules: .classicOnly)
        }
    }

    @Test("remainders 1, 2 and 3 are accepted by default and rejected by the classic rules",
          arguments: [1, 2, 3])
    func onlyValidFrom2032(_ remainder: Int) throws {
        for (ddmmyy, individuals) in [("151138", 500...560), ("170311", 1...60), ("571138", 500...560)] {
            let digits = IdentityTestNumbers.make(ddmmyy, individuals: individuals, remainder: remainder)
            let number = try NationalIdentityNumber(validating: digits)
            #expect(number.checkDigitScheme == .from2032)
            #expect(number.birthDate == nil, "century is not encoded in numbers issued from 2032")
            #expect(throws: NationalIdentityNumberError.invalidCheckDigit(.first)) {
                try NationalIdentityNumber(validating: digits, rules: .classicOnly)
            }
        }
    }

    @Test("individual number outside the historical century ranges")
    func outsideCenturyRanges() throws {
        // 750–899 with year 40–99 was never allocated before 2032.
        let digits = IdentityTestNumbers.make("140353", individuals: 800...830)
        let number = try NationalIdentityNumber(validating: digits)
        #expect(number.birthDate == nil)
        #expect(throws: NationalIdentityNumberError.individualNumberOutOfRange) {
            try NationalIdentityNumber(validating: digits, rules: .classicOnly)
        }
    }

    @Test("29 February 1900 (not a leap year) under the classic rules")
    func leapDayWrongCentury() throws {
        // Individual 000–499 places year 00 in 1900, which has no 29 February.
        let digits = IdentityTestNumbers.make("290200", individuals: 1...60)
        #expect(throws: NationalIdentityNumberError.invalidDate) {
            try NationalIdentityNumber(validating: digits, rules: .classicOnly)
        }
        // From 2032 the individual number no longer fixes the century, so the date may be
        // 29.02.2000: accepted, but no birth date is derived.
        let number = try NationalIdentityNumber(validating: digits)
        #expect(number.birthDate == nil)
    }

    /// For every individual number on one date and every pair of check digits: the classic
    /// rule accepts at most one pair, the 2032 rule at most four, and every classic pair.
    @Test("exhaustive: classic ⊂ from-2032, at most 1 and 4 valid check-digit pairs")
    func exhaustiveCheckDigits() {
        var classicTotal = 0
        var newTotal = 0
        var mismatches = 0
        var classicNotInNew = 0
        var tooMany = 0
        for individual in 0...499 {
            let nine = "170311" + IdentityTestNumbers.pad3(individual)
            let expectedNew = Set((0...3).compactMap { IdentityTestNumbers.complete(nine, remainder: $0) })
            var classic = 0
            var new = 0
            for k in 0...99 {
                let candidate = nine + (k < 10 ? "0" : "") + String(k)
                let classicOK = (try? NationalIdentityNumber(validating: candidate, rules: .classicOnly)) != nil
                let newOK = (try? NationalIdentityNumber(validating: candidate)) != nil
                if classicOK {
                    classic += 1
                    if !newOK { classicNotInNew += 1 }
                }
                if newOK { new += 1 }
                if newOK != expectedNew.contains(candidate) { mismatches += 1 }
            }
            if classic > 1 || new > 4 { tooMany += 1 }
            classicTotal += classic
            newTotal += new
        }
        #expect(mismatches == 0)
        #expect(classicNotInNew == 0)
        #expect(tooMany == 0)
        // Classic: a first or second check digit of 10 discards the individual number, so
        // roughly 83 % of individual numbers are usable; from 2032 about four times as many
        // numbers exist.
        #expect(classicTotal > 380 && classicTotal < 450)
        #expect(newTotal > 3 * classicTotal)
    }
}

@Suite("National identity number: invalid input")
struct NationalIdentityNumberInvalidTests {
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let label: String
        let input: String
        let expected: NationalIdentityNumberError
        var allowSynthetic = false
        var testDescription: String { label }
    }

    static let cases: [InvalidCase] = {
        let valid = IdentityTestNumbers.make("170311", individuals: 1...60)
        return [
            InvalidCase(label: "wrong first check digit",
                        input: IdentityTestNumbers.withBadFirstCheckDigit("170311", individuals: 1...60),
                        expected: .invalidCheckDigit(.first)),
            InvalidCase(label: "wrong first check digit (D-number)",
                        input: IdentityTestNumbers.withBadFirstCheckDigit("571138", individuals: 500...560),
                        expected: .invalidCheckDigit(.first)),
            InvalidCase(label: "wrong second check digit",
                        input: IdentityTestNumbers.replacingLastDigit(valid),
                        expected: .invalidCheckDigit(.second)),
            InvalidCase(label: "wrong second check digit (valid-from-2032 first digit)",
                        input: IdentityTestNumbers.replacingLastDigit(IdentityTestNumbers.make("151138", individuals: 500...560, remainder: 2)),
                        expected: .invalidCheckDigit(.second)),
            InvalidCase(label: "31 February", input: IdentityTestNumbers.make("310211", individuals: 1...60),
                        expected: .invalidDate),
            InvalidCase(label: "30 February (2000s)", input: IdentityTestNumbers.make("300238", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "29 February 2039", input: IdentityTestNumbers.make("290239", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "31 April", input: IdentityTestNumbers.make("310438", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "month 13", input: IdentityTestNumbers.make("011338", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "month 00", input: IdentityTestNumbers.make("010038", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "day 00", input: IdentityTestNumbers.make("000138", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "day 32", input: IdentityTestNumbers.make("320138", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "D-number day 72", input: IdentityTestNumbers.make("720138", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "D-number of 31 February", input: IdentityTestNumbers.make("710238", individuals: 500...560),
                        expected: .invalidDate),
            InvalidCase(label: "first digit 8 (not a person number)",
                        input: IdentityTestNumbers.make("810138", individuals: 500...560), expected: .invalidDate),
            InvalidCase(label: "all zeros (check digits happen to pass)", input: "00000000000", expected: .invalidDate),
            InvalidCase(label: "empty", input: "", expected: .wrongLength),
            InvalidCase(label: "only whitespace", input: "   ", expected: .wrongLength),
            InvalidCase(label: "ten digits", input: String(valid.dropLast()), expected: .wrongLength),
            InvalidCase(label: "twelve digits", input: valid + "0", expected: .wrongLength),
            InvalidCase(label: "letter", input: String(valid.dropLast()) + "A", expected: .nonDigit),
            InvalidCase(label: "letters only", input: "abcdefghijk", expected: .nonDigit),
            InvalidCase(label: "dash separator", input: String(valid.prefix(6)) + "-" + String(valid.dropFirst(6)),
                        expected: .nonDigit),
            InvalidCase(label: "space inside", input: String(valid.prefix(6)) + " " + String(valid.dropFirst(6)),
                        expected: .internalWhitespace),
            InvalidCase(label: "no-break space inside",
                        input: String(valid.prefix(6)) + "\u{A0}" + String(valid.dropFirst(6)),
                        expected: .internalWhitespace),
            InvalidCase(label: "fullwidth digits",
                        input: String(valid.unicodeScalars.map { Character(Unicode.Scalar($0.value - 0x30 + 0xFF10)!) }),
                        expected: .nonDigit),
            InvalidCase(label: "synthetic Tenor (+80) not allowed",
                        input: IdentityTestNumbers.make("178311", individuals: 1...60), expected: .syntheticNotAllowed),
            InvalidCase(label: "synthetic NAV (+40) / H-number not allowed",
                        input: IdentityTestNumbers.make("174311", individuals: 1...60), expected: .syntheticNotAllowed),
            InvalidCase(label: "synthetic D-number (+80) not allowed",
                        input: IdentityTestNumbers.make("578338", individuals: 500...560), expected: .syntheticNotAllowed),
            InvalidCase(label: "synthetic with impossible month (+80, month 13)",
                        input: IdentityTestNumbers.make("179311", individuals: 1...60), expected: .invalidDate,
                        allowSynthetic: true),
            InvalidCase(label: "synthetic 31 February (+40)",
                        input: IdentityTestNumbers.make("314211", individuals: 1...60), expected: .invalidDate,
                        allowSynthetic: true),
            InvalidCase(label: "month offset +20 is not a known series",
                        input: IdentityTestNumbers.make("172311", individuals: 1...60), expected: .invalidDate,
                        allowSynthetic: true),
        ]
    }()

    @Test("rejected with the specific error", arguments: cases)
    func rejected(_ c: InvalidCase) {
        #expect(throws: c.expected) {
            try NationalIdentityNumber(validating: c.input, allowSynthetic: c.allowSynthetic)
        }
    }

    @Test("no error description contains any digit of the input (or any digit at all)", arguments: cases)
    func errorDescriptionIsSafe(_ c: InvalidCase) {
        do throws(NationalIdentityNumberError) {
            _ = try NationalIdentityNumber(validating: c.input, allowSynthetic: c.allowSynthetic)
            Issue.record("expected an error")
        } catch {
            let renderings = [
                String(describing: error), String(reflecting: error), "\(error)",
                error.description, error.debugDescription, dumped(error),
            ]
            for rendering in renderings {
                #expect(!containsDigit(rendering), "rendering contains a digit")
                for length in 1...max(1, c.input.count) {
                    for window in windows(of: c.input, length: length) where window.allSatisfy({ $0.isNumber }) {
                        #expect(!rendering.contains(window))
                    }
                }
            }
        }
    }

    @Test("every error case has a digit-free description")
    func allErrorCasesDigitFree() {
        let all: [NationalIdentityNumberError] = [
            .wrongLength, .internalWhitespace, .nonDigit, .invalidCheckDigit(.first), .invalidCheckDigit(.second),
            .syntheticNotAllowed, .invalidDate, .individualNumberOutOfRange,
        ]
        for error in all {
            #expect(!error.description.isEmpty)
            #expect(!containsDigit(error.description))
            #expect(!containsDigit(error.debugDescription))
        }
        #expect(Set(all.map(\.description)).count == all.count, "descriptions are specific")
    }

    private func windows(of s: String, length: Int) -> [Substring] {
        guard length <= s.count else { return [] }
        var result: [Substring] = []
        var start = s.startIndex
        while let end = s.index(start, offsetBy: length, limitedBy: s.endIndex) {
            result.append(s[start..<end])
            start = s.index(after: start)
        }
        return result
    }
}

@Suite("National identity number: synthetic numbers")
struct NationalIdentityNumberSyntheticTests {
    @Test("Tenor (+80) and NAV (+40) accepted only when allowed")
    func allowed() throws {
        let tenor = IdentityTestNumbers.make("178311", individuals: 1...60)
        let nav = IdentityTestNumbers.make("174311", individuals: 1...60)
        let dTenor = IdentityTestNumbers.make("578338", individuals: 500...560)

        let a = try NationalIdentityNumber(validating: tenor, allowSynthetic: true)
        #expect(a.syntheticOrigin == .skatteetatenTenor)
        #expect(a.isSynthetic)
        #expect(a.kind == .birthNumber)
        #expect(a.birthDate == IdentityBirthDate(year: 1911, month: 3, day: 17))

        let b = try NationalIdentityNumber(validating: nav, allowSynthetic: true)
        #expect(b.syntheticOrigin == .nav)
        #expect(b.birthDate == IdentityBirthDate(year: 1911, month: 3, day: 17))

        let c = try NationalIdentityNumber(validating: dTenor, allowSynthetic: true)
        #expect(c.syntheticOrigin == .skatteetatenTenor)
        #expect(c.kind == .dNumber)
        #expect(c.birthDate == nil)

        for digits in [tenor, nav, dTenor] {
            #expect(throws: NationalIdentityNumberError.syntheticNotAllowed) {
                try NationalIdentityNumber(validating: digits)
            }
        }
    }

    @Test("allowSynthetic does not change how real numbers are treated")
    func realNumbersUnaffected() throws {
        let digits = IdentityTestNumbers.make("170311", individuals: 1...60)
        let number = try NationalIdentityNumber(validating: digits, allowSynthetic: true)
        #expect(number.syntheticOrigin == nil)
    }
}

@Suite("National identity number: redaction")
struct NationalIdentityNumberRedactionTests {
    @Test("description, debugDescription, reflection and masked never reveal the number")
    func redacted() throws {
        let digits = IdentityTestNumbers.make("170311", individuals: 1...60)
        let number = try NationalIdentityNumber(validating: digits)
        let renderings = [
            "\(number)", String(describing: number), String(reflecting: number), number.description,
            number.debugDescription, "\([number])", "\(Optional(number) as Any)", dumped(number),
            number.masked, "\(number.birthDate as Any)", dumped(number.birthDate as Any),
        ]
        for rendering in renderings {
            #expect(!containsDigit(rendering), "rendering contains a digit")
        }
        #expect(number.description == "NationalIdentityNumber(redacted)")
        #expect(Mirror(reflecting: number).children.isEmpty)
        #expect(number.masked == "***********")
        #expect(number.masked.count == 11)
    }

    @Test("masked is constant across numbers")
    func maskedConstant() throws {
        let a = try NationalIdentityNumber(validating: IdentityTestNumbers.make("170311", individuals: 1...60))
        let b = try NationalIdentityNumber(validating: IdentityTestNumbers.make("571138", individuals: 500...560))
        #expect(a.masked == b.masked)
    }
}

private func containsDigit(_ s: String) -> Bool {
    s.contains { $0.isNumber }
}

private func dumped(_ value: Any) -> String {
    IdentityTestNumbers.dumped(value)
}
