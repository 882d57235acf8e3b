import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

/// A meeting's participants: the standing ones (the arena's participating roles and persons,
/// its owner; around one child whoever called it) and the extra ones the organiser invited,
/// for the whole meeting (`meeting_participants`) or for some agenda items
/// (`meeting_item_participants`, Schema/0020).
enum ParticipantStore {
    enum Source: String, Codable, Sendable {
        /// Through the arena (a participating role or person).
        case arena
        /// The arena's owner.
        case owner
        /// Called the meeting (around one child, a transition meeting).
        case called
        /// Invited for the whole meeting.
        case invited
        /// Invited for some agenda items only.
        case items
    }

    struct Row: Sendable {
        var personId: UUID
        var kind: PersonKind
        var name: String
        /// The title and unit of a staff member's participating (or first) membership.
        var title: String?
        var unitName: String?
        var source: Source
        var agendaItemIds: [UUID]
        var invitedBy: UUID?
    }

    /// Every participant of the meeting, standing ones first, each person once (the widest
    /// part they take: standing, then whole meeting, then items).
    static func participants(_ meeting: MeetingStore.Row, on connection: PostgresConnection) throws -> [Row] {
        var rows: [Row] = []
        var seen: [UUID: Int] = [:]
        func add(_ row: Row) {
            if let index = seen[row.personId] {
                if row.source == .items { rows[index].agendaItemIds += row.agendaItemIds }
                return
            }
            seen[row.personId] = rows.count
            rows.append(row)
        }
        for row in try connection.query(participantsStatement(meeting.id)) {
            let kind = try row.decode(PersonKind.self, 1)
            add(Row(personId: try row.decode(UUID.self, 0), kind: kind, name: try row.decode(String.self, 2),
                    title: kind == .staff ? try row.decode(String?.self, 6) : nil, unitName: kind == .staff ? try row.decode(String?.self, 7) : nil,
                    source: try row.decode(Source.self, 3), agendaItemIds: try row.decode(UUID?.self, 5).map { [$0] } ?? [],
                    invitedBy: try row.decode(UUID?.self, 4)))
        }
        return rows
    }

    /// ``participants(_:on:)``'s statement (to read it ahead with others). The people and the
    /// arena's owner are looked up per row by key (LATERAL ... OFFSET 0 keeps the planner from
    /// joining a whole table by hash for a handful of rows: 0.26 → 0.16 ms per meeting read on
    /// the bench's demo).
    static func participantsStatement(_ meetingId: UUID) -> SQL {
        SQL("""
            WITH m AS (SELECT id, arena_id, child_id IS NOT NULL AS around_child, called_by FROM meetings WHERE id = \(meetingId)),
            standing AS (
                SELECT ms.person_id, ms.unit_id, 'arena' AS source, NULL::uuid AS invited_by, NULL::uuid AS item, 1 AS rank
                FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
                JOIN memberships ms ON ms.unit_id = ap.unit_id AND ms.role = ap.role
                WHERE NOT m.around_child AND ap.person_id IS NULL
                UNION ALL
                SELECT ap.person_id, NULL, 'arena', NULL, NULL, 1 FROM arena_participants ap JOIN m ON ap.arena_id = m.arena_id
                WHERE NOT m.around_child AND ap.person_id IS NOT NULL
                UNION ALL
                SELECT a.owner_person_id, NULL, 'owner', NULL, NULL, 0
                FROM m JOIN LATERAL (SELECT owner_person_id FROM arenas WHERE id = m.arena_id OFFSET 0) a ON true
                WHERE NOT m.around_child AND a.owner_person_id IS NOT NULL
                UNION ALL
                SELECT m.called_by, NULL, 'called', NULL, NULL, 0 FROM m WHERE m.called_by IS NOT NULL
                UNION ALL
                SELECT mp.person_id, NULL, 'invited', mp.invited_by, NULL, 2 FROM meeting_participants mp WHERE mp.meeting_id = \(meetingId)
                UNION ALL
                SELECT ip.person_id, NULL, 'items', ip.invited_by, ip.agenda_item_id, 3 FROM meeting_item_participants ip
                JOIN agenda_items ai ON ai.id = ip.agenda_item_id AND ai.removed_at IS NULL
                WHERE ip.meeting_id = \(meetingId)
            )
            SELECT s.person_id, p.kind, p.name, s.source, s.invited_by, s.item,
                   (SELECT ms.title FROM memberships ms WHERE ms.person_id = s.person_id ORDER BY ms.unit_id = s.unit_id DESC, ms.unit_id LIMIT 1),
                   (SELECT u.name FROM memberships ms JOIN units u ON u.id = ms.unit_id WHERE ms.person_id = s.person_id
                    ORDER BY ms.unit_id = s.unit_id DESC, ms.unit_id LIMIT 1)
            FROM standing s CROSS JOIN LATERAL (SELECT kind, name FROM people WHERE id = s.person_id AND active OFFSET 0) p
            ORDER BY s.rank, p.name, s.person_id
            """).prepared
    }

