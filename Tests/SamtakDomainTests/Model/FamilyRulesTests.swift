import Foundation
import SamtakDomain
import Testing

/// Issue 17: the family's rules, pure (no I/O).
@Suite("Families: who sees a child as family, whose digital consent, innsyn subjects")
struct FamilyRulesTests {
    let mother = UUID(), father = UUID(), stepfather = UUID(), youngPerson = UUID()
    var guardianships: [Guardianship] {
        [Guardianship(guardianId: mother, parentalResponsibility: true, dailyCare: true),
         Guardianship(guardianId: father, parentalResponsibility: true, dailyCare: false),
         Guardianship(guardianId: stepfather, parentalResponsibility: false, dailyCare: true)]
    }

    @Test("family: parental responsibility or the young person themself; daily care alone or a stranger is nothing")
    func basis() {
        #expect(FamilyAccess.basis(personId: mother, guardianships: guardianships, childPersonId: nil) == .guardian)
        #expect(FamilyAccess.basis(personId: father, guardianships: guardianships, childPersonId: nil) == .guardian)
        #expect(FamilyAccess.basis(personId: stepfather, guardianships: guardianships, childPersonId: nil) == nil)
        #expect(FamilyAccess.basis(personId: UUID(), guardianships: guardianships, childPersonId: youngPerson) == nil)
        #expect(FamilyAccess.basis(personId: youngPerson, guardianships: guardianships, childPersonId: youngPerson) == .selfAccess)
    }

    @Test("whose signature is missing: one guardian, all with parental responsibility, the young person")
    func missing() {
        #expect(DigitalConsent.missing(rule: .allWithParentalResponsibility, guardianships: guardianships, signed: [mother]) == [father])
        #expect(DigitalConsent.missing(rule: .allWithParentalResponsibility, guardianships: guardianships, signed: [mother, father]).isEmpty)
        // The stepfather's signature counts for nothing.
        #expect(DigitalConsent.missing(rule: .allWithParentalResponsibility, guardianships: guardianships, signed: [mother, stepfather]) == [father])
        #expect(DigitalConsent.missing(rule: .oneGuardian, guardianships: guardianships, signed: [father]).isEmpty)
        #expect(Set(DigitalConsent.missing(rule: .oneGuardian, guardianships: guardianships, signed: [stepfather])) == [mother, father])
        #expect(DigitalConsent.missing(rule: .youngPerson, guardianships: guardianships, signed: [youngPerson]).isEmpty)
    }

    @Test("cancelling a waiting consent: only one who signed it, only while it waits")
    func cancellation() {
        #expect(ConsentProposalCancellation.decide(status: .awaitingGuardians, signers: [mother], personId: mother) == .success(.cancelled))
        // The co-guardian who has not signed does not cancel it (they simply do not sign).
        #expect(ConsentProposalCancellation.decide(status: .awaitingGuardians, signers: [mother], personId: father) == .failure(.notASigner))
        #expect(ConsentProposalCancellation.decide(status: .inForce, signers: [mother, father], personId: mother) == .failure(.notAwaiting))
        #expect(ConsentProposalCancellation.decide(status: .cancelled, signers: [mother], personId: mother) == .failure(.notAwaiting))
    }

    @Test("the rule per purpose is configurable: one guardian for the configured services, all for anything else and any arena")
    func policy() {
        let school = ConsentPurpose(services: [.school], arenas: [])
        let health = ConsentPurpose(services: [.school, .healthStation], arenas: [])
        let arena = ConsentPurpose(services: [.school], arenas: [ArenaScope(id: UUID(), participantServices: [.school])])
        #expect(FamilyPolicy.standard.guardianRule(for: school) == .oneGuardian)
        #expect(FamilyPolicy.standard.guardianRule(for: health) == .allWithParentalResponsibility)
        #expect(FamilyPolicy.standard.guardianRule(for: arena) == .allWithParentalResponsibility)
        let relaxed = FamilyPolicy(oneGuardianServices: [.school, .healthStation])
        #expect(relaxed.guardianRule(for: health) == .oneGuardian)
        #expect(relaxed.guardianRule(for: arena) == .allWithParentalResponsibility)
        // The staff rule (ConsentPurpose.guardianRule) is the standard policy's.
        #expect(health.guardianRule == FamilyPolicy.standard.guardianRule(for: health))
    }

