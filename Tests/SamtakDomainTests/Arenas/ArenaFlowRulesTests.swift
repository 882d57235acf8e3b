import Foundation
import SamtakDomain
import Testing

/// Issue 18's special flows, pure (no I/O).
@Suite("Arena flows: the nurse only with consent; teams against bullying")
struct ArenaFlowRulesTests {
    static let school = UUID(), health = UUID(), child = UUID(), teacher = UUID()
    static let absence = ArenaScope(id: UUID(), participantServices: [.school, .healthStation], unitBoundUnitIds: [school],
                                    consentOnlyServices: [.healthStation])
    static let nurse = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: health, service: .healthStation, role: .schoolNurse)])
    static let socialTeacher = Principal(personId: UUID(), kind: .staff,
                                         memberships: [.init(unitId: school, service: .school, role: .socialTeacher)])
    static let facts = CaseFacts(kind: .named, ownerId: teacher, submittedBy: teacher, submittingUnitId: school, arena: absence, targetService: nil)
    static let relations = ChildRelations(childId: child, guardianIds: [UUID()], personId: nil, unitId: school)

    static func consent(services: Set<ServiceKind>, arenas: Set<UUID> = []) -> ConsentGrant {
        ConsentGrant(id: UUID(), childId: child, services: services, arenaIds: arenas, information: Set(InformationCategory.allCases),
                     validFrom: LocalDate(year: 2026, month: 1, day: 1)!, validUntil: nil, withdrawnAt: nil, youngPersonConsented: false)
    }

    static func access(_ principal: Principal, _ consents: [ConsentGrant]) -> AccessDecision {
        AccessPolicy.caseAccess(principal: principal, facts: facts, child: relations, consents: consents, isArenaParticipant: true, at: Date())
    }

    @Test("who joins only with consent: the nurse (health station only); not the school's staff, not without such services")
    func joinsOnlyWithConsent() {
        #expect(Self.absence.joinsOnlyWithConsent(Self.nurse))
        #expect(!Self.absence.joinsOnlyWithConsent(Self.socialTeacher))
        let both = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: Self.health, service: .healthStation, role: .schoolNurse),
                                                                              .init(unitId: Self.school, service: .school, role: .teacher)])
        #expect(!Self.absence.joinsOnlyWithConsent(both))
        let ressursteam = ArenaScope(id: UUID(), participantServices: [.school, .healthStation])
        #expect(!ressursteam.joinsOnlyWithConsent(Self.nurse))
    }

    @Test("the nurse is left out of a named case (not even redacted) unless a consent names the health station")
    func nurseOnlyWithConsent() {
        // No consent, or one for the school alone, or one naming the arena: the nurse sees nothing of the case.
        #expect(Self.access(Self.nurse, []) == .denied)
        #expect(Self.access(Self.nurse, [Self.consent(services: [.school])]) == .denied)
        #expect(Self.access(Self.nurse, [Self.consent(services: [], arenas: [Self.absence.id])]) == .denied)
        // A consent naming the health station (and the school): she takes part in the discussion.
        let covering = Self.consent(services: [.school, .healthStation])
        #expect(Self.access(Self.nurse, [covering]) == .full(.consent, consentId: covering.id))
        // The school's social teacher is not affected: the consent naming the arena covers her; without consent she
        // takes part with the case redacted, as before.
        #expect(Self.access(Self.socialTeacher, [Self.consent(services: [], arenas: [Self.absence.id])]).canSeeChild)
        #expect(Self.access(Self.socialTeacher, []) == .redacted(.participant))
    }

    @Test("the nurse takes part in a meeting of the arena only while a consent lets her see one of its named cases in full")
    func takesPartWithConsent() {
        let named = [(facts: Self.facts, childId: Self.child)]
        func children(_ consents: [ConsentGrant]) -> ChildFactsBatch {
            ChildFactsBatch(relations: [Self.child: Self.relations], consents: [Self.child: consents])
        }
        #expect(!AccessPolicy.takesPartWithConsent(Self.nurse, namedCases: named, children: children([]), at: Date()))
        #expect(!AccessPolicy.takesPartWithConsent(Self.nurse, namedCases: named,
                                                   children: children([Self.consent(services: [], arenas: [Self.absence.id])]), at: Date()))
        #expect(AccessPolicy.takesPartWithConsent(Self.nurse, namedCases: named,
                                                  children: children([Self.consent(services: [.school, .healthStation])]), at: Date()))
        // No named case on the agenda: nothing for her to take part in.
        #expect(!AccessPolicy.takesPartWithConsent(Self.nurse, namedCases: [], children: children([]), at: Date()))
    }

    @Test("the arena is covered for submission without the consent-only service: the meeting goes on without the nurse")
    func coverageWithoutConsentOnlyService() {
        #expect(Self.consent(services: [.school]).covers(Self.absence, childUnitId: Self.school))
        #expect(Self.consent(services: [.school, .healthStation]).covers(Self.absence, childUnitId: Self.school))
        #expect(!Self.consent(services: [.healthStation]).covers(Self.absence, childUnitId: Self.school))
        // An ordinary arena still needs every service in the room.
        let ressursteam = ArenaScope(id: UUID(), participantServices: [.school, .healthStation], unitBoundUnitIds: [Self.school])
        #expect(!Self.consent(services: [.school]).covers(ressursteam, childUnitId: Self.school))
    }

    // MARK: Beredskap mot mobbing

    static let otherSchool = UUID()
    static func person(_ unit: UUID, _ role: Role, active: Bool = true) -> BullyingTeam.Person {
        BullyingTeam.Person(id: UUID(), isActiveStaff: active, memberships: [.init(unitId: unit, service: .school, role: role)])
    }

    @Test("a team is set up by staff of the pupil's own school; responsible and members from that school; a rektor must exist")
    func establishingATeam() {
        #expect(BullyingTeam.worksAtSchool(Self.socialTeacher, school: Self.school))
        #expect(!BullyingTeam.worksAtSchool(Self.nurse, school: Self.school))
        #expect(!BullyingTeam.worksAtSchool(Self.socialTeacher, school: nil))
        let admin = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: Self.school, service: .school, role: .administrator)])
        #expect(!BullyingTeam.worksAtSchool(admin, school: Self.school))
        // Seeing a team: those it is for, not the whole staff.
        let responsible = UUID(), rektorId = UUID()
        func sees(_ principal: Principal, members: [UUID] = []) -> Bool {
            BullyingTeam.maySee(principal, school: Self.school, responsible: responsible, formallyResponsible: rektorId, createdBy: responsible,
                                members: members)
        }
        #expect(!sees(Self.socialTeacher))
        #expect(sees(Self.socialTeacher, members: [Self.socialTeacher.personId]))
        #expect(sees(Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: Self.school, service: .school, role: .unitLeader)])))
        #expect(sees(Principal(personId: responsible, kind: .staff, memberships: [.init(unitId: Self.school, service: .school, role: .teacher)])))
        #expect(!sees(Self.nurse, members: [Self.nurse.personId]))

        let teacher = Self.person(Self.school, .teacher), rektor = UUID()
        #expect(BullyingTeam.establishViolations(school: Self.school, responsible: teacher, members: [("member_ids[0]", Self.person(Self.school, .socialTeacher))],
                                                 rektor: rektor).isEmpty)
        let refused = BullyingTeam.establishViolations(
            school: Self.school, responsible: Self.person(Self.otherSchool, .teacher),
            members: [("member_ids[0]", Self.person(Self.school, .teacher, active: false)), ("member_ids[1]", nil)], rektor: nil)
        #expect(refused.map(\.field) == ["child_id", "responsible_id", "member_ids[0]", "member_ids[1]"])
        #expect(refused.map(\.rule) == ["no_rektor", "not_school_staff", "not_school_staff", "not_school_staff"])
        #expect(BullyingTeam.establishViolations(school: nil, responsible: teacher, members: [], rektor: rektor).map(\.rule) == ["no_school"])
    }

    @Test("only the rektor delegates the formal responsibility, to someone at the school, not to who holds it")
    func delegation() {
        let rektor = Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: Self.school, service: .school, role: .unitLeader)])
        #expect(BullyingTeam.isRektor(rektor, school: Self.school))
        #expect(!BullyingTeam.isRektor(Self.socialTeacher, school: Self.school))
        #expect(!BullyingTeam.isRektor(rektor, school: Self.otherSchool))
        let target = Self.person(Self.school, .socialTeacher)
        #expect(BullyingTeam.delegationViolations(school: Self.school, currentlyResponsible: rektor.personId, target: target).isEmpty)
        #expect(BullyingTeam.delegationViolations(school: Self.school, currentlyResponsible: target.id, target: target).map(\.rule) == ["unchanged"])
        #expect(BullyingTeam.delegationViolations(school: Self.school, currentlyResponsible: rektor.personId,
                                                  target: Self.person(Self.otherSchool, .teacher)).map(\.rule) == ["not_school_staff"])
        #expect(BullyingTeam.delegationViolations(school: Self.school, currentlyResponsible: rektor.personId, target: nil).map(\.rule) == ["not_school_staff"])
    }

    // MARK: Drøftingsteam barnehage

    @Test("observation needs a named case and a consent in force naming the drøftingsteam; a reflecting team needs neither")
    func discussionTeamRequest() {
        let team = UUID(), now = Date()
        let naming = Self.consent(services: [], arenas: [team])
        let byServices = Self.consent(services: [.kindergarten, .ppt])
        var withdrawn = Self.consent(services: [], arenas: [team])
        withdrawn.withdrawnAt = now.addingTimeInterval(-60)
        #expect(DiscussionTeam.observationConsent(caseKind: .named, arenaId: team, consents: [byServices, naming], at: now) == naming)
        #expect(DiscussionTeam.observationConsent(caseKind: .named, arenaId: team, consents: [byServices, withdrawn], at: now) == nil)
        #expect(DiscussionTeam.observationConsent(caseKind: .anonymous, arenaId: team, consents: [naming], at: now) == nil)

        #expect(DiscussionTeam.requestViolations(mode: .observation, arenaKind: .droftingsteam, caseKind: .named, observationConsent: naming).isEmpty)
        #expect(DiscussionTeam.requestViolations(mode: .observation, arenaKind: .droftingsteam, caseKind: .named, observationConsent: nil)
            .map(\.rule) == ["observation_consent_required"])
        #expect(DiscussionTeam.requestViolations(mode: .observation, arenaKind: .droftingsteam, caseKind: .anonymous, observationConsent: nil)
            .map(\.rule) == ["observation_needs_named_case"])
        #expect(DiscussionTeam.requestViolations(mode: .reflectingTeam, arenaKind: .droftingsteam, caseKind: .anonymous, observationConsent: nil).isEmpty)
        #expect(DiscussionTeam.requestViolations(mode: .reflectingTeam, arenaKind: .ressursteam, caseKind: .named, observationConsent: naming)
            .map(\.rule) == ["not_droftingsteam"])
    }

    @Test("feedback only after an observation, once: requested → feedback_given")
    func discussionTeamFeedback() {
        #expect(DiscussionTeam.feedbackAllowed(mode: .observation, status: .requested))
        #expect(!DiscussionTeam.feedbackAllowed(mode: .observation, status: .feedbackGiven))
        #expect(!DiscussionTeam.feedbackAllowed(mode: .reflectingTeam, status: .requested))
    }
}
