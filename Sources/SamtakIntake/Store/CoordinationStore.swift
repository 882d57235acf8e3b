import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

/// Loading what the coordination rules (`SamtakDomain/Coordination`) look at, and the
/// coordination records themselves: coordinators, handovers, logs, measures, notes.
enum CoordinationStore {
    /// A child as the coordination rules see it.
    struct ChildFacts: Sendable {
        var relations: ChildRelations
        var consents: [ConsentGrant]
        var createdBy: UUID
        var birthDate: LocalDate?
        var grade: Int?
        var age: Int? { birthDate.map { SamtakDomain.age(bornOn: $0, on: OsloTime.localDate(at: Date())) } }
    }

    static func child(_ id: UUID, on connection: PostgresConnection) throws -> ChildFacts? {
        guard let (relations, createdBy) = try ChildAccessLoader.relations(id, on: connection),
              let row = try connection.query("SELECT birth_date, grade FROM children WHERE id = \(id)").first else { return nil }
        return ChildFacts(relations: relations, consents: try ChildAccessLoader.consents(id, on: connection), createdBy: createdBy,
                          birthDate: try row.decode(LocalDate?.self, 0), grade: try row.decode(Int?.self, 1))
    }

    /// What the log allows the caller.
    static func logAccess(_ principal: Principal, _ child: ChildFacts) -> LogAccess {
        CoordinationPolicy.logAccess(principal: principal, child: child.relations, consents: child.consents, at: Date())
    }

    /// Whether the caller may see that the child has a coordinator, meetings, a timeline:
    /// the log's readers, and whoever may see the child's record.
    static func childVisibility(_ principal: Principal, _ child: ChildFacts) -> (basis: AccessBasis, consentId: UUID?)? {
        let log = logAccess(principal, child)
        if let basis = log.basis { return (basis, log.consentId) }
        if AccessPolicy.registrarAccess(principal: principal, registeredBy: child.createdBy, child: child.relations) { return (.owner, nil) }
        if case .full(let basis, let consentId) = AccessPolicy.childAccess(principal: principal, child: child.relations,
                                                                           consents: child.consents, at: Date()) {
            return (basis, consentId)
        }
        return nil
    }

    /// Loads the child and checks that the caller may see it (404 otherwise, whether it exists or not).
    static func visibleChild(_ id: UUID, _ principal: Principal, on connection: PostgresConnection) throws
        -> (child: ChildFacts, basis: AccessBasis, consentId: UUID?) {
        guard let child = try child(id, on: connection), let visible = childVisibility(principal, child) else {
            throw Problem.notFound("Child")
        }
        return (child, visible.basis, visible.consentId)
    }

