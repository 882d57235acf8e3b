import Foundation
import SamtakDomain
import SamtakPostgres

/// Arenas: who takes part in them.
enum ArenaStore {
    /// The arenas among `arenaIds` that `principal` takes part in (by person, by role in a
    /// unit, or as the arena's owner), in one statement.
    static func arenasTakingPart(_ principal: Principal, among arenaIds: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        guard !arenaIds.isEmpty else { return [] }
        var arenas: Set<UUID> = []
        for row in try connection.query(SQL("""
            SELECT arena_id, unit_id, role, person_id FROM arena_participants WHERE arena_id = ANY(\(arenaIds))
            UNION ALL
            SELECT id, NULL, NULL, owner_person_id FROM arenas WHERE id = ANY(\(arenaIds)) AND owner_person_id IS NOT NULL
            """).prepared) {
            let arenaId = try row.decode(UUID.self, 0)
            if try row.decode(UUID?.self, 3) == principal.personId { arenas.insert(arenaId); continue }
            if let unit = try row.decode(UUID?.self, 1), let role = try row.decode(String?.self, 2).flatMap(Role.init(rawValue:)),
               principal.hasRole(role, in: unit) { arenas.insert(arenaId) }
        }
        return arenas
    }
}

extension ArenaStore {
    /// What calling an arena's meeting "etter behov" decides on.
    struct CallFacts: Sendable {
        var kind: ArenaKind
        var active: Bool
        var hasRhythm: Bool
        var ownerPersonId: UUID?
        var ownerUnitId: UUID
    }

    static func callFacts(_ id: UUID, on connection: PostgresConnection) throws -> CallFacts? {
        try connection.query(SQL("""
            SELECT kind, active, rrule IS NOT NULL, owner_person_id, owner_unit_id FROM arenas WHERE id = \(id)
            """).prepared).first.map { row throws(PostgresError) in
            CallFacts(kind: try row.decode(ArenaKind.self, 0), active: try row.decode(Bool.self, 1), hasRhythm: try row.decode(Bool.self, 2),
                      ownerPersonId: try row.decode(UUID?.self, 3), ownerUnitId: try row.decode(UUID.self, 4))
        }
    }
}
