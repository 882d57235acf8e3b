import Foundation
import HTTPTypes
import Hummingbird
import SamtakDomain

/// "Mine oppgaver" on the home page, and the arena page.
extension WebRoutes {
    /// The home page's lists: the follow-ups I am responsible for (overdue first), the cases I
    /// submitted and where each stands, the next meetings of the arenas my units run or take
    /// part in, the notices sent to me.
    /// One call: the intake gathers the lists (and logs only the case reads it returns) and
    /// says who the person is (`person`, as `GET /v1/me`).
    func homeTasks(_ session: WebSession, context: BasicRequestContext) async throws -> (me: IntakeClient.Me, values: [String: Any]) {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> (me: IntakeClient.Me, values: [String: Any]) in
            let tasks = try await web.intake.object("/v1/me/tasks", as: session.personId)
            guard let me = IntakeClient.me(json: tasks["person"]) else { throw .unavailable }
            let cases = (tasks["cases"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
                let scheduled = item["scheduled"] as? [String: Any]
                return ["id": (item["id"] as? String)?.lowercased() ?? "", "title": item["title"] ?? "",
                        "status": Bokmal.caseStatus(item["status"]),
                        "meetingId": (scheduled?["meeting_id"] as? String)?.lowercased() ?? "",
                        "meetingWhen": Bokmal.dateTime(scheduled?["starts_at"])]
            }
            let arenas = (tasks["arenas"] as? [[String: Any]] ?? []).map { arena -> [String: Any] in
                ["id": (arena["id"] as? String)?.lowercased() ?? "", "name": arena["name"] ?? ""]
            }
            let meetings = (tasks["meetings"] as? [[String: Any]] ?? []).map { meeting -> [String: Any] in
                ["id": (meeting["id"] as? String)?.lowercased() ?? "", "arenaName": meeting["arena_name"] ?? "",
                 "startsAt": meeting["starts_at"] as? String ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
                 "status": Bokmal.meetingStatus(meeting["status"])]
            }
            let followUps = (tasks["follow_ups"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
                ["what": (item["description"] as? String) ?? "Oppfølging av en sak du ikke lenger har tilgang til",
                 "due": Bokmal.day(item["due_date"]), "overdue": item["overdue"] as? Bool ?? false,
                 "meetingId": (item["meeting_id"] as? String)?.lowercased() ?? "", "arenaName": item["arena_name"] ?? "",
                 "meetingWhen": Bokmal.dateTime(item["meeting_starts_at"])]
            }
            let notices = (tasks["notices"] as? [[String: Any]] ?? []).prefix(10).map { item -> [String: Any] in
                ["text": Bokmal.notice(item["notice"]), "when": Bokmal.dateTime(item["created_at"]),
                 "href": Self.noticePage(item["path"] as? String ?? "")]
            }
            // Issue 16: the children I coordinate, each name as the intake decided to show it to me (in the same call).
            var coordinated: [[String: Any]] = []
            for item in (tasks["coordinated_children"] as? [[String: Any]] ?? []).prefix(20) {
                let childId = Self.lowerId(item["child_id"])
                guard UUID(uuidString: childId) != nil else { continue }
                coordinated.append(["id": childId, "name": item["name"] as? String ?? "Barnet", "kind": Self.coordinatorKindText(item["kind"])])
            }
            return (me, ["coordinated": coordinated, "hasCoordinated": !coordinated.isEmpty,
                    "caseItems": Self.homeCaseItemsHTML(cases), "hasCases": !cases.isEmpty,
                    "meetingItems": Self.homeMeetingItemsHTML(Array(meetings.prefix(6))), "hasMeetings": !meetings.isEmpty,
                    "arenaItems": Self.homeArenaItemsHTML(arenas), "hasArenas": !arenas.isEmpty,
                    "followUpItems": Self.homeFollowUpItemsHTML(followUps), "hasFollowUps": !followUps.isEmpty,
                    "notices": Array(notices), "hasNotices": !notices.isEmpty])
        }
    }

    // The home page's lists are written here, escaped with FastHTML, not by template sections:
    // sections over 20 cases and a dozen arenas were a third of samtak-web's CPU on the page
    // (each row's names looked up through the context stack). Each row as the template wrote it.

    /// "Saker jeg har meldt": each case and where it stands; the meeting it is placed on, if any.
    static func homeCaseItemsHTML(_ rows: [[String: Any]]) -> String {
        let html = FastHTML()
        return rows.reduce(into: "") { out, row in
            out += "    <li><a href=\"/saker/" + html.escapeText(row["id"] as? String ?? "") + "\">" + html.escapeText(row["title"] as? String ?? "")
                + "</a>: " + html.escapeText(row["status"] as? String ?? "")
            if let meetingId = row["meetingId"] as? String, !meetingId.isEmpty {
                out += " (<a href=\"/moter/" + html.escapeText(meetingId) + "\">møtet " + html.escapeText(row["meetingWhen"] as? String ?? "") + "</a>)"
            }
            out += "</li>\n"
        }
    }

    /// "Mine neste møter".
    static func homeMeetingItemsHTML(_ rows: [[String: Any]]) -> String {
        let html = FastHTML()
        return rows.reduce(into: "") { out, row in
            out += "    <li><a href=\"/moter/" + html.escapeText(row["id"] as? String ?? "") + "\">" + html.escapeText(row["arenaName"] as? String ?? "")
                + ", " + html.escapeText(row["when"] as? String ?? "") + "</a> <span class=\"merkelapp\">" + html.escapeText(row["status"] as? String ?? "")
                + "</span></li>\n"
        }
    }

    /// "Samarbeidsarenaer".
    static func homeArenaItemsHTML(_ rows: [[String: Any]]) -> String {
        let html = FastHTML()
        return rows.reduce(into: "") { out, row in
            out += "<li><a href=\"/arenaer/" + html.escapeText(row["id"] as? String ?? "") + "\">" + html.escapeText(row["name"] as? String ?? "") + "</a></li>"
        }
    }

    /// "Oppfølging jeg er ansvarlig for": overdue ones say so; the due date where there is one.
    static func homeFollowUpItemsHTML(_ rows: [[String: Any]]) -> String {
        let html = FastHTML()
        return rows.reduce(into: "") { out, row in
            out += "    <li>"
            if row["overdue"] as? Bool == true { out += "<strong class=\"forfalt\">Fristen er passert:</strong> " }
            out += html.escapeText(row["what"] as? String ?? "")
            if let due = row["due"] as? String, !due.isEmpty { out += ", frist " + html.escapeText(due) }
            out += " (<a href=\"/moter/" + html.escapeText(row["meetingId"] as? String ?? "") + "/referat\">" + html.escapeText(row["arenaName"] as? String ?? "")
                + ", " + html.escapeText(row["meetingWhen"] as? String ?? "") + "</a>)</li>\n"
        }
    }

    /// The page a notice's link opens, for the notices that have one.
    static func noticePage(_ path: String) -> String {
        if path == "/v1/referral-follow-ups" { return "/oppfolging" }
        if path.hasPrefix("/v1/coordinator-handovers/"),
           let id = UUID(uuidString: String(path.dropFirst("/v1/coordinator-handovers/".count))) {
            return "/koordinator/overtakelser/\(id.uuidString.lowercased())"
        }
        if path.hasPrefix("/v1/referrals/"), let id = UUID(uuidString: String(path.dropFirst("/v1/referrals/".count))) {
            return "/henvisninger/\(id.uuidString.lowercased())"
        }
        // A notice that links to a page of its own (a talk, a team against bullying): that page,
        // when it is one of ours in the form the notifier writes it.
        for prefix in ["/samtaler/", "/mobbing/"] where path.hasPrefix(prefix) {
            if let id = UUID(uuidString: String(path.dropFirst(prefix.count))) { return prefix + id.uuidString.lowercased() }
        }
        return ""
    }

    /// Today in Oslo, "YYYY-MM-DD".
    static func today() -> String {
        let p = Bokmal.parts(Date())
        return String(format: "%04d-%02d-%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0)
    }

    @Sendable func arenaPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        return try await arenaResponse(id, form: nil, errors: FieldErrors(), session: session, context: context)
    }

    func arenaResponse(_ id: String, form: FormFields?, errors: FieldErrors, session: WebSession, context: BasicRequestContext,
                       status: HTTPResponse.Status = .ok) async throws -> Response {
        let (arena, meetings, units) = try await load(session, context: context) {
            () async throws(IntakeClient.Failure) -> ([String: Any], [[String: Any]], [String: String]) in
            let arena = try await web.intake.object("/v1/arenas/\(id)", as: session.personId)
            let meetings = try await web.intake.items("/v1/meetings?arena_id=\(id)&from=\(Self.today())&limit=8", as: session.personId)
            var names: [String: String] = [:]
            for unit in try await web.intake.items("/v1/units?limit=200", as: session.personId) {
                if let unitId = (unit["id"] as? String)?.lowercased() { names[unitId] = unit["name"] as? String ?? "" }
            }
            return (arena, meetings, names)
        }
        let participants: [[String: Any]] = (arena["participants"] as? [[String: Any]] ?? []).map { participant in
            let role = (participant["role"] as? String).map(Self.roleLabel) ?? ""
            let service = participant["service"] as? String ?? ""
            let unit = units[(participant["unit_id"] as? String)?.lowercased() ?? ""] ?? ""
            let what = [role.isEmpty ? service : role, unit].filter { !$0.isEmpty }.joined(separator: ", ")
            return ["what": what.isEmpty ? "Navngitt deltaker" : what,
                    "presence": ["always": "fast", "on_request": "ved behov", "by_case": "når saken gjelder dem",
                                 "with_consent": "bare med samtykke"][participant["presence"] as? String ?? ""]
                        ?? (participant["presence"] as? String ?? "")]
        }
        let rows: [[String: Any]] = meetings.map { meeting in
            let count = meeting["item_count"] as? Int ?? (meeting["agenda"] as? [Any])?.count ?? 0
            return ["id": (meeting["id"] as? String)?.lowercased() ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
                    "status": Bokmal.meetingStatus(meeting["status"]), "count": count, "capacity": meeting["capacity"] ?? "",
                    "deadline": Bokmal.dateTime(meeting["submission_deadline"])]
        }
        // "Etter behov": no series, not around one child, not a transition: its organiser calls a meeting here.
        let kind = arena["kind"] as? String ?? ""
        let asNeeded = arena["rrule"] == nil || arena["rrule"] is NSNull
        var values: [String: Any] = [
            "id": id, "name": arena["name"] ?? "", "targetGroup": arena["target_group"] ?? "", "purpose": arena["purpose"] ?? "",
            "frequency": arena["frequency_text"] ?? "", "location": arena["location"] ?? "",
            "owner": units[(arena["owner_unit_id"] as? String)?.lowercased() ?? ""] ?? "",
            "participants": participants, "meetings": rows, "hasMeetings": !rows.isEmpty,
            "canCall": asNeeded && !["samarbeidsmote", "ansvarsgruppe", "transition"].contains(kind) && (arena["active"] as? Bool ?? true),
            "dato": form?["dato"] ?? "", "tid": form?["tid"] ?? "", "varighet": form?["varighet"] ?? "", "sted": form?["sted"] ?? "",
        ]
        values.merge(errors.templateValues(["dato", "varighet", "sted"])) { $1 }
        return web.pages.page("arena", values, session: session, status: status)
    }

    /// "Kall inn til møte" on an arena without a rhythm.
    @Sendable func callArenaMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        var errors = FieldErrors()
        let date = LocalDate(form.text("dato")), time = LocalTime(form.text("tid"))
        if date == nil || time == nil { errors.add("dato", "Skriv dato og klokkeslett for møtet, for eksempel 2027-02-03 og 14:00.") }
        let length = form.text("varighet")
        if !length.isEmpty && Int(length).map({ (5...1440).contains($0) }) != true { errors.add("varighet", "Skriv varigheten i minutter, fra 5 til 1440.") }
        if form.text("sted").count > 200 { errors.add("sted", "Stedet kan ha høyst 200 tegn.") }
        if errors.isEmpty, let date, let time {
            var body: [String: Any] = ["starts_at": LocalDateTime(date: date, time: time).description]
            if let minutes = Int(length) { body["duration_minutes"] = minutes }
            if !form.text("sted").isEmpty { body["location"] = form.text("sted") }
            guard let answer = try await send("POST", "/v1/arenas/\(id)/meetings", json: body, session: session, context: context) else {
                errors.add("dato", Self.unavailableMessage(context))
                return try await arenaResponse(id, form: form, errors: errors, session: session, context: context, status: .badGateway)
            }
            if answer.status == 201, let meeting = answer.object["id"] as? String { return redirect(to: "/moter/\(meeting.lowercased())") }
            switch (answer.status, answer.violations.first?.field) {
            case (403, _): errors.add("dato", "Bare arenaens ansvarlige (eieren eller lederen for enheten som eier den) kan kalle inn til møte.")
            case (409, _): errors.add("dato", "Denne arenaen har faste møter; de settes opp automatisk.")
            case (_, "starts_at"): errors.add("dato", "Møtet må være fram i tid.")
            case (_, "duration_minutes"): errors.add("varighet", "Skriv varigheten i minutter, fra 5 til 1440.")
            case (_, "location"): errors.add("sted", "Stedet kan ha høyst 200 tegn.")
            default: errors.add("dato", "Møtet kunne ikke kalles inn.")
            }
        }
        return try await arenaResponse(id, form: form, errors: errors, session: session, context: context, status: .unprocessableContent)
    }
}
