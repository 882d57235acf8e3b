import Foundation
import Hummingbird
import SamtakDomain

/// Transition seasons in the browser (issue 16, seed 003): the seasons the person plans or
/// takes part in, planning one (stage, school year, one meeting per sending unit), and per child
/// the arrangements (SFO, special-needs support, the receiving contact teacher) that invite the
/// SFO leader, PPT and the teacher. Everything shown and every rule comes from the intake API
/// (`/v1/transition-seasons`, `/v1/transition-items/{id}/arrangements`); the page only words it.
extension WebRoutes {
    static func stageText(_ code: Any?) -> String {
        (code as? String).flatMap(TransitionStage.init(rawValue:)).map { stage in
            switch stage {
            case .kindergartenToSchool: "Barnehage – skole"
            case .primaryToLowerSecondary: "Barneskole – ungdomsskole"
            case .lowerSecondaryToUpperSecondary: "Ungdomsskole – videregående skole"
            }
        } ?? "Overgang"
    }

    static func responsibleText(_ code: Any?) -> String {
        (code as? String) == ServiceKind.ppt.rawValue ? "PPT (barn med spesialpedagogisk hjelp)" : "Mottakende skole"
    }

    /// The current school year ("2026/2027": 1 August – 31 July, Oslo time).
    static func currentSchoolYear(_ now: Date = Date()) -> String {
        let today = OsloTime.localDate(at: now)
        let first = today.month >= 8 ? today.year : today.year - 1
        return "\(first)/\(first + 1)"
    }

    // MARK: The list

