import Foundation
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Cooperation around one child, end to end: the three services as processes, real
/// PostgreSQL, Kafka protocol and SMTP, acting only through the API (the database and the
/// broker are only read, for assertions).
@Suite("Scenarios: cooperation around one child", .serialized, .timeLimit(.minutes(6)))
struct CooperationScenarioTests {
    @Test("4. Ansvarsgruppe for a child with an individual plan: called by the coordinator, agenda, minutes always written and sent, measures in the log")
    func ansvarsgruppeWithIndividualPlan() async throws {
        try await withSystem { system in
            let w = system.world
            let teacher = w.person(.school, .teacher), rektor = w.person(.school, .unitLeader)
            let nurse = w.person(.healthStation, .schoolNurse), tone = w.person(.ppt, .advisor)
            let welfare = w.person(.childWelfare, .caseworker)
            let noah = w.child("noah"), parent = noah.guardians[0].id
            let arena = system.arenaId("Ansvarsgruppe")

            // Noah's mother consents to cooperation between the school, the health station and PPT.
            _ = try await system.recordConsent(childId: noah.id, givenBy: noah.guardians.map(\.id), by: teacher, services: [.school, .healthStation, .ppt],
                                               information: InformationCategory.allCases)
            // The school asks the PPT advisor to be Noah's coordinator.
            let assigned = try await system.call("POST", "/v1/children/\(noah.id)/coordinator", as: teacher, json: [
                "person_id": tone.uuidString, "kind": "ip_coordinator",
            ])
            #expect(assigned.status == 201, "\(assigned.text)")
            #expect(try assigned.decode(API.Coordination.self).current?.personId == tone)
            try await system.waitForEvent(CoordinatorAssigned.type, subject: noah.id)

            // The cooperation starts in a stafettlogg with one measure; the individual plan takes it over.
            let log = try await system.call("POST", "/v1/children/\(noah.id)/coordination-log", as: tone)
            #expect(log.status == 201, "\(log.text)")
            let logId = try #require(log.id)
            let morning = try await system.call("POST", "/v1/coordination-logs/\(logId)/measures", as: teacher, json: [
                "description": "Morgensamtale med kontaktlærer hver mandag", "owner_id": teacher.uuidString,
                "starts_on": ScenarioDates.date(0), "evaluation_due_on": ScenarioDates.date(30),
            ])
            #expect(morning.status == 201, "\(morning.text)")
            let created = try await system.call("POST", "/v1/children/\(noah.id)/individual-plan", as: tone, json: [
                "goals": ["Å ha det bra på skolen", "Å komme på skolen hver dag"], "responsible_services": ["school", "health_station", "ppt"],
                "take_over_log": true,
            ] as [String: Any])
            #expect(created.status == 201, "\(created.text)")
            let planId = try #require(created.id)
            #expect(try created.decode(API.IndividualPlan.self).measures.map(\.description) == ["Morgensamtale med kontaktlærer hver mandag"])
            try await system.waitForEvent(LogClosed.type, subject: noah.id)

            // The coordinator calls the ansvarsgruppe: the mother, the teacher and the school nurse; time, place, agenda.
            let day = ScenarioDates.workingDay(14)
            let call: [String: Any] = [
                "arena_id": arena.uuidString, "individual_plan_id": planId.uuidString, "starts_at": ScenarioDates.local(day, 10),
                "duration_minutes": 60, "location": "Nordby barneskole, møterom 2",
                "participant_ids": [parent.uuidString, teacher.uuidString, nurse.uuidString],
                "agenda": [
                    ["title": "Hvordan har Noah det hjemme og på skolen?"],
                    ["title": "Tiltak i skolen", "presenter_id": teacher.uuidString, "minutes": 20],
                    ["title": "Helse og trivsel", "presenter_id": nurse.uuidString],
                ],
            ]
            // The teacher works with Noah but is not his coordinator: an ansvarsgruppe is not hers to call.
            let byTeacher = try await system.call("POST", "/v1/children/\(noah.id)/meetings", as: teacher, json: call)
            #expect(byTeacher.status == 403, "\(byTeacher.text)")
            let called = try await system.call("POST", "/v1/children/\(noah.id)/meetings", as: tone, json: call)
            #expect(called.status == 201, "\(called.text)")
            let calledMeetings = try called.decode(API.Page<API.Meeting>.self).items
            let calledMeeting = try #require(calledMeetings.first)
            let meeting = calledMeeting.id
            #expect(calledMeetings.count == 1)
            #expect(calledMeeting.status == "planned")
            #expect(calledMeeting.arenaKind == "ansvarsgruppe")
            #expect(calledMeeting.childId == noah.id)
            #expect(calledMeeting.individualPlanId == planId)
            #expect(calledMeeting.calledBy == tone)
            #expect(calledMeeting.location == "Nordby barneskole, møterom 2")
            #expect(Set(calledMeeting.participantIds ?? []) == [parent, teacher, nurse, tone])
            try await system.waitForEvent(MeetingCalled.type, subject: meeting)

            // The mother sees the meeting and its agenda; the school's rektor, not invited, sees nothing of it.
            #expect(try await system.agendaTitles(meeting, as: parent) == ["Hvordan har Noah det hjemme og på skolen?", "Tiltak i skolen", "Helse og trivsel"])
            #expect(try await system.call("GET", "/v1/meetings/\(meeting)", as: rektor).status == 404)
            #expect(try await system.get("/v1/children/\(noah.id)/meetings", as: parent, decoding: API.Page<API.Meeting>.self).items.map(\.id) == [meeting])

            // The agenda goes out now: by mail to every participant, to nobody else.
            try await system.publishAgendaNow(meeting, as: tone)
            let published = try await system.waitForMeetingStatus(meeting, "agenda_published", as: tone)
            let items = try published.decode(API.Meeting.self).agenda
            #expect(items.count == 3)
            try await system.waitForEvent("agenda.sent", subject: meeting)
            let parentAddress = noah.guardians[0].email
            let teacherAddress = try await system.emailOf(teacher), nurseAddress = try await system.emailOf(nurse)
            let toneAddress = try await system.emailOf(tone)
            let rektorAddress = try await system.emailOf(rektor), welfareAddress = try await system.emailOf(welfare)
            for address in [parentAddress, teacherAddress, nurseAddress, toneAddress] {
                let agendas = try system.mail("Saksliste", about: meeting, to: address)
                #expect(agendas.count == 1, "one agenda for each participant")
                #expect(agendas.allSatisfy { $0.calendarMethod == "REQUEST" })
            }
            // The arena's owner (the municipality's barnekoordinator) manages the arena but was not
            // invited and is not covered by Noah's consent: no mail, and nothing about Noah on reading.
            let arenaOwner = w.person(.municipality, .coordinator)
            let ownerAddress = try await system.emailOf(arenaOwner)
            for address in [rektorAddress, welfareAddress, ownerAddress] {
                #expect(try system.mail(about: meeting, to: address).isEmpty, "no mail to someone not invited")
            }
            let ownerView = try await system.call("GET", "/v1/meetings/\(meeting)", as: arenaOwner)
            let ownerViewAgenda = ownerView.status == 200 ? try ownerView.decode(API.Meeting.self).agenda : nil
            #expect(ownerView.status == 404 || ownerViewAgenda?.isEmpty == true, "\(ownerView.text)")
            // The arena sends notices (its setting): no e-mail names the child or the agenda's content.
            #expect(try system.sink.messages().allSatisfy { !$0.text.contains("Noah") && !$0.text.contains("Tiltak i skolen") })

            // Minutes are always written: nothing to approve before they are, nor while an item has no entry.
            let noMinutes = try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: tone)
            #expect(noMinutes.status == 409)
            #expect(noMinutes.string("code") == "no_minutes")
            let itemIds = items.map(\.id.uuidString)
            let partial = try await system.call("PUT", "/v1/meetings/\(meeting)/minutes", as: teacher, json: [
                "version": 0, "present": [tone.uuidString, parent.uuidString, teacher.uuidString],
                "entries": [["agenda_item_id": itemIds[0], "discussion": "Noah trives bedre i klassen, men er sliten om morgenen."]],
            ] as [String: Any])
            #expect(partial.status == 200, "\(partial.text)")
            #expect(try await system.call("GET", "/v1/meetings/\(meeting)", as: tone).string("status") == "held")
            let incomplete = try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: tone)
            #expect(incomplete.status == 409)
            #expect(incomplete.string("code") == "minutes_incomplete")
            // A held meeting cannot be ended another way: it is no longer cancellable.
            let cancel = try await system.call("POST", "/v1/meetings/\(meeting)/cancel", as: tone)
            #expect(cancel.status == 409)
            #expect(cancel.string("code") == "invalid_transition")
            let held = try await system.call("GET", "/v1/meetings/\(meeting)", as: tone)
            #expect(held.string("status") == "held")
            #expect(held.string("minutes_status") == "draft")
            #expect(system.tap.events(MinutesApproved.type, subject: meeting).isEmpty)