    @Test("who gives it: guardians below the purpose's age, the young person from it, never a guardian without parental responsibility")
    func giver() {
        let bup = ConsentPurpose(services: [.bup], arenas: [])
        let school = ConsentPurpose(services: [.school, .ppt], arenas: [])
        func give(_ person: UUID, _ purpose: ConsentPurpose, age: Int) -> String {
            switch DigitalConsent.giver(person, guardianships: guardianships, childPersonId: youngPerson, purpose: purpose, childAge: age,
                                        rule: FamilyPolicy.standard.guardianRule(for: purpose)) {
            case .success(let value): return "\(value.party.rawValue)/\(value.rule.rawValue)"
            case .failure(let violation): return violation.rule
            }
        }
        #expect(give(mother, bup, age: 12) == "guardian/all_with_parental_responsibility")
        #expect(give(mother, bup, age: 16) == "young_person_decides")
        #expect(give(youngPerson, bup, age: 16) == "young_person/young_person")
        #expect(give(youngPerson, bup, age: 15) == "young_person_too_young")
        #expect(give(youngPerson, school, age: 17) == "guardians_required")
        #expect(give(mother, school, age: 17) == "guardian/all_with_parental_responsibility")
        #expect(give(stepfather, school, age: 10) == "not_parental_responsibility")
    }

    @Test("innsyn names what was read from the access log's resource")
    func subjects() {
        #expect(InnsynSubject(resource: "agenda") == .agenda)
        #expect(InnsynSubject(resource: "meeting") == .agenda)
        #expect(InnsynSubject(resource: "minutes") == .minutes)
        #expect(InnsynSubject(resource: "referral") == .caseRecord)
        #expect(InnsynSubject(resource: "coordination_measure") == .coordinationLog)
        #expect(InnsynSubject(resource: "consent_proposal") == .consent)
        #expect(InnsynSubject(resource: "something_new") == .other)
    }

    @Test("narrowing keeps a subset and an end no later; an unchanged or emptied consent is refused")
    func narrowing() {
        let today = LocalDate(year: 2026, month: 12, day: 6)!
        let arena = UUID()
        let original = ConsentGrant(id: UUID(), childId: UUID(), services: [.school, .ppt], arenaIds: [arena], information: [.identity, .health],
                                    validFrom: today, validUntil: today.adding(days: 100), withdrawnAt: nil, youngPersonConsented: false)
        func rules(_ services: Set<ServiceKind>, _ arenas: Set<UUID>, _ info: Set<InformationCategory>, _ until: LocalDate?) -> [String] {
            ConsentNarrowing.violations(original: original, services: services, arenaIds: arenas, information: info, validUntil: until, today: today)
                .map(\.rule)
        }
        #expect(rules([.school], [arena], [.identity, .health], today.adding(days: 100)).isEmpty)
        #expect(rules([.school, .ppt], [], [.identity], today.adding(days: 50)).isEmpty)
        #expect(rules([.school, .ppt, .bup], [arena], [.identity, .health], today.adding(days: 100)) == ["not_narrower"])
        #expect(rules([.school, .ppt], [arena, UUID()], [.identity, .health], today.adding(days: 100)) == ["not_narrower"])
        #expect(rules([.school, .ppt], [arena], [.identity, .family], today.adding(days: 100)) == ["not_narrower"])
        #expect(rules([.school, .ppt], [arena], [.identity, .health], today.adding(days: 101)) == ["not_narrower"])
        #expect(rules([.school, .ppt], [arena], [.identity, .health], nil) == ["not_narrower"])
        #expect(rules([.school, .ppt], [arena], [.identity, .health], today.adding(days: -1)) == ["range"])
        #expect(rules([], [], [.identity], today.adding(days: 100)) == ["required"])
        #expect(rules([.school, .ppt], [arena], [.identity, .health], today.adding(days: 100)) == ["unchanged"])
    }

    @Test("the family always gets a notice by e-mail; staff as the arena chose")
    func familyNotices() {
        #expect(DeliveryMode.content.forRecipient(.guardian) == .notice)
        #expect(DeliveryMode.content.forRecipient(.youngPerson) == .notice)
        #expect(DeliveryMode.content.forRecipient(.staff) == .content)
        #expect(DeliveryMode.notice.forRecipient(.staff) == .notice)
    }
}
