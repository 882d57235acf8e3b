import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

extension ConsentGiverRule: StoredCode {}
extension ConsentProposalStatus: StoredCode {}
extension AccessBasis: StoredCode {}
extension DigitalConsent.Party: StoredCode {}

/// The reads and writes behind the family's pages (issue 17; the design is in
/// `SamtakDomain/Model/Family.swift`): a child's consents, digital consents awaiting a
/// signature, the coming meetings with this child's items, approved minutes and follow-ups of
/// those items, the coordinator, and the child's access log. Rows only: the route decides who
/// may see them (``FamilyAccess``). Every query is about one child (or one person's children),
/// a fixed number of statements however many rows.
enum FamilyStore {
    struct ChildRow: Sendable {
        var id: UUID
        var name: String
        var birthDate: LocalDate?
        var unitId: UUID?
        var unitName: String?
        var grade: Int?
        var personId: UUID?
    }

    /// A text array of codes; an unknown code is a decoding error (never dropped).
    private static func codes<T: StoredCode>(_ row: PostgresRow, _ index: Int, _ type: T.Type) throws(PostgresError) -> [T] {
        var result: [T] = []
        for text in try row.decode([String].self, index) { result.append(try T(postgresText: text)) }
        return result
    }

    private static let childColumns: SQL = "c.id, c.name, c.birth_date, c.unit_id, u.name, c.grade, c.person_id"
    private static func child(_ row: PostgresRow) throws(PostgresError) -> ChildRow {
        ChildRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), birthDate: try row.decode(LocalDate?.self, 2),
                 unitId: try row.decode(UUID?.self, 3), unitName: try row.decode(String?.self, 4), grade: try row.decode(Int?.self, 5),
                 personId: try row.decode(UUID?.self, 6))
    }

    /// The children `personId` is registered guardian of (any guardianship: the domain decides
    /// which count) or is themself, by name.
    static func children(of personId: UUID, on connection: PostgresConnection) throws -> [ChildRow] {
        try connection.query(SQL("""
            SELECT \(childColumns) FROM children c LEFT JOIN units u ON u.id = c.unit_id
            WHERE c.person_id = \(personId) OR c.id IN (SELECT child_id FROM guardianships WHERE guardian_id = \(personId))
            ORDER BY c.name, c.id
            """).prepared).map(child)
    }

    static func child(_ id: UUID, on connection: PostgresConnection) throws -> ChildRow? {
        try connection.query(SQL("SELECT \(childColumns) FROM children c LEFT JOIN units u ON u.id = c.unit_id WHERE c.id = \(id)").prepared)
            .first.map(child)
    }

    /// Links the child record to a new person of kind `young_person` (who signs in with the
    /// child's identity number: the person gets the child's keyed hash); nil when the child does
    /// not exist or is already linked.
    static func linkYoungPerson(child: UUID, personId: UUID, email: String?, on connection: PostgresConnection) throws -> Bool {
        guard let row = try connection.query("SELECT person_id FROM children WHERE id = \(child) FOR UPDATE").first,
              try row.decode(UUID?.self, 0) == nil else { return false }
        try connection.execute("""
            INSERT INTO people (id, kind, name, email, national_id_hash)
            SELECT \(personId), 'young_person', name, \(email), national_id_hash FROM children WHERE id = \(child)
            """)
        try connection.execute("UPDATE children SET person_id = \(personId) WHERE id = \(child)")
        return true
    }

    static func childExists(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try !connection.query("SELECT 1 FROM children WHERE id = \(id)").isEmpty
    }

    // MARK: Consents

    struct GiverRow: Sendable {
        var party: DigitalConsent.Party
        var personId: UUID?
        var name: String?
        var method: ConsentMethod
        var givenAt: Date
    }

    struct ConsentRow: Sendable {
        var id: UUID
        var services: [ServiceKind]
        var arenaIds: [UUID]
        var information: [InformationCategory]
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var method: ConsentMethod
        var rule: ConsentGiverRule?
        var recordedAt: Date
        var withdrawnAt: Date?
        var youngPersonConsented: Bool
        var givers: [GiverRow]
    }

    /// The child's consents not withdrawn, newest first, each with who gave it and how.
    static func consents(child: UUID, on connection: PostgresConnection) throws -> [ConsentRow] {
        try consents("c.child_id = \(child) AND c.withdrawn_at IS NULL", on: connection)
    }

    /// One consent not withdrawn, with its child, locked for a change.
    static func consentInForce(_ id: UUID, on connection: PostgresConnection) throws -> (childId: UUID, consent: ConsentRow)? {
        guard let childId = try connection.query("SELECT child_id FROM consents WHERE id = \(id) AND withdrawn_at IS NULL FOR UPDATE")
            .first?.decode(UUID.self, 0), let consent = try consents("c.id = \(id)", on: connection).first else { return nil }
        return (childId, consent)
    }

    private static func consents(_ condition: SQL, on connection: PostgresConnection) throws -> [ConsentRow] {
        var givers: [UUID: [GiverRow]] = [:]
        for row in try connection.query(SQL("""
            SELECT g.consent_id, g.party, g.person_id, p.name, g.method, g.given_at
            FROM consent_givers g JOIN consents c ON c.id = g.consent_id LEFT JOIN people p ON p.id = g.person_id
            WHERE \(condition)
            ORDER BY g.given_at, p.name
            """)) {
            givers[try row.decode(UUID.self, 0), default: []].append(GiverRow(
                party: try row.decode(DigitalConsent.Party.self, 1), personId: try row.decode(UUID?.self, 2), name: try row.decode(String?.self, 3),
                method: try row.decode(ConsentMethod.self, 4), givenAt: try row.decode(Date.self, 5)))
        }
        return try connection.query(SQL("""
            SELECT id, services, arena_ids, information, valid_from, valid_until, method, guardian_rule, recorded_at, withdrawn_at,
                   young_person_consented
            FROM consents c WHERE \(condition)
            ORDER BY recorded_at DESC, id
            """)).map { row throws(PostgresError) in
            let id = try row.decode(UUID.self, 0)
            return ConsentRow(
                id: id, services: try codes(row, 1, ServiceKind.self), arenaIds: try row.decode([UUID].self, 2),
                information: try row.decode([String].self, 3).compactMap(InformationCategory.init(rawValue:)),
                validFrom: try row.decode(LocalDate.self, 4), validUntil: try row.decode(LocalDate?.self, 5),
                method: try row.decode(ConsentMethod.self, 6), rule: try row.decode(ConsentGiverRule?.self, 7),
                recordedAt: try row.decode(Date.self, 8), withdrawnAt: try row.decode(Date?.self, 9),
                youngPersonConsented: try row.decode(Bool.self, 10), givers: givers[id] ?? [])
        }
    }

    struct ProposalRow: Sendable {
        var id: UUID
        var childId: UUID
        var services: [ServiceKind]
        var arenaIds: [UUID]
        var information: [InformationCategory]
        var validFrom: LocalDate
        var validUntil: LocalDate?
        var rule: ConsentGiverRule
        var status: ConsentProposalStatus
        var consentId: UUID?
        var proposedBy: UUID
        var proposedAt: Date
        /// Who signed, when.
        var signatures: [(personId: UUID, party: DigitalConsent.Party, signedAt: Date)]
    }

    private static let proposalColumns: SQL = """
        id, child_id, services, arena_ids, information, valid_from, valid_until, guardian_rule, status, consent_id, proposed_by, proposed_at
        """

    private static func proposals(_ condition: SQL, lock: Bool = false, on connection: PostgresConnection) throws -> [ProposalRow] {
        let rows = try connection.query(SQL("SELECT \(proposalColumns) FROM consent_proposals WHERE \(condition) ORDER BY proposed_at DESC, id\(unsafeRaw: lock ? " FOR UPDATE" : "")"))
        let ids = try rows.map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        var signatures: [UUID: [(UUID, DigitalConsent.Party, Date)]] = [:]
        if !ids.isEmpty {
            for row in try connection.query(SQL("""
                SELECT proposal_id, person_id, party, signed_at FROM consent_signatures WHERE proposal_id = ANY(\(ids)) ORDER BY signed_at
                """).prepared) {
                signatures[try row.decode(UUID.self, 0), default: []].append(
                    (try row.decode(UUID.self, 1), try row.decode(DigitalConsent.Party.self, 2), try row.decode(Date.self, 3)))
            }
        }
        return try rows.map { row throws(PostgresError) in
            let id = try row.decode(UUID.self, 0)
            return ProposalRow(
                id: id, childId: try row.decode(UUID.self, 1), services: try codes(row, 2, ServiceKind.self), arenaIds: try row.decode([UUID].self, 3),
                information: try row.decode([String].self, 4).compactMap(InformationCategory.init(rawValue:)),
                validFrom: try row.decode(LocalDate.self, 5), validUntil: try row.decode(LocalDate?.self, 6),
                rule: try row.decode(ConsentGiverRule.self, 7), status: try row.decode(ConsentProposalStatus.self, 8),
                consentId: try row.decode(UUID?.self, 9), proposedBy: try row.decode(UUID.self, 10), proposedAt: try row.decode(Date.self, 11),
                signatures: (signatures[id] ?? []).map { (personId: $0.0, party: $0.1, signedAt: $0.2) })
        }
    }

    /// The child's digital consents still waiting for a signature.
    static func awaitingProposals(child: UUID, on connection: PostgresConnection) throws -> [ProposalRow] {
        try proposals("child_id = \(child) AND status = 'awaiting_guardians'", on: connection)
    }

    /// One proposal, locked for the signature being added.
    static func proposalForUpdate(_ id: UUID, on connection: PostgresConnection) throws -> ProposalRow? {
        try proposals("id = \(id)", lock: true, on: connection).first
    }

    static func insertProposal(id: UUID, child: UUID, purpose services: [ServiceKind], arenaIds: [UUID], information: [InformationCategory],
                               validFrom: LocalDate, validUntil: LocalDate?, rule: ConsentGiverRule, by person: UUID,
                               on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO consent_proposals (id, child_id, services, arena_ids, information, valid_from, valid_until, guardian_rule, proposed_by)
            VALUES (\(id), \(child), \(services.map(\.rawValue)), \(arenaIds), \(information.map(\.rawValue)), \(validFrom), \(validUntil),
                    \(rule.rawValue), \(person))
            """)
    }

    static func insertSignature(proposal: UUID, person: UUID, party: DigitalConsent.Party, requestId: String?, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO consent_signatures (proposal_id, person_id, party, request_id) VALUES (\(proposal), \(person), \(party.rawValue), \(requestId))
            """)
    }

    /// The proposal comes in force: the consent row (method `digital`, recorded by the last
    /// signer), one `consent_givers` row per signature (its own time, recorded by nobody), and
    /// the proposal closed, in the caller's transaction.
    static func putInForce(_ proposal: ProposalRow, consentId: UUID, lastSigner: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO consents (id, child_id, given_by, young_person_consented, services, arena_ids, information, valid_from, valid_until,
                                  method, recorded_by, guardian_rule, proposal_id)
            SELECT \(consentId), p.child_id,
                   coalesce((SELECT array_agg(s.person_id ORDER BY s.signed_at) FROM consent_signatures s WHERE s.proposal_id = p.id AND s.party = 'guardian'), '{}'),
                   EXISTS (SELECT 1 FROM consent_signatures s WHERE s.proposal_id = p.id AND s.party = 'young_person'),
                   p.services, p.arena_ids, p.information, p.valid_from, p.valid_until, 'digital', \(lastSigner), p.guardian_rule, p.id
            FROM consent_proposals p WHERE p.id = \(proposal.id)
            """)
        try connection.execute("""
            INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by)
            SELECT \(consentId), s.party, s.person_id, 'digital', s.signed_at, NULL FROM consent_signatures s WHERE s.proposal_id = \(proposal.id)
            """)
        try connection.execute("""
            UPDATE consent_proposals SET status = 'in_force', consent_id = \(consentId), closed_at = now() WHERE id = \(proposal.id)
            """)
    }

    /// The proposal is cancelled (`awaiting_guardians → cancelled`), in the caller's
    /// transaction; false when it no longer waited (nothing changed).
    static func cancelProposal(_ id: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.execute("""
            UPDATE consent_proposals SET status = 'cancelled', closed_at = now() WHERE id = \(id) AND status = 'awaiting_guardians'
            """) == 1
    }

    /// Replaces consent `original` by a narrower one (same child, givers, rule, start and
    /// method; `narrowed_from` the original, recorded by `person`) and withdraws the original,
    /// in the caller's transaction.
    static func narrow(_ original: UUID, into id: UUID, services: [ServiceKind], arenaIds: [UUID], information: [InformationCategory],
                       validUntil: LocalDate?, by person: UUID, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO consents (id, child_id, given_by, young_person_consented, services, arena_ids, unit_ids, information, valid_from,
                                  valid_until, method, recorded_by, guardian_rule, narrowed_from)
            SELECT \(id), child_id, given_by, young_person_consented, \(services.map(\.rawValue)), \(arenaIds), unit_ids,
                   \(information.map(\.rawValue)), valid_from, \(validUntil), method, \(person), guardian_rule, id
            FROM consents WHERE id = \(original)
            """)
        try connection.execute("""
            INSERT INTO consent_givers (consent_id, party, person_id, method, given_at, recorded_by, recorded_at)
            SELECT \(id), party, person_id, method, given_at, recorded_by, recorded_at FROM consent_givers WHERE consent_id = \(original)
            """)
        try connection.execute("UPDATE consents SET withdrawn_at = now(), withdrawn_by = \(person) WHERE id = \(original)")
    }

    // MARK: Meetings, minutes, follow-ups

    struct ItemRow: Sendable {
        var meetingId: UUID
        var startsAt: Date
        var endsAt: Date
        var location: String
        var status: MeetingStatus
        var arenaName: String
        var itemId: UUID
        var caseId: UUID?
        var title: String
    }

    /// The coming meetings (not cancelled, not ended) with the items about this child: its
    /// named cases and referrals on the agenda, and the items of a meeting called around it
    /// when `participant` takes part in that meeting. Items of other children are never read.
    static func comingItems(child: UUID, participant: UUID, on connection: PostgresConnection) throws -> [ItemRow] {
        try connection.query(SQL("""
            SELECT m.id, m.starts_at, m.ends_at, m.location, m.status, a.name, ai.id, ai.case_id, coalesce(c.title, ai.title)
            FROM agenda_items ai
            JOIN meetings m ON m.id = ai.meeting_id
            JOIN arenas a ON a.id = m.arena_id
            LEFT JOIN cases c ON c.id = ai.case_id
            WHERE ai.removed_at IS NULL AND m.status <> 'cancelled' AND m.ends_at >= now()
              AND (c.child_id = \(child) AND c.kind = 'named' AND c.status <> 'withdrawn'
                   OR (ai.case_id IS NULL AND m.child_id = \(child)
                       AND EXISTS (SELECT 1 FROM meeting_participants mp WHERE mp.meeting_id = m.id AND mp.person_id = \(participant))))
            ORDER BY m.starts_at, m.id, ai.position
            LIMIT 100
            """).prepared).map { row throws(PostgresError) in
            ItemRow(meetingId: try row.decode(UUID.self, 0), startsAt: try row.decode(Date.self, 1), endsAt: try row.decode(Date.self, 2),
                    location: try row.decode(String.self, 3), status: try row.decode(MeetingStatus.self, 4), arenaName: try row.decode(String.self, 5),
                    itemId: try row.decode(UUID.self, 6), caseId: try row.decode(UUID?.self, 7), title: try row.decode(String.self, 8))
        }
    }

    struct MinutesRow: Sendable {
        var meetingId: UUID
        var startsAt: Date
        var arenaName: String
        var itemId: UUID
        var title: String
        var discussion: String
        var decision: CaseDecision?
        var decisionText: String
        var approvedAt: Date?
    }

    /// Approved minutes of this child's items (its named cases), newest meeting first.
    static func approvedMinutes(child: UUID, on connection: PostgresConnection) throws -> [MinutesRow] {
        try connection.query(SQL("""
            SELECT m.id, m.starts_at, a.name, ai.id, c.title, e.discussion, e.decision, e.decision_text, mi.approved_at
            FROM minutes_entries e
            JOIN minutes mi ON mi.meeting_id = e.meeting_id AND mi.status = 'approved'
            JOIN agenda_items ai ON ai.id = e.agenda_item_id
            JOIN cases c ON c.id = ai.case_id AND c.kind = 'named' AND c.child_id = \(child)
            JOIN meetings m ON m.id = e.meeting_id
            JOIN arenas a ON a.id = m.arena_id
            ORDER BY m.starts_at DESC, ai.position
            LIMIT 50
            """).prepared).map { row throws(PostgresError) in
            MinutesRow(meetingId: try row.decode(UUID.self, 0), startsAt: try row.decode(Date.self, 1), arenaName: try row.decode(String.self, 2),
                       itemId: try row.decode(UUID.self, 3), title: try row.decode(String.self, 4), discussion: try row.decode(String.self, 5),
                       decision: try row.decode(CaseDecision?.self, 6), decisionText: try row.decode(String.self, 7),
                       approvedAt: try row.decode(Date?.self, 8))
        }
    }

    struct FollowUpRow: Sendable {
        var id: UUID
        var itemId: UUID
        var description: String
        var responsibleName: String?
        var dueDate: LocalDate?
    }

    /// The follow-ups agreed in approved minutes on this child's items.
    static func followUps(child: UUID, on connection: PostgresConnection) throws -> [FollowUpRow] {
        try connection.query(SQL("""
            SELECT f.id, f.agenda_item_id, f.description, p.name, f.due_date
            FROM follow_up_actions f
            JOIN minutes mi ON mi.meeting_id = f.meeting_id AND mi.status = 'approved'
            JOIN agenda_items ai ON ai.id = f.agenda_item_id
            JOIN cases c ON c.id = ai.case_id AND c.kind = 'named' AND c.child_id = \(child)
            LEFT JOIN people p ON p.id = f.responsible_id
            ORDER BY f.due_date NULLS LAST, f.created_at, f.id
            LIMIT 100
            """).prepared).map { row throws(PostgresError) in
            FollowUpRow(id: try row.decode(UUID.self, 0), itemId: try row.decode(UUID.self, 1), description: try row.decode(String.self, 2),
                        responsibleName: try row.decode(String?.self, 3), dueDate: try row.decode(LocalDate?.self, 4))
        }
    }

    struct CoordinatorRow: Sendable {
        var id: UUID
        var name: String
        var kind: String
        var service: ServiceKind
        var unitName: String
    }

    static func coordinator(child: UUID, on connection: PostgresConnection) throws -> CoordinatorRow? {
        try connection.query(SQL("""
            SELECT co.id, p.name, co.kind, co.service, u.name
            FROM coordinators co JOIN people p ON p.id = co.person_id JOIN units u ON u.id = co.unit_id
            WHERE co.child_id = \(child) AND co.status = 'active'
            ORDER BY co.started_at DESC LIMIT 1
            """).prepared).first.map { row throws(PostgresError) in
            CoordinatorRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), kind: try row.decode(String.self, 2),
                           service: try row.decode(ServiceKind.self, 3), unitName: try row.decode(String.self, 4))
        }
    }

    struct ArenaRow: Sendable {
        var id: UUID
        var name: String
        var kind: ArenaKind
    }

    /// Arenas a consent for the child may name: the active ones its own unit owns or takes part in.
    static func arenas(unit: UUID?, on connection: PostgresConnection) throws -> [ArenaRow] {
        guard let unit else { return [] }
        return try connection.query(SQL("""
            SELECT a.id, a.name, a.kind FROM arenas a
            WHERE a.active AND (a.owner_unit_id = \(unit) OR EXISTS (SELECT 1 FROM arena_participants ap WHERE ap.arena_id = a.id AND ap.unit_id = \(unit)))
            ORDER BY a.name, a.id
            """).prepared).map { row throws(PostgresError) in
            ArenaRow(id: try row.decode(UUID.self, 0), name: try row.decode(String.self, 1), kind: try row.decode(ArenaKind.self, 2))
        }
    }

    /// Names of arenas by id (for consents naming arenas outside the child's unit).
    static func arenaNames(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [UUID: String] = [:]
        for row in try connection.query(SQL("SELECT id, name FROM arenas WHERE id = ANY(\(ids))").prepared) {
            names[try row.decode(UUID.self, 0)] = try row.decode(String.self, 1)
        }
        return names
    }

    /// Names of people by id (co-guardians and signers, whom the family knows).
    static func names(_ ids: [UUID], on connection: PostgresConnection) throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        var names: [UUID: String] = [:]
        for row in try connection.query(SQL("SELECT id, name FROM people WHERE id = ANY(\(ids))").prepared) {
            names[try row.decode(UUID.self, 0)] = try row.decode(String.self, 1)
        }
        return names
    }

    // MARK: Innsyn

    struct AccessRow: Sendable {
        var id: Int64
        var at: Date
        var actorId: UUID
        var action: String
        var resource: String
        var resourceId: UUID?
        var basis: String
    }

    /// The child's access log, newest first, within [from, to) and before the row `before`
    /// (keyset paging), `limit + 1` rows (the extra only says there is more).
    static func accessLog(child: UUID, from: Date?, to: Date?, before: Int64?, limit: Int, on connection: PostgresConnection) throws -> [AccessRow] {
        var condition: SQL = "child_id = \(child)"
        if let from { condition = condition + " AND at >= \(from)" }
        if let to { condition = condition + " AND at < \(to)" }
        if let before { condition = condition + " AND id < \(before)" }
        return try connection.query(SQL("""
            SELECT id, at, actor_id, action, resource, resource_id, basis FROM access_log
            WHERE \(condition) ORDER BY id DESC LIMIT \(limit + 1)
            """)).map { row throws(PostgresError) in
            AccessRow(id: try row.decode(Int64.self, 0), at: try row.decode(Date.self, 1), actorId: try row.decode(UUID.self, 2),
                      action: try row.decode(String.self, 3), resource: try row.decode(String.self, 4), resourceId: try row.decode(UUID?.self, 5),
                      basis: try row.decode(String.self, 6))
        }
    }
}
