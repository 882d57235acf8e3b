import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// An invented municipality ("Nordby"): its units, a person for every role the arenas
/// need, and a few children with guardians. Names are invented, never taken from the
/// documents. Used by the demo (`samtak-admin demo`) and by the tests.
public struct SeedWorld: Sendable {
    public var units: [SeedUnit: UUID]
    /// Staff by "unit.role", e.g. `staff["school.unitLeader"]`.
    public var staff: [String: UUID]
    public var children: [SeedChild]

    public struct SeedChild: Sendable {
        public var key: String
        public var id: UUID
        public var name: String
        public var unit: SeedUnit
        public var grade: Int
        public var birthDate: LocalDate
        public var guardians: [(id: UUID, name: String, email: String)]
    }

    public func person(_ unit: SeedUnit, _ role: Role) -> UUID { staff["\(unit.rawValue).\(role.rawValue)"]! }
    public func child(_ key: String) -> SeedChild { children.first { $0.key == key }! }

    /// The people of the world: unit, role, name, job title.
    public static let people: [(SeedUnit, Role, String, String)] = [
        (.municipality, .administrator, "Astrid Lunde", "systemansvarlig"),
        (.municipality, .unitLeader, "Bjørn Haugland", "kommunalsjef oppvekst"),
        (.municipality, .coordinator, "Camilla Rønning", "barnekoordinator"),
        (.municipality, .caseworker, "Dag Fossum", "saksbehandler forvaltning"),
        (.municipality, .secretary, "Eli Strand", "SLT-koordinator"),
        (.school, .unitLeader, "Frode Nygaard", "rektor"),
        (.school, .teacher, "Guri Solberg", "kontaktlærer 5. trinn"),
        (.school, .specialNeedsCoordinator, "Halvor Brekke", "spesialpedagogisk ansvarlig"),
        (.school, .socialTeacher, "Ingrid Moe", "sosiallærer"),
        (.school, .advisor, "Jonas Vik", "læringslos"),
        (.lowerSecondary, .unitLeader, "Kari Lie", "rektor"),
        (.lowerSecondary, .teacher, "Lars Eide", "kontaktlærer 8. trinn"),
        (.upperSecondary, .unitLeader, "Marit Holm", "rektor"),
        (.kindergarten, .unitLeader, "Nils Aas", "styrer"),
        (.kindergarten, .teacher, "Oda Berg", "pedagogisk leder"),
        (.healthStation, .unitLeader, "Per Dahl", "leder helsestasjonen"),
        (.healthStation, .schoolNurse, "Randi Kvam", "helsesykepleier"),
        (.ppt, .unitLeader, "Sigurd Lien", "leder PPT"),
        (.ppt, .advisor, "Tone Engen", "PP-rådgiver"),
        (.childWelfare, .unitLeader, "Ulf Ruud", "fagleder barnevern"),
        (.childWelfare, .caseworker, "Vigdis Aune", "saksbehandler barnevern"),
        (.childWelfare, .advisor, "Wenche Bakke", "familieveileder"),
        (.bup, .clinician, "Yngve Tangen", "psykologspesialist"),
        (.nav, .caseworker, "Åse Myhre", "veileder"),
        (.habilitation, .unitLeader, "Øystein Hagen", "virksomhetsleder habilitering"),
        (.dentalHealth, .unitLeader, "Anne Sæther", "overtannlege"),
        (.dentalHealth, .clinician, "Bente Foss", "tannpleier"),
        (.police, .unitLeader, "Carl Wold", "politistasjonssjef"),
        (.police, .advisor, "Dina Skog", "politikontakt"),
        (.municipalPsychologist, .clinician, "Emil Nilsen", "kommunepsykolog"),
        (.learningCentre, .unitLeader, "Frida Ødegård", "leder pedagogisk senter"),
        (.learningCentre, .advisor, "Geir Ås", "veileder"),
        (.volunteerCentre, .unitLeader, "Hanne Lund", "daglig leder"),
        (.volunteerCentre, .advisor, "Ivar Rist", "koordinator"),
        (.refugeeService, .caseworker, "Jorunn Sand", "programrådgiver"),
        (.culture, .unitLeader, "Knut Dale", "kultursjef"),
        (.municipality, .advisor, "Elin Berntsen", "rådgiver forebygging"),
        (.schoolOffice, .unitLeader, "Lene Krog", "skolefaglig rådgiver"),
        (.schoolOffice, .advisor, "Magnus Berge", "rådgiver for bedre barnehage- og skolemiljø"),
        (.schoolOffice, .coordinator, "Nora Fjeld", "ungdomslos"),
        (.schoolOffice, .caseworker, "Olav Rønneberg", "barnevernspedagog i skolen"),
        (.healthStation, .clinician, "Petra Alsaker", "jordmor"),
        (.healthStation, .advisor, "Ragnhild Sørum", "familieterapeut"),
        (.childrensStation, .advisor, "Sindre Holt", "kontaktperson Barnas stasjon"),
        (.healthyLifeCentre, .advisor, "Tiril Maurstad", "frisklivsveileder"),
        (.homeServices, .unitLeader, "Unni Bråten", "avdelingsleder hjemmetjenesten"),
        (.mentalHealth, .unitLeader, "Vegard Smestad", "fagleder psykisk helse og rus"),
        (.mentalHealth, .advisor, "Wilma Grønli", "Rehab-rusteamet"),
        (.rehabilitation, .clinician, "Yasmin Karlsen", "fysioterapeut"),
        (.municipalDoctor, .clinician, "Zakarias Øien", "kommuneoverlege"),
        (.generalPractitioners, .clinician, "Anders Bøe", "fastlege"),
        (.kisif, .advisor, "Birgit Nes", "rådgiver KISIF"),
        (.hospital, .clinician, "Cecilie Alm", "overlege barneavdelingen"),
        (.followUpService, .advisor, "David Hovde", "rådgiver oppfølgingstjenesten"),
        (.sfo, .unitLeader, "Synnøve Brenna", "SFO-leder"),
    ]

