import Foundation
import SamtakDomain
import SamtakIntake
import SamtakPostgres
import SamtakRuntime
import SamtakTestSupport
import Testing

/// Talk rounds against the real PostgreSQL: planning, first come first served under a race,
/// moving, cancelling, the summary reaching the guardian, and the class report.
@Suite("Utviklingssamtaler through the API", .timeLimit(.minutes(3)))
struct TalkRoundAPITests {
    /// Ten weekdays from two weeks ahead (none of them in the past; holidays are left out by the planner).
    static func days() -> [String] {
        let start = OsloTime.localDate(at: Date()).adding(days: 14)
        return (0..<14).map { start.adding(days: $0) }.filter { $0.weekday != .saturday && $0.weekday != .sunday }.prefix(10).map(\.description)
    }

    static func planBody(_ api: IntakeHarness, windows: [[String: String]] = [["from": "12:00", "to": "15:00"]], slotMinutes: Int = 20) -> [String: Any] {
        ["kind": "development_talk", "unit_id": api.world.units[.school]!.uuidString, "grade": 5, "days": days(),
         "windows": windows, "slot_minutes": slotMinutes, "pause_minutes": 5, "breaks": [["from": "13:30", "to": "13:45"]]]
    }

    /// Adds `count` pupils to 5th grade at the school, each with one guardian; returns (child, guardian).
    static func addPupils(_ api: IntakeHarness, count: Int) async throws -> [(child: UUID, guardian: UUID)] {
        let school = api.world.units[.school]!, rektor = api.world.person(.school, .unitLeader)
        return try await api.sql { connection in
            try (0..<count).map { index in
                let child = UUID(), guardian = UUID()
                try connection.execute("INSERT INTO people (id, kind, name, email) VALUES (\(guardian), 'guardian', \("Forelder \(index)"), \("forelder\(index)@nordby.example"))")
                try connection.execute("""
                    INSERT INTO children (id, name, birth_date, unit_id, grade, created_by)
                    VALUES (\(child), \("Elev \(index)"), '2016-05-01', \(school), 5, \(rektor))
                    """)
                try connection.execute("INSERT INTO guardianships (child_id, guardian_id) VALUES (\(child), \(guardian))")
                return (child, guardian)
            }
        }
    }

    static func slots(_ response: IntakeHarness.Response) throws -> [API.Keyed<API.TalkSlot>] { try response.decode(API.TalkRound.self).slots }
    static func id(_ slot: API.Keyed<API.TalkSlot>) -> String { slot.id.uuidString }

    @Test("the teacher plans a round for her class; a plan with too few slots, a kindergarten kind at a school and a guardian are refused")
    func planning() async throws {
        try await withIntake { api in
            let guri = api.world.person(.school, .teacher)
            let hilde = api.world.child("emma").guardians[0].id
            let planned = try await api.call("POST", "/v1/talk-rounds", as: guri, json: Self.planBody(api))
            #expect(planned.status == 201, "\(planned.text)")
            let round = try planned.decode(API.TalkRound.self)
            #expect(round.slots.count >= 10)
            #expect(round.slots.allSatisfy { $0.free })
            #expect(round.viewerRole == "manager")
            #expect(round.pupils.count == 2, "Emma and Noah are the 5th grade")
            // One 20-minute slot for two pupils.
            var tooFew = Self.planBody(api, windows: [["from": "12:00", "to": "12:20"]])
            tooFew["days"] = [Self.days()[0]]
            let refused = try await api.call("POST", "/v1/talk-rounds", as: guri, json: tooFew)
            #expect(refused.status == 422 && refused.fields == ["days"] && refused.rules == ["too_few_slots"], "\(refused.text)")
            var parentTalk = Self.planBody(api)
            parentTalk["kind"] = "parent_talk"
            let wrongKind = try await api.call("POST", "/v1/talk-rounds", as: guri, json: parentTalk)
            #expect(wrongKind.status == 422 && wrongKind.fields == ["kind"])
            var backwards = Self.planBody(api, windows: [["from": "15:00", "to": "12:00"]])
            backwards["slot_minutes"] = 5
            let bad = try await api.call("POST", "/v1/talk-rounds", as: guri, json: backwards)
            #expect(bad.status == 422 && Set(bad.fields) == ["slot_minutes", "windows[0]"], "\(bad.text)")
            #expect(try await api.call("POST", "/v1/talk-rounds", as: hilde, json: Self.planBody(api)).status == 403)
            #expect(try await api.call("POST", "/v1/talk-rounds", as: api.world.person(.kindergarten, .teacher), json: Self.planBody(api)).status == 403)
            var unknown = Self.planBody(api)
            unknown["colour"] = "blue"
            #expect(try await api.call("POST", "/v1/talk-rounds", as: guri, json: unknown).status == 422)
        }
    }

