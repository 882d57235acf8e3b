import Foundation
import HTTPTypes
import Hummingbird
import SamtakDomain

/// Utviklingssamtaler and foreldresamtaler (issue 18): the teacher plans a round and sees the
/// bookings, assigns and writes the summary; a guardian books, moves or cancels her child's
/// talk, downloads it as iCalendar and reads the summary; the class report. Everything shown
/// comes from `/v1/talk-rounds`, `/v1/talk-slots` and `/v1/talk-reports` (the access rules are
/// the intake's).
extension WebRoutes {
    /// "tirsdag 15. desember 2026 kl. 12.00" from the API's Oslo wall time.
    static func talkTime(_ value: Any?) -> String {
        guard let text = value as? String, let local = LocalDateTime(text) else { return "" }
        let weekdays = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]
        let months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"]
        let d = local.date
        return "\(weekdays[d.weekday.rawValue - 1]) \(d.day). \(months[d.month - 1]) \(d.year) kl. "
            + String(format: "%02d.%02d", local.time.hour, local.time.minute)
    }

    static func clockOf(_ value: Any?) -> String {
        guard let text = value as? String, let local = LocalDateTime(text) else { return "" }
        return String(format: "%02d.%02d", local.time.hour, local.time.minute)
    }

    static func talkKindText(_ kind: Any?) -> String { (kind as? String) == "parent_talk" ? "Foreldresamtaler" : "Utviklingssamtaler" }

    // MARK: The list

    @Sendable func talkList(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let (rounds, me) = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> ([[String: Any]], [String: Any]) in
            (try await web.intake.items("/v1/talk-rounds", as: session.personId), try await web.intake.object("/v1/me", as: session.personId))
        }
        let planner = (me["memberships"] as? [[String: Any]] ?? []).contains { ["teacher", "unit_leader"].contains($0["role"] as? String ?? "") }
        let items: [[String: Any]] = rounds.map { round in
            ["id": (round["id"] as? String ?? "").lowercased(), "kind": Self.talkKindText(round["kind"]), "unit": round["unit_name"] ?? "",
             "grade": round["grade"] ?? "", "teacher": round["teacher_name"] ?? "",
             "days": [round["first_day"] as? String, round["last_day"] as? String].compactMap { $0 }.joined(separator: " – ")]
        }
        return web.pages.page("talk_list", ["rounds": items, "hasRounds": !items.isEmpty, "planner": planner], session: session)
    }

    // MARK: Planning

    func talkPlanUnits(_ session: WebSession, context: BasicRequestContext) async throws -> [[String: Any]] {
        let me = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/me", as: session.personId)
        }
        var seen = Set<String>()
        return (me["memberships"] as? [[String: Any]] ?? []).filter { ["teacher", "unit_leader"].contains($0["role"] as? String ?? "") }
            .compactMap { membership in
                guard let id = (membership["unit_id"] as? String)?.lowercased(), seen.insert(id).inserted else { return nil }
                return ["id": id, "name": membership["unit_name"] ?? ""]
            }
    }

    @Sendable func talkPlanForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let units = try await talkPlanUnits(session, context: context)
        return talkPlanPage(units: units, form: nil, errors: FieldErrors(), notice: nil, session: session)
    }

    func talkPlanPage(units: [[String: Any]], form: FormFields?, errors: FieldErrors, notice: String?, session: WebSession,
                      status: HTTPResponse.Status = .ok) -> Response {
        let chosen = form?["unit_id"] ?? ""
        var values: [String: Any] = [
            "units": units.map { ["id": $0["id"] ?? "", "name": $0["name"] ?? "", "selected": ($0["id"] as? String) == chosen] },
            "hasUnits": !units.isEmpty,
            "developmentTalk": form?["kind"] != "parent_talk", "parentTalk": form?["kind"] == "parent_talk",
            "grade": form?["grade"] ?? "", "first_day": form?["first_day"] ?? "", "last_day": form?["last_day"] ?? "",
            "from": form?["from"] ?? "12:00", "to": form?["to"] ?? "16:00", "slot_minutes": form?["slot_minutes"] ?? "20",
            "pause_minutes": form?["pause_minutes"] ?? "5", "break_from": form?["break_from"] ?? "", "break_to": form?["break_to"] ?? "",
        ]
        values.merge(errors.templateValues(["unit_id", "kind", "grade", "first_day", "last_day", "from", "slot_minutes", "pause_minutes", "break_from"])) { $1 }
        if let notice { values["notice"] = notice }
        return web.pages.page("talk_new", values, session: session, status: status)
    }

    @Sendable func submitTalkPlan(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let form = try await postedForm(request, session: session)
        let units = try await talkPlanUnits(session, context: context)
        var errors = FieldErrors()
        let unit = form.text("unit_id")
        if !units.contains(where: { ($0["id"] as? String) == unit }) { errors.add("unit_id", "Velg skolen eller barnehagen.") }
        let grade = Int(form.text("grade"))
        if grade.map({ (0...13).contains($0) }) != true { errors.add("grade", "Skriv trinnet som et tall fra 0 (barnehage) til 13.") }
        let first = LocalDate(form.text("first_day")), last = LocalDate(form.text("last_day"))
        if first == nil { errors.add("first_day", "Skriv første dag som en dato, for eksempel 2027-01-12.") }
        if last == nil { errors.add("last_day", "Skriv siste dag som en dato, for eksempel 2027-01-14.") }
        var days: [String] = []
        if let first, let last {
            if last < first { errors.add("last_day", "Siste dag kan ikke være før første dag.") }
            else if first.adding(days: 27) < last { errors.add("last_day", "En samtalerunde kan vare i høyst fire uker.") }
            else {
                var day = first
                while day <= last {
                    if day.weekday != .saturday && day.weekday != .sunday { days.append(day.description) }
                    day = day.adding(days: 1)
                }
                if days.isEmpty { errors.add("first_day", "Perioden har ingen hverdager.") }
            }
        }
        let from = LocalTime(form.text("from")), to = LocalTime(form.text("to"))
        if from == nil || to == nil { errors.add("from", "Skriv klokkeslett som tt:mm, for eksempel 12:00 og 16:00.") }
        let slot = Int(form.text("slot_minutes")), pause = Int(form.text("pause_minutes").isEmpty ? "0" : form.text("pause_minutes"))
        if slot == nil { errors.add("slot_minutes", "Skriv hvor mange minutter en samtale varer, for eksempel 20.") }
        if pause == nil { errors.add("pause_minutes", "Skriv pausen i hele minutter, eller 0.") }
        let breakFrom = form.text("break_from"), breakTo = form.text("break_to")
        var breaks: [[String: String]] = []
        if !breakFrom.isEmpty || !breakTo.isEmpty {
            if LocalTime(breakFrom) == nil || LocalTime(breakTo) == nil { errors.add("break_from", "Skriv pausen som to klokkeslett (tt:mm), eller la begge stå tomme.") }
            else { breaks = [["from": breakFrom, "to": breakTo]] }
        }
        guard errors.isEmpty, let grade, let slot, let pause else {
            return talkPlanPage(units: units, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
        }
        let body: [String: Any] = [
            "kind": form["kind"] == "parent_talk" ? "parent_talk" : "development_talk", "unit_id": unit, "grade": grade, "days": days,
            "windows": [["from": form.text("from"), "to": form.text("to")]], "slot_minutes": slot, "pause_minutes": pause, "breaks": breaks,
        ]
        guard let answer = try await send("POST", "/v1/talk-rounds", json: body, session: session, context: context) else {
            return talkPlanPage(units: units, form: form, errors: errors, notice: Self.unavailableMessage(context), session: session, status: .badGateway)
        }
        if answer.status == 201, let id = answer.object["id"] as? String {
            return redirect(to: "/samtaler/\(id.lowercased())?planlagt=1")
        }
        let fields = ["days": "first_day", "windows": "from", "windows[0]": "from", "slot_minutes": "slot_minutes", "pause_minutes": "pause_minutes",
                      "breaks[0]": "break_from", "grade": "grade", "unit_id": "unit_id", "kind": "kind"]
        for item in answer.object["errors"] as? [[String: Any]] ?? [] {
            let field = fields[item["field"] as? String ?? ""] ?? "first_day"
            let rule = item["rule"] as? String ?? ""
            let message = item["message"] as? String ?? ""
            switch (field, rule) {
            // The domain's rules already answer in bokmål.
            case (_, "too_few_slots"), ("slot_minutes", "range"), ("pause_minutes", "range"), ("from", "order"), ("break_from", "order"), (_, "count"):
                errors.add(field, message)
            case ("grade", "no_pupils"): errors.add("grade", "Det er ingen elever eller barn på dette trinnet.")
            case ("kind", _): errors.add("kind", "Utviklingssamtaler holdes på skolen, foreldresamtaler i barnehagen. Velg den som passer enheten.")
            case (_, "past"): errors.add("first_day", "Samtalene må være etter i dag.")
            default: errors.add(field, "Dette feltet er ikke gyldig.")
            }
        }
        if errors.isEmpty { errors.add("unit_id", answer.status == 403 ? "Du kan ikke planlegge samtaler for denne enheten." : "Samtalene kunne ikke planlegges.") }
        return talkPlanPage(units: units, form: form, errors: errors, notice: nil, session: session, status: .unprocessableContent)
    }

    // MARK: A round

    func loadRound(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> [String: Any] {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/talk-rounds/\(id)", as: session.personId)
        }
    }

    @Sendable func talkRoundPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let round = try await loadRound(id, session: session, context: context)
        let query = request.uri.queryParameters
        let message: String? = query["planlagt"] != nil ? "Samtalene er planlagt. Foresatte kan nå velge tid."
            : query["bestilt"] != nil ? "Samtaletiden er bestilt." : query["avlyst"] != nil ? "Samtalen er avlyst, og tiden er ledig igjen."
            : query["referat"] != nil ? "Referatet er lagret." : nil
        return talkRoundResponse(round, form: nil, errors: FieldErrors(), message: message, session: session)
    }

    func talkRoundResponse(_ round: [String: Any], form: FormFields?, errors: FieldErrors, message: String?, session: WebSession,
                           status: HTTPResponse.Status = .ok) -> Response {
        let id = (round["id"] as? String ?? "").lowercased()
        let manager = (round["viewer_role"] as? String) == "manager"
        let slots = round["slots"] as? [[String: Any]] ?? []
        let pupils = round["pupils"] as? [[String: Any]] ?? []
        let now = OsloTime.localDateTime(at: Date())
        let chosenSlot = form?["slot_id"] ?? "", chosenChild = form?["child_id"] ?? (pupils.count == 1 ? (pupils[0]["child_id"] as? String ?? "") : "")
        let slotRows: [[String: Any]] = slots.map { slot in
            let booking = slot["booking"] as? [String: Any]
            let summary = booking?["summary"] as? [String: Any]
            let slotId = (slot["id"] as? String ?? "").lowercased()
            let started = (slot["starts_at"] as? String).flatMap(LocalDateTime.init).map { $0 <= now } ?? false
            var row: [String: Any] = [
                "id": slotId, "when": Self.talkTime(slot["starts_at"]), "end": Self.clockOf(slot["ends_at"]), "free": slot["free"] as? Bool ?? false,
                "selected": slotId == chosenSlot.lowercased(), "future": !started, "roundId": id,
            ]
            if let booking {
                row["booking"] = [
                    "childName": booking["child_name"] ?? "", "pupilAttends": booking["pupil_attends"] as? Bool ?? true,
                    "interpreter": booking["interpreter_language"] ?? "", "hasInterpreter": booking["interpreter_language"] != nil,
                    "hasSummary": summary != nil, "canSummarize": manager && started, "canCancel": summary == nil && (manager || !started),
                ] as [String: Any]
            }
            if let summary {
                row["summary"] = ["school": summary["agreed_school"] ?? "", "home": summary["agreed_home"] ?? "", "pupil": summary["agreed_pupil"] ?? ""]
            }
            return row
        }
        let freeSlots = slotRows.filter { ($0["free"] as? Bool ?? false) && ($0["future"] as? Bool ?? false) }
        let mine = slotRows.filter { $0["booking"] != nil }
        var values: [String: Any] = [
            "id": id, "kind": Self.talkKindText(round["kind"]), "unit": round["unit_name"] ?? "", "unitId": (round["unit_id"] as? String ?? "").lowercased(),
            "grade": round["grade"] ?? "", "teacher": round["teacher_name"] ?? "", "schoolYear": round["school_year"] ?? "",
            "manager": manager, "guardian": !manager, "slots": slotRows, "freeSlots": freeSlots, "hasFreeSlots": !freeSlots.isEmpty,
            "bookings": mine, "hasBookings": !mine.isEmpty,
            "pupils": pupils.map { pupil -> [String: Any] in
                let childId = (pupil["child_id"] as? String ?? "").lowercased()
                return ["id": childId, "name": pupil["name"] ?? "", "booked": pupil["slot_id"] != nil, "selected": childId == chosenChild.lowercased()]
            },
            "manyPupils": pupils.count > 1, "onlyPupil": pupils.count == 1 ? (pupils[0]["child_id"] as? String ?? "").lowercased() : "",
            "onlyPupilName": pupils.count == 1 ? (pupils[0]["name"] ?? "") : "",
            "bookedCount": slots.filter { !($0["free"] as? Bool ?? true) }.count, "pupilCount": pupils.count,
            "missingPupils": pupils.filter { $0["slot_id"] == nil }.map { ["name": $0["name"] ?? ""] },
            "interpreter_language": form?["interpreter_language"] ?? "", "pupilAttends": form.map { $0["pupil_attends"] == "ja" } ?? true,
        ]
        values.merge(errors.templateValues(["slot_id", "child_id", "interpreter_language"])) { $1 }
        if let message { values["message"] = message }
        return web.pages.page("talk_round", values, session: session, status: status)
    }

    @Sendable func bookTalk(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        if form.text("slot_id").isEmpty { errors.add("slot_id", "Velg en ledig samtaletid.") }
        if form.text("child_id").isEmpty { errors.add("child_id", "Velg hvilket barn samtalen gjelder.") }
        let language = form.text("interpreter_language")
        if language.count > 60 { errors.add("interpreter_language", "Skriv språket med høyst 60 tegn.") }
        if errors.isEmpty {
            var body: [String: Any] = ["slot_id": form.text("slot_id"), "child_id": form.text("child_id"), "pupil_attends": form["pupil_attends"] == "ja"]
            if !language.isEmpty { body["interpreter_language"] = language }
            guard let answer = try await send("POST", "/v1/talk-rounds/\(id)/bookings", json: body, session: session, context: context) else {
                let round = try await loadRound(id, session: session, context: context)
                return talkRoundResponse(round, form: form, errors: errors, message: Self.unavailableMessage(context), session: session, status: .badGateway)
            }
            if answer.status == 200 || answer.status == 201 { return redirect(to: "/samtaler/\(id)?bestilt=1") }
            for item in answer.object["errors"] as? [[String: Any]] ?? [] {
                let rule = item["rule"] as? String ?? ""
                switch rule {
                case "taken": errors.add("slot_id", "Denne samtaletiden ble nettopp tatt av en annen. Velg en annen tid.")
                case "past": errors.add("slot_id", "Denne samtaletiden har allerede vært. Velg en senere tid.")
                case "already_yours": errors.add("slot_id", "Barnet har allerede denne samtaletiden.")
                case "held": errors.add("slot_id", "Samtalen er allerede holdt og kan ikke flyttes.")
                case "not_pupil": errors.add("child_id", "Barnet er ikke i denne klassen.")
                default: errors.add(item["field"] as? String == "interpreter_language" ? "interpreter_language" : "slot_id", "Samtaletiden kunne ikke bestilles.")
                }
            }
            if errors.isEmpty {
                errors.add(answer.status == 403 ? "child_id" : "slot_id",
                           answer.status == 403 ? "Du kan bare bestille samtale for barn du har foreldreansvar for." : "Samtaletiden kunne ikke bestilles.")
            }
        }
        let round = try await loadRound(id, session: session, context: context)
        return talkRoundResponse(round, form: form, errors: errors, message: nil, session: session, status: errors["slot_id"] != nil ? .conflict : .unprocessableContent)
    }

    @Sendable func cancelTalk(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), slot = try pathId(context, "slot")
        _ = try await postedForm(request, session: session)
        let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
            try await web.intake.call("POST", "/v1/talk-slots/\(slot)/cancel", as: session.personId)
        }
        switch answer.status {
        case 200: return redirect(to: "/samtaler/\(id)?avlyst=1")
        case 404: throw ErrorPage.notFound
        default:
            let round = try await loadRound(id, session: session, context: context)
            return talkRoundResponse(round, form: nil, errors: FieldErrors(), message: "Samtalen kan ikke avlyses: den har begynt eller har et referat.",
                                     session: session, status: .conflict)
        }
    }

    // MARK: The summary

    @Sendable func talkSummaryForm(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), slot = try pathId(context, "slot")
        let round = try await loadRound(id, session: session, context: context)
        return try talkSummaryPage(round, slot: slot, form: nil, errors: FieldErrors(), session: session)
    }

    func talkSummaryPage(_ round: [String: Any], slot slotId: String, form: FormFields?, errors: FieldErrors, session: WebSession,
                         status: HTTPResponse.Status = .ok) throws -> Response {
        guard (round["viewer_role"] as? String) == "manager",
              let slot = (round["slots"] as? [[String: Any]] ?? []).first(where: { ($0["id"] as? String)?.lowercased() == slotId }),
              let booking = slot["booking"] as? [String: Any] else { throw ErrorPage.notFound }
        let summary = booking["summary"] as? [String: Any]
        var values: [String: Any] = [
            "id": (round["id"] as? String ?? "").lowercased(), "slot": slotId, "childName": booking["child_name"] ?? "",
            "when": Self.talkTime(slot["starts_at"]), "kind": Self.talkKindText(round["kind"]),
            "agreed_school": form?["agreed_school"] ?? summary?["agreed_school"] ?? "",
            "agreed_home": form?["agreed_home"] ?? summary?["agreed_home"] ?? "",
            "agreed_pupil": form?["agreed_pupil"] ?? summary?["agreed_pupil"] ?? "",
        ]
        values.merge(errors.templateValues(["agreed_school", "agreed_home", "agreed_pupil"])) { $1 }
        return web.pages.page("talk_summary", values, session: session, status: status)
    }

    @Sendable func saveTalkSummary(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), slot = try pathId(context, "slot")
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let labels = ["agreed_school": "Skriv hva skolen skal gjøre.", "agreed_home": "Skriv hva hjemmet skal gjøre.",
                      "agreed_pupil": "Skriv hva eleven skal gjøre."]
        for field in ["agreed_school", "agreed_home", "agreed_pupil"] {
            if form.text(field).isEmpty { errors.add(field, labels[field]!) }
            if form.text(field).count > 2000 { errors.add(field, "Teksten kan ha høyst 2000 tegn.") }
        }
        if errors.isEmpty {
            let body = ["agreed_school": form.text("agreed_school"), "agreed_home": form.text("agreed_home"), "agreed_pupil": form.text("agreed_pupil")]
            guard let answer = try await send("PUT", "/v1/talk-slots/\(slot)/summary", json: body, session: session, context: context) else {
                let round = try await loadRound(id, session: session, context: context)
                return try talkSummaryPage(round, slot: slot, form: form, errors: errors, session: session, status: .badGateway)
            }
            if answer.status == 200 { return redirect(to: "/samtaler/\(id)?referat=1") }
            if answer.status == 403 || answer.status == 404 { throw ErrorPage.notFound }
            for item in answer.object["errors"] as? [[String: Any]] ?? [] {
                switch item["rule"] as? String ?? "" {
                case "not_yet": errors.add("agreed_school", "Referatet kan skrives når samtalen har begynt.")
                default:
                    let field = item["field"] as? String ?? "agreed_school"
                    errors.add(labels[field] == nil ? "agreed_school" : field, "Teksten er ikke gyldig.")
                }
            }
            if errors.isEmpty { errors.add("agreed_school", "Referatet kunne ikke lagres.") }
        }
        let round = try await loadRound(id, session: session, context: context)
        return try talkSummaryPage(round, slot: slot, form: form, errors: errors, session: session, status: .unprocessableContent)
    }

    // MARK: iCalendar and the report

    @Sendable func talkCalendar(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context), slotId = try pathId(context, "slot")
        let round = try await loadRound(id, session: session, context: context)
        guard let slot = (round["slots"] as? [[String: Any]] ?? []).first(where: { ($0["id"] as? String)?.lowercased() == slotId }),
              slot["booking"] != nil,
              let start = (slot["starts_at"] as? String).flatMap(LocalDateTime.init), let end = (slot["ends_at"] as? String).flatMap(LocalDateTime.init)
        else { throw ErrorPage.notFound }
        // No child's name in the file: it may end up in shared calendars.
        return Self.calendarFile(uid: "talk-\(slotId)", start: OsloTime.instant(for: start), end: OsloTime.instant(for: end), sequence: 0,
                                 summary: "\(Self.talkKindText(round["kind"]).dropLast()) (\(round["unit_name"] as? String ?? ""))",
                                 location: round["unit_name"] as? String ?? "", cancelled: false,
                                 url: "\(configuration.origin)/samtaler/\(id)", filename: "samtale.ics")
    }

    @Sendable func talkReport(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let query = request.uri.queryParameters
        guard let unit = query["enhet"].flatMap({ UUID(uuidString: String($0)) }), let grade = query["trinn"].flatMap({ Int(String($0)) }) else {
            throw ErrorPage.notFound
        }
        let year = query["skolear"].map(String.init) ?? TalkCoverage.schoolYear(of: OsloTime.localDate(at: Date()))
        let report = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/talk-reports?unit_id=\(unit.uuidString.lowercased())&grade=\(grade)&school_year=\(year.formEncoded)",
                                        as: session.personId)
        }
        let rows = { (key: String) -> [[String: Any]] in
            (report[key] as? [[String: Any]] ?? []).map { ["name": $0["name"] ?? "", "held": $0["held"] ?? 0] }
        }
        return web.pages.page("talk_report", [
            "grade": grade, "schoolYear": report["school_year"] ?? year, "complete": rows("complete"), "missing": rows("missing"),
            "hasMissing": !rows("missing").isEmpty, "hasComplete": !rows("complete").isEmpty, "talksPerYear": report["talks_per_year"] ?? 2,
        ], session: session)
    }
}
