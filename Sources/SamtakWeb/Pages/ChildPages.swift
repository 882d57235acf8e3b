import Foundation
import HTTPTypes
import Hummingbird
import SamtakDomain

/// # One child's cooperation, for the coordinator (issue 16)
///
/// Pages (all under `/barn/{id}`; the intake decides every access, the web holds no rule):
/// - `/barn/{id}`: the child (the name only as the intake returns it: consent decides), the
///   coordinator, the timeline newest first, links to the log, the plan and the meetings.
/// - `/barn/{id}/stafettlogg`: the coordination log; open it, add a measure, evaluate a
///   measure, add a note, close it, download its export.
/// - `/barn/{id}/koordinator`: ask a person the consent covers to take over (the intake's
///   `coordinator/candidates`), cancel the request; the person asked answers on
///   `/koordinator/overtakelser/{id}` (``handoverPage``).
/// - `/barn/{id}/moter/ny`: call a samarbeidsmøte or ansvarsgruppe around the child with
///   staff, the guardians and the young person; it lands on the meeting page (`/moter/{id}`).
///
/// No table, no event of the web's own: each form is one intake call, whose problem+json is
/// turned into bokmål sentences at the field, the input kept.
extension WebRoutes {
    // MARK: Shared

    static let timelineLabels: [String: String] = [
        "case.submitted": "Sak meldt", "referral.created": "Henvisning sendt", "case.decided": "Vedtak i møte",
        "meeting.called": "Møte kalt inn", "coordinator.assigned": "Koordinator oppnevnt", "coordinator.released": "Koordinatoren fratrådte",
        "coordinator.handover_requested": "Spurt om å overta som koordinator", "coordinator.handed_over": "Koordinatorrollen overtatt",
        "coordinator.handover_declined": "Overtakelse avslått", "coordinator.handover_cancelled": "Overtakelse trukket tilbake",
        "log.opened": "Stafettlogg åpnet", "log.closed": "Stafettlogg lukket", "note.added": "Notat skrevet", "measure.added": "Tiltak lagt til",
        "measure.evaluated": "Tiltak evaluert", "individual_plan.created": "Individuell plan opprettet",
    ]

    static func coordinatorKindText(_ code: Any?) -> String {
        ["stafettholder": "stafettholder", "ip_coordinator": "koordinator for individuell plan", "child_coordinator": "barnekoordinator"][code as? String ?? ""] ?? ""
    }

    static func serviceName(_ code: Any?) -> String { ServiceKind(rawValue: code as? String ?? "")?.norwegianName ?? "" }

    static func lowerId(_ value: Any?) -> String { (value as? String)?.lowercased() ?? "" }

    /// The child's name as the intake shows it to this person, else "barnet".
    func childName(_ id: String, session: WebSession) async throws(IntakeClient.Failure) -> String {
        let child = try await web.intake.call("GET", "/v1/children/\(id)", as: session.personId)
        return child.status == 200 ? (child.object["name"] as? String ?? "Barnet") : "Barnet"
    }

    /// Who may be asked around the child (staff the consent covers, the family); empty for
    /// someone the intake does not let ask.
    func candidates(_ id: String, session: WebSession) async throws(IntakeClient.Failure) -> (staff: [[String: Any]], family: [[String: Any]]) {
        let answer = try await web.intake.call("GET", "/v1/children/\(id)/coordinator/candidates", as: session.personId)
        guard answer.status == 200 else { return ([], []) }
        return (answer.object["staff"] as? [[String: Any]] ?? [], answer.object["family"] as? [[String: Any]] ?? [])
    }

    static func familyLabel(_ person: [String: Any]) -> String {
        "\(person["name"] as? String ?? ""), \(person["relation"] as? String == "guardian" ? "foresatt" : "ungdommen selv")"
    }

    /// Who can be responsible for a measure: the coordinator, the staff the consent covers, the family.
    static func measureOwners(_ coordination: [String: Any], staff: [[String: Any]], family: [[String: Any]]) -> [(id: String, label: String)] {
        var owners: [(id: String, label: String)] = []
        if let current = coordination["current"] as? [String: Any] {
            owners.append((lowerId(current["person_id"]), "\(current["person_name"] as? String ?? ""), koordinator"))
        }
        return owners + staff.map { (lowerId($0["person_id"]), staffLabel($0)) } + family.map { (lowerId($0["person_id"]), familyLabel($0)) }
    }

    /// The measure form's fields (shared by the log and the plan), checked: the API's body, or nil with `errors` filled.
    static func measureBody(_ form: FormFields, errors: inout FieldErrors) -> [String: Any]? {
        let what = form.text("tiltak")
        if what.isEmpty { errors.add("tiltak", "Skriv hva tiltaket er.") } else if what.count > 2000 { errors.add("tiltak", "Tiltaket kan ha høyst 2000 tegn.") }
        let owner = UUID(uuidString: form.text("ansvarlig"))
        if owner == nil { errors.add("ansvarlig", "Velg hvem som er ansvarlig for tiltaket.") }
        let from = LocalDate(form.text("fra")), due = LocalDate(form.text("evaluering"))
        if from == nil { errors.add("fra", "Skriv datoen tiltaket starter, for eksempel 2027-02-01.") }
        if due == nil { errors.add("evaluering", "Skriv datoen tiltaket skal evalueres, for eksempel 2027-04-01.") }
        if let from, let due, due < from { errors.add("evaluering", "Evalueringsdatoen kan ikke være før tiltaket starter.") }
        guard errors.isEmpty, let owner, let from, let due else { return nil }
        return ["description": what, "owner_id": owner.uuidString, "starts_on": from.description, "evaluation_due_on": due.description]
    }

