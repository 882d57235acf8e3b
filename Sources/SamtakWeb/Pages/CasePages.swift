import Foundation
import Hummingbird
import SamtakDomain

/// Submitting a case to the ressursteam, its page, withdrawing it.
extension WebRoutes {
    /// The adaptation rows the form offers (one more appears when all are filled).
    static let adaptationRows = 3

    struct CaseFormData {
        var me: [String: Any]
        var arenas: [[String: Any]]
        var children: [[String: Any]]
    }

    /// The ressursteams of the person's units and the children of those units.
    func caseFormData(_ session: WebSession, context: BasicRequestContext) async throws -> CaseFormData {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> CaseFormData in
            let me = try await web.intake.object("/v1/me", as: session.personId)
            let units = Set((me["memberships"] as? [[String: Any]] ?? []).compactMap { $0["unit_id"] as? String })
            let arenas = try await web.intake.items("/v1/arenas?limit=100", as: session.personId).filter { arena in
                (arena["active"] as? Bool ?? true) && (arena["accepts"] as? [String] ?? []).contains("named")
                    && (units.contains(arena["owner_unit_id"] as? String ?? "")
                        || (arena["participants"] as? [[String: Any]] ?? []).contains { units.contains($0["unit_id"] as? String ?? "") })
                    && Self.caseTeamKinds.contains(arena["kind"] as? String ?? "")
            }
            var children: [[String: Any]] = []
            for unit in units.sorted() {
                children += try await web.intake.items("/v1/children?unit_id=\(unit)&limit=200", as: session.personId)
            }
            return CaseFormData(me: me, arenas: arenas, children: children)
        }
    }

    @Sendable func newCaseForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let data = try await caseFormData(session, context: context)
        return caseForm(data, form: nil, errors: FieldErrors(), notice: nil, session: session)
    }

    /// The teams this form sends cases to: the school's ressursteam and the kindergartens'
    /// drøftingsteam (issue 18: observation or a reflecting team is asked for on the case's page).
    static let caseTeamKinds: Set<String> = ["ressursteam", "droftingsteam"]

    /// "ressursteamet", "drøftingsteamet", or both, as the person's teams are.
    static func teamName(_ arenas: [[String: Any]]) -> String {
        let kinds = Set(arenas.compactMap { $0["kind"] as? String })
        switch (kinds.contains("ressursteam"), kinds.contains("droftingsteam")) {
        case (false, true): return "drøftingsteamet"
        case (true, true): return "ressursteamet eller drøftingsteamet"
        default: return "ressursteamet"
        }
    }

    func caseForm(_ data: CaseFormData, form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                  status: HTTPResponse.Status = .ok) -> Response {
        let chosenArena = form?["arena_id"] ?? (data.arenas.first?["id"] as? String ?? "")
        let chosenChild = form?["child_id"] ?? ""
        let kind = form?["kind"] ?? "named"
        var rows: [[String: Any]] = []
        let filled = (0..<20).filter { !(form?.text("tiltak_\($0)_hva") ?? "").isEmpty }.count
        for index in 0..<max(Self.adaptationRows, filled + 1) {
            rows.append([
                "index": index, "number": index + 1,
                "hva": form?["tiltak_\(index)_hva"] ?? "", "fra": form?["tiltak_\(index)_fra"] ?? "",
                "varighet": form?["tiltak_\(index)_varighet"] ?? "", "resultat": form?["tiltak_\(index)_resultat"] ?? "",
            ])
        }
        var values: [String: Any] = [
            "arenas": data.arenas.map { ["id": $0["id"] ?? "", "name": $0["name"] ?? "", "selected": ($0["id"] as? String) == chosenArena] },
            "children": data.children.map { child -> [String: Any] in
                ["id": child["id"] ?? "", "name": child["name"] ?? "", "selected": (child["id"] as? String) == chosenChild,
                 "grade": (child["grade"] as? Int).map { "\($0). trinn" } ?? ""]
            },
            "hasArenas": !data.arenas.isEmpty, "teamName": Self.teamName(data.arenas),
            "named": kind != "anonymous", "anonymous": kind == "anonymous",
            "grade": form?["grade"] ?? "", "title": form?["title"] ?? "", "concern": form?["concern"] ?? "",
            "urgent": form?["urgent"] == "ja", "confirm": form?["confirm_no_personal_data"] == "ja",
            "rows": rows, "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        for field in ["arena_id", "child_id", "kind", "grade", "title", "concern", "adaptations", "confirm_no_personal_data"] {
            if let message = errors[field] { values["error_\(field)"] = message }
        }
        if let notice { values["notice"] = notice }
        return web.pages.page("case_new", values, session: session, status: status)
    }

    /// The form's adaptation rows as the API's `adaptations` (rows without "what" left out).
    static func adaptations(_ form: FormFields) -> [[String: String]] {
        (0..<AdaptationTried.maxCount).compactMap { index -> [String: String]? in
            let what = form.text("tiltak_\(index)_hva")
            guard !what.isEmpty else { return nil }
            return ["what": what, "since": form.text("tiltak_\(index)_fra"), "duration": form.text("tiltak_\(index)_varighet"),
                    "result": form.text("tiltak_\(index)_resultat")]
        }
    }

    @Sendable func submitCase(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        let data = try await caseFormData(session, context: context)
        var errors = FieldErrors()
        let kind = form["kind"] == "anonymous" ? "anonymous" : "named"
        guard let arena = data.arenas.first(where: { ($0["id"] as? String) == form["arena_id"] }) else {
            errors.add("arena_id", "Velg teamet saken skal til.")
            return caseForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        if kind == "named" && form.text("child_id").isEmpty { errors.add("child_id", "Velg eleven saken gjelder, eller send saken anonymt.") }
        if form.text("title").isEmpty { errors.add("title", "Skriv en kort tittel på saken.") }
        if form.text("concern").isEmpty { errors.add("concern", "Beskriv bekymringen.") }
        let adaptations = Self.adaptations(form)
        if adaptations.isEmpty { errors.add("adaptations", "Fyll inn minst ett tiltak dere har prøvd, slik ressursteamet krever før saken drøftes.") }
        let grade = form.text("grade")
        if !grade.isEmpty && Int(grade).map({ (0...13).contains($0) }) != true { errors.add("grade", "Trinn er et tall fra 0 (barnehage) til 13.") }
        guard errors.isEmpty else {
            return caseForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        // The submitting unit: the person's unit that owns the arena or takes part in it.
        let memberships = data.me["memberships"] as? [[String: Any]] ?? []
        let arenaUnits = Set([arena["owner_unit_id"] as? String ?? ""]
            + (arena["participants"] as? [[String: Any]] ?? []).compactMap { $0["unit_id"] as? String })
        let unit = memberships.compactMap { $0["unit_id"] as? String }.first { arenaUnits.contains($0) } ?? ""
        var body: [String: Any] = [
            "arena_id": arena["id"] ?? "", "kind": kind, "submitting_unit_id": unit, "title": form.text("title"),
            "concern": form.text("concern"), "adaptations": adaptations, "urgent": form["urgent"] == "ja",
        ]
        if let value = Int(grade) { body["grade"] = value }
        if kind == "named" { body["child_id"] = form.text("child_id") }
        if kind == "anonymous" && form["confirm_no_personal_data"] == "ja" { body["confirm_no_personal_data"] = true }
        guard let answer = try await send("POST", "/v1/cases", json: body, session: session, context: context) else {
            return caseForm(data, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session, status: .badGateway)
        }
        if answer.status == 201, let id = answer.object["id"] as? String {
            return redirect(to: "/saker/\(id.lowercased())?sendt=1")
        }
        Self.caseErrors(answer, kind: kind, into: &errors)
        return caseForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
    }

    /// The API's problem as bokmål messages at the fields they concern.
    static func caseErrors(_ answer: APIAnswer, kind: String, into errors: inout FieldErrors) {
        if answer.code == "consent_required" {
            errors.add("child_id", "Det er ikke registrert et samtykke fra foresatte som dekker dette ressursteamet for eleven. "
                + "Uten samtykke kan du sende saken anonymt: da må teksten ikke inneholde navn, fødselsnummer, fødselsdato "
                + "eller annet som kan identifisere eleven eller familien.")
            return
        }
        let fieldNames = ["title": "title", "concern": "concern", "adaptations_tried": "adaptations", "grade": "grade",
                          "child_id": "child_id", "arena_id": "arena_id", "kind": "kind", "responsible_note": "concern"]
        let items = answer.object["errors"] as? [[String: Any]] ?? []
        for item in items {
            let apiField = item["field"] as? String ?? ""
            // `adaptations[2].result`: the message goes to the form of adaptations.
            let field = apiField.hasPrefix("adaptations") ? "adaptations" : fieldNames[apiField] ?? "arena_id"
            let rule = item["rule"] as? String ?? ""
            let labels = ["title": "Tittelen", "concern": "Bekymringen", "adaptations": "Tiltakene", "grade": "Trinn",
                          "child_id": "Eleven", "arena_id": "Ressursteamet", "kind": "Sakstypen"]
            let label = labels[field] ?? "Feltet"
            switch rule {
            case "personal_data_suspected":
                errors.add(field, "\(label) \(Bokmal.finding(item["message"] as? String ?? "")). Fjern det, eller bekreft nederst at teksten ikke identifiserer noen.")
                errors.add("confirm_no_personal_data", "En anonym sak må ikke kunne knyttes til en elev. Se over markeringene ovenfor.")
            case "too_long", "max_length", "length": errors.add(field, "\(label) er for lang.")
            case "required", "empty", "blank": errors.add(field, "\(label) må fylles ut.")
            case "not_found": errors.add(field, "\(label) finnes ikke, eller du har ikke tilgang.")
            case "not_accepted": errors.add(field, "Ressursteamet tar ikke imot denne typen saker.")
            case "not_allowed": errors.add(field, "\(label) er ikke tillatt her.")
            case "inactive": errors.add(field, "Ressursteamet tar ikke lenger imot saker.")
            default: errors.add(field, "\(label) er ikke gyldig.")
            }
        }
        if items.isEmpty {
            errors.add("arena_id", answer.status == 403 ? "Du kan ikke sende saker til dette ressursteamet." : "Saken kunne ikke sendes inn.")
        }
    }

    @Sendable func casePage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        var item = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/cases/\(id)", as: session.personId)
        }
        // Issue 18: a case to Drøftingsteam barnehage links to its page (observation or reflecting team).
        if let arena = item["arena_id"] as? String {
            item["arena_kind"] = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> Any? in
                try await web.intake.object("/v1/arenas/\(arena.lowercased())", as: session.personId)["kind"]
            }
        }
        return casePageResponse(item, session: session, sent: request.uri.queryParameters["sendt"] != nil, message: nil)
    }

    func casePageResponse(_ item: [String: Any], session: WebSession, sent: Bool, message: String?) -> Response {
        let status = item["status"] as? String ?? ""
        let scheduled = item["scheduled"] as? [String: Any]
        var values: [String: Any] = [
            "id": item["id"] ?? "", "title": item["title"] ?? "", "statusText": Bokmal.caseStatus(status),
            "concern": item["concern"] ?? "", "adaptations": item["adaptations_tried"] ?? "",
            "adaptationRows": (item["adaptations"] as? [[String: Any]] ?? []).enumerated().map { index, row -> [String: Any] in
                ["number": index + 1, "what": row["what"] ?? "", "since": row["since"] ?? "", "duration": row["duration"] ?? "",
                 "result": row["result"] ?? ""]
            },
            "hasAdaptationRows": !(item["adaptations"] as? [Any] ?? []).isEmpty,
            "anonymous": (item["kind"] as? String) == "anonymous", "urgent": item["urgent"] as? Bool ?? false,
            "childName": (item["child"] as? [String: Any])?["name"] ?? "",
            "droftingsteam": (item["arena_kind"] as? String) == "droftingsteam",
            "grade": (item["grade"] as? Int).map { "\($0). trinn" } ?? "",
            "canWithdraw": (status == "submitted" || status == "scheduled") && (item["submitted_by"] as? String)?.lowercased() == session.personId.uuidString.lowercased(),
            "sent": sent, "waiting": status == "submitted",
        ]
        if let scheduled, let meeting = scheduled["meeting_id"] as? String {
            values["meeting"] = ["id": meeting.lowercased(), "when": Bokmal.dateTime(scheduled["starts_at"]),
                                 "position": scheduled["position"] ?? "", "overCapacity": scheduled["over_capacity"] as? Bool ?? false]
        }
        if let message { values["message"] = message }
        // Only a named case the caller sees in full has a child (an empty string would still open the section).
        if let childId = ((item["child"] as? [String: Any])?["id"] as? String)?.lowercased() { values["childId"] = childId }
        return web.pages.page("case", values, session: session)
    }

    @Sendable func withdrawCase(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, id, answer) = try await postButton(request, context: context) { "/v1/cases/\($0)/withdraw" }
        switch answer.status {
        case 200: return redirect(to: "/saker/\(id)")
        case 403, 404: throw ErrorPage.notFound
        default:
            let item = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
                try await web.intake.object("/v1/cases/\(id)", as: session.personId)
            }
            return casePageResponse(item, session: session, sent: false, message: "Saken kan ikke trekkes tilbake nå: den er allerede drøftet eller avsluttet.")
        }
    }
}
