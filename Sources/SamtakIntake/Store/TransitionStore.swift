import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// Transition seasons, their meetings and items (`transition_seasons`, `transition_meetings`,
/// `transition_items`, Schema/0005) and the register reads planning them needs. Rows only;
/// ``TransitionRoutes`` decides (``TransitionRules``) and maps.
enum TransitionStore {
    static func unitServices(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: ServiceKind] {
        var out: [UUID: ServiceKind] = [:]
        for row in try connection.query(SQL("SELECT id, service FROM units WHERE id = ANY(\(Array(Set(ids)))) AND active").prepared) {
            out[try row.decode(UUID.self, 0)] = ServiceKind(rawValue: try row.decode(String.self, 1))
        }
        return out
    }

    /// PPT's people for the arena: its PPT participants (by person or unit role), else PPT's leaders.
    static func pptPeople(arena: UUID, on connection: PostgresConnection) throws -> [UUID] {
        let listed = try connection.query("""
            SELECT DISTINCT coalesce(ap.person_id, m.person_id)
            FROM arena_participants ap
            LEFT JOIN units u ON u.id = ap.unit_id
            LEFT JOIN memberships m ON m.unit_id = ap.unit_id AND m.role = ap.role
            LEFT JOIN memberships pm ON pm.person_id = ap.person_id
            LEFT JOIN units pu ON pu.id = pm.unit_id
            WHERE ap.arena_id = \(arena) AND coalesce(u.service, pu.service) = 'ppt' AND coalesce(ap.person_id, m.person_id) IS NOT NULL
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        if !listed.isEmpty { return listed }
        return try connection.query("""
            SELECT m.person_id FROM memberships m JOIN units u ON u.id = m.unit_id AND u.active WHERE u.service = 'ppt' AND m.role = 'unit_leader'
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    struct ItemRow: Sendable {
        var caseId: UUID
        var meetingId: UUID
        var childId: UUID
        var consentId: UUID
        var information: [InformationCategory]
        var specialNeedsSupport: Bool
        var texts: [InformationCategory: String]
        var updatedAt: Date
    }

    static func itemRow(_ row: PostgresRow) throws(PostgresError) -> ItemRow {
        var texts: [InformationCategory: String] = [:]
        for (offset, category) in TransitionRules.itemCategories.enumerated() {
            if let text = try row.decode(String?.self, 6 + offset) { texts[category] = text }
        }
        return ItemRow(caseId: try row.decode(UUID.self, 0), meetingId: try row.decode(UUID.self, 1), childId: try row.decode(UUID.self, 2),
                       consentId: try row.decode(UUID.self, 3),
                       information: try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:)),
                       specialNeedsSupport: try row.decode(Bool.self, 5), texts: texts, updatedAt: try row.decode(Date.self, 10))
    }

    static let itemColumns: SQL = """
        case_id, meeting_id, child_id, consent_id, information, special_needs_support, school_situation, special_needs, health, family, updated_at
        """

    static func loadItem(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> ItemRow? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(itemColumns) FROM transition_items WHERE case_id = \(id)\(lock)").first.map(itemRow)
    }

