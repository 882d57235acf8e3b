import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// The reads behind the coordinator's child pages (issue 16) that the coordination store did
/// not have: the staff who may be asked to coordinate or be invited around the child
/// (``CoordinatorCandidates``), the child's family as participants, and the children a
/// person coordinates now. Rows only; the routes decide.
enum ChildCooperationStore {
    struct StaffRow: Sendable {
        var facts: ParticipantFacts
        var name: String
        var unitNames: [UUID: String]
    }

    /// Active staff with a membership in an active unit of `services` or one of `unitIds`
    /// (at most 500 people, by name), with all their memberships in such units.
    static func candidateStaff(services: Set<ServiceKind>, unitIds: Set<UUID>, child: ChildRelations,
                               on connection: PostgresConnection) throws -> [StaffRow] {
        guard !services.isEmpty || !unitIds.isEmpty else { return [] }
        let rows = try connection.query(SQL("""
            SELECT p.id, p.name, m.unit_id, u.name, u.service, m.role
            FROM people p JOIN memberships m ON m.person_id = p.id JOIN units u ON u.id = m.unit_id AND u.active
            WHERE p.kind = 'staff' AND p.active AND (u.service = ANY(\(services.map(\.rawValue).sorted())) OR u.id = ANY(\(Array(unitIds))))
            ORDER BY p.name, p.id, u.name, m.role
            """).prepared)
        var order: [UUID] = []
        var byId: [UUID: StaffRow] = [:]
        for row in rows {
            let id = try row.decode(UUID.self, 0)
            guard let service = ServiceKind(rawValue: try row.decode(String.self, 4)),
                  let role = Role(rawValue: try row.decode(String.self, 5)) else { continue }
            let unit = try row.decode(UUID.self, 2)
            if byId[id] == nil {
                order.append(id)
                byId[id] = StaffRow(facts: ParticipantFacts(personId: id, kind: .staff, active: true, memberships: [],
                                                            isGuardian: child.guardianIds.contains(id), isChild: child.personId == id),
                                    name: try row.decode(String.self, 1), unitNames: [:])
            }
            byId[id]?.facts.memberships.append(.init(unitId: unit, service: service, role: role))
            byId[id]?.unitNames[unit] = try row.decode(String.self, 3)
        }
        return order.prefix(500).compactMap { byId[$0] }
    }

    struct FamilyRow: Sendable {
        var personId: UUID
        var name: String
        var relation: String
    }

    /// The child's guardians with access and the young person (when linked), active only.
    static func family(_ child: ChildRelations, on connection: PostgresConnection) throws -> [FamilyRow] {
        let ids = Array(child.guardianIds) + (child.personId.map { [$0] } ?? [])
        guard !ids.isEmpty else { return [] }
        return try connection.query(SQL("SELECT id, name FROM people WHERE id = ANY(\(ids)) AND active ORDER BY name, id").prepared)
            .map { row throws(PostgresError) in
                let id = try row.decode(UUID.self, 0)
                return FamilyRow(personId: id, name: try row.decode(String.self, 1), relation: id == child.personId ? "young_person" : "guardian")
            }
    }

    /// The children `personId` is the active coordinator of (ids and codes only), newest first.
    static func coordinatedChildren(by personId: UUID, on connection: PostgresConnection) throws -> [(childId: UUID, kind: CoordinatorKind)] {
        try connection.query(coordinatedChildrenStatement(by: personId)).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(CoordinatorKind.self, 1)) }
    }

    /// ``coordinatedChildren(by:on:)``'s statement (to read it ahead with others).
    static func coordinatedChildrenStatement(by personId: UUID) -> SQL {
        SQL("""
            SELECT child_id, kind FROM coordinators WHERE person_id = \(personId) AND status = 'active'
            ORDER BY started_at DESC, id LIMIT 50
            """).prepared
    }
}
