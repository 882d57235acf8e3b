import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// Loads the demo municipality: the seeded world, every seed arena (validated and stored
/// exactly as the API does, with its `arena.changed` event so the scheduler plans it), the
/// 2026/2027 school holidays, and consents for some of the children (others have none).
public enum DemoMunicipality {
    public struct Summary: Sendable {
        public var world: SeedWorld
        public var arenas: [String: UUID]
    }

    public static let schoolHolidays: [(String, String, String)] = [
        ("Høstferie", "2026-09-28", "2026-10-02"),
        ("Juleferie", "2026-12-21", "2027-01-01"),
        ("Vinterferie", "2027-02-22", "2027-02-26"),
        ("Påskeferie", "2027-03-22", "2027-03-29"),
        ("Sommerferie", "2027-06-21", "2027-07-31"),
    ]

    /// Creates everything in the caller's transaction.
    public static func load(on connection: PostgresConnection, outbox: Outbox) throws -> Summary {
        let world = try SeedWorld.create(on: connection)
        var arenas: [String: UUID] = [:]
        for seed in SeedArena.all {
            let id = try register(seed, world: world, on: connection, outbox: outbox)
            arenas[seed.name] = id
        }
        for (name, first, last) in schoolHolidays {
            try connection.execute("""
                INSERT INTO school_holidays (id, school_year, name, first_day, last_day)
                VALUES (\(UUID()), '2026/2027', \(name), \(LocalDate(first)!), \(LocalDate(last)!))
                """)
        }
        // Consent for Emma (school, health station, PPT: the ressursteam), Filip (transition, with
        // PPT) and Sara (BUP, health; she is 17 and consents herself too). Noah, Ella, Oskar and
        // Maja have none: their cases are anonymous.
        let recorder = world.person(.school, .teacher)
        let consents: [(String, [ServiceKind], Bool)] = [
            ("emma", [.school, .healthStation, .ppt], false),
            ("filip", [.school, .ppt], false),
            ("sara", [.bup, .healthStation, .ppt, .childWelfare, .municipalPsychologist, .school, .municipalAdministration], true),
        ]
        var consentIds: [String: UUID] = [:]
        for (key, services, youngPerson) in consents {
            let child = world.child(key)
            let id = UUID()
            consentIds[key] = id
            try connection.execute("""
                INSERT INTO consents (id, child_id, given_by, young_person_consented, services, information, valid_from, method, recorded_by)
                VALUES (\(id), \(child.id), \(child.guardians.map(\.id)), \(youngPerson), \(services.map(\.rawValue)),
                        \(InformationCategory.allCases.map(\.rawValue)), '2026-08-01', 'written', \(recorder))
                """)
            try outbox.append(ConsentRecorded(consentId: id, childId: child.id), on: connection)
        }
        if let emma = consentIds["emma"], let sara = consentIds["sara"] {
            try loadCoordination(world: world, emmaConsent: emma, saraConsent: sara, on: connection, outbox: outbox)
        }
        try loadTalkClass(world: world, on: connection)
        return Summary(world: world, arenas: arenas)
    }

    /// Emma has a stafettholder (the PPT advisor) and a coordination log with two measures
    /// and a note; Sara has an individual plan with the school nurse as IP coordinator.
    static func loadCoordination(world: SeedWorld, emmaConsent: UUID, saraConsent: UUID, on connection: PostgresConnection, outbox: Outbox) throws {
        let emma = world.child("emma"), sara = world.child("sara")
        let advisor = world.person(.ppt, .advisor), teacher = world.person(.school, .teacher), nurse = world.person(.healthStation, .schoolNurse)
        let coordinator = UUID()
        try connection.execute("""
            INSERT INTO coordinators (id, child_id, person_id, unit_id, service, kind, consent_id, assigned_by)
            VALUES (\(coordinator), \(emma.id), \(advisor), \(world.units[.ppt]), 'ppt', 'stafettholder', \(emmaConsent), \(teacher))
            """)
        try outbox.append(CoordinatorAssigned(childId: emma.id, coordinatorId: coordinator, personId: advisor, unitId: world.units[.ppt] ?? UUID(),
                                              kind: .stafettholder), on: connection)
        let log = UUID()
        try connection.execute("INSERT INTO coordination_logs (id, child_id, opened_by) VALUES (\(log), \(emma.id), \(advisor))")
        try outbox.append(LogOpened(childId: emma.id, logId: log), on: connection)
        let measures: [(String, UUID, String, String, String)] = [
            ("Lesekurs to ganger i uken", teacher, "school", "2026-09-01", "2026-12-15"),
            ("Samtaler med helsesykepleier annenhver uke", nurse, "health_station", "2026-09-15", "2027-01-20"),
        ]
        for (description, owner, service, starts, due) in measures {
            let id = UUID()
            try connection.execute("""
                INSERT INTO coordination_measures (id, child_id, log_id, description, owner_id, service, starts_on, evaluation_due_on, created_by)
                VALUES (\(id), \(emma.id), \(log), \(description), \(owner), \(service), \(LocalDate(starts)), \(LocalDate(due)), \(advisor))
                """)
            try outbox.append(MeasureAdded(childId: emma.id, measureId: id, logId: log, planId: nil, ownerId: owner,
                                           evaluationDueOn: LocalDate(due) ?? LocalDate(daysSinceEpoch: 0), source: .manual), on: connection)
        }
        try connection.execute("""
            INSERT INTO coordination_notes (id, log_id, child_id, kind, text, author_id)
            VALUES (\(UUID()), \(log), \(emma.id), 'progress', 'Emma leser mer selv og trives bedre i friminuttene.', \(advisor))
            """)
        let ipCoordinator = UUID()
        try connection.execute("""
            INSERT INTO coordinators (id, child_id, person_id, unit_id, service, kind, consent_id, assigned_by)
            VALUES (\(ipCoordinator), \(sara.id), \(nurse), \(world.units[.healthStation]), 'health_station', 'ip_coordinator', \(saraConsent), \(nurse))
            """)
        try outbox.append(CoordinatorAssigned(childId: sara.id, coordinatorId: ipCoordinator, personId: nurse,
                                              unitId: world.units[.healthStation] ?? UUID(), kind: .ipCoordinator), on: connection)
        let plan = UUID()
        try connection.execute("""
            INSERT INTO individual_plans (id, child_id, goals, responsible_services, consent_id, created_by)
            VALUES (\(plan), \(sara.id), \(["Å fullføre videregående skole", "Å ha noen å snakke med når det er tungt"]),
                    \(["health_station", "bup", "school"]), \(saraConsent), \(nurse))
            """)
        try outbox.append(IndividualPlanChanged(childId: sara.id, planId: plan, version: 1), on: connection)
    }

