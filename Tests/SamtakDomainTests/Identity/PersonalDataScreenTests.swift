import SamtakDomain
import Testing

/// The matched substrings of `kind` in `text`.
private func matches(
    _ screen: PersonalDataScreen, _ text: String, kind: PersonalDataFinding.Kind? = nil
) -> [String] {
    screen.findings(in: text)
        .filter { kind == nil || $0.kind == kind }
        .map { String(text[$0.range]) }
}

private let noNames = PersonalDataScreen(knownNames: [])

@Suite("Personal data screen: eleven-digit numbers")
struct PersonalDataScreenElevenDigitTests {
    @Test("found, contiguous and in 6+5 style groupings", arguments: [
        "17031100123",
        "010203 12345",
        "010203-12345",
        "010203.12345",
        "010203\u{A0}12345",
        "010203 - 12345",
        "010203 123 45",
        "01.02.03 12345",
        "01.02.03-123 45",
        "010203\u{2013}12345",
    ])
    func found(_ number: String) {
        for text in [number, "Fnr: \(number).", "nr\(number)x", "(\(number))", "Ring\n\(number)\nnå"] {
            #expect(matches(noNames, text, kind: .elevenDigitNumber) == [number], "in \(text.debugDescription)")
        }
    }

    @Test("not found", arguments: [
        "1234567890",          // 10 digits
        "123456789012",        // 12 digits
        "22334455",            // 8-digit phone number
        "22 33 44 55",         // phone number, grouped
        "+47 22334455",
        "+47 912 34 567",
        "010203 123456",       // 6+6
        "01020 312345",        // 5+6
        "0102031 2345",        // 7+4
        "1234.56.78901",       // bank account grouping (4.2.5)
        "org.nr. 987 654 321", // 9 digits
        "010203  ,  12345",    // separator too long / comma
        "010203,12345",
        "1 2 3 4 5 6 7 8 9 10",
    ])
    func notFound(_ text: String) {
        #expect(matches(noNames, text, kind: .elevenDigitNumber).isEmpty)
    }

    @Test("several numbers, in order")
    func several() {
        let text = "A 17031100123, B 010203 12345 og C 123456789012."
        #expect(matches(noNames, text) == ["17031100123", "010203 12345"])
    }
}

@Suite("Personal data screen: known names")
struct PersonalDataScreenKnownNameTests {
    static let screen = PersonalDataScreen(knownNames: [
        "Åse", "Bjørn", "Ærlend", "Ola Nordmann", "Anne-Lise", "André", "Bø", "Lise van Dijk",
        "", "  ", "X",
    ])

    @Test("whole-word, case-insensitive matches", arguments: [
        ("Åse kom i dag.", ["Åse"]),
        ("Hun heter ÅSE.", ["ÅSE"]),
        ("åse", ["åse"]),
        ("Bjørn og Ærlend", ["Bjørn", "Ærlend"]),
        ("BJØRN, ÆRLEND", ["BJØRN", "ÆRLEND"]),
        ("«Bjørn»", ["Bjørn"]),
        ("Bjørn-Erik", ["Bjørn"]),
        ("Bjørn2", ["Bjørn"]),
        ("Oslo-Ola", ["Ola"]),
        ("andré", ["andré"]),
    ])
    func matched(_ text: String, _ expected: [String]) {
        #expect(matches(Self.screen, text, kind: .knownName) == expected)
    }

    @Test("Norwegian letters and spelling variants", arguments: [
        ("A\u{30A}se", "decomposed Å"),
        ("\u{212B}se", "Angstrom sign"),
        ("Aase", "aa for å"),
        ("Björn", "ö for ø"),
        ("Bjoern", "oe for ø"),
        ("Aerlend", "ae for æ"),
        ("Ärlend", "ä for æ"),
        ("Andre", "diacritic ignored"),
        ("ANDRÈ", "other diacritic ignored"),
        ("Bj\u{200B}ørn", "zero-width space inside"),
        ("Bjør\u{AD}n", "soft hyphen inside"),
    ])
    func variants(_ text: String, _ label: String) {
        #expect(matches(Self.screen, text, kind: .knownName) == [text], "\(label)")
    }

