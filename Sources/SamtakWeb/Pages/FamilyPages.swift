import Foundation
import Hummingbird
import SamtakDomain

/// The family's pages (issue 17): "Mine barn", one child's page (consents, coming meetings
/// with the child's items only, approved minutes, follow-ups, coordinator), giving a consent
/// digitally, signing one that waits for the caller, withdrawing one, and innsyn ("Hvem har
/// sett opplysninger om barnet mitt"). Everything shown comes from the intake's `/v1/me/...`
/// endpoints, which decide who is family; the pages add no rule of their own.
extension WebRoutes {
    // MARK: Mine barn

    @Sendable func myChildrenPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let items = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [[String: Any]] in
            try await web.intake.items("/v1/me/children", as: session.personId)
        }
        let children: [[String: Any]] = items.map { child in
            ["id": (child["id"] as? String)?.lowercased() ?? "", "name": child["name"] ?? "",
             "where": [child["unit_name"] as? String, (child["grade"] as? Int).map { $0 == 0 ? "barnehage" : "\($0). trinn" }]
                .compactMap { $0 }.joined(separator: ", "),
             "self": (child["access_basis"] as? String) == "self"]
        }
        return web.pages.page("family_children", ["children": children, "hasChildren": !children.isEmpty], session: session)
    }

    @Sendable func childPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let detail = try await childDetail(id, session: session, context: context)
        let message = request.uri.queryParameters["melding"].map(String.init).flatMap { Self.familyMessages[$0] }
        return childPageResponse(detail, id: id, session: session, message: message)
    }

    func childDetail(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> [String: Any] {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/me/children/\(id)", as: session.personId)
        }
    }

    static let familyMessages: [String: String] = [
        "gitt": "Samtykket er gitt og gjelder fra nå av.",
        "venter": "Samtykket er registrert, men gjelder først når den andre forelderen også har samtykket. Se hvem som mangler nedenfor.",
        "signert": "Takk. Samtykket ditt er registrert.",
        "avbrutt": "Samtykket som ventet på underskrift, er avbrutt. Det har aldri gjeldt, og ingen kan lenger skrive under på det.",
        "trukket": "Samtykket er trukket tilbake. Det gjelder ikke lenger, også for sakslister og referater som vises fra nå.",
        "endret": "Samtykket er endret. Det som er tatt bort, gjelder ikke lenger, også for sakslister og referater som vises fra nå.",
    ]

    func childPageResponse(_ detail: [String: Any], id: String, session: WebSession, message: String?, status: HTTPResponse.Status = .ok) -> Response {
        let child = detail["child"] as? [String: Any] ?? [:]
        let name = child["name"] as? String ?? ""
        let consents: [[String: Any]] = (detail["consents"] as? [[String: Any]] ?? []).map { consent in
            var values = Self.consentWords(consent)
            values["id"] = (consent["id"] as? String)?.lowercased() ?? ""
            values["givers"] = (consent["givers"] as? [[String: Any]] ?? []).map { giver -> String in
                let who = giver["party"] as? String == "young_person" ? (giver["name"] as? String ?? "Ungdommen selv") : (giver["name"] as? String ?? "Foresatt")
                return "\(who) (\(Self.methodText(giver["method"])), \(Bokmal.dateTime(giver["given_at"])))"
            }.joined(separator: "; ")
            values["notYet"] = !(consent["active"] as? Bool ?? true)
            return values
        }
        let awaiting: [[String: Any]] = (detail["awaiting_signatures"] as? [[String: Any]] ?? []).map { proposal in
            var values = Self.consentWords(proposal)
            values["id"] = (proposal["id"] as? String)?.lowercased() ?? ""
            values["signed"] = (proposal["signed"] as? [[String: Any]] ?? []).map { "\($0["name"] as? String ?? "") (\(Bokmal.dateTime($0["signed_at"])))" }
                .joined(separator: ", ")
            values["missing"] = (proposal["missing"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.joined(separator: " og ")
            values["awaitingMe"] = proposal["awaiting_me"] as? Bool ?? false
            values["mayCancel"] = proposal["may_cancel"] as? Bool ?? false
            return values
        }
        let meetings: [[String: Any]] = (detail["meetings"] as? [[String: Any]] ?? []).map { meeting in
            ["id": (meeting["id"] as? String)?.lowercased() ?? "", "arenaName": meeting["arena_name"] ?? "",
             "when": Bokmal.dateTime(meeting["starts_at"]), "location": meeting["location"] ?? "",
             "status": Bokmal.meetingStatus(meeting["status"]),
             "items": (meeting["items"] as? [[String: Any]] ?? []).map { ["title": $0["title"] ?? ""] }]
        }
        let minutes: [[String: Any]] = (detail["minutes"] as? [[String: Any]] ?? []).map { entry in
            let followUps: [[String: Any]] = (entry["follow_ups"] as? [[String: Any]] ?? []).map { followUp in
                ["what": followUp["description"] ?? "", "who": followUp["responsible_name"] as? String ?? "",
                 "due": Bokmal.day(followUp["due_date"])]
            }
            return ["meetingId": (entry["meeting_id"] as? String)?.lowercased() ?? "", "arenaName": entry["arena_name"] ?? "",
                    "when": Bokmal.dateTime(entry["starts_at"]), "title": entry["title"] ?? "", "discussion": entry["discussion"] ?? "",
                    "decision": entry["decision"] == nil || entry["decision"] is NSNull ? "" : Bokmal.decision(entry["decision"]),
                    "decisionText": entry["decision_text"] ?? "", "followUps": followUps, "hasFollowUps": !followUps.isEmpty]
        }
        var values: [String: Any] = [
            "id": id, "childId": id, "name": name, "self": (child["access_basis"] as? String) == "self",
            "where": [child["unit_name"] as? String, (child["grade"] as? Int).map { $0 == 0 ? "barnehage" : "\($0). trinn" }]
                .compactMap { $0 }.joined(separator: ", "),
            "consents": consents, "hasConsents": !consents.isEmpty, "awaiting": awaiting, "hasAwaiting": !awaiting.isEmpty,
            "meetings": meetings, "hasMeetings": !meetings.isEmpty, "minutes": minutes, "hasMinutes": !minutes.isEmpty,
        ]
        if let coordinator = detail["coordinator"] as? [String: Any] {
            values["coordinator"] = ["name": coordinator["name"] ?? "", "kind": Self.coordinatorKind(coordinator["kind"]),
                                     "unit": coordinator["unit_name"] ?? ""]
        }
        if let message { values["message"] = message }
        return web.pages.page("family_child", values, session: session, status: status)
    }

    /// A consent (or one waiting for signatures) in words: who may share, in which meetings,
    /// what, for how long.
    static func consentWords(_ consent: [String: Any]) -> [String: Any] {
        let services = (consent["services"] as? [String] ?? []).compactMap(ServiceKind.init(rawValue:)).map(\.norwegianName)
        let arenas = (consent["arenas"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let information = (consent["information"] as? [String] ?? []).compactMap { informationLabels[$0] }
        let until = consent["valid_until"] as? String
        return [
            "services": Self.list(services), "hasServices": !services.isEmpty,
            "arenas": Self.list(arenas), "hasArenas": !arenas.isEmpty,
            "information": Self.list(information),
            "period": "fra \(Bokmal.day(consent["valid_from"]))" + (until.map { " til og med \(Bokmal.day($0))" } ?? " til det trekkes tilbake"),
            "rule": ruleText(consent["guardian_rule"]),
        ]
    }

    /// "a, b og c"
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " og " + items.last!
    }

    static let informationLabels: [String: String] = [
        "identity": "hvem barnet er (navn, fødselsdato)", "school_situation": "skolesituasjonen (læring, tilpasninger, fravær)",
        "special_needs": "spesialpedagogisk hjelp og sakkyndige vurderinger", "health": "helseopplysninger",
        "family": "familie- og hjemmesituasjonen",
    ]

    static func ruleText(_ code: Any?) -> String {
        switch code as? String {
        case "one_guardian": "Det holder at én forelder med foreldreansvar samtykker."
        case "all_with_parental_responsibility": "Alle som har foreldreansvar, må samtykke."
        case "young_person": "Ungdommen samtykker selv."
        default: ""
        }
    }

    static func methodText(_ code: Any?) -> String {
        switch code as? String {
        case "digital": "digitalt, innlogget med ID-porten"
        case "oral_recorded": "muntlig, registrert av ansatt"
        default: "skriftlig, registrert av ansatt"
        }
    }

    static func coordinatorKind(_ code: Any?) -> String {
        ["stafettholder": "stafettholder", "ip_coordinator": "koordinator for individuell plan", "child_coordinator": "barnekoordinator"][code as? String ?? ""]
            ?? "koordinator"
    }

    // MARK: Withdrawing and signing

    /// A button on the child's page: the session, the child's id and the intake's answer to
    /// `POST <path(second id)>`.
    func familyButton(_ request: Request, context: BasicRequestContext, _ idName: String, _ path: @escaping (String) -> String)
        async throws -> (session: WebSession, child: String, answer: APIAnswer) {
        let session = try await requireSession(request, context: context)
        let child = try pathId(context)
        let target = try pathId(context, idName)
        _ = try await postedForm(request, session: session)
        let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
            try await web.intake.call("POST", path(target), as: session.personId)
        }
        return (session, child, answer)
    }

    @Sendable func withdrawFamilyConsent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, child, answer) = try await familyButton(request, context: context, "consent_id") { "/v1/consents/\($0)/withdraw" }
        switch answer.status {
        case 200, 409: return redirect(to: "/mine-barn/\(child)?melding=trukket")
        case 403:
            let detail = try await childDetail(child, session: session, context: context)
            return childPageResponse(detail, id: child, session: session,
                                     message: "Dette samtykket ga ungdommen selv, så det er bare ungdommen som kan trekke det tilbake.",
                                     status: .forbidden)
        default: throw ErrorPage.notFound
        }
    }

    @Sendable func signFamilyConsent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, child, answer) = try await familyButton(request, context: context, "proposal_id") { "/v1/me/consent-proposals/\($0)/sign" }
        switch answer.status {
        case 200:
            return redirect(to: "/mine-barn/\(child)?melding=\((answer.object["status"] as? String) == "in_force" ? "gitt" : "signert")")
        case 409, 403:
            let detail = try await childDetail(child, session: session, context: context)
            return childPageResponse(detail, id: child, session: session,
                                     message: "Samtykket venter ikke på din underskrift, eller du har allerede gitt det.", status: .conflict)
        default: throw ErrorPage.notFound
        }
    }

    /// "Avbryt samtykket": one who signed a consent still waiting for another guardian cancels it.
    @Sendable func cancelFamilyProposal(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, child, answer) = try await familyButton(request, context: context, "proposal_id") { "/v1/me/consent-proposals/\($0)/cancel" }
        switch answer.status {
        case 200: return redirect(to: "/mine-barn/\(child)?melding=avbrutt")
        case 409, 403:
            let detail = try await childDetail(child, session: session, context: context)
            return childPageResponse(detail, id: child, session: session,
                                     message: "Samtykket kan ikke avbrytes: det gjelder allerede, er avbrutt fra før, eller du har ikke skrevet under på det.",
                                     status: .conflict)
        default: throw ErrorPage.notFound
        }
    }

    // MARK: Giving a consent

    /// The services a family may name, in the order the page shows them.
    static let consentServices: [ServiceKind] = [
        .school, .sfo, .kindergarten, .ppt, .healthStation, .dentalHealth, .generalPractitioner, .childWelfare, .bup,
        .municipalPsychologist, .physiotherapy, .habilitation, .mentalHealth, .refugeeService, .culture, .nav, .police,
        .municipalAdministration, .followUpService, .homeServices, .hospital,
    ]

    @Sendable func newConsentForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let detail = try await childDetail(id, session: session, context: context)
        return consentForm(detail, id: id, form: nil, errors: FieldErrors(), notice: nil, session: session)
    }

    func consentForm(_ detail: [String: Any], id: String, form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                     status: HTTPResponse.Status = .ok) -> Response {
        let child = detail["child"] as? [String: Any] ?? [:]
        let services: [[String: Any]] = Self.consentServices.map { service in
            ["code": service.rawValue, "label": service.norwegianName.prefix(1).uppercased() + service.norwegianName.dropFirst(),
             "checked": form?["tjeneste_\(service.rawValue)"] == "ja"]
        }
        let arenas: [[String: Any]] = (detail["arena_choices"] as? [[String: Any]] ?? []).map { arena in
            let arenaId = (arena["id"] as? String)?.lowercased() ?? ""
            return ["id": arenaId, "name": arena["name"] ?? "", "checked": form?["arena_\(arenaId)"] == "ja"]
        }
        let information: [[String: Any]] = InformationCategory.allCases.map { category in
            ["code": category.rawValue, "label": Self.informationLabels[category.rawValue] ?? category.rawValue,
             "checked": form == nil || form?["opplysning_\(category.rawValue)"] == "ja"]
        }
        let today = Self.today()
        var values: [String: Any] = [
            "id": id, "name": child["name"] ?? "", "services": services, "arenas": arenas, "hasArenaChoices": !arenas.isEmpty,
            "information": information, "validFrom": form?["valid_from"] ?? today,
            "validUntil": form?["valid_until"] ?? Self.oneYearFrom(today),
            "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        for field in ["services", "information", "valid_from", "valid_until"] {
            if let message = errors[field] { values["error_\(field)"] = message }
        }
        if let notice { values["notice"] = notice }
        return web.pages.page("family_consent", values, session: session, status: status)
    }

    /// "YYYY-MM-DD" a year on, less a day.
    static func oneYearFrom(_ day: String) -> String {
        guard let date = LocalDate(day) else { return day }
        return date.adding(years: 1).adding(days: -1).description
    }

    @Sendable func giveFamilyConsent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        let detail = try await childDetail(id, session: session, context: context)
        var errors = FieldErrors()
        let services = Self.consentServices.filter { form["tjeneste_\($0.rawValue)"] == "ja" }.map(\.rawValue)
        let arenaIds = (detail["arena_choices"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String)?.lowercased() }
            .filter { form["arena_\($0)"] == "ja" }
        let information = InformationCategory.allCases.filter { form["opplysning_\($0.rawValue)"] == "ja" }.map(\.rawValue)
        if services.isEmpty && arenaIds.isEmpty {
            errors.add("services", "Kryss av for minst én tjeneste eller ett møte som kan dele opplysninger.")
        }
        if information.isEmpty { errors.add("information", "Kryss av for hvilke opplysninger som kan deles.") }
        let validFrom = form.text("valid_from"), validUntil = form.text("valid_until")
        if LocalDate(validFrom) == nil { errors.add("valid_from", "Skriv datoen samtykket gjelder fra, som år-måned-dag, for eksempel 2027-01-15.") }
        if LocalDate(validUntil) == nil { errors.add("valid_until", "Skriv datoen samtykket gjelder til, som år-måned-dag, for eksempel 2027-06-30.") }
        guard errors.isEmpty else {
            return consentForm(detail, id: id, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        let body: [String: Any] = ["services": services, "arena_ids": arenaIds, "information": information,
                                   "valid_from": validFrom, "valid_until": validUntil]
        guard let answer = try await send("POST", "/v1/me/children/\(id)/consents", json: body, session: session, context: context) else {
            return consentForm(detail, id: id, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session,
                               status: .badGateway)
        }
        switch answer.status {
        case 201:
            return redirect(to: "/mine-barn/\(id)?melding=\((answer.object["status"] as? String) == "in_force" ? "gitt" : "venter")")
        case 404: throw ErrorPage.notFound
        default:
            Self.consentErrors(answer, into: &errors)
            return consentForm(detail, id: id, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
    }

    /// The API's problem as bokmål sentences at the fields.
    static func consentErrors(_ answer: APIAnswer, into errors: inout FieldErrors) {
        for (field, rule) in answer.violations {
            switch (field, rule) {
            case ("valid_from", "range"): errors.add("valid_from", "Samtykket kan ikke gjelde fra en dato som har vært.")
            case ("valid_from", _): errors.add("valid_from", "Datoen samtykket gjelder fra, er ikke gyldig.")
            case ("valid_until", "range"): errors.add("valid_until", "Sluttdatoen må være samme dag som eller etter startdatoen.")
            case ("valid_until", _): errors.add("valid_until", "Sluttdatoen er ikke gyldig, eller den ligger for langt fram i tid.")
            case (_, "young_person_decides"):
                errors.add("services", "Barnet har nådd alderen der ungdommen selv samtykker til dette. Be ungdommen gi samtykket.")
            case (_, "young_person_too_young"), (_, "guardians_required"):
                errors.add("services", "Dette må foreldrene samtykke til.")
            case (_, "not_parental_responsibility"), (_, "no_parental_responsibility"):
                errors.add("services", "Bare den som har foreldreansvar, kan samtykke for barnet.")
            case ("information", _): errors.add("information", "Kryss av for hvilke opplysninger som kan deles.")
            default: errors.add("services", "Valget av tjenester og møter er ikke gyldig. Se over og prøv igjen.")
            }
        }
        if errors.isEmpty { errors.add("services", "Samtykket kunne ikke registreres. Se over valgene og prøv igjen.") }
    }

    // MARK: Narrowing a consent

    /// The consent of the child's page with this id, or "not found".
    func familyConsent(_ detail: [String: Any], _ consentId: String) throws -> [String: Any] {
        guard let consent = (detail["consents"] as? [[String: Any]] ?? []).first(where: { ($0["id"] as? String)?.lowercased() == consentId })
        else { throw ErrorPage.notFound }
        return consent
    }

    @Sendable func narrowConsentForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), consentId = try pathId(context, "consent_id")
        let detail = try await childDetail(id, session: session, context: context)
        return narrowForm(detail, consent: try familyConsent(detail, consentId), id: id, form: nil, errors: FieldErrors(), session: session)
    }

    func narrowForm(_ detail: [String: Any], consent: [String: Any], id: String, form: FormFields?, errors: FieldErrors, session: WebSession,
                    status: HTTPResponse.Status = .ok) -> Response {
        let services: [[String: Any]] = (consent["services"] as? [String] ?? []).compactMap(ServiceKind.init(rawValue:)).map { service in
            ["code": service.rawValue, "label": service.norwegianName.prefix(1).uppercased() + service.norwegianName.dropFirst(),
             "checked": form == nil || form?["tjeneste_\(service.rawValue)"] == "ja"]
        }
        let arenas: [[String: Any]] = (consent["arenas"] as? [[String: Any]] ?? []).map { arena in
            let arenaId = (arena["id"] as? String)?.lowercased() ?? ""
            return ["id": arenaId, "name": arena["name"] ?? "", "checked": form == nil || form?["arena_\(arenaId)"] == "ja"]
        }
        let information: [[String: Any]] = (consent["information"] as? [String] ?? []).map { code in
            ["code": code, "label": Self.informationLabels[code] ?? code, "checked": form == nil || form?["opplysning_\(code)"] == "ja"]
        }
        var values: [String: Any] = [
            "id": id, "consentId": (consent["id"] as? String)?.lowercased() ?? "",
            "name": (detail["child"] as? [String: Any])?["name"] ?? "", "services": services, "hasServices": !services.isEmpty,
            "arenas": arenas, "hasArenas": !arenas.isEmpty, "information": information,
            "validUntil": form?["valid_until"] ?? (consent["valid_until"] as? String ?? ""), "period": Self.consentWords(consent)["period"] ?? "",
            "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        for field in ["services", "information", "valid_until"] {
            if let message = errors[field] { values["error_\(field)"] = message }
        }
        return web.pages.page("family_narrow", values, session: session, status: status)
    }

    @Sendable func narrowFamilyConsent(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), consentId = try pathId(context, "consent_id")
        let form = try await postedForm(request, session: session)
        let detail = try await childDetail(id, session: session, context: context)
        let consent = try familyConsent(detail, consentId)
        var errors = FieldErrors()
        let services = (consent["services"] as? [String] ?? []).filter { form["tjeneste_\($0)"] == "ja" }
        let arenaIds = (consent["arenas"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String)?.lowercased() }.filter { form["arena_\($0)"] == "ja" }
        let information = (consent["information"] as? [String] ?? []).filter { form["opplysning_\($0)"] == "ja" }
        var body: [String: Any] = ["services": services, "arena_ids": arenaIds, "information": information]
        let until = form.text("valid_until")
        if !until.isEmpty {
            if LocalDate(until) == nil { errors.add("valid_until", "Skriv sluttdatoen som år-måned-dag, for eksempel 2027-06-30.") } else { body["valid_until"] = until }
        }
        if services.isEmpty && arenaIds.isEmpty {
            errors.add("services", "Behold minst én tjeneste eller ett møte. Vil du ikke dele noe, trekk heller samtykket tilbake.")
        }
        if information.isEmpty { errors.add("information", "Behold minst én type opplysninger.") }
        guard errors.isEmpty else {
            return narrowForm(detail, consent: consent, id: id, form: form, errors: errors, session: session, status: .unprocessableContent)
        }
        guard let answer = try await send("POST", "/v1/me/consents/\(consentId)/narrow", json: body, session: session, context: context) else {
            errors.add("services", Self.unavailableMessage(context))
            return narrowForm(detail, consent: consent, id: id, form: form, errors: errors, session: session, status: .badGateway)
        }
        switch answer.status {
        case 201: return redirect(to: "/mine-barn/\(id)?melding=endret")
        case 404: throw ErrorPage.notFound
        case 403:
            errors.add("services", "Dette samtykket ga ungdommen selv, så det er bare ungdommen som kan endre det.")
        default:
            for (field, rule) in answer.violations {
                switch (field, rule) {
                case (_, "unchanged"): errors.add("services", "Du har ikke endret noe. Ta bort det du ikke lenger vil dele, eller velg en tidligere sluttdato.")
                case ("valid_until", "range"): errors.add("valid_until", "Sluttdatoen kan ikke være før i dag eller før samtykket begynte å gjelde.")
                case ("valid_until", _): errors.add("valid_until", "Sluttdatoen kan ikke være senere enn den samtykket har nå.")
                case ("information", _): errors.add("information", "Behold minst én av opplysningene samtykket gjelder.")
                default: errors.add("services", "Du kan bare ta bort tjenester og møter samtykket gjelder, ikke legge til nye. Gi heller et nytt samtykke.")
                }
            }
            if errors.isEmpty { errors.add("services", "Samtykket kunne ikke endres. Se over valgene og prøv igjen.") }
        }
        return narrowForm(detail, consent: consent, id: id, form: form, errors: errors, session: session, status: .unprocessableContent)
    }

    // MARK: Innsyn

    @Sendable func innsynPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let query = request.uri.queryParameters
        let from = query["fra"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let to = query["til"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let cursor = query["side"].map(String.init) ?? ""
        var errors = FieldErrors()
        if !from.isEmpty && LocalDate(from) == nil { errors.add("fra", "Skriv fra-datoen som år-måned-dag, for eksempel 2026-12-01.") }
        if !to.isEmpty && LocalDate(to) == nil { errors.add("til", "Skriv til-datoen som år-måned-dag, for eksempel 2026-12-31.") }
        var parameters: [String] = ["limit=25"]
        if !from.isEmpty, LocalDate(from) != nil { parameters.append("from=\(from)") }
        if !to.isEmpty, LocalDate(to) != nil { parameters.append("to=\(to)") }
        if !cursor.isEmpty, Int64(cursor) != nil { parameters.append("cursor=\(cursor)") }
        let (detail, answer) = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> ([String: Any], APIAnswer) in
            let detail = try await web.intake.object("/v1/me/children/\(id)", as: session.personId)
            return (detail, try await web.intake.call("GET", "/v1/me/children/\(id)/access-log?" + parameters.joined(separator: "&"), as: session.personId))
        }
        switch answer.status {
        case 200: break
        case 404, 403: throw ErrorPage.notFound
        default:
            for (field, rule) in answer.violations {
                if field == "to" && rule == "range" { errors.add("til", "Til-datoen må være samme dag som eller etter fra-datoen.") }
                else if field == "from" { errors.add("fra", "Fra-datoen er ikke gyldig eller ligger for langt tilbake.") }
                else if field == "to" { errors.add("til", "Til-datoen er ikke gyldig eller ligger for langt fram.") }
            }
            if errors.isEmpty { errors.add("fra", "Perioden er ikke gyldig.") }
        }
        let rows: [[String: Any]] = answer.status == 200 ? (answer.object["items"] as? [[String: Any]] ?? []).map(Self.innsynRow) : []
        let next = answer.object["next_cursor"] as? String
        var nextHref: String?
        if let next {
            var items = ["side=\(next)"]
            if !from.isEmpty { items.append("fra=\(from.formEncoded)") }
            if !to.isEmpty { items.append("til=\(to.formEncoded)") }
            nextHref = "/mine-barn/\(id)/innsyn?" + items.joined(separator: "&")
        }
        var values: [String: Any] = [
            "id": id, "name": (detail["child"] as? [String: Any])?["name"] ?? "", "rows": rows, "hasRows": !rows.isEmpty,
            "from": from, "to": to, "errors": errors.summary, "hasErrors": !errors.isEmpty, "laterPage": !cursor.isEmpty,
        ]
        if let nextHref { values["next"] = nextHref }
        for field in ["fra", "til"] { if let message = errors[field] { values["error_\(field)"] = message } }
        return web.pages.page("family_innsyn", values, session: session, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    static func innsynRow(_ item: [String: Any]) -> [String: Any] {
        let actor = item["actor"] as? [String: Any] ?? [:]
        let roles = (actor["roles"] as? [[String: Any]] ?? []).map { role -> String in
            let title = (role["title"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? roleLabel(role["role"] as? String ?? "")
            return "\(title), \(role["unit_name"] as? String ?? "")"
        }
        var who: String
        if actor["is_me"] as? Bool == true {
            who = "Du"
        } else if let name = actor["name"] as? String, !name.isEmpty {
            who = roles.isEmpty ? name : "\(name) (\(roles.joined(separator: "; ")))"
        } else if !roles.isEmpty {
            who = roles.joined(separator: "; ")
        } else {
            who = ["guardian": "En foresatt", "young_person": "Ungdommen"][actor["kind"] as? String ?? ""] ?? "Samtak (automatisk)"
        }
        if who.isEmpty { who = "Ukjent" }
        return [
            "when": Bokmal.dateTime(item["at"]), "who": who,
            "action": ["read": "Leste", "create": "Opprettet", "update": "Endret", "withdraw": "Trakk tilbake", "export": "Hentet ut",
                       "correct": "Rettet"][item["action"] as? String ?? ""] ?? "Brukte",
            "what": [
                "child": "Barnets opplysninger", "case": "Sak", "agenda": "Saksliste", "minutes": "Referat", "follow_up": "Oppfølgingspunkt",
                "coordination_log": "Logg fra koordineringen", "coordinator": "Koordinator", "individual_plan": "Individuell plan",
                "consent": "Samtykke", "guardianship": "Foresatte", "transition": "Overføring til ny skole", "timeline": "Tidslinje",
                "deliveries": "Utsendinger", "access_log": "Innsyn (denne oversikten)",
            ][item["subject"] as? String ?? ""] ?? "Annet",
            "basis": [
                "own_unit": "Jobber ved barnets skole eller barnehage", "consent": "Samtykke", "guardian": "Foresatt",
                "self": "Barnet selv", "owner": "Meldte saken", "participant": "Deltaker i møtet, så saken uten navn",
                "administrator": "Kommunens register", "system": "Samtak (automatisk)",
            ][item["basis"] as? String ?? ""] ?? "Annet",
        ]
    }
}
