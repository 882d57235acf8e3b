import SamtakDomain
import Testing

// Issue 12, finding 8: the screen missed text written to look harmless. Each case here
// was not found before normalization, look-alike folding, phone numbers, month names and
// the municipality's names were added.

private func matches(_ screen: PersonalDataScreen, _ text: String, kind: PersonalDataFinding.Kind) -> [String] {
    screen.findings(in: text).filter { $0.kind == kind }.map { String(text[$0.range]) }
}

private let noNames = PersonalDataScreen(knownNames: [])

@Suite("Personal data screen: normalization (NFKC, look-alikes, invisible and spaced-out characters)")
struct PersonalDataScreenNormalizationTests {
    static let screen = PersonalDataScreen(knownNames: ["Emma Nordli", "Åse"])

    @Test("identity numbers in full-width and other digits, or with invisible characters", arguments: [
        "０１０２０３１２３４５",             // full-width
        "０１０２０３ １２３４５",            // full-width, grouped, ideographic space
        "١٢٣٤٥٦٧٨٩٠١",                      // Arabic-Indic digits
        "０１０２０３-12345",                 // mixed
        "0102\u{200B}03\u{2060}12345",      // zero-width space, word joiner
        "01\u{AD}0203 12345",                // soft hyphen
        "0 1 0 2 0 3 1 2 3 4 5",            // spaced out
    ])
    func numbers(_ number: String) {
        let text = "Fnr: \(number)."
        #expect(matches(noNames, text, kind: .elevenDigitNumber) == [number], "in \(text.debugDescription)")
    }

    @Test("names written with look-alike letters, invisible characters or spaced out", arguments: [
        "\u{0415}mm\u{0430}",          // Cyrillic Е and а
        "\u{0395}mma",                 // Greek Ε
        "EMM\u{0391}",                 // Greek Α
        "E\u{200B}m\u{200C}m\u{200D}a", // zero-width characters between the letters
        "E m m a",
        "E.M.M.A",
        "E. M. M. A",
        "e-m-m-a",
        "Ｅｍｍａ",                     // full-width Latin
        "\u{1D404}mma",                // mathematical bold E
    ])
    func names(_ written: String) {
        let text = "Saken gjelder \(written) i 5. trinn."
        #expect(matches(Self.screen, text, kind: .knownName) == [written], "in \(text.debugDescription)")
    }

    @Test("a full name spaced out, or run together")
    func fullNameSpacedOut() {
        #expect(matches(Self.screen, "Om E m m a N o r d l i i dag", kind: .knownName) == ["E m m a N o r d l i"])
        #expect(matches(Self.screen, "Om EmmaNordli i dag", kind: .knownName) == ["EmmaNordli"])
        #expect(matches(Self.screen, "Om \u{0415}mma N\u{043E}rdli i dag", kind: .knownName) == ["\u{0415}mma N\u{043E}rdli"])
        #expect(matches(Self.screen, "Å s e", kind: .knownName) == ["Å s e"])
    }

    @Test("ordinary text is not joined or folded into names", arguments: [
        "Plan A og B i dag",         // two single letters do not make a word
        "Emmanuel kom",              // a longer name is a different name
        "Ema",
        "Emmy",
        "Nordlie",
    ])
    func ordinary(_ text: String) {
        #expect(matches(Self.screen, text, kind: .knownName).isEmpty)
    }

    @Test("ranges point at the original text, on Character boundaries")
    func ranges() {
        let text = "👩‍👧 Ｅｍｍａ og ０１０２０３ １２３４５ og E m m a."
        let found = Self.screen.findings(in: text)
        #expect(found.map { String(text[$0.range]) } == ["Ｅｍｍａ", "０１０２０３ １２３４５", "E m m a"])
        for finding in found {
            #expect(finding.range.lowerBound.samePosition(in: text) != nil)
            #expect(finding.range.upperBound.samePosition(in: text) != nil)
        }
    }
}

@Suite("Personal data screen: dates of birth with month names and mixed separators")
struct PersonalDataScreenMonthNameTests {
    @Test("found", arguments: [
        ("Født 14. mars 2016", "14. mars 2016"),
        ("født 14 mars 2016", "14 mars 2016"),
        ("født 14. mars", "14. mars"),
        ("født 14/3-16", "14/3-16"),
        ("f. 14/3-16", "14/3-16"),
        ("født 3. des. 15", "3. des. 15"),
        ("født 3.des.2015", "3.des.2015"),
        ("Fødselsdato: 1. JANUAR 2019", "1. JANUAR 2019"),
        ("født den 9. oktober 2012", "9. oktober 2012"),
        ("født １４/３-１６", "１４/３-１６"),     // full-width digits
        ("DOB 2 may 2014", "2 may 2014"),
    ])
    func found(_ text: String, _ expected: String) {
        #expect(matches(noNames, text, kind: .dateOfBirthLike) == [expected])
    }

    @Test("not found", arguments: [
        "møte 14. mars 2016",     // no trigger
        "født 14. marsj 2016",    // not a month
        "født 32. mars 2016",     // impossible day
        "født 14/13-16",          // impossible month
        "født i mars",            // no day
        "født 14/3-20161",        // five-digit year
    ])
    func notFound(_ text: String) {
        #expect(matches(noNames, text, kind: .dateOfBirthLike).isEmpty, "in \(text.debugDescription)")
    }
}