    /// The rule facts of people (missing ids are absent from the result).
    static func participantFacts(_ ids: [UUID], child: ChildRelations, on connection: PostgresConnection) throws -> [UUID: ParticipantFacts] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query("""
            SELECT p.id, p.kind, p.active, m.unit_id, u.service, m.role
            FROM people p LEFT JOIN memberships m ON m.person_id = p.id LEFT JOIN units u ON u.id = m.unit_id AND u.active
            WHERE p.id = ANY(\(Array(Set(ids))))
            """)
        var out: [UUID: ParticipantFacts] = [:]
        for row in rows {
            let id = try row.decode(UUID.self, 0)
            guard let kind = PersonKind(rawValue: try row.decode(String.self, 1)) else { continue }
            let active = try row.decode(Bool.self, 2)
            var facts = out[id] ?? ParticipantFacts(personId: id, kind: kind, active: active, memberships: [],
                                                    isGuardian: child.guardianIds.contains(id), isChild: child.personId == id)
            if let unit = try row.decode(UUID?.self, 3), let service = try row.decode(String?.self, 4).flatMap(ServiceKind.init(rawValue:)),
               let role = try row.decode(String?.self, 5).flatMap(Role.init(rawValue:)) {
                facts.memberships.append(.init(unitId: unit, service: service, role: role))
            }
            out[id] = facts
        }
        return out
    }

    static func personName(_ id: UUID?, on connection: PostgresConnection) throws -> String? {
        guard let id else { return nil }
        return try connection.query(SQL("SELECT name FROM people WHERE id = \(id)").prepared).first?.decode(String.self, 0)
    }

    // MARK: Coordinators

    struct CoordinatorResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var personId: UUID
        var personName: String
        var unitId: UUID
        var service: ServiceKind
        var kind: CoordinatorKind
        var status: String
        var consentId: UUID
        var assignedBy: UUID
        var handoverId: UUID?
        var startedAt: Date
        var endedAt: Date?
        var endedReason: String?
    }

    struct HandoverResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var fromPersonId: UUID
        var toPersonId: UUID
        var toUnitId: UUID
        var status: HandoverStatus
        var note: String
        var requestedAt: Date
        var respondedAt: Date?
        var respondedBy: UUID?
    }

    struct CoordinationResource: Codable, Sendable {
        var childId: UUID
        var current: CoordinatorResource?
        var pendingHandover: HandoverResource?
        var history: [CoordinatorResource]
        var handovers: [HandoverResource]
    }

    static let coordinatorColumns: SQL = """
        c.id, c.child_id, c.person_id, p.name, c.unit_id, c.service, c.kind, c.status, c.consent_id, c.assigned_by, c.handover_id,
        c.started_at, c.ended_at, c.ended_reason
        """

    static func coordinator(_ row: PostgresRow) throws(PostgresError) -> CoordinatorResource {
        CoordinatorResource(
            id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), personId: try row.decode(UUID.self, 2),
            personName: try row.decode(String.self, 3), unitId: try row.decode(UUID.self, 4),
            service: try row.decode(ServiceKind.self, 5),
            kind: try row.decode(CoordinatorKind.self, 6), status: try row.decode(String.self, 7),
            consentId: try row.decode(UUID.self, 8), assignedBy: try row.decode(UUID.self, 9), handoverId: try row.decode(UUID?.self, 10),
            startedAt: try row.decode(Date.self, 11), endedAt: try row.decode(Date?.self, 12), endedReason: try row.decode(String?.self, 13)
        )
    }

    static func activeCoordinator(of childId: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> CoordinatorResource? {
        let lock: SQL = forUpdate ? " FOR UPDATE OF c" : ""
        return try connection.query("""
            SELECT \(coordinatorColumns) FROM coordinators c JOIN people p ON p.id = c.person_id
            WHERE c.child_id = \(childId) AND c.status = 'active'\(lock)
            """).first.map(coordinator)
    }

    static let handoverColumns: SQL = """
        h.id, h.child_id, h.from_person_id, h.to_person_id, h.to_unit_id, h.status, h.note, h.requested_at, h.responded_at, h.responded_by
        """

    static func handover(_ row: PostgresRow) throws(PostgresError) -> HandoverResource {
        HandoverResource(
            id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), fromPersonId: try row.decode(UUID.self, 2),
            toPersonId: try row.decode(UUID.self, 3), toUnitId: try row.decode(UUID.self, 4),
            status: try row.decode(HandoverStatus.self, 5), note: try row.decode(String.self, 6),
            requestedAt: try row.decode(Date.self, 7), respondedAt: try row.decode(Date?.self, 8), respondedBy: try row.decode(UUID?.self, 9)
        )
    }

    static func loadHandover(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> HandoverResource? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(handoverColumns) FROM coordinator_handovers h WHERE h.id = \(id)\(lock)").first.map(handover)
    }

    static func coordination(of childId: UUID, on connection: PostgresConnection) throws -> CoordinationResource {
        let history = try connection.query("""
            SELECT \(coordinatorColumns) FROM coordinators c JOIN people p ON p.id = c.person_id
            WHERE c.child_id = \(childId) ORDER BY c.started_at, c.id
            """).map(coordinator)
        let handovers = try connection.query("""
            SELECT \(handoverColumns) FROM coordinator_handovers h WHERE h.child_id = \(childId) ORDER BY h.requested_at, h.id
            """).map(handover)
        return CoordinationResource(childId: childId, current: history.last { $0.status == "active" },
                                    pendingHandover: handovers.last { $0.status == .pending }, history: history, handovers: handovers)
    }

    // MARK: Logs, measures, notes

    struct MeasureResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var logId: UUID?
        var planId: UUID?
        var description: String
        var ownerId: UUID
        var ownerName: String
        var service: ServiceKind?
        var startsOn: LocalDate
        var evaluationDueOn: LocalDate
        var status: MeasureStatus
        var evaluation: String?
        var evaluatedAt: Date?
        var evaluatedBy: UUID?
        var evaluationOverdue: Bool
        var source: MeasureSource
        var meetingId: UUID?
        var createdBy: UUID
        var createdAt: Date
    }

    struct NoteResource: Codable, Sendable {
        var id: UUID
        var logId: UUID
        var kind: LogNoteKind
        var text: String
        var authorId: UUID
        var authorName: String
        var createdAt: Date
    }

    struct LogResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var status: CoordinationLogStatus
        var openedBy: UUID
        var openedAt: Date
        var closedBy: UUID?
        var closedAt: Date?
        var closedReason: LogCloseReason?
        var individualPlanId: UUID?
        var coordinator: CoordinatorResource?
        var measures: [MeasureResource]
        var notes: [NoteResource]
        /// `read_write` or `read_only` (closed logs are read-only for everyone).
        var access: String
    }

    struct LogRow: Sendable {
        var id: UUID
        var childId: UUID
        var status: CoordinationLogStatus
        var openedBy: UUID
        var openedAt: Date
        var closedBy: UUID?
        var closedAt: Date?
        var closedReason: LogCloseReason?
        var individualPlanId: UUID?
    }

    static func logRow(_ row: PostgresRow) throws(PostgresError) -> LogRow {
        LogRow(id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1),
               status: try row.decode(CoordinationLogStatus.self, 2), openedBy: try row.decode(UUID.self, 3),
               openedAt: try row.decode(Date.self, 4), closedBy: try row.decode(UUID?.self, 5), closedAt: try row.decode(Date?.self, 6),
               closedReason: try row.decode(String?.self, 7).flatMap(LogCloseReason.init(rawValue:)), individualPlanId: try row.decode(UUID?.self, 8))
    }

    static let logColumns: SQL = "id, child_id, status, opened_by, opened_at, closed_by, closed_at, closed_reason, individual_plan_id"

    static func loadLog(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> LogRow? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(logColumns) FROM coordination_logs WHERE id = \(id)\(lock)").first.map(logRow)
    }

    /// The child's open log, or else the most recently closed one.
    static func currentLog(of childId: UUID, on connection: PostgresConnection) throws -> LogRow? {
        try connection.query("""
            SELECT \(logColumns) FROM coordination_logs WHERE child_id = \(childId)
            ORDER BY status = 'open' DESC, opened_at DESC, id DESC LIMIT 1
            """).first.map(logRow)
    }

    static func openLogId(of childId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query("SELECT id FROM coordination_logs WHERE child_id = \(childId) AND status = 'open'").first?.decode(UUID.self, 0)
    }

    /// Opens the child's log (`log.opened`); nil when one is open already.
    static func openLog(childId: UUID, by personId: UUID, outbox: Outbox, on connection: PostgresConnection) throws -> UUID? {
        let id = UUID()
        let inserted = try connection.execute("""
            INSERT INTO coordination_logs (id, child_id, opened_by) VALUES (\(id), \(childId), \(personId))
            ON CONFLICT (child_id) WHERE status = 'open' DO NOTHING
            """)
        guard inserted == 1 else { return nil }
        try outbox.append(LogOpened(childId: childId, logId: id), on: connection)
        return id
    }

    static let measureColumns: SQL = """
        m.id, m.child_id, m.log_id, m.plan_id, m.description, m.owner_id, p.name, m.service, m.starts_on, m.evaluation_due_on, m.status,
        m.evaluation, m.evaluated_at, m.evaluated_by, m.source, m.meeting_id, m.created_by, m.created_at
        """

    static func measure(_ row: PostgresRow) throws(PostgresError) -> MeasureResource {
        let status = try row.decode(MeasureStatus.self, 10)
        let due = try row.decode(LocalDate.self, 9)
        return MeasureResource(
            id: try row.decode(UUID.self, 0), childId: try row.decode(UUID.self, 1), logId: try row.decode(UUID?.self, 2),
            planId: try row.decode(UUID?.self, 3), description: try row.decode(String.self, 4), ownerId: try row.decode(UUID.self, 5),
            ownerName: try row.decode(String.self, 6), service: try row.decode(String?.self, 7).flatMap(ServiceKind.init(rawValue:)),
            startsOn: try row.decode(LocalDate.self, 8), evaluationDueOn: due, status: status, evaluation: try row.decode(String?.self, 11),
            evaluatedAt: try row.decode(Date?.self, 12), evaluatedBy: try row.decode(UUID?.self, 13),
            evaluationOverdue: status == .active && due < OsloTime.localDate(at: Date()),
            source: try row.decode(MeasureSource.self, 14), meetingId: try row.decode(UUID?.self, 15),
            createdBy: try row.decode(UUID.self, 16), createdAt: try row.decode(Date.self, 17)
        )
    }

    static func loadMeasure(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> MeasureResource? {
        let lock: SQL = forUpdate ? " FOR UPDATE OF m" : ""
        return try connection.query("SELECT \(measureColumns) FROM coordination_measures m JOIN people p ON p.id = m.owner_id WHERE m.id = \(id)\(lock)")
            .first.map(measure)
    }

    static func measures(where condition: SQL, on connection: PostgresConnection) throws -> [MeasureResource] {
        try connection.query("""
            SELECT \(measureColumns) FROM coordination_measures m JOIN people p ON p.id = m.owner_id
            WHERE \(condition) ORDER BY m.starts_on, m.created_at, m.id
            """).map(measure)
    }

    static func notes(of logId: UUID, on connection: PostgresConnection) throws -> [NoteResource] {
        try connection.query("""
            SELECT n.id, n.log_id, n.kind, n.text, n.author_id, p.name, n.created_at
            FROM coordination_notes n JOIN people p ON p.id = n.author_id WHERE n.log_id = \(logId) ORDER BY n.created_at, n.id
            """).map { row throws(PostgresError) in
            NoteResource(id: try row.decode(UUID.self, 0), logId: try row.decode(UUID.self, 1),
                         kind: try row.decode(LogNoteKind.self, 2), text: try row.decode(String.self, 3),
                         authorId: try row.decode(UUID.self, 4), authorName: try row.decode(String.self, 5), createdAt: try row.decode(Date.self, 6))
        }
    }

    static func logResource(_ log: LogRow, access: LogAccess, on connection: PostgresConnection) throws -> LogResource {
        LogResource(
            id: log.id, childId: log.childId, status: log.status, openedBy: log.openedBy, openedAt: log.openedAt, closedBy: log.closedBy,
            closedAt: log.closedAt, closedReason: log.closedReason, individualPlanId: log.individualPlanId,
            coordinator: try activeCoordinator(of: log.childId, on: connection),
            measures: try measures(where: "m.log_id = \(log.id)", on: connection), notes: try notes(of: log.id, on: connection),
            access: access.canWrite && log.status == .open ? "read_write" : "read_only"
        )
    }

    static func addNote(logId: UUID, childId: UUID, kind: LogNoteKind, text: String, author: UUID, on connection: PostgresConnection) throws -> UUID {
        let id = UUID()
        try connection.execute("""
            INSERT INTO coordination_notes (id, log_id, child_id, kind, text, author_id) VALUES (\(id), \(logId), \(childId), \(kind.rawValue), \(text), \(author))
            """)
        return id
    }

    /// A new measure: what the API and approved minutes both write (`measure.added`). For
    /// a follow-up action the insert is idempotent (nil when it was already a measure).
    struct NewMeasure: Sendable {
        var childId: UUID
        var logId: UUID?
        var planId: UUID?
        var description: String
        var ownerId: UUID
        var service: ServiceKind?
        var startsOn: LocalDate
        var evaluationDueOn: LocalDate
        var source: MeasureSource
        var meetingId: UUID?
        var followUpActionId: UUID?
        var createdBy: UUID
    }

    @discardableResult
    static func addMeasure(_ new: NewMeasure, outbox: Outbox, on connection: PostgresConnection) throws -> UUID? {
        let id = UUID()
        let inserted = try connection.execute("""
            INSERT INTO coordination_measures (id, child_id, log_id, plan_id, description, owner_id, service, starts_on, evaluation_due_on,
                                               source, meeting_id, follow_up_action_id, created_by)
            VALUES (\(id), \(new.childId), \(new.logId), \(new.planId), \(new.description), \(new.ownerId), \(new.service?.rawValue), \(new.startsOn),
                    \(new.evaluationDueOn), \(new.source.rawValue), \(new.meetingId), \(new.followUpActionId), \(new.createdBy))
            ON CONFLICT (follow_up_action_id) DO NOTHING
            """)
        guard inserted == 1 else { return nil }
        try outbox.append(MeasureAdded(childId: new.childId, measureId: id, logId: new.logId, planId: new.planId, ownerId: new.ownerId,
                                       evaluationDueOn: new.evaluationDueOn, source: new.source, meetingId: new.meetingId), on: connection)
        return id
    }

    /// Checks a measure's owner: a guardian of the child, or active staff covered by an
    /// active consent (the owner must be able to read the log they are named in). Returns
    /// the owner's service for staff.
    static func validateOwner(_ ownerId: UUID, child: ChildFacts, field: String, on connection: PostgresConnection) throws -> ServiceKind? {
        guard let facts = try participantFacts([ownerId], child: child.relations, on: connection)[ownerId] else {
            throw Problem.field(field, "not_found", "is not a registered person")
        }
        if facts.isGuardian || facts.isChild { return nil }
        guard facts.kind == .staff, facts.active else { throw Problem.field(field, "not_staff_or_guardian", "must be staff or a guardian of the child") }
        guard let found = CoordinationPolicy.covering(facts.memberships, consents: child.consents, childUnitId: child.relations.unitId, at: Date()) else {
            throw Problem.field(field, CoordinationRefusal.serviceNotCovered.rawValue, CoordinationRefusal.serviceNotCovered.description)
        }
        return found.membership.service
    }
}

