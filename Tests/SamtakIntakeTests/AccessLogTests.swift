import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import Testing

/// The access log records what a response showed, once: a read that was never returned is
/// not logged, a yes/no check before a change logs nothing, and one request logs each
/// disclosure once.
@Suite("Access log: what was shown, once", .serialized)
struct AccessLogTests {
    struct AgendaItem: Decodable {
        var id: UUID
        var caseId: UUID?
        var title: String
        var visibility: String
    }
    struct Meeting: Decodable {
        var id: UUID
        var agenda: [AgendaItem]
    }
    struct MeetingPage: Decodable {
        var items: [Meeting]
    }
    struct LogRow: Hashable {
        var resource: String
        var resourceId: UUID?
        var childId: UUID?
        var basis: String
    }

    /// A ressursteam with consents for Emma (school, health station, PPT) and Noah (school only).
    struct World {
        var api: IntakeHarness
        var arenaId: UUID
        var emmaConsent: UUID
        var noahConsent: UUID
        var teacher: UUID { api.world.person(.school, .teacher) }
        var leader: UUID { api.world.person(.school, .unitLeader) }
        var nurse: UUID { api.world.person(.healthStation, .schoolNurse) }
        var advisor: UUID { api.world.person(.ppt, .advisor) }

        static func make(_ api: IntakeHarness) async throws -> World {
            let arenaId = try await api.registerArena(api.arena(named: "Ressursteam – Nordby"))
            let teacher = api.world.person(.school, .teacher)
            let emma = try await api.recordConsent(child: api.world.child("emma"), by: teacher, services: [.school, .healthStation, .ppt])
            let noah = try await api.recordConsent(child: api.world.child("noah"), by: teacher, services: [.school])
            return World(api: api, arenaId: arenaId, emmaConsent: emma, noahConsent: noah)
        }

        /// A meeting (as the scheduler makes them) with the given cases on its agenda, in order:
        /// (child key, consent) for a named case, nil for an anonymous one. Returns the meeting's id.
        func meeting(day: Int, status: String = "agenda_published", startsInDays: Int = 0, cases: [(String, UUID)?]) async throws -> UUID {
            let arenaId = arenaId, teacher = teacher, unit = api.world.units[.school]!
            let children = cases.map { $0.map { (api.world.child($0.0).id, $0.1) } }
            return try await api.sql { connection in
                let meetingId = UUID()
                let date = LocalDate(year: 2027, month: 1, day: 1)!.adding(days: day)
                try connection.execute("""
                    INSERT INTO meetings (id, arena_id, occurrence_date, starts_at, ends_at, capacity, submission_deadline, agenda_due_at, status)
                    VALUES (\(meetingId), \(arenaId), \(date), now() + make_interval(days => \(startsInDays)::int), now() + make_interval(days => \(startsInDays)::int, hours => 2),
                            20, now() - interval '7 days', now() - interval '3 days', \(status))
                    """)
                for (index, named) in children.enumerated() {
                    let caseId = UUID()
                    try connection.execute("""
                        INSERT INTO cases (id, category, kind, arena_id, child_id, consent_id, submitting_unit_id, submitted_by, owner_id, title, grade, concern, status)
                        VALUES (\(caseId), 'case', \(named == nil ? "anonymous" : "named"), \(arenaId), \(named?.0), \(named?.1), \(unit), \(teacher), \(teacher),
                                \(named == nil ? "Elev 5. trinn – uro" : "Sak \(index + 1) med navn"), 5, 'Bekymring.', 'scheduled')
                        """)
                    try connection.execute("""
                        INSERT INTO agenda_items (id, meeting_id, case_id, position, reason) VALUES (\(UUID()), \(meetingId), \(caseId), \(index + 1), 'earliest_open_meeting')
                        """)
                }
                return meetingId
            }
        }

        func reads() async throws -> [LogRow] {
            try await api.sql { connection in
                try connection.query("SELECT resource, resource_id, child_id, basis FROM access_log WHERE action = 'read' ORDER BY id").map { row throws(PostgresError) in
                    LogRow(resource: try row.decode(String.self, 0), resourceId: try row.decode(UUID?.self, 1), childId: try row.decode(UUID?.self, 2),
                           basis: try row.decode(String.self, 3))
                }
            }
        }

        /// The read rows one call writes, with the call's response.
        func logged(_ method: String, _ path: String, as person: UUID, json: Any? = nil) async throws -> (IntakeHarness.Response, [LogRow]) {
            let before = try await reads().count
            let response = try await api.call(method, path, as: person, json: json)
            return (response, Array(try await reads().dropFirst(before)))
        }
    }