@Suite("Personal data screen: Norwegian phone numbers")
struct PersonalDataScreenPhoneTests {
    @Test("found", arguments: [
        "22334455",
        "22 33 44 55",
        "912 34 567",
        "91234567",
        "+47 912 34 567",
        "+4791234567",
        "+47 91234567",
        "0047 91234567",
        "004791234567",
        "(+47) 22 33 44 55",
        "+47 2233 4455",
        "912-34-567",
        "９１２ ３４ ５６７",          // full-width
        "9 1 2 3 4 5 6 7",          // spaced out
        "9\u{200B}1234567",         // zero-width space inside
    ])
    func found(_ number: String) {
        for text in [number, "Ring \(number).", "tlf: \(number), helst etter kl. 16", "(\(number))"] {
            #expect(matches(noNames, text, kind: .phoneNumber) == [number], "in \(text.debugDescription)")
        }
    }

    @Test("not found", arguments: [
        "12345678",              // Norwegian numbers start with 2-9
        "02345678",
        "2024 2025",             // 4+4 only after a country code
        "2024-2025",
        "01.02.2003",            // a date
        "14.03.2025 kl. 09.00",
        "22.33.44.55",           // dots are not phone separators
        "12 34 56 78 90",        // part of a longer number
        "22 33 44 55 66",
        "010203 12345",          // an identity number
        "17031100123",
        "987 654 321",           // organisation number (9 digits)
        "123456789",
        "kr 250 000",
        "1234.56.78901",         // bank account
        "2233445",               // 7 digits
    ])
    func notFound(_ text: String) {
        #expect(matches(noNames, text, kind: .phoneNumber).isEmpty, "in \(text.debugDescription)")
    }
}

@Suite("Personal data screen: children elsewhere in the municipality")
struct PersonalDataScreenOtherChildrenTests {
    static let municipality = FullNameIndex(names: ["Kari Fjell", "Per Olav Dahl", "Lise van Dijk", "Solo", "Emma Nordli"])
    static let screen = PersonalDataScreen(knownNames: ["Emma", "Jonas Berg"], otherChildren: municipality)

    @Test("found by full name, first and last name, run together, look-alikes, genitive", arguments: [
        ("Kari Fjell kom ikke", "Kari Fjell"),
        ("KARI  FJELL", "KARI  FJELL"),
        ("Per Olav Dahl", "Per Olav Dahl"),
        ("Per Dahl", "Per Dahl"),
        ("Lise van Dijk", "Lise van Dijk"),
        ("KariFjell", "KariFjell"),
        ("K a r i F j e l l", "K a r i F j e l l"),
        ("K\u{0430}ri Fj\u{0435}ll", "K\u{0430}ri Fj\u{0435}ll"),
        ("Kari Fjells mor", "Kari Fjells"),
    ])
    func found(_ text: String, _ expected: String) {
        #expect(matches(Self.screen, text, kind: .otherChildName) == [expected])
    }

    @Test("not found by a first or last name alone, or a one-word name", arguments: [
        "Kari kom", "Fjell", "Per", "Olav Dahl er lærer", "Solo", "Dijk",
    ])
    func notFound(_ text: String) {
        #expect(matches(Self.screen, text, kind: .otherChildName).isEmpty)
    }

    @Test("the submitting unit's names keep matching by part; a longer full name elsewhere wins")
    func ownAndOther() {
        #expect(matches(Self.screen, "Emma og Jonas", kind: .knownName) == ["Emma", "Jonas"])
        #expect(matches(Self.screen, "Emma Nordli", kind: .otherChildName) == ["Emma Nordli"])
        #expect(matches(Self.screen, "Emma Nordli", kind: .knownName).isEmpty)
        #expect(matches(Self.screen, "Jonas Berg", kind: .knownName) == ["Jonas Berg"])
    }

    @Test("a municipality's names indexed once, shared by every unit's screen (reported, not asserted)")
    func speed() {
        let first = ["Kari", "Ola", "Emma", "Jonas", "Sofie", "Lukas", "Nora", "Filip", "Ingrid", "Aksel", "Maja", "Henrik", "Åse", "Bjørn"]
        let middle = ["", "Marie ", "Andreas ", "Sofie "]
        let last = ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Dahl", "Lie", "Bakken", "Strand", "Nordli", "Ødegård"]
        var names: [String] = []
        var i = 0
        while names.count < 20_000 {
            names.append("\(first[i % first.count]) \(middle[(i / 7) % middle.count])\(last[(i / 3) % last.count])\(i / 500)")
            i += 1
        }
        let clock = ContinuousClock()
        var index = FullNameIndex.empty
        let built = clock.measure { index = FullNameIndex(names: names) }
        let screen = PersonalDataScreen(knownNames: (0..<400).map { "Tiril\($0) Aas" }, otherChildren: index)
        var text = ""
        while text.utf8.count < 5_000 { text += "Eleven har vært borte mye, og foreldrene er bekymret. Det er avtalt møte med PPT. \(names[12_345]) nevnes. " }
        #expect(screen.findings(in: text).contains { $0.kind == .otherChildName })
        var best = Duration.seconds(1_000)
        for _ in 0..<10 { best = min(best, clock.measure { _ = screen.findings(in: text) }) }
        print("FullNameIndex: \(names.count) names in \(built); screening \(text.utf8.count) bytes: best of 10 \(best)")
    }
}
