import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Children and their consents as ``ChildRoutes`` reads and writes them (rows in the API's
/// shape; the route decides who may read them and logs what it returns).
enum ChildStore {
    static func child(withNumberHash hash: Data, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("SELECT id FROM children WHERE national_id_hash = \(hash)").prepared).first?.decode(UUID.self, 0)
    }

    /// False when another registration of the same number came first (unique hash).
    static func insert(_ id: UUID, name: String, numberHash: Data?, sealed: Data?, duplicateOf: UUID?, birthDate: LocalDate?, unitId: UUID?,
                       grade: Int?, by person: UUID, on connection: PostgresConnection) throws -> Bool {
        // ON CONFLICT: a concurrent registration is a 409, never a unique violation (whose
        // message would carry the hash into the server's log).
        try connection.execute("""
            INSERT INTO children (id, name, national_id_hash, national_id_sealed, duplicate_of, birth_date, unit_id, grade, created_by)
            VALUES (\(id), \(name), \(numberHash), \(sealed), \(duplicateOf), \(birthDate), \(unitId), \(grade), \(person))
            ON CONFLICT (national_id_hash) DO NOTHING
            """) == 1
    }

    /// A page of child ids: a unit's children, or (no unit) those a guardian's guardianships give access to.
    static func childIds(ofUnit unitId: UUID?, orGuardian guardian: UUID, after: SQL, limit: Int, on connection: PostgresConnection) throws -> [UUID] {
        let condition: SQL = unitId.map { "c.unit_id = \($0)" } ?? """
            c.id IN (SELECT child_id FROM guardianships WHERE guardian_id = \(guardian) AND (parental_responsibility OR daily_care))
            """
        return try connection.query("""
            SELECT c.id FROM children c WHERE \(condition) \(after)
            ORDER BY c.created_at, c.id LIMIT \(limit)
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// The children's names, by id (for a list whose access each caller decided).
    static func names(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: String] {
        guard let statement = namesStatement(ids) else { return [:] }
        var names: [UUID: String] = [:]
        for row in try connection.query(statement) {
            names[try row.decode(UUID.self, 0)] = try row.decode(String.self, 1)
        }
        return names
    }

    /// ``names(_:on:)``'s statement (nil: no children, nothing to ask).
    static func namesStatement(_ ids: [UUID]) -> SQL? {
        guard !ids.isEmpty else { return nil }
        return SQL("SELECT id, name FROM children WHERE id = ANY(\(ids))").prepared
    }

    static func consentIds(of childId: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query(SQL("SELECT id FROM consents WHERE child_id = \(childId) ORDER BY recorded_at, id").prepared)
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// False when it was withdrawn already.
    static func withdrawConsent(_ id: UUID, by person: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("""
            UPDATE consents SET withdrawn_at = now(), withdrawn_by = \(person) WHERE id = \(id) AND withdrawn_at IS NULL
            """) == 1
    }

    static func child(_ id: UUID, basis: AccessBasis, on connection: PostgresConnection) throws -> ChildRoutes.ChildResource? {
        guard let row = try connection.query("""
            SELECT id, name, national_id_sealed IS NOT NULL, birth_date, unit_id, grade, created_at FROM children WHERE id = \(id)
            """).first else { return nil }
        let guardians = try connection.query("""
            SELECT p.id, p.name, p.email, g.parental_responsibility, g.daily_care
            FROM guardianships g JOIN people p ON p.id = g.guardian_id WHERE g.child_id = \(id) ORDER BY p.name
            """).map { row throws(PostgresError) in
            ChildRoutes.GuardianResource(personId: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), email: try row.decode(String?.self, 2),
                             parentalResponsibility: try row.decode(Bool.self, 3), dailyCare: try row.decode(Bool.self, 4))
        }
        return ChildRoutes.ChildResource(
            id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), nationalIdRegistered: try row.decode(Bool.self, 2),
            birthDate: try row.decode(LocalDate?.self, 3), unitId: try row.decode(UUID?.self, 4), grade: try row.decode(Int?.self, 5),
            guardians: guardians, createdAt: try row.decode(Date.self, 6), accessBasis: basis
        )
    }

    static func consent(_ id: UUID, on connection: PostgresConnection) throws -> ChildRoutes.ConsentResource? {
        guard let row = try connection.query("""
            SELECT id, child_id, given_by, young_person_consented, services, arena_ids, information, valid_from, valid_until,
                   method, recorded_by, recorded_at, withdrawn_at, unit_ids, guardian_rule, ended_reason
            FROM consents WHERE id = \(id)
            """).first else { return nil }
        let withdrawnAt = try row.decode(Date?.self, 12)
        let validFrom = try row.decode(LocalDate.self, 7)
        let validUntil = try row.decode(LocalDate?.self, 8)
        let grant = ConsentGrant(id: id, childId: try row.decode(UUID.self, 1), services: [], arenaIds: [], information: [],
                                 validFrom: validFrom, validUntil: validUntil, withdrawnAt: withdrawnAt, youngPersonConsented: false)
        return ChildRoutes.ConsentResource(
            id: id, childId: try row.decode(UUID.self, 1), givenBy: try row.decode([UUID].self, 2),
            youngPersonConsented: try row.decode(Bool.self, 3),
            services: try row.decode([String].self, 4).compactMap(ServiceKind.init(rawValue:)),
            arenaIds: try row.decode([UUID].self, 5), unitIds: try row.decode([UUID].self, 13),
            information: try row.decode([String].self, 6).compactMap(InformationCategory.init(rawValue:)),
            validFrom: validFrom, validUntil: validUntil,
            method: try row.decode(ConsentMethod.self, 9),
            guardianRule: try row.decode(String?.self, 14).flatMap(ConsentGiverRule.init(rawValue:)),
            recordedBy: try row.decode(UUID.self, 10), recordedAt: try row.decode(Date.self, 11), withdrawnAt: withdrawnAt,
            endedReason: try row.decode(String?.self, 15).flatMap(CorrectionReason.init(rawValue:)),
            active: grant.isActive(at: Date())
        )
    }
}

/// Loads the facts `AccessPolicy` needs about a child (and a case) from the database.
enum ChildAccessLoader {
    static func relations(_ childId: UUID, on connection: PostgresConnection) throws -> (ChildRelations, createdBy: UUID)? {
        guard let createdBy = try connection.query(SQL("SELECT created_by FROM children WHERE id = \(childId)").prepared).first?
                .decode(UUID.self, 0),
              let relations = try AccessFacts.childRelations([childId], on: connection)[childId] else { return nil }
        return (relations, createdBy)
    }

    static func consents(_ childId: UUID, on connection: PostgresConnection) throws -> [ConsentGrant] {
        try AccessFacts.consents([childId], on: connection)[childId] ?? []
    }

    /// Direct access to a child's record; whoever registered a child without a unit sees it
    /// (``AccessPolicy/registrarAccess``).
    static func decide(principal: Principal, childId: UUID, on connection: PostgresConnection) throws -> AccessDecision {
        guard let (relations, createdBy) = try relations(childId, on: connection) else { return .denied }
        if AccessPolicy.registrarAccess(principal: principal, registeredBy: createdBy, child: relations) { return .full(.owner, consentId: nil) }
        return AccessPolicy.childAccess(principal: principal, child: relations, consents: try consents(childId, on: connection), at: Date())
    }
}
