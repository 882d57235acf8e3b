import Foundation
import SamtakDomain
import Testing

@Suite("Coordination: handovers, measures, called meetings, transitions, events")
struct CoordinationRulesTests {
    typealias F = CoordinationFixture

    // MARK: Handover

    @Test func aHandoverTakesEffectOnlyWhenTheRecipientAccepts() throws {
        let from = UUID(), to = UUID(), stranger = UUID()
        #expect(try HandoverMachine.apply(.accept, to: .pending, actor: to, from: from, to: to) == .accepted)
        #expect(try HandoverMachine.apply(.decline, to: .pending, actor: to, from: from, to: to) == .declined)
        #expect(try HandoverMachine.apply(.cancel, to: .pending, actor: from, from: from, to: to) == .cancelled)
        #expect(throws: HandoverError.notRecipient) { try HandoverMachine.apply(.accept, to: .pending, actor: from, from: from, to: to) }
        #expect(throws: HandoverError.notRecipient) { try HandoverMachine.apply(.decline, to: .pending, actor: stranger, from: from, to: to) }
        #expect(throws: HandoverError.notRequester) { try HandoverMachine.apply(.cancel, to: .pending, actor: to, from: from, to: to) }
        for done in [HandoverStatus.accepted, .declined, .cancelled] {
            #expect(throws: HandoverError.notPending(done)) { try HandoverMachine.apply(.accept, to: done, actor: to, from: from, to: to) }
        }
    }

    // MARK: Measures

