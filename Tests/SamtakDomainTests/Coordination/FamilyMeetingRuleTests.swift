import Foundation
import SamtakDomain
import Testing

@Suite("A school's samarbeidsmøte with the guardians needs no consent; another service does")
struct FamilyMeetingRuleTests {
    typealias F = CoordinationFixture

    @Test func ownSchoolAndFamilyNeedNoConsent() {
        #expect(FamilyMeetingRule.needsNoConsent(.samarbeidsmote, participants: [F.teacher, F.parent], child: F.relations))
        #expect(FamilyMeetingRule.isOwnUnitStaff(F.teacher.memberships, child: F.relations))
    }

    @Test func anotherServiceOrAnotherSchoolOrAnAnsvarsgruppeNeedsTheConsent() {
        #expect(!FamilyMeetingRule.needsNoConsent(.samarbeidsmote, participants: [F.teacher, F.parent, F.pptAdvisor], child: F.relations))
        #expect(!FamilyMeetingRule.needsNoConsent(.samarbeidsmote, participants: [F.otherTeacher, F.parent], child: F.relations))
        #expect(!FamilyMeetingRule.needsNoConsent(.ansvarsgruppe, participants: [F.teacher, F.parent], child: F.relations))
        let gone = F.staff([(F.school, .school, .teacher)], active: false)
        #expect(!FamilyMeetingRule.needsNoConsent(.samarbeidsmote, participants: [gone, F.parent], child: F.relations))
        let administrator = F.staff([(F.school, .school, .administrator)])
        #expect(!FamilyMeetingRule.isOwnUnitStaff(administrator.memberships, child: F.relations))
        let noUnit = ChildRelations(childId: F.child, guardianIds: [F.guardian], personId: nil, unitId: nil)
        #expect(!FamilyMeetingRule.needsNoConsent(.samarbeidsmote, participants: [F.teacher, F.parent], child: noUnit))
    }
}