extension CoordinationStore {
    /// Every coordination log of the child (open and closed).
    static func logs(ofChild childId: UUID, on connection: PostgresConnection) throws -> [LogRow] {
        try connection.query(SQL("SELECT \(logColumns) FROM coordination_logs WHERE child_id = \(childId)").prepared).map(logRow)
    }
}

/// The writes of ``CoordinationRoutes``: coordinators, handovers, the log's closing, measures.
extension CoordinationStore {
    /// Throws the unique violation when the child already has an active coordinator.
    static func insertCoordinator(_ id: UUID, childId: UUID, personId: UUID, unitId: UUID, service: ServiceKind, kind: CoordinatorKind,
                                  consentId: UUID, assignedBy: UUID, handoverId: UUID?, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO coordinators (id, child_id, person_id, unit_id, service, kind, consent_id, assigned_by, handover_id)
            VALUES (\(id), \(childId), \(personId), \(unitId), \(service.rawValue), \(kind.rawValue), \(consentId), \(assignedBy), \(handoverId))
            """)
    }

    static func endCoordinator(_ id: UUID, reason: String, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE coordinators SET status = 'ended', ended_at = now(), ended_reason = \(reason) WHERE id = \(id)")
    }

    static func cancelPendingHandovers(of childId: UUID, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE coordinator_handovers SET status = 'cancelled', responded_at = now(), responded_by = \(person)
            WHERE child_id = \(childId) AND status = 'pending'
            """)
    }

    /// Throws the unique violation when a handover already waits for an answer.
    static func insertHandover(_ id: UUID, childId: UUID, fromCoordinatorId: UUID, fromPersonId: UUID, toPersonId: UUID, toUnitId: UUID,
                               consentId: UUID, note: String, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO coordinator_handovers (id, child_id, from_coordinator_id, from_person_id, to_person_id, to_unit_id, consent_id, note)
            VALUES (\(id), \(childId), \(fromCoordinatorId), \(fromPersonId), \(toPersonId), \(toUnitId), \(consentId), \(note))
            """)
    }

    static func answerHandover(_ id: UUID, status: HandoverStatus, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE coordinator_handovers SET status = \(status.rawValue), responded_at = now(), responded_by = \(person) WHERE id = \(id)
            """)
    }

    static func moveActiveMeasures(fromLog logId: UUID, toPlan planId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE coordination_measures SET plan_id = \(planId) WHERE log_id = \(logId) AND status = 'active' AND plan_id IS NULL
            """)
    }

    static func closeLog(_ id: UUID, by person: UUID, reason: LogCloseReason, planId: UUID?, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE coordination_logs SET status = 'closed', closed_by = \(person), closed_at = now(), closed_reason = \(reason.rawValue),
                individual_plan_id = \(planId) WHERE id = \(id)
            """)
    }

    static func isLogOpen(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query(SQL("SELECT 1 FROM coordination_logs WHERE id = \(id) AND status = 'open'").prepared).isEmpty
    }

    static func evaluateMeasure(_ id: UUID, status: MeasureStatus, evaluation: String, by person: UUID, nextEvaluationOn: LocalDate?,
                                on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE coordination_measures SET status = \(status.rawValue), evaluation = \(evaluation), evaluated_at = now(),
                evaluated_by = \(person), evaluation_due_on = coalesce(\(nextEvaluationOn), evaluation_due_on),
                evaluation_due_notified_at = CASE WHEN \(nextEvaluationOn != nil) THEN NULL ELSE evaluation_due_notified_at END
            WHERE id = \(id)
            """)
    }
}
