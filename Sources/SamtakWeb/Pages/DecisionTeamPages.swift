import Foundation
import Hummingbird

/// A case to the beslutningsteam for barn og unge (issue 16, seed 003: "spesielt kompliserte og
/// sammensatte saker ... samtykke må være innhentet"): the question the team is to clarify,
/// what has been tried, and the consent. It is a named case (`POST /v1/cases`): the intake
/// decides who may submit (the units that take part in the team) and whether the consent covers
/// the team; the scheduler puts it on the next meeting, whose agenda and minutes are the usual
/// pages (the minutes offer the team's own decision codes).
extension WebRoutes {
    struct DecisionCaseFormData {
        var arena: [String: Any]?
        var unitId: String?
        var children: [[String: Any]]
    }

    func decisionCaseFormData(_ session: WebSession, context: BasicRequestContext) async throws -> DecisionCaseFormData {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> DecisionCaseFormData in
            let me = try await web.intake.object("/v1/me", as: session.personId)
            let arena = try await web.intake.items("/v1/arenas?limit=100", as: session.personId)
                .first { ($0["kind"] as? String) == "beslutningsteam" && ($0["active"] as? Bool ?? true) }
            // The person's unit that owns the team or takes part in it.
            let arenaUnits = Set(([arena?["owner_unit_id"] as? String] + (arena?["participants"] as? [[String: Any]] ?? []).map { $0["unit_id"] as? String })
                .compactMap { $0?.lowercased() })
            let unit = (me["memberships"] as? [[String: Any]] ?? []).compactMap { ($0["unit_id"] as? String)?.lowercased() }.first { arenaUnits.contains($0) }
            // Children whose consent names the municipality's administration (which leads the team) and whom the person sees in full.
            var children: [[String: Any]] = []
            if unit != nil {
                children = try await web.intake.items("/v1/referrable-children?target_service=municipal_administration", as: session.personId)
            }
            return DecisionCaseFormData(arena: arena, unitId: unit, children: children)
        }
    }

    static let decisionCaseFields = ["child_id", "title", "question", "tried", "consent_confirmed"]

    @Sendable func newDecisionCaseForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let data = try await decisionCaseFormData(session, context: context)
        return decisionCaseForm(data, form: nil, errors: FieldErrors(), notice: nil, session: session)
    }

    func decisionCaseForm(_ data: DecisionCaseFormData, form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                          status: HTTPResponse.Status = .ok) -> Response {
        let chosen = form?["child_id"] ?? ""
        var values: [String: Any] = [
            "canSubmit": data.arena != nil && data.unitId != nil, "arenaName": data.arena?["name"] ?? "Beslutningsteam for barn og unge",
            "children": data.children.map { child -> [String: Any] in
                let id = (child["id"] as? String ?? "").lowercased()
                return ["id": id, "name": child["name"] ?? "", "grade": (child["grade"] as? Int).map { "\($0). trinn" } ?? "", "selected": id == chosen]
            },
            "title": form?["title"] ?? "", "question": form?["question"] ?? "", "tried": form?["tried"] ?? "",
            "consent": form?["consent_confirmed"] == "ja",
        ]
        values.merge(errors.templateValues(Self.decisionCaseFields)) { $1 }
        if let notice { values["notice"] = notice }
        return web.pages.page("decision_case_new", values, session: session, status: status)
    }

    @Sendable func submitDecisionCase(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        let data = try await decisionCaseFormData(session, context: context)
        var errors = FieldErrors()
        guard let arena = data.arena, let unit = data.unitId else { throw ErrorPage.notFound }
        if form.text("child_id").isEmpty { errors.add("child_id", "Velg barnet saken gjelder.") }
        if form.text("title").isEmpty { errors.add("title", "Skriv en kort tittel på saken.") }
        if form.text("question").isEmpty { errors.add("question", "Skriv hva beslutningsteamet skal avklare.") }
        if form.text("tried").isEmpty { errors.add("tried", "Beskriv hva som er prøvd, og hvilke tjenester barnet har i dag.") }
        if form["consent_confirmed"] != "ja" {
            errors.add("consent_confirmed", "Bekreft at samtykke er innhentet. Beslutningsteamet drøfter bare saker med samtykke.")
        }
        guard errors.isEmpty else {
            return decisionCaseForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        let body: [String: Any] = [
            "arena_id": arena["id"] ?? "", "kind": "named", "child_id": form.text("child_id"), "submitting_unit_id": unit,
            "title": form.text("title"), "concern": form.text("question"), "adaptations_tried": form.text("tried"),
        ]
        guard let answer = try await send("POST", "/v1/cases", json: body, session: session, context: context) else {
            return decisionCaseForm(data, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session, status: .badGateway)
        }
        if answer.status == 201, let id = answer.object["id"] as? String {
            return redirect(to: "/beslutningsteam/saker/\(id.lowercased())?sendt=1")
        }
        if answer.code == "consent_required" {
            errors.add("child_id", "Samtykket som er registrert for barnet, dekker ikke beslutningsteamet og alle tjenestene som deltar i det. "
                + "Hent inn et samtykke som gjør det, før saken meldes.")
        }
        let fields = ["child_id": "child_id", "title": "title", "concern": "question", "adaptations_tried": "tried"]
        let labels = ["child_id": "Barnet", "title": "Tittelen", "question": "Spørsmålet", "tried": "Det som er prøvd"]
        for (field, rule) in answer.violations {
            let name = fields[field] ?? "child_id"
            let label = labels[name] ?? "Feltet"
            switch rule {
            case "max_length", "too_long", "length": errors.add(name, "\(label) er for lang.")
            case "required", "empty", "blank": errors.add(name, "\(label) må fylles ut.")
            default: errors.add(name, "\(label) er ikke gyldig her.")
            }
        }
        if errors.isEmpty {
            errors.add("child_id", answer.status == 403 ? "Du kan ikke melde saker til beslutningsteamet." : "Saken kunne ikke meldes.")
        }
        return decisionCaseForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
    }

    /// `GET /beslutningsteam/saker/{id}`: the case as sent, and the team's meeting it is on.
    @Sendable func decisionCasePage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let item = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/cases/\(id)", as: session.personId)
        }
        let status = item["status"] as? String ?? ""
        var values: [String: Any] = [
            "title": item["title"] ?? "", "statusText": Bokmal.caseStatus(status), "question": item["concern"] ?? "",
            "tried": item["adaptations_tried"] ?? "", "childName": (item["child"] as? [String: Any])?["name"] ?? "",
            "sent": request.uri.queryParameters["sendt"] != nil, "waiting": status == "submitted",
        ]
        if let scheduled = item["scheduled"] as? [String: Any], let meeting = scheduled["meeting_id"] as? String {
            values["meeting"] = ["id": meeting.lowercased(), "when": Bokmal.dateTime(scheduled["starts_at"]), "position": scheduled["position"] ?? ""]
        }
        return web.pages.page("decision_case", values, session: session)
    }
}
