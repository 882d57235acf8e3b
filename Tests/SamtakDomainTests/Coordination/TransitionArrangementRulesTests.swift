import Foundation
import SamtakDomain
import Testing

/// Issue 16, seed 003: whom a child's transition arrangements bring, and who is responsible.
@Suite("Transition arrangements (pure rules)")
struct TransitionArrangementRulesTests {
    @Test("SFO brings the SFO leader, special-needs support brings PPT, a named contact teacher is invited; nothing brings nobody")
    func invitees() {
        #expect(TransitionRules.invitees(.init(attendsSfo: false, specialNeedsSupport: false, hasReceivingTeacher: false)).isEmpty)
        #expect(TransitionRules.invitees(.init(attendsSfo: true, specialNeedsSupport: false, hasReceivingTeacher: false)) == [.sfoLeader])
        #expect(TransitionRules.invitees(.init(attendsSfo: false, specialNeedsSupport: true, hasReceivingTeacher: true)) == [.receivingTeacher, .ppt])
        #expect(TransitionRules.invitees(.init(attendsSfo: true, specialNeedsSupport: true, hasReceivingTeacher: true)) == [.receivingTeacher, .sfoLeader, .ppt])
    }

    @Test("PPT is responsible where a child has special-needs support, else the receiving school")
    func responsible() {
        #expect(TransitionRules.responsibleService(specialNeedsSupport: true) == .ppt)
        #expect(TransitionRules.responsibleService(specialNeedsSupport: false) == .school)
        #expect(TransitionRules.responsibleService(itemsWithSpecialNeeds: []) == .school)
        #expect(TransitionRules.responsibleService(itemsWithSpecialNeeds: [false, true]) == .ppt)
    }

    @Test("marking special-needs support needs the consent to release special needs; unmarking never does")
    func refusal() {
        let marked = TransitionArrangements(attendsSfo: false, specialNeedsSupport: true, hasReceivingTeacher: false)
        #expect(TransitionRules.arrangementRefusal(marked, information: [.identity]) == "consent_does_not_cover_information")
        #expect(TransitionRules.arrangementRefusal(marked, information: [.identity, .specialNeeds]) == nil)
        let unmarked = TransitionArrangements(attendsSfo: true, specialNeedsSupport: false, hasReceivingTeacher: false)
        #expect(TransitionRules.arrangementRefusal(unmarked, information: []) == nil)
    }

    @Test("only the transition to upper secondary establishes a new ansvarsgruppe")
    func ansvarsgruppe() {
        #expect(TransitionStage.allCases.filter(TransitionRules.establishesAnsvarsgruppe) == [.lowerSecondaryToUpperSecondary])
    }

    @Test("the ansvarsgruppe takes the guardians and the covered staff; an organiser the consent does not cover establishes none")
    func ansvarsgruppeParticipants() {
        typealias F = CoordinationFixture
        let upperRektor = F.staff([(F.otherSchool, .school, .unitLeader)])
        // A consent naming the ansvarsgruppe arena covers everyone on staff.
        let named = F.consent([], arenas: [F.arena])
        #expect(TransitionRules.ansvarsgruppeParticipants(organiser: upperRektor, staff: [F.teacher, F.nurse], guardianIds: [F.guardian],
                                                          consent: named, arenaId: F.arena, childUnitId: F.school)
                == [upperRektor.personId, F.guardian, F.teacher.personId, F.nurse.personId])
        // A consent naming the other school and PPT: the nurse is left out, the rest come.
        let services = F.consent([.school, .ppt], units: [F.otherSchool])
        #expect(TransitionRules.ansvarsgruppeParticipants(organiser: upperRektor, staff: [F.nurse, F.pptAdvisor, upperRektor], guardianIds: [F.guardian],
                                                          consent: services, arenaId: F.arena, childUnitId: F.school)
                == [upperRektor.personId, F.guardian, F.pptAdvisor.personId])
        // "school" alone is the child's own school: the receiving school's rektor is not covered.
        #expect(TransitionRules.ansvarsgruppeParticipants(organiser: upperRektor, staff: [F.teacher], guardianIds: [F.guardian],
                                                          consent: F.consent([.school]), arenaId: F.arena, childUnitId: F.school) == nil)
    }
}
