import Foundation
import SamtakDomain
import Testing

/// Who reads what is about the child in a meeting around one child (pure rule, no I/O).
@Suite("Meetings around one child: who reads the child's items")
struct ChildMeetingContentTests {
    let child = UUID(), guardian = UUID(), nurse = UUID(), school = UUID(), health = UUID()
    let now = Date()

    var relations: ChildRelations { ChildRelations(childId: child, guardianIds: [guardian], personId: nil, unitId: school) }
    var nursePrincipal: Principal {
        Principal(personId: nurse, kind: .staff, memberships: [.init(unitId: health, service: .healthStation, role: .schoolNurse)])
    }
    func consent(withdrawn: Bool) -> ConsentGrant {
        ConsentGrant(id: UUID(), childId: child, services: [.healthStation, .school], arenaIds: [], information: [],
                     validFrom: LocalDate(year: 2020, month: 1, day: 1)!, validUntil: nil,
                     withdrawnAt: withdrawn ? now.addingTimeInterval(-60) : nil, youngPersonConsented: false)
    }

    @Test("an invited helper reads on the consent; not invited, or after withdrawal, nothing; the guardian always")
    func rule() {
        let invited = AccessPolicy.childMeetingContent(takesPart: true, principal: nursePrincipal, child: relations,
                                                       consents: [consent(withdrawn: false)], at: now)
        #expect(invited.canSeeChild && invited.basis == .consent)
        #expect(AccessPolicy.childMeetingContent(takesPart: false, principal: nursePrincipal, child: relations,
                                                 consents: [consent(withdrawn: false)], at: now) == .denied)
        #expect(AccessPolicy.childMeetingContent(takesPart: true, principal: nursePrincipal, child: relations,
                                                 consents: [consent(withdrawn: true)], at: now) == .denied)
        let parent = Principal(personId: guardian, kind: .guardian, memberships: [])
        #expect(AccessPolicy.childMeetingContent(takesPart: true, principal: parent, child: relations, consents: [], at: now).basis == .guardian)
    }
}
