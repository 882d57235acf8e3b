import Foundation
import Hummingbird

/// Issue 16: the referral to BUP, its page (completing it when the intake meeting asked for
/// more), the weekly intake meeting's page and "Avslåtte henvisninger – oppfølging".
///
/// A referral is sent complete or not at all: the intake API refuses a referral that lacks
/// BUP's required content (`referral_incomplete`, one violation per field), so the form shows
/// what is missing at each field in bokmål and keeps everything typed. The intake meeting may
/// still find the content too thin and ask for more information; the referral then waits
/// until the referrer completes it on its page.
extension WebRoutes {
    // MARK: Words

    /// Required content, in the form's order, with its bokmål label.
    static let referralFields: [(field: String, label: String)] = [
        ("parental_responsibility", "Foreldreansvar"), ("daily_care", "Daglig omsorg"), ("consented_by", "Samtykke"),
        ("question", "Problemstillingen"), ("measures_tried", "Tiltak som er prøvd"), ("current_services", "Tjenester barnet har nå"),
    ]

    /// The services a referral can list as current (the child's other services).
    static let currentServiceChoices: [(code: String, label: String)] = [
        ("health_station", "Helsestasjon og skolehelsetjeneste"), ("ppt", "PPT"), ("child_welfare", "Barneverntjenesten"),
        ("municipal_psychologist", "Kommunepsykolog"), ("general_practitioner", "Fastlege"), ("physiotherapy", "Fysioterapi"),
        ("habilitation", "Habilitering"), ("nav", "NAV"),
    ]

    static func referralMessage(field: String, rule: String) -> String {
        switch (field, rule) {
        case ("parental_responsibility", "missing"): "Kryss av for hvem som har foreldreansvar."
        case ("parental_responsibility", _): "Kryss av for nøyaktig de foresatte som er registrert med foreldreansvar."
        case ("daily_care", "missing"): "Kryss av for hvem barnet bor fast hos (daglig omsorg)."
        case ("daily_care", _): "Kryss av for nøyaktig de foresatte som er registrert med daglig omsorg."
        case ("consented_by", "incomplete"): "Alle med foreldreansvar må ha samtykket til henvisningen."
        case ("consented_by", "not_guardian"): "Bare registrerte foresatte kan krysses av som samtykkegivere."
        case ("consented_by", _): "Kryss av for hvem som har samtykket til henvisningen."
        case ("question", "max_length"): "Problemstillingen er for lang (høyst 8000 tegn)."
        case ("question", _): "Skriv hva BUP blir bedt om å vurdere."
        case ("measures_tried", "max_length"): "Beskrivelsen av tiltak er for lang (høyst 8000 tegn)."
        case ("measures_tried", _): "Skriv hvilke tiltak som er prøvd, og hva de førte til."
        case ("current_services", _): "Kryss av for tjenestene barnet har nå, eller for «Ingen andre tjenester»."
        case ("child_id", "no_guardians"): "Barnet har ingen registrerte foresatte. Be kommunens systemansvarlige registrere dem før du henviser."
        case ("child_id", _): "Velg et barn du har tilgang til, med samtykke som dekker BUP."
        case ("title", _), ("concern", _): "Teksten er for lang."
        default: "Feltet er ikke gyldig."
        }
    }

    static let outcomes: [(code: String, label: String)] = [
        ("other_service_offered", "Barnet er tilbudt en annen tjeneste"), ("samarbeidsmote_called", "Det er kalt inn til samarbeidsmøte"),
        ("new_referral", "Ny henvisning er sendt"), ("no_further_action", "Ingen videre oppfølging (skriv begrunnelse)"),
    ]

    // MARK: The referral form

    struct ReferralFormData {
        var me: [String: Any]
        var children: [[String: Any]]
        /// The chosen child's record (guardians with parental responsibility and daily care).
        var child: [String: Any]?
    }

