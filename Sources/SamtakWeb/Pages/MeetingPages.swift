import Foundation
import Hummingbird
import SamtakDomain

/// The meeting page, its calendar file, the organiser's actions, the minutes and their
/// deliveries.
extension WebRoutes {
    struct MeetingView {
        var meeting: [String: Any]
        /// The delivery list: only the organiser may read it (so its presence says who organises).
        var deliveries: [String: Any]?
        /// The participants (`include=participants`).
        var participants: [[String: Any]] = []
        /// For the organiser: the staff who can be invited (`GET /v1/people`).
        var candidates: [[String: Any]] = []
    }

    /// The meeting page's calls; `candidates` (the register's staff, for the invitation form
    /// on its own page) only when asked for: a list of people is not read on every view.
    func meetingView(_ id: String, session: WebSession, context: BasicRequestContext, candidates: Bool = false) async throws -> MeetingView {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> MeetingView in
            // One call: the deliveries come only for the organiser, so their presence says who organises.
            let meeting = try await web.intake.object("/v1/meetings/\(id)?include=participants,deliveries", as: session.personId)
            var view = MeetingView(meeting: meeting, deliveries: meeting["deliveries"] as? [String: Any],
                                   participants: meeting["participants"] as? [[String: Any]] ?? [])
            if candidates && view.deliveries != nil {
                view.candidates = try await web.intake.object("/v1/people?limit=200", as: session.personId)["items"] as? [[String: Any]] ?? []
            }
            return view
        }
    }

    /// The participants as the page lists them: name (title, unit) or "Foresatt"/"Ungdom",
    /// and for someone invited to some items, which ones ("sak 2").
    static func participantRows(_ view: MeetingView, meetingId: String) -> [[String: Any]] {
        let positions = Dictionary((view.meeting["agenda"] as? [[String: Any]] ?? []).compactMap { item -> (String, Int)? in
            guard let id = (item["id"] as? String)?.lowercased(), let position = item["position"] as? Int else { return nil }
            return (id, position)
        }, uniquingKeysWith: { first, _ in first })
        return view.participants.map { item in
            let kind = item["kind"] as? String ?? ""
            let name = item["name"] as? String ?? ["guardian": "Foresatt", "young_person": "Ungdom"][kind] ?? "Deltaker"
            let detail = [item["title"] as? String, item["unit_name"] as? String].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ", ")
            var scope = ""
            switch item["source"] as? String {
            case "items":
                let numbers = (item["agenda_item_ids"] as? [String] ?? []).compactMap { positions[$0.lowercased()] }.sorted().map(String.init)
                scope = numbers.isEmpty ? "deler av møtet" : "bare sak " + numbers.joined(separator: ", ")
            case "invited": scope = "invitert til hele møtet"
            case "owner": scope = "ansvarlig for arenaen"
            case "called": scope = "kalte inn"
            default: break
            }
            var row: [String: Any] = ["name": name, "removable": item["removable"] as? Bool ?? false,
                                      "personId": (item["person_id"] as? String)?.lowercased() ?? "", "meetingId": meetingId]
            // Absent rather than empty: an empty string is a true section in the templates.
            if !detail.isEmpty { row["detail"] = detail }
            if !scope.isEmpty { row["scope"] = scope }
            return row
        }
    }

    static func agendaRows(_ meeting: [String: Any]) -> [[String: Any]] {
        (meeting["agenda"] as? [[String: Any]] ?? []).map { item in
            let visibility = item["visibility"] as? String ?? ""
            return [
                "position": item["position"] ?? "", "title": item["title"] ?? "", "time": Bokmal.clock(item["starts_at"]),
                "minutes": item["minutes"] ?? "", "note": Bokmal.visibility(visibility),
                "caseId": visibility == "full" ? ((item["case_id"] as? String)?.lowercased() ?? "") : "",
                "itemId": (item["id"] as? String)?.lowercased() ?? "",
                "overCapacity": item["over_capacity"] as? Bool ?? false,
                "caseStatus": item["case_status"].map { Bokmal.caseStatus($0) } ?? "",
            ]
        }
    }

    /// The agenda's `<li>` rows, escaped as the templates escape (``FastHTML``). Written here
    /// rather than as a `{{#agenda}}` section of `meeting.mustache`: with 30 items the section's
    /// name look-ups (each casts its context to several protocols in swift-mustache) were a
    /// quarter of samtak-web's CPU on the meeting page, whose p95 at 32 connections is bench
    /// row 7's target. The rest of the page stays in the template.
    static func agendaItemsHTML(_ rows: [[String: Any]]) -> String {
        let html = FastHTML()
        var out = ""
        out.reserveCapacity(rows.count * 160)
        for row in rows {
            let title = html.escapeText(row["title"] as? String ?? "")
            let caseId = row["caseId"] as? String ?? ""
            out += "<li><span class=\"tid\">" + html.escapeText(row["time"] as? String ?? "") + "</span> "
            out += caseId.isEmpty ? title : "<a href=\"/saker/" + html.escapeText(caseId) + "\">" + title + "</a>"
            out += "\n    "
            if let note = row["note"] as? String, !note.isEmpty { out += "<span class=\"hint\">" + html.escapeText(note) + "</span>" }
            if row["overCapacity"] as? Bool == true { out += " <span class=\"merkelapp\">over kapasitet</span>" }
            out += "</li>\n"
        }
        return out
    }

    static func deliveryRows(_ deliveries: [String: Any]?) -> [[String: Any]] {
        (deliveries?["items"] as? [[String: Any]] ?? []).map { item in
            let kind = item["recipient_kind"] as? String ?? ""
            let who = (item["recipient_name"] as? String)
                ?? ["guardian": "Foresatt", "young_person": "Ungdom"][kind] ?? "Mottaker"
            return [
                "document": Bokmal.documentKind(item["document_kind"]), "recipient": who,
                "state": Bokmal.deliveryState(item["state"]), "failed": (item["state"] as? String) == "failed",
                "reason": Bokmal.failureReason(item["failure_reason"]),
            ]
        }
    }

    @Sendable func meetingPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let view = try await meetingView(id, session: session, context: context)
        return meetingResponse(view, session: session, message: request.uri.queryParameters["melding"].flatMap { Self.messages[String($0)] })
    }

    static let messages = [
        "publisert": "Sakslisten sendes ut nå. Deltakerne får den på e-post om kort tid.",
        "avlyst": "Møtet er avlyst. Sakene flyttes til neste møte, og deltakerne får beskjed.",
        "ikke-publisert": "Sakslisten kunne ikke sendes nå: møtet er avlyst, holdt eller sakslisten er allerede sendt.",
        "ikke-avlyst": "Møtet kan ikke avlyses nå: det er allerede holdt eller avlyst.",
        "flyttet": "Møtet er flyttet. Har sakslisten gått ut, får deltakerne en oppdatert kalenderinvitasjon.",
        "invitert": "Invitasjonen er registrert. Er sakslisten sendt, får den inviterte den på e-post om kort tid.",
        "trukket": "Invitasjonen er trukket tilbake.",
        "ikke-trukket": "Invitasjonen kunne ikke trekkes tilbake: møtet er holdt eller avlyst, eller invitasjonen finnes ikke lenger.",
    ]

    func meetingResponse(_ view: MeetingView, session: WebSession, message: String?, invite: FormFields? = nil,
                         errors: FieldErrors = FieldErrors(), status httpStatus: HTTPResponse.Status = .ok,
                         template: String = "meeting") -> Response {
        let meeting = view.meeting
        let status = meeting["status"] as? String ?? ""
        let organiser = view.deliveries != nil
        let agenda = Self.agendaRows(meeting)
        let deliveries = Self.deliveryRows(view.deliveries)
        var values: [String: Any] = [
            "id": (meeting["id"] as? String)?.lowercased() ?? "", "arenaId": (meeting["arena_id"] as? String)?.lowercased() ?? "",
            "arenaName": meeting["arena_name"] ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
            "ends": Bokmal.clock(meeting["ends_at"]), "location": meeting["location"] ?? "",
            "statusText": Bokmal.meetingStatus(status), "agendaItems": Self.agendaItemsHTML(agenda), "hasAgenda": !agenda.isEmpty,
            "organiser": organiser, "cancelled": status == "cancelled",
            "canPublish": organiser && status == "planned", "canCancel": organiser && (status == "planned" || status == "agenda_published"),
            "minutesStatus": Bokmal.minutesStatus(meeting["minutes_status"] ?? "none"),
            "deliveries": deliveries, "hasDeliveries": !deliveries.isEmpty,
            "capacity": meeting["capacity"] ?? "", "deadline": Bokmal.dateTime(meeting["submission_deadline"]),
            "intake": (meeting["arena_kind"] as? String) == "bup_intake",
        ]
        let id = values["id"] as? String ?? ""
        let participants = Self.participantRows(view, meetingId: id)
        values["participants"] = participants
        values["hasParticipants"] = !participants.isEmpty
        // Inviting: staff not already taking part in the whole meeting; for the whole meeting or one item.
        let whole = Set(view.participants.filter { ($0["source"] as? String) != "items" }.compactMap { ($0["person_id"] as? String)?.lowercased() })
        let chosen = invite?["person"] ?? ""
        values["canInvite"] = organiser && (status == "planned" || status == "agenda_published")
        values["candidates"] = view.candidates.compactMap { person -> [String: Any]? in
            guard let personId = (person["id"] as? String)?.lowercased(), !whole.contains(personId) else { return nil }
            let membership = (person["memberships"] as? [[String: Any]])?.first
            let detail = [membership?["title"] as? String, membership?["unit_name"] as? String].compactMap { $0?.isEmpty == false ? $0 : nil }
                .joined(separator: ", ")
            var row: [String: Any] = ["id": personId, "name": person["name"] ?? "", "selected": personId == chosen]
            if !detail.isEmpty { row["detail"] = detail }
            return row
        }
        let scope = invite?["omfang"] ?? ""
        values["agendaScopes"] = agenda.compactMap { item -> [String: Any]? in
            let itemId = item["itemId"] as? String ?? ""
            return ["id": itemId, "position": item["position"] ?? "", "title": item["title"] ?? "", "selected": itemId == scope]
        }
        values["errors"] = errors.summary
        values["hasErrors"] = !errors.isEmpty
        for field in ["person", "omfang", "dato", "klokkeslett", "sted"] { if let text = errors[field] { values["error_\(field)"] = text } }
        // Moving: the form keeps what was typed, else the meeting's own time and place.
        values["canMove"] = values["canCancel"]
        values["moveDate"] = invite?["dato"] ?? Bokmal.isoDay(meeting["starts_at"])
        values["moveTime"] = invite?["klokkeslett"] ?? Bokmal.clock(meeting["starts_at"]).replacingOccurrences(of: ".", with: ":")
        values["moveLocation"] = invite?["sted"] ?? meeting["location"] as? String ?? ""
        if let message { values["message"] = message }
        return web.pages.page(template, values, session: session, status: httpStatus)
    }

    /// The invitation form, on a page of its own (it lists the register's staff).
    @Sendable func invitePage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let view = try await meetingView(id, session: session, context: context, candidates: true)
        guard view.deliveries != nil else { throw ErrorPage.forbidden }
        return meetingResponse(view, session: session, message: nil, template: "meeting_invite")
    }

    /// The organiser invites someone for the whole meeting or for one item.
    @Sendable func inviteParticipant(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        let view = try await meetingView(id, session: session, context: context, candidates: true)
        var errors = FieldErrors()
        let person = form.text("person"), scope = form.text("omfang")
        if UUID(uuidString: person) == nil { errors.add("person", "Velg hvem du vil invitere.") }
        if !scope.isEmpty && UUID(uuidString: scope) == nil { errors.add("omfang", "Velg hele møtet eller én sak på sakslisten.") }
        if !errors.isEmpty {
            return meetingResponse(view, session: session, message: nil, invite: form, errors: errors, status: .unprocessableContent, template: "meeting_invite")
        }
        var body: [String: Any] = ["person_id": person]
        if !scope.isEmpty { body["agenda_item_ids"] = [scope] }
        guard let answer = try await send("POST", "/v1/meetings/\(id)/participants", json: body, session: session, context: context) else {
            return meetingResponse(view, session: session, message: Self.unavailableMessage(context), invite: form, status: .badGateway, template: "meeting_invite")
        }
        switch answer.status {
        case 201: return redirect(to: "/moter/\(id)?melding=invitert")
        case 403: throw ErrorPage.forbidden
        case 404: throw ErrorPage.notFound
        case 409:
            errors.add("person", answer.code == "already_participant" ? "Personen deltar allerede i hele møtet."
                : answer.code == "already_invited" ? "Personen er allerede invitert til dette." : "Møtet kan ikke endres nå: det er holdt eller avlyst.")
        default:
            let rules = (answer.object["errors"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            if rules.contains("family_other_item") || rules.contains("family_whole_meeting") {
                errors.add("omfang", "Foresatte kan bare inviteres til saken om sitt eget barn.")
            } else if rules.contains("unknown") {
                errors.add(scope.isEmpty ? "person" : "omfang", "Personen eller saken finnes ikke lenger. Velg på nytt.")
            } else {
                errors.add("person", "Invitasjonen kunne ikke sendes.")
            }
        }
        return meetingResponse(view, session: session, message: nil, invite: form, errors: errors, status: .unprocessableContent, template: "meeting_invite")
    }

    /// The organiser moves the meeting (a meeting of a series on its own; the others follow the series).
    @Sendable func moveMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        let view = try await meetingView(id, session: session, context: context)
        var errors = FieldErrors()
        let date = form.text("dato"), time = form.text("klokkeslett").replacingOccurrences(of: ".", with: ":"), place = form.text("sted")
        if LocalDate(date) == nil { errors.add("dato", "Skriv datoen som åååå-mm-dd, for eksempel 2027-03-02.") }
        if LocalTime(time) == nil { errors.add("klokkeslett", "Skriv klokkeslettet som tt:mm, for eksempel 14:00.") }
        if place.count > 200 { errors.add("sted", "Stedet kan ha høyst 200 tegn.") }
        if !errors.isEmpty { return meetingResponse(view, session: session, message: nil, invite: form, errors: errors, status: .unprocessableContent) }
        var body: [String: Any] = ["starts_at": "\(date)T\(time)"]
        if !place.isEmpty { body["location"] = place }
        guard let answer = try await send("POST", "/v1/meetings/\(id)/reschedule", json: body, session: session, context: context) else {
            return meetingResponse(view, session: session, message: Self.unavailableMessage(context), invite: form, status: .badGateway)
        }
        switch answer.status {
        case 200: return redirect(to: "/moter/\(id)?melding=flyttet")
        case 403: throw ErrorPage.forbidden
        case 404: throw ErrorPage.notFound
        case 409: errors.add("dato", "Møtet kan ikke flyttes nå: det er holdt eller avlyst.")
        default:
            let fields = (answer.object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            if fields.contains("location") { errors.add("sted", "Stedet kan ikke brukes. Skriv et kortere sted uten spesialtegn.") }
            if fields.contains("starts_at") || fields.isEmpty { errors.add("dato", "Det nye tidspunktet må være fram i tid og være et gyldig tidspunkt.") }
        }
        return meetingResponse(view, session: session, message: nil, invite: form, errors: errors, status: .unprocessableContent)
    }

    /// The organiser withdraws an extra invitation.
    @Sendable func removeParticipant(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let personId = try pathId(context, "personId")
        _ = try await postedForm(request, session: session)
        let answer = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> APIAnswer in
            try await web.intake.call("DELETE", "/v1/meetings/\(id)/participants/\(personId)", as: session.personId)
        }
        switch answer.status {
        case 200: return redirect(to: "/moter/\(id)?melding=trukket")
        case 403: throw ErrorPage.forbidden
        default: return redirect(to: "/moter/\(id)?melding=ikke-trukket")
        }
    }

    /// The meeting as an iCalendar file: time, place and the arena's name; never the agenda
    /// (it may name a child).
    @Sendable func meetingCalendar(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let meeting = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/meetings/\(id)", as: session.personId)
        }
        guard let start = Bokmal.date(meeting["starts_at"]), let end = Bokmal.date(meeting["ends_at"]) else { throw ErrorPage.intakeUnavailable }
        return Self.calendarFile(uid: id, start: start, end: end, sequence: meeting["sequence"] as? Int ?? 0,
                                 summary: meeting["arena_name"] as? String ?? "Møte", location: meeting["location"] as? String ?? "",
                                 cancelled: (meeting["status"] as? String) == "cancelled", url: "\(configuration.origin)/moter/\(id)", filename: "mote.ics")
    }

    /// One event as an iCalendar download (METHOD:PUBLISH; UTC times; `uid` + "@samtak").
    static func calendarFile(uid: String, start: Date, end: Date, sequence: Int, summary: String, location: String, cancelled: Bool,
                             url: String, filename: String) -> Response {
        let stamp = { (date: Date) -> String in
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
        }
        let escape = { (text: String) in
            text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
                .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\n", with: "\\n")
        }
        let lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Samtak//Samtak//NB", "METHOD:PUBLISH", "BEGIN:VEVENT",
            "UID:\(uid)@samtak", "DTSTAMP:\(stamp(Date()))", "DTSTART:\(stamp(start))", "DTEND:\(stamp(end))",
            "SEQUENCE:\(sequence)", "SUMMARY:\(escape(summary))",
            "LOCATION:\(escape(location))", "STATUS:\(cancelled ? "CANCELLED" : "CONFIRMED")",
            "URL:\(url)", "END:VEVENT", "END:VCALENDAR",
        ]
        var headers = HTTPFields()
        headers[.contentType] = "text/calendar; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }

    @Sendable func publishAgenda(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await meetingAction(request, context: context, api: "publish-agenda", done: "publisert", refused: "ikke-publisert")
    }

    @Sendable func cancelMeeting(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await meetingAction(request, context: context, api: "cancel", done: "avlyst", refused: "ikke-avlyst")
    }

    func meetingAction(_ request: Request, context: BasicRequestContext, api: String, done: String, refused: String) async throws -> Response {
        let (_, id, answer) = try await postButton(request, context: context) { "/v1/meetings/\($0)/\(api)" }
        switch answer.status {
        case 200: return redirect(to: "/moter/\(id)?melding=\(done)")
        case 403: throw ErrorPage.forbidden
        case 404: throw ErrorPage.notFound
        default: return redirect(to: "/moter/\(id)?melding=\(refused)")
        }
    }

    /// GET links of the notifier's e-mails (`/v1/meetings/<id>[/minutes]`) open the pages.
    @Sendable func mailLink(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try pathId(context)
        return redirect(to: request.uri.path.hasSuffix("/minutes") ? "/moter/\(id)/referat" : "/moter/\(id)")
    }

    // MARK: Minutes

    struct MinutesView {
        var meeting: [String: Any]
        var minutes: [String: Any]
        var deliveries: [String: Any]?
        /// The meeting's participants (attendance, and who a follow-up can be given to).
        var participants: [[String: Any]] = []
    }

    func minutesView(_ id: String, session: WebSession, context: BasicRequestContext) async throws -> MinutesView {
        let view = try await meetingView(id, session: session, context: context)
        let minutes = try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            try await web.intake.object("/v1/meetings/\(id)/minutes", as: session.personId)
        }
        var entries = minutes["entries"] as? [[String: Any]] ?? []
        if entries.isEmpty {
            // No minutes yet: the entries to write are the agenda's items (as this person sees them).
            entries = (view.meeting["agenda"] as? [[String: Any]] ?? []).map { item in
                ["agenda_item_id": item["id"] ?? "", "title": item["title"] ?? "", "visibility": item["visibility"] ?? "",
                 "follow_ups": [[String: Any]]()]
            }
        }
        var filled = minutes
        filled["entries"] = entries
        return MinutesView(meeting: view.meeting, minutes: filled, deliveries: view.deliveries, participants: view.participants)
    }

    @Sendable func minutesPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let view = try await minutesView(id, session: session, context: context)
        let message = request.uri.queryParameters["melding"].flatMap { ["lagret": "Utkastet er lagret.", "godkjent": "Referatet er godkjent og sendes til deltakerne."][String($0)] }
        return minutesResponse(view, form: nil, conflict: nil, errors: FieldErrors(), message: message, session: session)
    }

    /// The follow-up rows offered per agenda item.
    static let followUpRows = 2

    func minutesResponse(_ view: MinutesView, form: FormFields?, conflict: [String: Any]?, errors: FieldErrors, message: String?,
                         session: WebSession, status: HTTPResponse.Status = .ok) -> Response {
        let minutes = view.minutes
        let approved = (minutes["status"] as? String) == "approved"
        let organiser = view.deliveries != nil
        // Who a follow-up can be given to: the staff taking part, the writer first.
        let me = session.personId.uuidString.lowercased()
        let staff = view.participants.compactMap { p -> (id: String, name: String)? in
            guard (p["kind"] as? String) == "staff", let id = (p["person_id"] as? String)?.lowercased() else { return nil }
            return (id, id == me ? "Meg" : p["name"] as? String ?? "")
        }
        let responsibleChoices = staff.filter { $0.id == me } + staff.filter { $0.id != me }
            + (staff.contains { $0.id == me } ? [] : [(id: me, name: "Meg")])
        // Attendance: everyone listed by id (staff, and family members to the organiser).
        let present = Set((minutes["present"] as? [String] ?? []).map { $0.lowercased() })
        let attendance: [[String: Any]] = view.participants.compactMap { p in
            guard let id = (p["person_id"] as? String)?.lowercased() else { return nil }
            let checked = form.map { $0["til_stede_\(id)"] == "ja" } ?? present.contains(id)
            let kind = p["kind"] as? String ?? ""
            return ["id": id, "name": p["name"] as? String ?? ["guardian": "Foresatt", "young_person": "Ungdom"][kind] ?? "", "checked": checked]
        }
        let theirs = conflict.map { Dictionary(uniqueKeysWithValues: ($0["entries"] as? [[String: Any]] ?? []).map { (($0["agenda_item_id"] as? String ?? "").lowercased(), $0) }) }
        let entries: [[String: Any]] = (minutes["entries"] as? [[String: Any]] ?? []).map { entry in
            let item = (entry["agenda_item_id"] as? String ?? "").lowercased()
            let full = (entry["visibility"] as? String) == "full"
            let decision = form?["beslutning_\(item)"] ?? entry["decision"] as? String ?? ""
            let saved = entry["follow_ups"] as? [[String: Any]] ?? []
            var followUps: [[String: Any]] = []
            for index in 0..<max(Self.followUpRows, saved.count + 1) {
                let existing = index < saved.count ? saved[index] : nil
                let who = form?["oppfolging_\(item)_\(index)_hvem"] ?? (existing?["responsible_id"] as? String)?.lowercased() ?? ""
                followUps.append([
                    "item": item, "index": index, "number": index + 1,
                    "what": form?["oppfolging_\(item)_\(index)_hva"] ?? existing?["description"] as? String ?? "",
                    "due": form?["oppfolging_\(item)_\(index)_frist"] ?? existing?["due_date"] as? String ?? "",
                    "people": responsibleChoices.map { ["id": $0.id, "name": $0.name, "selected": $0.id == who] },
                    "dueText": Bokmal.day(existing?["due_date"]),
                ])
            }
            var row: [String: Any] = [
                "item": item, "title": entry["title"] ?? "", "full": full,
                "discussion": form?["drofting_\(item)"] ?? entry["discussion"] as? String ?? "",
                "decisionText": form?["vedtak_\(item)"] ?? entry["decision_text"] as? String ?? "",
                "decisionLabel": Bokmal.decision(entry["decision"]),
                "decisions": Bokmal.decisions(for: view.meeting["arena_kind"]).map { ["code": $0.code, "label": $0.label, "selected": $0.code == decision] },
                "followUps": followUps, "hasSavedFollowUps": !saved.isEmpty, "savedFollowUps": saved.map { ["what": $0["description"] ?? "", "due": Bokmal.day($0["due_date"])] },
            ]
            if let other = theirs?[item] {
                row["conflict"] = ["discussion": other["discussion"] ?? "", "decision": Bokmal.decision(other["decision"]),
                                   "decisionText": other["decision_text"] ?? ""]
            }
            return row
        }
        let version = conflict?["version"] ?? minutes["version"] ?? 0
        var values: [String: Any] = [
            "id": (view.meeting["id"] as? String)?.lowercased() ?? "", "arenaName": view.meeting["arena_name"] ?? "",
            "when": Bokmal.dateTime(view.meeting["starts_at"]), "statusText": Bokmal.minutesStatus(minutes["status"]),
            "approved": approved, "editable": !approved, "organiser": organiser,
            "canApprove": organiser && (minutes["status"] as? String) == "draft" && conflict == nil,
            "version": version, "entries": entries, "hasEntries": !entries.isEmpty,
            "generalNotes": form?["generelt"] ?? minutes["general_notes"] as? String ?? "",
            "conflict": conflict != nil, "conflictNotes": conflict?["general_notes"] ?? "",
            "deliveries": Self.deliveryRows(view.deliveries).filter { ($0["document"] as? String) == "Referat" },
            "errors": errors.summary, "hasErrors": !errors.isEmpty, "meId": session.personId.uuidString.lowercased(),
            "attendance": attendance, "hasAttendance": !attendance.isEmpty,
            "presentNames": attendance.filter { $0["checked"] as? Bool == true }.map { $0["name"] as? String ?? "" }.joined(separator: ", "),
        ]
        values["hasDeliveries"] = !(values["deliveries"] as? [[String: Any]] ?? []).isEmpty
        if let message { values["message"] = message }
        return web.pages.page("minutes", values, session: session, status: status)
    }

    static func minutesBody(_ form: FormFields, entries: [[String: Any]], participants: [[String: Any]], me: UUID) -> [String: Any] {
        var body: [String: Any] = ["version": Int(form.text("version")) ?? 0, "general_notes": form.text("generelt")]
        // Attendance: checked is present, the other listed participants absent.
        let listed = participants.compactMap { ($0["person_id"] as? String)?.lowercased() }
        body["present"] = listed.filter { form.text("til_stede_\($0)") == "ja" }
        body["absent"] = listed.filter { form.text("til_stede_\($0)") != "ja" }
        body["entries"] = entries.compactMap { entry -> [String: Any]? in
            let item = (entry["agenda_item_id"] as? String ?? "").lowercased()
            guard (entry["visibility"] as? String) == "full" else { return nil }
            var out: [String: Any] = ["agenda_item_id": item, "discussion": form.text("drofting_\(item)"), "decision_text": form.text("vedtak_\(item)")]
            let decision = form.text("beslutning_\(item)")
            if !decision.isEmpty { out["decision"] = decision }
            var followUps: [[String: Any]] = []
            for index in 0..<20 {
                let what = form.text("oppfolging_\(item)_\(index)_hva")
                guard !what.isEmpty else { continue }
                var followUp: [String: Any] = ["description": what]
                let due = form.text("oppfolging_\(item)_\(index)_frist")
                if !due.isEmpty { followUp["due_date"] = due }
                let who = form.text("oppfolging_\(item)_\(index)_hvem")
                if !who.isEmpty, UUID(uuidString: who) != nil { followUp["responsible_id"] = who }
                followUps.append(followUp)
            }
            out["follow_ups"] = followUps
            return out
        }
        return body
    }

    @Sendable func saveMinutes(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let session = try await requireSession(request, context: context)
        let id = try pathId(context)
        let form = try await postedForm(request, session: session)
        let view = try await minutesView(id, session: session, context: context)
        let body = Self.minutesBody(form, entries: view.minutes["entries"] as? [[String: Any]] ?? [], participants: view.participants, me: session.personId)
        guard let answer = try await send("PUT", "/v1/meetings/\(id)/minutes", json: body, session: session, context: context) else {
            return minutesResponse(view, form: form, conflict: nil, errors: FieldErrors(), message: Self.unavailableMessage(context),
                                   session: session, status: .badGateway)
        }
        switch answer.status {
        case 200:
            return redirect(to: "/moter/\(id)/referat?melding=lagret")
        case 409 where answer.code != "minutes_approved" && answer.code != "already_approved":
            // Someone else saved in between: both texts are shown, the form keeps this writer's.
            var errors = FieldErrors()
            errors.add("referat", "Noen andre lagret referatet mens du skrev. Begge versjonene vises nedenfor: din står i skjemaet, "
                + "den lagrede står ved siden av. Slå dem sammen og lagre igjen.")
            return minutesResponse(view, form: form, conflict: view.minutes, errors: errors, message: nil, session: session, status: .conflict)
        case 403, 404:
            throw ErrorPage.forbidden
        default:
            var errors = FieldErrors()
            let items = answer.object["errors"] as? [[String: Any]] ?? []
            for item in items {
                let field = item["field"] as? String ?? ""
                errors.add("referat", field.contains("due_date") ? "En frist er ikke en gyldig dato (åååå-mm-dd)."
                    : field.contains("decision") ? "En beslutning passer ikke for denne saken."
                    : field.contains("responsible") ? "Den ansvarlige for en oppfølging er ikke deltaker i møtet."
                    : "Referatet har et felt som ikke er gyldig (\(field)).")
            }
            if items.isEmpty {
                errors.add("referat", answer.status == 409 ? "Referatet er allerede godkjent og kan ikke endres." : "Referatet kunne ikke lagres.")
            }
            return minutesResponse(view, form: form, conflict: nil, errors: errors, message: nil, session: session, status: .unprocessableContent)
        }
    }

    @Sendable func approveMinutes(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (session, id, answer) = try await postButton(request, context: context) { "/v1/meetings/\($0)/minutes/approve" }
        switch answer.status {
        case 200: return redirect(to: "/moter/\(id)/referat?melding=godkjent")
        case 403, 404: throw ErrorPage.forbidden
        default:
            let view = try await minutesView(id, session: session, context: context)
            var errors = FieldErrors()
            errors.add("referat", "Referatet kunne ikke godkjennes nå: det er ikke lagret som utkast, eller det er allerede godkjent.")
            return minutesResponse(view, form: nil, conflict: nil, errors: errors, message: nil, session: session, status: .conflict)
        }
    }
}
