import Foundation
import SamtakPostgres

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
///   their pupil) and the guardians of the children whose named cases are on the agenda
///   (they see only their own child's part: the access rules deny them the rest).
struct MeetingAudience: Sendable, Equatable {
    var participants: Set<UUID>
    var parties: Set<UUID>
    /// For participants by role: the unit whose role made them a participant (shown next
    /// to their name in the agenda's list of participants).
    var participantUnit: [UUID: UUID]

    var everyone: Set<UUID> { participants.union(parties) }

    static func load(meetingId: UUID, on connection: PostgresConnection) throws -> MeetingAudience {
        var audience = MeetingAudience(participants: [], parties: [], participantUnit: [:])
        for row in try connection.query(SQL("""
            WITH m AS (SELECT id, arena_id, child_id IS NOT NULL AS around_child, called_by FROM meetings WHERE id = \(meetingId)),
            items AS (
                SELECT c.kind, c.owner_id, c.child_id FROM agenda_items ai JOIN cases c ON c.id = ai.case_id
                WHERE ai.meeting_id = \(meetingId) AND ai.removed_at IS NULL
            ),
            individual AS (SELECT EXISTS (SELECT 1 FROM items WHERE kind IN ('named', 'anonymous')) AS yes)
            SELECT true, ms.person_id, ap.unit_id
            FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
            JOIN memberships ms ON ms.unit_id = ap.unit_id AND ms.role = ap.role
            WHERE NOT m.around_child AND ap.person_id IS NULL AND (ap.presence = 'always' OR (SELECT yes FROM individual))
            UNION ALL
            SELECT true, ap.person_id, NULL::uuid
            FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
            WHERE NOT m.around_child AND ap.person_id IS NOT NULL AND (ap.presence = 'always' OR (SELECT yes FROM individual))
            UNION ALL
            SELECT true, a.owner_person_id, NULL FROM arenas a JOIN m ON a.id = m.arena_id WHERE NOT m.around_child AND a.owner_person_id IS NOT NULL
            UNION ALL
            SELECT true, m.called_by, NULL FROM m WHERE m.around_child AND m.called_by IS NOT NULL
            UNION ALL
            SELECT true, mp.person_id, NULL FROM meeting_participants mp WHERE mp.meeting_id = \(meetingId)
            UNION ALL
            SELECT false, owner_id, NULL FROM items
            UNION ALL
            SELECT false, g.guardian_id, NULL FROM items i JOIN guardianships g ON g.child_id = i.child_id WHERE i.kind = 'named'
            """).prepared) {
            let person = try row.decode(UUID.self, 1)
            if try row.decode(Bool.self, 0) {
                audience.participants.insert(person)
                if let unit = try row.decode(UUID?.self, 2), audience.participantUnit[person] == nil {
                    audience.participantUnit[person] = unit
                }
            } else {
                audience.parties.insert(person)
            }
        }
        audience.parties.subtract(audience.participants)
        return audience
    }

    /// Everyone an earlier document of the meeting went to (a cancellation reaches all who
    /// had the agenda, also when the cases have since been moved to another meeting).
    static func earlierRecipients(meetingId: UUID, on connection: PostgresConnection) throws -> Set<UUID> {
        Set(try connection.query(SQL("""
            SELECT DISTINCT d.recipient_id FROM deliveries d JOIN documents doc ON doc.id = d.document_id
            WHERE doc.meeting_id = \(meetingId)
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) })
    }
}