    func referralFormData(_ session: WebSession, childId: String?, context: BasicRequestContext) async throws -> ReferralFormData {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> ReferralFormData in
            let me = try await web.intake.object("/v1/me", as: session.personId)
            let children = try await web.intake.items("/v1/referrable-children?target_service=bup", as: session.personId)
            var child: [String: Any]?
            if let childId, children.contains(where: { ($0["id"] as? String)?.lowercased() == childId }) {
                child = try await web.intake.object("/v1/children/\(childId)", as: session.personId)
            }
            return ReferralFormData(me: me, children: children, child: child)
        }
    }

    @Sendable func newReferralForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let chosen = request.uri.queryParameters["barn"].flatMap { UUID(uuidString: String($0))?.uuidString.lowercased() }
        let data = try await referralFormData(session, childId: chosen, context: context)
        var errors = FieldErrors()
        if chosen != nil && data.child == nil { errors.add("barn", "Velg et barn fra listen.") }
        return referralForm(data, form: nil, errors: errors, notice: nil, session: session)
    }

    func referralForm(_ data: ReferralFormData, form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                      status: HTTPResponse.Status = .ok) -> Response {
        let childId = (data.child?["id"] as? String)?.lowercased() ?? ""
        let guardians = (data.child?["guardians"] as? [[String: Any]] ?? []).map { guardian -> [String: Any] in
            let id = (guardian["person_id"] as? String)?.lowercased() ?? ""
            return ["id": id, "name": guardian["name"] ?? "",
                    "responsibility": form?.all("foreldreansvar").contains(id) ?? false,
                    "care": form?.all("daglig_omsorg").contains(id) ?? false,
                    "consented": form?.all("samtykke").contains(id) ?? false]
        }
        let chosenServices = Set(form?.all("tjenester") ?? [])
        var values: [String: Any] = [
            "children": data.children.map { child -> [String: Any] in
                let id = (child["id"] as? String)?.lowercased() ?? ""
                return ["id": id, "name": child["name"] ?? "", "selected": id == childId,
                        "grade": (child["grade"] as? Int).map { "\($0). trinn" } ?? ""]
            },
            "hasChildren": !data.children.isEmpty, "chosen": data.child != nil, "childId": childId,
            "childName": data.child?["name"] ?? "", "guardians": guardians, "hasGuardians": !guardians.isEmpty,
            "services": Self.currentServiceChoices.map { choice -> [String: Any] in
                ["code": choice.code, "label": choice.label, "checked": chosenServices.contains(choice.code)]
            },
            "noServices": chosenServices.contains("ingen"),
            "question": form?["question"] ?? "", "measures": form?["measures_tried"] ?? "", "concern": form?["concern"] ?? "",
            "urgent": form?["urgent"] == "ja", "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        for field in ["barn", "child_id"] + Self.referralFields.map(\.field) {
            if let message = errors[field] { values["error_\(field)"] = message }
        }
        if let notice { values["notice"] = notice }
        return web.pages.page("referral_new", values, session: session, status: status)
    }

    @Sendable func submitReferral(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        let childId = UUID(uuidString: form.text("child_id"))?.uuidString.lowercased()
        let data = try await referralFormData(session, childId: childId, context: context)
        var errors = FieldErrors()
        guard let child = data.child, let childId else {
            errors.add("barn", "Velg barnet henvisningen gjelder.")
            return referralForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        // The submitting unit: the referrer's first unit (a referrer works in one service).
        let unit = (data.me["memberships"] as? [[String: Any]] ?? []).compactMap { $0["unit_id"] as? String }.first ?? ""
        let services = form.all("tjenester").filter { code in Self.currentServiceChoices.contains { $0.code == code } }
        var body: [String: Any] = ["target_service": "bup", "child_id": childId, "submitting_unit_id": unit, "urgent": form["urgent"] == "ja"]
        // Nobody ticked is the answer missing (the API says "missing", not "mismatch").
        for (key, name) in [("parental_responsibility", "foreldreansvar"), ("daily_care", "daglig_omsorg"), ("consented_by", "samtykke")]
        where !form.all(name).isEmpty {
            body[key] = form.all(name)
        }
        // Nothing ticked and "none" not ticked either: the list is missing, not empty.
        if !services.isEmpty || form.all("tjenester").contains("ingen") { body["current_services"] = services }
        for (key, name) in [("question", "question"), ("measures_tried", "measures_tried"), ("concern", "concern")] where !form.text(name).isEmpty {
            body[key] = form.text(name)
        }
        guard let answer = try await send("POST", "/v1/referrals", json: body, session: session, context: context) else {
            return referralForm(data, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session, status: .badGateway)
        }
        if answer.status == 201, let id = answer.object["id"] as? String {
            return redirect(to: "/henvisninger/\(id.lowercased())?sendt=1")
        }
        if answer.code == "consent_required" {
            errors.add("barn", "Det er ikke registrert et samtykke som dekker en henvisning til BUP for \(child["name"] as? String ?? "barnet").")
        }
        for violation in answer.violations {
            let field = Self.referralFields.contains { $0.field == violation.field } ? violation.field : "barn"
            errors.add(field, Self.referralMessage(field: violation.field, rule: violation.rule))
        }
        if errors.isEmpty {
            errors.add("barn", answer.status == 403 ? "Du kan ikke sende henvisninger for denne enheten." : "Henvisningen kunne ikke sendes.")
        }
        return referralForm(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
    }

    // MARK: The referral's page

    func referralValues(_ item: [String: Any], session: WebSession) -> [String: Any] {
        let referral = item["referral"] as? [String: Any] ?? [:]
        let status = item["status"] as? String ?? ""
        let missing = referral["missing"] as? [[String: Any]] ?? []
        let completeness = Self.referralFields.map { field -> [String: Any] in
            let gap = missing.first { ($0["field"] as? String) == field.field }
            return ["label": field.label, "complete": gap == nil,
                    "text": gap.map { Self.referralMessage(field: field.field, rule: $0["rule"] as? String ?? "") } ?? "Oppgitt"]
        }
        let services = (referral["current_services"] as? [String] ?? []).map { code in
            Self.currentServiceChoices.first { $0.code == code }?.label ?? code
        }
        let mine = (item["submitted_by"] as? String)?.lowercased() == session.personId.uuidString.lowercased()
        let notes = (referral["notes"] as? [[String: Any]] ?? []).map { note -> [String: Any] in
            ["unit": note["unit_name"] ?? "", "author": note["author_name"] ?? "", "text": note["text"] ?? "", "when": Bokmal.dateTime(note["created_at"])]
        }
        let scheduled = item["scheduled"] as? [String: Any]
        var values: [String: Any] = [
            "id": (item["id"] as? String)?.lowercased() ?? "", "title": item["title"] ?? "", "statusText": Bokmal.caseStatus(status),
            "childName": (item["child"] as? [String: Any])?["name"] as? String ?? "",
            "full": (item["visibility"] as? String) == "full",
            "question": referral["question"] ?? "", "measures": referral["measures_tried"] ?? "",
            "concern": item["concern"] as? String ?? "",
            "services": services.isEmpty ? "Ingen andre tjenester" : services.joined(separator: ", "),
            "completeness": completeness, "complete": missing.isEmpty,
            "decision": Bokmal.decision(referral["intake_decision"]),
            "informationRequested": referral["information_requested"] ?? "",
            "awaiting": status == "awaiting_information", "canComplete": status == "awaiting_information" && mine,
            "notes": notes, "hasNotes": !notes.isEmpty,
        ]
        if let scheduled, let meeting = scheduled["meeting_id"] as? String {
            values["meeting"] = ["id": meeting.lowercased(), "when": Bokmal.dateTime(scheduled["starts_at"])]
        }
        return values
    }

    @Sendable func referralPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let item = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/referrals/\(id)", as: session.personId)
        }
        var values = referralValues(item, session: session)
        values["sent"] = request.uri.queryParameters["sendt"] != nil
        values["completed"] = request.uri.queryParameters["fullfort"] != nil
        return web.pages.page("referral", values, session: session)
    }

    /// The referrer completes a referral the intake meeting asked more of: it returns to the next intake meeting.
    @Sendable func completeReferral(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        if form.text("tillegg").isEmpty && form.text("question").isEmpty && form.text("measures_tried").isEmpty {
            errors.add("tillegg", "Skriv opplysningene inntaksmøtet ba om før du sender henvisningen på nytt.")
        }
        var answer: APIAnswer?
        if errors.isEmpty {
            var body: [String: Any] = [:]
            if !form.text("tillegg").isEmpty { body["note"] = form.text("tillegg") }
            if !form.text("question").isEmpty { body["question"] = form.text("question") }
            if !form.text("measures_tried").isEmpty { body["measures_tried"] = form.text("measures_tried") }
            answer = try await send("POST", "/v1/referrals/\(id)/resubmit", json: body, session: session, context: context)
            if answer?.status == 200 { return redirect(to: "/henvisninger/\(id)?fullfort=1") }
            if answer?.status == 403 || answer?.status == 404 { throw ErrorPage.notFound }
            if answer == nil { errors.add("tillegg", Self.unavailableMessage(context)) }
            else if answer?.status == 409 { errors.add("tillegg", "Henvisningen venter ikke på flere opplysninger lenger.") }
            else { errors.add("tillegg", "Teksten er ikke gyldig (høyst 8000 tegn).") }
        }
        let item = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/referrals/\(id)", as: session.personId)
        }
        var values = referralValues(item, session: session)
        values["tillegg"] = form["tillegg"] ?? ""
        values["newQuestion"] = form["question"] ?? ""
        values["newMeasures"] = form["measures_tried"] ?? ""
        values["errors"] = errors.summary
        values["hasErrors"] = true
        values["error_tillegg"] = errors["tillegg"] ?? ""
        return web.pages.page("referral", values, session: session, status: .unprocessableContent)
    }

    // MARK: The intake meeting

    struct IntakeView {
        var meeting: [String: Any]
        var minutes: [String: Any]
        var referrals: [String: [String: Any]]
        var owners: [[String: Any]]
        var organiser: Bool
        /// The person's units (a note is written as one of them).
        var units: [[String: Any]]
    }

    func intakeView(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> IntakeView {
        let view = try await minutesView(id, session: session, context: context)
        return try await load(session, context: context) { () async throws(IntakeClient.Failure) -> IntakeView in
            var referrals: [String: [String: Any]] = [:]
            for item in view.meeting["agenda"] as? [[String: Any]] ?? [] where (item["visibility"] as? String) == "full" {
                guard let caseId = (item["case_id"] as? String)?.lowercased() else { continue }
                referrals[caseId] = try await web.intake.object("/v1/referrals/\(caseId)", as: session.personId)
            }
            let owners = try await web.intake.items("/v1/referral-follow-up-owners", as: session.personId)
            let me = try await web.intake.object("/v1/me", as: session.personId)
            let units = (me["memberships"] as? [[String: Any]] ?? []).filter { ($0["role"] as? String) != "administrator" }.map {
                ["id": ($0["unit_id"] as? String)?.lowercased() ?? "", "name": $0["unit_name"] ?? ""] as [String: Any]
            }
            return IntakeView(meeting: view.meeting, minutes: view.minutes, referrals: referrals, owners: owners, organiser: view.deliveries != nil,
                              units: units)
        }
    }

    @Sendable func intakePage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let view = try await intakeView(id, session: session, context: context)
        let message = request.uri.queryParameters["melding"].flatMap {
            ["lagret": "Beslutningene er lagret som utkast til referat.",
             "godkjent": "Referatet er godkjent. Beslutningene gjelder nå, og de som skal ha beskjed, får det.",
             "notat": "Informasjonen er lagt til henvisningen."][String($0)]
        }
        return intakeResponse(view, form: nil, errors: FieldErrors(), message: message, session: session)
    }

    func intakeResponse(_ view: IntakeView, form: FormFields?, errors: FieldErrors, message: String?, session: WebSession,
                        status: HTTPResponse.Status = .ok) -> Response {
        let agenda = view.meeting["agenda"] as? [[String: Any]] ?? []
        let entries = Dictionary((view.minutes["entries"] as? [[String: Any]] ?? []).map {
            (($0["agenda_item_id"] as? String ?? "").lowercased(), $0)
        }) { first, _ in first }
        let approved = (view.minutes["status"] as? String) == "approved"
        let rows: [[String: Any]] = agenda.map { item in
            let itemId = (item["id"] as? String ?? "").lowercased()
            let caseId = (item["case_id"] as? String)?.lowercased() ?? ""
            let entry = entries[itemId]
            let referral = view.referrals[caseId]
            let details = referral?["referral"] as? [String: Any] ?? [:]
            let decision = form?["beslutning_\(itemId)"] ?? entry?["decision"] as? String ?? ""
            let owner = form?["ansvarlig_\(itemId)"] ?? ""
            var row: [String: Any] = [
                "item": itemId, "title": item["title"] ?? "", "full": referral != nil, "caseId": caseId,
                "decisionLabel": Bokmal.decision(entry?["decision"]),
                "text": form?["tekst_\(itemId)"] ?? entry?["decision_text"] as? String ?? "",
                "accepted": decision == "accepted", "rejected": decision == "rejected", "more": decision == "needs_more_information",
                "owners": view.owners.map { person -> [String: Any] in
                    let id = (person["id"] as? String)?.lowercased() ?? ""
                    return ["id": id, "label": "\(person["name"] as? String ?? ""), \(person["title"] as? String ?? ""), \(person["unit_name"] as? String ?? "")",
                            "selected": id == owner]
                },
            ]
            if let referral {
                let values = referralValues(referral, session: session)
                row["childName"] = values["childName"] ?? ""
                row["question"] = details["question"] ?? ""
                row["completeness"] = values["completeness"] ?? [Any]()
                row["complete"] = values["complete"] ?? false
                row["statusText"] = values["statusText"] ?? ""
                row["notes"] = values["notes"] ?? [Any]()
                row["hasNotes"] = values["hasNotes"] ?? false
                row["noteText"] = form?["notat_\(caseId)"] ?? ""
                row["units"] = view.units
                row["mayNote"] = !approved && !view.units.isEmpty
                if let message = errors["notat_\(caseId)"] { row["error_notat"] = message }
            }
            for field in ["beslutning", "tekst", "ansvarlig"] {
                if let message = errors["\(field)_\(itemId)"] { row["error_\(field)"] = message }
            }
            return row
        }
        var values: [String: Any] = [
            "id": (view.meeting["id"] as? String)?.lowercased() ?? "", "arenaName": view.meeting["arena_name"] ?? "",
            "when": Bokmal.dateTime(view.meeting["starts_at"]), "statusText": Bokmal.meetingStatus(view.meeting["status"]),
            "minutesStatus": Bokmal.minutesStatus(view.minutes["status"]), "version": view.minutes["version"] ?? 0,
            "rows": rows, "hasRows": !rows.isEmpty, "approved": approved,
            "editable": !approved && (view.meeting["status"] as? String).map { ["agenda_published", "held"].contains($0) } == true,
            "notPublished": (view.meeting["status"] as? String) == "planned",
            "canApprove": view.organiser && (view.minutes["status"] as? String) == "draft",
            "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        if let message { values["message"] = message }
        return web.pages.page("referral_intake", values, session: session, status: status)
    }

    @Sendable func saveIntake(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        let view = try await intakeView(id, session: session, context: context)
        var errors = FieldErrors()
        var entries: [[String: Any]] = []
        for item in view.meeting["agenda"] as? [[String: Any]] ?? [] where (item["visibility"] as? String) == "full" {
            let itemId = (item["id"] as? String ?? "").lowercased()
            let decision = form.text("beslutning_\(itemId)")
            var entry: [String: Any] = ["agenda_item_id": itemId, "decision_text": form.text("tekst_\(itemId)")]
            switch decision {
            case "accepted":
                entry["decision"] = decision
            case "needs_more_information":
                entry["decision"] = decision
                if form.text("tekst_\(itemId)").isEmpty { errors.add("tekst_\(itemId)", "Skriv hvilke opplysninger henviseren må gi (\(item["title"] as? String ?? "henvisningen")).") }
            case "rejected":
                entry["decision"] = decision
                if let owner = UUID(uuidString: form.text("ansvarlig_\(itemId)")) {
                    entry["follow_up_owner_id"] = owner.uuidString.lowercased()
                } else {
                    errors.add("ansvarlig_\(itemId)", "Velg hvem i kommunen som skal følge opp avslaget (\(item["title"] as? String ?? "henvisningen")).")
                }
            default:
                break
            }
            entries.append(entry)
        }
        guard errors.isEmpty else {
            return intakeResponse(view, form: form, errors: errors, message: nil, session: session, status: .unprocessableContent)
        }
        let body: [String: Any] = ["version": Int(form.text("version")) ?? 0, "general_notes": view.minutes["general_notes"] as? String ?? "",
                                   "entries": entries]
        guard let answer = try await send("PUT", "/v1/meetings/\(id)/minutes", json: body, session: session, context: context) else {
            errors.add("beslutninger", Self.unavailableMessage(context))
            return intakeResponse(view, form: form, errors: errors, message: nil, session: session, status: .badGateway)
        }
        switch answer.status {
        case 200: return redirect(to: "/inntaksmoter/\(id)?melding=lagret")
        case 403, 404: throw ErrorPage.forbidden
        default:
            for violation in answer.violations where violation.field.contains("follow_up_owner_id") {
                errors.add("beslutninger", violation.rule == "no_access_basis"
                    ? "Den som skal følge opp et avslag, må ha samtykke til å se barnet. Velg en person i en tjeneste samtykket dekker."
                    : "Den som skal følge opp et avslag, må arbeide i PPT, helsestasjonen eller barneverntjenesten.")
            }
            if errors.isEmpty {
                errors.add("beslutninger", answer.status == 409 ? "Noen andre lagret referatet mens du skrev, eller det er allerede godkjent. Last siden på nytt."
                    : "Beslutningene kunne ikke lagres.")
            }
            return intakeResponse(view, form: form, errors: errors, message: nil, session: session, status: .unprocessableContent)
        }
    }

    /// A participant adds what their service knows to a referral on the intake page.
    @Sendable func addIntakeNote(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let caseId = try pathId(context, "case")
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let text = form.text("notat_\(caseId)")
        if text.isEmpty { errors.add("notat_\(caseId)", "Skriv det tjenesten din vet som er viktig for henvisningen.") }
        if errors.isEmpty {
            let body: [String: Any] = ["text": text, "unit_id": form.text("enhet_\(caseId)")]
            let answer = try await send("POST", "/v1/referrals/\(caseId)/notes", json: body, session: session, context: context)
            switch answer?.status {
            case 201?: return redirect(to: "/inntaksmoter/\(id)?melding=notat")
            case 404?: throw ErrorPage.notFound
            case nil: errors.add("notat_\(caseId)", Self.unavailableMessage(context))
            case 403?: errors.add("notat_\(caseId)", "Bare inntaksmøtets deltakere som kan se henvisningen, kan legge til informasjon.")
            case 409?: errors.add("notat_\(caseId)", "Henvisningen er allerede avgjort.")
            default: errors.add("notat_\(caseId)", "Teksten er for lang (høyst 8000 tegn), eller enheten er ikke din.")
            }
        }
        let view = try await intakeView(id, session: session, context: context)
        return intakeResponse(view, form: form, errors: errors, message: nil, session: session, status: .unprocessableContent)
    }

    @Sendable func approveIntake(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, id, answer) = try await postButton(request, context: context) { "/v1/meetings/\($0)/minutes/approve" }
        switch answer.status {
        case 200: return redirect(to: "/inntaksmoter/\(id)?melding=godkjent")
        case 403, 404: throw ErrorPage.forbidden
        default:
            let view = try await intakeView(id, session: session, context: context)
            var errors = FieldErrors()
            errors.add("beslutninger", answer.code == "minutes_incomplete"
                ? "Hver henvisning på sakslisten må ha en beslutning før referatet kan godkjennes."
                : answer.code == "follow_up_owner_required" ? "Et avslag mangler en ansvarlig for kommunens oppfølging."
                : "Referatet kunne ikke godkjennes nå.")
            return intakeResponse(view, form: nil, errors: errors, message: nil, session: session, status: .conflict)
        }
    }

    // MARK: Avslåtte henvisninger – oppfølging

    func followUpsResponse(_ items: [[String: Any]], form: FormFields?, formTask: String?, errors: FieldErrors, message: String?,
                           session: WebSession, status: HTTPResponse.Status = .ok) -> Response {
        let rows = items.map { item -> [String: Any] in
            let id = (item["id"] as? String)?.lowercased() ?? ""
            let here = formTask == id
            let chosen = here ? form?["utfall"] ?? "" : ""
            var row: [String: Any] = [
                "id": id, "redacted": item["redacted"] as? Bool ?? true, "childName": item["child_name"] as? String ?? "",
                // The referral's own title where it is shown; else whom it is about, where the consent lets the reader see that.
                "title": item["case_id"] is String ? item["title"] ?? "" : (item["child_name"] as? String).map { "Avslått henvisning for \($0)" }
                    ?? "Avslått henvisning (anonymisert)",
                "caseId": (item["case_id"] as? String)?.lowercased() ?? "", "owner": item["owner_name"] ?? "",
                "arenaName": item["arena_name"] ?? "", "meetingId": (item["meeting_id"] as? String)?.lowercased() ?? "",
                "due": Bokmal.day(item["due_on"]), "overdue": item["overdue"] as? Bool ?? false,
                "mayClose": item["may_close"] as? Bool ?? false, "note": here ? form?["begrunnelse"] ?? "" : "",
                "outcomes": Self.outcomes.map { outcome -> [String: Any] in
                    ["code": outcome.code, "label": outcome.label, "checked": outcome.code == chosen, "task": id]
                },
            ]
            if here {
                if let message = errors["utfall_\(id)"] { row["error_utfall"] = message }
                if let message = errors["begrunnelse_\(id)"] { row["error_begrunnelse"] = message }
            }
            return row
        }
        var values: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty, "errors": errors.summary, "hasErrors": !errors.isEmpty]
        if let message { values["message"] = message }
        return web.pages.page("referral_follow_ups", values, session: session, status: status)
    }

    @Sendable func followUpsPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let items = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [[String: Any]] in
            try await web.intake.items("/v1/referral-follow-ups", as: session.personId)
        }
        let message = request.uri.queryParameters["melding"].flatMap { ["lukket": "Oppfølgingen er avsluttet med utfallet du valgte."][String($0)] }
        return followUpsResponse(items, form: nil, formTask: nil, errors: FieldErrors(), message: message, session: session)
    }

    @Sendable func closeFollowUp(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let outcome = form.text("utfall")
        if !Self.outcomes.contains(where: { $0.code == outcome }) { errors.add("utfall_\(id)", "Velg utfallet av oppfølgingen.") }
        if outcome == "no_further_action" && form.text("begrunnelse").isEmpty {
            errors.add("begrunnelse_\(id)", "Skriv hvorfor kommunen ikke følger opp videre.")
        }
        if errors.isEmpty {
            var body: [String: Any] = ["outcome": outcome]
            if !form.text("begrunnelse").isEmpty { body["note"] = form.text("begrunnelse") }
            let answer = try await send("POST", "/v1/referral-follow-ups/\(id)/close", json: body, session: session, context: context)
            switch answer?.status {
            case 200?: return redirect(to: "/oppfolging?melding=lukket")
            case 404?, 403?: throw ErrorPage.notFound
            case nil: errors.add("utfall_\(id)", Self.unavailableMessage(context))
            case 409?: errors.add("utfall_\(id)", "Oppfølgingen er allerede avsluttet.")
            default: errors.add("begrunnelse_\(id)", "Begrunnelsen er ikke gyldig (høyst 4000 tegn).")
            }
        }
        let items = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [[String: Any]] in
            try await web.intake.items("/v1/referral-follow-ups", as: session.personId)
        }
        return followUpsResponse(items, form: form, formTask: id, errors: errors, message: nil, session: session, status: .unprocessableContent)
    }

    /// Notice links of the notifier's e-mails (`/v1/referrals/<id>`, `/v1/referral-follow-ups`) open the pages.
    @Sendable func referralMailLink(_ request: Request, context: BasicRequestContext) async throws -> Response {
        if request.uri.path.hasSuffix("/referral-follow-ups") { return redirect(to: "/oppfolging") }
        return redirect(to: "/henvisninger/\(try pathId(context))")
    }
}
