import Foundation
import SamtakDomain

/// The meeting arenas of the municipal documents in `shared/seeds/`, in their own form
/// (target group, purpose, frequency, participants, owner), as data. The demo municipality
/// and the tests register them through the API. A rhythm the documents give loosely
/// ("ca 2 ganger i året") gets a concrete rule a coordinator would choose.
public struct SeedArena: Sendable {
    public var name: String
    public var kind: ArenaKind
    /// Key of the owning unit in a ``SeedUnits`` world.
    public var owner: SeedUnit
    public var ownerRole: Role?
    public var targetGroup: String
    public var purpose: String
    public var frequencyText: String
    public var rrule: String?
    public var start: String?
    public var durationMinutes: Int = 90
    public var location: String = ""
    public var capacity: Int = 8
    public var minutesPerCase: Int = 15
    public var submissionDeadlineHours: Int = 168
    public var agendaLeadHours: Int = 72
    public var cancelWhenEmpty: Bool = false
    public var holidayPolicy: String = "move"
    public var skipSchoolHolidays: Bool = false
    public var deliveryMode: DeliveryMode = .notice
    public var accepts: [CaseKind] = [.system]
    public var youngPersonConsentAge: Int?
    public var participants: [(SeedUnit, Role, presence: String)]
    /// Which seed document describes it.
    public var source: String
}

/// The units a seeded world has; each arena names its owner and participants by these.
public enum SeedUnit: String, Sendable, CaseIterable {
    case municipality, school, lowerSecondary, upperSecondary, kindergarten, healthStation, ppt, childWelfare, bup, nav
    case habilitation, dentalHealth, police, culture, municipalPsychologist, refugeeService, learningCentre, volunteerCentre
    case schoolOffice, childrensStation, healthyLifeCentre, homeServices, mentalHealth, rehabilitation, municipalDoctor
    case generalPractitioners, kisif, hospital, followUpService
    /// The SFO of Nordby barneskole (its `parent_id`): its leader is invited to transition meetings (issue 16).
    case sfo

    public var name: String {
        switch self {
        case .municipality: "Nordby kommune"
        case .school: "Nordby barneskole"
        case .lowerSecondary: "Nordby ungdomsskole"
        case .upperSecondary: "Nordby videregående skole"
        case .kindergarten: "Solsikken barnehage"
        case .healthStation: "Helsestasjonen i Nordby"
        case .ppt: "PPT Nordby"
        case .childWelfare: "Barneverntjenesten i Nordby"
        case .bup: "BUP Nordby"
        case .nav: "NAV Nordby"
        case .habilitation: "Habiliteringstjenesten"
        case .dentalHealth: "Tannhelsetjenesten"
        case .police: "Nordby politistasjon"
        case .culture: "Kultur og fritid"
        case .municipalPsychologist: "Kommunepsykologen"
        case .refugeeService: "Flyktningtjenesten"
        case .learningCentre: "Pedagogisk senter"
        case .volunteerCentre: "Frivilligsentralen"
        case .schoolOffice: "Skolekontoret"
        case .childrensStation: "Barnas stasjon"
        case .healthyLifeCentre: "Frisklivssentralen"
        case .homeServices: "Hjemmetjenesten"
        case .mentalHealth: "Psykisk helse- og rustjenesten"
        case .rehabilitation: "Rehabiliteringstjenesten (psykisk helse og fysioterapi)"
        case .municipalDoctor: "Kommuneoverlegen"
        case .generalPractitioners: "Fastlegene i Nordby"
        case .kisif: "KISIF (kvalifisering av innvandrere og flyktninger)"
        case .hospital: "Sykehuset"
        case .followUpService: "Oppfølgingstjenesten"
        case .sfo: "Nordby barneskole SFO"
        }
    }

    public var service: ServiceKind {
        switch self {
        case .municipality: .municipalAdministration
        case .school, .lowerSecondary, .upperSecondary: .school
        case .kindergarten: .kindergarten
        case .healthStation: .healthStation
        case .ppt: .ppt
        case .childWelfare: .childWelfare
        case .bup: .bup
        case .nav: .nav
        case .habilitation: .habilitation
        case .dentalHealth: .dentalHealth
        case .police: .police
        case .culture: .culture
        case .municipalPsychologist: .municipalPsychologist
        case .refugeeService: .refugeeService
        case .learningCentre, .volunteerCentre, .childrensStation, .healthyLifeCentre: .other
        case .schoolOffice, .municipalDoctor: .municipalAdministration
        case .homeServices: .homeServices
        case .mentalHealth: .mentalHealth
        case .rehabilitation: .physiotherapy
        case .generalPractitioners: .generalPractitioner
        case .kisif: .refugeeService
        case .hospital: .hospital
        case .followUpService: .followUpService
        case .sfo: .sfo
        }
    }
}

