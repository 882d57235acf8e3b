import Foundation
import SamtakDomain
import Testing

/// A small world for the coordination rules: a child at a school, with guardians.
enum CoordinationFixture {
    static let school = UUID()
    static let otherSchool = UUID()
    static let ppt = UUID()
    static let health = UUID()
    static let welfare = UUID()
    static let municipality = UUID()
    static let child = UUID()
    static let guardian = UUID()
    static let arena = UUID()
    static let now = OsloTime.instant(for: LocalDateTime(year: 2027, month: 3, day: 1, hour: 12, minute: 0)!)

    static let relations = ChildRelations(childId: child, guardianIds: [guardian], personId: nil, unitId: school)

    static func consent(_ services: Set<ServiceKind>, arenas: Set<UUID> = [], units: Set<UUID> = [], from: String = "2027-01-01", until: String? = nil,
                        withdrawn: Date? = nil, youngPerson: Bool = false, information: Set<InformationCategory> = Set(InformationCategory.allCases)) -> ConsentGrant {
        ConsentGrant(id: UUID(), childId: child, services: services, arenaIds: arenas, unitIds: units, information: information,
                     validFrom: LocalDate(from)!, validUntil: until.flatMap(LocalDate.init), withdrawnAt: withdrawn, youngPersonConsented: youngPerson)
    }

    static func staff(_ memberships: [(UUID, ServiceKind, Role)], id: UUID = UUID(), active: Bool = true) -> ParticipantFacts {
        ParticipantFacts(personId: id, kind: .staff, active: active, memberships: memberships.map { .init(unitId: $0.0, service: $0.1, role: $0.2) },
                         isGuardian: false, isChild: false)
    }

    static func principal(_ facts: ParticipantFacts) -> Principal {
        Principal(personId: facts.personId, kind: facts.kind, memberships: facts.memberships)
    }

    static let teacher = staff([(school, .school, .teacher)])
    static let otherTeacher = staff([(otherSchool, .school, .teacher)])
    static let pptAdvisor = staff([(ppt, .ppt, .advisor)])
    static let nurse = staff([(health, .healthStation, .schoolNurse)])
    static let caseworker = staff([(welfare, .childWelfare, .caseworker)])
    static let barnekoordinator = staff([(municipality, .municipalAdministration, .coordinator)])
    static let administrator = staff([(municipality, .municipalAdministration, .administrator)])
    static let parent = ParticipantFacts(personId: guardian, kind: .guardian, active: true, memberships: [], isGuardian: true, isChild: false)
}

@Suite("Coordination: consent decides who coordinates, reads the log and meets")
struct CoordinationPolicyTests {
    typealias F = CoordinationFixture

