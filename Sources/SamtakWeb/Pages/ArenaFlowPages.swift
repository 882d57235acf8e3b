import Foundation
import Hummingbird
import SamtakDomain

/// Pages for the families' leftovers and the arenas' special flows (issues 17 and 18):
/// - "Gi eleven egen innlogging" (`/barn/{id}/ungdom`): staff link a young person to the child
///   record (`POST /v1/children/{id}/young-person`); who may do it is the API's rule (an
///   administrator), the page only says so in bokmål when it refuses.
/// - "Team mot mobbing" (`/mobbing/ny?barn=`, `/mobbing/{id}`): set up a team around one pupil
///   with a named person responsible; the rektor delegates the formal responsibility.
/// - "Drøftingsteam barnehage" (`/drofting/{case}`): ask for observation (needs the parents'
///   consent naming the team) or a reflecting team; the team records its feedback.
/// Every rule is the intake's; these pages add none.
extension WebRoutes {
    // MARK: Linking a young person

    @Sendable func youngPersonForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        return youngPersonResponse(id, form: nil, errors: FieldErrors(), message: nil, session: session)
    }

    func youngPersonResponse(_ id: String, form: FormFields?, errors: FieldErrors, message: String?, session: WebSession,
                             status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = ["id": id, "email": form?["email"] ?? "", "linked": message != nil]
        if let message { values["message"] = message }
        values.merge(errors.templateValues(["email"])) { $1 }
        return web.pages.page("arena_young_person", values, session: session, status: status)
    }

    @Sendable func linkYoungPerson(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let email = form.text("email")
        if email.count > 254 || (!email.isEmpty && !email.contains("@")) {
            errors.add("email", "Skriv en e-postadresse, for eksempel navn@eksempel.no, eller la feltet stå tomt.")
        }
        if errors.isEmpty {
            var body: [String: Any] = [:]
            if !email.isEmpty { body["email"] = email }
            guard let answer = try await send("POST", "/v1/children/\(id)/young-person", json: body, session: session, context: context) else {
                errors.add("email", Self.unavailableMessage(context))
                return youngPersonResponse(id, form: form, errors: errors, message: nil, session: session, status: .badGateway)
            }
            switch answer.status {
            case 201:
                return youngPersonResponse(id, form: nil, errors: FieldErrors(),
                                           message: "Eleven har nå egen innlogging. Eleven logger inn med ID-porten og ser sine egne møter og referater.",
                                           session: session)
            case 403: errors.add("email", "Bare en administrator i kommunen kan gi en elev egen innlogging. Be en administrator gjøre det.")
            case 404: throw ErrorPage.notFound
            case 409: errors.add("email", "Eleven har allerede egen innlogging.")
            default: errors.add("email", "Skriv en e-postadresse, for eksempel navn@eksempel.no, eller la feltet stå tomt.")
            }
        }
        return youngPersonResponse(id, form: form, errors: errors, message: nil, session: session,
                                   status: errors.list.contains { $0.message.hasPrefix("Bare en administrator") } ? .forbidden : .unprocessableContent)
    }

    // MARK: Beredskap mot mobbing

    /// The staff of a school, for the page's choices (staff are public servants).
    func schoolStaff(_ school: String, session: WebSession, context: BasicRequestContext) async throws -> [[String: Any]] {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [[String: Any]] in
            try await web.intake.items("/v1/people?unit_id=\(school)&limit=200", as: session.personId)
        }.map { person in
            let title = (person["memberships"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }.first { !$0.isEmpty }
            var values: [String: Any] = ["id": (person["id"] as? String)?.lowercased() ?? "", "name": person["name"] as? String ?? ""]
            if let title { values["title"] = title }  // an empty string would still open the template's section
            return values
        }.sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") }
    }

    @Sendable func bullyingTeamForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        guard let child = request.uri.queryParameters["barn"].flatMap({ UUID(uuidString: String($0)) })?.uuidString.lowercased() else {
            throw ErrorPage.notFound
        }
        return try await bullyingFormResponse(child: child, form: nil, errors: FieldErrors(), session: session, context: context)
    }

    func bullyingFormResponse(child: String, form: FormFields?, errors: FieldErrors, session: WebSession, context: BasicRequestContext,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        let record = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/children/\(child)", as: session.personId)
        }
        guard let school = (record["unit_id"] as? String)?.lowercased() else { throw ErrorPage.notFound }
        let chosen = form?.text("ansvarlig") ?? "", members = Set(form?.all("medlemmer") ?? [])
        let staff = try await schoolStaff(school, session: session, context: context)
        let teams = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [[String: Any]] in
            try await web.intake.items("/v1/bullying-teams?child_id=\(child)", as: session.personId)
        }.map { team -> [String: Any] in
            ["id": (team["id"] as? String)?.lowercased() ?? "", "created": Bokmal.dateTime(team["created_at"]),
             "responsible": (team["responsible"] as? [String: Any])?["name"] ?? ""]
        }
        var values: [String: Any] = [
            "childId": child, "childName": record["name"] ?? "", "teams": teams, "hasTeams": !teams.isEmpty,
            "responsibles": staff.map { $0.merging(["selected": ($0["id"] as? String) == chosen]) { $1 } },
            "members": staff.map { $0.merging(["checked": members.contains($0["id"] as? String ?? "")]) { $1 } },
        ]
        values.merge(errors.templateValues(["ansvarlig", "medlemmer"])) { $1 }
        return web.pages.page("arena_bullying_new", values, session: session, status: status)
    }

    @Sendable func establishBullyingTeam(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        guard let child = UUID(uuidString: form.text("barn"))?.uuidString.lowercased() else { throw ErrorPage.notFound }
        var errors = FieldErrors()
        let responsible = form.text("ansvarlig")
        if UUID(uuidString: responsible) == nil { errors.add("ansvarlig", "Velg hvem som har ansvaret for å følge opp eleven.") }
        let members = form.all("medlemmer").filter { UUID(uuidString: $0) != nil }
        if errors.isEmpty {
            guard let answer = try await send("POST", "/v1/bullying-teams", json: [
                "child_id": child, "responsible_id": responsible, "member_ids": members,
            ] as [String: Any], session: session, context: context) else {
                errors.add("ansvarlig", Self.unavailableMessage(context))
                return try await bullyingFormResponse(child: child, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            switch answer.status {
            case 201:
                if let id = answer.object["id"] as? String { return redirect(to: "/mobbing/\(id.lowercased())?melding=opprettet") }
            case 404: throw ErrorPage.notFound
            default:
                for (field, rule) in answer.violations {
                    switch (field, rule) {
                    case ("child_id", "no_rektor"): errors.add("ansvarlig", "Skolen har ingen rektor registrert i Samtak. Be en administrator registrere rektor først.")
                    case ("responsible_id", _): errors.add("ansvarlig", "Den som har ansvaret for oppfølgingen, må jobbe ved elevens skole.")
                    case (let name, _) where name.hasPrefix("member_ids"): errors.add("medlemmer", "Alle i teamet må jobbe ved elevens skole.")
                    default: errors.add("ansvarlig", "Teamet kunne ikke opprettes.")
                    }
                }
                if errors.isEmpty { errors.add("ansvarlig", "Teamet kunne ikke opprettes.") }
            }
        }
        return try await bullyingFormResponse(child: child, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }

    @Sendable func bullyingTeamPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let message = request.uri.queryParameters["melding"].flatMap {
            ["opprettet": "Teamet er opprettet. Alle i teamet ser hvem som har ansvaret.", "delegert": "Det formelle ansvaret er delegert."][String($0)]
        }
        return try await bullyingTeamResponse(id, form: nil, errors: FieldErrors(), message: message, session: session, context: context)
    }

    func bullyingTeamResponse(_ id: String, form: FormFields?, errors: FieldErrors, message: String?, session: WebSession,
                              context: BasicRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let team = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/bullying-teams/\(id)", as: session.personId)
        }
        func name(_ key: String) -> String { (team[key] as? [String: Any])?["name"] as? String ?? "" }
        let mayDelegate = team["may_delegate"] as? Bool ?? false
        let chosen = form?.text("til") ?? ""
        var values: [String: Any] = [
            "id": id, "childName": name("child"), "schoolName": team["school_name"] ?? "", "responsible": name("responsible"),
            "formallyResponsible": name("formally_responsible"), "created": Bokmal.dateTime(team["created_at"]),
            "members": (team["members"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String },
            "delegations": (team["delegations"] as? [[String: Any]] ?? []).map { delegation -> [String: Any] in
                ["by": (delegation["delegated_by"] as? [String: Any])?["name"] ?? "", "to": (delegation["delegated_to"] as? [String: Any])?["name"] ?? "",
                 "when": Bokmal.dateTime(delegation["delegated_at"])]
            },
            "mayDelegate": mayDelegate,
        ]
        values["hasDelegations"] = !((values["delegations"] as? [Any])?.isEmpty ?? true)
        if mayDelegate, let school = (team["school_unit_id"] as? String)?.lowercased() {
            values["staff"] = try await schoolStaff(school, session: session, context: context)
                .map { $0.merging(["selected": ($0["id"] as? String) == chosen]) { $1 } }
        }
        if let message { values["message"] = message }
        values.merge(errors.templateValues(["til"])) { $1 }
        return web.pages.page("arena_bullying", values, session: session, status: status)
    }

    @Sendable func delegateBullyingTeam(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let target = form.text("til")
        if UUID(uuidString: target) == nil { errors.add("til", "Velg hvem som skal ha det formelle ansvaret.") }
        if errors.isEmpty {
            guard let answer = try await send("POST", "/v1/bullying-teams/\(id)/delegation", json: ["to_person_id": target],
                                              session: session, context: context) else {
                errors.add("til", Self.unavailableMessage(context))
                return try await bullyingTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context, status: .badGateway)
            }
            switch answer.status {
            case 200: return redirect(to: "/mobbing/\(id)?melding=delegert")
            case 403: errors.add("til", "Bare rektor kan delegere det formelle ansvaret.")
            case 404: throw ErrorPage.notFound
            default:
                errors.add("til", answer.violations.first?.rule == "unchanged" ? "Denne personen har allerede det formelle ansvaret."
                                                                                 : "Det formelle ansvaret kan bare delegeres til noen som jobber ved elevens skole.")
            }
        }
        return try await bullyingTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context,
                                              status: .unprocessableContent)
    }

    // MARK: Drøftingsteam barnehage

    @Sendable func discussionTeamPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let message = request.uri.queryParameters["melding"].flatMap {
            ["bedt": "Drøftingsteamet har fått forespørselen.", "tilbakemelding": "Tilbakemeldingen er lagret. Barnehagen ser den her."][String($0)]
        }
        return try await discussionTeamResponse(id, form: nil, errors: FieldErrors(), message: message, session: session, context: context)
    }

    func discussionTeamResponse(_ id: String, form: FormFields?, errors: FieldErrors, message: String?, session: WebSession,
                                context: BasicRequestContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (item, answer) = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> ([String: Any], APIAnswer) in
            (try await web.intake.object("/v1/cases/\(id)", as: session.personId),
             try await web.intake.call("GET", "/v1/cases/\(id)/discussion-team", as: session.personId))
        }
        let mode = form?.text("mode") ?? ""
        var values: [String: Any] = [
            "id": id, "title": item["title"] ?? "",
            "observationChosen": mode == "observation", "reflectingChosen": mode == "reflecting_team", "feedback": form?["feedback"] ?? "",
        ]
        if let child = (item["child"] as? [String: Any])?["name"] as? String { values["childName"] = child }
        if answer.status == 200 {
            let request = answer.object
            values["request"] = [
                "observation": request["mode"] as? String == "observation",
                "when": Bokmal.dateTime(request["requested_at"]),
                "hasFeedback": request["feedback"] is String,
                "feedbackText": request["feedback"] as? String ?? "",
                "feedbackBy": request["feedback_by_name"] as? String ?? "",
                "feedbackWhen": request["feedback_at"].map(Bokmal.dateTime) ?? "",
                "mayGiveFeedback": request["may_give_feedback"] as? Bool ?? false,
            ] as [String: Any]
        }
        if let message { values["message"] = message }
        values.merge(errors.templateValues(["mode", "feedback"])) { $1 }
        return web.pages.page("arena_discussion", values, session: session, status: status)
    }

    @Sendable func requestDiscussionTeam(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let mode = form.text("mode")
        if !["observation", "reflecting_team"].contains(mode) { errors.add("mode", "Velg observasjon eller refleksjonsteam.") }
        if errors.isEmpty {
            guard let answer = try await send("POST", "/v1/cases/\(id)/discussion-team", json: ["mode": mode], session: session, context: context) else {
                errors.add("mode", Self.unavailableMessage(context))
                return try await discussionTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context, status: .badGateway)
            }
            switch (answer.status, answer.violations.first?.rule ?? answer.code) {
            case (201, _): return redirect(to: "/drofting/\(id)?melding=bedt")
            case (404, _): throw ErrorPage.notFound
            case (403, _): errors.add("mode", "Bare den som eier saken, kan be drøftingsteamet om observasjon eller refleksjonsteam.")
            case (_, "observation_consent_required"):
                errors.add("mode", "Observasjon av et barn krever samtykke fra foreldrene som omfatter Drøftingsteam barnehage. "
                    + "Be foreldrene om et slikt samtykke, eller velg refleksjonsteam.")
            case (_, "observation_needs_named_case"):
                errors.add("mode", "Observasjon av et barn krever en sak med barnets navn og samtykke fra foreldrene. Velg refleksjonsteam for en anonym sak.")
            case (_, "already_requested"): errors.add("mode", "Saken har allerede bedt drøftingsteamet om hjelp.")
            case (_, "not_droftingsteam"): errors.add("mode", "Bare saker til Drøftingsteam barnehage kan be om observasjon eller refleksjonsteam.")
            default: errors.add("mode", "Forespørselen kunne ikke sendes.")
            }
        }
        return try await discussionTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context,
                                                status: .unprocessableContent)
    }

    @Sendable func discussionTeamFeedback(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let text = form.text("feedback")
        if text.isEmpty { errors.add("feedback", "Skriv tilbakemeldingen til barnehagen.") }
        if text.count > 4000 { errors.add("feedback", "Tilbakemeldingen kan ha høyst 4000 tegn.") }
        if errors.isEmpty {
            guard let answer = try await send("POST", "/v1/cases/\(id)/discussion-team/feedback", json: ["feedback": text],
                                              session: session, context: context) else {
                errors.add("feedback", Self.unavailableMessage(context))
                return try await discussionTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context, status: .badGateway)
            }
            switch answer.status {
            case 200: return redirect(to: "/drofting/\(id)?melding=tilbakemelding")
            case 404: throw ErrorPage.notFound
            case 403: errors.add("feedback", "Bare drøftingsteamets deltakere kan gi tilbakemelding.")
            case 409: errors.add("feedback", "Tilbakemelding gis bare etter en observasjon, og bare én gang.")
            default: errors.add("feedback", "Tilbakemeldingen kunne ikke lagres.")
            }
        }
        return try await discussionTeamResponse(id, form: form, errors: errors, message: nil, session: session, context: context,
                                                status: .unprocessableContent)
    }
}