    @Test("not matched inside other words or as a different letter", arguments: [
        "Bjørnar",      // name is a prefix
        "Bjørnebær",
        "Småbjørn",     // name is a suffix
        "Åsen",
        "Kåse",
        "Ærlendsen",
        "Olav",
        "Nikola",
        "Paola",
        "Andreas",
        "Bjorn",        // o is not ø
        "Ase",          // a is not å
        "vi bo her",    // "Bø" must not match "bo"
        "van",          // name particle from "Lise van Dijk" is not matched alone
        "x",            // one-letter names are ignored
    ])
    func notMatched(_ text: String) {
        #expect(matches(Self.screen, text, kind: .knownName).isEmpty)
    }

    @Test("multi-word and hyphenated names: one finding for the whole name, parts also alone")
    func multiWord() {
        #expect(matches(Self.screen, "Ola Nordmann var her") == ["Ola Nordmann"])
        #expect(matches(Self.screen, "OLA  NORDMANN") == ["OLA  NORDMANN"])
        #expect(matches(Self.screen, "Ola\nNordmann") == ["Ola\nNordmann"])
        #expect(matches(Self.screen, "Ola. Nordmann") == ["Ola", "Nordmann"])
        #expect(matches(Self.screen, "Nordmann ringte") == ["Nordmann"])
        #expect(matches(Self.screen, "Anne-Lise og Lise") == ["Anne-Lise", "Lise"])
        #expect(matches(Self.screen, "Anne Lise") == ["Anne Lise"])
        #expect(matches(Self.screen, "Lise van Dijk") == ["Lise van Dijk"])
        #expect(matches(Self.screen, "Dijk") == ["Dijk"])
    }

    @Test("Norwegian genitive -s", arguments: [
        ("Bjørns mor", ["Bjørns"]),
        ("Åses far", ["Åses"]),
        ("Ola Nordmanns skole", ["Ola Nordmanns"]),
        ("Bøs", ["Bøs"]),
    ])
    func genitive(_ text: String, _ expected: [String]) {
        #expect(matches(Self.screen, text, kind: .knownName) == expected)
    }

    @Test("ranges are Character-aligned and point at the match")
    func ranges() {
        let text = "e\u{301} Bjørn 👩‍👧 Åse."
        let found = Self.screen.findings(in: text)
        #expect(found.map(\.kind) == [.knownName, .knownName])
        #expect(found.map { String(text[$0.range]) } == ["Bjørn", "Åse"])
        for finding in found {
            #expect(finding.range.lowerBound.samePosition(in: text) != nil)
            #expect(finding.range.upperBound.samePosition(in: text) != nil)
        }
    }

    @Test("apostrophes, text edges and repeated names")
    func edges() {
        #expect(matches(Self.screen, "Åse's sekk") == ["Åse"])
        #expect(matches(Self.screen, "Ærlend") == ["Ærlend"])
        #expect(matches(Self.screen, "Ring Bjørn") == ["Bjørn"])
        #expect(matches(Self.screen, "Bjørn, bjørn og BJØRN.") == ["Bjørn", "bjørn", "BJØRN"])
        #expect(matches(Self.screen, "Bjørn 👋") == ["Bjørn"])
    }

    @Test("no names, no name findings")
    func empty() {
        #expect(noNames.findings(in: "Åse Bjørn Ærlend").isEmpty)
        #expect(Self.screen.findings(in: "").isEmpty)
    }
}

@Suite("Personal data screen: birth-date-like dates")
struct PersonalDataScreenBirthDateTests {
    @Test("found after a trigger word", arguments: [
        ("født 01.02.2003", "01.02.2003"),
        ("Født: 1.2.03", "1.2.03"),
        ("f. 01.02.2003", "01.02.2003"),
        ("f.01.02.03", "01.02.03"),
        ("f.d. 01.02.03", "01.02.03"),
        ("født den 01.02.2003", "01.02.2003"),
        ("født d. 01.02.2003", "01.02.2003"),
        ("Fødselsdato: 31.12.2019", "31.12.2019"),
        ("f.dato 31/12/2019", "31/12/2019"),
        ("FØDT 01-02-2003", "01-02-2003"),
        ("foedt 01.02.2003", "01.02.2003"),
        ("fødd 01.02.2003", "01.02.2003"),
        ("Gutten (født 01.02.2003) bor", "01.02.2003"),
        ("DOB: 01.02.2003", "01.02.2003"),
        ("født 01.02-2003", "01.02-2003"),  // mixed separators
    ])
    func found(_ text: String, _ expected: String) {
        #expect(matches(noNames, text, kind: .dateOfBirthLike) == [expected])
    }

