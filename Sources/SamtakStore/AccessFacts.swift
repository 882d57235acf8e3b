import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// A person a document goes to, with what the access rules and the documents need.
public struct PersonFacts: Sendable {
    public struct Membership: Sendable {
        public var unitId: UUID
        public var unitName: String
        public var service: ServiceKind
        public var role: Role
        /// Local job title ("rektor", "helsesykepleier").
        public var title: String
    }

    public var id: UUID
    public var kind: PersonKind
    public var name: String
    public var email: String?
    public var active: Bool
    public var memberships: [Membership]

    public var principal: Principal {
        Principal(personId: id, kind: kind, memberships: memberships.map { .init(unitId: $0.unitId, service: $0.service, role: $0.role) })
    }
}

/// Loads the facts `AccessPolicy` needs from the database, for the intake API's reads and
/// the notifier's per-recipient documents alike (batched for many people and children).
public enum AccessFacts {
    /// The services taking part in an arena, the organiser's unit included (for consent
    /// coverage: a consent covers an arena when it names every service in the room), and the
    /// schools, kindergartens and SFOs among them ("school" in a consent is the child's own).
    public static func arenaScope(_ arenaId: UUID, on connection: PostgresConnection) throws -> ArenaScope? {
        try arenaScopes([arenaId], on: connection)[arenaId]
    }

    /// ``arenaScope(_:on:)`` for many arenas in one statement (a list of cases on many arenas).
    public static func arenaScopes(_ arenaIds: [UUID], on connection: PostgresConnection) throws -> [UUID: ArenaScope] {
        guard let statement = arenaScopesStatement(arenaIds) else { return [:] }
        var scopes: [UUID: ArenaScope] = [:]
        for row in try connection.query(statement) {
            let id = try row.decode(UUID.self, 0)
            scopes[id] = ArenaScope(id: id, participantServices: Set(try row.decode([String].self, 2).compactMap(ServiceKind.init(rawValue:))),
                                    unitBoundUnitIds: Set(try row.decode([UUID].self, 3)), youngPersonConsentAge: try row.decode(Int?.self, 1),
                                    consentOnlyServices: Set(try row.decode([String].self, 4).compactMap(ServiceKind.init(rawValue:))))
        }
        return scopes
    }

    /// The unit-bound services' codes, as ``arenaScopesStatement(_:)`` binds them.
    private static let unitBoundServices = ServiceKind.unitBound.map(\.rawValue).sorted()

    /// ``arenaScopes(_:on:)``'s statement (nil: no arenas, nothing to ask).
    public static func arenaScopesStatement(_ arenaIds: [UUID]) -> SQL? {
        guard !arenaIds.isEmpty else { return nil }
        return SQL("""
            WITH units_in AS (
                SELECT a0.id AS arena_id, owner.id AS unit_id, owner.service, false AS with_consent
                FROM arenas a0 JOIN units owner ON owner.id = a0.owner_unit_id WHERE a0.id = ANY(\(arenaIds))
                UNION
                SELECT ap.arena_id, u.id, u.service, ap.presence = 'with_consent' FROM arena_participants ap JOIN units u ON u.id = ap.unit_id
                WHERE ap.arena_id = ANY(\(arenaIds))
                UNION
                SELECT ap.arena_id, pu.id, pu.service, ap.presence = 'with_consent' FROM arena_participants ap
                JOIN memberships pm ON pm.person_id = ap.person_id JOIN units pu ON pu.id = pm.unit_id
                WHERE ap.arena_id = ANY(\(arenaIds)) AND ap.unit_id IS NULL
            ), per_service AS (
                SELECT arena_id, service, bool_and(with_consent) AS consent_only FROM units_in GROUP BY arena_id, service
            )
            SELECT a.id, a.young_person_consent_age,
                   coalesce((SELECT array_agg(DISTINCT service) FROM units_in i WHERE i.arena_id = a.id), '{}'),
                   coalesce((SELECT array_agg(DISTINCT unit_id) FROM units_in i
                             WHERE i.arena_id = a.id AND service = ANY(\(unitBoundServices))), '{}'),
                   coalesce((SELECT array_agg(service) FROM per_service p WHERE p.arena_id = a.id AND p.consent_only), '{}')
            FROM arenas a WHERE a.id = ANY(\(arenaIds))
            """).prepared
    }

    /// The register's guardianships of the children (all of them: ``Guardianship/givesAccess`` decides).
    public static func guardianships(_ childIds: [UUID], on connection: PostgresConnection) throws -> [UUID: [Guardianship]] {
        guard !childIds.isEmpty else { return [:] }
        var result: [UUID: [Guardianship]] = [:]
        for row in try connection.query(SQL("""
            SELECT child_id, guardian_id, parental_responsibility, daily_care FROM guardianships WHERE child_id = ANY(\(childIds))
            ORDER BY child_id, guardian_id
            """).prepared) {
            result[try row.decode(UUID.self, 0), default: []].append(Guardianship(
                guardianId: try row.decode(UUID.self, 1), parentalResponsibility: try row.decode(Bool.self, 2), dailyCare: try row.decode(Bool.self, 3)))
        }
        return result
    }

