import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// A case as one caller may see it: everything (`visibility: full`) or only what does not
/// identify the child (`visibility: redacted`: title replaced by a descriptor, no texts).
struct CaseResource: Codable, Sendable {
    struct ChildSummary: Codable, Sendable {
        var id: UUID
        var name: String
    }
    struct Scheduling: Codable, Sendable {
        var meetingId: UUID
        var startsAt: Date
        var position: Int
        var overCapacity: Bool
    }
    struct ReferralDetails: Codable, Sendable {
        var parentalResponsibility: [UUID]
        var dailyCare: [UUID]
        var consentedBy: [UUID]
        var question: String
        var measuresTried: String
        var currentServices: [ServiceKind]
        var intakeDecision: IntakeDecision?
        var followUpOwnerId: UUID?
        /// What the intake meeting asked the referrer for (empty when nothing is asked).
        var informationRequested: String
        /// What BUP requires that the referral does not say, checked against the guardians
        /// registered now (``ReferralCompleteness``): field and rule code; empty when complete.
        var missing: [MissingItem]
        /// What the municipality added (a note from a named service), oldest first.
        var notes: [Note]
    }
    /// A note from a municipal service (``ReferralIntakeStore/NoteRow``).
    typealias Note = ReferralIntakeStore.NoteRow
    struct MissingItem: Codable, Sendable {
        var field: String
        var rule: String
    }

    var id: UUID
    var category: String
    var kind: CaseKind
    var arenaId: UUID?
    var targetService: ServiceKind?
    var status: CaseStatus
    var urgent: Bool
    var title: String
    var grade: Int?
    var concern: String?
    var adaptationsTried: String?
    /// The form of adaptations tried (``AdaptationTried``): in the case's own view, for whoever
    /// sees the case in full; absent in lists.
    var adaptations: [AdaptationTried]? = nil
    var responsibleNote: String?
    var child: ChildSummary?
    var consentId: UUID?
    var submittingUnitId: UUID
    var submittedBy: UUID
    var ownerId: UUID
    var originCaseId: UUID?
    var screeningFlags: [String]
    var scheduled: Scheduling?
    var referral: ReferralDetails?
    var visibility: String
    var accessBasis: AccessBasis
    var createdAt: Date
    var updatedAt: Date
}

/// Loading cases and deciding who sees what.
enum CaseStore {
    /// What the submitter of a case decides, written once for both directions: the input of
    /// ``insertCase(_:on:)`` and the part of a ``Row`` read back (a referral leaves the
    /// texts it has no form for empty and has no arena).
    struct CaseFields: Sendable {
        var id: UUID
        var kind: CaseKind
        var arenaId: UUID?
        var childId: UUID?
        var consentId: UUID?
        var submittingUnitId: UUID
        var submittedBy: UUID
        var ownerId: UUID
        var title: String
        var grade: Int?
        var concern: String
        var adaptationsTried: String
        var responsibleNote: String
        var urgent: Bool
        var screeningFlags: [String]
    }

    /// The stored facts of a case, before any access decision: what was submitted
    /// (``CaseFields``, read as `row.title`) and what the store keeps besides.
    @dynamicMemberLookup
    struct Row: Sendable {
        var fields: CaseFields
        var category: String
        var targetService: ServiceKind?
        var status: CaseStatus
        var originCaseId: UUID?
        var createdAt: Date
        var updatedAt: Date
        var isReferral: Bool { category == "referral" }

        subscript<Value>(dynamicMember field: WritableKeyPath<CaseFields, Value>) -> Value {
            get { fields[keyPath: field] }
            set { fields[keyPath: field] = newValue }
        }
    }

    static let columns: SQL = """
        c.id, c.category, c.kind, c.arena_id, c.target_service, c.child_id, c.consent_id, c.submitting_unit_id, c.submitted_by,
        c.owner_id, c.title, c.grade, c.concern, c.adaptations_tried, c.responsible_note, c.urgent, c.status, c.screening_flags,
        c.origin_case_id, c.created_at, c.updated_at
        """

    // MARK: Changes

    static func setStatus(_ id: UUID, _ status: CaseStatus, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE cases SET status = \(status.rawValue), updated_at = now() WHERE id = \(id)")
    }