    @Test func measureDatesAndEvaluations() throws {
        let today = LocalDate("2027-03-01")!
        #expect(MeasureRules.validate(startsOn: today, evaluationDueOn: today.adding(days: 42), today: today).isEmpty)
        #expect(MeasureRules.validate(startsOn: today, evaluationDueOn: today.adding(days: -1), today: today) == [.evaluationBeforeStart])
        #expect(MeasureRules.validate(startsOn: today, evaluationDueOn: today.adding(years: 4), today: today) == [.evaluationTooFarAhead])
        #expect(try MeasureRules.evaluate(.active, outcome: .continue, nextEvaluationOn: today.adding(days: 30), today: today) == .active)
        #expect(try MeasureRules.evaluate(.active, outcome: .completed, nextEvaluationOn: nil, today: today) == .completed)
        #expect(try MeasureRules.evaluate(.active, outcome: .stopped, nextEvaluationOn: nil, today: today) == .stopped)
        #expect(throws: MeasureRuleError.nextEvaluationRequired) { try MeasureRules.evaluate(.active, outcome: .continue, nextEvaluationOn: nil, today: today) }
        #expect(throws: MeasureRuleError.nextEvaluationNotAfterToday) {
            try MeasureRules.evaluate(.active, outcome: .continue, nextEvaluationOn: today, today: today)
        }
        #expect(throws: MeasureRuleError.nextEvaluationNotAllowed) {
            try MeasureRules.evaluate(.active, outcome: .completed, nextEvaluationOn: today.adding(days: 3), today: today)
        }
        #expect(throws: MeasureRuleError.notActive(.completed)) { try MeasureRules.evaluate(.completed, outcome: .stopped, nextEvaluationOn: nil, today: today) }
    }

    @Test func aMeasureIsDueTheDayAfterItsEvaluationDateOnce() {
        let due = LocalDate("2027-03-01")!
        #expect(!MeasureRules.isEvaluationDue(status: .active, evaluationDueOn: due, alreadyReminded: false, containerOpen: true, today: due))
        #expect(MeasureRules.isEvaluationDue(status: .active, evaluationDueOn: due, alreadyReminded: false, containerOpen: true, today: due.adding(days: 1)))
        #expect(!MeasureRules.isEvaluationDue(status: .active, evaluationDueOn: due, alreadyReminded: true, containerOpen: true, today: due.adding(days: 1)))
        #expect(!MeasureRules.isEvaluationDue(status: .completed, evaluationDueOn: due, alreadyReminded: false, containerOpen: true, today: due.adding(days: 9)))
        #expect(!MeasureRules.isEvaluationDue(status: .active, evaluationDueOn: due, alreadyReminded: false, containerOpen: false, today: due.adding(days: 9)))
        #expect(MeasureRules.defaultEvaluationDate(after: due) == LocalDate("2027-04-12"))
    }

    // MARK: Called meetings

    @Test func aSingleCalledMeetingTakesNoSubmittedCases() throws {
        let start = LocalDateTime(year: 2027, month: 3, day: 10, hour: 14, minute: 0)!
        let meetings = try CalledMeetingPlan.meetings(start: start, rule: nil, holidayPolicy: .keep, durationMinutes: 90, agendaLeadHours: 72, now: F.now)
        #expect(meetings.count == 1)
        #expect(meetings[0].startsAt == OsloTime.instant(for: start))
        #expect(meetings[0].endsAt == OsloTime.instant(for: start).addingTimeInterval(5400))
        #expect(meetings[0].agendaDueAt == OsloTime.instant(for: start).addingTimeInterval(-72 * 3600))
        #expect(meetings[0].submissionDeadline == F.now)
    }

    @Test func aShortFollowUpSeriesEverySixWeeks() throws {
        let start = LocalDateTime(year: 2027, month: 3, day: 10, hour: 14, minute: 0)!
        let rule = try RecurrenceRule(parsing: "FREQ=WEEKLY;INTERVAL=6;UNTIL=20270701")
        let meetings = try CalledMeetingPlan.meetings(start: start, rule: rule, holidayPolicy: .keep, durationMinutes: 60, agendaLeadHours: 48, now: F.now)
        #expect(meetings.map { OsloTime.localDate(at: $0.startsAt).description } == ["2027-03-10", "2027-04-21", "2027-06-02"])
        // Wall time is kept across the change to summer time.
        #expect(meetings.allSatisfy { OsloTime.localDateTime(at: $0.startsAt).time == LocalTime(hour: 14, minute: 0) })
    }

    @Test func calledMeetingPlanRefusals() throws {
        let start = LocalDateTime(year: 2027, month: 3, day: 10, hour: 14, minute: 0)!
        let past = LocalDateTime(year: 2027, month: 2, day: 10, hour: 14, minute: 0)!
        #expect(throws: CalledMeetingPlan.PlanError.startInPast) {
            try CalledMeetingPlan.meetings(start: past, rule: nil, holidayPolicy: .keep, durationMinutes: 60, agendaLeadHours: 48, now: F.now)
        }
        #expect(throws: CalledMeetingPlan.PlanError.unbounded) {
            try CalledMeetingPlan.meetings(start: start, rule: RecurrenceRule(parsing: "FREQ=WEEKLY;INTERVAL=6"), holidayPolicy: .keep,
                                           durationMinutes: 60, agendaLeadHours: 48, now: F.now)
        }
        #expect(throws: CalledMeetingPlan.PlanError.tooMany(20)) {
            try CalledMeetingPlan.meetings(start: start, rule: RecurrenceRule(parsing: "FREQ=WEEKLY;COUNT=20"), holidayPolicy: .keep,
                                           durationMinutes: 60, agendaLeadHours: 48, now: F.now)
        }
        #expect(throws: CalledMeetingPlan.PlanError.spanTooLong) {
            try CalledMeetingPlan.meetings(start: start, rule: RecurrenceRule(parsing: "FREQ=YEARLY;UNTIL=20300101"), holidayPolicy: .keep,
                                           durationMinutes: 60, agendaLeadHours: 48, now: F.now)
        }
    }

    // MARK: Transitions

    @Test func transitionStages() {
        #expect(TransitionStage.kindergartenToSchool.leavingGrade == 0)
        #expect(TransitionStage.kindergartenToSchool.sendingService == .kindergarten)
        #expect(TransitionStage.primaryToLowerSecondary.leavingGrade == 7)
        #expect(TransitionStage.lowerSecondaryToUpperSecondary.leavingGrade == 10)
        #expect(TransitionStage.lowerSecondaryToUpperSecondary.sendingService == .school)
    }

    @Test func namedTransitionItemsOnlyWithConsentAndOnlyTheConsentedCategories() {
        // A kindergarten (the child's own unit) → school (F.otherSchool receives) transition.
        let kindergarten = UUID()
        let scope = ArenaScope(id: F.arena, participantServices: [.kindergarten, .school, .ppt], unitBoundUnitIds: [kindergarten, F.otherSchool])
        func decide(_ consents: [ConsentGrant]) -> TransitionRules.Decision {
            TransitionRules.decide(consents: consents, arena: scope, childAge: 6, childUnitId: kindergarten, at: F.now)
        }
        let narrow = F.consent([.kindergarten, .school, .ppt], units: [F.otherSchool], information: [.identity, .schoolSituation])
        guard case .named(_, let categories) = decide([narrow]) else {
            Issue.record("a consent covering the arena's services and naming the receiving school gives a named item")
            return
        }
        #expect(categories == [InformationCategory.schoolSituation])
        // Naming the transition arena is enough.
        if case .noItem = decide([F.consent([], arenas: [F.arena])]) {
            Issue.record("a consent naming the arena gives a named item")
        }
        // "School" in a consent is the child's own school: without the receiving school named, no item (issue 12, finding 3).
        #expect(decide([F.consent([.kindergarten, .school, .ppt])]) == .noItem(.arenaNotCovered))
        #expect(decide([F.consent([.kindergarten, .school, .ppt], units: [F.school])]) == .noItem(.arenaNotCovered))
        // Not every service of the arena, no identity, withdrawn, none: no item at all.
        #expect(decide([F.consent([.kindergarten, .school], units: [F.otherSchool])]) == .noItem(.arenaNotCovered))
        #expect(decide([F.consent([], arenas: [F.arena], information: [.health])]) == .noItem(nil))
        #expect(decide([F.consent([], arenas: [F.arena], withdrawn: F.now.addingTimeInterval(-1))]) == .noItem(.notActive))
        #expect(decide([]) == .noItem(nil))
    }

    // MARK: Events

    @Test func coordinationEventsCarryIdsAndCodesOnly() throws {
        let child = UUID(), measure = UUID(), owner = UUID()
        let event = MeasureEvaluationDue(childId: child, measureId: measure, ownerId: owner, coordinatorPersonId: nil, logId: UUID(), planId: nil,
                                         evaluationDueOn: LocalDate("2027-03-01")!)
        let json = try JSONSerialization.jsonObject(with: EventJSON.encoder().encode(event)) as? [String: Any] ?? [:]
        #expect(Set(json.keys) == ["child_id", "measure_id", "owner_id", "log_id", "evaluation_due_on"])
        #expect(json["evaluation_due_on"] as? String == "2027-03-01")
        #expect(event.subject == child)
        #expect(MeasureEvaluationDue.type == "measure.evaluation_due" && MeasureEvaluationDue.topic == .coordination)
        let decoded = try EventJSON.decoder().decode(MeasureEvaluationDue.self, from: EventJSON.encoder().encode(event))
        #expect(decoded == event)
        #expect([CoordinatorAssigned.type, CoordinatorHandedOver.type, MeasureAdded.type, LogClosed.type]
            == ["coordinator.assigned", "coordinator.handed_over", "measure.added", "log.closed"])
    }
}
