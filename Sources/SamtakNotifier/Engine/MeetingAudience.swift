import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Who a meeting's documents go to.
///
/// - **Participants** ("recipients by participation"; they count as arena participants for
///   the access rules): everyone holding a participating role in a participating unit,
///   participating persons, the arena's owner, and the meeting's explicit participants (a
///   called meeting). A meeting around one child (samarbeidsmøte, ansvarsgruppe) goes only
///   to the people the coordinator invited and the one who called it, not to the arena's
///   standing participants or owner. Participants with presence `individual_cases` (e.g. PPT at a
///   transition meeting) take part only when the agenda has an individual (named or
///   anonymous) case.
/// - **Parties**: the owners of the cases on the agenda (the teacher responsible joins for
///   their pupil) while they may see their case in full (``MeetingRoles/caseOwnerTakesPart``:
///   for a named case the child's own unit or the consent must cover them, owning it is no
///   basis), and the guardians with parental responsibility or daily care of the children
///   whose named cases are on the agenda (they see only their own child's part: the access
///   rules deny them the rest).
struct MeetingAudience: Sendable, Equatable {
    var participants: Set<UUID>
    var parties: Set<UUID>
    /// For participants by role: the unit whose role made them a participant (shown next
    /// to their name in the agenda's list of participants).
    var participantUnit: [UUID: UUID]
    /// Invited for some agenda items only (Schema/0020): those items, by person. They take
    /// part only while those items are discussed (``AgendaViewer/partOnly``).
    var itemParticipants: [UUID: Set<UUID>] = [:]

    var everyone: Set<UUID> { participants.union(parties).union(itemParticipants.keys) }

    static func load(meetingId: UUID, on connection: PostgresConnection) throws -> MeetingAudience {
        var audience = MeetingAudience(participants: [], parties: [], participantUnit: [:])
        var onlyWithConsent: Set<UUID> = [], unconditional: Set<UUID> = []
        for row in try connection.query(SQL("""
            WITH m AS (SELECT id, arena_id, child_id IS NOT NULL AS around_child, called_by FROM meetings WHERE id = \(meetingId)),
            individual AS (
                SELECT EXISTS (SELECT 1 FROM agenda_items ai JOIN cases c ON c.id = ai.case_id
                               WHERE ai.meeting_id = \(meetingId) AND ai.removed_at IS NULL AND c.kind IN ('named', 'anonymous')) AS yes
            )
            SELECT ms.person_id, ap.unit_id, ap.presence = 'with_consent'
            FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
            JOIN memberships ms ON ms.unit_id = ap.unit_id AND ms.role = ap.role
            WHERE NOT m.around_child AND ap.person_id IS NULL AND (ap.presence = 'always' OR (SELECT yes FROM individual))
            UNION ALL
            SELECT ap.person_id, NULL::uuid, ap.presence = 'with_consent'
            FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
            WHERE NOT m.around_child AND ap.person_id IS NOT NULL AND (ap.presence = 'always' OR (SELECT yes FROM individual))
            UNION ALL
            SELECT a.owner_person_id, NULL, false FROM arenas a JOIN m ON a.id = m.arena_id WHERE NOT m.around_child AND a.owner_person_id IS NOT NULL
            UNION ALL
            SELECT m.called_by, NULL, false FROM m WHERE m.around_child AND m.called_by IS NOT NULL
            UNION ALL
            SELECT mp.person_id, NULL, false FROM meeting_participants mp WHERE mp.meeting_id = \(meetingId)
            """).prepared) {
            let person = try row.decode(UUID.self, 0)
            audience.participants.insert(person)
            if try row.decode(Bool.self, 2) { onlyWithConsent.insert(person) } else { unconditional.insert(person) }
            if let unit = try row.decode(UUID?.self, 1), audience.participantUnit[person] == nil {
                audience.participantUnit[person] = unit
            }
        }
        // Who takes part only "with consent" (the nurse in the school-absence meeting) gets the
        // meeting's documents only when a consent lets them see one of its named cases in full.
        onlyWithConsent.subtract(unconditional)
        let batch = try CaseBatch.load(meetingId: meetingId, on: connection)
        if !onlyWithConsent.isEmpty {
            let people = try AccessFacts.people(Array(onlyWithConsent), on: connection)
            for person in onlyWithConsent where !(people[person].map { batch.seesANamedCaseInFull($0.principal) } ?? false) {
                audience.participants.remove(person)
                audience.participantUnit[person] = nil
            }
        }
        for row in try connection.query(SQL("""
            SELECT ip.person_id, ip.agenda_item_id FROM meeting_item_participants ip
            JOIN agenda_items ai ON ai.id = ip.agenda_item_id AND ai.removed_at IS NULL
            WHERE ip.meeting_id = \(meetingId)
            """).prepared) {
            let person = try row.decode(UUID.self, 0)
            guard !audience.participants.contains(person) else { continue }
            audience.itemParticipants[person, default: []].insert(try row.decode(UUID.self, 1))
        }
        audience.parties = batch.parties().subtracting(audience.participants)
        return audience
    }
}