    @Test("not found", arguments: [
        "møte 01.02.2003",          // no trigger
        "01.02.2003",
        "født 32.01.2003",          // impossible day
        "født 01.13.2003",          // impossible month
        "født 01.02.203",           // three-digit year
        "født 01.02.20031",         // five-digit year
        "født i 2003",              // no date
        "ref. 01.02.2003",          // "f" inside another word
        "f 01.02.2003",             // "f" without full stop
        "født i Bergen 01.02.2003", // date too far from the trigger
    ])
    func notFound(_ text: String) {
        #expect(matches(noNames, text, kind: .dateOfBirthLike).isEmpty)
    }
}

@Suite("Personal data screen: safety and speed")
struct PersonalDataScreenSafetyTests {
    static let names = ["Åse", "Bjørn", "Ærlend", "Ola Nordmann"]

    @Test("descriptions never include the matched text, a known name or a digit")
    func descriptionsAreSafe() {
        let screen = PersonalDataScreen(knownNames: Self.names, otherChildren: FullNameIndex(names: ["Kari Fjell"]))
        let text = "Åse (født 01.02.2003, fnr 010203 12345) og Bjørn, Ærlend og Ola Nordmann. 17031100123, tlf 912 34 567, Kari Fjell"
        let found = screen.findings(in: text)
        #expect(Set(found.map(\.kind)) == Set(PersonalDataFinding.Kind.allCases))
        for finding in found {
            let matched = String(text[finding.range]).lowercased()
            for rendering in [finding.fieldSafeDescription, "\(finding)", String(reflecting: finding)] {
                #expect(!rendering.lowercased().contains(matched))
                #expect(!rendering.contains { $0.isNumber })
                for name in Self.names {
                    #expect(!rendering.lowercased().contains(name.lowercased()))
                }
            }
        }
        #expect(Set(found.map(\.fieldSafeDescription)).count == PersonalDataFinding.Kind.allCases.count)
        let index = FullNameIndex(names: Self.names)
        for rendering in ["\(screen)", String(reflecting: screen), IdentityTestNumbers.dumped(screen),
                          "\(index)", String(reflecting: index), IdentityTestNumbers.dumped(index)] {
            for name in Self.names {
                #expect(!rendering.lowercased().contains(name.lowercased()))
            }
        }
    }

    @Test("5 kB against 500 names")
    func speed() {
        let names = syntheticNames(500)
        let screen = PersonalDataScreen(knownNames: names)
        let paragraph = """
            Barnet har vært i kontakt med helsesykepleier flere ganger dette halvåret. \
            Foreldrene opplyser at det har vært uro hjemme, og skolen melder om fravær. \
            Det er avtalt et nytt møte med PPT og barnevernet 14.03.2025 kl. 09.00, \
            tlf 22 33 44 55. Ærlig talt er situasjonen uoversiktlig. \(names[17]) ble nevnt. \
            Saken gjelder en gutt født 01.02.2015 med fnr 010215 12345.\n
            """
        var text = ""
        while text.utf8.count < 5_000 { text += paragraph }
        let found = screen.findings(in: text)
        #expect(found.contains { $0.kind == .knownName })
        #expect(found.contains { $0.kind == .elevenDigitNumber })
        #expect(found.contains { $0.kind == .dateOfBirthLike })

        let clock = ContinuousClock()
        var best = Duration.seconds(1_000)
        for _ in 0..<30 {
            let elapsed = clock.measure { _ = screen.findings(in: text) }
            best = min(best, elapsed)
        }
        // Speed is reported, never asserted (benchmarks measure it; see README, "Benchmarks").
        print("PersonalDataScreen: \(text.utf8.count) bytes, \(names.count) names, best of 30: \(best)")
    }

    private func syntheticNames(_ count: Int) -> [String] {
        let first = ["Ka", "Ri", "Bjø", "Å", "Æ", "Li", "Ma", "To", "Si", "Ei", "Hå", "Jo", "Sø", "Gu"]
        let second = ["rn", "ne", "se", "var", "rit", "nja", "lend", "kon", "ril", "frid", "mund", "ve"]
        let last = ["sen", "stad", "heim", "vik", "dal", "bø", "rud", "haug"]
        var result: [String] = []
        var i = 0
        while result.count < count {
            let given = first[i % first.count] + second[(i / first.count) % second.count]
            if i % 3 == 0 {
                result.append(given + " " + first[(i / 7) % first.count] + last[i % last.count])
            } else {
                result.append(given)
            }
            i += 1
        }
        return result
    }
}