    /// Guardians with access, the child as a user, and the child's own unit, per child (one
    /// statement: the children with their guardianships joined, in ``guardianships(_:on:)``'s order).
    public static func childRelations(_ childIds: [UUID], on connection: PostgresConnection) throws -> [UUID: ChildRelations] {
        guard let statement = childRelationsStatement(childIds) else { return [:] }
        var children: [UUID: (personId: UUID?, unitId: UUID?, guardianships: [Guardianship])] = [:]
        for row in try connection.query(statement) {
            let id = try row.decode(UUID.self, 0)
            if children[id] == nil { children[id] = (try row.decode(UUID?.self, 1), try row.decode(UUID?.self, 2), []) }
            if let guardianId = try row.decode(UUID?.self, 3) {
                children[id]?.guardianships.append(Guardianship(
                    guardianId: guardianId, parentalResponsibility: try row.decode(Bool.self, 4), dailyCare: try row.decode(Bool.self, 5)))
            }
        }
        return children.reduce(into: [:]) { result, child in
            result[child.key] = ChildRelations(childId: child.key, guardianships: child.value.guardianships,
                                               personId: child.value.personId, unitId: child.value.unitId)
        }
    }

    /// ``childRelations(_:on:)``'s statement (nil: no children, nothing to ask).
    public static func childRelationsStatement(_ childIds: [UUID]) -> SQL? {
        guard !childIds.isEmpty else { return nil }
        return SQL("""
            SELECT c.id, c.person_id, c.unit_id, g.guardian_id, g.parental_responsibility, g.daily_care
            FROM children c LEFT JOIN guardianships g ON g.child_id = c.id
            WHERE c.id = ANY(\(childIds)) ORDER BY c.id, g.guardian_id
            """).prepared
    }

    /// Every consent of the children (withdrawn and expired ones too: `isActive` decides).
    public static func consents(_ childIds: [UUID], on connection: PostgresConnection) throws -> [UUID: [ConsentGrant]] {
        guard let statement = consentsStatement(childIds) else { return [:] }
        var result: [UUID: [ConsentGrant]] = [:]
        for row in try connection.query(statement) {
            let childId = try row.decode(UUID.self, 0)
            result[childId, default: []].append(ConsentGrant(
                id: try row.decode(UUID.self, 1), childId: childId,
                services: Set(try row.decode([String].self, 2).compactMap(ServiceKind.init(rawValue:))),
                arenaIds: Set(try row.decode([UUID].self, 3)), unitIds: Set(try row.decode([UUID].self, 9)),
                information: Set(try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:))),
                validFrom: try row.decode(LocalDate.self, 5), validUntil: try row.decode(LocalDate?.self, 6),
                withdrawnAt: try row.decode(Date?.self, 7), youngPersonConsented: try row.decode(Bool.self, 8)
            ))
        }
        return result
    }

    /// ``consents(_:on:)``'s statement (nil: no children, nothing to ask).
    public static func consentsStatement(_ childIds: [UUID]) -> SQL? {
        guard !childIds.isEmpty else { return nil }
        return SQL("""
            SELECT child_id, id, services, arena_ids, information, valid_from, valid_until, withdrawn_at, young_person_consented, unit_ids
            FROM consents WHERE child_id = ANY(\(childIds)) ORDER BY recorded_at DESC, id
            """).prepared
    }

    /// People with their memberships in active units (inactive people are returned with
    /// `active == false`, so the caller can tell "gone" from "missing").
    public static func people(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: PersonFacts] {
        guard !ids.isEmpty else { return [:] }
        var result: [UUID: PersonFacts] = [:]
        for row in try connection.query(SQL("""
            SELECT p.id, p.kind, p.name, p.email, p.active, m.unit_id, u.name, u.service, m.role, m.title
            FROM people p
            LEFT JOIN memberships m ON m.person_id = p.id
            LEFT JOIN units u ON u.id = m.unit_id AND u.active
            WHERE p.id = ANY(\(ids))
            ORDER BY p.id, u.name, m.role
            """).prepared) {
            let id = try row.decode(UUID.self, 0)
            if result[id] == nil {
                guard let kind = PersonKind(rawValue: try row.decode(String.self, 1)) else { continue }
                let email = try row.decode(String?.self, 3)?.trimmingCharacters(in: .whitespacesAndNewlines)
                result[id] = PersonFacts(id: id, kind: kind, name: try row.decode(String.self, 2),
                                         email: email?.isEmpty == false ? email : nil, active: try row.decode(Bool.self, 4), memberships: [])
            }
            guard let unitId = try row.decode(UUID?.self, 5), let unitName = try row.decode(String?.self, 6),
                  let service = try row.decode(String?.self, 7).flatMap(ServiceKind.init(rawValue:)),
                  let role = try row.decode(String?.self, 8).flatMap(Role.init(rawValue:))
            else { continue }
            result[id]?.memberships.append(.init(unitId: unitId, unitName: unitName, service: service, role: role,
                                                 title: try row.decode(String?.self, 9) ?? ""))
        }
        return result
    }
}
