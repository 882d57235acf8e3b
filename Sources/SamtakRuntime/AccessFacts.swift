import Foundation
import SamtakDomain
import SamtakPostgres

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
    /// coverage: a consent covers an arena when it names every service in the room).
    public static func arenaScope(_ arenaId: UUID, on connection: PostgresConnection) throws -> ArenaScope? {
        guard let row = try connection.query(SQL("""
            SELECT a.young_person_consent_age,
                   array_remove(array_agg(DISTINCT coalesce(u.service, pu.service)) || array_agg(DISTINCT owner.service), NULL)
            FROM arenas a
            JOIN units owner ON owner.id = a.owner_unit_id
            LEFT JOIN arena_participants ap ON ap.arena_id = a.id
            LEFT JOIN units u ON u.id = ap.unit_id
            LEFT JOIN memberships pm ON pm.person_id = ap.person_id AND ap.unit_id IS NULL
            LEFT JOIN units pu ON pu.id = pm.unit_id
            WHERE a.id = \(arenaId)
            GROUP BY a.id
            """).prepared).first else { return nil }
        return ArenaScope(id: arenaId, participantServices: Set(try row.decode([String].self, 1).compactMap(ServiceKind.init(rawValue:))),
                          youngPersonConsentAge: try row.decode(Int?.self, 0))
    }

    /// Guardians, the child as a user, and the child's own unit, per child.
    public static func childRelations(_ childIds: [UUID], on connection: PostgresConnection) throws -> [UUID: ChildRelations] {
        guard !childIds.isEmpty else { return [:] }
        var result: [UUID: ChildRelations] = [:]
        for row in try connection.query(SQL("""
            SELECT c.id, c.person_id, c.unit_id,
                   coalesce((SELECT array_agg(guardian_id) FROM guardianships WHERE child_id = c.id), '{}')
            FROM children c WHERE c.id = ANY(\(childIds))
            """).prepared) {
            let id = try row.decode(UUID.self, 0)
            result[id] = ChildRelations(childId: id, guardianIds: Set(try row.decode([UUID].self, 3)),
                                        personId: try row.decode(UUID?.self, 1), unitId: try row.decode(UUID?.self, 2))
        }
        return result
    }

    /// Every consent of the children (withdrawn and expired ones too: `isActive` decides).
    public static func consents(_ childIds: [UUID], on connection: PostgresConnection) throws -> [UUID: [ConsentGrant]] {
        guard !childIds.isEmpty else { return [:] }
        var result: [UUID: [ConsentGrant]] = [:]
        for row in try connection.query(SQL("""
            SELECT child_id, id, services, arena_ids, information, valid_from, valid_until, withdrawn_at, young_person_consented
            FROM consents WHERE child_id = ANY(\(childIds)) ORDER BY recorded_at DESC, id
            """).prepared) {
            let childId = try row.decode(UUID.self, 0)
            result[childId, default: []].append(ConsentGrant(
                id: try row.decode(UUID.self, 1), childId: childId,
                services: Set(try row.decode([String].self, 2).compactMap(ServiceKind.init(rawValue:))),
                arenaIds: Set(try row.decode([UUID].self, 3)),
                information: Set(try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:))),
                validFrom: try row.decode(LocalDate.self, 5), validUntil: try row.decode(LocalDate?.self, 6),
                withdrawnAt: try row.decode(Date?.self, 7), youngPersonConsented: try row.decode(Bool.self, 8)
            ))
        }
        return result
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