    /// The measure form's values for the template (input kept).
    static func measureFormValues(_ form: FormFields?, owners: [(id: String, label: String)]) -> [String: Any] {
        let chosen = form?.text("ansvarlig") ?? ""
        return ["owners": owners.map { ["id": $0.id, "label": $0.label, "selected": $0.id == chosen] },
                "tiltak": form?["tiltak"] ?? "", "fra": form?.text("fra") ?? today(), "evaluering": form?.text("evaluering") ?? ""]
    }

    static func staffLabel(_ person: [String: Any]) -> String {
        let role = roleLabel(person["role"] as? String ?? "")
        return "\(person["name"] as? String ?? ""), \(role) (\(person["unit_name"] as? String ?? ""))"
    }

    // MARK: The child page

    @Sendable func cooperationChildPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let me = session.personId.uuidString.lowercased()
        var values = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let coordination = try await web.intake.object("/v1/children/\(id)/coordinator", as: session.personId)
            let name = try await childName(id, session: session)
            let timeline = try await web.intake.object("/v1/children/\(id)/timeline", as: session.personId)
            let meetings = try await web.intake.call("GET", "/v1/children/\(id)/meetings", as: session.personId)
            let current = coordination["current"] as? [String: Any]
            let pending = coordination["pending_handover"] as? [String: Any]
            let entries = (timeline["items"] as? [[String: Any]] ?? []).reversed().map { item -> [String: Any] in
                let kind = item["kind"] as? String ?? ""
                return ["when": Bokmal.dateTime(item["at"]), "label": Self.timelineLabels[kind] ?? kind,
                        "summary": item["summary"] as? String ?? "",
                        "meetingId": Self.lowerId(item["meeting_id"] ?? item["created_meeting_id"])]
            }
            let meetingRows = (meetings.status == 200 ? meetings.object["items"] as? [[String: Any]] ?? [] : []).map { meeting -> [String: Any] in
                ["id": Self.lowerId(meeting["id"]), "arenaName": meeting["arena_name"] ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
                 "status": Bokmal.meetingStatus(meeting["status"])]
            }
            return [
                "id": id, "childName": name, "hasCoordinator": current != nil,
                "coordinatorName": current?["person_name"] ?? "", "coordinatorKind": Self.coordinatorKindText(current?["kind"]),
                "coordinatorService": Self.serviceName(current?["service"]), "coordinatorSince": Bokmal.dateTime(current?["started_at"]),
                "isCoordinator": Self.lowerId(current?["person_id"]) == me,
                "pendingId": Self.lowerId(pending?["id"]),
                "timeline": entries, "hasTimeline": !entries.isEmpty, "truncated": timeline["truncated"] as? Bool ?? false,
                "meetings": meetingRows, "hasMeetings": !meetingRows.isEmpty,
            ]
        }
        if let message = request.uri.queryParameters["melding"].flatMap({ Self.childMessages[String($0)] }) { values["message"] = message }
        return web.pages.page("child_cooperation", values, session: session)
    }

    static let childMessages: [String: String] = [
        "spurt": "Forespørselen er sendt. Personen får beskjed og svarer på sin forside.",
        "trukket": "Forespørselen om å overta er trukket tilbake.",
    ]
}

// MARK: The coordination log (stafettlogg)

extension WebRoutes {
    static let outcomeChoices: [(code: String, label: String)] = [
        ("continue", "Fortsette (eventuelt justert), med ny evalueringsdato"), ("completed", "Fullført: målet er nådd"), ("stopped", "Avsluttet: tiltaket stoppes"),
    ]
    static let closeReasons: [(code: String, label: String)] = [
        ("goals_reached", "Målene er nådd"), ("family_withdrew", "Familien ønsker ikke å fortsette"), ("moved_away", "Barnet har flyttet"), ("other", "Annet"),
    ]
    static let measureStatus: [String: String] = ["active": "Pågår", "completed": "Fullført", "stopped": "Avsluttet"]