    @Test func coordinatorMustComeFromACoveredService() {
        let consents = [F.consent([.school, .ppt])]
        let ok = CoordinationPolicy.coordinatorEligibility(candidate: F.pptAdvisor, child: F.relations, consents: consents, unitId: nil, at: F.now)
        #expect((try? ok.get())?.membership.service == .ppt)
        let refused = CoordinationPolicy.coordinatorEligibility(candidate: F.nurse, child: F.relations, consents: consents, unitId: nil, at: F.now)
        #expect(refused.failure == .serviceNotCovered)
        // "school" is the child's own school, not every school.
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.otherTeacher, child: F.relations, consents: consents, unitId: nil, at: F.now)
            .failure == .serviceNotCovered)
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.teacher, child: F.relations, consents: consents, unitId: nil, at: F.now)
            .failure == nil)
    }

    @Test func municipalCoordinatorCountsWhenNamedButNotTheRegisterAdministrator() {
        let consents = [F.consent([.municipalAdministration])]
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.barnekoordinator, child: F.relations, consents: consents, unitId: nil, at: F.now)
            .failure == nil)
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.administrator, child: F.relations, consents: consents, unitId: nil, at: F.now)
            .failure == .serviceNotCovered)
    }

    @Test func noConsentInForceRefusesEveryone() {
        let withdrawn = [F.consent([.ppt], withdrawn: F.now.addingTimeInterval(-60))]
        let expired = [F.consent([.ppt], until: "2027-02-01")]
        let future = [F.consent([.ppt], from: "2027-06-01")]
        for consents in [withdrawn, expired, future, []] {
            #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.pptAdvisor, child: F.relations, consents: consents, unitId: nil, at: F.now)
                .failure == .noActiveConsent)
        }
    }

    @Test func guardiansAndOtherKindsCannotCoordinate() {
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: F.parent, child: F.relations, consents: [F.consent([.ppt])], unitId: nil, at: F.now)
            .failure == .notStaff)
        let inactive = F.staff([(F.ppt, .ppt, .advisor)], active: false)
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: inactive, child: F.relations, consents: [F.consent([.ppt])], unitId: nil, at: F.now)
            .failure == .notStaff)
    }

    @Test func aGivenUnitMustBeTheCandidatesAndCovered() {
        let both = F.staff([(F.ppt, .ppt, .advisor), (F.health, .healthStation, .schoolNurse)])
        let consents = [F.consent([.ppt])]
        #expect((try? CoordinationPolicy.coordinatorEligibility(candidate: both, child: F.relations, consents: consents, unitId: F.ppt, at: F.now).get())?
            .membership.unitId == F.ppt)
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: both, child: F.relations, consents: consents, unitId: F.health, at: F.now)
            .failure == .notMemberOfUnit)
        #expect(CoordinationPolicy.coordinatorEligibility(candidate: both, child: F.relations, consents: consents, unitId: F.welfare, at: F.now)
            .failure == .notMemberOfUnit)
    }

    @Test func theLogIsReadByFamilyAndWrittenByCoveredStaffOnly() {
        let consents = [F.consent([.school, .ppt])]
        #expect(CoordinationPolicy.logAccess(principal: F.principal(F.pptAdvisor), child: F.relations, consents: consents, at: F.now).canWrite)
        #expect(CoordinationPolicy.logAccess(principal: F.principal(F.teacher), child: F.relations, consents: consents, at: F.now).canWrite)
        #expect(CoordinationPolicy.logAccess(principal: F.principal(F.nurse), child: F.relations, consents: consents, at: F.now) == .none)
        #expect(CoordinationPolicy.logAccess(principal: F.principal(F.otherTeacher), child: F.relations, consents: consents, at: F.now) == .none)
        let parent = Principal(personId: F.guardian, kind: .guardian, memberships: [])
        #expect(CoordinationPolicy.logAccess(principal: parent, child: F.relations, consents: [], at: F.now) == .readOnly(.guardian))
        // Without consent even the child's own school cannot read the log.
        #expect(CoordinationPolicy.logAccess(principal: F.principal(F.teacher), child: F.relations, consents: [], at: F.now) == .none)
    }

    @Test func calledMeetingParticipantsNeedOneConsentCoveringEveryHelper() {
        let consents = [F.consent([.school, .ppt]), F.consent([.healthStation])]
        let people = [F.teacher, F.parent, F.pptAdvisor]
        let check = CoordinationPolicy.checkParticipants(people, arenaId: F.arena, child: F.relations, consents: consents,
                                                         youngPersonMustConsent: false, at: F.now)
        #expect(check.isAllowed)
        #expect(check.consent?.services == [.school, .ppt])
        // A nurse too: no single consent covers school, PPT and the health station.
        let mixed = CoordinationPolicy.checkParticipants(people + [F.nurse], arenaId: F.arena, child: F.relations, consents: consents,
                                                         youngPersonMustConsent: false, at: F.now)
        #expect(!mixed.isAllowed)
        #expect(mixed.refused == [3: .serviceNotCovered])
        // A consent to the arena itself (an ansvarsgruppe) lifts confidentiality between its participants.
        let arenaConsent = CoordinationPolicy.checkParticipants(people + [F.nurse], arenaId: F.arena, child: F.relations,
                                                                consents: [F.consent([], arenas: [F.arena])], youngPersonMustConsent: false, at: F.now)
        #expect(arenaConsent.isAllowed)
        // From the arena's age, the young person's own consent is needed.
        let young = CoordinationPolicy.checkParticipants(people, arenaId: F.arena, child: F.relations, consents: consents,
                                                         youngPersonMustConsent: true, at: F.now)
        #expect(!young.isAllowed)
        #expect(young.refused[0] == .noActiveConsent)
    }

    @Test func whoMayCallAMeetingAroundAChild() {
        let consents = [F.consent([.school, .childWelfare])]
        func access(_ facts: ParticipantFacts) -> LogAccess {
            CoordinationPolicy.logAccess(principal: F.principal(facts), child: F.relations, consents: consents, at: F.now)
        }
        #expect(CoordinationPolicy.mayCall(.ansvarsgruppe, isCoordinator: true, logAccess: .none, principal: F.principal(F.pptAdvisor)))
        #expect(CoordinationPolicy.mayCall(.ansvarsgruppe, isCoordinator: false, logAccess: access(F.caseworker), principal: F.principal(F.caseworker)))
        #expect(!CoordinationPolicy.mayCall(.ansvarsgruppe, isCoordinator: false, logAccess: access(F.teacher), principal: F.principal(F.teacher)))
        #expect(CoordinationPolicy.mayCall(.samarbeidsmote, isCoordinator: false, logAccess: access(F.teacher), principal: F.principal(F.teacher)))
        #expect(!CoordinationPolicy.mayCall(.samarbeidsmote, isCoordinator: false, logAccess: access(F.nurse), principal: F.principal(F.nurse)))
        #expect(!CoordinationPolicy.mayCall(.ressursteam, isCoordinator: false, logAccess: access(F.teacher), principal: F.principal(F.teacher)))
        // The organiser of a transition to upper secondary establishes the ansvarsgruppe (and nothing else by it).
        #expect(CoordinationPolicy.mayCall(.ansvarsgruppe, isCoordinator: false, logAccess: access(F.teacher), principal: F.principal(F.teacher),
                                           organisesTransitionToUpperSecondary: true))
        #expect(!CoordinationPolicy.mayCall(.ressursteam, isCoordinator: false, logAccess: access(F.teacher), principal: F.principal(F.teacher),
                                            organisesTransitionToUpperSecondary: true))
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error } else { return nil } }
}
