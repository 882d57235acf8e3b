/// # Drøftingsteam barnehage (issue 18, seed 003)
///
/// A kindergarten's case asks for observation of the child (named case and a consent naming
/// the drøftingsteam) with feedback to the kindergarten afterwards, or for a reflecting team.
/// The rules are ``DiscussionTeam`` (SamtakDomain), the SQL ``DiscussionTeamStore``; who sees
/// the case is ``AccessPolicy/caseAccess`` through ``CaseStore/access``. A case the caller may
/// not see is 404.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

struct DiscussionTeamRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("cases/{id}/discussion-team", use: get)
        group.post("cases/{id}/discussion-team", use: request)
        group.post("cases/{id}/discussion-team/feedback", use: feedback)
    }

    struct RequestResource: Codable, Sendable {
        var caseId: UUID
        var mode: DiscussionTeam.Mode
        var consentId: UUID?
        var requestedAt: Date
        var status: DiscussionTeam.Status
        var feedback: String?
        var feedbackByName: String?
        var feedbackAt: Date?
        /// The caller takes part in the drøftingsteam and may record the feedback now.
        var mayGiveFeedback: Bool
    }

    struct RequestBody: StrictRequestBody {
        var mode: DiscussionTeam.Mode
    }

    struct FeedbackBody: StrictRequestBody {
        var feedback: String
    }

    /// The case, what the caller may see of it, and whether they take part in its arena.
    static func load(_ caseId: UUID, principal: Principal, forUpdate: Bool = false, on connection: PostgresConnection)
        throws -> (row: CaseStore.Row, decision: AccessDecision, participant: Bool)? {
        guard let row = try CaseStore.load(caseId, on: connection, forUpdate: forUpdate), !row.isReferral else { return nil }
        let decision = try CaseStore.access(principal, to: row, on: connection)
        guard decision.basis != nil else { return nil }
        let participant = try row.arenaId.map { try ArenaStore.arenasTakingPart(principal, among: [$0], on: connection).contains($0) } ?? false
        return (row, decision, participant)
    }

    static func resource(_ request: DiscussionTeamStore.Row, decision: AccessDecision, participant: Bool,
                         on connection: PostgresConnection) throws -> RequestResource {
        let name = try request.feedbackBy.flatMap { try AccessFacts.people([$0], on: connection)[$0]?.name }
        return RequestResource(caseId: request.caseId, mode: request.mode, consentId: request.consentId, requestedAt: request.requestedAt,
                               status: request.status, feedback: request.feedback, feedbackByName: name, feedbackAt: request.feedbackAt,
                               mayGiveFeedback: participant && decision.canSeeChild
                                   && DiscussionTeam.feedbackAllowed(mode: request.mode, status: request.status))
    }

    /// The request and any feedback, to whoever sees the case in full (the kindergarten's case
    /// owner, the team); the read is logged. 404 when there is none or the case is not theirs.
    @Sendable func get(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let caseId = try request.uuidParameter("id", context: context, resource: "case")
        let resource = try await environment.read(context) { connection, principal -> RequestResource? in
            guard let (row, decision, participant) = try Self.load(caseId, principal: principal, on: connection),
                  decision.canSeeChild || row.kind != .named,
                  let stored = try DiscussionTeamStore.request(case: caseId, on: connection),
                  let basis = decision.basis else { return nil }
            if let childId = row.childId {
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "discussion_team", resourceId: caseId,
                                     childId: childId, basis: basis, consentId: decision.consentId, requestId: context.id)
            }
            return try Self.resource(stored, decision: decision, participant: participant, on: connection)
        }
        guard let resource else { throw Problem.notFound("Discussion team request") }
        return try APIJSON.response(resource)
    }

    /// The case's owner or submitter asks for observation or a reflecting team.
    /// `discussion_team.requested`.
    @Sendable func request(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let caseId = try request.uuidParameter("id", context: context, resource: "case")
        let (body, raw) = try await APIJSON.decode(RequestBody.self, from: request)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let (row, decision, participant) = try Self.load(caseId, principal: principal, forUpdate: true, on: connection) else {
                throw Problem.notFound("Case")
            }
            guard principal.personId == row.ownerId || principal.personId == row.submittedBy else {
                throw Problem.forbidden("the case's owner asks the drøftingsteam")
            }
            guard ![.withdrawn, .closed, .referredOn].contains(row.status) else {
                throw Problem.conflict("case_closed", "the case is withdrawn or closed")
            }
            let arenaKind = try row.arenaId.flatMap { try DiscussionTeamStore.arenaKind($0, on: connection) }
            let consents = try row.childId.map { try ChildAccessLoader.consents($0, on: connection) } ?? []
            let consent = row.arenaId.flatMap {
                DiscussionTeam.observationConsent(caseKind: row.kind, arenaId: $0, consents: consents, at: Date())
            }
            let refused = DiscussionTeam.requestViolations(mode: body.mode, arenaKind: arenaKind, caseKind: row.kind, observationConsent: consent)
            if !refused.isEmpty { throw Problem.refused(refused) }
            let consentId = body.mode == .observation ? consent?.id : nil
            guard try DiscussionTeamStore.insert(case: caseId, mode: body.mode, consentId: consentId, by: principal.personId, on: connection) else {
                throw Problem.conflict("already_requested", "the case has already asked the drøftingsteam")
            }
            try outbox.append(DiscussionTeamRequested(caseId: caseId, mode: body.mode), on: connection)
            if let childId = row.childId, let basis = decision.basis {
                try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "discussion_team", resourceId: caseId,
                                     childId: childId, basis: basis, consentId: decision.consentId, requestId: context.id)
            }
            guard let stored = try DiscussionTeamStore.request(case: caseId, on: connection) else { throw Problem.notFound("Case") }
            return try MutationResult(Self.resource(stored, decision: decision, participant: participant, on: connection), status: .created,
                                      location: "/v1/cases/\(caseId)/discussion-team")
        }
    }

    /// A participant of the drøftingsteam who sees the case in full records the feedback to
    /// the kindergarten after the observation. `discussion_team.feedback_given`.
    @Sendable func feedback(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let caseId = try request.uuidParameter("id", context: context, resource: "case")
        let (body, raw) = try await APIJSON.decode(FeedbackBody.self, from: request)
        var violations = Violations()
        violations.text(body.feedback, "feedback", max: 4000)
        try violations.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let (row, decision, participant) = try Self.load(caseId, principal: principal, on: connection),
                  let stored = try DiscussionTeamStore.request(case: caseId, lock: true, on: connection) else {
                throw Problem.notFound("Discussion team request")
            }
            guard participant, decision.canSeeChild else { throw Problem.forbidden("the drøftingsteam's participants give the feedback") }
            guard DiscussionTeam.feedbackAllowed(mode: stored.mode, status: stored.status) else {
                throw Problem.conflict("not_awaiting_feedback", "only an observation waiting for its feedback takes one")
            }
            try DiscussionTeamStore.recordFeedback(case: caseId, text: body.feedback.trimmingCharacters(in: .whitespacesAndNewlines),
                                                   by: principal.personId, on: connection)
            try outbox.append(DiscussionTeamFeedbackGiven(caseId: caseId), on: connection)
            if let childId = row.childId, let basis = decision.basis {
                try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "discussion_team", resourceId: caseId,
                                     childId: childId, basis: basis, consentId: decision.consentId, requestId: context.id)
            }
            guard let updated = try DiscussionTeamStore.request(case: caseId, on: connection) else { throw Problem.notFound("Case") }
            return try MutationResult(Self.resource(updated, decision: decision, participant: participant, on: connection))
        }
    }
}