    static func arenaOwner(_ arenaId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("SELECT owner_person_id FROM arenas WHERE id = \(arenaId)").prepared).first?.decode(UUID?.self, 0)
    }

    /// Throws the unique violation when the school year's season of that stage exists.
    static func insertSeason(_ id: UUID, schoolYear: String, stage: TransitionStage, arenaId: UUID, receivingUnitId: UUID, by person: UUID,
                             on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO transition_seasons (id, school_year, stage, arena_id, receiving_unit_id, created_by)
            VALUES (\(id), \(schoolYear), \(stage.rawValue), \(arenaId), \(receivingUnitId), \(person))
            """)
    }

    static func childrenAt(_ unitId: UUID, among ids: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        Set(try connection.query("SELECT id FROM children WHERE id = ANY(\(ids)) AND unit_id = \(unitId)")
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
    }

    static func children(at unitId: UUID, grade: Int, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query("SELECT id FROM children WHERE unit_id = \(unitId) AND grade = \(grade) ORDER BY name, id")
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    static func hasPPTReferral(_ childId: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("""
            SELECT 1 FROM cases WHERE child_id = \(childId) AND category = 'referral' AND target_service = 'ppt' AND status <> 'withdrawn'
            """).isEmpty
    }

    static func childName(_ childId: UUID, on connection: PostgresConnection) throws -> (name: String, birthDate: LocalDate?)? {
        try connection.query("SELECT name, birth_date FROM children WHERE id = \(childId)").first.map { row throws(PostgresError) in
            (try row.decode(String.self, 0), try row.decode(LocalDate?.self, 1))
        }
    }

    static func insertCase(_ id: UUID, arenaId: UUID, childId: UUID, consentId: UUID, sendingUnitId: UUID, by person: UUID, title: String,
                           grade: Int?, concern: String, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                               concern, status)
            VALUES (\(id), 'case', 'named', \(arenaId), \(childId), \(consentId), \(sendingUnitId), \(person), \(person), \(title), \(grade),
                    \(concern), 'scheduled')
            """)
    }

    /// The receiving unit's leaders and the sending unit's leaders and teachers (active).
    static func leadersAndTeachers(receivingUnitId: UUID, sendingUnitId: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query("""
            SELECT DISTINCT person_id FROM memberships m JOIN people p ON p.id = m.person_id AND p.active
            WHERE (m.unit_id = \(receivingUnitId) AND m.role = 'unit_leader')
               OR (m.unit_id = \(sendingUnitId) AND m.role IN ('unit_leader', 'teacher'))
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    static func activeStaff(among ids: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        Set(try connection.query("SELECT id FROM people WHERE id = ANY(\(ids)) AND kind = 'staff' AND active")
            .map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
    }

    static func insertMeeting(_ meetingId: UUID, season: UUID, sendingUnitId: UUID, withoutConsent: Int, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO transition_meetings (meeting_id, season_id, sending_unit_id, children_without_consent)
            VALUES (\(meetingId), \(season), \(sendingUnitId), \(withoutConsent))
            """)
    }

    static func insertItem(caseId: UUID, meetingId: UUID, childId: UUID, consentId: UUID, information: [InformationCategory], specialNeeds: Bool,
                           on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO transition_items (case_id, meeting_id, child_id, consent_id, information, special_needs_support)
            VALUES (\(caseId), \(meetingId), \(childId), \(consentId), \(information.map(\.rawValue)), \(specialNeeds))
            """)
    }

    static func season(_ id: UUID, on connection: PostgresConnection) throws -> PostgresRow? {
        try connection.query("""
            SELECT id, school_year, stage, arena_id, receiving_unit_id, created_by, created_at FROM transition_seasons WHERE id = \(id)
            """).first
    }

    static func meetings(ofSeason id: UUID, on connection: PostgresConnection) throws -> [(UUID, UUID, Int)] {
        try connection.query("""
            SELECT tm.meeting_id, tm.sending_unit_id, tm.children_without_consent FROM transition_meetings tm JOIN meetings m ON m.id = tm.meeting_id
            WHERE tm.season_id = \(id) ORDER BY m.starts_at, m.id
            """).map { row throws(PostgresError) in (try row.decode(UUID.self, 0), try row.decode(UUID.self, 1), try row.decode(Int.self, 2)) }
    }

    static func items(ofMeeting meetingId: UUID, on connection: PostgresConnection) throws -> [ItemRow] {
        try connection.query("SELECT \(itemColumns) FROM transition_items WHERE meeting_id = \(meetingId) ORDER BY case_id").map(itemRow)
    }

    static func updateItem(_ caseId: UUID, schoolSituation: String?, specialNeeds: String?, health: String?, family: String?, by person: UUID,
                           on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE transition_items SET school_situation = \(schoolSituation), special_needs = \(specialNeeds),
                health = \(health), family = \(family), updated_by = \(person), updated_at = now()
            WHERE case_id = \(caseId)
            """)
    }
}