    @Test("twelve guardians race for one slot: exactly one gets it, the others get 409, and one talk.booked is written")
    func concurrentBooking() async throws {
        try await withIntake { api in
            let guri = api.world.person(.school, .teacher)
            let pupils = try await Self.addPupils(api, count: 12)
            let planned = try await api.call("POST", "/v1/talk-rounds", as: guri, json: Self.planBody(api))
            #expect(planned.status == 201, "\(planned.text)")
            let roundId = try #require(planned.id)
            let slot = Self.id(try #require(try Self.slots(planned).first))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for pupil in pupils {
                    group.addTask {
                        try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: pupil.guardian,
                                           json: ["slot_id": slot, "child_id": pupil.child.uuidString]).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == pupils.count - 1, "\(statuses)")
            let booked = try await api.sql { connection in
                try connection.query("SELECT count(*)::int8 FROM talk_bookings WHERE slot_id = \(UUID(uuidString: slot)!)").first?.decode(Int.self, 0) ?? 0
            }
            #expect(booked == 1)
            let events = try await api.sql { connection in
                try connection.query("SELECT count(*)::int8 FROM outbox WHERE event_type = 'talk.booked' AND subject = \(roundId.uuidString.lowercased())").first?.decode(Int.self, 0) ?? 0
            }
            #expect(events == 1)
        }
    }