    /// BUP intake, a rejected referral: the municipal service's person who follows up.
    static func followUpOwner(_ caseId: UUID, on connection: PostgresConnection) throws -> UUID? {
        try connection.query("SELECT follow_up_owner_id FROM referral_details WHERE case_id = \(caseId)").first?.decode(UUID?.self, 0)
    }

    static func setFollowUpOwner(_ caseId: UUID, _ owner: UUID, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE referral_details SET follow_up_owner_id = \(owner) WHERE case_id = \(caseId)")
    }

    static func setIntakeDecision(_ caseId: UUID, _ decision: IntakeDecision, on connection: PostgresConnection) throws {
        try connection.execute("UPDATE referral_details SET intake_decision = \(decision.rawValue), decided_at = now() WHERE case_id = \(caseId)")
    }

    /// A ressursteam's "refer to PPT": the referral, with the case's texts, on `consentId`. Returns its id.
    static func insertReferralToPPT(from row: Row, childId: UUID, consentId: UUID, by person: UUID, parentalResponsibility: [UUID],
                                    dailyCare: [UUID], question: String, on connection: PostgresConnection) throws -> UUID {
        let id = UUID()
        try connection.execute("""
            INSERT INTO cases (id, category, kind, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                               concern, adaptations_tried, origin_case_id)
            VALUES (\(id), 'referral', 'named', 'ppt', \(childId), \(consentId), \(row.submittingUnitId), \(person), \(row.ownerId),
                    'Henvisning til PPT', \(row.grade), \(row.concern), \(row.adaptationsTried), \(row.id))
            """)
        try connection.execute("""
            INSERT INTO referral_details (case_id, parental_responsibility, daily_care, consented_by, question, measures_tried, current_services)
            VALUES (\(id), \(parentalResponsibility), \(dailyCare), \(parentalResponsibility), \(question), \(row.adaptationsTried), \([String]()))
            """)
        return id
    }

    /// How many columns ``columns`` has (a query may select more after them).
    static let columnCount = 21

    /// The case as the agenda's visibility rule sees it (`scope`: its arena's).
    static func onAgenda(_ row: Row, scope: ArenaScope?) -> AgendaItemFacts.CaseOnAgenda {
        AgendaItemFacts.CaseOnAgenda(id: row.id, facts: facts(row, scope: scope), arenaId: row.arenaId, childId: row.childId,
                                     title: row.title, grade: row.grade)
    }

    /// The facts the access rules look at (a referral's target service counts only for a referral).
    static func facts(_ row: Row, scope: ArenaScope?) -> CaseFacts {
        CaseFacts(kind: row.kind, ownerId: row.ownerId, submittedBy: row.submittedBy, submittingUnitId: row.submittingUnitId,
                  arena: scope, targetService: row.category == "referral" ? row.targetService : nil)
    }

    static func row(_ row: PostgresRow) throws(PostgresError) -> Row {
        Row(
            fields: CaseFields(
                id: try row.decode(UUID.self, 0), kind: try row.decode(CaseKind.self, 2), arenaId: try row.decode(UUID?.self, 3),
                childId: try row.decode(UUID?.self, 5), consentId: try row.decode(UUID?.self, 6),
                submittingUnitId: try row.decode(UUID.self, 7), submittedBy: try row.decode(UUID.self, 8),
                ownerId: try row.decode(UUID.self, 9), title: try row.decode(String.self, 10), grade: try row.decode(Int?.self, 11),
                concern: try row.decode(String.self, 12), adaptationsTried: try row.decode(String.self, 13),
                responsibleNote: try row.decode(String.self, 14), urgent: try row.decode(Bool.self, 15),
                screeningFlags: try row.decode([String].self, 17)),
            category: try row.decode(String.self, 1),
            targetService: try row.decode(String?.self, 4).flatMap(ServiceKind.init(rawValue:)),
            status: try row.decode(CaseStatus.self, 16), originCaseId: try row.decode(UUID?.self, 18),
            createdAt: try row.decode(Date.self, 19), updatedAt: try row.decode(Date.self, 20)
        )
    }