    /// Children: key, name, unit, grade, birth date, guardians (name, e-mail local part).
    public static let childSpecs: [(String, String, SeedUnit, Int, String, [(String, String)])] = [
        ("emma", "Emma Nordli", .school, 5, "2016-03-14", [("Hilde Nordli", "hilde.nordli"), ("Tor Nordli", "tor.nordli")]),
        ("noah", "Noah Berget", .school, 5, "2016-07-02", [("Siri Berget", "siri.berget")]),
        ("ella", "Ella Vang", .school, 6, "2015-11-23", [("Mona Vang", "mona.vang"), ("Rune Vang", "rune.vang")]),
        ("oskar", "Oskar Lyng", .kindergarten, 0, "2020-05-30", [("Lise Lyng", "lise.lyng")]),
        ("maja", "Maja Torp", .kindergarten, 0, "2020-09-12", [("Kjell Torp", "kjell.torp")]),
        ("filip", "Filip Dalen", .lowerSecondary, 9, "2011-02-08", [("Anita Dalen", "anita.dalen")]),
        ("sara", "Sara Rud", .upperSecondary, 11, "2009-06-21", [("Trine Rud", "trine.rud")]),
    ]

    /// Creates the world in one transaction on `connection` (ids are new each time).
    public static func create(on connection: PostgresConnection, mailDomain: String = "nordby.example") throws -> SeedWorld {
        var units: [SeedUnit: UUID] = [:]
        for unit in SeedUnit.allCases {
            let id = UUID()
            try connection.execute("INSERT INTO units (id, name, service) VALUES (\(id), \(unit.name), \(unit.service.rawValue))")
            units[unit] = id
        }
        // The SFO belongs to the barneskole (the receiving school of the kindergarten transition).
        try connection.execute("UPDATE units SET parent_id = \(units[.school]!) WHERE id = \(units[.sfo]!)")
        var staff: [String: UUID] = [:]
        for (unit, role, name, title) in people {
            let id = UUID()
            let email = "\(Self.mailbox(name))@\(mailDomain)"
            try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(id), 'staff', \(name), \(email))")
            try connection.execute("INSERT INTO memberships (person_id, unit_id, role, title) VALUES (\(id), \(units[unit]!), \(role.rawValue), \(title))")
            staff["\(unit.rawValue).\(role.rawValue)"] = id
        }
        var children: [SeedChild] = []
        for (key, name, unit, grade, birth, guardianSpecs) in childSpecs {
            let id = UUID()
            let birthDate = LocalDate(birth)!
            try connection.execute("""
                INSERT INTO children (id, name, birth_date, unit_id, grade, created_by)
                VALUES (\(id), \(name), \(birthDate), \(units[unit]!), \(grade), \(staff["\(unit.rawValue).\(Role.unitLeader.rawValue)"]!))
                """)
            var guardians: [(UUID, String, String)] = []
            for (guardianName, mailbox) in guardianSpecs {
                let guardianId = UUID()
                let email = "\(mailbox)@\(mailDomain)"
                try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(guardianId), 'guardian', \(guardianName), \(email))")
                try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(id), \(guardianId))")
                guardians.append((guardianId, guardianName, email))
            }
            children.append(SeedChild(key: key, id: id, name: name, unit: unit, grade: grade, birthDate: birthDate,
                                      guardians: guardians.map { (id: $0.0, name: $0.1, email: $0.2) }))
        }
        return SeedWorld(units: units, staff: staff, children: children)
    }

    /// "Åse Myhre" → "ase.myhre".
    static func mailbox(_ name: String) -> String {
        let map: [Character: String] = ["æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"]
        return name.lowercased().map { map[$0] ?? String($0) }.joined().replacingOccurrences(of: " ", with: ".")
    }
}
