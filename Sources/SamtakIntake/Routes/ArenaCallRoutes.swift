/// # Calling a meeting of an arena without a rhythm ("etter behov", issue 18)
///
/// `POST /v1/arenas/{id}/meetings`: the arena's organiser (its owner, or the owning unit's
/// leader) calls one meeting: time (Europe/Oslo), optional length and place. It is a called
/// `meetings` row (no occurrence date, `called_by`, the caller as participant besides the
/// arena's standing participants) with `meeting.called`, handled by the scheduler and the
/// notifier like any other. An arena with a rhythm is a 409 `has_rhythm`; meetings around
/// one child and transitions are called their own way (422 naming `id`).
import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

struct ArenaCallRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("arenas/{id}/meetings", use: call)
    }

    @Sendable func call(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "arena")
        // The same body as moving a called meeting: time, length, place.
        let (body, raw) = try await CalledMeetingRoutes.RescheduleBody.decode(from: request, future: false)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let facts = try ArenaStore.callFacts(id, on: connection), let arena = try CalledMeetings.arena(id, on: connection) else {
                throw Problem.notFound("Arena")
            }
            switch MeetingRoles.refusalToCallAsNeeded(principal, kind: facts.kind, active: facts.active, hasRhythm: facts.hasRhythm,
                                                      arenaOwnerPersonId: facts.ownerPersonId, arenaOwnerUnitId: facts.ownerUnitId) {
            case nil: break
            case .notOrganiser: throw Problem.forbidden("a meeting of the arena is called by its owner or the owning unit's leader")
            case .inactive: throw Problem.conflict("inactive", "the arena is deactivated")
            case .hasRhythm: throw Problem.conflict("has_rhythm", "the arena meets in a series; its meetings come from the series")
            case .notThisWay: throw Problem.field("id", "not_this_way", "meetings around one child and transition meetings are called their own way")
            }
            let planned = try CalledMeetings.plan(start: body.startsAt, rule: nil, arena: arena, durationMinutes: body.durationMinutes)
            let meetingId = try CalledMeetings.insert(planned[0], arena: arena, childId: nil, calledBy: principal.personId, location: body.location?.trimmed,
                                                      participants: [principal.personId], items: [], consentId: nil, originCaseId: nil, planId: nil,
                                                      seriesId: nil, outbox: outbox, on: connection)
            guard let resource = try CalledMeetings.resource(meetingId, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Meeting")
            }
            return try MutationResult(resource, status: .created, location: "/v1/meetings/\(meetingId)")
        }
    }
}
