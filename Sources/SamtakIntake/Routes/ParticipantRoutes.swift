/// # A meeting's participants, and extra invitations ("til hele eller deler av møtet")
///
/// - `GET /v1/meetings/{id}/participants`: everyone who takes part, to whoever may see the
///   meeting: staff by name, title and unit; a guardian or young person by kind only, except
///   to the organiser (who invited them) and to themselves.
/// - `POST /v1/meetings/{id}/participants` `{person_id, agenda_item_ids?}` (organiser only,
///   while the meeting is planned or its agenda published): invites someone for the whole
///   meeting (no items) or for some items. Staff take part in what they are invited to, and
///   the consent still decides whether they read a named case in full; a guardian or young
///   person only in what is about their own child (``MeetingInvitation``). Writes
///   `meeting.participant_invited`; the notifier then sends them the agenda if it went out.
/// - `DELETE /v1/meetings/{id}/participants/{person_id}` (organiser only): withdraws an extra
///   invitation (standing participants come from the arena and are changed there).
///
/// Shape: parse → load the meeting's facts (``MeetingRoutes/reading``) → decide
/// (``MeetingRoles``, ``MeetingInvitation``) → write through ``ParticipantStore`` with the
/// event → map. Reading the list discloses no child, so it logs nothing.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct ParticipantRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("meetings/{id}/participants", use: list)
        group.post("meetings/{id}/participants", use: invite)
        group.delete("meetings/{id}/participants/{personId}", use: remove)
    }

    struct InviteBody: StrictRequestBody {
        var personId: UUID
        var agendaItemIds: [UUID]?
    }

    struct ParticipantResource: Codable, Sendable {
        var personId: UUID?
        var kind: PersonKind
        var name: String?
        var title: String?
        var unitName: String?
        var source: ParticipantStore.Source
        /// For `source = items`: the agenda items the invitation is for.
        var agendaItemIds: [UUID]
        /// An extra invitation the organiser may withdraw.
        var removable: Bool
    }

    struct ParticipantList: Codable, Sendable {
        var items: [ParticipantResource]
    }

    static func resource(_ row: ParticipantStore.Row, viewer: Principal, organiser: Bool) -> ParticipantResource {
        // Family members are named only to the organiser and to themselves: a name could
        // identify an anonymised child to the other participants.
        let named = row.kind == .staff || organiser || row.personId == viewer.personId
        return ParticipantResource(
            personId: named ? row.personId : nil, kind: row.kind, name: named ? row.name : nil, title: row.title, unitName: row.unitName,
            source: row.source, agendaItemIds: row.agendaItemIds,
            removable: organiser && (row.source == .invited || row.source == .items))
    }

    /// The participants as `viewer` (who may see the meeting) sees them.
    static func participants(of meeting: MeetingStore.Row, viewer: Principal, on connection: PostgresConnection) throws -> [ParticipantResource] {
        let organiser = MeetingRoutes.isOrganiser(viewer, meeting)
        return try ParticipantStore.participants(meeting, on: connection).map { Self.resource($0, viewer: viewer, organiser: organiser) }
    }

    @Sendable func list(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let list = try await environment.read(context) { connection, principal -> ParticipantList? in
            guard let meeting = try MeetingStore.meeting(id, on: connection),
                  try MeetingRoutes.maySee(meeting, principal: principal, on: connection) else { return nil }
            return ParticipantList(items: try Self.participants(of: meeting, viewer: principal, on: connection))
        }
        guard let list else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(list)
    }

    @Sendable func invite(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let (body, raw) = try await APIJSON.decode(InviteBody.self, from: request)
        let items = body.agendaItemIds ?? []
        var v = Violations()
        if items.count > 50 { v.add("agenda_item_ids", "max_items", "must have at most 50 items") }
        if Set(items).count != items.count { v.add("agenda_item_ids", "unique", "must not repeat an item") }
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let reading = try MeetingRoutes.reading(id, principal: principal, forUpdate: true, on: connection) else {
                throw Problem.notFound("Meeting")
            }
            let meeting = reading.meeting
            guard MeetingRoutes.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser invites participants") }
            guard meeting.status == .planned || meeting.status == .agendaPublished else {
                throw Problem.conflict("invalid_state", "participants are invited before the meeting is held (this one is \(meeting.status.rawValue))")
            }
            guard let kind = try ParticipantStore.person(body.personId, on: connection) else {
                throw Problem.field("person_id", "unknown", "is not an active person")
            }
            // The items must be on this meeting's agenda (all of them, not only those the organiser sees in full).
            let facts = try MeetingStore.agendaFacts([meeting], viewer: principal, on: connection)
            let agenda = Dictionary(uniqueKeysWithValues: (facts.items[meeting.id] ?? []).map { ($0.facts.id, $0.facts) })
            for (index, item) in items.enumerated() where agenda[item] == nil {
                throw Problem.field("agenda_item_ids[\(index)]", "unknown", "is not an item on this meeting's agenda")
            }
            if let refusal = MeetingInvitation.refusal(personId: body.personId, kind: kind, items: items.compactMap { agenda[$0] },
                                                        meetingChildId: meeting.childId, children: facts.children.relations) {
                throw Problem.field(items.isEmpty ? "person_id" : "agenda_item_ids", refusal.rawValue, refusal == .familyWholeMeeting
                    ? "a guardian or young person is invited only to what is about their own child: choose the item of their child's case"
                    : "a guardian or young person is invited only to the items about their own child")
            }
            let standing = try ParticipantStore.participants(meeting, on: connection)
                .first { $0.personId == body.personId && $0.source != .items }
            if standing != nil {
                throw Problem.conflict("already_participant", "the person already takes part in the whole meeting")
            }
            guard try ParticipantStore.invite(meetingId: id, personId: body.personId, items: items, by: principal.personId, on: connection) else {
                throw Problem.conflict("already_invited", "the person is already invited to that")
            }
            try outbox.append(MeetingParticipantInvited(meetingId: id, personId: body.personId, agendaItemIds: items), on: connection)
            let list = try ParticipantStore.participants(meeting, on: connection).map { Self.resource($0, viewer: principal, organiser: true) }
            return try MutationResult(ParticipantList(items: list), status: .created)
        }
    }

    @Sendable func remove(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let personId = try request.uuidParameter("personId", context: context, resource: "person")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try MeetingStore.meeting(id, forUpdate: true, on: connection),
                  try MeetingRoutes.maySee(meeting, principal: principal, on: connection) else { throw Problem.notFound("Meeting") }
            guard MeetingRoutes.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser withdraws invitations") }
            guard meeting.status == .planned || meeting.status == .agendaPublished else {
                throw Problem.conflict("invalid_state", "invitations are changed before the meeting is held (this one is \(meeting.status.rawValue))")
            }
            guard try ParticipantStore.remove(meetingId: id, personId: personId, on: connection) else { throw Problem.notFound("Invitation") }
            try outbox.append(MeetingParticipantRemoved(meetingId: id, personId: personId), on: connection)
            let list = try ParticipantStore.participants(meeting, on: connection).map { Self.resource($0, viewer: principal, organiser: true) }
            return try MutationResult(ParticipantList(items: list))
        }
    }
}