    /// The viewer's invitations to some meetings: whole meetings, and items by meeting.
    static func invitations(of person: UUID, to meetingIds: [UUID], on connection: PostgresConnection)
        throws -> (whole: Set<UUID>, items: [UUID: Set<UUID>]) {
        var whole: Set<UUID> = []
        var items: [UUID: Set<UUID>] = [:]
        for row in try connection.query(invitationsStatement(of: person, to: meetingIds)) {
            let meetingId = try row.decode(UUID.self, 0)
            if let item = try row.decode(UUID?.self, 1) { items[meetingId, default: []].insert(item) } else { whole.insert(meetingId) }
        }
        return (whole, items)
    }

    /// ``invitations(of:to:on:)``'s statement (to read it ahead with others).
    static func invitationsStatement(of person: UUID, to meetingIds: [UUID]) -> SQL {
        SQL("""
            SELECT meeting_id, NULL::uuid FROM meeting_participants WHERE meeting_id = ANY(\(meetingIds)) AND person_id = \(person)
            UNION ALL
            SELECT meeting_id, agenda_item_id FROM meeting_item_participants WHERE meeting_id = ANY(\(meetingIds)) AND person_id = \(person)
            """).prepared
    }

    /// The person to invite: kind, or nil when there is no such active person.
    static func person(_ id: UUID, on connection: PostgresConnection) throws -> PersonKind? {
        try connection.query(SQL("SELECT kind FROM people WHERE id = \(id) AND active").prepared).first?.decode(PersonKind.self, 0)
    }

    /// Records the invitation; false when the person was already invited to exactly that.
    static func invite(meetingId: UUID, personId: UUID, items: [UUID], by inviter: UUID, on connection: PostgresConnection) throws -> Bool {
        if items.isEmpty {
            // The whole meeting supersedes invitations for some of its items.
            try connection.execute(SQL("DELETE FROM meeting_item_participants WHERE meeting_id = \(meetingId) AND person_id = \(personId)").prepared)
            return try connection.execute(SQL("""
                INSERT INTO meeting_participants (meeting_id, person_id, invited_by) VALUES (\(meetingId), \(personId), \(inviter))
                ON CONFLICT DO NOTHING
                """).prepared) == 1
        }
        return try connection.execute(SQL("""
            INSERT INTO meeting_item_participants (agenda_item_id, person_id, meeting_id, invited_by)
            SELECT item, \(personId), \(meetingId), \(inviter) FROM unnest(\(items)::uuid[]) AS item
            ON CONFLICT DO NOTHING
            """).prepared) > 0
    }

    /// Withdraws every invitation of the person to the meeting; false when there was none.
    static func remove(meetingId: UUID, personId: UUID, on connection: PostgresConnection) throws -> Bool {
        let whole = try connection.execute(SQL("DELETE FROM meeting_participants WHERE meeting_id = \(meetingId) AND person_id = \(personId)").prepared)
        let items = try connection.execute(SQL("""
            DELETE FROM meeting_item_participants WHERE meeting_id = \(meetingId) AND person_id = \(personId)
            """).prepared)
        return whole + items > 0
    }
}

extension ParticipantStore.Source: StoredCode {}