    @Sendable func coordinationLogPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let message = request.uri.queryParameters["melding"].flatMap { Self.logMessages[String($0)] }
        return try await logResponse(try pathId(context), form: nil, errors: FieldErrors(), message: message, session: session, context: context)
    }

    static let logMessages: [String: String] = [
        "apnet": "Stafettloggen er åpnet.", "tiltak": "Tiltaket er lagt til.", "evaluert": "Evalueringen er lagret.",
        "notat": "Notatet er lagret.", "lukket": "Stafettloggen er lukket. Den kan leses, men ikke endres.",
    ]

    /// The log page, with a form's input and errors kept. `measureForm` names the measure
    /// whose evaluation form failed.
    func logResponse(_ id: String, form: FormFields?, errors: FieldErrors, measureForm: String? = nil, message: String? = nil,
                     session: WebSession, context: BasicRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let values = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let coordination = try await web.intake.object("/v1/children/\(id)/coordinator", as: session.personId)
            let name = try await childName(id, session: session)
            let log = try await web.intake.call("GET", "/v1/children/\(id)/coordination-log", as: session.personId)
            let (staff, family) = try await candidates(id, session: session)
            return ["childName": name, "log": log.status == 200 ? log.object : [:],
                    "owners": Self.measureOwners(coordination, staff: staff, family: family)]
        }
        let log = values["log"] as? [String: Any] ?? [:]
        let owners = values["owners"] as? [(id: String, label: String)] ?? []
        let open = log["status"] as? String == "open"
        let writable = open && log["access"] as? String == "read_write"
        let logId = Self.lowerId(log["id"])
        let measures = (log["measures"] as? [[String: Any]] ?? []).map { measure -> [String: Any] in
            let mid = Self.lowerId(measure["id"])
            let failed = measureForm == mid
            let outcome = failed ? form?.text("utfall") ?? "" : ""
            var row: [String: Any] = [
                "mid": mid, "description": measure["description"] ?? "", "owner": measure["owner_name"] ?? "",
                "service": Self.serviceName(measure["service"]), "startsOn": Bokmal.day(measure["starts_on"]),
                "due": Bokmal.day(measure["evaluation_due_on"]), "overdue": measure["evaluation_overdue"] as? Bool ?? false,
                "status": Self.measureStatus[measure["status"] as? String ?? ""] ?? "", "evaluation": measure["evaluation"] as? String ?? "",
                "evaluatedAt": Bokmal.dateTime(measure["evaluated_at"]),
                "canEvaluate": writable && measure["status"] as? String == "active",
                "effekt": failed ? form?["effekt"] ?? "" : "", "neste": failed ? form?.text("neste") ?? "" : "",
                "outcomes": Self.outcomeChoices.map { ["code": $0.code, "label": $0.label, "checked": $0.code == outcome, "mid": mid] },
            ]
            if failed {
                for field in ["effekt", "utfall", "neste"] { if let message = errors[field] { row["error_\(field)"] = message } }
            }
            return row
        }
        let notes = (log["notes"] as? [[String: Any]] ?? []).reversed().map { note -> [String: Any] in
            ["when": Bokmal.dateTime(note["created_at"]), "author": note["author_name"] ?? "", "text": note["text"] ?? "",
             "kind": ["progress": "Framdrift", "transition": "Overgang", "handover": "Ny koordinator"][note["kind"] as? String ?? ""] ?? ""]
        }
        let reason = form?.text("grunn") ?? ""
        var page: [String: Any] = [
            "id": id, "childId": id, "childName": values["childName"] ?? "Barnet",
            "hasLog": !log.isEmpty, "open": open, "writable": writable, "logId": logId,
            "openedAt": Bokmal.dateTime(log["opened_at"]), "closedAt": Bokmal.dateTime(log["closed_at"]),
            "measures": measures, "hasMeasures": !measures.isEmpty, "notes": notes, "hasNotes": !notes.isEmpty,
            "measureAction": "/barn/\(id)/stafettlogg/\(logId)/tiltak",
            "notat": form?["notat"] ?? "", "overgang": form?.text("type") == "transition", "merknad": form?["merknad"] ?? "",
            "reasons": Self.closeReasons.map { ["code": $0.code, "label": $0.label, "checked": $0.code == reason] },
        ]
        if let message { page["message"] = message }
        page.merge(Self.measureFormValues(form, owners: owners)) { $1 }
        page.merge(errors.templateValues(["tiltak", "ansvarlig", "fra", "evaluering", "notat", "grunn", "merknad", "apne"])) { $1 }
        if measureForm != nil {
            // The summary links to the failed measure's fields.
            page["errors"] = errors.list.map { ["href": "#\($0.field)-\(measureForm ?? "")", "message": $0.message] }
        }
        return web.pages.page("child_log", page, session: session, status: status)
    }

    @Sendable func openCoordinationLog(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        _ = try await postedForm(request, session: session)
        var errors = FieldErrors()
        guard let answer = try await send("POST", "/v1/children/\(id)/coordination-log", json: [String: Any](), session: session, context: context) else {
            errors.add("apne", Self.unavailableMessage(context))
            return try await logResponse(id, form: nil, errors: errors, session: session, context: context, status: .badGateway)
        }
        switch answer.status {
        case 201, 409: return redirect(to: "/barn/\(id)/stafettlogg?melding=apnet")
        case 404: throw ErrorPage.notFound
        default:
            errors.add("apne", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan åpne stafettloggen.")
            return try await logResponse(id, form: nil, errors: errors, session: session, context: context, status: .forbidden)
        }
    }

    @Sendable func addLogMeasure(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await postMeasure(request, context: context, parent: "log", api: { "/v1/coordination-logs/\($0)/measures" },
                              done: { "/barn/\($0)/stafettlogg?melding=tiltak#tiltak-liste" }) { id, form, errors, session, status in
            try await logResponse(id, form: form, errors: errors, session: session, context: context, status: status)
        }
    }

    /// A measure form posted to a log or a plan (`parent` names its id in the path): checked,
    /// sent, and on error the page again with the input and the errors at the fields.
    func postMeasure(_ request: Request, context: BasicRequestContext, parent: String, api: (String) -> String, done: (String) -> String,
                     render: (String, FormFields, FieldErrors, WebSession, HTTPResponse.Status) async throws -> Response) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), parentId = try pathId(context, parent)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        if let body = Self.measureBody(form, errors: &errors) {
            guard let answer = try await send("POST", api(parentId), json: body, session: session, context: context) else {
                errors.add("tiltak", Self.unavailableMessage(context))
                return try await render(id, form, errors, session, .badGateway)
            }
            if answer.status == 201 { return redirect(to: done(id)) }
            if answer.status == 404 { throw ErrorPage.notFound }
            Self.measureErrors(answer, into: &errors)
        }
        return try await render(id, form, errors, session, .unprocessableContent)
    }

    static func measureErrors(_ answer: APIAnswer, into errors: inout FieldErrors) {
        if answer.status == 409 { errors.add("tiltak", "Stafettloggen er lukket, så nye tiltak kan ikke legges til."); return }
        if answer.status == 403 { errors.add("tiltak", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan legge til tiltak."); return }
        for violation in answer.violations {
            switch violation.field {
            case "description": errors.add("tiltak", "Skriv hva tiltaket er, med høyst 2000 tegn.")
            case "owner_id": errors.add("ansvarlig", "Den ansvarlige må være en foresatt eller ansatt i en tjeneste som samtykket omfatter.")
            case "starts_on": errors.add("fra", "Startdatoen er ikke gyldig.")
            case "evaluation_due_on": errors.add("evaluering", "Evalueringsdatoen må være samme dag som eller etter startdatoen, og innen rimelig tid.")
            default: errors.add("tiltak", "Tiltaket kunne ikke lagres.")
            }
        }
        if errors.isEmpty { errors.add("tiltak", "Tiltaket kunne ikke lagres.") }
    }

    @Sendable func evaluateLogMeasure(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), measureId = try pathId(context, "measure")
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let effect = form.text("effekt"), outcome = form.text("utfall")
        if effect.isEmpty { errors.add("effekt", "Skriv hvilken effekt tiltaket har hatt.") } else if effect.count > 8000 { errors.add("effekt", "Evalueringen kan ha høyst 8000 tegn.") }
        if !Self.outcomeChoices.contains(where: { $0.code == outcome }) { errors.add("utfall", "Velg om tiltaket skal fortsette, er fullført eller stoppes.") }
        let next = LocalDate(form.text("neste"))
        if outcome == "continue" && next == nil { errors.add("neste", "Skriv datoen for neste evaluering når tiltaket skal fortsette, for eksempel 2027-06-01.") }
        if outcome != "continue" && !form.text("neste").isEmpty { errors.add("neste", "Neste evalueringsdato skrives bare når tiltaket skal fortsette.") }
        if errors.isEmpty {
            var body: [String: Any] = ["evaluation": effect, "outcome": outcome]
            if let next, outcome == "continue" { body["next_evaluation_on"] = next.description }
            guard let answer = try await send("POST", "/v1/coordination-measures/\(measureId)/evaluation", json: body, session: session, context: context) else {
                errors.add("effekt", Self.unavailableMessage(context))
                return try await logResponse(id, form: form, errors: errors, measureForm: measureId, session: session, context: context, status: .badGateway)
            }
            if answer.status == 200 { return redirect(to: "/barn/\(id)/stafettlogg?melding=evaluert#tiltak-\(measureId)") }
            if answer.status == 404 { throw ErrorPage.notFound }
            switch (answer.status, answer.violations.first?.field) {
            case (409, _): errors.add("effekt", "Tiltaket er allerede avsluttet, eller stafettloggen er lukket.")
            case (403, _): errors.add("effekt", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan evaluere tiltak.")
            case (_, "next_evaluation_on"): errors.add("neste", "Neste evalueringsdato må være fram i tid.")
            case (_, "outcome"): errors.add("utfall", "Velg om tiltaket skal fortsette, er fullført eller stoppes.")
            default: errors.add("effekt", "Evalueringen kunne ikke lagres.")
            }
        }
        return try await logResponse(id, form: form, errors: errors, measureForm: measureId, session: session, context: context, status: .unprocessableContent)
    }

    @Sendable func addLogNote(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), logId = try pathId(context, "log")
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let text = form.text("notat")
        if text.isEmpty { errors.add("notat", "Skriv notatet.") } else if text.count > 8000 { errors.add("notat", "Notatet kan ha høyst 8000 tegn.") }
        if errors.isEmpty {
            let body: [String: Any] = ["kind": form.text("type") == "transition" ? "transition" : "progress", "text": text]
            guard let answer = try await send("POST", "/v1/coordination-logs/\(logId)/notes", json: body, session: session, context: context) else {
                errors.add("notat", Self.unavailableMessage(context))
                return try await logResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            switch answer.status {
            case 201: return redirect(to: "/barn/\(id)/stafettlogg?melding=notat#notater")
            case 404: throw ErrorPage.notFound
            case 409: errors.add("notat", "Stafettloggen er lukket, så nye notater kan ikke skrives.")
            case 403: errors.add("notat", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan skrive notater.")
            default: errors.add("notat", "Skriv notatet, med høyst 8000 tegn.")
            }
        }
        return try await logResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    @Sendable func closeCoordinationLog(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), logId = try pathId(context, "log")
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let reason = form.text("grunn")
        if !Self.closeReasons.contains(where: { $0.code == reason }) { errors.add("grunn", "Velg hvorfor stafettloggen lukkes.") }
        if form.text("merknad").count > 8000 { errors.add("merknad", "Merknaden kan ha høyst 8000 tegn.") }
        if errors.isEmpty {
            var body: [String: Any] = ["reason": reason]
            if !form.text("merknad").isEmpty { body["note"] = form.text("merknad") }
            guard let answer = try await send("POST", "/v1/coordination-logs/\(logId)/close", json: body, session: session, context: context) else {
                errors.add("grunn", Self.unavailableMessage(context))
                return try await logResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            switch answer.status {
            case 200: return redirect(to: "/barn/\(id)/stafettlogg?melding=lukket")
            case 404: throw ErrorPage.notFound
            case 409: errors.add("grunn", "Stafettloggen er allerede lukket.")
            case 403: errors.add("grunn", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan lukke stafettloggen.")
            default: errors.add(answer.violations.first?.field == "note" ? "merknad" : "grunn", "Stafettloggen kunne ikke lukkes. Sjekk grunnen og merknaden.")
            }
        }
        return try await logResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    /// The log's export (an HTML document for the child's file), downloaded.
    @Sendable func exportCoordinationLog(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        _ = try pathId(context)
        let logId = try pathId(context, "log")
        let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
            try await web.intake.call("GET", "/v1/coordination-logs/\(logId)/export", as: session.personId)
        }
        guard answer.status == 200 else { throw ErrorPage.notFound }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"stafettlogg-\(logId.prefix(8)).html\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

// MARK: Handover: the coordinator asks another person to take over

extension WebRoutes {
    @Sendable func coordinatorPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        return try await coordinatorResponse(try pathId(context), form: nil, errors: FieldErrors(), session: session, context: context)
    }

    func coordinatorResponse(_ id: String, form: FormFields?, errors: FieldErrors, session: WebSession, context: BasicRequestContext,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        let me = session.personId.uuidString.lowercased()
        var values = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let coordination = try await web.intake.object("/v1/children/\(id)/coordinator", as: session.personId)
            let name = try await childName(id, session: session)
            let (staff, _) = try await candidates(id, session: session)
            let current = coordination["current"] as? [String: Any]
            let pending = coordination["pending_handover"] as? [String: Any]
            var pendingTo = ""
            if let to = pending?["to_person_id"] as? String {
                pendingTo = staff.first { Self.lowerId($0["person_id"]) == to.lowercased() }.map { $0["name"] as? String ?? "" } ?? ""
                if pendingTo.isEmpty {
                    let person = try await web.intake.call("GET", "/v1/people/\(to.lowercased())", as: session.personId)
                    pendingTo = person.status == 200 ? person.object["name"] as? String ?? "" : ""
                }
            }
            let chosen = form?.text("ny") ?? ""
            return [
                "id": id, "childName": name, "coordinatorName": current?["person_name"] ?? "", "hasCoordinator": current != nil,
                "isCoordinator": Self.lowerId(current?["person_id"]) == me,
                "pendingId": Self.lowerId(pending?["id"]), "pendingTo": pendingTo.isEmpty ? "personen som er spurt" : pendingTo,
                "pendingWhen": Bokmal.dateTime(pending?["requested_at"]), "mayCancel": Self.lowerId(pending?["from_person_id"]) == me,
                "candidates": staff.map { ["id": Self.lowerId($0["person_id"]), "label": Self.staffLabel($0), "selected": Self.lowerId($0["person_id"]) == chosen] },
                "hasCandidates": !staff.isEmpty, "melding": form?["melding"] ?? "",
            ]
        }
        values.merge(errors.templateValues(["ny", "melding", "trekk"])) { $1 }
        return web.pages.page("child_coordinator", values, session: session, status: status)
    }

    @Sendable func requestCoordinatorHandover(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let to = UUID(uuidString: form.text("ny"))
        if to == nil { errors.add("ny", "Velg hvem du vil be om å overta.") }
        if form.text("melding").count > 2000 { errors.add("melding", "Meldingen kan ha høyst 2000 tegn.") }
        if errors.isEmpty, let to {
            var body: [String: Any] = ["to_person_id": to.uuidString]
            if !form.text("melding").isEmpty { body["note"] = form.text("melding") }
            guard let answer = try await send("POST", "/v1/children/\(id)/coordinator/handovers", json: body, session: session, context: context) else {
                errors.add("ny", Self.unavailableMessage(context))
                return try await coordinatorResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            switch (answer.status, answer.violations.first?.field) {
            case (201, _): return redirect(to: "/barn/\(id)?melding=spurt")
            case (404, _): throw ErrorPage.notFound
            case (403, _): errors.add("ny", "Bare koordinatoren kan be en annen overta.")
            case (409, _): errors.add("ny", answer.code == "no_coordinator" ? "Barnet har ingen koordinator å overta fra."
                                        : "En forespørsel venter allerede på svar. Trekk den tilbake før du spør en annen.")
            case (_, "note"): errors.add("melding", "Meldingen kan ha høyst 2000 tegn.")
            default: errors.add("ny", Self.refusalMessage(answer.violations.first?.rule ?? ""))
            }
        }
        return try await coordinatorResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    /// The intake's consent refusals (``CoordinationRefusal``) in bokmål.
    static func refusalMessage(_ rule: String) -> String {
        switch rule {
        case "consent_does_not_cover_service", "no_active_consent":
            "Familiens samtykke omfatter ikke tjenesten til denne personen, så personen kan ikke overta eller delta."
        case "not_staff": "Personen er ikke en aktiv ansatt i kommunen."
        case "same_person": "Du er allerede koordinator."
        case "not_member_of_unit": "Personen arbeider ikke i enheten som er valgt."
        default: "Personen kan ikke velges."
        }
    }

    @Sendable func cancelCoordinatorHandover(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), handoverId = try pathId(context, "handover")
        _ = try await postedForm(request, session: session)
        var errors = FieldErrors()
        guard let answer = try await send("POST", "/v1/coordinator-handovers/\(handoverId)/cancel", json: [String: Any](), session: session, context: context) else {
            errors.add("trekk", Self.unavailableMessage(context))
            return try await coordinatorResponse(id, form: nil, errors: errors, session: session, context: context, status: .badGateway)
        }
        switch answer.status {
        case 200: return redirect(to: "/barn/\(id)?melding=trukket")
        case 404: throw ErrorPage.notFound
        default:
            errors.add("trekk", answer.status == 409 ? "Forespørselen er allerede besvart eller trukket tilbake." : "Bare den som spurte kan trekke forespørselen tilbake.")
            return try await coordinatorResponse(id, form: nil, errors: errors, session: session, context: context, status: .conflict)
        }
    }
}

// MARK: Calling a samarbeidsmøte or ansvarsgruppe around the child

extension WebRoutes {
    @Sendable func callChildMeetingForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        return try await callMeetingResponse(try pathId(context), form: nil, errors: FieldErrors(), session: session, context: context)
    }

    func callMeetingResponse(_ id: String, form: FormFields?, errors: FieldErrors, session: WebSession, context: BasicRequestContext,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        var values = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            _ = try await web.intake.object("/v1/children/\(id)/coordinator", as: session.personId)
            let name = try await childName(id, session: session)
            let (staff, family) = try await candidates(id, session: session)
            var arenas: [[String: Any]] = []
            for kind in ["samarbeidsmote", "ansvarsgruppe"] {
                arenas += try await web.intake.items("/v1/arenas?kind=\(kind)&limit=100", as: session.personId).filter { $0["active"] as? Bool ?? true }
            }
            let chosenArena = form?.text("arena") ?? ""
            let chosen = Set(form?.all("deltaker") ?? [])
            let person = { (row: [String: Any], label: String) -> [String: Any] in
                let pid = Self.lowerId(row["person_id"])
                return ["pid": pid, "label": label, "checked": chosen.contains(pid)]
            }
            let familyRows = family.map { person($0, Self.familyLabel($0)) }
            let staffRows = staff.map { person($0, Self.staffLabel($0)) }
            return [
                "id": id, "childName": name,
                "arenas": arenas.map { ["aid": Self.lowerId($0["id"]), "name": $0["name"] ?? "", "selected": Self.lowerId($0["id"]) == chosenArena,
                                        "kindText": $0["kind"] as? String == "ansvarsgruppe" ? "ansvarsgruppe" : "samarbeidsmøte"] },
                "family": familyRows, "hasFamily": !familyRows.isEmpty, "staff": staffRows, "hasStaff": !staffRows.isEmpty,
                "dato": form?.text("dato") ?? "", "tid": form?.text("tid") ?? "", "varighet": form?.text("varighet") ?? "",
                "sted": form?["sted"] ?? "", "tema": form?["tema"] ?? "Status og videre plan",
            ]
        }
        values.merge(errors.templateValues(["arena", "dato", "varighet", "sted", "deltakere", "tema"])) { $1 }
        return web.pages.page("child_meeting_new", values, session: session, status: status)
    }

    @Sendable func callChildMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let arena = UUID(uuidString: form.text("arena"))
        if arena == nil { errors.add("arena", "Velg hva slags møte du kaller inn til.") }
        let date = LocalDate(form.text("dato")), time = LocalTime(form.text("tid"))
        if date == nil || time == nil { errors.add("dato", "Skriv dato og klokkeslett for møtet, for eksempel 2027-02-03 og 14:00.") }
        let length = form.text("varighet")
        if !length.isEmpty && Int(length).map({ (5...1440).contains($0) }) != true { errors.add("varighet", "Skriv varigheten i minutter, fra 5 til 1440.") }
        if form.text("sted").count > 200 { errors.add("sted", "Stedet kan ha høyst 200 tegn.") }
        let topic = form.text("tema")
        if topic.isEmpty || topic.count > 200 { errors.add("tema", "Skriv hva møtet skal handle om, med høyst 200 tegn.") }
        let participants = form.all("deltaker").compactMap(UUID.init(uuidString:))
        if participants.count > 50 { errors.add("deltakere", "Velg høyst 50 deltakere.") }
        if errors.isEmpty, let arena, let date, let time {
            var body: [String: Any] = ["arena_id": arena.uuidString, "starts_at": LocalDateTime(date: date, time: time).description,
                                       "participant_ids": participants.map(\.uuidString), "agenda": [["title": topic]]]
            if let minutes = Int(length) { body["duration_minutes"] = minutes }
            if !form.text("sted").isEmpty { body["location"] = form.text("sted") }
            guard let answer = try await send("POST", "/v1/children/\(id)/meetings", json: body, session: session, context: context) else {
                errors.add("dato", Self.unavailableMessage(context))
                return try await callMeetingResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            if answer.status == 201, let first = (answer.object["items"] as? [[String: Any]])?.first, let meeting = first["id"] as? String {
                return redirect(to: "/moter/\(meeting.lowercased())")
            }
            if answer.status == 404 { throw ErrorPage.notFound }
            if answer.status == 403 {
                errors.add("arena", "Du kan ikke kalle inn til dette møtet. En ansvarsgruppe kalles inn av barnets koordinator eller barneverntjenesten; "
                    + "et samarbeidsmøte av koordinatoren, barnets egen skole, barnehage eller SFO, eller ansatte som arbeider med barnet etter familiens samtykke.")
            }
            for violation in answer.violations {
                switch violation.field {
                case "arena_id": errors.add("arena", "Velg et samarbeidsmøte eller en ansvarsgruppe.")
                case "starts_at": errors.add("dato", "Møtet må være fram i tid.")
                case "duration_minutes": errors.add("varighet", "Skriv varigheten i minutter, fra 5 til 1440.")
                case "location": errors.add("sted", "Stedet kan ha høyst 200 tegn.")
                case let field where field.hasPrefix("participant_ids"):
                    errors.add("deltakere", Self.participantMessage(field: field, rule: violation.rule, chosen: participants))
                case let field where field.hasPrefix("agenda"): errors.add("tema", "Skriv hva møtet skal handle om, med høyst 200 tegn.")
                default: errors.add("dato", "Møtet kunne ikke kalles inn.")
                }
            }
            if errors.isEmpty { errors.add("dato", "Møtet kunne ikke kalles inn.") }
        }
        return try await callMeetingResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    /// A refused participant in bokmål ("participant_ids" alone is the caller themself).
    static func participantMessage(field: String, rule: String, chosen: [UUID]) -> String {
        let who = field == "participant_ids" ? "Du selv: " : "En av deltakerne du valgte: "
        return who + refusalMessage(rule).replacingOccurrences(of: "overta eller delta", with: "delta")
    }
}

// MARK: The individual plan

extension WebRoutes {
    /// The services a plan can name as responsible (bokmål names from the domain).
    static let planServices: [ServiceKind] = [.school, .kindergarten, .sfo, .ppt, .healthStation, .childWelfare, .bup, .municipalPsychologist,
                                              .nav, .physiotherapy, .habilitation, .municipalAdministration, .mentalHealth, .other]

    @Sendable func individualPlanPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let message = request.uri.queryParameters["melding"].flatMap {
            ["opprettet": "Den individuelle planen er opprettet.", "endret": "Planen er lagret.", "tiltak": "Tiltaket er lagt til i planen."][String($0)]
        }
        return try await planResponse(try pathId(context), form: nil, errors: FieldErrors(), message: message, session: session, context: context)
    }

    func planResponse(_ id: String, form: FormFields?, errors: FieldErrors, measureForm: FormFields? = nil, message: String? = nil,
                      session: WebSession, context: BasicRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let loaded = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let coordination = try await web.intake.object("/v1/children/\(id)/coordinator", as: session.personId)
            let name = try await childName(id, session: session)
            let plan = try await web.intake.call("GET", "/v1/children/\(id)/individual-plan", as: session.personId)
            let (staff, family) = try await candidates(id, session: session)
            return ["childName": name, "plan": plan.status == 200 ? plan.object : [:],
                    "owners": Self.measureOwners(coordination, staff: staff, family: family), "mayAsk": !staff.isEmpty]
        }
        let plan = loaded["plan"] as? [String: Any] ?? [:]
        let owners = loaded["owners"] as? [(id: String, label: String)] ?? []
        let planId = Self.lowerId(plan["id"])
        let active = plan["status"] as? String == "active"
        let goals = plan["goals"] as? [String] ?? []
        let chosen = Set(form.map { $0.all("tjeneste") } ?? (plan["responsible_services"] as? [String] ?? []))
        let measures = (plan["measures"] as? [[String: Any]] ?? []).map { measure -> [String: Any] in
            ["description": measure["description"] ?? "", "owner": measure["owner_name"] ?? "", "due": Bokmal.day(measure["evaluation_due_on"]),
             "status": Self.measureStatus[measure["status"] as? String ?? ""] ?? ""]
        }
        var values: [String: Any] = [
            "id": id, "childName": loaded["childName"] ?? "Barnet", "hasPlan": !plan.isEmpty, "active": active, "planId": planId,
            "version": plan["version"] ?? 0, "coordinator": (plan["coordinator"] as? [String: Any])?["person_name"] ?? "",
            "goals": goals, "hasGoals": !goals.isEmpty, "services": (plan["responsible_services"] as? [String] ?? []).map(Self.serviceName),
            "measures": measures, "hasMeasures": !measures.isEmpty, "updatedAt": Bokmal.dateTime(plan["updated_at"]),
            "mal": form?["mal"] ?? goals.joined(separator: "\n"),
            "serviceChoices": Self.planServices.map { ["code": $0.rawValue, "label": $0.norwegianName.prefix(1).uppercased() + $0.norwegianName.dropFirst(),
                                                      "checked": chosen.contains($0.rawValue)] },
            "overta": form?.text("overta") == "ja", "mayEdit": active || plan.isEmpty,
            "measureAction": "/barn/\(id)/plan/\(planId)/tiltak",
        ]
        if let message { values["message"] = message }
        values.merge(Self.measureFormValues(measureForm, owners: owners)) { $1 }
        values.merge(errors.templateValues(["mal", "tjenester", "tiltak", "ansvarlig", "fra", "evaluering"])) { $1 }
        return web.pages.page("child_plan", values, session: session, status: status)
    }

    /// Creates the plan, or saves its goals and responsible services (with the version read).
    @Sendable func saveIndividualPlan(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let goals = form["mal"].map { $0.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
        if goals.isEmpty { errors.add("mal", "Skriv minst ett mål, ett på hver linje.") }
        if goals.count > 30 || goals.contains(where: { $0.count > 2000 }) { errors.add("mal", "Planen kan ha høyst 30 mål, hvert med høyst 2000 tegn.") }
        let services = form.all("tjeneste").filter { code in Self.planServices.contains { $0.rawValue == code } }
        if services.isEmpty { errors.add("tjenester", "Kryss av for minst én tjeneste som er ansvarlig for planen.") }
        let planId = form.text("plan")
        if errors.isEmpty {
            var body: [String: Any] = ["goals": goals, "responsible_services": services]
            let answer: APIAnswer?
            if let existing = UUID(uuidString: planId) {
                body["version"] = Int(form.text("versjon")) ?? 0
                answer = try await send("PUT", "/v1/individual-plans/\(existing.uuidString.lowercased())", json: body, session: session, context: context)
            } else {
                if form.text("overta") == "ja" { body["take_over_log"] = true }
                answer = try await send("POST", "/v1/children/\(id)/individual-plan", json: body, session: session, context: context)
            }
            guard let answer else {
                errors.add("mal", Self.unavailableMessage(context))
                return try await planResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            switch (answer.status, answer.violations.first?.field) {
            case (200, _): return redirect(to: "/barn/\(id)/plan?melding=endret")
            case (201, _): return redirect(to: "/barn/\(id)/plan?melding=opprettet")
            case (404, _): throw ErrorPage.notFound
            case (403, _): errors.add("mal", "Bare ansatte i en tjeneste som familiens samtykke omfatter, kan endre planen.")
            case (409, _): errors.add("mal", answer.code == "version_mismatch" ? "Noen andre har endret planen mens du skrev. Last siden på nytt og skriv endringen igjen."
                                        : "Barnet har allerede en individuell plan, eller planen er avsluttet.")
            case (_, "responsible_services"): errors.add("tjenester", "Familiens samtykke må omfatte alle tjenestene som er ansvarlige for planen.")
            default: errors.add("mal", "Planen kunne ikke lagres. Sjekk målene.")
            }
        }
        return try await planResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    @Sendable func addPlanMeasure(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await postMeasure(request, context: context, parent: "plan", api: { "/v1/individual-plans/\($0)/measures" },
                              done: { "/barn/\($0)/plan?melding=tiltak" }) { id, form, errors, session, status in
            try await planResponse(id, form: nil, errors: errors, measureForm: form, session: session, context: context, status: status)
        }
    }
}

// MARK: The children of my units (the school's way to a child's page)

extension WebRoutes {
    /// `GET /v1/me`: a person no longer active ends the session; no answer is the "Samtak svarer ikke" page.
    func signedInPerson(_ session: WebSession, context: BasicRequestContext) async throws -> IntakeClient.Me {
        do {
            return try await web.intake.me(session.personId)
        } catch .unauthorized {
            // The person is no longer active in the register: the session ends.
            throw try await personGone(session, context: context)
        } catch {
            throw ErrorPage.intakeUnavailable
        }
    }

    /// `/barn`: the children of the units the person works in as the unit's own staff (the
    /// intake answers 403 for other units, which are left out), each linking to `/barn/{id}`.
    @Sendable func unitChildrenPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let me = try await signedInPerson(session, context: context)
        var seen: Set<UUID> = []
        var units: [[String: Any]] = []
        for membership in me.memberships where seen.insert(membership.unitId).inserted {
            let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
                try await web.intake.call("GET", "/v1/children?unit_id=\(membership.unitId.uuidString.lowercased())&limit=200", as: session.personId)
            }
            guard answer.status == 200 else { continue }
            let children = (answer.object["items"] as? [[String: Any]] ?? []).map { child -> [String: Any] in
                let grade = child["grade"] as? Int ?? 0
                return ["id": Self.lowerId(child["id"]), "name": child["name"] ?? "", "grade": grade > 0 ? " (\(grade). trinn)" : ""]
            }
            guard !children.isEmpty else { continue }
            units.append(["unit": membership.unitName, "children": children])
        }
        return web.pages.page("child_list", ["units": units, "hasUnits": !units.isEmpty], session: session)
    }
}
