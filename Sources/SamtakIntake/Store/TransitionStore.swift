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
        var attendsSfo: Bool
        var receivingTeacherId: UUID?
        var ansvarsgruppeMeetingId: UUID?
    }

    static func itemRow(_ row: PostgresRow) throws(PostgresError) -> ItemRow {
        var texts: [InformationCategory: String] = [:]
        for (offset, category) in TransitionRules.itemCategories.enumerated() {
            if let text = try row.decode(String?.self, 6 + offset) { texts[category] = text }
        }
        return ItemRow(caseId: try row.decode(UUID.self, 0), meetingId: try row.decode(UUID.self, 1), childId: try row.decode(UUID.self, 2),
                       consentId: try row.decode(UUID.self, 3),
                       information: try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:)),
                       specialNeedsSupport: try row.decode(Bool.self, 5), texts: texts, updatedAt: try row.decode(Date.self, 10),
                       attendsSfo: try row.decode(Bool.self, 11), receivingTeacherId: try row.decode(UUID?.self, 12),
                       ansvarsgruppeMeetingId: try row.decode(UUID?.self, 13))
    }

    static let itemColumns: SQL = """
        case_id, meeting_id, child_id, consent_id, information, special_needs_support, school_situation, special_needs, health, family, updated_at,
        attends_sfo, receiving_teacher_id, ansvarsgruppe_meeting_id
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

    // MARK: Issue 16: the seasons a person works on, and one child's arrangements

    /// One season in a person's list (`GET /v1/transition-seasons` returns these as they are).
    struct SeasonSummaryRow: Codable, Sendable {
        var id: UUID
        var schoolYear: String
        var stage: TransitionStage
        var arenaId: UUID
        var receivingUnitId: UUID
        var receivingUnitName: String
        var meetings: Int
        var nextMeetingAt: Date?
        /// Plans the season (created it, leads the receiving unit or owns the arena); else takes part.
        var organiser: Bool
    }

    /// The seasons `person` plans (created it, leads the receiving unit, owns the arena) or takes
    /// part in (a participant of one of its meetings), newest school year first. One statement.
    static func seasons(for person: UUID, limit: Int, on connection: PostgresConnection) throws -> [SeasonSummaryRow] {
        try connection.query("""
            SELECT s.id, s.school_year, s.stage, s.arena_id, s.receiving_unit_id, u.name,
                   (SELECT count(*) FROM transition_meetings tm WHERE tm.season_id = s.id)::int,
                   (SELECT min(m.starts_at) FROM transition_meetings tm JOIN meetings m ON m.id = tm.meeting_id
                     WHERE tm.season_id = s.id AND m.starts_at > now() AND m.status IN ('planned', 'agenda_published')),
                   (s.created_by = \(person) OR a.owner_person_id = \(person)
                     OR EXISTS (SELECT 1 FROM memberships ms WHERE ms.person_id = \(person) AND ms.unit_id = s.receiving_unit_id AND ms.role = 'unit_leader'))
            FROM transition_seasons s
            JOIN units u ON u.id = s.receiving_unit_id
            JOIN arenas a ON a.id = s.arena_id
            WHERE s.created_by = \(person) OR a.owner_person_id = \(person)
               OR EXISTS (SELECT 1 FROM memberships ms WHERE ms.person_id = \(person) AND ms.unit_id = s.receiving_unit_id AND ms.role = 'unit_leader')
               OR EXISTS (SELECT 1 FROM transition_meetings tm JOIN meeting_participants mp ON mp.meeting_id = tm.meeting_id
                          WHERE tm.season_id = s.id AND mp.person_id = \(person))
            ORDER BY s.school_year DESC, s.created_at DESC, s.id
            LIMIT \(limit)
            """).map { row throws(PostgresError) in
            SeasonSummaryRow(id: try row.decode(UUID.self, 0), schoolYear: try row.decode(String.self, 1), stage: try row.decode(TransitionStage.self, 2),
                             arenaId: try row.decode(UUID.self, 3), receivingUnitId: try row.decode(UUID.self, 4),
                             receivingUnitName: try row.decode(String.self, 5), meetings: try row.decode(Int.self, 6),
                             nextMeetingAt: try row.decode(Date?.self, 7), organiser: try row.decode(Bool.self, 8))
        }
    }

    /// The season a transition meeting belongs to: its stage and receiving unit.
    static func seasonOfMeeting(_ meetingId: UUID, on connection: PostgresConnection) throws -> (seasonId: UUID, stage: TransitionStage, receivingUnitId: UUID)? {
        try connection.query("""
            SELECT s.id, s.stage, s.receiving_unit_id FROM transition_meetings tm JOIN transition_seasons s ON s.id = tm.season_id
            WHERE tm.meeting_id = \(meetingId)
            """).first.map { row throws(PostgresError) in
            (try row.decode(UUID.self, 0), try row.decode(TransitionStage.self, 1), try row.decode(UUID.self, 2))
        }
    }

    /// The leaders of the active SFO units under the receiving school (`units.parent_id`).
    static func sfoLeaders(receivingUnitId: UUID, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query("""
            SELECT DISTINCT m.person_id FROM units u JOIN memberships m ON m.unit_id = u.id AND m.role = 'unit_leader'
            JOIN people p ON p.id = m.person_id AND p.active
            WHERE u.parent_id = \(receivingUnitId) AND u.service = 'sfo' AND u.active ORDER BY m.person_id
            """).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
    }

    /// Whether `person` is an active teacher of the unit.
    static func isTeacher(_ person: UUID, of unitId: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("""
            SELECT 1 FROM memberships m JOIN people p ON p.id = m.person_id AND p.active AND p.kind = 'staff'
            WHERE m.person_id = \(person) AND m.unit_id = \(unitId) AND m.role = 'teacher'
            """).isEmpty
    }

    static func updateArrangements(_ caseId: UUID, attendsSfo: Bool, specialNeedsSupport: Bool, receivingTeacherId: UUID?, by person: UUID,
                                   on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE transition_items SET attends_sfo = \(attendsSfo), special_needs_support = \(specialNeedsSupport),
                receiving_teacher_id = \(receivingTeacherId), updated_by = \(person), updated_at = now()
            WHERE case_id = \(caseId)
            """)
    }

    /// The municipality's ansvarsgruppe arena (the first active one).
    static func ansvarsgruppeArenaId(on connection: PostgresConnection) throws -> UUID? {
        try connection.query("SELECT id FROM arenas WHERE kind = 'ansvarsgruppe' AND active ORDER BY created_at, id LIMIT 1")
            .first?.decode(UUID.self, 0)
    }

    static func setAnsvarsgruppe(_ caseId: UUID, meetingId: UUID, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE transition_items SET ansvarsgruppe_meeting_id = \(meetingId), updated_by = \(person), updated_at = now() WHERE case_id = \(caseId)
            """)
    }
}
