import Foundation
import SamtakDomain
import Testing

/// The access rules of issue 12 as pure functions: consent by purpose, who records it,
/// ownership without a basis, "school" meaning the child's own school, guardians without
/// parental responsibility or daily care, and who organises a meeting.
@Suite("Access rules: consent, ownership, units, guardians, organisers")
struct AccessRulesTests {
    typealias F = CoordinationFixture

    static let mother = UUID(), father = UUID(), stepfather = UUID()
    static let guardianships = [
        Guardianship(guardianId: mother, parentalResponsibility: true, dailyCare: true),
        Guardianship(guardianId: father, parentalResponsibility: true, dailyCare: false),
        Guardianship(guardianId: stepfather, parentalResponsibility: false, dailyCare: true),
    ]

    static func givers(_ givenBy: [UUID], youngPerson: Bool = false, services: Set<ServiceKind>, arenas: [ArenaScope] = [], age: Int?)
        -> (rule: ConsentGiverRule?, rules: [String]) {
        let result = ConsentRules.checkGivers(givenBy: givenBy, youngPersonConsented: youngPerson, guardianships: guardianships,
                                              purpose: ConsentPurpose(services: services, arenas: arenas), childAge: age)
        return (result.rule, result.violations.map(\.rule))
    }

    // MARK: Whose consent

    @Test func theYoungPersonConsentsAloneOnlyToHealthServicesFromTheirAge() {
        #expect(Self.givers([], youngPerson: true, services: [.healthStation, .bup], age: 16) == (.youngPerson, []))
        #expect(Self.givers([], youngPerson: true, services: [.healthStation, .bup], age: 15) == (nil, ["young_person_too_young"]))
        #expect(Self.givers([], youngPerson: true, services: [.healthStation], age: nil) == (nil, ["young_person_too_young"]))
        // The probe: an 11-year-old "alone" for police, child welfare and NAV; and a 17-year-old for the police.
        #expect(Self.givers([], youngPerson: true, services: [.police, .childWelfare, .nav], age: 11) == (nil, ["guardians_required"]))
        #expect(Self.givers([], youngPerson: true, services: [.healthStation, .police], age: 17) == (nil, ["guardians_required"]))
        // An arena gives its own age; an arena without one needs the guardians.
        let intake = ArenaScope(id: UUID(), participantServices: [.bup, .healthStation], youngPersonConsentAge: 16)
        #expect(Self.givers([], youngPerson: true, services: [], arenas: [intake], age: 16) == (.youngPerson, []))
        let ressursteam = ArenaScope(id: UUID(), participantServices: [.school, .healthStation])
        #expect(Self.givers([], youngPerson: true, services: [], arenas: [ressursteam], age: 17) == (nil, ["guardians_required"]))
        #expect(ConsentPurpose(services: [.healthStation, .bup], arenas: [intake]).youngPersonOwnConsentAge == 16)
        #expect(ConsentPurpose(services: [.healthStation, .school], arenas: []).youngPersonOwnConsentAge == nil)
    }