extension SeedArena {
    /// Every arena of seed 000, and the ressursteam, BUP intake, beslutningsteam,
    /// hjelpetjenesten, ansvarsgruppe, samarbeidsmøte, transition and SLT arenas of seeds
    /// 001–004; the system-level agreements, groups and networks of seed 003; and the
    /// meetings a school or kindergarten calls with a family (seed 004). An arena the
    /// documents give no rhythm ("etter behov", "ikke avklart") has none: it is called as
    /// needed. A fixed pair the documents name without a rhythm gets twice a year.
    public static let all: [SeedArena] = seed000 + others + systemLevel + withFamilies

    static let seed000: [SeedArena] = [
        SeedArena(name: "Samarbeidsmøte – skolefravær og/eller vegring", kind: .samarbeidsmote, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Fravær og/eller skolevegring", purpose: "Hjelpe og få eleven mer på skolen", frequencyText: "Etter behov",
                  rrule: nil, start: nil, accepts: [.named],
                  // "helsesykepleier (med samtykke)": the nurse joins only where a consent names the health station.
                  participants: [(.healthStation, .schoolNurse, "with_consent"), (.school, .socialTeacher, "always")], source: "000"),
        SeedArena(name: "Relasjonskartlegging – skole", kind: .relasjonskartlegging, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Alle elever på skolen",
                  purpose: "Å bevisstgjøre alle ansatte på skolen på hvem de bør jobbe mer med for å trygge eleven",
                  frequencyText: "1–2 ganger pr. år", rrule: "FREQ=YEARLY;BYMONTH=10,3;BYDAY=2WE", start: "2026-10-14T14:00",
                  durationMinutes: 120, skipSchoolHolidays: true,
                  participants: [(.school, .unitLeader, "always"), (.school, .teacher, "always"), (.school, .socialTeacher, "always")], source: "000"),
        SeedArena(name: "Klassegjennomgang", kind: .klassegjennomgang, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Alle elever på skolen", purpose: "Få kjennskap til elever som trenger ekstra tiltak på et tidlig tidspunkt",
                  frequencyText: "2 ganger pr. år", rrule: "FREQ=YEARLY;BYMONTH=9,1;BYDAY=3TH", start: "2026-09-17T13:00",
                  skipSchoolHolidays: true, accepts: [.anonymous, .system],
                  participants: [(.school, .advisor, "always"), (.school, .teacher, "always"), (.school, .unitLeader, "always")], source: "000"),
        SeedArena(name: "Ped. team – skole", kind: .pedagogiskTeam, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Alle elever på skolen",
                  purpose: "Gjennomgang av prøveresultater og elever med sosiale problemer for å finne riktige tiltak og evt. henvise",
                  frequencyText: "2 ganger pr. mnd", rrule: "FREQ=MONTHLY;BYDAY=1TH,3TH", start: "2026-08-20T14:00",
                  skipSchoolHolidays: true, accepts: [.anonymous, .system],
                  participants: [(.school, .unitLeader, "always"), (.ppt, .advisor, "always"), (.healthStation, .schoolNurse, "always")], source: "000"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og Barnas stasjon", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjon, Barnas stasjon", purpose: "Planlegge felles kurs/samarbeid", frequencyText: "Ca 2 ganger i året",
                  rrule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=2MO", start: "2026-10-12T10:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.healthStation, .schoolNurse, "always"), (.healthStation, .clinician, "always"),
                                 (.childrensStation, .advisor, "always")], source: "000"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og frisklivssentralen", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjon og frisklivssentralen", purpose: "Planlegge tema for undervisning i skole og eventuelle kurs etter behov",
                  frequencyText: "2–4 ganger i året", rrule: "FREQ=MONTHLY;INTERVAL=4;BYDAY=1WE", start: "2026-09-02T12:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.healthyLifeCentre, .advisor, "always")], source: "000"),
        // Rektor and inspektør are the school's leadership: both hold the unit_leader role.
        SeedArena(name: "Samarbeidsmøte – helsestasjon og skole", kind: .systemCollaboration, owner: .healthStation, ownerRole: .schoolNurse,
                  targetGroup: "Rektor, inspektør, sosiallærer, helsesykepleier", purpose: "Gjennomgang årshjul, planlegging av tema, psykososialt miljø",
                  frequencyText: "Fast 2 ganger i året, ellers etter behov", rrule: "FREQ=YEARLY;BYMONTH=9,2;BYDAY=1TU", start: "2026-09-01T13:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.school, .unitLeader, "always"), (.school, .socialTeacher, "always")],
                  source: "000, 003 (helsestasjon og skolene)"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og barnehagestyrere", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjon og barnehagestyrere", purpose: "Gjennomgang og utveksling i forhold til fag og erfaring, felles tema",
                  frequencyText: "Ca 4 ganger i året", rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH", start: "2026-09-10T09:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.kindergarten, .unitLeader, "always")], source: "000"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og frivilligsentralen", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Ansatte i helsestasjonstjenesten og frivilligsentralen", purpose: "Samarbeid om tiltak for barn, unge og familier",
                  frequencyText: "Ca 2 ganger i året", rrule: "FREQ=YEARLY;BYMONTH=4,11;BYDAY=1TH", start: "2026-11-05T10:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.volunteerCentre, .unitLeader, "always")], source: "000"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og tannhelsetjenesten", kind: .systemCollaboration, owner: .dentalHealth, ownerRole: .unitLeader,
                  targetGroup: "Ansatte i helsestasjon og tannhelsetjenesten", purpose: "Gjennomgang av rutiner, felles forståelse og oppdatering av retningslinjer",
                  frequencyText: "2–3 ganger i året", rrule: "FREQ=MONTHLY;INTERVAL=4;BYDAY=2TU", start: "2026-09-08T14:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.dentalHealth, .clinician, "always")],
                  source: "000, 003 (helsesykepleiertjenesten og tannhelsetjenesten)"),
        SeedArena(name: "Tildelingsmøte – forvaltning og habilitering", kind: .tildelingsmote, owner: .municipality, ownerRole: .caseworker,
                  targetGroup: "Foreldre som har søkt om avlastning og lignende", purpose: "Kartlegging, tildeling og avslag på søknader",
                  frequencyText: "1 gang pr. uke", rrule: "FREQ=WEEKLY;BYDAY=TH", start: "2026-08-20T09:00", durationMinutes: 60,
                  capacity: 12, submissionDeadlineHours: 48, agendaLeadHours: 24, accepts: [.named, .system],
                  participants: [(.habilitation, .unitLeader, "always"), (.municipality, .caseworker, "always")], source: "000"),
        SeedArena(name: "Lokalt politiråd / SLT styringsgruppe", kind: .slt, owner: .municipality, ownerRole: .secretary,
                  targetGroup: "Øverste ledelse i kommunen og politiet",
                  purpose: "Felles forståelse av kriminalitetsbildet og samarbeid om målrettede rus- og kriminalitetsforebyggende tiltak",
                  frequencyText: "To møter i året (eventuelt flere ved behov)", rrule: "FREQ=YEARLY;BYMONTH=4,10;BYDAY=3TH", start: "2026-10-15T12:00",
                  participants: [(.municipality, .unitLeader, "always"), (.police, .unitLeader, "always"), (.municipality, .secretary, "always")], source: "000"),
        SeedArena(name: "Rekom – nettverkssamlinger", kind: .network, owner: .learningCentre, ownerRole: .unitLeader,
                  targetGroup: "Ansatte i barnehage", purpose: "Kompetanseheving av ansatte", frequencyText: "Ca 4–6 ganger i året",
                  rrule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE", start: "2026-09-09T08:30", durationMinutes: 240,
                  participants: [(.kindergarten, .teacher, "always"), (.learningCentre, .advisor, "always")], source: "000"),
        SeedArena(name: "Foreldremøte – barnehage", kind: .network, owner: .kindergarten, ownerRole: .unitLeader,
                  targetGroup: "Alle foreldre", purpose: "Informasjon, samarbeid", frequencyText: "1–2 ganger i året",
                  rrule: "FREQ=YEARLY;BYMONTH=9,3;BYDAY=2TU", start: "2026-09-08T18:00",
                  participants: [(.kindergarten, .unitLeader, "always"), (.kindergarten, .teacher, "always")], source: "000"),
        SeedArena(name: "Styrermøte – barnehage", kind: .network, owner: .municipality, ownerRole: .unitLeader,
                  targetGroup: "Kommunale og private styrere i barnehage", purpose: "Samhandling, informasjon", frequencyText: "1 gang pr. måned",
                  rrule: "FREQ=MONTHLY;BYDAY=1MO", start: "2026-09-07T12:00",
                  participants: [(.kindergarten, .unitLeader, "always"), (.municipality, .unitLeader, "always")], source: "000"),
        SeedArena(name: "Tverrfaglig team – barn og unge", kind: .tverrfagligTeam, owner: .municipality, ownerRole: .unitLeader,
                  targetGroup: "Kommunens barn, unge og familier",
                  purpose: "Kommunens overordnede tverrfaglige team: oppfølging av det tverrfaglige arbeidet og barnevernsreformen",
                  frequencyText: "Månedlig og hyppigere ved behov", rrule: "FREQ=MONTHLY;BYDAY=2TH", start: "2026-09-10T13:00",
                  accepts: [.anonymous, .system],
                  participants: [(.municipality, .unitLeader, "always"), (.ppt, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"),
                                 (.healthStation, .unitLeader, "always"), (.school, .unitLeader, "always"), (.kindergarten, .unitLeader, "always"),
                                 (.habilitation, .unitLeader, "always"), (.culture, .unitLeader, "always"), (.mentalHealth, .unitLeader, "always"),
                                 (.municipality, .advisor, "always"), (.municipality, .coordinator, "always"), (.municipality, .secretary, "always")],
                  source: "000"),
        SeedArena(name: "Pedagogisk team – barnehage", kind: .pedagogiskTeam, owner: .kindergarten, ownerRole: .unitLeader,
                  targetGroup: "Styrere, pedagoger; barn en undrer seg over med behov for ekstra stimulering",
                  purpose: "Samhandlingstiltak, felles mål, kollegaveiledning, refleksjon og systemarbeid",
                  frequencyText: "1 gang pr. mnd", rrule: "FREQ=MONTHLY;BYDAY=3WE", start: "2026-08-19T13:00", accepts: [.anonymous, .system],
                  participants: [(.ppt, .advisor, "always"), (.healthStation, .schoolNurse, "always"), (.kindergarten, .unitLeader, "always")], source: "000"),
    ]

    static let others: [SeedArena] = [
        SeedArena(name: "Ressursteam – Nordby barneskole", kind: .ressursteam, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Elever ved skolen: saker på systemnivå og individnivå",
                  purpose: "Tidlig innsats og god tilrettelegging; drøfte enkeltelever (anonymt eller med navn etter samtykke) og avgjøre henvisning til PPT",
                  frequencyText: "1 gang i måneden", rrule: "FREQ=MONTHLY;BYDAY=1TU", start: "2026-09-01T14:00", durationMinutes: 120,
                  capacity: 6, minutesPerCase: 20, submissionDeadlineHours: 168, agendaLeadHours: 72, skipSchoolHolidays: true,
                  deliveryMode: .notice, accepts: [.named, .anonymous, .system],
                  participants: [(.school, .unitLeader, "always"), (.school, .specialNeedsCoordinator, "always"),
                                 (.healthStation, .schoolNurse, "always"), (.ppt, .advisor, "always")], source: "001, 002, 003"),
        SeedArena(name: "Ressursteam – Solsikken barnehage", kind: .ressursteam, owner: .kindergarten, ownerRole: .unitLeader,
                  targetGroup: "Barn i barnehagen: saker på systemnivå og individnivå", purpose: "Drøfte saker og koordinere videre oppfølging",
                  frequencyText: "1 gang i måneden", rrule: "FREQ=MONTHLY;BYDAY=2WE", start: "2026-08-12T12:30", capacity: 5,
                  accepts: [.named, .anonymous, .system],
                  participants: [(.kindergarten, .unitLeader, "always"), (.healthStation, .schoolNurse, "always"), (.ppt, .advisor, "always")],
                  source: "001, 002"),
        SeedArena(name: "Lokalt inntaksmøte BUP", kind: .bupIntake, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Barn og unge henvist til BUP", purpose: "Kommunen bidrar med informasjon om de som er henvist og følger opp avslag",
                  frequencyText: "Hver uke", rrule: "FREQ=WEEKLY;BYDAY=WE", start: "2026-08-19T08:30", durationMinutes: 60, capacity: 20,
                  minutesPerCase: 5, submissionDeadlineHours: 24, agendaLeadHours: 18, deliveryMode: .notice, accepts: [.named], youngPersonConsentAge: 16,
                  participants: [(.ppt, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"), (.healthStation, .unitLeader, "always"),
                                 (.municipalPsychologist, .clinician, "always"), (.bup, .clinician, "always")], source: "003"),
        SeedArena(name: "Beslutningsteam for barn og unge", kind: .beslutningsteam, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Barn og unge i spesielt kompliserte og sammensatte saker",
                  purpose: "Sikre et samordnet tilbud og avklare tjenestenivået i kommunen", frequencyText: "Hver annen måned; avlyses uten saker",
                  rrule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH", start: "2026-09-10T12:00", capacity: 6, cancelWhenEmpty: true, accepts: [.named],
                  participants: [(.municipality, .coordinator, "always"), (.bup, .clinician, "always"), (.healthStation, .unitLeader, "always"),
                                 (.childWelfare, .unitLeader, "always"), (.ppt, .unitLeader, "always"), (.municipalDoctor, .clinician, "always")],
                  source: "003"),
        SeedArena(name: "Hjelpetjenesten for barn og unge", kind: .hjelpetjenesten, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Barn, unge og familier", purpose: "Særlig vanskelige saker, kompetanseheving og forebyggende tiltak på gruppe- og systemnivå",
                  frequencyText: "Hver femte uke", rrule: "FREQ=WEEKLY;INTERVAL=5;BYDAY=TU", start: "2026-08-25T12:00", accepts: [.anonymous, .system],
                  participants: [(.healthStation, .schoolNurse, "always"), (.healthStation, .advisor, "always"), (.ppt, .advisor, "always"),
                                 (.schoolOffice, .advisor, "always"), (.municipalPsychologist, .clinician, "always"),
                                 (.schoolOffice, .coordinator, "always"), (.schoolOffice, .caseworker, "always"),
                                 (.childWelfare, .caseworker, "always")], source: "003"),
        SeedArena(name: "Ansvarsgruppe", kind: .ansvarsgruppe, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Barn og unge med individuell plan, eller som tiltak i barneverntjenesten",
                  purpose: "Koordinerte tjenester gjennom god informasjonsflyt og forpliktende tverrfaglig samarbeid",
                  frequencyText: "Etter behov, planlegges med familien", rrule: nil, start: nil, deliveryMode: .notice, accepts: [.named],
                  participants: [], source: "001, 002, 003, 004"),
        SeedArena(name: "Samarbeidsmøte om enkeltbarn", kind: .samarbeidsmote, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Familier og hjelpere involvert i familien", purpose: "Koordinere tverrfaglig innsats; foreldre er med og bestemmer veien videre",
                  frequencyText: "Bestemmes individuelt", rrule: nil, start: nil, accepts: [.named], participants: [], source: "001, 002, 004"),
        SeedArena(name: "Overføringsmøte barnehage – skole", kind: .transition, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Barn som begynner på skolen", purpose: "Nødvendig informasjon og dokumentasjon overføres etter samtykke fra foresatte",
                  frequencyText: "Årlig, våren før skolestart", rrule: nil, start: nil, accepts: [.named],
                  participants: [(.kindergarten, .teacher, "always"), (.school, .teacher, "always"), (.ppt, .advisor, "individual_cases")], source: "003"),
        SeedArena(name: "Overføringsmøte barneskole – ungdomsskole", kind: .transition, owner: .lowerSecondary, ownerRole: .unitLeader,
                  targetGroup: "Elever som begynner på ungdomsskolen", purpose: "Dokumentasjon og informasjon overføres etter samtykke fra eleven/foresatte",
                  frequencyText: "Årlig", rrule: nil, start: nil, accepts: [.named],
                  participants: [(.school, .teacher, "always"), (.lowerSecondary, .unitLeader, "always"), (.ppt, .advisor, "individual_cases")], source: "003"),
        SeedArena(name: "Overføringsmøte ungdomsskole – videregående skole", kind: .transition, owner: .upperSecondary, ownerRole: .unitLeader,
                  targetGroup: "Elever som begynner på videregående", purpose: "Informasjon overføres etter samtykke; ny ansvarsgruppe etableres ved behov",
                  frequencyText: "Årlig", rrule: nil, start: nil, accepts: [.named],
                  participants: [(.lowerSecondary, .teacher, "always"), (.upperSecondary, .unitLeader, "always"), (.ppt, .advisor, "individual_cases")],
                  source: "003"),
        SeedArena(name: "SLT-møte (kriminalitetsforebyggende)", kind: .slt, owner: .municipality, ownerRole: .secretary,
                  targetGroup: "Ungdom i risiko", purpose: "Kriminalitetsforebyggende samarbeid", frequencyText: "4 ganger i året",
                  rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", start: "2026-09-08T09:00", accepts: [.anonymous, .system],
                  participants: [(.municipality, .secretary, "always"), (.police, .advisor, "always"), (.lowerSecondary, .unitLeader, "always")], source: "001"),
        SeedArena(name: "Drøftingsteam barnehage", kind: .droftingsteam, owner: .ppt, ownerRole: .unitLeader,
                  targetGroup: "Barnehager: problemstillinger, barnegrupper eller enkeltbarn",
                  purpose: "Tidlig innsats; rett hjelp til rett tid. Observasjon av barn eller barnegrupper med drøfting og tilbakemelding i barnehagen etterpå (enkeltbarn med samtykke fra foreldrene), eller reflekterende team",
                  frequencyText: "I snitt tre dager i måneden", rrule: "FREQ=MONTHLY;BYDAY=1WE,2WE,3WE", start: "2026-08-19T09:00",
                  accepts: [.named, .anonymous], participants: [(.ppt, .advisor, "always"), (.kindergarten, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Rusteam for de under 18 år", kind: .rusteam, owner: .childWelfare, ownerRole: .unitLeader,
                  targetGroup: "Ungdom under 18 år", purpose: "Faglige utfordringer og arbeidet med ungdom som ønsker å slutte å ruse seg",
                  frequencyText: "Ca. 2 ganger i halvåret", rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TH", start: "2026-09-03T13:00",
                  accepts: [.anonymous, .system],
                  participants: [(.police, .advisor, "always"), (.childWelfare, .unitLeader, "always"), (.childWelfare, .advisor, "always"),
                                 (.healthStation, .schoolNurse, "always")], source: "003"),
        SeedArena(name: "Ressursgruppemøter «Vi bryr oss»", kind: .network, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Ansatte som jobber med barn og unge", purpose: "Utvikle modellen og videreformidle kunnskap",
                  frequencyText: "8 ganger i året", rrule: "FREQ=MONTHLY;BYMONTH=1,2,3,4,9,10,11,12;BYDAY=2MO", start: "2026-09-14T13:00",
                  participants: [(.school, .teacher, "always"), (.kindergarten, .unitLeader, "always"), (.nav, .caseworker, "always"),
                                 (.childWelfare, .caseworker, "always"), (.ppt, .advisor, "always")], source: "001"),
    ]

    /// Seed 003's agreements, working groups, networks and the system-level pairs it lists.
    static let systemLevel: [SeedArena] = [
        SeedArena(name: "Samarbeidsmøte – barnehage og barneverntjenesten", kind: .systemCollaboration, owner: .childWelfare, ownerRole: .unitLeader,
                  targetGroup: "Barnehagene og barneverntjenesten",
                  purpose: "Samarbeidsrutiner, generelle problemstillinger, taushetsplikt, opplysningsrett og opplysningsplikt, som grunnlag for arbeidet i enkeltsaker",
                  frequencyText: "Årlige faste samarbeidsmøter", rrule: "FREQ=YEARLY;BYMONTH=10;BYDAY=3TU", start: "2026-10-20T13:00",
                  participants: [(.childWelfare, .unitLeader, "always"), (.childWelfare, .caseworker, "always"), (.kindergarten, .unitLeader, "always")], source: "003 (samarbeidsavtale barnehage–barnevern; barnevern og barnehage)"),
        SeedArena(name: "Helsestasjonsmøte med barnehagesjefen", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og barnehagesjefen",
                  purpose: "Samarbeidsavtale barnehage–helsestasjon: utveksle informasjon, tema etter ønske, felles rutiner og kunnskapsdeling",
                  frequencyText: "1 gang i året", rrule: "FREQ=YEARLY;BYMONTH=2;BYDAY=1TH", start: "2027-02-04T09:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.healthStation, .schoolNurse, "always"), (.municipality, .unitLeader, "always")], source: "003 (samarbeidsavtale barnehage–helsestasjon)"),
        SeedArena(name: "Styrermøte med ledende helsesykepleier", kind: .systemCollaboration, owner: .municipality, ownerRole: .unitLeader,
                  targetGroup: "Barnehagestyrerne og ledende helsesykepleier",
                  purpose: "Samarbeidsavtale barnehage–helsestasjon: utveksle informasjon, tema etter ønske, felles rutiner og kunnskapsdeling",
                  frequencyText: "1 gang i året", rrule: "FREQ=YEARLY;BYMONTH=11;BYDAY=1MO", start: "2026-11-02T14:00",
                  participants: [(.kindergarten, .unitLeader, "always"), (.municipality, .unitLeader, "always"), (.healthStation, .unitLeader, "always")], source: "003 (samarbeidsavtale barnehage–helsestasjon)"),
        SeedArena(name: "Bufdir-prosjektet – arbeidsgruppe", kind: .systemCollaboration, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Utsatte barn og unge på tvers av tjenester og nivåer",
                  purpose: "Systematisk identifikasjon og oppfølging av utsatte barn og unge; brukerrepresentanter inviteres til noen av møtene",
                  frequencyText: "1 gang i måneden", rrule: "FREQ=MONTHLY;BYDAY=3MO", start: "2026-09-21T12:00",
                  participants: [(.municipality, .coordinator, "always"), (.healthStation, .unitLeader, "always"), (.ppt, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"), (.schoolOffice, .unitLeader, "always"), (.nav, .caseworker, "always")], source: "003"),
        SeedArena(name: "Bufdir-prosjektet – styringsgruppe", kind: .systemCollaboration, owner: .municipality, ownerRole: .unitLeader,
                  targetGroup: "Prosjektet for utsatte barn og unge",
                  purpose: "Styre prosjektet for systematisk identifikasjon og oppfølging av utsatte barn og unge",
                  frequencyText: "Ikke avklart; kalles inn ved behov", rrule: nil, start: nil,
                  participants: [(.municipality, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"), (.healthStation, .unitLeader, "always"), (.schoolOffice, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Nettverk for språk og atferd", kind: .network, owner: .ppt, ownerRole: .unitLeader,
                  targetGroup: "Alle barnehagene i kommunen: to ressurspersoner fra hver barnehage, fortrinnsvis pedagogiske ledere",
                  purpose: "Styrke barnehagenes kompetanse om språk og atferd, så barn med forsinket språkutvikling, språkvansker eller atferdsvansker oppdages tidlig",
                  frequencyText: "Fire samlinger i året", rrule: "FREQ=YEARLY;BYMONTH=9,11,2,4;BYDAY=2TU", start: "2026-09-08T12:30", durationMinutes: 180,
                  participants: [(.kindergarten, .teacher, "always"), (.ppt, .advisor, "always"), (.ppt, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Arbeidsgruppe mot vold i nære relasjoner", kind: .systemCollaboration, owner: .childWelfare, ownerRole: .unitLeader,
                  targetGroup: "Kommunens tjenester og ansatte",
                  purpose: "Gode og klare rutiner for alle kommunens tjenester og kompetanse i å avdekke og forholde seg til vold i nære relasjoner; handlingsplan mot vold i nære relasjoner",
                  frequencyText: "Etter behov", rrule: nil, start: nil,
                  participants: [(.childWelfare, .unitLeader, "always"), (.healthStation, .unitLeader, "always"), (.homeServices, .unitLeader, "always"), (.schoolOffice, .unitLeader, "always"), (.mentalHealth, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og barneverntjenesten", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og barneverntjenesten",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=4TU", start: "2026-10-27T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.healthStation, .schoolNurse, "always"), (.childWelfare, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og PPT", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og PPT",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=2WE", start: "2026-10-14T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.ppt, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og hjemmetjenesten", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og hjemmetjenesten",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=3TH", start: "2026-10-15T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.homeServices, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon, kommuneoverlegen og fastlegene", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen, kommuneoverlegen og fastlegene",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=4,11;BYDAY=1TH", start: "2026-11-05T15:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.municipalDoctor, .clinician, "always"), (.generalPractitioners, .clinician, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og rehab", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og rehab (psykisk helsetjeneste og fysioterapi)",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=4,11;BYDAY=2TU", start: "2026-11-10T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.rehabilitation, .clinician, "always"), (.mentalHealth, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon og KISIF", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen og KISIF",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=4,11;BYDAY=3WE", start: "2026-11-18T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.kisif, .advisor, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsestasjon, barneverntjenesten og NAV", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsestasjonen, barneverntjenesten og NAV",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=4,11;BYDAY=4WE", start: "2026-11-25T13:00",
                  participants: [(.healthStation, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"), (.nav, .caseworker, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – NAV og psykisk helsetjeneste", kind: .systemCollaboration, owner: .nav, ownerRole: .caseworker,
                  targetGroup: "NAV og psykisk helse- og rustjenesten",
                  purpose: "Internt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=2,9;BYDAY=2TH", start: "2026-09-10T10:00",
                  participants: [(.nav, .caseworker, "always"), (.mentalHealth, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – kommunen og BUP", kind: .systemCollaboration, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Kommunen og BUP",
                  purpose: "Regelmessige samarbeidsmøter om samarbeid og samhandling mellom spesialisthelsetjenesten og kommunen, i tillegg til det lokale inntaksmøtet",
                  frequencyText: "Regelmessig (satt til 4 ganger i året)", rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=4TH", start: "2026-09-24T12:00",
                  participants: [(.municipality, .coordinator, "always"), (.bup, .clinician, "always"), (.ppt, .unitLeader, "always"), (.childWelfare, .unitLeader, "always"), (.healthStation, .unitLeader, "always"), (.municipalPsychologist, .clinician, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – kommunen og sykehuset", kind: .systemCollaboration, owner: .municipality, ownerRole: .coordinator,
                  targetGroup: "Kommunen og sykehuset",
                  purpose: "Eksternt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=1TU", start: "2026-10-06T10:00",
                  participants: [(.municipality, .coordinator, "always"), (.hospital, .clinician, "always"), (.healthStation, .unitLeader, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – helsesykepleier, barneverntjenesten og politiet", kind: .systemCollaboration, owner: .healthStation, ownerRole: .unitLeader,
                  targetGroup: "Helsesykepleiertjenesten, barneverntjenesten og politiet",
                  purpose: "Eksternt samarbeid på systemnivå",
                  frequencyText: "Fast samarbeid på systemnivå; rytmen er ikke angitt i dokumentet (satt til 2 ganger i året)", rrule: "FREQ=YEARLY;BYMONTH=2,9;BYDAY=3TU", start: "2026-09-15T10:00",
                  participants: [(.healthStation, .schoolNurse, "always"), (.childWelfare, .unitLeader, "always"), (.police, .advisor, "always")], source: "003"),
        SeedArena(name: "Samarbeidsmøte – NAV og oppfølgingstjenesten", kind: .systemCollaboration, owner: .followUpService, ownerRole: .advisor,
                  targetGroup: "Ungdom som dropper ut av videregående skole",
                  purpose: "Oppfølgingstjenesten undersøker med NAV om ungdom som kan veiledes tilbake til skolebenken",
                  frequencyText: "Hvert semester", rrule: "FREQ=YEARLY;BYMONTH=2,9;BYDAY=4TH", start: "2026-09-24T10:00",
                  participants: [(.followUpService, .advisor, "always"), (.nav, .caseworker, "always")], source: "003"),
        SeedArena(name: "Oppfølgingstjenestens kontordag på NAV", kind: .systemCollaboration, owner: .followUpService, ownerRole: .advisor,
                  targetGroup: "Ungdom som faller ut av skolesystemet og henvender seg til NAV",
                  purpose: "Raskt fange opp ungdom som har falt ut av skolen",
                  frequencyText: "1 gang i måneden", rrule: "FREQ=MONTHLY;BYDAY=1WE", start: "2026-09-02T09:00", durationMinutes: 360, location: "NAV Nordby",
                  participants: [(.followUpService, .advisor, "always"), (.nav, .caseworker, "always")], source: "003"),
        SeedArena(name: "Rusteam med Rehab-rusteamet", kind: .rusteam, owner: .childWelfare, ownerRole: .unitLeader,
                  targetGroup: "Ungdom under 18 år",
                  purpose: "Rehab-rusteamet deltar i rusteamet en gang i året: faglige utfordringer og arbeidet med ungdom som ønsker å slutte å ruse seg",
                  frequencyText: "1 gang i året", rrule: "FREQ=YEARLY;BYMONTH=5;BYDAY=1TH", start: "2027-05-06T13:00", accepts: [.anonymous, .system],
                  participants: [(.police, .advisor, "always"), (.childWelfare, .unitLeader, "always"), (.childWelfare, .advisor, "always"), (.healthStation, .schoolNurse, "always"), (.mentalHealth, .advisor, "always")], source: "003"),
    ]

    /// Meetings a school or kindergarten calls around one child with the family (seed 004), and
    /// the school's team against bullying around one pupil (seed 003).
    static let withFamilies: [SeedArena] = [
        SeedArena(name: "Beredskap mot mobbing – team rundt eleven", kind: .samarbeidsmote, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Elever det er mistanke om ikke trives, blir ekskludert, plaget eller mobbet",
                  purpose: "Rådgiveren for bedre barnehage- og skolemiljø etablerer et team rundt eleven i hver sak, så alle vet hvem som har ansvaret for å følge opp; det formelle ansvaret ligger hos rektor og kan delegeres til sosiallærer, rådgiver eller andre",
                  frequencyText: "I hver enkelt sak", rrule: nil, start: nil, accepts: [.named],
                  participants: [], source: "003"),
        SeedArena(name: "Samarbeidsmøte med foresatte – skole", kind: .samarbeidsmote, owner: .school, ownerRole: .unitLeader,
                  targetGroup: "Elever og foresatte, utover utviklingssamtalene",
                  purpose: "Skolen og de foresatte samarbeider om eleven; andre tjenester (barneverntjenesten, skolehelsetjenesten, NAV) tas med i dialog med eleven og de foresatte",
                  frequencyText: "Ved behov", rrule: nil, start: nil, accepts: [.named],
                  participants: [], source: "004"),
        SeedArena(name: "Samarbeidsmøte med foresatte – barnehage", kind: .samarbeidsmote, owner: .kindergarten, ownerRole: .unitLeader,
                  targetGroup: "Barn og foresatte i barnehagen",
                  purpose: "Barnehagen og de foresatte samarbeider om barnet; andre (PPT, logoped, fysioterapeut, BUP, helsestasjon, fastlege, barnevern, skole) tas med i dialog med de foresatte",
                  frequencyText: "Ved behov", rrule: nil, start: nil, accepts: [.named],
                  participants: [], source: "004"),
    ]

    /// The arena as the API's create body, given the world's unit ids (and owner people).
    public func requestBody(unitIds: [SeedUnit: UUID], ownerPersonId: UUID?) -> [String: Any] {
        var body: [String: Any] = [
            "name": name, "kind": kind.rawValue, "owner_unit_id": unitIds[owner]!.uuidString, "target_group": targetGroup,
            "purpose": purpose, "frequency_text": frequencyText, "duration_minutes": durationMinutes, "location": location.isEmpty ? owner.name : location,
            "capacity": capacity, "minutes_per_case": minutesPerCase, "submission_deadline_hours": submissionDeadlineHours,
            "agenda_lead_hours": agendaLeadHours, "cancel_when_empty": cancelWhenEmpty, "holiday_policy": holidayPolicy,
            "skip_school_holidays": skipSchoolHolidays, "delivery_mode": deliveryMode.rawValue, "accepts": accepts.map(\.rawValue),
            "participants": participants.map { ["unit_id": unitIds[$0.0]!.uuidString, "role": $0.1.rawValue, "presence": $0.presence] },
        ]
        if let ownerPersonId { body["owner_person_id"] = ownerPersonId.uuidString }
        if let rrule { body["rrule"] = rrule }
        if let start { body["series_start"] = start }
        if let youngPersonConsentAge { body["young_person_consent_age"] = youngPersonConsentAge }
        return body
    }
}
