/// Codes shared by the API, the database and the events. Each raw value is what is stored
/// in PostgreSQL and sent on the wire; never rename one without a migration.

/// A kind of municipal or specialist service (`tjeneste`).
public enum ServiceKind: String, Codable, Sendable, CaseIterable, Hashable {
    case school                   // skole
    case kindergarten             // barnehage
    case sfo                      // skolefritidsordning
    case ppt                      // pedagogisk-psykologisk tjeneste
    case healthStation = "health_station"   // helsestasjon og skolehelsetjeneste
    case childWelfare = "child_welfare"     // barneverntjenesten
    case nav
    case bup                      // barne- og ungdomspsykiatrisk poliklinikk
    case municipalPsychologist = "municipal_psychologist"
    case refugeeService = "refugee_service" // flyktningtjenesten
    case physiotherapy                      // fysioterapi
    case generalPractitioner = "general_practitioner"  // fastlege
    case police                             // politi / SLT
    case habilitation                       // habilitering
    case culture                            // kultur
    case dentalHealth = "dental_health"     // tannhelsetjenesten
    case municipalAdministration = "municipal_administration"  // forvaltning, søknad og samhandling, rådmann
    case mentalHealth = "mental_health"     // psykisk helse- og rustjeneste
    case homeServices = "home_services"     // hjemmetjenesten
    case hospital                           // spesialisthelsetjenesten utenom BUP (sykehuset)
    case followUpService = "follow_up_service"  // oppfølgingstjenesten (fylkeskommunen)
    case other

    /// Bokmål name, for documents.
    public var norwegianName: String {
        switch self {
        case .school: "skole"
        case .kindergarten: "barnehage"
        case .sfo: "SFO"
        case .ppt: "PPT"
        case .healthStation: "helsestasjon og skolehelsetjeneste"
        case .childWelfare: "barneverntjenesten"
        case .nav: "NAV"
        case .bup: "BUP"
        case .municipalPsychologist: "kommunepsykolog"
        case .refugeeService: "flyktningtjenesten"
        case .physiotherapy: "fysioterapitjenesten"
        case .generalPractitioner: "fastlege"
        case .police: "politiet"
        case .habilitation: "habilitering"
        case .culture: "kultur"
        case .dentalHealth: "tannhelsetjenesten"
        case .municipalAdministration: "kommunen"
        case .mentalHealth: "psykisk helse- og rustjenesten"
        case .homeServices: "hjemmetjenesten"
        case .hospital: "sykehuset"
        case .followUpService: "oppfølgingstjenesten"
        case .other: "annen tjeneste"
        }
    }
}

/// What a person does in a unit. A person can hold several roles in several units.
public enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    /// Registers units, people and arenas for the municipality.
    case administrator
    /// Rektor, styrer, virksomhetsleder, avdelingsleder: leads the unit.
    case unitLeader = "unit_leader"
    /// Kontaktlærer, pedagogisk leder: responsible for the child day to day.
    case teacher
    /// Spesialpedagogisk ansvarlig.
    case specialNeedsCoordinator = "special_needs_coordinator"
    /// Sosiallærer, rådgiver i skolen.
    case socialTeacher = "social_teacher"
    /// Helsesykepleier.
    case schoolNurse = "school_nurse"
    /// PPT-rådgiver, familieterapeut and other advisers.
    case advisor
    /// Saksbehandler (barnevern, NAV, forvaltning).
    case caseworker
    /// Clinician (BUP, kommunepsykolog, fysioterapeut).
    case clinician
    /// Barnekoordinator, IP-koordinator, stafettholder by trade.
    case coordinator
    /// SLT-koordinator and similar secretaries of system-level forums.
    case secretary
}

/// The level a case is discussed at, which decides what it may carry.
public enum CaseKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// About a named child: needs a valid consent that covers the arena.
    case named
    /// About a child who stays anonymous throughout: no identifying data at all.
    case anonymous
    /// A system-level matter (organisation, competence): no child.
    case system
}

/// What kind of meeting an arena holds. Behaviour that depends on the kind (weekly BUP
/// intake, minutes always written for an ansvarsgruppe, ...) is keyed on this.
public enum ArenaKind: String, Codable, Sendable, CaseIterable, Hashable {
    case ressursteam
    case bupIntake = "bup_intake"                  // lokalt inntaksmøte med BUP
    case beslutningsteam
    case hjelpetjenesten
    case ansvarsgruppe
    case samarbeidsmote                            // samarbeidsmøte rundt ett barn
    case transition                                // overføringsmøte
    case droftingsteam                             // drøftingsteam barnehage
    case tverrfagligTeam = "tverrfaglig_team"
    case pedagogiskTeam = "pedagogisk_team"
    case slt
    case rusteam
    case tildelingsmote                            // tildelingsmøte
    case klassegjennomgang
    case relasjonskartlegging
    case systemCollaboration = "system_collaboration"  // samarbeidsmøter på systemnivå
    case network                                   // nettverk, styrermøte, foreldremøte
    case other

    /// Meetings around one child (called per case, not from a series).
    public var isPerChild: Bool { self == .ansvarsgruppe || self == .samarbeidsmote }
    /// Minutes must always be written (seeds 001/002: "det skrives alltid referat").
    public var requiresMinutes: Bool { self == .ansvarsgruppe || self == .bupIntake || self == .beslutningsteam }
}

/// Whether the content of agendas and minutes goes out by e-mail or only a notice with a
/// link (e-mail is not a safe channel for health data).
public enum DeliveryMode: String, Codable, Sendable, CaseIterable, Hashable {
    case content
    case notice
}

/// How a consent was given.
public enum ConsentMethod: String, Codable, Sendable, CaseIterable, Hashable {
    case written
    case oralRecorded = "oral_recorded"
    /// Given by the family itself on a signed-in page (issue 17); never recorded by staff.
    case digital
}

/// Categories of information a consent may release (transition meetings show only these).
public enum InformationCategory: String, Codable, Sendable, CaseIterable, Hashable {
    /// Name, date of birth, identity number.
    case identity
    /// Learning, adaptations tried, attendance.
    case schoolSituation = "school_situation"
    /// Special-needs support and expert assessments.
    case specialNeeds = "special_needs"
    /// Health information.
    case health
    /// Family and home situation.
    case family
}

/// Kinds of person in the register.
public enum PersonKind: String, Codable, Sendable, CaseIterable, Hashable {
    case staff
    case guardian
    /// The child or young person themself, as a user (e.g. a pupil at lower secondary).
    case youngPerson = "young_person"
}

/// Why an administrator corrected the register: ended a guardianship or a consent that
/// should not stand. Kept with the correction (the audit trail) and sent in its event.
public enum CorrectionReason: String, Codable, Sendable, CaseIterable, Hashable {
    /// Registered by mistake (a typing error, a test by a user).
    case recordedInError = "recorded_in_error"
    /// Registered on the wrong child.
    case wrongChild = "wrong_child"
    /// Registered for the wrong person (a guardian who is not the child's).
    case wrongPerson = "wrong_person"
    /// The population register says otherwise now (parental responsibility moved).
    case registerChanged = "register_changed"
    /// Test or demo data in a real installation.
    case testData = "test_data"
}

/// Where a guardianship comes from: the population register (imported) or an
/// administrator entering what the register says. Staff never create guardianships.
public enum GuardianshipSource: String, Codable, Sendable, CaseIterable, Hashable {
    case register
    case administrator
    /// Recorded by staff before guardianships came only from the register (migration 0010);
    /// an administrator reviews these.
    case legacy
}