    @Test("a guardian books, sees only her own child's booking, moves and cancels; another guardian cannot touch it")
    func guardianBooksMovesCancels() async throws {
        try await withIntake { api in
            let guri = api.world.person(.school, .teacher)
            let emma = api.world.child("emma"), noah = api.world.child("noah")
            let hilde = emma.guardians[0].id, siri = noah.guardians[0].id
            let planned = try await api.call("POST", "/v1/talk-rounds", as: guri, json: Self.planBody(api))
            let roundId = try #require(planned.id)
            let slots = try Self.slots(planned).map(Self.id)
            // Siri books Noah's talk with an interpreter and without Noah.
            let noahBooked = try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: siri, json: [
                "slot_id": slots[0], "child_id": noah.id.uuidString, "pupil_attends": false, "interpreter_language": "arabisk",
            ])
            #expect(noahBooked.status == 201, "\(noahBooked.text)")
            // Hilde sees the slot taken, not by whom.
            let seen = try await api.call("GET", "/v1/talk-rounds/\(roundId)", as: hilde)
            #expect(seen.status == 200)
            let seenRound = try seen.decode(API.TalkRound.self)
            #expect(seenRound.viewerRole == "guardian")
            #expect(!seenRound.slots[0].free && !seenRound.slots[0].keys.contains("booking"))
            #expect(!seen.text.contains("Noah"))
            #expect(seenRound.pupils.map(\.name) == ["Emma Nordli"])
            // The taken slot is refused with 409; she books another for Emma (who may not book Noah's).
            let taken = try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: hilde, json: ["slot_id": slots[0], "child_id": emma.id.uuidString])
            #expect(taken.status == 409 && taken.string("code") == "slot_taken")
            #expect(try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: hilde, json: ["slot_id": slots[2], "child_id": noah.id.uuidString]).status == 403)
            #expect(try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: hilde, json: ["slot_id": slots[1], "child_id": emma.id.uuidString]).status == 201)
            // Moving: the old slot opens.
            let moved = try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: hilde, json: ["slot_id": slots[2], "child_id": emma.id.uuidString])
            #expect(moved.status == 200)
            #expect(try Self.slots(moved)[1].free)
            #expect(try Self.slots(moved)[2].booking?.childName == "Emma Nordli")
            // The teacher sees both, with the interpreter request.
            let teacherView = try await api.call("GET", "/v1/talk-rounds/\(roundId)", as: guri)
            let noahsSlot = try #require(try Self.slots(teacherView)[0].booking)
            #expect(noahsSlot.interpreterLanguage == "arabisk" && !noahsSlot.pupilAttends)
            // Siri cannot cancel Emma's talk (it does not exist for her); Hilde can.
            #expect(try await api.call("POST", "/v1/talk-slots/\(slots[2])/cancel", as: siri).status == 404)
            let cancelled = try await api.call("POST", "/v1/talk-slots/\(slots[2])/cancel", as: hilde)
            #expect(cancelled.status == 200)
            #expect(try Self.slots(cancelled)[2].free)
            // Someone with no child in the class does not see the round.
            #expect(try await api.call("GET", "/v1/talk-rounds/\(roundId)", as: api.world.child("ella").guardians[0].id).status == 404)
            let types = try await api.sql { connection in
                try connection.query("SELECT event_type FROM outbox WHERE subject = \(roundId.uuidString.lowercased()) ORDER BY id").map { row throws(PostgresError) in
                    try row.decode(String.self, 0)
                }
            }
            #expect(types == ["talk.booked", "talk.booked", "talk.moved", "talk.cancelled"])
            // Hilde's reads named only Emma.
            let logged = try await api.sql { connection in
                try connection.query("SELECT DISTINCT child_id, basis FROM access_log WHERE actor_id = \(hilde) AND resource = 'talk_round'").map {
                    row throws(PostgresError) in "\(try row.decode(UUID.self, 0)) \(try row.decode(String.self, 1))"
                }
            }
            #expect(logged == ["\(emma.id) guardian"])
        }
    }

    @Test("after the talk the teacher writes the summary, the guardian reads it, and the class report shows who is missing")
    func summaryAndReport() async throws {
        try await withIntake { api in
            let guri = api.world.person(.school, .teacher), frode = api.world.person(.school, .unitLeader)
            let emma = api.world.child("emma"), hilde = emma.guardians[0].id
            let yesterday = OsloTime.localDate(at: Date()).adding(days: -1)
            var held: [String] = []
            for round in 0..<2 {
                let planned = try await api.call("POST", "/v1/talk-rounds", as: guri, json: Self.planBody(api))
                let roundId = try #require(planned.id)
                let slot = Self.id(try Self.slots(planned)[0])
                // The teacher assigns Emma's slot.
                #expect(try await api.call("POST", "/v1/talk-rounds/\(roundId)/bookings", as: guri, json: ["slot_id": slot, "child_id": emma.id.uuidString]).status == 201)
                // Before the talk no summary.
                let early = try await api.call("PUT", "/v1/talk-slots/\(slot)/summary", as: guri,
                                               json: ["agreed_school": "Lesegruppe.", "agreed_home": "Lese hver kveld.", "agreed_pupil": "Rekke opp hånden."])
                #expect(early.status == 422 && early.rules == ["not_yet"])
                // The talk was held (its time moved to the past, as if the days went by).
                let day = yesterday.adding(days: -round)
                try await api.sql { connection in
                    try connection.execute("UPDATE talk_slots SET starts_at = \(LocalDateTime(date: day, time: LocalTime(hour: 12, minute: 0)!)), ends_at = \(LocalDateTime(date: day, time: LocalTime(hour: 12, minute: 20)!)) WHERE id = \(UUID(uuidString: slot)!)")
                }
                if round == 0 {
                    // Still missing: one talk of two.
                    let report = try await api.call("GET", "/v1/talk-reports?unit_id=\(api.world.units[.school]!)&grade=5", as: frode)
                    #expect(report.status == 200, "\(report.text)")
                    let missing = try report.decode(API.TalkReport.self).missing
                    #expect(Set(missing.map(\.name)) == ["Emma Nordli", "Noah Berget"])
                    #expect(missing.first { $0.name == "Emma Nordli" }?.held == 1)
                }
                // Only the teacher writes it; the guardian is refused.
                #expect(try await api.call("PUT", "/v1/talk-slots/\(slot)/summary", as: hilde,
                                           json: ["agreed_school": "x", "agreed_home": "y", "agreed_pupil": "z"]).status == 403)
                let empty = try await api.call("PUT", "/v1/talk-slots/\(slot)/summary", as: guri, json: ["agreed_school": " ", "agreed_home": "y", "agreed_pupil": "z"])
                #expect(empty.status == 422 && empty.fields == ["agreed_school"])
                let written = try await api.call("PUT", "/v1/talk-slots/\(slot)/summary", as: guri,
                                                 json: ["agreed_school": "Lesegruppe \(round).", "agreed_home": "Lese hver kveld.", "agreed_pupil": "Rekke opp hånden."])
                #expect(written.status == 200, "\(written.text)")
                // A held talk with a summary cannot be cancelled.
                #expect(try await api.call("POST", "/v1/talk-slots/\(slot)/cancel", as: guri).status == 409)
                let seen = try await api.call("GET", "/v1/talk-rounds/\(roundId)", as: hilde)
                #expect(try Self.slots(seen)[0].booking?.summary?.agreedSchool == "Lesegruppe \(round).")
                held.append(slot)
            }
            let report: API.TalkReport = try await api.get("/v1/talk-reports?unit_id=\(api.world.units[.school]!)&grade=5", as: guri)
            #expect(report.complete.map(\.name) == ["Emma Nordli"])
            #expect(report.missing.map(\.name) == ["Noah Berget"])
            // Guardians and other units' staff do not read the report; bad parameters name the field.
            #expect(try await api.call("GET", "/v1/talk-reports?unit_id=\(api.world.units[.school]!)&grade=5", as: hilde).status == 403)
            #expect(try await api.call("GET", "/v1/talk-reports?unit_id=\(api.world.units[.school]!)&grade=5", as: api.world.person(.ppt, .advisor)).status == 403)
            let bad = try await api.call("GET", "/v1/talk-reports?unit_id=nope&grade=40", as: guri)
            #expect(bad.status == 422 && Set(bad.fields) == ["unit_id", "grade"])
            // The guardian's list shows her child's rounds.
            #expect(try await api.get("/v1/talk-rounds", as: hilde, decoding: API.Page<API.Identified>.self).items.count == 2)
            // The rektor's list has them too; staff of another service see none (the list names only rounds the caller may open).
            #expect(try await api.get("/v1/talk-rounds", as: frode, decoding: API.Page<API.Identified>.self).items.count == 2)
            #expect(try await api.get("/v1/talk-rounds", as: api.world.person(.ppt, .advisor), decoding: API.Page<API.Identified>.self).items.isEmpty)
        }
    }
}

