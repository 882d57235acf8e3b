/// # The individual plan (individuell plan, IP)
///
/// Seeds 003/004: the plan states the child's own goals ("hva er viktig for deg"), the
/// services responsible, the measures, and the coordinator (the child's coordinator, see
/// ``CoordinationRoutes``). Its ansvarsgruppe meetings point to it
/// (`meetings.individual_plan_id`, set when an ansvarsgruppe is called for a child with an
/// active plan). One active plan per child (`individual_plans`).
///
/// Consent: the plan is shared between its responsible services, so an active consent must
/// name every one of them; it is written by staff who may write the child's log (covered by
/// consent) and read by the log's readers. With `take_over_log` the child's open log is
/// closed (`log.closed`, reason `individual_plan`) and its active measures move into the plan.
///
/// Endpoints: `GET/POST /v1/children/{id}/individual-plan`, `PUT /v1/individual-plans/{id}`
/// (goals and services; `version` guards concurrent editors), `POST
/// /v1/individual-plans/{id}/measures`. Event: `individual_plan.changed`, `measure.added`.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct IndividualPlanRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("children/{id}/individual-plan", use: getPlan)
        group.post("children/{id}/individual-plan", use: createPlan)
        group.put("individual-plans/{id}", use: updatePlan)
        group.post("individual-plans/{id}/measures", use: addMeasure)
    }

    struct PlanBody: StrictRequestBody {
        var goals: [String]
        var responsibleServices: [ServiceKind]
        var takeOverLog: Bool?
        var version: Int?
    }

    struct PlanResource: Codable, Sendable {
        var id: UUID
        var childId: UUID
        var status: String
        var goals: [String]
        var responsibleServices: [ServiceKind]
        var consentId: UUID
        var coordinator: CoordinationStore.CoordinatorResource?
        var measures: [CoordinationStore.MeasureResource]
        var meetingIds: [UUID]
        var version: Int
        var createdBy: UUID
        var createdAt: Date
        var updatedAt: Date
    }

    static func validate(_ body: PlanBody) throws {
        var v = Violations()
        if body.goals.isEmpty { v.add("goals", "required", "name at least one goal: what matters to the child") }
        if body.goals.count > 30 { v.add("goals", "max_items", "must have at most 30 goals") }
        for (index, goal) in body.goals.enumerated() { v.text(goal, "goals[\(index)]", max: 2000) }
        if body.responsibleServices.isEmpty { v.add("responsible_services", "required", "name at least one responsible service") }
        if Set(body.responsibleServices).count != body.responsibleServices.count {
            v.add("responsible_services", "unique", "must not repeat a service")
        }
        try v.throwIfAny()
    }

    /// The active consent that names every responsible service (422 naming the rule otherwise).
    static func consent(for services: [ServiceKind], child: CoordinationStore.ChildFacts) throws -> ConsentGrant {
        guard let consent = child.consents.first(where: { $0.isActive(at: Date()) && Set(services).isSubset(of: $0.services) }) else {
            throw Problem(.unprocessableContent, code: "consent_required", title: "A valid consent is required",
                          detail: "responsible_services: no consent in force names every responsible service",
                          violations: [.init(field: "responsible_services", rule: ConsentProblem.serviceNotCovered.code,
                                             message: "no consent in force names every responsible service")])
        }
        return consent
    }

    static func load(_ id: UUID, on connection: PostgresConnection, forUpdate: Bool = false) throws -> PlanResource? {
        guard let row = try IndividualPlanStore.plan(id, forUpdate: forUpdate, on: connection) else { return nil }
        return PlanResource(
            id: id, childId: row.childId, status: row.status, goals: row.goals, responsibleServices: row.responsibleServices,
            consentId: row.consentId, coordinator: try CoordinationStore.activeCoordinator(of: row.childId, on: connection),
            measures: try CoordinationStore.measures(where: "m.plan_id = \(id)", on: connection),
            meetingIds: try IndividualPlanStore.meetingIds(of: id, on: connection),
            version: row.version, createdBy: row.createdBy, createdAt: row.createdAt, updatedAt: row.updatedAt
        )
    }

    @Sendable func getPlan(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let plan = try await environment.read(context) { connection, principal -> PlanResource? in
            guard let child = try CoordinationStore.child(childId, on: connection) else { return nil }
            let access = CoordinationStore.logAccess(principal, child)
            guard let basis = access.basis, let id = try IndividualPlanStore.currentId(ofChild: childId, on: connection) else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "individual_plan", resourceId: id,
                                 childId: childId, basis: basis, consentId: access.consentId, requestId: context.id)
            return try Self.load(id, on: connection)
        }
        guard let plan else { throw Problem.notFound("Individual plan") }
        return try APIJSON.response(plan)
    }

    @Sendable func createPlan(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let (body, raw) = try await APIJSON.decode(PlanBody.self, from: request)
        if body.version != nil { throw Problem.field("version", "not_allowed", "is only given when changing a plan") }
        try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let child = try CoordinationStore.child(childId, on: connection) else { throw Problem.notFound("Child") }
            let (basis, accessConsent) = try CoordinationRoutes.requireWriter(principal, child)
            let consent = try Self.consent(for: body.responsibleServices, child: child)
            let id = UUID()
            do {
                try IndividualPlanStore.insert(id: id, childId: childId, goals: body.goals.map(\.trimmed), services: body.responsibleServices,
                                               consentId: consent.id, by: principal.personId, on: connection)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Problem.conflict("plan_exists", "the child already has an active individual plan")
            }
            try outbox.append(IndividualPlanChanged(childId: childId, planId: id, version: 1), on: connection)
            if body.takeOverLog == true, let logId = try CoordinationStore.openLogId(of: childId, on: connection),
               let log = try CoordinationStore.loadLog(logId, on: connection, forUpdate: true) {
                try CoordinationRoutes.close(log, reason: .individualPlan, planId: id, note: nil, by: principal.personId, outbox: outbox, on: connection)
            }
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "individual_plan", resourceId: id,
                                 childId: childId, basis: basis, consentId: accessConsent, requestId: context.id)
            guard let plan = try Self.load(id, on: connection) else { throw Problem.notFound("Individual plan") }
            return try MutationResult(plan, status: .created, location: "/v1/children/\(childId)/individual-plan")
        }
    }

    /// Loads an active plan for a change by a writer (404 / 403 / 409 otherwise).
    static func writablePlan(_ id: UUID, _ principal: Principal, on connection: PostgresConnection) throws
        -> (plan: PlanResource, child: CoordinationStore.ChildFacts, basis: AccessBasis, consentId: UUID?) {
        guard let plan = try load(id, on: connection, forUpdate: true), let child = try CoordinationStore.child(plan.childId, on: connection) else {
            throw Problem.notFound("Individual plan")
        }
        let access = CoordinationStore.logAccess(principal, child)
        guard access.canRead else { throw Problem.notFound("Individual plan") }
        guard access.canWrite, let basis = access.basis else { throw Problem.forbidden("the plan is read-only for you") }
        guard plan.status == "active" else { throw Problem.conflict("plan_closed", "the individual plan is closed") }
        return (plan, child, basis, access.consentId)
    }

    @Sendable func updatePlan(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "individual plan")
        let (body, raw) = try await APIJSON.decode(PlanBody.self, from: request)
        guard let expected = body.version else { throw Problem.field("version", "required", "give the version your change is based on") }
        if body.takeOverLog != nil { throw Problem.field("take_over_log", "not_allowed", "is only given when creating a plan") }
        try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (plan, child, basis, accessConsent) = try Self.writablePlan(id, principal, on: connection)
            guard plan.version == expected else { throw Problem.conflict("version_mismatch", "the plan was changed since version \(expected); read it again") }
            let consent = try Self.consent(for: body.responsibleServices, child: child)
            try IndividualPlanStore.update(id, goals: body.goals.map(\.trimmed), services: body.responsibleServices, consentId: consent.id,
                                           on: connection)
            try outbox.append(IndividualPlanChanged(childId: plan.childId, planId: id, version: expected + 1), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "individual_plan", resourceId: id,
                                 childId: plan.childId, basis: basis, consentId: accessConsent, requestId: context.id)
            guard let updated = try Self.load(id, on: connection) else { throw Problem.notFound("Individual plan") }
            return try MutationResult(updated)
        }
    }

    @Sendable func addMeasure(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "individual plan")
        let (body, raw) = try await APIJSON.decode(CoordinationRoutes.MeasureBody.self, from: request)
        try CoordinationRoutes.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (plan, child, basis, accessConsent) = try Self.writablePlan(id, principal, on: connection)
            let service = try CoordinationStore.validateOwner(body.ownerId, child: child, field: "owner_id", on: connection)
            guard let measureId = try CoordinationStore.addMeasure(.init(
                childId: plan.childId, logId: nil, planId: id, description: body.description.trimmed, ownerId: body.ownerId, service: service,
                startsOn: body.startsOn, evaluationDueOn: body.evaluationDueOn, source: .manual, meetingId: nil, followUpActionId: nil,
                createdBy: principal.personId), outbox: outbox, on: connection),
                  let measure = try CoordinationStore.loadMeasure(measureId, on: connection) else { throw Problem.notFound("Measure") }
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordination_measure", resourceId: measureId,
                                 childId: plan.childId, basis: basis, consentId: accessConsent, requestId: context.id)
            return try MutationResult(measure, status: .created, location: "/v1/children/\(plan.childId)/individual-plan")
        }
    }
}