            // The complete minutes: every item, and follow-up actions (what, who, by when).
            let readingDue = ScenarioDates.date(42), talksDue = ScenarioDates.date(56)
            let complete = try await system.call("PUT", "/v1/meetings/\(meeting)/minutes", as: teacher, json: [
                "version": 1, "present": [tone.uuidString, parent.uuidString, teacher.uuidString, nurse.uuidString],
                "entries": [
                    ["agenda_item_id": itemIds[0], "discussion": "Noah trives bedre i klassen, men er sliten om morgenen."],
                    ["agenda_item_id": itemIds[1], "discussion": "Lesingen går sakte.", "follow_ups": [
                        ["description": "Tilpasset leseopplegg i norsk", "responsible_id": teacher.uuidString, "due_date": readingDue],
                    ]],
                    ["agenda_item_id": itemIds[2], "discussion": "Søvn og måltider drøftet med mor.", "follow_ups": [
                        ["description": "Samtaler med helsesykepleier annenhver uke", "responsible_id": nurse.uuidString, "due_date": talksDue],
                    ]],
                ],
            ] as [String: Any])
            #expect(complete.status == 200, "\(complete.text)")
            let approved = try await system.call("POST", "/v1/meetings/\(meeting)/minutes/approve", as: tone)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.string("status") == "approved")
            #expect(approved.uuid("approved_by") == tone)
            try await system.waitForEvent(MinutesApproved.type, subject: meeting)
            _ = try await system.waitForMeetingStatus(meeting, "minutes_approved", as: tone)

            // The minutes are sent to the parties, and announced once sent.
            try await system.waitForEvent("minutes.sent", subject: meeting)
            for address in [parentAddress, teacherAddress, nurseAddress, toneAddress] {
                #expect(try system.mail("Referat", about: meeting, to: address).count == 1, "one copy of the minutes for each participant")
            }
            for address in [rektorAddress, welfareAddress] {
                #expect(try system.mail(about: meeting, to: address).isEmpty)
            }
            #expect(try system.sink.messages().allSatisfy { !$0.text.contains("Noah") && !$0.text.contains("leseopplegg") })
            // The mother reads the follow-ups behind the link: what, who and by when.
            let minutes = try await system.call("GET", "/v1/meetings/\(meeting)/minutes", as: parent)
            #expect(minutes.status == 200, "\(minutes.text)")
            let followUps = try minutes.decode(API.Minutes.self).entries.flatMap(\.followUps)
            #expect(Set(followUps.map { "\($0.description)|\($0.responsibleId.map(\.uuidString) ?? "")|\($0.dueDate ?? "")" })
                == ["Tilpasset leseopplegg i norsk|\(teacher.uuidString)|\(readingDue)", "Samtaler med helsesykepleier annenhver uke|\(nurse.uuidString)|\(talksDue)"])

            // The follow-ups are measures of the child's individual plan (the plan the ansvarsgruppe serves; it took over the log).
            let plan: API.IndividualPlan = try await system.get("/v1/children/\(noah.id)/individual-plan", as: teacher)
            let fromMinutes = plan.measures.filter { $0.source == "minutes" }
            #expect(Set(fromMinutes.map(\.description)) == ["Tilpasset leseopplegg i norsk", "Samtaler med helsesykepleier annenhver uke"])
            #expect(fromMinutes.allSatisfy { $0.meetingId == meeting && $0.planId == planId && $0.status == "active" })
            let reading = fromMinutes.first { $0.description == "Tilpasset leseopplegg i norsk" }
            #expect(reading?.ownerId == teacher && reading?.evaluationDueOn == readingDue && reading?.service == "school")
            let talks = fromMinutes.first { $0.description == "Samtaler med helsesykepleier annenhver uke" }
            #expect(talks?.ownerId == nurse && talks?.evaluationDueOn == talksDue && talks?.service == "health_station")
            #expect(plan.measures.contains { $0.description == "Morgensamtale med kontaktlærer hver mandag" && $0.source == "manual" })
            #expect(plan.meetingIds == [meeting])
            let announced = await eventually(timeout: .seconds(30)) {
                system.tap.events(MeasureAdded.type, subject: noah.id).compactMap { try? $0.decode(MeasureAdded.self) }
                    .filter { $0.source == .minutes && $0.meetingId == meeting && $0.planId == planId }.count == 2
            }
            #expect(announced, "measure.added for each follow-up")

            // The child's coordination log, as the mother reads it: closed, handed over to the plan.
            let childLog = try await system.call("GET", "/v1/children/\(noah.id)/coordination-log", as: parent)
            #expect(childLog.status == 200, "\(childLog.text)")
            #expect(childLog.uuid("id") == logId)
            #expect(childLog.string("status") == "closed")
            #expect(childLog.string("closed_reason") == "individual_plan")
            #expect(childLog.uuid("individual_plan_id") == planId)
            #expect(childLog.string("access") == "read_only")
            // The child's timeline shows the follow-ups as measures decided by this meeting, in the plan.
            let timeline = try await system.get("/v1/children/\(noah.id)/timeline", as: tone, decoding: API.Page<API.TimelineEntry>.self).items
            let added = timeline.filter { $0.kind == "measure.added" && $0.meetingId == meeting }
            #expect(Set(added.compactMap(\.summary)) == ["Tilpasset leseopplegg i norsk", "Samtaler med helsesykepleier annenhver uke"])
            #expect(added.allSatisfy { $0.planId == planId && $0.status == "minutes" })
            #expect(timeline.contains { $0.kind == "meeting.called" && $0.meetingId == meeting })

            // The family withdraws the consent: the invited nurse (health station) reads nothing about Noah
            // in the meeting any more; the mother still does, and the teacher (Noah's own school) too.
            let consents = try await system.call("GET", "/v1/children/\(noah.id)/consents", as: parent)
            for consent in try consents.decode(API.Page<API.StaffConsent>.self).items where consent.active {
                #expect(try await system.call("POST", "/v1/consents/\(consent.id)/withdraw", as: parent).status == 200)
            }
            let nurseView = try await system.call("GET", "/v1/meetings/\(meeting)", as: nurse)
            let nurseViewAgenda = nurseView.status == 200 ? try nurseView.decode(API.Meeting.self).agenda : nil
            #expect(nurseView.status == 404 || nurseViewAgenda?.isEmpty == true, "\(nurseView.text)")
            #expect(try await system.agendaTitles(meeting, as: parent).count == 3)
            #expect(try await system.agendaTitles(meeting, as: teacher).count == 3)
        }
    }

    @Test("5. Transition season kindergarten → school with mixed consent")
    func transitionSeasonWithMixedConsent() async throws {
        try await withSystem { system in
            let w = system.world
            let admin = w.person(.municipality, .administrator)
            let rektor = w.person(.school, .unitLeader), schoolTeacher = w.person(.school, .teacher)
            let specialNeeds = w.person(.school, .specialNeedsCoordinator)
            let styrer = w.person(.kindergarten, .unitLeader), pedagogue = w.person(.kindergarten, .teacher)
            let ppt = w.person(.ppt, .advisor), nurse = w.person(.healthStation, .schoolNurse)
            let oskar = w.child("oskar"), maja = w.child("maja")
            let arena = system.arenaId("Overføringsmøte barnehage – skole")
            let kindergarten = w.units[.kindergarten]!, school = w.units[.school]!
            // This municipality sends transition agendas with their content, so each e-mail shows what its recipient may see.
            try await system.setDeliveryMode("content", arena: arena, as: admin)

            // A third child starts school: the kindergarten registers her and her mother.
            let ida = try await system.call("POST", "/v1/children", as: styrer, json: [
                "name": "Ida Fjell", "birth_date": "2020-10-03", "unit_id": kindergarten.uuidString, "grade": 0,
            ] as [String: Any])
            #expect(ida.status == 201, "\(ida.text)")
            let idaId = try #require(ida.id)
            // Her mother comes from the population register: the administrator records the guardianship (issue 12).
            let idaMother = try await system.call("POST", "/v1/children/\(idaId)/guardians", as: admin, json: [
                "name": "Eva Fjell", "email": "eva.fjell@nordby.example", "parental_responsibility": true, "daily_care": true,
            ] as [String: Any])
            #expect(idaMother.status == 201, "\(idaMother.text)")
            let idaGuardian = try idaMother.decode(API.Guardianship.self).personId

            // Mixed consent: Oskar's mother consents to the transition, releasing his identity, school situation and
            // special needs (not health or family); Ida's mother consents only to the kindergarten and the health station
            // working together; Maja's father has given no consent.
            _ = try await system.recordConsent(childId: oskar.id, givenBy: oskar.guardians.map(\.id), by: styrer, services: [], arenas: [arena],
                                               information: [.identity, .schoolSituation, .specialNeeds])
            _ = try await system.recordConsent(childId: idaId, givenBy: [idaGuardian], by: styrer, services: [.kindergarten, .healthStation],
                                               information: InformationCategory.allCases)

            // The receiving school plans the season: one meeting with the kindergarten; Oskar has special-needs support.
            let day = ScenarioDates.workingDay(21)
            let season: [String: Any] = [
                "school_year": ScenarioDates.schoolYear(of: day), "stage": "kindergarten_to_school", "arena_id": arena.uuidString,
                "receiving_unit_id": school.uuidString,
                "meetings": [[
                    "sending_unit_id": kindergarten.uuidString, "starts_at": ScenarioDates.local(day, 13), "location": "Solsikken barnehage",
                    "children": [["child_id": oskar.id.uuidString, "special_needs_support": true], ["child_id": maja.id.uuidString],
                                 ["child_id": idaId.uuidString]],
                    "participant_ids": [specialNeeds.uuidString],
                ] as [String: Any]],
            ]
            // The receiving school invites, not the kindergarten.
            #expect(try await system.call("POST", "/v1/transition-seasons", as: styrer, json: season).status == 403)
            let planned = try await system.call("POST", "/v1/transition-seasons", as: rektor, json: season)
            #expect(planned.status == 201, "\(planned.text)")
            let seasonId = try #require(planned.id)
            let plannedMeetings = try planned.decode(API.TransitionSeason.self).meetings
            let plannedMeeting = try #require(plannedMeetings.first)
            let meeting = plannedMeeting.meetingId
            #expect(plannedMeetings.count == 1)
            #expect(plannedMeeting.sendingUnitId == kindergarten)
            #expect(plannedMeeting.status == "planned")
            // Only Oskar has an item; the organiser sees only how many children had no consent naming the transition.
            #expect(plannedMeeting.childrenWithoutConsent == 2)
            #expect(plannedMeeting.items.count == 1)
            let item = try #require(plannedMeeting.items.first)
            let itemId = item.id
            #expect(item.visibility == "full")
            #expect(item.child?.name == "Oskar Lyng")
            #expect(item.information == ["school_situation", "special_needs"])
            #expect(item.specialNeedsSupport == true)
            #expect(!planned.text.contains("Maja") && !planned.text.contains("Ida Fjell"))
            // The kindergarten's people and, for Oskar's special-needs support, PPT take part.
            let participants = Set(plannedMeeting.participantIds)
            #expect(participants.isSuperset(of: [rektor, styrer, pedagogue, ppt, specialNeeds]))
            #expect(!participants.contains(nurse))
            try await system.waitForEvent(TransitionSeasonPlanned.type, subject: seasonId)
            try await system.waitForEvent(MeetingCalled.type, subject: meeting)
            let nothingOfTheOthers = try await system.sql { connection in
                try connection.query("""
                    SELECT (SELECT count(*) FROM cases WHERE child_id = ANY(\([maja.id, idaId])))
                         + (SELECT count(*) FROM transition_items WHERE child_id = ANY(\([maja.id, idaId])))
                    """).first!.decode(Int.self, 0)
            }
            #expect(nothingOfTheOthers == 0, "no case and no transition item for the children without consent")

            // The kindergarten writes what the consent releases, and cannot write anything else.
            let health = try await system.call("PUT", "/v1/transition-items/\(itemId)", as: pedagogue, json: [
                "school_situation": "Trives i lek og liker å tegne.", "health": "Astma",
            ])
            #expect(health.status == 422)
            #expect(health.rules == ["consent_does_not_cover_information"])
            #expect(!health.text.contains("Astma"))
            let written = try await system.call("PUT", "/v1/transition-items/\(itemId)", as: pedagogue, json: [
                "school_situation": "Trives i lek og liker å tegne.", "special_needs": "Språkstøtte to timer i uken.",
            ])
            #expect(written.status == 200, "\(written.text)")
            // The receiving school reads only those categories.
            let read = try await system.call("GET", "/v1/transition-items/\(itemId)", as: schoolTeacher)
            #expect(read.status == 200, "\(read.text)")
            #expect(read.string("school_situation") == "Trives i lek og liker å tegne.")
            #expect(read.string("special_needs") == "Språkstøtte to timer i uken.")
            #expect(read.keys.isDisjoint(with: ["health", "family"]))
            let asTeacher: API.TransitionSeason = try await system.get("/v1/transition-seasons/\(seasonId)", as: schoolTeacher)
            let teacherMeeting = try #require(asTeacher.meetings.first)
            #expect(!teacherMeeting.keys.contains("children_without_consent"))
            #expect(teacherMeeting.items.compactMap(\.child?.name) == ["Oskar Lyng"])
            // Maja's father and someone outside the meeting see no season at all.
            #expect(try await system.call("GET", "/v1/transition-seasons/\(seasonId)", as: maja.guardians[0].id).status == 404)
            #expect(try await system.call("GET", "/v1/transition-seasons/\(seasonId)", as: nurse).status == 404)

            // The agenda goes out: one copy per recipient, each showing what that recipient may see.
            try await system.publishAgendaNow(meeting, as: rektor)
            _ = try await system.waitForMeetingStatus(meeting, "agenda_published", as: rektor)
            try await system.waitForEvent("agenda.sent", subject: meeting)
            let receiving = [rektor, schoolTeacher, specialNeeds]
            var receivingMails: [MailSink.Message] = []
            for person in receiving + [styrer, pedagogue, ppt] {
                let copies = try system.mail("Saksliste", about: meeting, to: try await system.emailOf(person))
                #expect(copies.count == 1, "one agenda for each participant")
                #expect(copies.allSatisfy { $0.calendarMethod == "REQUEST" })
                #expect(copies.allSatisfy { $0.text.contains("Sak 1: Overgang barnehage – skole") && !$0.text.contains("Sak 2") && !$0.text.contains("anonymisert") })
                if receiving.contains(person) { receivingMails += copies }
            }
            #expect(receivingMails.count == 3)
            // Oskar's mother gets a notice of the agenda with the link, not its content (issue 17: the family reads it in Samtak).
            let motherCopies = try system.mail("Saksliste", about: meeting, to: oskar.guardians[0].email)
            #expect(motherCopies.count == 1)
            #expect(motherCopies.allSatisfy { !$0.text.contains("Sak 1") && !$0.text.contains("Oskar") && $0.text.contains(meeting.uuidString.lowercased()) })
            // Maja's father, Ida's mother and the school nurse get nothing.
            #expect(try system.sink.messages(to: maja.guardians[0].email).isEmpty)
            #expect(try system.sink.messages(to: "eva.fjell@nordby.example").isEmpty)
            #expect(try system.mail(about: meeting, to: try await system.emailOf(nurse)).isEmpty)
            // The children without consent are named in no e-mail at all; no e-mail carries the transferred information.
            let everything = try system.sink.messages()
            #expect(everything.allSatisfy { !$0.text.contains("Maja") && !$0.text.contains("Torp") && !$0.text.contains("Ida Fjell") })
            #expect(everything.allSatisfy { !$0.text.contains("Trives i lek") && !$0.text.contains("Språkstøtte") })
            // The receiving school's copies name the consented child (the item's title carries the name).
            #expect(!receivingMails.isEmpty && receivingMails.allSatisfy { $0.text.contains("Oskar Lyng") })
        }
    }

    @Test("A coordinator handover through the running system: the person asked is told, and when accepted both are told; no notice names the child")
    func handoverNotices() async throws {
        try await withSystem { system in
            let w = system.world
            let teacher = w.person(.school, .teacher), nurse = w.person(.healthStation, .schoolNurse), tone = w.person(.ppt, .advisor)
            let noah = w.child("noah")
            _ = try await system.recordConsent(childId: noah.id, givenBy: noah.guardians.map(\.id), by: teacher, services: [.school, .healthStation, .ppt],
                                               information: InformationCategory.allCases)
            let assigned = try await system.call("POST", "/v1/children/\(noah.id)/coordinator", as: teacher, json: [
                "person_id": tone.uuidString, "kind": "ip_coordinator",
            ])
            #expect(assigned.status == 201, "\(assigned.text)")
            let requested = try await system.call("POST", "/v1/children/\(noah.id)/coordinator/handovers", as: tone, json: [
                "to_person_id": nurse.uuidString, "note": "Helsesykepleier følger opp videre.",
            ])
            #expect(requested.status == 201, "\(requested.text)")
            let handover = try #require(requested.id)
            let nurseAddress = try await system.emailOf(nurse), toneAddress = try await system.emailOf(tone)

            func notices(to address: String, _ subject: String) async -> [MailSink.Message] {
                var found: [MailSink.Message] = []
                _ = await eventually(timeout: .seconds(60), interval: .milliseconds(300)) {
                    found = ((try? system.sink.messages(to: address)) ?? []).filter { $0.subject == subject }
                    return !found.isEmpty
                }
                return found
            }
            let asked = await notices(to: nurseAddress, "Samtak: Du er spurt om å overta som koordinator")
            #expect(asked.count == 1)
            #expect(asked.first?.text.contains("/v1/coordinator-handovers/\(handover.uuidString.lowercased())") == true)

            let accepted = try await system.call("POST", "/v1/coordinator-handovers/\(handover)/accept", as: nurse)
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(await notices(to: nurseAddress, "Samtak: Koordinatoransvaret er overført").count == 1)
            #expect(await notices(to: toneAddress, "Samtak: Koordinatoransvaret er overført").count == 1)
            let everything = try system.sink.messages()
            #expect(everything.allSatisfy { !$0.text.contains("Noah") && !$0.subject.contains("Noah") })
        }
    }
}