/// Talk rounds in the authorization matrix: a round of Emma's class planned by her teacher (Guri).
extension MatrixWorld {
    /// A round of Emma's class by Guri with two slots (in ten days, or yesterday when `past`), Emma booked in the first when `booked`.
    func freshTalkRound(booked: Bool = false, past: Bool = false) async throws -> (round: UUID, slot: UUID) {
        let round = UUID(), slot = UUID(), other = UUID()
        let day = OsloTime.localDate(at: Date()).adding(days: past ? -1 : 10)
        let times = [0, 20, 25, 45].map { LocalDateTime(date: day, time: LocalTime(hour: 12, minute: $0)!) }
        try await api.sql { [self] connection in
            try connection.execute("""
                INSERT INTO talk_rounds (id, kind, unit_id, grade, school_year, teacher_id, plan)
                VALUES (\(round), 'development_talk', \(school), 5, \(TalkCoverage.schoolYear(of: day)), \(guri), '{}')
                """)
            try connection.execute("""
                INSERT INTO talk_slots (id, round_id, starts_at, ends_at) VALUES (\(slot), \(round), \(times[0]), \(times[1])), (\(other), \(round), \(times[2]), \(times[3]))
                """)
            if booked {
                try connection.execute("INSERT INTO talk_bookings (slot_id, round_id, child_id, booked_by) VALUES (\(slot), \(round), \(emma.id), \(hilde))")
            }
        }
        return (round, slot)
    }
}

