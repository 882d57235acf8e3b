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
            ("sara", [.bup, .healthStation, .ppt, .childWelfare, .municipalPsychologist, .school], true),
        ]
        for (key, services, youngPerson) in consents {
            let child = world.child(key)
            let id = UUID()
            try connection.execute("""
                INSERT INTO consents (id, child_id, given_by, young_person_consented, services, information, valid_from, method, recorded_by)
                VALUES (\(id), \(child.id), \(child.guardians.map(\.id)), \(youngPerson), \(services.map(\.rawValue)),
                        \(InformationCategory.allCases.map(\.rawValue)), '2026-08-01', 'written', \(recorder))
                """)
            try outbox.append(ConsentRecorded(consentId: id, childId: child.id), on: connection)
        }
        return Summary(world: world, arenas: arenas)
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
}