    /// Registers one seed arena the way `POST /v1/arenas` does.
    static func register(_ seed: SeedArena, world: SeedWorld, on connection: PostgresConnection, outbox: Outbox) throws -> UUID {
        let owner = seed.ownerRole.flatMap { world.staff["\(seed.owner.rawValue).\($0.rawValue)"] }
        let data = try JSONSerialization.data(withJSONObject: seed.requestBody(unitIds: world.units, ownerPersonId: owner))
        let body = try APIJSON.decode(ArenaRoutes.ArenaBody.self, from: data)
        let arena = try ArenaRoutes.validate(body)
        let id = UUID()
        try ArenaRoutes.checkReferences(body, on: connection)
        try connection.execute("""
            INSERT INTO arenas (id, name, kind, owner_unit_id, owner_person_id)
            VALUES (\(id), \(body.name), \(body.kind.rawValue), \(body.ownerUnitId), \(body.ownerPersonId))
            """)
        try ArenaRoutes.store(arena, id: id, on: connection)
        try outbox.append(ArenaChanged(arenaId: id, version: 1, change: .created), on: connection)
        return id
    }

    /// The rest of Emma and Noah's class (issue 18, utviklingssamtaler): 23 more pupils in 5th
    /// grade at the school, each with one guardian, so the class has 25. Invented names.
    public static let talkClass: [(String, String)] = [
        ("Aksel Bryn", "Mari Bryn"), ("Amalie Fjell", "Jon Fjell"), ("Birk Haugen", "Eva Haugen"), ("Dina Holt", "Kim Holt"),
        ("Eirik Kvist", "Lene Kvist"), ("Frida Lund", "Ola Lund"), ("Gustav Moen", "Tone Moen"), ("Hedda Nes", "Are Nes"),
        ("Isak Ødegård", "Sofie Ødegård"), ("Julie Prestegard", "Rolf Prestegard"), ("Kasper Riis", "Ida Riis"),
        ("Linnea Sand", "Per Sand"), ("Magnus Tveit", "Hege Tveit"), ("Nora Ulvik", "Geir Ulvik"), ("Olav Vik", "Ruth Vik"),
        ("Pia Wang", "Lars Wang"), ("Ronja Aasen", "Bodil Aasen"), ("Sander Bakken", "Elin Bakken"), ("Thea Dahl", "Svein Dahl"),
        ("Ulrik Eng", "Kari Eng"), ("Vilde Foss", "Trond Foss"), ("William Grini", "Anne Grini"), ("Ylva Hovland", "Nils Hovland"),
    ]

    static func loadTalkClass(world: SeedWorld, on connection: PostgresConnection) throws {
        let school = world.units[.school]!, rektor = world.person(.school, .unitLeader)
        for (index, (pupil, guardian)) in talkClass.enumerated() {
            let child = UUID(), parent = UUID()
            try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(parent), 'guardian', \(guardian), \("\(SeedWorld.mailbox(guardian))@nordby.example"))")
            try connection.execute("""
                INSERT INTO children (id, name, birth_date, unit_id, grade, created_by)
                VALUES (\(child), \(pupil), \(LocalDate(year: 2016, month: 1 + index % 12, day: 1 + index)!), \(school), 5, \(rektor))
                """)
            try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(child), \(parent))")
        }
    }
}