extension MatrixRows {
    /// Manages a round of Emma's class: its teacher (Guri) and the school's leader.
    static func managesTalks(_ a: Actor) -> Bool {
        a.special == .submitter || a.special == .arenaOwner || (a.relation == .ownUnit && a.role == .unitLeader)
    }

    /// Plans rounds and reads the class report: the school's teachers and leader.
    static func schoolTeacherOrLeader(_ a: Actor) -> Bool { managesTalks(a) || (a.relation == .ownUnit && a.role == .teacher) }

    static func talks(_ w: MatrixWorld) -> [MatrixRow] {
        let days = TalkRoundAPITests.days()
        return [
            MatrixRow(endpoint: "POST /v1/talk-rounds", request: { _ in
                // 6th grade (Ella): the matrix's fresh children fill the 5th.
                MatrixRequest(path: "/v1/talk-rounds", body: ["kind": "development_talk", "unit_id": w.school.uuidString, "grade": 6, "days": days,
                                                              "windows": [["from": "08:00", "to": "16:00"]], "slot_minutes": 10])
            }, expect: { schoolTeacherOrLeader($0) ? E(201) : E(403) }),
            MatrixRow(endpoint: "GET /v1/talk-rounds", request: fixed("/v1/talk-rounds"), expect: everyone),
            MatrixRow(endpoint: "GET /v1/talk-rounds/{id}", request: { _ in
                MatrixRequest(path: "/v1/talk-rounds/\(try await w.freshTalkRound(booked: true).round)")
            }, expect: { a in managesTalks(a) || a.isGuardian ? E(200, namesChild: true) : E(404) }),
            MatrixRow(endpoint: "POST /v1/talk-rounds/{id}/bookings", request: { _ in
                let (round, slot) = try await w.freshTalkRound()
                return MatrixRequest(path: "/v1/talk-rounds/\(round)/bookings", body: ["slot_id": slot.uuidString, "child_id": w.emma.id.uuidString])
            }, expect: { a in managesTalks(a) || a.isGuardian ? E(201) : E(404) }),
            MatrixRow(endpoint: "POST /v1/talk-slots/{id}/cancel", request: { _ in
                MatrixRequest(path: "/v1/talk-slots/\(try await w.freshTalkRound(booked: true).slot)/cancel")
            }, expect: { a in managesTalks(a) || a.isGuardian ? E(200) : E(404) }),
            MatrixRow(endpoint: "PUT /v1/talk-slots/{id}/summary", request: { _ in
                MatrixRequest(path: "/v1/talk-slots/\(try await w.freshTalkRound(booked: true, past: true).slot)/summary",
                              body: ["agreed_school": "Lesegruppe.", "agreed_home": "Lese hver kveld.", "agreed_pupil": "Rekke opp hånden."])
            }, expect: { a in managesTalks(a) ? E(200) : a.isGuardian ? E(403) : E(404) }),
            MatrixRow(endpoint: "GET /v1/talk-reports", request: fixed("/v1/talk-reports?unit_id=\(w.school)&grade=5"),
                      expect: { schoolTeacherOrLeader($0) ? E(200, namesChild: true) : E(403) }),
        ]
    }
}

extension MatrixRows {
    /// Calling a meeting of an arena without a rhythm: a fresh "etter behov" arena owned by Emma's school.
    static func asNeeded(_ w: MatrixWorld) -> [MatrixRow] {
        [
            MatrixRow(endpoint: "POST /v1/arenas/{id}/meetings", request: { _ in
                let arena = try await w.api.call("POST", "/v1/arenas", as: w.admin, json: [
                    "name": "Arbeidsgruppe etter behov", "kind": "other", "owner_unit_id": w.school.uuidString,
                ] as [String: Any])
                guard let id = arena.id else { throw MissingTestDependency("matrix arena: \(arena.text)") }
                let start = OsloTime.localDate(at: Date()).adding(days: 20).description + "T10:00"
                return MatrixRequest(path: "/v1/arenas/\(id)/meetings", body: ["starts_at": start])
            }, expect: { a in (a.relation == .ownUnit && a.role == .unitLeader) || a.special == .arenaOwner ? E(201) : E(403) }),
        ]
    }
}