    @Sendable func transitionList(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let (seasons, me) = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> ([[String: Any]], [String: Any]) in
            (try await web.intake.items("/v1/transition-seasons", as: session.personId), try await web.intake.object("/v1/me", as: session.personId))
        }
        let items: [[String: Any]] = seasons.map { season in
            ["id": (season["id"] as? String ?? "").lowercased(), "stage": Self.stageText(season["stage"]), "year": season["school_year"] ?? "",
             "unit": season["receiving_unit_name"] ?? "", "meetings": season["meetings"] ?? 0,
             "next": Bokmal.dateTime(season["next_meeting_at"]), "role": (season["organiser"] as? Bool) == true ? "Du planlegger" : "Du deltar"]
        }
        return web.pages.page("transition_list", ["seasons": items, "hasSeasons": !items.isEmpty,
                                                  "planner": !Self.receivingUnits(me).isEmpty], session: session)
    }

    /// The schools the person leads: the receiving units they may plan a season for.
    static func receivingUnits(_ me: [String: Any]) -> [[String: String]] {
        var seen = Set<String>()
        return (me["memberships"] as? [[String: Any]] ?? []).filter { ($0["role"] as? String) == "unit_leader" && ($0["service"] as? String) == "school" }
            .compactMap { membership in
                guard let id = (membership["unit_id"] as? String)?.lowercased(), seen.insert(id).inserted else { return nil }
                return ["id": id, "name": membership["unit_name"] as? String ?? ""]
            }
    }

    // MARK: Planning a season

    struct TransitionFormData {
        var receiving: [[String: String]]
        var sending: [[String: String]]
        var arenas: [[String: Any]]
    }

    func transitionFormData(_ session: WebSession, context: BasicRequestContext) async throws -> TransitionFormData {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> TransitionFormData in
            let me = try await web.intake.object("/v1/me", as: session.personId)
            var sending: [[String: String]] = []
            for service in ["kindergarten", "school"] {
                for unit in try await web.intake.items("/v1/units?service=\(service)&limit=200", as: session.personId) where unit["active"] as? Bool ?? true {
                    sending.append(["id": (unit["id"] as? String ?? "").lowercased(), "name": unit["name"] as? String ?? "",
                                    "kind": service == "kindergarten" ? "barnehage" : "skole"])
                }
            }
            let arenas = try await web.intake.items("/v1/arenas?limit=100", as: session.personId)
                .filter { ($0["kind"] as? String) == "transition" && ($0["active"] as? Bool ?? true) }
            return TransitionFormData(receiving: Self.receivingUnits(me), sending: sending, arenas: arenas)
        }
    }

    /// Rows of the planning form: one meeting per sending unit (blank rows are left out).
    static let meetingRows = 3
    static let transitionFields = ["stage", "school_year", "receiving_unit_id"]
        + (0..<meetingRows).flatMap { row in ["sending_unit_id", "day", "time", "location"].map { "\($0)_\(row)" } }

    @Sendable func transitionPlanForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let data = try await transitionFormData(session, context: context)
        return transitionPlanPage(data, form: nil, errors: FieldErrors(), notice: nil, session: session)
    }

    func transitionPlanPage(_ data: TransitionFormData, form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                            status: HTTPResponse.Status = .ok) -> Response {
        let chosenStage = form?["stage"] ?? TransitionStage.kindergartenToSchool.rawValue
        let fieldErrors = errors.templateValues(Self.transitionFields)
        let rows: [[String: Any]] = (0..<Self.meetingRows).map { row in
            var values: [String: Any] = [
                "row": row, "number": row + 1,
                "sending": data.sending.map { unit -> [String: Any] in
                    ["id": unit["id"] ?? "", "name": unit["name"] ?? "", "kind": unit["kind"] ?? "", "selected": unit["id"] == form?["sending_unit_id_\(row)"]]
                },
                "day": form?["day_\(row)"] ?? "", "time": form?["time_\(row)"] ?? "09:00", "location": form?["location_\(row)"] ?? "",
            ]
            for field in ["sending_unit_id", "day", "time", "location"] {
                if let message = fieldErrors["error_\(field)_\(row)"] { values["error_\(field)"] = message }
            }
            return values
        }
        var values: [String: Any] = [
            "stages": TransitionStage.allCases.map { stage -> [String: Any] in
                ["code": stage.rawValue, "name": Self.stageText(stage.rawValue), "checked": stage.rawValue == chosenStage]
            },
            "receiving": data.receiving.map { unit -> [String: Any] in
                ["id": unit["id"] ?? "", "name": unit["name"] ?? "", "selected": unit["id"] == form?["receiving_unit_id"]]
            },
            "rows": rows, "hasUnits": !data.receiving.isEmpty, "school_year": form?["school_year"] ?? Self.currentSchoolYear(),
        ]
        values.merge(fieldErrors) { $1 }
        if let notice { values["notice"] = notice }
        return web.pages.page("transition_new", values, session: session, status: status)
    }

    @Sendable func submitTransitionPlan(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        let data = try await transitionFormData(session, context: context)
        var errors = FieldErrors()
        let stage = TransitionStage(rawValue: form.text("stage"))
        if stage == nil { errors.add("stage", "Velg hvilken overgang møtene gjelder.") }
        let receiving = form.text("receiving_unit_id")
        if !data.receiving.contains(where: { $0["id"] == receiving }) { errors.add("receiving_unit_id", "Velg skolen som tar imot barna.") }
        let year = form.text("school_year")
        let yearParts = year.split(separator: "/", omittingEmptySubsequences: false)
        if yearParts.count != 2 || !yearParts.allSatisfy({ $0.count == 4 && Int($0) != nil }) {
            errors.add("school_year", "Skriv skoleåret som to årstall, for eksempel \(Self.currentSchoolYear()).")
        }
        // The meetings: each row with a unit or a date; the rows' numbers, for the API's errors.
        var meetings: [[String: Any]] = []
        var rowOfMeeting: [Int] = []
        var filledRows = 0
        for row in 0..<Self.meetingRows {
            let sending = form.text("sending_unit_id_\(row)"), dayText = form.text("day_\(row)")
            if sending.isEmpty && dayText.isEmpty && form.text("location_\(row)").isEmpty { continue }
            filledRows += 1
            if !data.sending.contains(where: { $0["id"] == sending }) {
                errors.add("sending_unit_id_\(row)", "Møte \(row + 1): velg barnehagen eller skolen barna kommer fra.")
            }
            let day = LocalDate(dayText), time = LocalTime(form.text("time_\(row)"))
            if day == nil { errors.add("day_\(row)", "Møte \(row + 1): skriv datoen for møtet, for eksempel 2027-04-20.") }
            if time == nil { errors.add("time_\(row)", "Møte \(row + 1): skriv klokkeslettet som tt:mm, for eksempel 09:00.") }
            guard let day, time != nil else { continue }
            var meeting: [String: Any] = ["sending_unit_id": sending, "starts_at": "\(day)T\(form.text("time_\(row)"))"]
            if !form.text("location_\(row)").isEmpty { meeting["location"] = form.text("location_\(row)") }
            meetings.append(meeting)
            rowOfMeeting.append(row)
        }
        if filledRows == 0 {
            errors.add("sending_unit_id_0", "Velg minst én barnehage eller skole barna kommer fra, med dato for møtet.")
        }
        // The receiving school's transition arena (the arena it owns).
        let arena = data.arenas.first { ($0["owner_unit_id"] as? String)?.lowercased() == receiving }
        if arena == nil && errors["receiving_unit_id"] == nil {
            errors.add("receiving_unit_id", "Skolen har ingen arena for overføringsmøter i Samtak. Be systemansvarlig registrere den.")
        }
        guard errors.isEmpty, let stage, let arena, !meetings.isEmpty else {
            return transitionPlanPage(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        let body: [String: Any] = ["school_year": year, "stage": stage.rawValue, "arena_id": arena["id"] ?? "", "receiving_unit_id": receiving,
                                   "meetings": meetings]
        guard let answer = try await send("POST", "/v1/transition-seasons", json: body, session: session, context: context) else {
            return transitionPlanPage(data, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session, status: .badGateway)
        }
        if answer.status == 201, let id = answer.object["id"] as? String {
            return redirect(to: "/overganger/\(id.lowercased())?planlagt=1")
        }
        Self.transitionErrors(answer, rows: rowOfMeeting, into: &errors)
        return transitionPlanPage(data, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
    }

    /// The API's problem as bokmål sentences at the form's fields; `rows[i]` is the form's row of
    /// the request's `meetings[i]`.
    static func transitionErrors(_ answer: APIAnswer, rows: [Int], into errors: inout FieldErrors) {
        if answer.code == "season_exists" {
            errors.add("school_year", "Overføringsmøtene for denne overgangen og dette skoleåret er allerede planlagt for skolen.")
            return
        }
        if answer.status == 403 { errors.add("receiving_unit_id", "Det er rektor ved skolen som tar imot barna, som inviterer til overføringsmøter."); return }
        for (field, rule) in answer.violations {
            // "meetings[1].starts_at" → the form's row of the second meeting.
            let index = field.hasPrefix("meetings[") ? Int(field.dropFirst(9).prefix { $0.isNumber }) : nil
            let row = index.flatMap { $0 < rows.count ? rows[$0] : nil } ?? 0
            let label = "Møte \(row + 1)"
            switch (field, rule) {
            case ("school_year", _): errors.add("school_year", "Skoleåret må skrives som 2026/2027 og kan ikke ligge langt fram eller tilbake i tid.")
            case ("meetings", "unique"): errors.add("sending_unit_id_\(rows.last ?? 0)", "Hver barnehage eller skole kan bare ha ett møte i en overgang.")
            case (let f, "service") where f.hasSuffix("sending_unit_id"):
                errors.add("sending_unit_id_\(row)", "\(label): enheten passer ikke til overgangen. Velg en barnehage for barnehage – skole, ellers en skole.")
            case (let f, _) where f.hasSuffix("sending_unit_id"):
                errors.add("sending_unit_id_\(row)", "\(label): velg en annen enhet enn skolen som tar imot barna.")
            case ("receiving_unit_id", _): errors.add("receiving_unit_id", "Skolen kan ikke ta imot barn i denne overgangen.")
            case (let f, _) where f.hasSuffix("starts_at"):
                errors.add("day_\(row)", "\(label): møtet må ligge fram i tid og før skoleårets slutt (31. juli).")
            case (let f, _) where f.hasSuffix("location"): errors.add("location_\(row)", "\(label): stedet kan være på høyst 200 tegn.")
            default: errors.add("stage", "Overføringsmøtene kunne ikke planlegges slik. Se over feltene.")
            }
        }
        if errors.isEmpty { errors.add("stage", "Overføringsmøtene kunne ikke planlegges.") }
    }

    // MARK: One season

    struct SeasonPageData {
        var season: [String: Any]
        var units: [String: String]
        var participants: [String: [[String: Any]]]
        var teachers: [[String: String]]
    }

    func seasonPageData(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> SeasonPageData {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> SeasonPageData in
            let season = try await web.intake.object("/v1/transition-seasons/\(id)", as: session.personId)
            var units: [String: String] = [:]
            for service in ["kindergarten", "school"] {
                for unit in try await web.intake.items("/v1/units?service=\(service)&limit=200", as: session.personId) {
                    units[(unit["id"] as? String ?? "").lowercased()] = unit["name"] as? String ?? ""
                }
            }
            var participants: [String: [[String: Any]]] = [:]
            for meeting in season["meetings"] as? [[String: Any]] ?? [] {
                let meetingId = (meeting["meeting_id"] as? String ?? "").lowercased()
                participants[meetingId] = try await web.intake.items("/v1/meetings/\(meetingId)/participants", as: session.personId)
            }
            let receiving = (season["receiving_unit_id"] as? String ?? "").lowercased()
            let teachers = try await web.intake.items("/v1/people?unit_id=\(receiving)&limit=200", as: session.personId).compactMap { person -> [String: String]? in
                let teaches = (person["memberships"] as? [[String: Any]] ?? []).contains {
                    ($0["unit_id"] as? String)?.lowercased() == receiving && ($0["role"] as? String) == "teacher"
                }
                return teaches ? ["id": (person["id"] as? String ?? "").lowercased(), "name": person["name"] as? String ?? ""] : nil
            }
            return SeasonPageData(season: season, units: units, participants: participants, teachers: teachers)
        }
    }

    @Sendable func transitionSeasonPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let data = try await seasonPageData(id, session: session, context: context)
        let query = request.uri.queryParameters
        let notice = query["planlagt"] != nil ? "Overføringsmøtet er planlagt og innkalt." : query["lagret"] != nil ? "Lagret. De som skal delta, er invitert." : nil
        return transitionSeasonResponse(data, session: session, saved: notice, errors: FieldErrors(), form: nil)
    }

    func transitionSeasonResponse(_ data: SeasonPageData, session: WebSession, saved: String?, notice: String? = nil, errors: FieldErrors, form: FormFields?,
                                  status: HTTPResponse.Status = .ok) -> Response {
        let season = data.season
        let seasonId = (season["id"] as? String ?? "").lowercased()
        let teacherNames = Dictionary(data.teachers.map { ($0["id"] ?? "", $0["name"] ?? "") }, uniquingKeysWith: { first, _ in first })
        let meetings: [[String: Any]] = (season["meetings"] as? [[String: Any]] ?? []).map { meeting in
            let meetingId = (meeting["meeting_id"] as? String ?? "").lowercased()
            let people = data.participants[meetingId] ?? []
            let organiser = meeting["may_arrange"] as? Bool ?? false   // the intake's rule, not the page's
            let items: [[String: Any]] = (meeting["items"] as? [[String: Any]] ?? []).map { item in
                let itemId = (item["id"] as? String ?? "").lowercased()
                let full = (item["visibility"] as? String) == "full"
                let failed = self.failedItem(itemId, errors: errors, form: form) != nil
                let sfo = failed ? form?["attends_sfo"] == "ja" : item["attends_sfo"] as? Bool ?? false
                let special = failed ? form?["special_needs_support"] == "ja" : item["special_needs_support"] as? Bool ?? false
                let teacher = failed ? form?["receiving_teacher_id"] ?? "" : (item["receiving_teacher_id"] as? String ?? "").lowercased()
                var values: [String: Any] = [
                    "id": itemId, "full": full, "title": item["title"] ?? "", "child": (item["child"] as? [String: Any])?["name"] ?? "",
                    "sfo": sfo, "sfoText": (item["attends_sfo"] as? Bool) == true ? "Ja" : "Nei",
                    "specialKnown": item["special_needs_support"] != nil, "special": special,
                    "specialText": (item["special_needs_support"] as? Bool) == true ? "Ja" : "Nei",
                    "responsible": item["responsible_service"] != nil ? Self.responsibleText(item["responsible_service"]) : "",
                    "teacherName": teacherNames[(item["receiving_teacher_id"] as? String ?? "").lowercased()] ?? "",
                    "teachers": data.teachers.map { person -> [String: Any] in
                        ["id": person["id"] ?? "", "name": person["name"] ?? "", "selected": person["id"] == teacher]
                    },
                    "canArrange": organiser && full && ["planned", "agenda_published"].contains(meeting["status"] as? String ?? ""),
                    "seasonId": seasonId, "failed": failed,
                    "ansvarsgruppeMeeting": (item["ansvarsgruppe_meeting_id"] as? String ?? "").lowercased(),
                    "mayEstablish": organiser && full && (season["establishes_ansvarsgruppe"] as? Bool) == true && item["ansvarsgruppe_meeting_id"] == nil,
                    "agDay": failed ? form?["ag_day"] ?? "" : "", "agTime": failed ? form?["ag_time"] ?? "13:00" : "13:00",
                ]
                if failed { values.merge(errors.templateValues(["attends_sfo", "special_needs_support", "receiving_teacher_id", "ag_day"])) { $1 } }
                return values
            }
            return [
                "id": meetingId, "sending": data.units[(meeting["sending_unit_id"] as? String ?? "").lowercased()] ?? "",
                "when": Bokmal.dateTime(meeting["starts_at"]), "location": meeting["location"] ?? "", "status": Bokmal.meetingStatus(meeting["status"]),
                "responsible": Self.responsibleText(meeting["responsible_service"]),
                "people": people.map { person -> [String: Any] in
                    ["name": person["name"] ?? Self.participantKind(person["kind"]), "title": person["title"] ?? "", "unit": person["unit_name"] ?? ""]
                },
                "withoutConsent": meeting["children_without_consent"] ?? "", "hasWithoutConsent": meeting["children_without_consent"] != nil,
                "items": items, "hasItems": !items.isEmpty,
            ]
        }
        var values: [String: Any] = [
            "stage": Self.stageText(season["stage"]), "year": season["school_year"] ?? "", "meetings": meetings,
            "ansvarsgruppe": season["establishes_ansvarsgruppe"] as? Bool ?? false,
            "errors": errors.summary, "hasErrors": !errors.isEmpty,
        ]
        if let saved { values["saved"] = saved }
        if let notice { values["notice"] = notice }
        return web.pages.page("transition_season", values, session: session, status: status)
    }

    /// The item whose form failed (the errors are shown at its fields only).
    func failedItem(_ itemId: String, errors: FieldErrors, form: FormFields?) -> String? {
        guard !errors.isEmpty, form?["item_id"] == itemId else { return nil }
        return itemId
    }

    static func participantKind(_ code: Any?) -> String {
        (code as? String) == "guardian" ? "Foresatt" : (code as? String) == "young_person" ? "Ungdommen selv" : "Deltaker"
    }

    /// `POST /overganger/{id}/barn/{item}`: the child's arrangements.
    @Sendable func saveTransitionArrangements(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, id, itemId, form) = try await childForm(request, context: context)
        var body: [String: Any] = ["attends_sfo": form["attends_sfo"] == "ja", "special_needs_support": form["special_needs_support"] == "ja"]
        let teacher = form.text("receiving_teacher_id")
        if !teacher.isEmpty { body["receiving_teacher_id"] = teacher }
        var errors = FieldErrors()
        let answer = try await send("POST", "/v1/transition-items/\(itemId)/arrangements", json: body, session: session, context: context)
        if let answer, answer.status == 200 { return redirect(to: "/overganger/\(id)?lagret=1#barn-\(itemId)") }
        if let answer, answer.status == 404 { throw ErrorPage.notFound }
        if let answer {
            for (field, rule) in answer.violations {
                switch (field, rule) {
                case ("special_needs_support", _):
                    errors.add("special_needs_support", "Samtykket fra foresatte gir ikke lov til å dele opplysninger om spesialpedagogisk hjelp.")
                case ("attends_sfo", _): errors.add("attends_sfo", "Skolen har ingen SFO-leder registrert i Samtak, så ingen kan inviteres.")
                case ("receiving_teacher_id", _): errors.add("receiving_teacher_id", "Velg en kontaktlærer ved skolen som tar imot barnet.")
                default: errors.add("attends_sfo", "Opplysningene kunne ikke lagres.")
                }
            }
            if errors.isEmpty {
                errors.add("attends_sfo", answer.status == 403 ? "Det er den som har kalt inn møtet, som planlegger barnets del." : "Møtet er holdt; det kan ikke endres lenger.")
            }
        }
        let data = try await seasonPageData(id, session: session, context: context)
        return transitionSeasonResponse(data, session: session, saved: nil, notice: answer == nil ? Self.unavailableMessage(context) : nil, errors: errors,
                                        form: form, status: answer == nil ? .badGateway : .unprocessableContent)
    }

    /// `POST /overganger/{id}/barn/{item}/ansvarsgruppe`: a transition to upper secondary
    /// establishes the child's new ansvarsgruppe (its first meeting); then its meeting page.
    @Sendable func establishTransitionAnsvarsgruppe(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, id, itemId, form) = try await childForm(request, context: context)
        var errors = FieldErrors()
        let day = LocalDate(form.text("ag_day")), time = LocalTime(form.text("ag_time"))
        if day == nil || time == nil { errors.add("ag_day", "Skriv dato og klokkeslett for ansvarsgruppens første møte, for eksempel 2027-05-04 og 13:00.") }
        var answer: APIAnswer?
        if let day, time != nil {
            answer = try await send("POST", "/v1/transition-items/\(itemId)/ansvarsgruppe", json: ["starts_at": "\(day)T\(form.text("ag_time"))"],
                                    session: session, context: context)
            if let answer, answer.status == 200, let meeting = answer.object["ansvarsgruppe_meeting_id"] as? String {
                return redirect(to: "/moter/\(meeting.lowercased())")
            }
            if let answer, answer.status == 404 { throw ErrorPage.notFound }
            if let answer {
                switch answer.code {
                case "consent_required": errors.add("ag_day", "Samtykket fra foresatte omfatter ikke ansvarsgruppen. Hent inn et samtykke som gjør det.")
                case "already_established": errors.add("ag_day", "Ansvarsgruppen er allerede etablert.")
                case "no_arena": errors.add("ag_day", "Kommunen har ingen arena for ansvarsgrupper i Samtak.")
                default:
                    errors.add("ag_day", answer.violations.contains { $0.field == "starts_at" }
                        ? "Møtet må ligge fram i tid." : answer.status == 403 ? "Det er den som har kalt inn overføringsmøtet, som etablerer ansvarsgruppen."
                        : "Ansvarsgruppen kunne ikke etableres.")
                }
            }
        }
        let data = try await seasonPageData(id, session: session, context: context)
        let unavailable = errors.isEmpty && answer == nil
        if unavailable { errors.add("ag_day", "Samtak svarte ikke.") }
        return transitionSeasonResponse(data, session: session, saved: nil, notice: unavailable ? Self.unavailableMessage(context) : nil, errors: errors,
                                        form: form, status: unavailable ? .badGateway : .unprocessableContent)
    }

    /// A posted form about one child of a season: the session, the season and item ids, and the
    /// form (with the item's id, so a failed form shows its errors at that child only).
    func childForm(_ request: Request, context: BasicRequestContext) async throws -> (WebSession, String, String, FormFields) {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let itemId = try pathId(context, "item")
        var form = try await postedForm(request, session: session)
        form.pairs.append(("item_id", itemId))
        return (session, id, itemId, form)
    }
}