    static func load(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> Row? {
        let lock: SQL = forUpdate ? " FOR UPDATE" : ""
        return try connection.query("SELECT \(columns) FROM cases c WHERE c.id = \(id)\(lock)").first.map(row)
    }

    /// The services taking part in an arena (for consent coverage).
    static func arenaScope(_ arenaId: UUID, on connection: PostgresConnection) throws -> ArenaScope? {
        try AccessFacts.arenaScope(arenaId, on: connection)
    }

    /// Decides what `principal` may see of a case.
    static func access(_ principal: Principal, to row: Row, on connection: PostgresConnection) throws -> AccessDecision {
        try access(principal, to: [row], on: connection)[0]
    }

    /// Decides what `principal` may see of each case, with the facts loaded in one batch: the
    /// arenas' scopes, the caller's participation and every child's relations and consents in
    /// a fixed number of statements however many cases and arenas (not 8 per case).
    static func access(_ principal: Principal, to rows: [Row], on connection: PostgresConnection) throws -> [AccessDecision] {
        let arenaIds = Array(Set(rows.compactMap(\.arenaId)))
        let childIds = Array(Set(rows.compactMap(\.childId)))
        // The four statements depend only on the rows: one round trip.
        try connection.prefetch([AccessFacts.arenaScopesStatement(arenaIds), ArenaStore.arenasTakingPartStatement(principal, among: arenaIds),
                                 AccessFacts.childRelationsStatement(childIds), AccessFacts.consentsStatement(childIds)].compactMap { $0 })
        let scopes = try AccessFacts.arenaScopes(arenaIds, on: connection)
        let participates = try ArenaStore.arenasTakingPart(principal, among: arenaIds, on: connection)
        let relations = try AccessFacts.childRelations(childIds, on: connection)
        let consents = try AccessFacts.consents(childIds, on: connection)
        let now = Date()
        return rows.map { row in
            AccessPolicy.caseAccess(principal: principal, facts: facts(row, scope: row.arenaId.flatMap { scopes[$0] }),
                                    child: row.childId.flatMap { relations[$0] }, consents: row.childId.flatMap { consents[$0] } ?? [],
                                    isArenaParticipant: row.arenaId.map { participates.contains($0) } ?? false, at: now)
        }
    }

    /// The resource for a decision (`nil` when denied). `onNoAgenda`: the caller knows the
    /// case is on no agenda (inserted in this very transaction), so it is not looked up.
    static func resource(_ row: Row, decision: AccessDecision, on connection: PostgresConnection, onNoAgenda: Bool = false) throws -> CaseResource? {
        try resources([(row, decision)], on: connection, onNoAgenda: onNoAgenda)[0]
    }

    /// The resources for decided cases (`nil` where denied), in the order given: the children's
    /// names and the open agenda places in one statement each; a referral seen in full adds its
    /// details (a referral list is the intake meeting's, a page of them). `detailed: false`
    /// leaves out the child and the referral's details (a ``CaseSummaryResource`` shows
    /// neither), so neither is read.
    static func resources(_ decided: [(Row, AccessDecision)], on connection: PostgresConnection, onNoAgenda: Bool = false,
                          detailed: Bool = true) throws -> [CaseResource?] {
        let shown = decided.filter { $0.1.basis != nil }
        let namedIds = detailed ? Array(Set(shown.filter { $0.1.canSeeChild }.compactMap { $0.0.childId })) : []
        let caseIds = shown.map { $0.0.id }
        // Each case's open place by key (the unique partial index), not `case_id = ANY(...)`:
        // that plan scanned every agenda item and compared it with every id (0.21 ms for 20
        // cases against 990 items in EXPLAIN ANALYZE; 0.05 ms by key), growing with the table.
        // OFFSET 0 keeps the planner from flattening the lookup back into one join.
        let placements: SQL? = onNoAgenda || caseIds.isEmpty ? nil : SQL("""
            SELECT k.id, x.meeting_id, x.starts_at, x.position, x.over_capacity FROM unnest(\(caseIds)::uuid[]) AS k(id)
            CROSS JOIN LATERAL (SELECT ai.meeting_id, m.starts_at, ai.position, ai.over_capacity FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id
                                WHERE ai.case_id = k.id AND ai.removed_at IS NULL AND ai.completed_at IS NULL OFFSET 0) x
            """).prepared
        // Both depend only on the decisions: one round trip.
        try connection.prefetch([ChildStore.namesStatement(namedIds), placements].compactMap { $0 })
        let names = try ChildStore.names(namedIds, on: connection)
        var scheduling: [UUID: CaseResource.Scheduling] = [:]
        if let placements {
            for item in try connection.query(placements) {
                scheduling[try item.decode(UUID.self, 0)] = CaseResource.Scheduling(
                    meetingId: try item.decode(UUID.self, 1), startsAt: try item.decode(Date.self, 2),
                    position: try item.decode(Int.self, 3), overCapacity: try item.decode(Bool.self, 4))
            }
        }
        return try decided.map { row, decision throws -> CaseResource? in
            guard let basis = decision.basis else { return nil }
            let full = decision.canSeeChild
            let child = full ? row.childId.flatMap { id in names[id].map { CaseResource.ChildSummary(id: id, name: $0) } } : nil
            let scheduled = scheduling[row.id]
            let referral = detailed && full && row.category == "referral" ? try referralDetails(row, on: connection) : nil
            return CaseResource(
                id: row.id, category: row.category, kind: row.kind, arenaId: row.arenaId, targetService: row.targetService, status: row.status,
                urgent: row.urgent, title: full ? row.title : CaseRedaction.anonymousTitle(position: scheduled?.position, grade: row.grade),
                grade: row.grade, concern: full ? row.concern : nil, adaptationsTried: full ? row.adaptationsTried : nil,
                responsibleNote: full ? row.responsibleNote : nil, child: child, consentId: full ? row.consentId : nil,
                submittingUnitId: row.submittingUnitId, submittedBy: row.submittedBy, ownerId: row.ownerId, originCaseId: row.originCaseId,
                screeningFlags: row.screeningFlags, scheduled: scheduled, referral: referral, visibility: full ? "full" : "redacted",
                accessBasis: basis, createdAt: row.createdAt, updatedAt: row.updatedAt
            )
        }
    }

    /// A list of cases as `principal` may see each now (denied ones left out), with every
    /// named case's read recorded in the access log in one statement; the facts, names and
    /// agenda places are loaded in one batch each.
    /// `detailed: false` for a list of ``CaseSummaryResource``s (see ``resources(_:on:onNoAgenda:detailed:)``);
    /// the log is the same, since a named case's title is shown only to whoever sees it in full.
    static func readList(_ rows: [Row], principal: Principal, on connection: PostgresConnection,
                         requestId: String?, detailed: Bool = true) throws -> [CaseResource] {
        let decisions = try access(principal, to: rows, on: connection)
        let resources = try self.resources(Array(zip(rows, decisions)), on: connection, detailed: detailed)
        var disclosures = Disclosures()
        for (row, decision) in zip(rows, decisions) where row.kind == .named {
            guard let basis = decision.basis else { continue }
            disclosures.add(Disclosure(resource: row.category, resourceId: row.id, childId: decision.canSeeChild ? row.childId : nil,
                                       basis: basis, consentId: decision.consentId))
        }
        try AccessLog.record(disclosures, actor: principal.personId, requestId: requestId, on: connection)
        return resources.compactMap { $0 }
    }

    /// A referral's details with what is still missing (nil when it has none recorded).
    private static func referralDetails(_ row: Row, on connection: PostgresConnection) throws -> CaseResource.ReferralDetails? {
        guard let details = try connection.query("""
            SELECT parental_responsibility, daily_care, consented_by, question, measures_tried, current_services, intake_decision, follow_up_owner_id,
                   information_requested
            FROM referral_details WHERE case_id = \(row.id)
            """).first else { return nil }
        var guardians: [Guardianship] = []
        if let childId = row.childId { guardians = try AccessFacts.guardianships([childId], on: connection)[childId] ?? [] }
        let content = ReferralCompleteness.Content(
            question: try details.decode(String.self, 3), measuresTried: try details.decode(String.self, 4),
            currentServices: try details.decode([String].self, 5).compactMap(ServiceKind.init(rawValue:)),
            parentalResponsibility: try details.decode([UUID].self, 0), dailyCare: try details.decode([UUID].self, 1),
            consentedBy: try details.decode([UUID].self, 2))
        let missing = ReferralCompleteness.gaps(content, guardians: guardians.map {
            ReferralCompleteness.Guardian(id: $0.guardianId, parentalResponsibility: $0.parentalResponsibility, dailyCare: $0.dailyCare)
        }).map { CaseResource.MissingItem(field: $0.field, rule: $0.rule) }
        return .init(
            parentalResponsibility: try details.decode([UUID].self, 0), dailyCare: try details.decode([UUID].self, 1),
            consentedBy: try details.decode([UUID].self, 2), question: try details.decode(String.self, 3),
            measuresTried: try details.decode(String.self, 4),
            currentServices: try details.decode([String].self, 5).compactMap(ServiceKind.init(rawValue:)),
            intakeDecision: try details.decode(String?.self, 6).flatMap(IntakeDecision.init(rawValue:)),
            followUpOwnerId: try details.decode(UUID?.self, 7),
            informationRequested: try details.decode(String.self, 8), missing: missing,
            notes: try ReferralIntakeStore.notes(caseId: row.id, on: connection)
        )
    }

    /// Loads, decides, logs (for named cases seen in full) and returns the resource, or nil.
    static func read(_ id: UUID, principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> CaseResource? {
        guard let row = try load(id, on: connection) else { return nil }
        let decision = try access(principal, to: row, on: connection)
        return try respond(row, decision: decision, principal: principal, on: connection, requestId: requestId)
    }

    /// What ``read(_:principal:on:requestId:)`` returns for a case the principal has just
    /// inserted in this transaction (`row` as the INSERT returned it), without reading it
    /// back: the submitter of an anonymous or system case sees it in full as its owner (a
    /// rule that needs no arena or consent facts), and it is on no agenda yet (the scheduler
    /// acts on the committed event). A named case is decided as a read (ownership is no basis
    /// for the child: the own unit or the consent is). Same access log as a read.
    /// `adaptations`: the ones just inserted with the case (not read back).
    static func readInserted(_ row: Row, adaptations: [AdaptationTried] = [], principal: Principal, on connection: PostgresConnection,
                             requestId: String?) throws -> CaseResource? {
        let facts = CaseFacts(kind: row.kind, ownerId: row.ownerId, submittedBy: row.submittedBy, submittingUnitId: row.submittingUnitId,
                              arena: nil, targetService: row.category == "referral" ? row.targetService : nil)
        let decision = AccessPolicy.caseAccess(principal: principal, facts: facts, child: nil, consents: [], isArenaParticipant: false, at: Date())
        // Anything but the owner's full view needs the facts left out above: decide as a read does.
        guard decision == .full(.owner, consentId: nil) else { return try read(row.id, principal: principal, on: connection, requestId: requestId) }
        return try respond(row, decision: decision, principal: principal, on: connection, requestId: requestId, onNoAgenda: true,
                           adaptations: adaptations)
    }

    private static func respond(
        _ row: Row, decision: AccessDecision, principal: Principal, on connection: PostgresConnection, requestId: String?, onNoAgenda: Bool = false,
        adaptations: [AdaptationTried]? = nil
    ) throws -> CaseResource? {
        guard var resource = try resource(row, decision: decision, on: connection, onNoAgenda: onNoAgenda) else { return nil }
        if decision.canSeeChild && row.category == "case" {
            resource.adaptations = try adaptations ?? CaseAdaptationStore.load(row.id, on: connection)
        }
        if row.kind == .named, let basis = decision.basis {
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: row.category, resourceId: row.id,
                                 childId: decision.canSeeChild ? row.childId : nil, basis: basis, consentId: decision.consentId, requestId: requestId)
        }
        return resource
    }

    /// Every case and referral about a child, oldest first.
    static func cases(ofChild childId: UUID, on connection: PostgresConnection) throws -> [Row] {
        try connection.query(SQL("SELECT \(columns) FROM cases c WHERE c.child_id = \(childId) ORDER BY c.created_at, c.id").prepared).map(row)
    }

    struct DecisionRow: Sendable {
        var code: CaseDecision
        var approvedAt: Date
        var meetingId: UUID
        /// The referral a `refer_to_ppt` decision created, and the meeting a `call_samarbeidsmote` one called.
        var referralId: UUID?
        var calledMeetingId: UUID?
    }

    /// The decisions of approved minutes on the case.
    static func decisions(on caseId: UUID, on connection: PostgresConnection) throws -> [DecisionRow] {
        try connection.query(SQL("""
            SELECT e.decision, mi.approved_at, e.meeting_id,
                   (SELECT r.id FROM cases r WHERE r.origin_case_id = \(caseId) ORDER BY r.created_at LIMIT 1),
                   (SELECT m.id FROM meetings m WHERE m.origin_case_id = \(caseId) ORDER BY m.created_at LIMIT 1)
            FROM minutes_entries e JOIN agenda_items ai ON ai.id = e.agenda_item_id JOIN minutes mi ON mi.meeting_id = e.meeting_id
            WHERE ai.case_id = \(caseId) AND mi.status = 'approved' AND e.decision IS NOT NULL AND mi.approved_at IS NOT NULL
            """).prepared).map { row throws(PostgresError) in
            DecisionRow(code: try row.decode(CaseDecision.self, 0), approvedAt: try row.decode(Date.self, 1), meetingId: try row.decode(UUID.self, 2),
                        referralId: try row.decode(UUID?.self, 3), calledMeetingId: try row.decode(UUID?.self, 4))
        }
    }

    // MARK: Submitting, listing, withdrawing (CaseRoutes)

    struct SubmissionArena: Sendable {
        var active: Bool
        var accepts: [String]
        /// The submitting unit owns the arena or takes part in it.
        var unitTakesPart: Bool
    }

    static func submissionArena(_ arenaId: UUID, unit: UUID, on connection: PostgresConnection) throws -> SubmissionArena? {
        try connection.query(SQL("""
            SELECT active, accepts,
                   owner_unit_id = \(unit)
                   OR EXISTS (SELECT 1 FROM arena_participants WHERE arena_id = arenas.id AND unit_id = \(unit))
            FROM arenas WHERE id = \(arenaId)
            """).prepared).first.map { row throws(PostgresError) in
            SubmissionArena(active: try row.decode(Bool.self, 0), accepts: try row.decode([String].self, 1), unitTakesPart: try row.decode(Bool.self, 2))
        }
    }

    /// Inserts a case to an arena (`new.arenaId`); the stored row.
    static func insertCase(_ new: CaseFields, on connection: PostgresConnection) throws -> Row? {
        try connection.query(SQL("""
            INSERT INTO cases AS c (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade,
                                    concern, adaptations_tried, responsible_note, urgent, screening_flags)
            VALUES (\(new.id), 'case', \(new.kind.rawValue), \(new.arenaId), \(new.childId), \(new.consentId), \(new.submittingUnitId),
                    \(new.submittedBy), \(new.ownerId), \(new.title), \(new.grade), \(new.concern),
                    \(new.adaptationsTried), \(new.responsibleNote), \(new.urgent), \(new.screeningFlags))
            RETURNING \(columns)
            """).prepared).first.map(row)
    }

    /// The cases a person could be involved in (the access rules decide each one): owned,
    /// submitted, of their units, to their services, of their children, of arenas they take
    /// part in or own; a page of them.
    static func candidates(for person: UUID, units: [UUID], services: [String], arenaId: UUID?, status: CaseStatus?, category: String?,
                           after: SQL, limit: Int, on connection: PostgresConnection) throws -> [Row] {
        var filter: SQL = ""
        if let arenaId { filter = filter + " AND c.arena_id = \(arenaId)" }
        if let status { filter = filter + " AND c.status = \(status.rawValue)" }
        if let category { filter = filter + " AND c.category = \(category)" }
        return try connection.query("""
            SELECT \(columns) FROM cases c
            WHERE (c.owner_id = \(person) OR c.submitted_by = \(person) OR c.submitting_unit_id = ANY(\(units))
                   OR c.target_service = ANY(\(services))
                   OR c.child_id IN (SELECT child_id FROM guardianships WHERE guardian_id = \(person))
                   OR c.arena_id IN (SELECT arena_id FROM arena_participants ap WHERE ap.person_id = \(person)
                                     OR EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = \(person)
                                                AND m.unit_id = ap.unit_id AND m.role = ap.role))
                   OR c.arena_id IN (SELECT id FROM arenas WHERE owner_person_id = \(person)))
            \(filter) \(after)
            ORDER BY c.created_at, c.id LIMIT \(limit)
            """).map(row)
    }

    static func withdraw(_ id: UUID, status: CaseStatus, on connection: PostgresConnection) throws {
        try connection.execute(SQL("UPDATE cases SET status = \(status.rawValue), withdrawn_at = now(), updated_at = now() WHERE id = \(id)").prepared)
    }

    static func guardianships(of childId: UUID, on connection: PostgresConnection) throws -> [(id: UUID, responsibility: Bool, care: Bool)] {
        try connection.query(SQL("SELECT guardian_id, parental_responsibility, daily_care FROM guardianships WHERE child_id = \(childId)").prepared)
            .map { row throws(PostgresError) in (id: try row.decode(UUID.self, 0), responsibility: try row.decode(Bool.self, 1), care: try row.decode(Bool.self, 2)) }
    }

    static func firstActiveArena(kind: String, on connection: PostgresConnection) throws -> UUID? {
        try connection.query(SQL("SELECT id FROM arenas WHERE kind = \(kind) AND active ORDER BY created_at LIMIT 1").prepared).first?.decode(UUID.self, 0)
    }

    struct NewReferral: Sendable {
        var id: UUID
        var arenaId: UUID?
        var targetService: ServiceKind
        var childId: UUID
        var consentId: UUID
        var submittingUnitId: UUID
        var submittedBy: UUID
        var ownerId: UUID
        var title: String
        var concern: String
        var urgent: Bool
        var originCaseId: UUID?
        var parentalResponsibility: [UUID]
        var dailyCare: [UUID]
        var consentedBy: [UUID]
        var question: String
        var measuresTried: String
        var currentServices: [ServiceKind]
    }

    static func insertReferral(_ new: NewReferral, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO cases (id, category, kind, arena_id, target_service, child_id, consent_id, submitting_unit_id, submitted_by, owner_id,
                               title, concern, urgent, origin_case_id)
            VALUES (\(new.id), 'referral', 'named', \(new.arenaId), \(new.targetService.rawValue), \(new.childId), \(new.consentId), \(new.submittingUnitId),
                    \(new.submittedBy), \(new.ownerId), \(new.title), \(new.concern), \(new.urgent), \(new.originCaseId))
            """)
        try connection.execute("""
            INSERT INTO referral_details (case_id, parental_responsibility, daily_care, consented_by, question, measures_tried, current_services)
            VALUES (\(new.id), \(new.parentalResponsibility), \(new.dailyCare), \(new.consentedBy), \(new.question),
                    \(new.measuresTried), \(new.currentServices.map(\.rawValue)))
            """)
    }

    /// A referral sent again with what was missing: the details given replace the old, the
    /// intake decision is cleared, a note is added to the concern.
    static func resubmitReferral(_ id: UUID, question: String?, measuresTried: String?, currentServices: [ServiceKind]?, note: String?,
                                 status: CaseStatus, on connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE referral_details SET question = coalesce(\(question), question),
                measures_tried = coalesce(\(measuresTried), measures_tried),
                current_services = coalesce(\(currentServices?.map(\.rawValue)), current_services),
                intake_decision = NULL, decided_at = NULL
            WHERE case_id = \(id)
            """)
        if let note, !note.isEmpty {
            try connection.execute("UPDATE cases SET concern = concern || E'\\n\\n' || \(note) WHERE id = \(id)")
        }
        try connection.execute("UPDATE cases SET status = \(status.rawValue), updated_at = now() WHERE id = \(id)")
    }

    static func birthDate(of childId: UUID, on connection: PostgresConnection) throws -> LocalDate? {
        try connection.query(SQL("SELECT birth_date FROM children WHERE id = \(childId)").prepared).first?.decode(LocalDate?.self, 0)
    }
}