/// The agenda's cases with what the access rules need about them, read in one batch.
struct CaseBatch {
    var cases: [(facts: CaseFacts, arenaId: UUID?, childId: UUID?)]
    var scopes: [UUID: ArenaScope]
    var children: [UUID: ChildRelations]
    var consents: [UUID: [ConsentGrant]]
    var owners: [UUID: PersonFacts]
    let now = Date()

    static func load(meetingId: UUID, on connection: PostgresConnection) throws -> CaseBatch {
        let cases = try connection.query(SQL("""
            SELECT c.kind, c.owner_id, c.submitted_by, c.submitting_unit_id, c.arena_id, c.category, c.target_service, c.child_id
            FROM agenda_items ai JOIN cases c ON c.id = ai.case_id
            WHERE ai.meeting_id = \(meetingId) AND ai.removed_at IS NULL
            """).prepared).map { row throws(PostgresError) -> (facts: CaseFacts, arenaId: UUID?, childId: UUID?) in
            let isReferral = try row.decode(String.self, 5) == "referral"
            let facts = CaseFacts(kind: try row.decode(CaseKind.self, 0), ownerId: try row.decode(UUID.self, 1),
                                  submittedBy: try row.decode(UUID.self, 2), submittingUnitId: try row.decode(UUID.self, 3), arena: nil,
                                  targetService: isReferral ? try row.decode(String?.self, 6).flatMap(ServiceKind.init(rawValue:)) : nil)
            return (facts, try row.decode(UUID?.self, 4), try row.decode(UUID?.self, 7))
        }
        let named = cases.filter { $0.facts.kind == .named }
        var scopes: [UUID: ArenaScope] = [:]
        for arenaId in Set(named.compactMap(\.arenaId)) { scopes[arenaId] = try AccessFacts.arenaScope(arenaId, on: connection) }
        let childIds = Array(Set(named.compactMap(\.childId)))
        let children = try AccessFacts.childRelations(childIds, on: connection)
        let consents = try AccessFacts.consents(childIds, on: connection)
        let owners = try AccessFacts.people(Array(Set(named.map(\.facts.ownerId))), on: connection)
        return CaseBatch(cases: cases, scopes: scopes, children: children, consents: consents, owners: owners)
    }

    /// Whether `principal`, as a participant of the cases' arenas, sees one named case in full.
    func seesANamedCaseInFull(_ principal: Principal) -> Bool {
        let named = cases.compactMap { facts, arenaId, childId -> (facts: CaseFacts, childId: UUID)? in
            guard facts.kind == .named, let childId else { return nil }
            var scoped = facts
            scoped.arena = arenaId.flatMap { scopes[$0] }
            return (scoped, childId)
        }
        return AccessPolicy.takesPartWithConsent(principal, namedCases: named, children: ChildFactsBatch(relations: children, consents: consents),
                                                 at: now)
    }

    /// The owners and guardians of the agenda's cases who have a basis now (see ``MeetingAudience``).
    func parties() -> Set<UUID> {
        var parties: Set<UUID> = []
        for (facts, arenaId, childId) in cases {
            guard facts.kind == .named, let childId else {
                parties.insert(facts.ownerId)
                continue
            }
            let child = children[childId]
            parties.formUnion(child?.guardianIds ?? [])
            guard let owner = owners[facts.ownerId], owner.active else { continue }
            var scoped = facts
            scoped.arena = arenaId.flatMap { scopes[$0] }
            let access = AccessPolicy.caseAccess(principal: owner.principal, facts: scoped, child: child, consents: consents[childId] ?? [],
                                                 isArenaParticipant: false, at: now)
            if MeetingRoles.caseOwnerTakesPart(access) { parties.insert(facts.ownerId) }
        }
        return parties
    }
}

extension MeetingAudience {
    /// Everyone an earlier document of the meeting went to (a cancellation reaches all who
    /// had the agenda, also when the cases have since been moved to another meeting).
    static func earlierRecipients(meetingId: UUID, on connection: PostgresConnection) throws -> Set<UUID> {
        Set(try connection.query(SQL("""
            SELECT DISTINCT d.recipient_id FROM deliveries d JOIN documents doc ON doc.id = d.document_id
            WHERE doc.meeting_id = \(meetingId)
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
    }
}
