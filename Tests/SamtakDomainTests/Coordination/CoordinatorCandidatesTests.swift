import Foundation
import SamtakDomain
import Testing

@Suite("Coordinator candidates: only staff the consent covers are offered")
struct CoordinatorCandidatesTests {
    typealias F = CoordinationFixture

    @Test func offersCoveredStaffOnceAndLeavesOutTheCurrentCoordinator() {
        let consents = [F.consent([.school, .ppt, .healthStation])]
        let staff = [F.teacher, F.otherTeacher, F.pptAdvisor, F.nurse, F.caseworker, F.administrator, F.teacher]
        let found = CoordinatorCandidates.eligible(staff, child: F.relations, consents: consents, excluding: F.nurse.personId, at: F.now)
        #expect(found.map(\.person.personId) == [F.teacher.personId, F.pptAdvisor.personId])
        #expect(found.map(\.membership.service) == [.school, .ppt])
    }

    @Test func withoutAnActiveConsentNobodyIsOffered() {
        let withdrawn = [F.consent([.school, .ppt], withdrawn: F.now.addingTimeInterval(-60))]
        #expect(CoordinatorCandidates.eligible([F.teacher, F.pptAdvisor], child: F.relations, consents: withdrawn, excluding: nil, at: F.now).isEmpty)
        let scope = CoordinatorCandidates.scope(consents: withdrawn, childId: F.child, at: F.now)
        #expect(scope.services.isEmpty && scope.unitIds.isEmpty)
    }

    @Test func inactiveStaffAndGuardiansAreNotOffered() {
        let consents = [F.consent([.ppt])]
        let gone = F.staff([(F.ppt, .ppt, .advisor)], active: false)
        #expect(CoordinatorCandidates.eligible([gone, F.parent], child: F.relations, consents: consents, excluding: nil, at: F.now).isEmpty)
        let scope = CoordinatorCandidates.scope(consents: consents + [F.consent([.school], units: [F.otherSchool])], childId: F.child, at: F.now)
        #expect(scope.services == [.ppt, .school] && scope.unitIds == [F.otherSchool])
    }
}
