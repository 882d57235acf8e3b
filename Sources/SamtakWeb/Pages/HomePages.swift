import Foundation
import Hummingbird

/// "Mine oppgaver" on the home page, and the arena page.
extension WebRoutes {
    /// The home page's lists: the follow-ups I am responsible for (overdue first), the cases I
    /// submitted and where each stands, the next meetings of the arenas my units run or take
    /// part in, the notices sent to me.
    func homeTasks(_ session: WebSession, unitIds: Set<String>, context: BasicRequestContext) async throws -> [String: Any] {
        try await load(session, context: context) { () async throws(IntakeClient.Failure) -> [String: Any] in
            let me = session.personId.uuidString.lowercased()
            let cases = try await web.intake.items("/v1/cases?category=case&limit=50", as: session.personId)
                .filter { ($0["submitted_by"] as? String)?.lowercased() == me }
                .map { item -> [String: Any] in
                    let scheduled = item["scheduled"] as? [String: Any]
                    return ["id": (item["id"] as? String)?.lowercased() ?? "", "title": item["title"] ?? "",
                            "status": Bokmal.caseStatus(item["status"]),
                            "meetingId": (scheduled?["meeting_id"] as? String)?.lowercased() ?? "",
                            "meetingWhen": Bokmal.dateTime(scheduled?["starts_at"])]
                }
            var meetings: [[String: Any]] = []
            var arenas: [[String: Any]] = []
            if !unitIds.isEmpty {
                let today = Self.today()
                for arena in try await web.intake.items("/v1/arenas?limit=100", as: session.personId) {
                    let units = [arena["owner_unit_id"] as? String ?? ""] + (arena["participants"] as? [[String: Any]] ?? []).compactMap { $0["unit_id"] as? String }
                    guard units.contains(where: unitIds.contains), arena["active"] as? Bool ?? true else { continue }
                    let arenaId = (arena["id"] as? String)?.lowercased() ?? ""
                    arenas.append(["id": arenaId, "name": arena["name"] ?? ""])
                    for meeting in try await web.intake.items("/v1/meetings?arena_id=\(arenaId)&from=\(today)&limit=2", as: session.personId)
                    where (meeting["status"] as? String) != "cancelled" {
                        meetings.append(["id": (meeting["id"] as? String)?.lowercased() ?? "", "arenaName": meeting["arena_name"] ?? "",
                                         "startsAt": meeting["starts_at"] as? String ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
                                         "status": Bokmal.meetingStatus(meeting["status"])])
                    }
                }
            }
            meetings.sort { ($0["startsAt"] as? String ?? "") < ($1["startsAt"] as? String ?? "") }
            let tasks = try await web.intake.object("/v1/me/tasks", as: session.personId)
            let followUps = (tasks["follow_ups"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
                ["what": (item["description"] as? String) ?? "Oppfølging av en sak du ikke lenger har tilgang til",
                 "due": Bokmal.day(item["due_date"]), "overdue": item["overdue"] as? Bool ?? false,
                 "meetingId": (item["meeting_id"] as? String)?.lowercased() ?? "", "arenaName": item["arena_name"] ?? "",
                 "meetingWhen": Bokmal.dateTime(item["meeting_starts_at"])]
            }
            let notices = (tasks["notices"] as? [[String: Any]] ?? []).prefix(10).map { item -> [String: Any] in
                ["text": Bokmal.notice(item["notice"]), "when": Bokmal.dateTime(item["created_at"]),
                 "href": Self.shown(Self.noticePage(item["path"] as? String ?? ""))]
            }
            return ["cases": cases, "hasCases": !cases.isEmpty, "meetings": Array(meetings.prefix(6)), "hasMeetings": !meetings.isEmpty,
                    "arenas": arenas, "hasArenas": !arenas.isEmpty, "followUps": followUps, "hasFollowUps": !followUps.isEmpty,
                    "notices": Array(notices), "hasNotices": !notices.isEmpty]
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
                    "presence": ["always": "fast", "on_request": "ved behov", "by_case": "når saken gjelder dem"][participant["presence"] as? String ?? ""]
                        ?? (participant["presence"] as? String ?? "")]
        }
        let rows: [[String: Any]] = meetings.map { meeting in
            let count = meeting["item_count"] as? Int ?? (meeting["agenda"] as? [Any])?.count ?? 0
            return ["id": (meeting["id"] as? String)?.lowercased() ?? "", "when": Bokmal.dateTime(meeting["starts_at"]),
                    "status": Bokmal.meetingStatus(meeting["status"]), "count": count, "capacity": meeting["capacity"] ?? "",
                    "deadline": Bokmal.dateTime(meeting["submission_deadline"])]
        }
        return web.pages.page("arena", [
            "name": arena["name"] ?? "", "targetGroup": arena["target_group"] ?? "", "purpose": arena["purpose"] ?? "",
            "frequency": arena["frequency_text"] ?? "", "location": arena["location"] ?? "",
            "owner": units[(arena["owner_unit_id"] as? String)?.lowercased() ?? ""] ?? "",
            "participants": participants, "meetings": rows, "hasMeetings": !rows.isEmpty,
        ], session: session)
    }
}
