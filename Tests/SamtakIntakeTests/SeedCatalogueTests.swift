import SamtakDomain
import SamtakIntake
import Testing

/// The arena catalogue (`SeedArena.all`) held against the five municipal documents in
/// `shared/seeds/`: every meeting arena a document names is in the catalogue, with its rhythm,
/// participants and owner, and the catalogue holds nothing the documents do not name. Pure:
/// no database, no broker.
@Suite("The arena catalogue against the five seeds")
struct SeedCatalogueTests {
    enum Rhythm: Sendable {
        /// A series: an RFC 5545 rule and a start on one of its dates.
        case series
        /// No rhythm ("etter behov", "ikke avklart"): an organiser calls a meeting when needed.
        case calledAsNeeded
        /// A meeting around one child, called per case with the people invited to it.
        case perChild
    }

    struct Named: Sendable, CustomStringConvertible {
        var document: String
        var wording: String
        var arena: String
        var rhythm: Rhythm
        var description: String { "\(document): \(wording)" }
    }

    /// Each arena as the documents word it, the document, and the catalogue's arena.
    static let named: [Named] = [
        // 000: the municipality's own list of meeting arenas.
        Named(document: "000", wording: "Samarbeidsmøte – Skolefravær/ og eller vegring", arena: "Samarbeidsmøte – skolefravær og/eller vegring", rhythm: .perChild),
        Named(document: "000", wording: "Relasjonskartlegging – Skole", arena: "Relasjonskartlegging – skole", rhythm: .series),
        Named(document: "000", wording: "Klassegjennomgang", arena: "Klassegjennomgang", rhythm: .series),
        Named(document: "000", wording: "Ped. team – Skole", arena: "Ped. team – skole", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og Barnas Stasjon", arena: "Samarbeidsmøte – helsestasjon og Barnas stasjon", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og frisklivsentralen", arena: "Samarbeidsmøte – helsestasjon og frisklivssentralen", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og skole", arena: "Samarbeidsmøte – helsestasjon og skole", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og barnehagestyrere", arena: "Samarbeidsmøte – helsestasjon og barnehagestyrere", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og frivilligsentralen", arena: "Samarbeidsmøte – helsestasjon og frivilligsentralen", rhythm: .series),
        Named(document: "000", wording: "Samarbeidsmøte – Helsestasjon og tannhelsetjenesten", arena: "Samarbeidsmøte – helsestasjon og tannhelsetjenesten", rhythm: .series),
        Named(document: "000", wording: "Tildelingsmøter – Forvaltning og Habilitering", arena: "Tildelingsmøte – forvaltning og habilitering", rhythm: .series),
        Named(document: "000", wording: "Lokalt politiråd/ SLT styringsgruppe", arena: "Lokalt politiråd / SLT styringsgruppe", rhythm: .series),
        Named(document: "000", wording: "Rekom – Nettverkssamlinger, planleggingsdager", arena: "Rekom – nettverkssamlinger", rhythm: .series),
        Named(document: "000", wording: "Foreldremøte – Barnehage", arena: "Foreldremøte – barnehage", rhythm: .series),
        Named(document: "000", wording: "Styrermøte – Barnehage", arena: "Styrermøte – barnehage", rhythm: .series),
        Named(document: "000", wording: "Tverrfaglig Team – Barn og unge", arena: "Tverrfaglig team – barn og unge", rhythm: .series),
        Named(document: "000", wording: "Pedagogisk team – Barnehage", arena: "Pedagogisk team – barnehage", rhythm: .series),
        // 001 and 002: the fixed cooperation meetings.
        Named(document: "001", wording: "Ressursgruppemøter \"Vi bryr oss\"", arena: "Ressursgruppemøter «Vi bryr oss»", rhythm: .series),
        Named(document: "001", wording: "Ressursteam i skole", arena: "Ressursteam – Nordby barneskole", rhythm: .series),
        Named(document: "001", wording: "Ressursteam i barnehage", arena: "Ressursteam – Solsikken barnehage", rhythm: .series),
        Named(document: "001", wording: "Samarbeidsmøter om enkeltbarn", arena: "Samarbeidsmøte om enkeltbarn", rhythm: .perChild),
        Named(document: "001", wording: "Ansvarsgruppe", arena: "Ansvarsgruppe", rhythm: .perChild),
        Named(document: "001", wording: "SLT - møter/kriminalitetsforebyggende møter", arena: "SLT-møte (kriminalitetsforebyggende)", rhythm: .series),
        Named(document: "002", wording: "Ressursteam", arena: "Ressursteam – Nordby barneskole", rhythm: .series),
        Named(document: "002", wording: "Samarbeidsmøter", arena: "Samarbeidsmøte om enkeltbarn", rhythm: .perChild),
        Named(document: "002", wording: "Ansvarsgruppemøter", arena: "Ansvarsgruppe", rhythm: .perChild),
        // 003: the overview of arenas for interdisciplinary discussion.
        Named(document: "003", wording: "Drøftingsteam barnehage", arena: "Drøftingsteam barnehage", rhythm: .series),
        Named(document: "003", wording: "Samarbeidsavtale mellom barnehage – barnevern", arena: "Samarbeidsmøte – barnehage og barneverntjenesten", rhythm: .series),
        Named(document: "003", wording: "Samarbeidsavtale mellom barnehage og helsestasjon (barnehagesjefen på et helsestasjonsmøte)", arena: "Helsestasjonsmøte med barnehagesjefen", rhythm: .series),
        Named(document: "003", wording: "Samarbeidsavtale mellom barnehage og helsestasjon (ledende helsesøster på et styrermøte)", arena: "Styrermøte med ledende helsesykepleier", rhythm: .series),
        Named(document: "003", wording: "Ressursteam skole", arena: "Ressursteam – Nordby barneskole", rhythm: .series),
        Named(document: "003", wording: "Overføringsmøter barnehage –skole", arena: "Overføringsmøte barnehage – skole", rhythm: .calledAsNeeded),
        Named(document: "003", wording: "Overføringsmøte barneskole- ungdomsskole", arena: "Overføringsmøte barneskole – ungdomsskole", rhythm: .calledAsNeeded),
        Named(document: "003", wording: "Overføringsmøte ungdomsskole- videregående skole", arena: "Overføringsmøte ungdomsskole – videregående skole", rhythm: .calledAsNeeded),
        Named(document: "003", wording: "Beredskap mot mobbing", arena: "Beredskap mot mobbing – team rundt eleven", rhythm: .perChild),
        Named(document: "003", wording: "Systematisk identifikasjon og oppfølging av utsatte barn og unge: arbeidsgruppen", arena: "Bufdir-prosjektet – arbeidsgruppe", rhythm: .series),
        Named(document: "003", wording: "Systematisk identifikasjon og oppfølging av utsatte barn og unge: styringsgruppen", arena: "Bufdir-prosjektet – styringsgruppe", rhythm: .calledAsNeeded),
        Named(document: "003", wording: "Nettverk for språk og atferd", arena: "Nettverk for språk og atferd", rhythm: .series),
        Named(document: "003", wording: "Arbeidsgruppe mot vold i nære relasjoner", arena: "Arbeidsgruppe mot vold i nære relasjoner", rhythm: .calledAsNeeded),
        Named(document: "003", wording: "Rusteam for de under 18 år", arena: "Rusteam for de under 18 år", rhythm: .series),
        Named(document: "003", wording: "Rehab – rusteamet deltar en gang i året", arena: "Rusteam med Rehab-rusteamet", rhythm: .series),
        Named(document: "003", wording: "Hjelpetjenesten for barn og unge", arena: "Hjelpetjenesten for barn og unge", rhythm: .series),
        Named(document: "003", wording: "Beslutningsteam for barn og unge", arena: "Beslutningsteam for barn og unge", rhythm: .series),
        Named(document: "003", wording: "Ansvarsgruppe og koordinator", arena: "Ansvarsgruppe", rhythm: .perChild),
        Named(document: "003", wording: "Helsestasjon og barneverntjenesten", arena: "Samarbeidsmøte – helsestasjon og barneverntjenesten", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og PPT", arena: "Samarbeidsmøte – helsestasjon og PPT", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og hjemmetjenesten", arena: "Samarbeidsmøte – helsestasjon og hjemmetjenesten", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og kommuneoverlegen, samt fastlegene", arena: "Samarbeidsmøte – helsestasjon, kommuneoverlegen og fastlegene", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og rehab (og psykisk helsetjeneste+ fysio)", arena: "Samarbeidsmøte – helsestasjon og rehab", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og KISIF", arena: "Samarbeidsmøte – helsestasjon og KISIF", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon/Barnevern og Nav", arena: "Samarbeidsmøte – helsestasjon, barneverntjenesten og NAV", rhythm: .series),
        Named(document: "003", wording: "Helsestasjon og skolene", arena: "Samarbeidsmøte – helsestasjon og skole", rhythm: .series),
        Named(document: "003", wording: "Barnevern og Barnehage", arena: "Samarbeidsmøte – barnehage og barneverntjenesten", rhythm: .series),
        Named(document: "003", wording: "Nav og psykisk helsetjeneste", arena: "Samarbeidsmøte – NAV og psykisk helsetjeneste", rhythm: .series),
        Named(document: "003", wording: "Kommunen og BUP: regelmessige samarbeidsmøter", arena: "Samarbeidsmøte – kommunen og BUP", rhythm: .series),
        Named(document: "003", wording: "Kommunen og BUP: lokalt inntaksmøte hver uke", arena: "Lokalt inntaksmøte BUP", rhythm: .series),
        Named(document: "003", wording: "Sykehuset Østfold", arena: "Samarbeidsmøte – kommunen og sykehuset", rhythm: .series),
        Named(document: "003", wording: "Helsesykepleiertjenesten og tannhelsetjenesten", arena: "Samarbeidsmøte – helsestasjon og tannhelsetjenesten", rhythm: .series),
        Named(document: "003", wording: "Helsesykepleier/Barneverntjenesten og Politi", arena: "Samarbeidsmøte – helsesykepleier, barneverntjenesten og politiet", rhythm: .series),
        Named(document: "003", wording: "NAV og oppfølgingstjenesten: hvert semester", arena: "Samarbeidsmøte – NAV og oppfølgingstjenesten", rhythm: .series),
        Named(document: "003", wording: "NAV og oppfølgingstjenesten: kontorplass på NAV en gang pr. mnd.", arena: "Oppfølgingstjenestens kontordag på NAV", rhythm: .series),
        // 004: cooperation at the individual level.
        Named(document: "004", wording: "Samarbeidsmøter med foresatte og eventuell deltagelse fra andre instanser (skole)", arena: "Samarbeidsmøte med foresatte – skole", rhythm: .perChild),
        Named(document: "004", wording: "Samarbeid med foresatte og eventuell deltagelse fra andre instanser (barnehage)", arena: "Samarbeidsmøte med foresatte – barnehage", rhythm: .perChild),
        Named(document: "004", wording: "Ansvarsgruppemøter", arena: "Ansvarsgruppe", rhythm: .perChild),
    ]

    static func arena(_ name: String) -> SeedArena? { SeedArena.all.first { $0.name == name } }

    /// Whether someone in the seeded world holds `role` in `unit` (so an invitation reaches a person).
    static func staffed(_ unit: SeedUnit, _ role: Role) -> Bool { SeedWorld.people.contains { $0.0 == unit && $0.1 == role } }

    @Test("every arena the documents name is in the catalogue with its rhythm, participants and owner", arguments: named)
    func namedArena(_ named: Named) throws {
        let arena = try #require(Self.arena(named.arena), "no arena \(named.arena) for \(named)")
        #expect(arena.source.contains(named.document), "the arena does not cite document \(named.document)")
        #expect(!arena.frequencyText.isEmpty && !arena.purpose.isEmpty && !arena.targetGroup.isEmpty)
        let ownerRole = try #require(arena.ownerRole)
        #expect(Self.staffed(arena.owner, ownerRole), "nobody in \(arena.owner) is \(ownerRole)")
        switch named.rhythm {
        case .series:
            let text = try #require(arena.rrule)
            let startText = try #require(arena.start)
            let rule = try RecurrenceRule(parsing: text)
            let start = try #require(LocalDateTime(startText))
            #expect(rule.matches(start.date, start: start), "the series does not start on one of its own dates")
            #expect(rule.firstDates(start: start, limit: 2).count == 2)
            #expect(!arena.kind.isPerChild)
        case .calledAsNeeded:
            #expect(arena.rrule == nil && arena.start == nil)
            #expect(!arena.kind.isPerChild)
        case .perChild:
            #expect(arena.kind.isPerChild && arena.rrule == nil)
            #expect(arena.accepts == [.named])
        }
        if !arena.kind.isPerChild {
            #expect(!arena.participants.isEmpty, "a standing arena needs participants")
        }
        for (unit, role, _) in arena.participants {
            #expect(Self.staffed(unit, role), "nobody in \(unit) is \(role)")
        }
    }

    @Test("the catalogue holds only arenas the documents name, each once")
    func nothingInvented() {
        let names = SeedArena.all.map(\.name)
        #expect(Set(names).count == names.count)
        let cited = Set(Self.named.map(\.arena))
        #expect(Set(names).subtracting(cited).isEmpty)
        for document in ["000", "001", "002", "003", "004"] {
            #expect(Self.named.contains { $0.document == document })
        }
    }

    @Test("participant lists as the documents give them")
    func participants() throws {
        func roles(_ name: String) throws -> Set<String> {
            Set(try #require(Self.arena(name)).participants.map { "\($0.0).\($0.1)" })
        }
        // "Leder helsestasjon, kontaktperson hspl, jordmor, rep barnas stasjon"
        #expect(try roles("Samarbeidsmøte – helsestasjon og Barnas stasjon")
            == ["healthStation.unitLeader", "healthStation.schoolNurse", "healthStation.clinician", "childrensStation.advisor"])
        #expect(SeedWorld.people.contains { $0.0 == .healthStation && $0.1 == .clinician && $0.3 == "jordmor" })
        // The frisklivssentral, not the frivilligsentral.
        let friskliv = try roles("Samarbeidsmøte – helsestasjon og frisklivssentralen")
        #expect(friskliv.contains("healthyLifeCentre.advisor") && !friskliv.contains { $0.hasPrefix("volunteerCentre.") })
        // "Kommuneoverlegen, BUP og ledere av helsestasjonen, barnevernet, PPT og enhet for søknad og samhandling"
        #expect(try roles("Beslutningsteam for barn og unge").isSuperset(of: ["municipalDoctor.clinician", "bup.clinician", "healthStation.unitLeader",
                                                                             "childWelfare.unitLeader", "ppt.unitLeader", "municipality.coordinator"]))
        // The leaders of school, kindergarten, habilitation, culture, health station and mental health; PPT; child welfare.
        #expect(try roles("Tverrfaglig team – barn og unge").isSuperset(of: [
            "school.unitLeader", "kindergarten.unitLeader", "habilitation.unitLeader", "culture.unitLeader", "healthStation.unitLeader",
            "mentalHealth.unitLeader", "ppt.unitLeader", "childWelfare.unitLeader", "municipality.secretary", "municipality.coordinator",
        ]))
        // Helsesykepleier, familieterapeut, PPT, rådgiver for barnehage- og skolemiljø, kommunepsykolog, ungdomslos,
        // barnevernspedagog i skolen, barnevernspedagog i barneverntjenesten.
        #expect(try roles("Hjelpetjenesten for barn og unge") == [
            "healthStation.schoolNurse", "healthStation.advisor", "ppt.advisor", "schoolOffice.advisor", "municipalPsychologist.clinician",
            "schoolOffice.coordinator", "schoolOffice.caseworker", "childWelfare.caseworker",
        ])
        // Politiet, fagleder i barnevernet, familieveileder, helsesykepleiere; Rehab-rusteamet once a year.
        let rusteam = try roles("Rusteam for de under 18 år")
        #expect(rusteam == ["police.advisor", "childWelfare.unitLeader", "childWelfare.advisor", "healthStation.schoolNurse"])
        #expect(try roles("Rusteam med Rehab-rusteamet") == rusteam.union(["mentalHealth.advisor"]))
        let rehab = try #require(Self.arena("Rusteam med Rehab-rusteamet"))
        #expect(rehab.rrule?.hasPrefix("FREQ=YEARLY") == true)
        // The working group against violence: fagleder barnevern (leads), ledende helsesykepleier, hjemmetjenesten,
        // skolefaglig rådgiver, fagleder rustjenesten.
        #expect(try roles("Arbeidsgruppe mot vold i nære relasjoner") == [
            "childWelfare.unitLeader", "healthStation.unitLeader", "homeServices.unitLeader", "schoolOffice.unitLeader", "mentalHealth.unitLeader",
        ])
        let violence = try #require(Self.arena("Arbeidsgruppe mot vold i nære relasjoner"))
        #expect(violence.owner == .childWelfare)
        // Four gatherings a year.
        let network = try #require(Self.arena("Nettverk for språk og atferd"))
        let text = try #require(network.rrule)
        let startText = try #require(network.start)
        let rule = try RecurrenceRule(parsing: text)
        let start = try #require(LocalDateTime(startText))
        #expect(rule.dates(start: start, from: start.date, through: start.date.adding(days: 364)).count == 4)
        // Bullying: the school's formal responsibility lies with the rektor.
        let bullying = try #require(Self.arena("Beredskap mot mobbing – team rundt eleven"))
        #expect(bullying.owner == .school && bullying.ownerRole == .unitLeader)
    }

    @Test("every unit of the seeded world has someone in it, and the new services have bokmål names")
    func units() {
        for unit in SeedUnit.allCases where unit != .municipality {
            #expect(SeedWorld.people.contains { $0.0 == unit }, "nobody works in \(unit)")
        }
        for service in [ServiceKind.mentalHealth, .homeServices, .hospital, .followUpService] {
            #expect(service.norwegianName != ServiceKind.other.norwegianName)
        }
    }
}
