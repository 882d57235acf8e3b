import Foundation
import SamtakDomain
import Testing

/// Issue 16 as pure functions: the referral's way through BUP's intake meeting, what a
/// referral must say, and the follow-up task of a rejected referral.
@Suite("BUP intake: referral states, completeness, follow-up tasks")
struct ReferralIntakeRulesTests {
    // MARK: The referral through the intake meeting

    @Test func theIntakeMeetingsThreeAnswersMoveTheReferral() throws {
        #expect(try CaseStatus.submitted.applying(.schedule) == .scheduled)
        #expect(try CaseStatus.scheduled.applying(CaseDecision.accepted.caseTransition) == .closed)
        #expect(try CaseStatus.scheduled.applying(CaseDecision.rejected.caseTransition) == .closed)
        #expect(try CaseStatus.scheduled.applying(CaseDecision.needsMoreInformation.caseTransition) == .awaitingInformation)
        // Completed by the referrer: back to the next intake meeting.
        #expect(try CaseStatus.awaitingInformation.applying(.resubmit) == .submitted)
        #expect(try CaseStatus.awaitingInformation.applying(.withdraw) == .withdrawn)
    }

    @Test func aWaitingReferralIsNotScheduledDecidedOrResubmittedTwice() {
        #expect(!CaseStatus.awaitingInformation.allows(.schedule))
        #expect(!CaseStatus.awaitingInformation.allows(.close))
        #expect(!CaseStatus.awaitingInformation.allows(.requestInformation))
        #expect(!CaseStatus.submitted.allows(.resubmit))
        #expect(!CaseStatus.closed.allows(.resubmit))
        #expect(throws: InvalidCaseTransition.self) { try CaseStatus.submitted.applying(.resubmit) }
    }

    // MARK: Completeness

    static let mother = UUID(), father = UUID(), stepfather = UUID()
    static let guardians = [
        ReferralCompleteness.Guardian(id: mother, parentalResponsibility: true, dailyCare: true),
        ReferralCompleteness.Guardian(id: father, parentalResponsibility: true, dailyCare: false),
        ReferralCompleteness.Guardian(id: stepfather, parentalResponsibility: false, dailyCare: true),
    ]

    static func complete() -> ReferralCompleteness.Content {
        .init(question: "Angst", measuresTried: "Samtaler", currentServices: [], parentalResponsibility: [mother, father],
              dailyCare: [mother, stepfather], consentedBy: [mother, father])
    }

    @Test func aCompleteReferralHasNoGaps() {
        #expect(ReferralCompleteness.gaps(Self.complete(), guardians: Self.guardians).isEmpty)
    }

    @Test func anEmptyReferralIsMissingEveryRequiredField() {
        let empty = ReferralCompleteness.Content(question: "  ", measuresTried: nil, currentServices: nil, parentalResponsibility: nil,
                                                 dailyCare: nil, consentedBy: nil)
        let gaps = ReferralCompleteness.gaps(empty, guardians: Self.guardians)
        #expect(gaps.map(\.field) == ReferralCompleteness.fields)
        #expect(Set(gaps.map(\.rule)) == ["missing"])
    }

    @Test func guardiansMustMatchTheRegisterAndEveryResponsibleOneConsents() {
        var content = Self.complete()
        content.parentalResponsibility = [Self.mother]
        content.dailyCare = [Self.mother]
        content.consentedBy = [Self.mother, UUID()]
        let gaps = ReferralCompleteness.gaps(content, guardians: Self.guardians)
        #expect(gaps.map { "\($0.field)/\($0.rule)" } == [
            "parental_responsibility/mismatch", "daily_care/mismatch", "consented_by/incomplete", "consented_by/not_guardian",
        ])
    }

    @Test func aChildWithoutRegisteredGuardiansCannotBeReferred() {
        let gaps = ReferralCompleteness.gaps(Self.complete(), guardians: [])
        #expect(gaps.contains { $0.field == "child_id" && $0.rule == "no_guardians" })
    }

    // MARK: The follow-up task

    @Test func theDueDateIsTheArenasDaysAfterTheDecision() {
        let day = LocalDate("2026-12-09")!
        #expect(ReferralFollowUpRules.dueDate(decidedOn: day, days: ReferralFollowUpRules.defaultDays) == LocalDate("2026-12-23")!)
        #expect(ReferralFollowUpRules.dueDate(decidedOn: LocalDate("2026-12-28")!, days: 7) == LocalDate("2027-01-04")!)
    }

    @Test func overdueIsAnOpenTaskPastItsDay() {
        let due = LocalDate("2026-12-23")!
        #expect(!ReferralFollowUpRules.isOverdue(dueOn: due, status: .open, today: due))
        #expect(ReferralFollowUpRules.isOverdue(dueOn: due, status: .open, today: due.adding(days: 1)))
        #expect(!ReferralFollowUpRules.isOverdue(dueOn: due, status: .closed, today: due.adding(days: 30)))
    }

    @Test func aTaskClosesOnceAndNoFurtherActionNeedsAReason() throws {
        #expect(try ReferralFollowUpRules.close(.open, outcome: .otherServiceOffered, reason: "") == .closed)
        #expect(try ReferralFollowUpRules.close(.open, outcome: .noFurtherAction, reason: "Familien takker nei") == .closed)
        #expect(throws: InvalidFollowUpClose(reason: .reasonRequired)) {
            try ReferralFollowUpRules.close(.open, outcome: .noFurtherAction, reason: "  \n")
        }
        #expect(throws: InvalidFollowUpClose(reason: .alreadyClosed)) {
            try ReferralFollowUpRules.close(.closed, outcome: .newReferral, reason: "")
        }
        #expect(FollowUpOutcome.allCases.filter(\.requiresReason) == [.noFurtherAction])
    }

    @Test func onlyStaffOfPPTTheHealthStationOrChildWelfareOwnAFollowUp() {
        func person(_ service: ServiceKind, _ role: Role, kind: PersonKind = .staff) -> Principal {
            Principal(personId: UUID(), kind: kind, memberships: [.init(unitId: UUID(), service: service, role: role)])
        }
        #expect(ReferralFollowUpRules.mayOwn(person(.ppt, .advisor)))
        #expect(ReferralFollowUpRules.mayOwn(person(.healthStation, .schoolNurse)))
        #expect(ReferralFollowUpRules.mayOwn(person(.childWelfare, .caseworker)))
        #expect(!ReferralFollowUpRules.mayOwn(person(.bup, .clinician)))
        #expect(!ReferralFollowUpRules.mayOwn(person(.school, .teacher)))
        #expect(!ReferralFollowUpRules.mayOwn(person(.ppt, .administrator)))
        #expect(!ReferralFollowUpRules.mayOwn(person(.ppt, .advisor, kind: .guardian)))
    }

    @Test func theListPutsOverdueTasksFirstThenTheEarliestDueDate() {
        let today = LocalDate("2026-12-20")!
        let a = (id: UUID(), due: LocalDate("2026-12-30")!), b = (id: UUID(), due: LocalDate("2026-12-18")!)
        let c = (id: UUID(), due: LocalDate("2026-12-22")!), d = (id: UUID(), due: LocalDate("2026-12-10")!)
        let ordered = ReferralFollowUpRules.listOrder([a, b, c, d], today: today, dueOn: \.due, id: \.id)
        #expect(ordered.map(\.due) == [d.due, b.due, c.due, a.due])
    }
}