    @Test("GET /v1/meetings/{id} logs exactly the items it returned: one row per named case shown, none for what is not shown")
    func meetingReadLogsWhatItReturned() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            let emma = api.world.child("emma"), noah = api.world.child("noah")
            let meetingId = try await world.meeting(day: 0, cases: [("emma", world.emmaConsent), ("noah", world.noahConsent), nil])

            // The nurse takes part: Emma's case in full (the consent names the health station),
            // Noah's redacted (his consent does not), the anonymous one in full (no child to log).
            let (asNurse, nurseRows) = try await world.logged("GET", "/v1/meetings/\(meetingId)", as: world.nurse)
            #expect(asNurse.status == 200, "\(asNurse.text)")
            let shown = try asNurse.decode(Meeting.self).agenda
            #expect(shown.map(\.visibility) == ["full", "redacted", "full"])
            #expect(!asNurse.text.contains("Noah"))
            #expect(Set(nurseRows) == [
                LogRow(resource: "agenda", resourceId: meetingId, childId: emma.id, basis: "consent"),
                LogRow(resource: "agenda", resourceId: meetingId, childId: nil, basis: "participant"),
            ])
            #expect(nurseRows.count == 2, "each disclosure once: \(nurseRows)")

            // Emma's mother sees only Emma's case: one row, for Emma; nothing about Noah's case.
            let mother = emma.guardians[0].id
            let (asMother, motherRows) = try await world.logged("GET", "/v1/meetings/\(meetingId)", as: mother)
            #expect(asMother.status == 200, "\(asMother.text)")
            #expect(try asMother.decode(Meeting.self).agenda.count == 1)
            #expect(motherRows == [LogRow(resource: "agenda", resourceId: meetingId, childId: emma.id, basis: "guardian")])

            // Ella's mother has no child on it: 404, and nothing logged.
            let (asOther, otherRows) = try await world.logged("GET", "/v1/meetings/\(meetingId)", as: api.world.child("ella").guardians[0].id)
            #expect(asOther.status == 404)
            #expect(otherRows.isEmpty)

            // The minutes read logs the same, once.
            let (minutes, minutesRows) = try await world.logged("GET", "/v1/meetings/\(meetingId)/minutes", as: world.nurse)
            #expect(minutes.status == 200)
            #expect(Set(minutesRows) == Set(nurseRows))
            #expect(minutesRows.count == 2)
            _ = noah
        }
    }

    @Test("a cancel, a publish and an approve log no read; saving the minutes logs each item once")
    func changesLogNoRead() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            let emma = api.world.child("emma")
            let planned = try await world.meeting(day: 1, status: "planned", startsInDays: 10, cases: [("emma", world.emmaConsent)])
            let (published, publishRows) = try await world.logged("POST", "/v1/meetings/\(planned)/publish-agenda", as: world.leader)
            #expect(published.status == 200, "\(published.text)")
            #expect(publishRows.isEmpty, "publish logged \(publishRows)")

            let toCancel = try await world.meeting(day: 2, status: "planned", startsInDays: 10, cases: [("emma", world.emmaConsent)])
            let (cancelled, cancelRows) = try await world.logged("POST", "/v1/meetings/\(toCancel)/cancel", as: world.leader)
            #expect(cancelled.status == 200, "\(cancelled.text)")
            #expect(cancelRows.isEmpty, "cancel logged \(cancelRows)")

            let held = try await world.meeting(day: 3, cases: [("emma", world.emmaConsent), ("noah", world.noahConsent)])
            let (agenda, _) = try await world.logged("GET", "/v1/meetings/\(held)", as: world.leader)
            let items = try agenda.decode(Meeting.self).agenda
            #expect(items.count == 2)
            let (saved, saveRows) = try await world.logged("PUT", "/v1/meetings/\(held)/minutes", as: world.leader, json: [
                "version": 0, "general_notes": "Godt møte.",
                "entries": items.map { item -> [String: Any] in
                    item.visibility == "full" ? ["agenda_item_id": item.id.uuidString, "discussion": "Drøftet.", "decision": "follow_up"]
                        : ["agenda_item_id": item.id.uuidString, "decision": "follow_up"]
                },
            ] as [String: Any])
            #expect(saved.status == 200, "\(saved.text)")
            // Emma's case in full (her consent covers the arena), Noah's redacted (his covers the school alone):
            // each logged once, not once per check.
            #expect(items.map(\.visibility) == ["full", "redacted"])
            #expect(saveRows.count == 2, "\(saveRows)")
            #expect(Set(saveRows.map(\.childId)) == [emma.id, nil])

            let (approved, approveRows) = try await world.logged("POST", "/v1/meetings/\(held)/minutes/approve", as: world.leader)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approveRows.isEmpty, "approve logged \(approveRows)")
        }
    }

    @Test("GET /v1/me/tasks (the home page's one call): my submitted cases, my units' arenas and their next meetings; only the cases returned are logged")
    func homeCallLogsWhatItReturns() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            let emma = api.world.child("emma")
            let meetingId = try await world.meeting(day: 0, status: "planned", startsInDays: 3, cases: [("emma", world.emmaConsent), nil])
            struct Home: Decodable {
                struct Case: Decodable { var id: UUID; var title: String }
                struct Arena: Decodable { var id: UUID }
                struct Meeting: Decodable { var id: UUID }
                var cases: [Case]
                var arenas: [Arena]
                var meetings: [Meeting]
            }
            // The rektor submitted nothing: no case, so no read logged, though he could read both.
            let (asLeader, leaderRows) = try await world.logged("GET", "/v1/me/tasks", as: world.leader)
            #expect(asLeader.status == 200, "\(asLeader.text)")
            let leaderHome = try asLeader.decode(Home.self)
            #expect(leaderHome.cases.isEmpty && leaderRows.isEmpty, "\(leaderRows)")
            #expect(leaderHome.arenas.map(\.id).contains(world.arenaId))
            #expect(leaderHome.meetings.map(\.id).contains(meetingId))
            // The teacher submitted both: both returned, Emma's read logged once.
            let (asTeacher, teacherRows) = try await world.logged("GET", "/v1/me/tasks", as: world.teacher)
            let teacherHome = try asTeacher.decode(Home.self)
            #expect(teacherHome.cases.count == 2)
            #expect(teacherRows.count == 1 && teacherRows.first?.childId == emma.id, "\(teacherRows)")
            // Each case as a summary (what the list shows; the case's own page has the rest): no
            // concern, child or referral details in the list, and the meeting each is placed on.
            let body = try #require(try JSONSerialization.jsonObject(with: asTeacher.body) as? [String: Any])
            let cases = try #require(body["cases"] as? [[String: Any]])
            let summaryKeys: Set<String> = ["id", "category", "kind", "status", "urgent", "title", "scheduled", "visibility", "updated_at"]
            #expect(cases.allSatisfy { Set($0.keys).isSubset(of: summaryKeys) && $0["scheduled"] != nil }, "\(cases)")
            #expect(cases.allSatisfy { (($0["scheduled"] as? [String: Any])?["meeting_id"] as? String).flatMap(UUID.init(uuidString:)) == meetingId })
            let titles = try await api.sql { connection in
                try connection.query("SELECT title FROM cases WHERE submitted_by = \(world.teacher)").map { try $0.decode(String.self, 0) }
            }
            #expect(Set(teacherHome.cases.map(\.title)) == Set(titles), "the submitter sees her own cases' titles")
        }
    }

    @Test("GET /v1/meetings with 20 meetings of 10 named items: each meeting's read of the child logged once; statements counted")
    func meetingListIsBatched() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            let emma = api.world.child("emma")
            for day in 0..<20 {
                _ = try await world.meeting(day: day, startsInDays: day, cases: Array(repeating: ("emma", world.emmaConsent), count: 10))
            }
            let path = "/v1/meetings?arena_id=\(world.arenaId)&limit=20"
            let measured = try await StatementCounter.count(api) { try await api.call("GET", path, as: world.advisor) }
            let list = measured.result
            #expect(list.status == 200, "\(list.text)")
            let page = try list.decode(MeetingPage.self)
            #expect(page.items.count == 20)
            #expect(page.items.allSatisfy { $0.agenda.count == 10 && $0.agenda.allSatisfy { $0.visibility == "full" } })
            // One disclosure per meeting: Emma's data in its agenda (her ten cases there are one read of her data).
            let rows = try await world.reads()
            #expect(rows.count == 20)
            #expect(Set(rows.compactMap(\.resourceId)) == Set(page.items.map(\.id)))
            #expect(rows.allSatisfy { $0.childId == emma.id && $0.basis == "consent" })
            // Deploy/infra's cluster preloads pg_stat_statements, so the count is always there.
            let statements = try #require(measured.statements, "pg_stat_statements is not loaded (Deploy/infra preloads it)")
            print("statements for GET /v1/meetings (20 meetings x 10 items): \(statements)")
            #expect(statements <= 20, "the list loads its facts in a fixed number of statements, not per item")
        }
    }

    @Test("GET /v1/meetings/{id}?include=participants,deliveries (the meeting page's one call): each part as its own endpoint gives it, deliveries to the organiser only")
    func meetingPageCall() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            let meetingId = try await world.meeting(day: 0, status: "planned", startsInDays: 5, cases: [("emma", world.emmaConsent), nil])
            struct Page: Decodable {
                struct Delivery: Decodable { struct Item: Decodable { var documentId: UUID }; var items: [Item]; var failed: Int; var open: Int }
                var agenda: [AgendaItem]
                var participants: [ParticipantTests.ParticipantList.Item]?
                var deliveries: Delivery?
            }
            let path = "/v1/meetings/\(meetingId)?include=participants,deliveries"
            // The organiser (the school's rektor): participants and deliveries, as the separate calls give them.
            let (asLeader, leaderRows) = try await world.logged("GET", path, as: world.leader)
            #expect(asLeader.status == 200, "\(asLeader.text)")
            let page = try asLeader.decode(Page.self)
            let participants = try await api.call("GET", "/v1/meetings/\(meetingId)/participants", as: world.leader)
                .decode(ParticipantTests.ParticipantList.self).items
            #expect(page.participants?.map(\.personId) == participants.map(\.personId) && !participants.isEmpty)
            #expect(page.participants?.map(\.removable) == participants.map(\.removable))
            let deliveries = try await api.call("GET", "/v1/meetings/\(meetingId)/deliveries", as: world.leader).decode(Page.Delivery.self)
            #expect(page.deliveries?.items.count == deliveries.items.count && page.deliveries?.open == deliveries.open)
            // The include adds no read of its own to a ressursteam meeting's log: the agenda's disclosures only.
            let (plain, plainRows) = try await world.logged("GET", "/v1/meetings/\(meetingId)", as: world.leader)
            #expect(plain.status == 200 && Set(plainRows) == Set(leaderRows) && plainRows.count == leaderRows.count, "\(leaderRows) vs \(plainRows)")

            // A participant who does not organise: the participants, no deliveries (and no error).
            let asNurse = try await api.call("GET", path, as: world.nurse)
            #expect(asNurse.status == 200, "\(asNurse.text)")
            let nursePage = try asNurse.decode(Page.self)
            #expect(nursePage.deliveries == nil && nursePage.participants?.isEmpty == false)
            #expect(try await api.call("GET", "/v1/meetings/\(meetingId)/deliveries", as: world.nurse).status == 403)
            // Someone who does not see the meeting: 404 as without include.
            #expect(try await api.call("GET", path, as: api.world.child("ella").guardians[0].id).status == 404)

            // Bad input names the parameter.
            for bad in ["participants,minutes", "", "participants,,deliveries", "PARTICIPANTS"] {
                let answer = try await api.call("GET", "/v1/meetings/\(meetingId)?include=\(bad)", as: world.leader)
                #expect(answer.status == 422 && answer.text.contains("\"include\""), "include=\(bad): \(answer.text)")
            }
        }
    }

    @Test("GET /v1/me/tasks says who the caller is, as GET /v1/me does (the home page makes one call)")
    func tasksCarryThePerson() async throws {
        try await withIntake(relaying: false) { api in
            let world = try await World.make(api)
            struct Me: Decodable, Equatable {
                struct Membership: Decodable, Equatable { var unitId: UUID; var role: String }
                var id: UUID; var kind: String; var name: String; var administrator: Bool; var memberships: [Membership]
            }
            struct Tasks: Decodable { var person: Me }
            let me = try await api.call("GET", "/v1/me", as: world.teacher).decode(Me.self)
            let tasks = try await api.call("GET", "/v1/me/tasks", as: world.teacher).decode(Tasks.self)
            #expect(tasks.person == me && me.id == world.teacher && me.memberships.contains { $0.role == "teacher" })
        }
    }
}

/// Counts the SQL statements a call makes, with pg_stat_statements when the cluster loads it
/// (`shared_preload_libraries`); nil when it does not.
enum StatementCounter {
    static func count<T: Sendable>(_ api: IntakeHarness, _ call: () async throws -> T) async throws -> (result: T, statements: Int?) {
        let available = try await api.sql { connection -> Bool in
            let loaded = try connection.query("SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'").first?
                .decode(String.self, 0).contains("pg_stat_statements") ?? false
            if loaded { try connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements") }
            return loaded
        }
        guard available else { return (try await call(), nil) }
        let total: @Sendable (PostgresConnection) throws -> Int = { connection in
            try connection.query("""
                SELECT coalesce(sum(calls), 0)::int8 FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                """).first?.decode(Int.self, 0) ?? 0
        }
        // What the counting itself costs (its transaction and query), measured with nothing in between.
        let a = try await api.sql(total)
        let b = try await api.sql(total)
        let overhead = b - a
        let before = try await api.sql(total)
        let result = try await call()
        let after = try await api.sql(total)
        return (result, after - before - overhead)
    }
}