    @Test func guardiansWithParentalResponsibilityConsentAsThePurposeSays() {
        // Another service: all with parental responsibility.
        #expect(Self.givers([Self.mother, Self.father], services: [.school, .healthStation], age: 10) == (.allWithParentalResponsibility, []))
        #expect(Self.givers([Self.mother], services: [.school, .healthStation], age: 10) == (nil, ["parental_responsibility"]))
        // The child's own school alone: one of them suffices.
        #expect(Self.givers([Self.father], services: [.school], age: 10) == (.oneGuardian, []))
        // An arena always needs them all.
        #expect(Self.givers([Self.father], services: [], arenas: [ArenaScope(id: UUID(), participantServices: [.school])], age: 10).rules
            == ["parental_responsibility"])
        // Daily care without parental responsibility: no consent on the child's behalf.
        #expect(Self.givers([Self.stepfather], services: [.school], age: 10).rules.contains("not_parental_responsibility"))
        #expect(Self.givers([UUID()], services: [.school], age: 10).rules.contains("not_guardian"))
        #expect(Self.givers([], services: [.school], age: 10) == (nil, ["required"]))
        // A 16-year-old's consent besides the guardians': the guardians' rule no longer applies.
        #expect(Self.givers([Self.mother], youngPerson: true, services: [.bup], age: 16) == (.youngPerson, []))
        // Nobody with parental responsibility registered.
        let none = ConsentRules.checkGivers(givenBy: [Self.stepfather], youngPersonConsented: false,
                                            guardianships: [Self.guardianships[2]], purpose: ConsentPurpose(services: [.school], arenas: []), childAge: 8)
        #expect(none.violations.map(\.rule) == ["not_parental_responsibility", "no_parental_responsibility"])
    }

    // MARK: Who records

    @Test func aConsentIsRecordedByTheOwnUnitOrANamedServiceAndOnlyForWhatTheirServiceMayAsk() {
        let teacher = F.principal(F.teacher), otherTeacher = F.principal(F.otherTeacher), advisor = F.principal(F.pptAdvisor)
        let admin = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: F.municipality, service: .municipalAdministration, role: .administrator)])
        let guardian = Principal(personId: F.guardian, kind: .guardian, memberships: [])
        func may(_ principal: Principal, _ services: Set<ServiceKind>, units: Set<UUID> = []) -> ConsentRecording.Refusal? {
            ConsentRecording.mayRecord(principal, child: F.relations, purpose: ConsentPurpose(services: services, arenas: []), unitIds: units)
        }
        #expect(may(teacher, [.healthStation]) == nil)                 // own unit
        #expect(may(advisor, [.ppt, .healthStation]) == nil)           // a named service
        #expect(may(advisor, [.school, .healthStation]) == .notInvolved)
        #expect(may(otherTeacher, [.school]) == .notInvolved)          // "school" is the child's own school ...
        #expect(may(otherTeacher, [.school], units: [F.otherSchool]) == nil)  // ... unless the consent names theirs
        #expect(may(admin, [.municipalAdministration]) == .notStaff)
        #expect(may(guardian, [.school]) == .notStaff)

        #expect(ConsentRecording.outsideAskable(teacher, services: [.school, .police, .nav], arenas: []).map(\.field) == ["services[1]", "services[2]"])
        #expect(ConsentRecording.outsideAskable(teacher, services: [.school, .healthStation, .ppt, .childWelfare, .bup], arenas: []).isEmpty)
        let slt = ArenaScope(id: UUID(), participantServices: [.police, .municipalAdministration, .school])
        #expect(ConsentRecording.outsideAskable(teacher, services: [], arenas: [slt]).map(\.field) == ["arena_ids[0]"])
        let caseworker = F.principal(F.caseworker)
        #expect(ConsentRecording.outsideAskable(caseworker, services: [.police, .nav, .school], arenas: [slt]).isEmpty)
        for service in ServiceKind.allCases { #expect(service.askableConsentServices.contains(service)) }
    }

    // MARK: Ownership, units, guardians

    @Test func owningACaseIsNoBasisForTheChild() {
        let police = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: UUID(), service: .police, role: .advisor)])
        let teacher = F.principal(F.teacher), nurse = F.principal(F.nurse)
        let arena = ArenaScope(id: F.arena, participantServices: [.school, .healthStation], unitBoundUnitIds: [F.school])
        let consent = F.consent([.school, .healthStation])
        func access(_ principal: Principal, owner: UUID, consents: [ConsentGrant], participant: Bool = false) -> AccessDecision {
            let facts = CaseFacts(kind: .named, ownerId: owner, submittedBy: F.teacher.personId, submittingUnitId: F.school, arena: arena, targetService: nil)
            return AccessPolicy.caseAccess(principal: principal, facts: facts, child: F.relations, consents: consents, isArenaParticipant: participant, at: F.now)
        }
        // The probe's police owner: the case redacted, never the child.
        #expect(access(police, owner: police.personId, consents: [consent]) == .redacted(.owner))
        // An owner the consent covers, and the submitter at the child's own school (also after the consent is gone).
        #expect(access(nurse, owner: nurse.personId, consents: [consent]) == .full(.consent, consentId: consent.id))
        #expect(access(nurse, owner: nurse.personId, consents: []) == .redacted(.owner))
        #expect(access(teacher, owner: nurse.personId, consents: []) == .full(.ownUnit, consentId: nil))
        #expect(MeetingRoles.caseOwnerTakesPart(access(police, owner: police.personId, consents: [consent])) == false)
        #expect(MeetingRoles.caseOwnerTakesPart(access(teacher, owner: teacher.personId, consents: [])))
        // Anonymous and system cases: the owner as before.
        let anonymous = CaseFacts(kind: .anonymous, ownerId: police.personId, submittedBy: F.teacher.personId, submittingUnitId: F.school,
                                  arena: arena, targetService: nil)
        #expect(AccessPolicy.caseAccess(principal: police, facts: anonymous, child: nil, consents: [], isArenaParticipant: false, at: F.now)
            == .full(.owner, consentId: nil))
    }

    @Test func schoolInAConsentIsTheChildsOwnSchoolOrOneItNames() {
        let other = F.principal(F.otherTeacher)
        let general = F.consent([.school, .healthStation, .ppt])
        #expect(AccessPolicy.childAccess(principal: other, child: F.relations, consents: [general], at: F.now) == .denied)
        let naming = F.consent([.school, .ppt], units: [F.otherSchool])
        #expect(AccessPolicy.childAccess(principal: other, child: F.relations, consents: [naming], at: F.now) == .full(.consent, consentId: naming.id))
        // An arena with another school in it is covered only when that school (or the arena) is named.
        let transition = ArenaScope(id: F.arena, participantServices: [.school, .ppt], unitBoundUnitIds: [F.school, F.otherSchool])
        #expect(!general.covers(transition, childUnitId: F.school))
        #expect(naming.covers(transition, childUnitId: F.school))
        #expect(F.consent([], arenas: [F.arena]).covers(transition, childUnitId: F.school))
        #expect(AccessPolicy.coveringConsent(principal: other, arena: transition, targetService: nil, childUnitId: F.school, consents: [general], at: F.now) == nil)
        // The register's administrator is never covered, whatever the consent names.
        let admin = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: F.ppt, service: .ppt, role: .administrator)])
        #expect(AccessPolicy.childAccess(principal: admin, child: F.relations, consents: [general], at: F.now) == .denied)
    }

    @Test func aGuardianWithoutParentalResponsibilityOrDailyCareSeesNothing() {
        let none = UUID()
        let relations = ChildRelations(childId: F.child, guardianships: Self.guardianships + [
            Guardianship(guardianId: none, parentalResponsibility: false, dailyCare: false),
        ], personId: nil, unitId: F.school)
        #expect(relations.guardianIds == [Self.mother, Self.father, Self.stepfather])
        let stranger = Principal(personId: none, kind: .guardian, memberships: [])
        #expect(AccessPolicy.childAccess(principal: stranger, child: relations, consents: [], at: F.now) == .denied)
        let father = Principal(personId: Self.father, kind: .guardian, memberships: [])
        #expect(AccessPolicy.childAccess(principal: father, child: relations, consents: [], at: F.now) == .full(.guardian, consentId: nil))
    }

    // MARK: Organisers

    @Test func theAdministratorOrganisesNoMeetingAndAChildsMeetingIsOrganisedByItsCaller() {
        let owner = UUID(), caller = UUID(), ownerUnit = UUID()
        let admin = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: ownerUnit, service: .municipalAdministration, role: .administrator)])
        let leader = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: ownerUnit, service: .school, role: .unitLeader)])
        let arenaOwner = Principal(personId: owner, kind: .staff, memberships: [])
        let callerPrincipal = Principal(personId: caller, kind: .staff, memberships: [])
        let series = MeetingOrganisation(arenaOwnerPersonId: owner, arenaOwnerUnitId: ownerUnit, calledBy: nil, aroundChild: false)
        let aroundChild = MeetingOrganisation(arenaOwnerPersonId: owner, arenaOwnerUnitId: ownerUnit, calledBy: caller, aroundChild: true)
        #expect(MeetingRoles.isOrganiser(arenaOwner, series) && MeetingRoles.isOrganiser(leader, series))
        #expect(!MeetingRoles.isOrganiser(admin, series) && !MeetingRoles.isOrganiser(admin, aroundChild))
        #expect(MeetingRoles.isOrganiser(callerPrincipal, aroundChild))
        #expect(!MeetingRoles.isOrganiser(arenaOwner, aroundChild) && !MeetingRoles.isOrganiser(leader, aroundChild))
        #expect(!MeetingRoles.mayMove(arenaOwner, aroundChild, isChildsCoordinator: false))
        #expect(MeetingRoles.mayMove(arenaOwner, aroundChild, isChildsCoordinator: true))
    }
}
